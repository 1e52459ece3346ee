"""The storage layer on both backends: merge rules, scope, paging, migrations."""

from __future__ import annotations

import uuid
from pathlib import Path


import pytest

from sync import errors
from sync.server.storage import Scope
from sync.server.storage.sqlite import SQLiteStorage
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, VILLAGE_B

VISITOR_A = Scope("visitor", TOWNSHIP, (VILLAGE_A,))
OFFICE = Scope("office", TOWNSHIP)
NOW = "2026-05-12T06:30:00+00:00"
# The newest migration in sync/server/storage/migrations/sqlite/ (several issues add their own); read from the
# files, so that no database is opened (or created in the working folder) at import.
LATEST = max(int(p.name.split("_", 1)[0]) for p in
             (Path(__file__).resolve().parents[2] / "sync" / "server" / "storage" / "migrations" / "sqlite").glob("*.sql"))


def change(hid, base, fields, village=VILLAGE_A, entity="household"):
    return {"change_id": str(uuid.uuid4()), "entity": entity, "entity_id": hid, "household_id": hid,
            "village_code": village, "base_revision": base, "fields": fields, "author": "甲", "at": NOW}


def record(storage, hid):
    return next(r for r in storage.records(Scope("admin", "")) if r["entity_id"] == hid)


def test_same_device_editing_twice_offline_is_not_a_conflict(storage):
    hid = str(uuid.uuid4())
    storage.push(VISITOR_A, "dev-a", [change(hid, 0, {"address": "1"}), change(hid, 0, {"address": "2"})], NOW)
    assert record(storage, hid)["fields"] == {"address": "2"} and record(storage, hid)["revision"] == 2
    assert storage.list_conflicts(OFFICE) == []


def test_hard_and_soft_conflict_records_are_exact(storage):
    hid = str(uuid.uuid4())
    storage.push(VISITOR_A, "dev-a", [change(hid, 0, {"address": "旧", "phone": "1", "land_mu": "2"})], NOW)
    storage.push(VISITOR_A, "dev-a", [change(hid, 1, {"address": "甲", "phone": "2"})], NOW)
    verdicts, notices = storage.push(VISITOR_A, "dev-b", [change(hid, 1, {"address": "乙", "land_mu": "3",
                                                                           "phone": "2"})], NOW)
    assert verdicts[0]["status"] == "conflict" and verdicts[0]["revision"] == 3
    hard, soft = notices
    # both values, and who set the server's value when (the change that made revision 2)
    assert (hard["kind"], hard["status"], hard["fields"]) == ("hard", "open", {"address": {
        "server": "甲", "device": "乙", "server_rev": 2, "server_device": "dev-a", "server_author": "甲", "server_at": NOW,
        "device_author": "甲", "device_at": NOW}})
    # phone got the same value on both sides: no conflict on it, and nothing to apply
    assert (soft["kind"], soft["status"], soft["fields"]) == ("soft", "merged", {"land_mu": {"device": "3"}})
    assert soft["concurrent"] == ["address", "phone"]
    assert record(storage, hid)["fields"] == {"address": "甲", "phone": "2", "land_mu": "3"}
    pulled = storage.pull(OFFICE, 0, 100)["changes"][-1]
    assert pulled["fields"] == {"address": "甲", "land_mu": "3", "phone": "2"}   # values after the merge


def test_change_with_only_conflicting_fields_keeps_revision(storage):
    hid = str(uuid.uuid4())
    storage.push(VISITOR_A, "a", [change(hid, 0, {"address": "1"})], NOW)
    storage.push(VISITOR_A, "a", [change(hid, 1, {"address": "2"})], NOW)
    verdicts, notices = storage.push(VISITOR_A, "b", [change(hid, 1, {"address": "3"})], NOW)
    assert verdicts[0]["revision"] == 2 and [n["kind"] for n in notices] == ["hard"]


