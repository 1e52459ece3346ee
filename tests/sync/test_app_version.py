"""The county's minimum app version: an older laptop is refused with APP_VERSION_TOO_OLD (told in Chinese
where to get the new version), keeps every unsent visit, and syncs everything once it is upgraded.
The offered package is checked against the server's signature before the laptop keeps it."""

from __future__ import annotations

import uuid

import httpx
import pytest

from fieldapp import syncing
from fieldapp.vault import FAST_KDF, Vault
from fieldapp.vault.crypto import DEFAULT_SUITE
from sync import errors
from sync.appversion import APP_VERSION_HEADER, InvalidVersion, is_below, parse_version, verify_release
from sync.client import SyncClient
from sync.protocol import PROTOCOL_HEADER
from sync.server import releases
from sync.server.storage import Scope
from tests.sync.conftest import TOWNSHIP, VILLAGE_A

NOW = "2026-06-01T08:00:00+00:00"


def test_versions_compare_by_number_not_by_text():
    assert parse_version("0.10.0") > parse_version("0.9.3")
    assert parse_version("1") == (1, 0, 0)
    assert is_below("0.9.3", "0.10") and not is_below("0.10.0", "0.10")
    assert is_below(None, "0.1") and is_below("garbage", "0.1")   # a laptop that names no version is too old
    assert not is_below(None, None)
    with pytest.raises(InvalidVersion):
        parse_version("1.2.beta")


def _visit(hid: str, address: str) -> dict:
    answers = {"visit_date": "2026-05-12", "visitors": ["周建华", "李秀兰"], "village_code": VILLAGE_A,
               "area_type": "rural", "address": address, "hukou_type": "agricultural", "phone": "13800000000",
               "members": [{"member_id": str(uuid.uuid4()), "name": "赵桂芝", "relation": "head"}]}
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": hid, "visit_id": str(uuid.uuid4()), "status": "final", "answers": answers}


def test_laptop_below_minimum_is_refused_then_syncs_after_upgrade(server, tmp_path):
    _, office_public = DEFAULT_SUITE.generate_recipient_keypair()
    vault = Vault.create(tmp_path / "laptop", "周建华", "tea-leaf-river-42", office_public, kdf=FAST_KDF)
    try:
        syncing.enroll(vault, server.url, server.code())
        with SyncClient(vault, app_version="1.3.0") as old:
            old.sync()
        households = [str(uuid.uuid4()) for _ in range(3)]
        for n, hid in enumerate(households):
            vault.save_visit(_visit(hid, f"柳溪村{n + 1}组{n + 7}号"))
        pending = vault.pending_count()
        assert pending >= 6   # household + visit per save

        releases.set_minimum(server.storage, "1.4.0", NOW)
        with SyncClient(vault, app_version="1.3.0") as old:
            with pytest.raises(errors.AppVersionTooOld) as refused:
                old.sync()
        exc = refused.value
        assert exc.code == "APP_VERSION_TOO_OLD" and exc.minimum == "1.4.0" and exc.version == "1.3.0"
        assert "1.3.0" in exc.message_zh and "1.4.0" in exc.message_zh and "仍安全保存在本机" in exc.message_zh
        assert vault.pending_count() == pending                        # nothing was dropped from the outbox
        assert server.storage.records(Scope("admin", TOWNSHIP)) == []  # and nothing was stored half-way

        with SyncClient(vault, app_version="1.4.0") as upgraded:      # the same vault, after installing 1.4.0
            report = upgraded.sync()
        assert report.pushed == pending and vault.pending_count() == 0
        stored = {r["entity_id"]: r for r in server.storage.records(Scope("admin", TOWNSHIP)) if r["entity"] == "household"}
        assert set(stored) == set(households)
        assert sorted(r["fields"]["address"] for r in stored.values()) == ["柳溪村1组7号", "柳溪村2组8号", "柳溪村3组9号"]
    finally:
        vault.lock()


