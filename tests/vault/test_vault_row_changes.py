"""The vault stores only typed answers and logs row-level changes; migration 4 upgrades an existing vault."""

from __future__ import annotations

import json

from fieldapp.vault import FAST_KDF, Vault
from fieldapp.vault import migrations as migrations_module
from forms.grain import legacy_row_id
from forms.loader import load_form
from vaultkit import PASSPHRASE, make_visit

VILLAGE = "320102003004"


def pending_fields(vault) -> list[dict]:
    return [c["fields"] for c in vault.pending_changes(100) if c["entity"] == "household"]


def test_a_save_stores_no_calculated_answer_and_logs_only_what_changed_row_by_row(vault):
    form = load_form("four_clarifications", 1)
    visit = make_visit(names=("周一", "周二"), village=VILLAGE,
                       incomes=[{"income_id": "5d0c1f5e-34a9-4d0f-9a52-7b0f6f1c0a01", "source": "wages", "amount_fen": 200000}])
    visit["answers"] = form.calculate(visit["answers"])          # what the app hands the vault: answers + calculations
    assert visit["answers"]["household_size"] == 2 and visit["answers"]["incomes"][0]["counted"] is True
    vault.save_visit(visit)
    stored = vault.get_household(visit["household_id"])["fields"]
    assert "household_size" not in stored and "per_capita_income_fen" not in stored
    assert "counted" not in stored["incomes"][0]
    assert "household_size" not in vault.get_visit(visit["visit_id"])["answers"]
    first = pending_fields(vault)[0]
    assert "household_size" not in first and "counted" not in json.dumps(first)

    again = json.loads(json.dumps(visit))
    again["answers"]["members"][1]["health"] = "serious_illness"
    again["answers"]["address"] = "青石村五组 3 号"
    vault.save_visit(again)
    second = pending_fields(vault)[1]
    mid = visit["answers"]["members"][1]["member_id"]
    assert second == {f"members/{mid}/health": "serious_illness", "address": "青石村五组 3 号"}


def test_migration_4_upgrades_a_vault_written_before_it_without_new_changes(tmp_path):
    """The rows as the code before migration 4 wrote them (calculated answers, no row ids), then migration 4."""
    old = Vault.create(tmp_path / "old", "visitor1", PASSPHRASE, None, kdf=FAST_KDF)
    visit = make_visit(names=("孙一", "孙二"), village=VILLAGE)
    old.save_visit(visit)
    hid = visit["household_id"]
    legacy = {"village_code": VILLAGE, "address": "东山村三组12号", "household_size": 2,
              "members": [{"name": "孙一", "relation": "head", "age": 40}, {"name": "孙二", "relation": "child"}],
              "incomes": [{"source": "wages", "amount_fen": 100000, "counted": True}]}
    db = old._db()
    db.execute("UPDATE households SET fields = ? WHERE id = ?", [json.dumps(legacy, ensure_ascii=False), hid])
    db.execute("UPDATE visits SET answers = ? WHERE id = ?",
               [json.dumps(dict(legacy, visit_date="2026-05-12"), ensure_ascii=False), visit["visit_id"]])
    db.execute("UPDATE changes SET fields = ? WHERE entity = 'household'", [json.dumps(legacy, ensure_ascii=False)])
    changes_before = db.execute("SELECT count(*) FROM changes").fetchone()[0]
    [step] = [m for m in migrations_module.MIGRATIONS if m.version == 4]
    with db.conn:   # the step as migrate() runs it: inside one transaction
        step.apply(db)
    v = old
    ids = [legacy_row_id(hid, "members", 0), legacy_row_id(hid, "members", 1)]
    typed = {"village_code": VILLAGE, "address": "东山村三组12号",
             "members": [{"name": "孙一", "relation": "head", "member_id": ids[0]},
                         {"name": "孙二", "relation": "child", "member_id": ids[1]}],
             "incomes": [{"source": "wages", "amount_fen": 100000, "income_id": legacy_row_id(hid, "incomes", 0)}]}
    assert v.get_household(hid)["fields"] == typed
    assert v.get_visit(visit["visit_id"])["answers"] == dict(typed, visit_date="2026-05-12")
    assert pending_fields(v) == [typed]
    assert v._db().execute("SELECT count(*) FROM changes").fetchone()[0] == changes_before
    assert v._db().execute("SELECT member_id FROM members ORDER BY position").fetchall() == [(ids[0],), (ids[1],)]
    v.lock()