def test_resolution_is_a_new_change_and_closes_the_conflict(storage):
    hid = str(uuid.uuid4())
    storage.push(VISITOR_A, "a", [change(hid, 0, {"address": "1"})], NOW)
    storage.push(VISITOR_A, "a", [change(hid, 1, {"address": "2"})], NOW)
    _, (hard,) = storage.push(VISITOR_A, "b", [change(hid, 1, {"address": "3"})], NOW)
    with pytest.raises(errors.ConflictNotFound):
        storage.resolve_conflict(Scope("office", "110105002"), hard["conflict_id"], {"address": "3"}, "o", "o", NOW)
    with pytest.raises(errors.MalformedRequest):
        storage.resolve_conflict(OFFICE, hard["conflict_id"], {"phone": "x"}, "o", "o", NOW)
    closed = storage.resolve_conflict(OFFICE, hard["conflict_id"], {"address": "3"}, "office-1", "镇经办", NOW)
    assert closed["status"] == "resolved" and closed["resolution"] == {"address": "3"}
    assert record(storage, hid)["fields"]["address"] == "3" and record(storage, hid)["revision"] == 3
    assert storage.list_conflicts(OFFICE, "open") == []


def test_pull_scope_and_paging(storage):
    ids = []
    for i in range(7):
        hid = str(uuid.uuid4())
        ids.append(hid)
        village = VILLAGE_A if i % 2 == 0 else VILLAGE_B
        storage.push(Scope("visitor", TOWNSHIP, (village,)), "d", [change(hid, 0, {"n": i}, village)], NOW)
    storage.push(Scope("visitor", "110105002", (OTHER_VILLAGE,)), "x", [change(str(uuid.uuid4()), 0, {"n": 99}, OTHER_VILLAGE)], NOW)
    page = storage.pull(VISITOR_A, 0, 2)
    assert [c["fields"]["n"] for c in page["changes"]] == [0, 2] and page["more"]
    page = storage.pull(VISITOR_A, page["cursor"], 10)
    assert [c["fields"]["n"] for c in page["changes"]] == [4, 6] and not page["more"]
    assert page["cursor"] == 8                                   # jumps over other areas' seqs
    assert len(storage.pull(OFFICE, 0, 100)["changes"]) == 7
    with pytest.raises(errors.OutsideArea):
        storage.push(VISITOR_A, "d", [change(str(uuid.uuid4()), 0, {"village_code": VILLAGE_B})], NOW)


def test_failing_migration_rolls_back(tmp_path):
    class Broken(SQLiteStorage):
        def _migration_files(self):
            good = super()._migration_files()
            return good + [(99, "0099_broken.sql", "CREATE TABLE half_done (a TEXT);\nINSERT INTO no_such_table VALUES (1);")]

    storage = Broken(str(tmp_path / "m.db"))
    with pytest.raises(Exception):
        storage.migrate()
    assert storage.schema_version() == LATEST
    with storage._tx(write=False) as tx:
        assert tx.q("SELECT name FROM sqlite_master WHERE name = 'half_done'") == []


def test_newer_database_is_refused(storage):
    with storage._tx() as tx:
        tx.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)", (999, "future", NOW))
    with pytest.raises(RuntimeError, match="newer"):
        storage.migrate()


def _unmigrated(backend, tmp_path, request):
    from sync.server.storage import open_storage

    if backend == "sqlite":
        return open_storage(f"sqlite:///{tmp_path}/upgrade.db")
    return open_storage(request.getfixturevalue("postgres").create_database())


def _table_exists(storage, name: str) -> bool:
    with storage._tx(write=False) as tx:
        if storage.backend == "sqlite":
            return bool(tx.q("SELECT name FROM sqlite_master WHERE type = 'table' AND name = %s", (name,)))
        return tx.one("SELECT to_regclass(%s) AS t", (name,))["t"] is not None