@pytest.fixture
def offering_server(storage, tmp_path):
    """A server with a releases folder, as `fieldapp-server --releases-dir DIR serve` runs it."""
    from tests.sync.conftest import RunningServer

    running = RunningServer(storage, releases_dir=tmp_path / "releases").start()
    running.releases_dir = tmp_path / "releases"
    yield running
    running.stop()


def _publish(server, tmp_path, version="1.4.0", content=b"!<arch>\nfieldapp package\n" * 5000) -> dict:
    package = tmp_path / f"fieldapp_{version}_amd64.deb"
    package.write_bytes(content)
    return releases.publish(server.storage, server.keys, server.releases_dir, package, version, "deb-amd64", NOW)


def test_refusal_names_the_servers_download_and_the_signed_package_downloads(offering_server, tmp_path):
    laptop = offering_server.laptop()
    release = _publish(offering_server, tmp_path)
    releases.set_minimum(offering_server.storage, "1.4.0", NOW)
    laptop.visit(address="柳溪村5组2号")
    old = SyncClient(laptop.store, app_version="1.3.2")
    with pytest.raises(errors.AppVersionTooOld) as refused:
        old.sync()
    url = f"{offering_server.url}/v1/app/download/fieldapp_1.4.0_amd64.deb"
    assert refused.value.download_url == url and url in refused.value.message_zh

    offered = old.latest_release("deb-amd64")     # still allowed while too old: that is how it upgrades
    assert offered["version"] == "1.4.0" and offered["sha256"] == release["sha256"]
    saved = old.download_release(offered, tmp_path)
    assert saved.read_bytes() == (tmp_path / "fieldapp_1.4.0_amd64.deb").read_bytes()
    old.close()


def test_a_package_changed_on_the_server_is_refused_and_not_kept(offering_server, tmp_path):
    laptop = offering_server.laptop()
    _publish(offering_server, tmp_path)
    (offering_server.releases_dir / "fieldapp_1.4.0_amd64.deb").write_bytes(b"something else entirely")
    download = tmp_path / "downloads"
    download.mkdir()
    with SyncClient(laptop.store) as client:
        offered = client.latest_release("deb-amd64")
        with pytest.raises(errors.PackageSignatureInvalid) as refused:
            client.download_release(offered, download)
    assert "签名校验失败" in refused.value.message_zh
    assert list(download.iterdir()) == []


def test_a_release_not_signed_by_the_pinned_server_key_is_refused(offering_server, tmp_path):
    from sync.keys import KeyPair

    release = _publish(offering_server, tmp_path)
    assert verify_release(release, offering_server.keys.signing_public)["version"] == "1.4.0"
    forged = releases.sign_release({**release, "sha256": "0" * 64}, KeyPair.generate())
    with pytest.raises(errors.PackageSignatureInvalid):
        verify_release(forged, offering_server.keys.signing_public)
    with pytest.raises(errors.PackageSignatureInvalid):
        verify_release({**release, "version": "9.9.9"}, offering_server.keys.signing_public)


def test_no_package_offered_is_a_coded_answer(server):
    laptop = server.laptop()
    with SyncClient(laptop.store) as client:
        with pytest.raises(errors.PackageNotPublished):
            client.latest_release("deb-amd64")
        response = client.http.get("/v1/app/download/fieldapp_1.4.0_amd64.deb")
    assert response.status_code == 404 and response.json()["code"] == "PACKAGE_NOT_PUBLISHED"


def test_a_request_without_a_version_is_refused_once_a_minimum_is_set(server):
    releases.set_minimum(server.storage, "0.2", NOW)
    answer = httpx.post(f"{server.url}/v1/push", headers={PROTOCOL_HEADER: "1"}, content=b"{}")
    assert answer.status_code == 426 and answer.json()["code"] == "APP_VERSION_TOO_OLD"
    assert answer.json()["minimum"] == "0.2"
    hello = httpx.get(f"{server.url}/v1/hello").json()
    assert hello["min_app_version"] == "0.2"
    answer = httpx.post(f"{server.url}/v1/push", headers={PROTOCOL_HEADER: "1", APP_VERSION_HEADER: "0.2.0"},
                        content=b"{}")
    assert answer.json()["code"] != "APP_VERSION_TOO_OLD"
