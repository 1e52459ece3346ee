"""A county server database and a visitor laptop's vault made by the release before the row-level merge
(190edae, by its own command line: ``make_fixture.py``), upgraded by this code.

That release stored what its form calculated (household size, per-capita income, ages, ``counted`` …)
in every record and synced it, and gave no ids to incomes, expenses or supporters. After the upgrade:
only typed answers remain, on the server and on the laptop, every repeat row has an id, no change and
no conflict was made by the upgrade, the laptop's unsent visits still go out, and from then on two
laptops' edits of different rows of an upgraded household both apply.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from fieldapp import syncing
from fieldapp.services import Services
from fieldapp.vault import FAST_KDF, Vault
from forms.grain import calculated_paths, shipped_grain
from sync.server.admin import issue_enrollment_code
from sync.server.storage import Scope, open_storage
from sync.store import STATE_SERVER_URL
from tests.sync.conftest import RunningServer

FIXTURE = Path(__file__).parent / "190edae"
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))
GRAIN = shipped_grain()
ROW_GROUPS = {"members": "member_id", "needs": "need_id", "incomes": "income_id", "expenses": "expense_id"}


def raw_rows(db: Path, sql: str) -> list:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def typed_only(fields: dict) -> None:
    """No calculated answer anywhere, and an id on every row of every repeat group."""
    assert calculated_paths(fields, GRAIN) == []
    for group, key in ROW_GROUPS.items():
        for row in fields.get(group) or []:
            assert row.get(key), (group, row)


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    """The release's files copied, the server database migrated by this code and served, the laptop unlocked."""
    root = tmp_path_factory.mktemp("release")
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    db = root / "server.db"
    before = {"changes": raw_rows(db, "SELECT seq, change_id, fields FROM changes ORDER BY seq"),
              "records": {(e, i): (r, json.loads(f)) for e, i, r, f in
                          raw_rows(db, "SELECT entity, entity_id, revision, fields FROM records")}}
    storage = open_storage(f"sqlite:///{db}")
    applied = storage.migrate()
    server = RunningServer(storage).start()
    laptop = Services(root / "laptop")
    laptop.unlock(MANIFEST["user"], MANIFEST["passphrase"])
    laptop.vault.set_sync_state(STATE_SERVER_URL, server.url)   # the county server came back on a new port
    yield {"root": root, "db": db, "before": before, "applied": applied, "storage": storage, "server": server,
           "laptop": laptop}
    if laptop.vault.is_unlocked:
        laptop.vault.lock()
    server.stop()
    storage.close()


def test_the_release_s_own_files_hold_calculated_answers_and_rows_without_ids():
    """What the fixture is: if this fails, the files were not made by that release."""
    households = [json.loads(f) for (f,) in raw_rows(FIXTURE / "server.db", "SELECT fields FROM records WHERE entity = 'household'")]
    assert len(households) == 3 and all("household_size" in h and "per_capita_income_fen" in h for h in households)
    assert any("income_id" not in row for h in households for row in h["incomes"])
    assert raw_rows(FIXTURE / "server.db", "SELECT max(version) FROM schema_migrations") == [(5,)]


def test_the_server_keeps_typed_answers_only_without_new_changes_or_conflicts(upgraded):
    storage, before = upgraded["storage"], upgraded["before"]
    assert 6 in upgraded["applied"]
    assert raw_rows(upgraded["db"], "SELECT seq, change_id FROM changes ORDER BY seq") == \
        [(seq, cid) for seq, cid, _ in before["changes"]]
    assert storage.list_conflicts(Scope("admin", MANIFEST["county"])) == []
    records = storage.records(Scope("admin", MANIFEST["county"]))
    assert len(records) == len(before["records"]) == 6
    for rec in records:
        revision, old = before["records"][(rec["entity"], rec["entity_id"])]
        assert rec["revision"] == revision
        fields = rec["fields"]["answers"] if rec["entity"] == "visit" else rec["fields"]
        old_fields = old["answers"] if rec["entity"] == "visit" else old
        typed_only(fields)
        # every typed answer is still there, unchanged: only calculated ones and none other are gone
        assert fields["address"] == old_fields["address"] and fields["savings_fen"] == old_fields["savings_fen"]
        assert [m["name"] for m in fields["members"]] == [m["name"] for m in old_fields["members"]]
        assert [(i["source"], i["amount_fen"]) for i in fields["incomes"]] == \
            [(i["source"], i["amount_fen"]) for i in old_fields["incomes"]]
        assert set(old_fields) - set(fields) <= {"household_size", "per_capita_income_fen", "counted_income_fen",
                                                 "rigid_expense_fen", "utility_total_fen", "expenditure_type"} | {
            k for k in old_fields if k.endswith("_count")}


