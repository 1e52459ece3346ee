"""Backup during load, restore into a new database, and 10 laptops carry on: 0 lost, 0 doubled.

The county's server keeps syncing 10 laptops while ``fieldapp-server backup`` runs; laptops keep
pushing after the backup; then the server is lost and restored from the backup into a NEW database
on a new server. The laptops notice the restore (new data epoch), send again what the backup lacks,
and pull everything: every household any laptop ever recorded is on the server exactly once and on
every laptop, the devices still authenticate with their keys, and cursors continue.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from sync.client import SyncClient
from sync.server import ops
from sync.server.storage import Scope, open_storage
from sync.store import STATE_SERVER_URL
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, RunningServer

LAPTOPS = 10
ROUNDS_BEFORE, ROUNDS_DURING, ROUNDS_AFTER = 2, 3, 2


def _url(storage, tmp_path) -> str:
    return f"sqlite:///{storage.path}" if storage.backend == "sqlite" else storage.url


def _new_database(storage, tmp_path, request) -> str:
    if storage.backend == "sqlite":
        return f"sqlite:///{tmp_path}/restored.db"
    return request.getfixturevalue("postgres").create_database()


def _work(laptops, created, rounds, errors_seen):
    """Each laptop records households and syncs, in its own thread, *rounds* times."""
    def one(n, laptop):
        try:
            for r in range(rounds):
                for _ in range(2):
                    hid = str(uuid.uuid4())
                    address = f"柳溪村{n + 1}组{len(created[n]) + 1}号"
                    laptop.visit(VILLAGE_A, hid, address=address, phone=f"1390000{n:02d}{r:02d}")
                    created[n][hid] = address
                laptop.client.sync()
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors_seen.append(exc)

    threads = [threading.Thread(target=one, args=(n, lap)) for n, lap in enumerate(laptops)]
    for t in threads:
        t.start()
    return threads


def test_restore_during_load_loses_and_doubles_nothing(storage, tmp_path, request):
    old = RunningServer(storage).start()
    laptops = [old.laptop() for _ in range(LAPTOPS)]
    device_ids = {lap.client.device_id for lap in laptops}
    created: list[dict] = [{} for _ in laptops]
    errors_seen: list = []
    for t in _work(laptops, created, ROUNDS_BEFORE, errors_seen):
        t.join()

    threads = _work(laptops, created, ROUNDS_DURING, errors_seen)   # laptops keep syncing ...
    made = ops.backup(_url(storage, tmp_path), tmp_path / "backup" / "county.backup")   # ... while the backup runs
    for t in threads:
        t.join()
    for t in _work(laptops, created, 1, errors_seen):               # and after it: not in the backup
        t.join()
    assert not errors_seen, errors_seen
    assert (tmp_path / "backup" / "county.backup").stat().st_mode & 0o077 == 0
    total = sum(len(c) for c in created)
    old_records = [r for r in storage.records(Scope("admin", TOWNSHIP)) if r["entity"] == "household"]
    assert len(old_records) == total
    old.stop()
    storage.close()   # the old server is gone

    new_url = _new_database(storage, tmp_path, request)
    restored = ops.restore(made["file"], new_url)
    assert restored["devices"] == LAPTOPS and restored["restored_seq"] > 0
    new_storage = open_storage(new_url)
    in_backup = [r for r in new_storage.records(Scope("admin", TOWNSHIP)) if r["entity"] == "household"]
    assert 0 < len(in_backup) < total   # the backup was taken mid-load: what came later is only on the laptops
    new = RunningServer(new_storage).start()
    try:
        for lap in laptops:   # the county points the same address at the restored server (a new port here)
            lap.client.close()
            lap.store.set_sync_state(STATE_SERVER_URL, new.url)
            lap.client = SyncClient(lap.store)
        for t in _work(laptops, created, ROUNDS_AFTER, errors_seen):
            t.join()
        for lap in laptops:   # one more round so that every laptop pulls what the last ones sent again
            lap.client.sync()
        assert not errors_seen, errors_seen

        expected = {hid: address for c in created for hid, address in c.items()}
        households = [r for r in new_storage.records(Scope("admin", TOWNSHIP)) if r["entity"] == "household"]
        assert len(households) == len(expected) == sum(len(c) for c in created)          # 0 doubled
        assert {r["entity_id"]: r["fields"]["address"] for r in households} == expected  # 0 lost
        log = new_storage.change_log(Scope("admin", TOWNSHIP))
        assert len({c["change_id"] for c in log}) == len(log)                             # each change once
        assert {d["device_id"] for d in new_storage.list_devices()} == device_ids         # same device keys
        for lap in laptops:
            have = {eid: rec["fields"].get("address") for (entity, eid), rec in lap.store.records.items()
                    if entity == "household"}
            assert have == expected
            assert lap.store.pending_changes(10) == []
            assert int(lap.store.get_sync_state("cursor")) == new_storage.last_seq()
    finally:
        new.stop()
        new_storage.close()


def test_restore_refuses_a_database_that_holds_data(storage, tmp_path):
    made = ops.backup(_url(storage, tmp_path), tmp_path / "b.backup")
    with pytest.raises(ops.OpsError) as refused:
        ops.restore(made["file"], _url(storage, tmp_path))
    assert "已有数据" in refused.value.message_zh
