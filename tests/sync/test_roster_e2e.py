"""End to end: a roster imported on the county server reaches two village laptops and the township office
through the normal pull; visits, a 迁出 and a household found at the door; coverage agrees everywhere."""

from __future__ import annotations

import csv
import uuid

import pytest

from fieldapp.services import Services
from fieldapp.vault import FAST_KDF
from forms.coverage import UnreachableIncomplete
from sync.server.admin import issue_enrollment_code
from sync.server.roster_import import coverage, import_roster
from sync.server.storage.base import ADMIN as ADMIN_SCOPE
from tests.sync import roster_files as rf
from tests.sync.conftest import RunningServer, make_storage

CAMPAIGN = "2026年困难群众走访排查专项行动"
PASS = "river-tea-leaf-2026"


@pytest.fixture
def county_server(backend, tmp_path, request):
    storage = make_storage(backend, tmp_path, request)
    rf.seed_county(storage)
    running = RunningServer(storage).start()
    yield running
    running.stop()
    storage.close()


def _roster_csv(path):
    heads = {"a1": [("马德福", rf.make_id("19520101", 201)), ("杨淑芬", rf.make_id("19560202", 212)),
                    ("许国庆", rf.make_id("19491001", 221))],
             "a2": [("何春生", rf.make_id("19600303", 231)), ("吕桂香", rf.make_id("19580404", 242))],
             "b1": [("施永", rf.make_id("19700505", 251))]}
    village = {"a1": rf.VILLAGE_A1, "a2": rf.VILLAGE_A2, "b1": rf.VILLAGE_B1}
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码", "救助类别",
                    "保障金额", "家庭住址"])
        n = 0
        for key, people in heads.items():
            for name, number in people:
                n += 1
                w.writerow([name, number, name, "户主", number, village[key], "农村低保A类", "850", f"{key}组{n}号"])
                spouse = rf.make_id("19650101", 300 + 2 * n)
                w.writerow([name, number, f"{name[0]}妻", "配偶", spouse, village[key], "", "", ""])
    return heads


def _laptop(server, tmp_path, name, role, villages=()):
    code, _ = issue_enrollment_code(server.storage, role, rf.TOWN_A, list(villages), 1.0)
    svc = Services(tmp_path / name, kdf=FAST_KDF)
    svc.create_vault("协理员" + name, PASS, server_url=server.url, enrollment_code=code)
    svc.unlock("协理员" + name, PASS)
    svc.sync()
    return svc


def _visit_final(svc, household_id, visitors=("王芳", "李强"), **answers):
    h = svc.open_household(household_id)["household"]
    visit = svc.new_visit(h)
    visit["answers"].update({"visitors": list(visitors), "representative": "本人", **answers})
    problems = [p for p in svc.validate(visit) if p.severity == "error"]
    assert not problems, [(p.path, p.code, p.message_zh) for p in problems]
    return visit, svc.save_visit(visit, final=True)


def _village(report, code):
    return next(v for v in report["villages"] if v["code"] == code)