def test_the_laptop_keeps_typed_answers_only_and_its_unsent_visits(upgraded):
    vault = upgraded["laptop"].vault
    for hid in MANIFEST["synced_households"] + [MANIFEST["new_household"]]:
        typed_only(vault.get_household(hid, audit_view=False)["fields"])
    pending = vault.pending_changes(1000)
    assert [[c["entity"], c["entity_id"]] for c in pending] == MANIFEST["pending_changes"]   # no change made, none lost
    for change in pending:
        fields = change["fields"]["answers"] if change["entity"] == "visit" else change["fields"]
        assert calculated_paths(fields, GRAIN) == [], change["entity"]


def test_the_upgraded_laptop_syncs_its_visits_and_a_new_laptop_s_row_edits_merge(upgraded, tmp_path):
    server, old_laptop = upgraded["server"], upgraded["laptop"]
    report = syncing.sync_now(old_laptop.vault)
    assert report.pushed == len(MANIFEST["pending_changes"]) and report.conflicts == [] and report.set_aside == []
    assert old_laptop.vault.pending_count() == 0
    hid = MANIFEST["revisited_household"]
    on_server = next(r for r in upgraded["storage"].records(Scope("admin", MANIFEST["county"]))
                     if r["entity_id"] == hid)["fields"]
    typed_only(on_server)
    assert len(on_server["incomes"]) == 3 and [n["description"] for n in on_server["needs"]] == ["慢性病门诊报销", "孙女助学金"]

    # a laptop of this release joins the same villages, pulls the upgraded household, and edits another row
    new = Services(tmp_path / "new", kdf=FAST_KDF)
    new.create_vault("走访员二", "ridge-lantern-58")
    new.unlock("走访员二", "ridge-lantern-58")
    code = issue_enrollment_code(upgraded["storage"], "visitor", MANIFEST["township"], MANIFEST["villages"], 1.0)[0]
    syncing.enroll(new.vault, server.url, code)
    syncing.sync_now(new.vault)

    def revisit(svc: Services, edit) -> None:
        visit = svc.new_visit(svc.vault.get_household(hid, audit_view=False))
        visit["answers"].update(visit_date="2026-05-27", visitors=["走访员一", "走访员二"])
        edit(visit["answers"])
        svc.save_visit(visit, final=False)

    revisit(old_laptop, lambda a: a["members"][0].update(health="serious_illness"))
    revisit(new, lambda a: (a["members"][1].update(schooling="junior"),
                            a["expenses"].append({"expense_id": str(uuid.uuid4()), "kind": "education", "amount_fen": 80000})))
    conflicts = [c for svc in (old_laptop, new, old_laptop) for c in syncing.sync_now(svc.vault).conflicts]
    assert [c for c in conflicts if c["kind"] == "hard"] == []
    held = [svc.vault.get_household(hid, audit_view=False)["fields"] for svc in (old_laptop, new)]
    on_server = next(r for r in upgraded["storage"].records(Scope("admin", MANIFEST["county"]))
                     if r["entity_id"] == hid)["fields"]
    for fields in held + [on_server]:
        typed_only(fields)
        assert fields["members"][0]["health"] == "serious_illness" and fields["members"][1]["schooling"] == "junior"
        assert sorted(e["kind"] for e in fields["expenses"]) == ["education", "medical"]
    assert held[0] == held[1] == on_server
    new.vault.lock()


def test_the_office_can_still_recover_the_upgraded_laptop(upgraded, tmp_path):
    """The key wraps the release wrote survive the upgrade: the county office's private key opens the vault."""
    copy = tmp_path / "laptop"
    shutil.copytree(upgraded["root"] / "laptop", copy)
    vault = Vault.open(copy)
    vault.unlock_with_office_key((upgraded["root"] / MANIFEST["office_key"]).read_bytes())
    for hid in MANIFEST["synced_households"]:
        typed_only(vault.get_household(hid, audit_view=False)["fields"])
    vault.lock()
