"""Row-level merge end to end: a real server on 127.0.0.1, real SQLCipher vaults driven through the app's
services (two visitor laptops and the township office), a county that is not the demo county.

The four scenarios of issue 11: the office refers a need while a visitor adds another; two visitors edit
different members; one laptop adds an income and another an expense; two visitors set the same member's
same answer differently. The first three end with 0 conflicts (no hard conflict, nothing open for the
office; only ``merged`` notes of the concurrent edits), the last with exactly one row-level hard
conflict; afterwards every laptop holds the same household with every real edit in it.
"""

from __future__ import annotations

import json
import uuid

import pytest

from fieldapp import syncing
from fieldapp.services import Services
from fieldapp.vault import FAST_KDF
from forms.grain import calculated_paths, shipped_grain
from sync.server.admin import add_area
from sync.server.conflicts import conflict_lines
from sync.server.storage import Scope

COUNTY, TOWNSHIP, VILLAGE = "320102", "320102003", "320102003004"
PASS = "moss-kettle-harbor-7"


@pytest.fixture
def county(server):
    add_area(server.storage, COUNTY, "玄武区")
    add_area(server.storage, TOWNSHIP, "玄武门街道")
    add_area(server.storage, VILLAGE, "青石社区", "urban")
    return server


@pytest.fixture
def laptops(county, tmp_path):
    made = {}

    def make(name: str, role: str) -> Services:
        svc = Services(tmp_path / name, kdf=FAST_KDF)
        svc.create_vault(name, PASS)
        svc.unlock(name, PASS)
        villages = [VILLAGE] if role == "visitor" else []
        syncing.enroll(svc.vault, county.url, county.code(role=role, villages=villages, township=TOWNSHIP))
        made[name] = svc
        return svc

    a, b, office = make("visitor_a", "visitor"), make("visitor_b", "visitor"), make("office", "office")
    yield a, b, office
    for svc in made.values():
        if svc.vault is not None and svc.vault.is_unlocked:
            svc.vault.lock()


def sync(*laptops) -> list[dict]:
    conflicts = []
    for svc in laptops:
        conflicts += syncing.sync_now(svc.vault).conflicts
    return conflicts


def first_visit(hid: str) -> dict:
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": hid, "visit_id": str(uuid.uuid4()), "status": "draft",
            "answers": {"visit_date": "2026-05-12", "visitors": ["周敏", "吴磊"], "village_code": VILLAGE,
                        "area_type": "urban", "address": "青石社区 8 栋 2 单元 301", "hukou_type": "non_agricultural",
                        "members": [{"member_id": str(uuid.uuid4()), "name": "郑国强", "relation": "head", "health": "healthy"},
                                    {"member_id": str(uuid.uuid4()), "name": "郑小雨", "relation": "child", "health": "healthy"}],
                        "incomes": [{"income_id": str(uuid.uuid4()), "source": "wages", "amount_fen": 260000}],
                        "needs": [{"need_id": str(uuid.uuid4()), "category": "medical", "description": "看病贵",
                                   "disposition": "pending"}]}}


def revisit(svc: Services, hid: str, edit) -> None:
    """A visitor's new visit of the household: started from its current state, edited, saved."""
    visit = svc.new_visit(svc.vault.get_household(hid, audit_view=False))
    visit["answers"].update(visit_date="2026-05-20", visitors=["周敏", "吴磊"])
    edit(visit["answers"])
    svc.save_visit(visit, final=False)


def no_conflict(notices: list[dict], server) -> bool:
    """Nothing for anyone to decide: no hard conflict, nothing open on the server. A concurrent edit that merged
    leaves only a note with status ``merged`` (docs/sync.md, "Merge"), shown to nobody as a conflict."""
    return (all(n["kind"] == "soft" and n["status"] == "merged" for n in notices)
            and server.storage.list_conflicts(Scope("office", TOWNSHIP), status="open") == [])


def household_everywhere(server, laptops, hid) -> list[dict]:
    on_server = next(r for r in server.storage.records(Scope("admin", COUNTY)) if r["entity_id"] == hid)["fields"]
    return [on_server] + [svc.vault.get_household(hid, audit_view=False)["fields"] for svc in laptops]


