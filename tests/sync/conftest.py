"""Fixtures: both storage backends, a real uvicorn server on 127.0.0.1, enrolled laptops.

Every test that takes ``storage`` or ``server`` runs once on SQLite and once on the
PostgreSQL the harness starts itself (tests/sync/pg.py).
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import dataclass

import pytest
import uvicorn

from sync.client import SyncClient, enroll
from sync.memstore import MemoryStore
from sync.server.admin import add_area, issue_enrollment_code
from sync.server.app import create_app
from sync.server.storage import open_storage

TOWNSHIP = "110105001"
VILLAGE_A = "110105001001"
VILLAGE_B = "110105001002"
OTHER_TOWNSHIP = "110105002"
OTHER_VILLAGE = "110105002001"


def make_storage(backend: str, tmp_path, request):
    """A fresh, migrated storage of the named backend."""
    if backend == "sqlite":
        storage = open_storage(f"sqlite:///{tmp_path}/server.db")
    else:
        storage = open_storage(request.getfixturevalue("postgres").create_migrated_database())
    storage.migrate()   # nothing left to apply on a copy of the migrated template; still the check it is the latest
    return storage


def seed_areas(storage) -> None:
    """A county with two townships and three villages."""
    add_area(storage, "110105", "演示县")
    add_area(storage, TOWNSHIP, "演示镇")
    add_area(storage, VILLAGE_A, "东村", "rural")
    add_area(storage, VILLAGE_B, "西村", "rural")
    add_area(storage, OTHER_TOWNSHIP, "邻镇")
    add_area(storage, OTHER_VILLAGE, "邻村", "urban")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request):
    return request.param


@pytest.fixture
def storage(backend, tmp_path, request):
    s = make_storage(backend, tmp_path, request)
    seed_areas(s)
    yield s
    s.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    """uvicorn serving the real app in a thread on a free loopback port."""

    def __init__(self, storage, ssl_certfile=None, ssl_keyfile=None, releases_dir=None):
        self.storage = storage
        self.app = create_app(storage, releases_dir=str(releases_dir) if releases_dir else None)
        self.keys = self.app.state.keys
        self.port = free_port()
        scheme = "https" if ssl_certfile else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, timeout_keep_alive=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "RunningServer":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)

    def code(self, role="visitor", villages=(VILLAGE_A,), township=TOWNSHIP, hours=1.0) -> str:
        """Issue a one-time enrollment code as the county admin would."""
        return issue_enrollment_code(self.storage, role, township, list(villages) if role == "visitor" else [], hours)[0]

    def laptop(self, role="visitor", villages=(VILLAGE_A,), township=TOWNSHIP, url=None, **client_kw) -> "Laptop":
        """A new in-memory laptop store, enrolled, with a client."""
        store = MemoryStore()
        enroll(store, url or self.url, self.code(role, villages, township))
        return Laptop(store, SyncClient(store, **client_kw))


@dataclass
class Laptop:
    store: MemoryStore
    client: SyncClient

    def visit(self, village=VILLAGE_A, household_id=None, **fields) -> str:
        """Record a household change (the household-scoped answers) and return the household id."""
        hid = household_id or str(uuid.uuid4())
        self.store.edit("household", hid, hid, village, fields or {"address": "演示地址"})
        return hid


@pytest.fixture
def server(storage):
    running = RunningServer(storage).start()
    yield running
    running.stop()
