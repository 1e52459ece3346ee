"""The county office recovery key: configured on the server, carried to laptops, sealed into their vaults.

Real SQLCipher vaults and the real server on 127.0.0.1, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid

import pytest

from fieldapp import syncing
from fieldapp.cli import main as fieldapp_main
from fieldapp.vault import FAST_KDF, Vault
from fieldapp.vault.crypto import DEFAULT_SUITE
from fieldapp.vault.errors import OfficeKeyInvalid as VaultOfficeKeyInvalid
from sync import errors, officekey
from sync import store as st
from sync.client import accept_office_key
from sync.memstore import MemoryStore
from sync.server.admin import set_office_key
from sync.server.bundles import import_directory
from sync.server.cli import main as server_main
from tests.sync.conftest import VILLAGE_A

# The commands here run at the test-only Argon2id cost (tests/conftest.py::fast_default_kdf: 0.8 s of CPU
# less per vault made or unlocked); that the production cost is the default is asserted in test_vault_keys.py.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")

PASS = "tea-leaf-river-42"


def visit(hid: str, address: str = "东山村三组12号") -> dict:
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": hid, "visit_id": str(uuid.uuid4()), "status": "final",
            "answers": {"visit_date": "2026-05-12", "visitors": ["甲", "乙"], "village_code": VILLAGE_A,
                        "address": address, "members": [{"member_id": "m1", "name": "王芳", "relation": "head"}]}}


@pytest.fixture
def county(tmp_path):
    """The county office's key pair as `fieldapp office-keygen` writes it."""
    assert fieldapp_main(["office-keygen", str(tmp_path / "county")]) == 0
    return tmp_path / "county.key", tmp_path / "county.pub"


def bare_vault(path) -> Vault:
    """A laptop vault as the app's first run makes it: no office key."""
    return Vault.create(path, "visitor1", PASS, None, kdf=FAST_KDF)


def assert_office_recovers(data_dir, private_pem: bytes, visit_id: str) -> None:
    """Every passphrase forgotten: the office private key alone opens the vault, data intact."""
    v = Vault.open(data_dir)
    v.unlock_with_office_key(private_pem)
    assert v.get_visit(visit_id)["answers"]["members"][0]["name"] == "王芳"
    v.check_integrity()
    v.lock()


def test_fieldapp_enroll_gives_an_app_made_vault_the_office_wrap(server, county, tmp_path, monkeypatch, capsys):
    set_office_key(server.storage, server.keys, county[1].read_bytes())
    data = tmp_path / "laptop"
    v = bare_vault(data)
    saved = visit(str(uuid.uuid4()))
    v.save_visit(saved)
    assert not v.has_office_wrap()
    v.lock()

    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    assert fieldapp_main(["--data-dir", str(data), "enroll", "--server", server.url, "--code", server.code(),
                          "--user", "visitor1"]) == 0
    assert "县级恢复密钥已写入" in capsys.readouterr().out
    assert Vault.open(data).office_public_key() == county[1].read_bytes()

    # every passphrase forgotten: the county recovers with its private key through the CLI
    monkeypatch.delenv("FIELDAPP_PASSPHRASE")
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "recovered-passphrase")
    assert fieldapp_main(["--data-dir", str(data), "recover", "--office-key", str(county[0]), "--user", "visitor1"]) == 0
    v = Vault.open(data)
    v.unlock("visitor1", "recovered-passphrase")
    assert v.get_visit(saved["visit_id"])["answers"]["address"] == "东山村三组12号"
    assert "office_key_set" in [e["action"] for e in v.audit_entries(limit=50)]
    v.lock()


def test_enrolling_where_no_key_is_configured_warns_and_changes_nothing(server, tmp_path, monkeypatch, capsys):
    v = bare_vault(tmp_path / "laptop")
    answer = syncing.enroll(v, server.url, server.code())
    assert answer["office_recovery_key"] is None
    assert v.get_sync_state(st.STATE_OFFICE_KEY) is None
    assert not v.has_office_wrap()
    v.lock()
    second = bare_vault(tmp_path / "second")
    second.lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    assert fieldapp_main(["--data-dir", str(tmp_path / "second"), "enroll", "--server", server.url,
                          "--code", server.code(), "--user", "visitor1"]) == 0
    assert "忘记全部密码将无法恢复" in capsys.readouterr().err
    # the county sets its key later: the next `fieldapp sync` seals the vault to it and the warning stops
    assert fieldapp_main(["--data-dir", str(tmp_path / "second"), "sync", "--user", "visitor1"]) == 0
    assert "忘记全部密码将无法恢复" in capsys.readouterr().err
    _, county_public = DEFAULT_SUITE.generate_recipient_keypair()
    set_office_key(server.storage, server.keys, county_public)
    assert fieldapp_main(["--data-dir", str(tmp_path / "second"), "sync", "--user", "visitor1"]) == 0
    assert "忘记全部密码将无法恢复" not in capsys.readouterr().err
    assert Vault.open(tmp_path / "second").office_public_key() == county_public


