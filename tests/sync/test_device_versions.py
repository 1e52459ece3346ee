"""The app version each laptop runs: kept at every authenticated sync (migration 0013, both backends),
listed by ``fieldapp-server device-list`` and on the console's 设备 page, with the devices below the
county's minimum version (``fieldapp-server min-version``) marked."""

from __future__ import annotations

import json

import pytest

from sync import errors
from sync.client import SyncClient
from sync.server import releases
from sync.server.cli import main as server_main
from sync.server.storage import open_storage
from tests.sync.conftest import RunningServer, seed_areas

NOW = "2026-06-01T08:00:00+00:00"


@pytest.fixture
def database(backend, tmp_path, request):
    """(url, migrated storage with the test areas) of a fresh database on *backend*."""
    url = f"sqlite:///{tmp_path}/server.db" if backend == "sqlite" else request.getfixturevalue("postgres").create_database()
    storage = open_storage(url)
    storage.migrate()
    seed_areas(storage)
    yield url, storage
    storage.close()


def device_list(capsys, url) -> dict:
    assert server_main(["--database", url, "device-list"]) == 0
    return {d["device_id"]: d for d in json.loads(capsys.readouterr().out)}


def sync_as(laptop, version):
    with SyncClient(laptop.store, app_version=version) as client:
        client.sync()


def test_each_laptops_version_is_kept_at_sync_and_listed_with_those_below_the_minimum(database, capsys):
    url, storage = database
    server = RunningServer(storage).start()
    try:
        old, new, silent = server.laptop(), server.laptop(), server.laptop()
        ids = {name: lap.store.get_sync_state("device_id") for name, lap in
               (("old", old), ("new", new), ("silent", silent))}
        assert all(ids.values())
        sync_as(old, "1.3.0")
        sync_as(new, "1.5.0")
        seen = storage.get_device(ids["old"])
        assert seen["app_version"] == "1.3.0" and seen["app_version_seen_at"]
        sync_as(old, "1.3.0")          # the same version again: nothing rewritten
        assert storage.get_device(ids["old"])["app_version_seen_at"] == seen["app_version_seen_at"]

        listed = device_list(capsys, url)
        assert listed[ids["old"]]["app_version"] == "1.3.0" and listed[ids["new"]]["app_version"] == "1.5.0"
        assert listed[ids["silent"]]["app_version"] is None
        assert not any(d["below_minimum"] for d in listed.values())   # no minimum set yet

        releases.set_minimum(storage, "1.4.0", NOW)
        listed = device_list(capsys, url)
        assert listed[ids["old"]]["below_minimum"] is True and listed[ids["new"]]["below_minimum"] is False
        assert listed[ids["silent"]]["below_minimum"] is True          # never said which version it runs

        with pytest.raises(errors.AppVersionTooOld):
            sync_as(old, "1.3.0")
        sync_as(old, "1.4.1")          # upgraded
        listed = device_list(capsys, url)
        assert listed[ids["old"]]["app_version"] == "1.4.1" and listed[ids["old"]]["below_minimum"] is False
    finally:
        server.stop()


def test_the_devices_page_shows_each_version_and_marks_those_below_the_minimum(database):
    from sync.server.app import create_app
    from tests.console.conftest import ConsoleClient
    from tests.console.seed import NOW as SEED_NOW, passphrase_hash, PASSPHRASE
    from sync.server.console.store import ConsoleStore

    url, storage = database
    server = RunningServer(storage).start()
    try:
        old, new, silent = server.laptop(), server.laptop(), server.laptop()
        sync_as(old, "0.9.7")
        sync_as(new, "1.0.2")
    finally:
        server.stop()
    releases.set_minimum(storage, "1.0.0", NOW)
    ConsoleStore(storage).add_user("admin", "county_admin", None, passphrase_hash(), SEED_NOW)
    admin = ConsoleClient(create_app(storage))
    assert admin.login("admin", PASSPHRASE).status_code == 303
    page = admin.get("/console/devices").text
    assert "本县要求的最低软件版本：1.0.0" in page
    assert '<td class="bad">0.9.7（低于最低版本 1.0.0）</td>' in page
    assert "<td>1.0.2</td>" in page
    assert '<td class="bad">未知（低于最低版本 1.0.0）</td>' in page
