"""A township batch: 20 laptops syncing at once, through two server instances sharing one database."""

from __future__ import annotations

import random
import threading
import uuid

from sync.client import SyncClient, enroll
from sync.memstore import MemoryStore
from sync.server.storage import Scope, open_storage
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, VILLAGE_B, RunningServer

LAPTOPS = 20
ROUNDS = 3


def test_twenty_laptops_converge(server, backend):
    # a second server "process" on the same database (own connections), as behind a load balancer
    url = getattr(server.storage, "url", None) or f"sqlite:///{server.storage.path}"
    second = RunningServer(open_storage(url)).start()
    try:
        shared = {VILLAGE_A: [str(uuid.uuid4()) for _ in range(5)], VILLAGE_B: [str(uuid.uuid4()) for _ in range(5)]}
        laptops = []
        for i in range(LAPTOPS):
            village = (VILLAGE_A, VILLAGE_B)[i % 2]
            store = MemoryStore()
            enroll(store, (server.url, second.url)[i % 2], server.code(villages=(village,)))
            laptops.append((store, village))
        created: set[str] = set()
        created_lock = threading.Lock()
        failures: list[BaseException] = []
        barrier = threading.Barrier(LAPTOPS)

        def work(index: int) -> None:
            store, village = laptops[index]
            rng = random.Random(index)
            try:
                for _ in range(ROUNDS):
                    for _ in range(8):
                        hid = rng.choice(shared[village]) if rng.random() < 0.4 else str(uuid.uuid4())
                        store.edit("household", hid, hid, village, {rng.choice(["address", "phone", "land_mu"]): f"{index}-{rng.random():.6f}"})
                    with created_lock:
                        created.update(c["change_id"] for c in store.outbox)
                    barrier.wait(timeout=60)       # everyone hits the server at the same moment
                    with SyncClient(store, batch_size=5, pull_limit=50) as client:
                        client.sync()
            except BaseException as exc:           # reported below with the laptop's number
                failures.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(LAPTOPS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not failures, failures
        for store, _ in laptops:                    # one quiet round so everyone hears the last changes
            with SyncClient(store) as client:
                client.sync()
        log = server.storage.change_log(Scope("office", TOWNSHIP))
        assert len(log) == len({c["change_id"] for c in log}) == len(created)
        assert {c["change_id"] for c in log} == created
        seqs = [c["seq"] for c in log]
        assert seqs == sorted(set(seqs))
        records = {r["entity_id"]: r for r in server.storage.records(Scope("office", TOWNSHIP))}
        for store, village in laptops:
            assert store.outbox == []
            mine = {k: r for k, r in records.items() if r["village_code"] == village}
            assert {k[1] for k in store.records} == set(mine)
            for (_, hid), local in store.records.items():
                assert local["fields"] == mine[hid]["fields"] and local["revision"] == mine[hid]["revision"]
        # the contested households really were edited concurrently: conflicts were recorded, none lost
        assert server.storage.list_conflicts(Scope("office", TOWNSHIP))
    finally:
        second.stop()
        second.storage.close()


def test_several_server_processes_on_one_postgres(postgres, tmp_path):
    """Two ``fieldapp-server serve`` processes on one PostgreSQL database, laptops pushing to both at once."""
    import subprocess
    import sys
    import time as _time
    from pathlib import Path

    import httpx

    from tests.sync.conftest import free_port, seed_areas

    url = postgres.create_database()
    storage = open_storage(url)
    storage.migrate()
    seed_areas(storage)
    procs, urls = [], []
    root = Path(__file__).resolve().parents[2]
    try:
        for _ in range(2):
            port = free_port()
            procs.append(subprocess.Popen([sys.executable, "-m", "sync.server.cli", "--database", url, "serve",
                                           "--port", str(port), "--log-level", "warning"], cwd=root))
            urls.append(f"http://127.0.0.1:{port}")
        for u in urls:
            deadline = _time.time() + 30
            while True:
                try:
                    httpx.get(u + "/v1/hello", timeout=1)
                    break
                except httpx.TransportError:
                    assert _time.time() < deadline, "server process did not start"
                    _time.sleep(0.2)
        # both processes use the same server key pair (kept in the database)
        keys = {httpx.get(u + "/v1/hello").json()["server_signing_key"] for u in urls}
        assert len(keys) == 1
        from sync.server.admin import issue_enrollment_code

        stores = []
        for i in range(6):
            store = MemoryStore()
            enroll(store, urls[i % 2], issue_enrollment_code(storage, "visitor", TOWNSHIP, [VILLAGE_A], 1)[0])
            stores.append(store)
        shared = str(uuid.uuid4())
        for i, store in enumerate(stores):
            for j in range(30):
                hid = shared if j % 5 == 0 else str(uuid.uuid4())
                store.edit("household", hid, hid, VILLAGE_A, {"address": f"{i}-{j}"})
        created = {c["change_id"] for s in stores for c in s.outbox}
        errors_seen = []

        def push(store):
            try:
                with SyncClient(store, batch_size=4) as client:
                    client.sync()
            except BaseException as exc:  # reported below
                errors_seen.append(exc)

        threads = [threading.Thread(target=push, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors_seen, errors_seen
        for store in stores:
            with SyncClient(store) as client:
                client.sync()
        log = storage.change_log(Scope("office", TOWNSHIP))
        assert {c["change_id"] for c in log} == created and len(log) == len(created)
        assert [c["seq"] for c in log] == sorted({c["seq"] for c in log})
        server_records = {r["entity_id"]: r for r in storage.records(Scope("office", TOWNSHIP))}
        for store in stores:
            assert {k[1]: r["fields"] for k, r in store.records.items()} == \
                {k: r["fields"] for k, r in server_records.items()}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)
        storage.close()