def test_enrolling_with_another_county_forgets_the_old_key_version(server, county, tmp_path):
    for _ in range(3):                               # this county is at key version 3
        set_office_key(server.storage, server.keys, DEFAULT_SUITE.generate_recipient_keypair()[1])
    v = bare_vault(tmp_path / "laptop")
    syncing.enroll(v, server.url, server.code())
    assert json.loads(v.get_sync_state(st.STATE_OFFICE_KEY))["version"] == 3
    server.storage.revoke_device(v.get_sync_state(st.STATE_DEVICE_ID), "2026-05-12T00:00:00+00:00")
    # the same laptop joins a county whose first key is version 1 (a fresh server database)
    from sync.server.storage import open_storage
    from tests.sync.conftest import RunningServer, seed_areas

    other_storage = open_storage(f"sqlite:///{tmp_path}/other.db")
    other_storage.migrate()
    seed_areas(other_storage)
    other = RunningServer(other_storage).start()
    try:
        set_office_key(other_storage, other.keys, county[1].read_bytes())
        syncing.enroll(v, other.url, other.code())
        assert v.office_public_key() == county[1].read_bytes()
    finally:
        other.stop()
        other_storage.close()
    v.lock()


def test_a_new_office_key_reaches_enrolled_laptops_on_their_next_sync(server, county, tmp_path):
    set_office_key(server.storage, server.keys, county[1].read_bytes())
    v = bare_vault(tmp_path / "laptop")
    syncing.enroll(v, server.url, server.code())
    saved = visit(str(uuid.uuid4()))
    v.save_visit(saved)

    new_private, new_public = DEFAULT_SUITE.generate_recipient_keypair()   # the county replaces its key
    assert set_office_key(server.storage, server.keys, new_public)["version"] == 2
    syncing.sync_now(v)
    assert v.office_public_key() == new_public
    syncing.sync_now(v)                              # unchanged key: no second rewrap
    assert [e["action"] for e in v.audit_entries(limit=50)].count("office_key_set") == 2
    v.destroy_local_wraps()

    assert_office_recovers(tmp_path / "laptop", new_private, saved["visit_id"])
    with pytest.raises(VaultOfficeKeyInvalid):       # the retired key no longer opens it
        Vault.open(tmp_path / "laptop").unlock_with_office_key(county[0].read_bytes())


def test_a_key_not_signed_by_the_server_is_refused(server, county, tmp_path):
    v = bare_vault(tmp_path / "laptop")
    syncing.enroll(v, server.url, server.code())
    _, intruder_public = DEFAULT_SUITE.generate_recipient_keypair()
    # a row that did not come through the admin command: its signature is not the server's
    server.storage.set_office_key(officekey.canonical_pem(intruder_public), lambda version, pem: "AAAA" * 22,
                                  "2026-05-12T00:00:00+00:00")
    with pytest.raises(errors.OfficeKeyInvalid):
        syncing.sync_now(v)
    assert not v.has_office_wrap()
    assert v.get_sync_state(st.STATE_OFFICE_KEY) is None
    v.lock()


def test_an_older_signed_key_cannot_roll_back_the_newer_one(server, county):
    first = set_office_key(server.storage, server.keys, county[1].read_bytes())
    _, newer_public = DEFAULT_SUITE.generate_recipient_keypair()
    second = set_office_key(server.storage, server.keys, newer_public)
    store = MemoryStore()
    store.set_sync_state(st.STATE_SERVER_SIGNING_KEY, server.keys.signing_public)
    assert accept_office_key(store, second) is True
    assert accept_office_key(store, first) is False           # replayed version 1
    assert json.loads(store.get_sync_state(st.STATE_OFFICE_KEY))["version"] == 2
    forged = dict(second, version=3)                            # the signature covers the version
    with pytest.raises(errors.OfficeKeyInvalid):
        accept_office_key(store, forged)


def test_a_usb_receipt_carries_the_office_key(server, county, tmp_path):
    v = bare_vault(tmp_path / "laptop")
    syncing.enroll(v, server.url, server.code())
    saved = visit(str(uuid.uuid4()))
    v.save_visit(saved)
    set_office_key(server.storage, server.keys, county[1].read_bytes())
    syncing.export_bundle(v, tmp_path / "stick")
    [result] = import_directory(server.storage, server.keys, tmp_path / "stick", tmp_path / "receipts")
    syncing.import_receipt(v, result["receipt"])
    assert v.office_public_key() == county[1].read_bytes()
    v.destroy_local_wraps()
    assert_office_recovers(tmp_path / "laptop", county[0].read_bytes(), saved["visit_id"])


def test_server_cli_office_key_set_and_show(backend, tmp_path, request, county, capsys):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/server.db"
    else:
        url = request.getfixturevalue("postgres").create_database()
    assert server_main(["--database", url, "office-key", "show"]) == 1
    assert "尚未设置" in capsys.readouterr().err
    assert server_main(["--database", url, "office-key", "set", str(county[1])]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == 1 and shown["public_key_pem"] == county[1].read_text()
    assert server_main(["--database", url, "office-key", "show"]) == 0
    assert json.loads(capsys.readouterr().out)["public_key_pem"] == county[1].read_text()
    # the PRIVATE key by mistake, or anything else: refused, the configured key stays
    for wrong in (county[0], tmp_path / "county.nonexistent"):
        assert server_main(["--database", url, "office-key", "set", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert "OFFICE_KEY_INVALID" in err
    assert server_main(["--database", url, "office-key", "show"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1