def test_migration_2_upgrades_a_schema_1_database_keeping_its_data(backend, tmp_path, request):
    storage = _unmigrated(backend, tmp_path, request)
    full = storage._migration_files()
    assert [v for v, _, _ in full][:2] == [1, 2]
    storage._migration_files = lambda: full[:1]          # the database as the previous release left it
    assert storage.migrate() == [1]
    from tests.sync.conftest import seed_areas

    seed_areas(storage)
    hid = str(uuid.uuid4())
    storage.push(VISITOR_A, "d1", [change(hid, 0, {"address": "东村1号"})], NOW)
    assert not _table_exists(storage, "office_keys")

    storage._migration_files = lambda: full[:2]
    assert storage.migrate() == [2]
    assert storage.schema_version() == 2
    assert record(storage, hid)["fields"] == {"address": "东村1号"}
    assert storage.office_key() is None
    row = storage.set_office_key("PEM-1", lambda version, pem: f"sig{version}", NOW)
    assert row["version"] == 1 and storage.office_key() == row
    assert storage.set_office_key("PEM-1", lambda version, pem: "unused", NOW)["version"] == 1   # same key: no new version
    assert storage.set_office_key("PEM-2", lambda version, pem: f"sig{version}", NOW)["signature"] == "sig2"
    assert storage.pull(VISITOR_A, 0, 10)["office_recovery_key"]["public_key_pem"] == "PEM-2"
    storage.close()


def test_migration_3_adds_serial_blocks_to_a_schema_2_database_keeping_its_data(backend, tmp_path, request):
    storage = _unmigrated(backend, tmp_path, request)
    full = storage._migration_files()
    assert [v for v, _, _ in full][2] == 3
    storage._migration_files = lambda: full[:2]
    assert storage.migrate() == [1, 2]
    from tests.sync.conftest import seed_areas

    seed_areas(storage)
    hid = str(uuid.uuid4())
    storage.push(VISITOR_A, "d1", [change(hid, 0, {"address": "东村2号"})], NOW)
    assert not _table_exists(storage, "serial_blocks")
    storage._migration_files = lambda: full[:3]
    assert storage.migrate() == [3]
    assert record(storage, hid)["fields"] == {"address": "东村2号"}
    assert storage.reserve_serials("110105001", "letter", 2026, 10, 1, "d1", NOW) == (1, 10)
    assert storage.reserve_serials("110105001", "letter", 2026, 5, 1, "d2", NOW) == (11, 15)
    storage._migration_files = lambda: full
    later = [v for v, _, _ in full][3:]
    assert storage.migrate() == later and later[:2] == [4, 5] and later[-1] == LATEST
    assert storage.add_audit_anchor("d1", 7, "a" * 64, NOW) and storage.audit_anchors("d1")[0]["seq"] == 7
    storage.record_read("d1", "pull", 0, 3, 1, [hid], NOW)
    assert storage.device_reads(household_id=hid)[0]["households"] == [hid]
    assert storage.reserve_serials("110105001", "letter", 2026, 1, 1, "d1", NOW) == (16, 16)
    storage.close()


def test_failing_migration_2_rolls_back_on_both_backends(backend, tmp_path, request):
    storage = _unmigrated(backend, tmp_path, request)
    full = storage._migration_files()
    storage._migration_files = lambda: full[:1]
    storage.migrate()
    version, name, script = full[1]
    storage._migration_files = lambda: [full[0], (version, name, script + ";\nINSERT INTO no_such_table VALUES (1)")]
    with pytest.raises(Exception):
        storage.migrate()
    assert storage.schema_version() == 1
    assert not _table_exists(storage, "office_keys")      # the table of the failed step is gone too
    storage._migration_files = lambda: full
    assert storage.migrate() == [v for v, _, _ in full][1:]
    assert _table_exists(storage, "office_keys")
    storage.close()