def test_roster_to_laptops_visits_closure_discovery_and_one_coverage_everywhere(county_server, tmp_path, monkeypatch,
                                                                               capsys):
    heads = _roster_csv(tmp_path / "花名册.csv")
    report = import_roster(county_server.storage, tmp_path / "花名册.csv", campaign=CAMPAIGN, start="2026-04-01")
    assert report["households"]["new"] == 6 and not report["rejected_rows"]

    a1 = _laptop(county_server, tmp_path, "a1", "visitor", [rf.VILLAGE_A1])
    a2 = _laptop(county_server, tmp_path, "a2", "visitor", [rf.VILLAGE_A2])
    office = _laptop(county_server, tmp_path, "office", "office")

    # The roster's households are on each laptop as 未走访 before anyone visits.
    rows_a1 = {r.head_name: r for r in a1.household_rows()}
    assert set(rows_a1) == {n for n, _ in heads["a1"]}
    assert {r.visit_status for r in rows_a1.values()} == {"not_visited"}
    assert {r.head_name for r in office.household_rows()} == {n for k in ("a1", "a2") for n, _ in heads[k]}

    # A visit starts pre-filled from the roster; what the visitor corrects is a change like any other.
    first = rows_a1["马德福"].household_id
    visit = a1.new_visit(a1.open_household(first)["household"])
    assert [m["name"] for m in visit["answers"]["members"]] == ["马德福", "马妻"]
    assert visit["answers"]["categories"] == ["dibao_a"] and visit["answers"]["village_code"] == rf.VILLAGE_A1
    _visit_final(a1, first, address="东关村一组1号（已更正）", area_type="rural")
    corrected = [c for c in a1.vault.pending_changes() if c["entity"] == "household"]
    assert [c["fields"]["address"] for c in corrected if c["entity_id"] == first] == ["东关村一组1号（已更正）"]
    assert all("roster" not in c["fields"] for c in corrected)      # the roster's own field is left as the county set it

    # 无法入户: reason and note required; a refusal needs the second visitor.
    moved = rows_a1["杨淑芬"].household_id
    with pytest.raises(UnreachableIncomplete):
        a1.mark_unreachable(moved, "moved_out", "", ["王芳"])
    with pytest.raises(UnreachableIncomplete):
        a1.mark_unreachable(moved, "refused", "不开门", ["王芳"])
    a1.mark_unreachable(moved, "moved_out", "2025年随子女迁往郑州", ["王芳"])

    # Village A2: one roster household visited, one household found at the door (not on the roster).
    rows_a2 = {r.head_name: r for r in a2.household_rows()}
    _visit_final(a2, rows_a2["何春生"].household_id, area_type="rural")
    found = str(uuid.uuid4())
    a2.save_visit({"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
                   "household_id": found, "visit_id": str(uuid.uuid4()), "status": "final",
                   "answers": {"visit_date": "2026-11-20", "visitors": ["赵敏", "钱亮"], "village_code": rf.VILLAGE_A2,
                               "area_type": "rural", "address": "西岗村六组", "members": [
                                   {"member_id": str(uuid.uuid4()), "name": "孔大海", "relation": "head",
                                    "id_number": rf.make_id("19660606", 261)}]}}, final=True)

    for svc in (a1, a2, office, a1, a2):
        svc.sync()

    # The hand count, and the same figures from the server, the office laptop and each visitor laptop.
    expected = {rf.VILLAGE_A1: dict(target=3, visited=1, not_visited=1, unreachable_total=1, discovered=0),
                rf.VILLAGE_A2: dict(target=2, visited=1, not_visited=1, unreachable_total=0, discovered=1)}
    server = coverage(county_server.storage, CAMPAIGN)
    office_report = office.target_coverage().as_dict()
    for code, want in expected.items():
        for name, rep in (("server", server), ("office", office_report)):
            got = _village(rep, code)
            assert {k: got[k] for k in want} == want, (name, code, got)
    assert _village(server, rf.VILLAGE_A1)["unreachable"]["moved_out"] == 1
    assert _village(a1.target_coverage().as_dict(), rf.VILLAGE_A1) == _village(server, rf.VILLAGE_A1)
    assert _village(a2.target_coverage().as_dict(), rf.VILLAGE_A2) == _village(server, rf.VILLAGE_A2)
    town = next(t for t in server["townships"] if t["code"] == rf.TOWN_A)
    assert office_report["townships"] == [town]
    assert (town["target"], town["visited"], town["unreachable_total"], town["not_visited"], town["discovered"]) == (5, 2, 1, 2, 1)
    assert town["rate_permille"] == 600
    county = server["counties"][0]
    assert (county["target"], county["not_visited"]) == (6, 3)        # 施永 in the other township, not yet visited

    # The laptop's coverage page shows roster targets, not "every household on the laptop".
    page = {v.village_code: v for v in office.coverage().villages}
    assert (page[rf.VILLAGE_A2].target, page[rf.VILLAGE_A2].visited, page[rf.VILLAGE_A2].discovered) == (2, 1, 1)
    assert (page[rf.VILLAGE_A1].target, page[rf.VILLAGE_A1].unreachable) == (3, 1)
    for svc in (a1, a2, office):
        svc.lock()

    # The same figures from the command line of the office laptop and of the county server.
    import json

    from fieldapp.cli import main as fieldapp_main

    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    capsys.readouterr()
    assert fieldapp_main(["--data-dir", str(tmp_path / "office"), "coverage", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == office_report
    assert fieldapp_main(["--data-dir", str(tmp_path / "a1"), "coverage"]) == 0
    assert f"村 {rf.VILLAGE_A1}：目标 3，已走访 1，无法入户 1（迁出 1），未走访 1，主动发现 0" in capsys.readouterr().out


def test_a_laptop_can_neither_add_nor_close_a_roster_target(county_server, tmp_path):
    from sync import errors

    _roster_csv(tmp_path / "花名册.csv")
    import_roster(county_server.storage, tmp_path / "花名册.csv", campaign=CAMPAIGN, start="2026-04-01")
    laptop = county_server.laptop(villages=(rf.VILLAGE_A1,), township=rf.TOWN_A)
    target = next(r for r in county_server.storage.records(ADMIN_SCOPE) if r["village_code"] == rf.VILLAGE_A1)
    hid = str(uuid.uuid4())
    for entity_id, roster in ((hid, {"campaign": CAMPAIGN, "closed": False}),
                              (target["entity_id"], dict(target["fields"]["roster"], closed=True))):
        change = {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": entity_id,
                  "household_id": entity_id, "village_code": rf.VILLAGE_A1, "base_revision": 0,
                  "fields": {"roster": roster}, "author": "t", "at": "2026-05-12T08:00:00+00:00"}
        with pytest.raises(errors.ChangeInvalid) as err:
            laptop.client._call("POST", "/v1/push", {"changes": [change]})
        assert "roster" in str(err.value.detail)
    report = coverage(county_server.storage, CAMPAIGN)
    assert report["counties"][0]["target"] == 6
