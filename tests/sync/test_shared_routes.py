"""Two county servers in one process share the protocol's route objects (sync/server/app.py, _api_routes)
but each answers from its own storage and keys: nothing a handler reads comes from the other app."""

from __future__ import annotations

import pytest

from sync import errors
from sync.client import SyncClient, enroll
from sync.memstore import MemoryStore
from sync.server.app import _api_routes
from sync.server.storage import Scope
from tests.sync.conftest import TOWNSHIP, RunningServer, make_storage, seed_areas

OFFICE = Scope("office", TOWNSHIP)


@pytest.fixture
def two_servers(tmp_path, request):
    servers = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        storage = make_storage("sqlite", tmp_path / name, request)
        seed_areas(storage)
        servers.append(RunningServer(storage).start())
    yield servers
    for server in servers:
        server.stop()


def test_two_apps_share_the_route_objects_but_not_what_they_serve(two_servers):
    a, b = two_servers
    shared = set(map(id, _api_routes()))
    assert shared and shared <= set(map(id, a.app.routes)) and shared <= set(map(id, b.app.routes))
    assert a.keys.signing_public != b.keys.signing_public

    la, lb = a.laptop(), b.laptop()
    assert la.client.hello()["server_signing_key"] == a.keys.signing_public    # each names its own keys
    assert lb.client.hello()["server_signing_key"] == b.keys.signing_public
    with pytest.raises(errors.EnrollmentCodeInvalid):                           # A's code is unknown to B
        enroll(MemoryStore(), b.url, a.code())

    la.visit(address="只在甲服务器上的户")
    la.client.sync()
    lb.client.sync()
    assert [c["entity"] for c in a.storage.change_log(OFFICE)] == ["household"]
    assert b.storage.change_log(OFFICE) == []

    la.store.set_sync_state("server_url", b.url)                                # A's laptop is not B's device
    with pytest.raises(errors.SyncError) as refused, SyncClient(la.store) as client:
        client.pull()
    assert refused.value.http_status == 401