def test_migration_6_gives_rows_ids_and_drops_calculated_answers_without_changes_or_conflicts(backend, tmp_path, request):
    """A schema-5 database holding what the previous release wrote: whole lists, calculated answers, no row ids."""
    import json

    from forms.grain import legacy_row_id

    storage = _unmigrated(backend, tmp_path, request)
    full = storage._migration_files()
    storage._migration_files = lambda: [f for f in full if f[0] <= 5]
    assert storage.migrate() == [1, 2, 3, 4, 5]
    hid, vid = str(uuid.uuid4()), str(uuid.uuid4())
    members = [{"name": "赵一", "relation": "head", "age": 61}, {"name": "赵二", "relation": "child", "age": 9}]
    household = {"address": "青石村5号", "members": members, "household_size": 2, "per_capita_income_fen": 75000,
                 "incomes": [{"source": "wages", "amount_fen": 150000, "counted": True}]}
    answers = dict(household, visit_date="2026-05-12")
    old_revs = {k: [1, "dev-old"] for k in household}
    with storage._tx() as tx:   # the rows exactly as the previous release's push stored them
        tx.exec("UPDATE counters SET value = 2 WHERE name = 'seq'")
        for seq, entity, eid, fields, revs in ((1, "household", hid, household, old_revs),
                                               (2, "visit", vid, {"household_id": hid, "status": "final", "answers": answers},
                                                {"household_id": [1, "dev-old"], "status": [1, "dev-old"], "answers": [1, "dev-old"]})):
            tx.exec("INSERT INTO records (entity, entity_id, household_id, village_code, township_code, revision, fields, "
                    "field_revs, updated_seq) VALUES (%s, %s, %s, %s, %s, 1, %s, %s, %s)",
                    (entity, eid, hid, VILLAGE_A, TOWNSHIP, json.dumps(fields, ensure_ascii=False), json.dumps(revs), seq))
            tx.exec("INSERT INTO changes (seq, change_id, entity, entity_id, household_id, village_code, township_code, "
                    "revision, fields, device_id, author, at, received_at, status) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s, 'dev-old', '甲', %s, %s, 'applied')",
                    (seq, str(uuid.uuid4()), entity, eid, hid, VILLAGE_A, TOWNSHIP, json.dumps(fields, ensure_ascii=False),
                     NOW, NOW))
    storage._migration_files = lambda: full
    assert 6 in storage.migrate()
    ids = [legacy_row_id(hid, "members", 0), legacy_row_id(hid, "members", 1)]
    typed = {"address": "青石村5号", "members": [{"name": "赵一", "relation": "head", "member_id": ids[0]},
                                               {"name": "赵二", "relation": "child", "member_id": ids[1]}],
             "incomes": [{"source": "wages", "amount_fen": 150000, "income_id": legacy_row_id(hid, "incomes", 0)}]}
    assert record(storage, hid)["fields"] == typed and record(storage, hid)["revision"] == 1
    assert record(storage, vid)["fields"]["answers"] == dict(typed, visit_date="2026-05-12")
    page = storage.pull(OFFICE, 0, 100)
    assert [c["seq"] for c in page["changes"]] == [1, 2] and page["conflicts"] == []      # no new change, no conflict
    assert page["changes"][0]["fields"] == typed
    assert storage.list_conflicts(OFFICE) == []
    # the migrated rows merge by row: another device edits member 2 with the row id it computed itself
    verdicts, notices = storage.push(VISITOR_A, "dev-new", [change(hid, 1, {f"members/{ids[1]}/health": "chronic"})], NOW)
    assert verdicts[0]["status"] == "applied" and notices == []
    assert record(storage, hid)["fields"]["members"][1] == {"name": "赵二", "relation": "child", "member_id": ids[1],
                                                            "health": "chronic"}
    storage.close()


def test_one_push_indexes_every_household_s_member_ids_and_a_path_change_re_indexes(storage):
    """The member-ID index is written for a whole batch at once, and also when only one member's number changes."""
    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    shared, own = "51012319800101001X", "510123199001010028"
    members = lambda mid, number: [{"member_id": mid, "name": "王五", "id_number": number}]  # noqa: E731
    storage.push(VISITOR_A, "dev-a", [change(first, 0, {"members": members("m1", shared)}),
                                      change(second, 0, {"members": members("m2", shared.lower())}),
                                      change(third, 0, {"members": members("m3", own)})], NOW)
    found = storage.duplicate_members(OFFICE)
    assert [(d["id_number"], sorted(h["household_id"] for h in d["households"])) for d in found] == \
        [(shared, sorted([first, second]))]
    storage.push(VISITOR_A, "dev-a", [change(second, 1, {"members/m2/id_number": own})], NOW)
    found = storage.duplicate_members(OFFICE)
    assert [(d["id_number"], sorted(h["household_id"] for h in d["households"])) for d in found] == \
        [(own, sorted([second, third]))]