def test_the_four_scenarios_of_row_level_merge(county, laptops):
    a, b, office = laptops
    hid = str(uuid.uuid4())
    a.save_visit(first_visit(hid), final=False)
    assert sync(a, b, office) == []
    fields = a.vault.get_household(hid)["fields"]
    need1, members = fields["needs"][0]["need_id"], [m["member_id"] for m in fields["members"]]

    # 1. the office refers need 1 and syncs; visitor A, not synced since, adds need 2
    office.update_need(hid, need1, disposition="referred", department="health", note="已转卫健局")
    assert sync(office) == []
    need2 = str(uuid.uuid4())
    revisit(a, hid, lambda ans: ans["needs"].append({"need_id": need2, "category": "housing", "description": "房屋漏雨",
                                                      "disposition": "pending"}))
    assert no_conflict(sync(a), county)

    # 2. two visitors edit different members
    sync(b)
    revisit(a, hid, lambda ans: ans["members"][0].update(health="serious_illness", illness_type="尿毒症"))
    revisit(b, hid, lambda ans: ans["members"][1].update(schooling="junior"))
    assert no_conflict(sync(a, b), county)

    # 3. A adds an income, B an expense, both from the same base
    sync(a)
    revisit(a, hid, lambda ans: ans["incomes"].append({"income_id": str(uuid.uuid4()), "source": "family_support",
                                                        "amount_fen": 50000}))
    revisit(b, hid, lambda ans: ans.update(expenses=[{"expense_id": str(uuid.uuid4()), "kind": "medical",
                                                       "amount_fen": 180000}]))
    assert no_conflict(sync(a, b), county)
    sync(a, b, office)
    everywhere = household_everywhere(county, laptops, hid)
    assert all(f == everywhere[0] for f in everywhere), "every laptop holds the same household"
    merged = everywhere[0]
    needs = {n["need_id"]: n for n in merged["needs"]}
    assert needs[need1]["disposition"] == "referred" and needs[need1]["department"] == "health"
    assert needs[need1]["history"][-1]["note"] == "已转卫健局" and needs[need2]["description"] == "房屋漏雨"
    assert [m["health"] for m in merged["members"]] == ["serious_illness", "healthy"]
    assert merged["members"][0]["illness_type"] == "尿毒症" and merged["members"][1]["schooling"] == "junior"
    assert sorted(i["source"] for i in merged["incomes"]) == ["family_support", "wages"]
    assert merged["expenses"][0]["amount_fen"] == 180000
    assert calculated_paths(merged, shipped_grain()) == []
    # the recorded first visit stayed as it was recorded: the referral amended the household only
    first = a.vault.get_household(hid)["visits"][-1]["id"]
    assert a.vault.get_visit(first, audit_view=False)["answers"]["needs"][0]["disposition"] == "pending"
    # calculated answers are recomputed where they are shown: (2600 + 500 − 1800) yuan ÷ 2 people
    calc = a.form().calculate(merged)
    assert (calc["household_size"], calc["per_capita_income_fen"]) == (2, 65000)
    assert county.storage.list_conflicts(Scope("office", TOWNSHIP), status="open") == []
    assert [svc.vault.list_conflicts() for svc in laptops] == [[], [], []]   # no laptop shows a conflict

    # 4. two visitors set the same member's same answer differently
    revisit(a, hid, lambda ans: ans["members"][1].update(health="chronic"))
    revisit(b, hid, lambda ans: ans["members"][1].update(health="severe_disability"))
    hard = [c for c in sync(a, b) if c["kind"] == "hard"]
    assert len(hard) == 1 and list(hard[0]["fields"]) == [f"members/{members[1]}/health"]
    side = hard[0]["fields"][f"members/{members[1]}/health"]
    assert (side["server"], side["device"], side["server_author"]) == ("chronic", "severe_disability", "visitor_a")
    record = household_everywhere(county, laptops, hid)[0]
    assert conflict_lines(hard[0], record)[0]["text"] == "第 2 位成员 · 健康状况: 体弱/慢性病 / 重残"
    assert len(county.storage.list_conflicts(Scope("office", TOWNSHIP), status="open")) == 1

    # the office resolves it at that grain; afterwards every laptop holds the same household
    sync(office)
    syncing.resolve_conflict(office.vault, hard[0]["conflict_id"], {f"members/{members[1]}/health": "severe_disability"},
                             author="office")
    sync(a, b, office)
    everywhere = household_everywhere(county, laptops, hid)
    assert all(f == everywhere[0] for f in everywhere)
    assert everywhere[0]["members"][1]["health"] == "severe_disability"
    assert everywhere[0]["members"][0]["illness_type"] == "尿毒症"
    assert json.dumps(everywhere[0], ensure_ascii=False).count(need2) == 1
