"""最近同步 for a laptop whose syncs moved nothing: every authenticated sync session keeps the time of its first
request (``auth.note_contact``, one write per session), and ``fieldapp-server device-list`` and the console's
设备 page show it instead of 从未同步 (both backends; a real vault synced by ``fieldapp sync``). A USB-only
laptop's bundle imported by ``fieldapp-server import-bundles`` is its sync too, even one that carried nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from fieldapp.cli import main as fieldapp_main
from fieldapp.vault import FAST_KDF, Vault
from sync.server.cli import main as server_main
from sync.server.admin import add_area
from sync.server.storage import Scope, open_storage
from tests.sync.conftest import RunningServer
from tests.sync.test_review_e2e import COUNTY, TOWNSHIP, VILLAGE

PASS = "pine-lantern-river-7"


@pytest.fixture
def database(backend, tmp_path, request):
    """(url, migrated storage with 合江县's areas) of a fresh database on *backend*."""
    url = f"sqlite:///{tmp_path}/server.db" if backend == "sqlite" else request.getfixturevalue("postgres").create_database()
    storage = open_storage(url)
    storage.migrate()
    add_area(storage, COUNTY, "合江县")
    add_area(storage, TOWNSHIP, "福宝镇")
    add_area(storage, VILLAGE, "福宝村", "rural")
    yield url, storage
    storage.close()


def listed(capsys, url) -> dict:
    capsys.readouterr()
    assert server_main(["--database", url, "device-list"]) == 0
    return {d["label"]: d for d in json.loads(capsys.readouterr().out)}


def devices_page(storage) -> str:
    from sync.server.app import create_app
    from sync.server.console.store import ConsoleStore
    from tests.console.conftest import ConsoleClient
    from tests.console.seed import NOW, PASSPHRASE, passphrase_hash

    store = ConsoleStore(storage)
    if store.get_user("county-admin") is None:
        store.add_user("county-admin", "county_admin", None, passphrase_hash(), NOW)
    admin = ConsoleClient(create_app(storage))
    assert admin.login("county-admin", PASSPHRASE).status_code == 303
    return admin.get("/console/devices").text


def row_of(page: str, label: str) -> str:
    start = page.index(f"<tr><td>{label}</td>")
    return page[start:page.index("</tr>", start)]


def enroll_laptop(tmp_path, monkeypatch, server, label: str) -> None:
    """A real vault at tmp_path/laptop, enrolled by ``fieldapp enroll`` with a one-time code for 福宝村."""
    Vault.create(tmp_path / "laptop", "visitor1", PASS, None, kdf=FAST_KDF).lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    assert fieldapp_main(["--data-dir", str(tmp_path / "laptop"), "enroll", "--server", server.url,
                          "--code", server.code(villages=(VILLAGE,), township=TOWNSHIP), "--label", label,
                          "--user", "visitor1"]) == 0


def test_a_sync_that_moves_nothing_is_still_the_laptops_last_sync(database, tmp_path, monkeypatch, capsys):
    url, storage = database
    server = RunningServer(storage).start()
    try:
        enroll_laptop(tmp_path, monkeypatch, server, "福宝村-01")
        device_id = next(iter(listed(capsys, url).values()))["device_id"]
        assert listed(capsys, url)["福宝村-01"]["last_sync_at"] is None
        assert "从未同步" in row_of(devices_page(storage), "福宝村-01")

        before = datetime.now(timezone.utc).replace(microsecond=0)
        writes, signed = [], []
        real_write, real_auth = storage.note_contact, storage.use_nonce   # counted, then done for real
        monkeypatch.setattr(storage, "note_contact", lambda *a: (writes.append(a), real_write(*a))[1])
        monkeypatch.setattr(storage, "use_nonce", lambda *a: (signed.append(a), real_auth(*a))[1])
        assert fieldapp_main(["--data-dir", str(tmp_path / "laptop"), "sync", "--user", "visitor1"]) == 0
        assert len(signed) >= 2 and len(writes) == 1, len(signed)     # several signed requests, one write of the contact time
        assert not storage.device_reads(device_id) and not storage.records(Scope("admin", ""))   # nothing moved
        first = listed(capsys, url)["福宝村-01"]["last_sync_at"]
        assert first and before <= datetime.fromisoformat(first) <= datetime.now(timezone.utc)
        row = row_of(devices_page(storage), "福宝村-01")
        assert "从未同步" not in row and f"<td>{first.replace('T', ' ').removesuffix('+00:00')}</td>" in row

        # the next session within the resolution writes nothing; one after it moves the time on
        assert fieldapp_main(["--data-dir", str(tmp_path / "laptop"), "sync", "--user", "visitor1"]) == 0
        assert listed(capsys, url)["福宝村-01"]["last_sync_at"] == first
        earlier = (datetime.fromisoformat(first) - timedelta(minutes=6)).isoformat(timespec="seconds")
        storage.note_contact(device_id, earlier)
        assert fieldapp_main(["--data-dir", str(tmp_path / "laptop"), "sync", "--user", "visitor1"]) == 0
        assert listed(capsys, url)["福宝村-01"]["last_sync_at"] >= first
        assert listed(capsys, url)["福宝村-01"]["last_sync_at"] != earlier
    finally:
        server.stop()


def test_a_usb_bundle_that_carries_nothing_is_still_the_laptops_last_sync(database, tmp_path, monkeypatch, capsys):
    url, storage = database
    server = RunningServer(storage).start()   # only for the enrollment; the bundles go by the stick
    try:
        enroll_laptop(tmp_path, monkeypatch, server, "福宝村-U盘")
    finally:
        server.stop()
    assert listed(capsys, url)["福宝村-U盘"]["last_sync_at"] is None
    stick = tmp_path / "stick"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    assert fieldapp_main(["--data-dir", str(tmp_path / "laptop"), "bundle", "export", "--out", str(stick),
                          "--user", "visitor1"]) == 0
    capsys.readouterr()
    assert server_main(["--database", url, "import-bundles", str(stick)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in results] == ["imported"]
    device_id = listed(capsys, url)["福宝村-U盘"]["device_id"]
    assert not storage.records(Scope("admin", "")) and not storage.device_reads(device_id)   # the bundle carried nothing
    last = listed(capsys, url)["福宝村-U盘"]["last_sync_at"]
    assert last and before <= datetime.fromisoformat(last) <= datetime.now(timezone.utc)
    assert "从未同步" not in row_of(devices_page(storage), "福宝村-U盘")
