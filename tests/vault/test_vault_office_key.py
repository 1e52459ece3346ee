"""Adding or replacing the county office recovery wrap of an existing vault (`Vault.set_office_key`)."""

from __future__ import annotations

import json
import os

import pytest

from fieldapp.cli import main
from fieldapp.vault import FAST_KDF, Vault
from fieldapp.vault.crypto import DEFAULT_SUITE
from fieldapp.vault.errors import DiskFull, OfficeKeyInvalid, VaultLocked
from vaultkit import PASSPHRASE, make_visit

# The commands here run at the test-only Argon2id cost (tests/conftest.py::fast_default_kdf: 0.8 s of CPU
# less per vault made or unlocked); that the production cost is the default is asserted in test_vault_keys.py.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")


@pytest.fixture
def bare(tmp_path):
    """A vault created without an office key (what a laptop joining a county server starts with)."""
    v = Vault.create(tmp_path / "data", "visitor1", PASSPHRASE, None, kdf=FAST_KDF)
    yield v
    v.lock()


def test_vault_made_without_office_key_is_recovered_after_set_office_key(bare, office_keys):
    visit = make_visit(names=("王芳", "李强"))
    bare.save_visit(visit)
    assert bare.office_public_key() is None
    bare.lock()
    with pytest.raises(OfficeKeyInvalid):
        Vault.open(bare.data_dir).unlock_with_office_key(office_keys[0])

    bare.unlock("visitor1", PASSPHRASE)
    assert bare.set_office_key(office_keys[1]) is True
    assert bare.office_public_key() == office_keys[1]
    bare.destroy_local_wraps()       # every passphrase gone: only the office can open the file now

    v = Vault.open(bare.data_dir)
    assert v.users() == []
    v.unlock_with_office_key(office_keys[0])
    assert v.get_visit(visit["visit_id"])["answers"]["members"][1]["name"] == "李强"
    assert len(v.household_rows()) == 1
    v.check_integrity()
    v.verify_audit()
    actions = [e["action"] for e in v.audit_entries(limit=10)]
    assert {"recover", "office_key_set", "local_wraps_destroyed"} <= set(actions)
    v.lock()


def test_replacing_the_office_key_retires_the_old_one(bare, office_keys):
    bare.set_office_key(office_keys[1])
    new_private, new_public = DEFAULT_SUITE.generate_recipient_keypair()
    assert bare.set_office_key(new_public) is True
    entry = bare.audit_entries(limit=1)[0]
    assert entry["action"] == "office_key_set" and entry["detail"] == {"replaced": True}
    bare.lock()
    with pytest.raises(OfficeKeyInvalid):
        Vault.open(bare.data_dir).unlock_with_office_key(office_keys[0])
    v = Vault.open(bare.data_dir)
    v.unlock_with_office_key(new_private)
    v.lock()


def test_same_key_again_writes_nothing(bare, office_keys):
    bare.set_office_key(office_keys[1])
    before = bare.keys_path.read_bytes()
    seq = bare.audit_entries(limit=1)[0]["seq"]
    # the same key with different line endings is still the same key
    assert bare.set_office_key(office_keys[1].replace(b"\n", b"\r\n")) is False
    assert bare.keys_path.read_bytes() == before
    assert bare.audit_entries(limit=1)[0]["seq"] == seq


def test_needs_an_unlocked_vault_and_a_real_x25519_key(bare, office_keys):
    before = bare.keys_path.read_bytes()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    ed_pem = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for bad in (b"not a key", ed_pem, office_keys[0]):   # garbage, wrong curve, the PRIVATE key
        with pytest.raises(OfficeKeyInvalid):
            bare.set_office_key(bad)
    assert bare.keys_path.read_bytes() == before
    bare.lock()
    with pytest.raises(VaultLocked):
        bare.set_office_key(office_keys[1])


def test_old_wrap_stays_if_the_new_key_file_cannot_be_written(bare, office_keys, monkeypatch):
    bare.set_office_key(office_keys[1])
    before = json.loads(bare.keys_path.read_bytes())
    seq = bare.audit_entries(limit=1)[0]["seq"]
    _, other_public = DEFAULT_SUITE.generate_recipient_keypair()

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(DiskFull):
        bare.set_office_key(other_public)
    monkeypatch.undo()
    assert json.loads(bare.keys_path.read_bytes()) == before
    assert [p.name for p in bare.data_dir.iterdir() if p.name.endswith(".tmp")] == []
    assert bare.audit_entries(limit=1)[0]["seq"] == seq      # nothing recorded for a change that did not happen
    bare.lock()
    v = Vault.open(bare.data_dir)
    v.unlock_with_office_key(office_keys[0])
    v.lock()


def test_cli_set_office_key_then_recover(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)
    assert main(["--data-dir", str(data), "vault", "init", "--user", "visitor1", "--no-office-key"]) == 0
    visit = make_visit()
    with Vault.open(data) as v:
        v.unlock("visitor1", PASSPHRASE)
        v.save_visit(visit)
    assert main(["office-keygen", str(tmp_path / "county")]) == 0
    assert main(["--data-dir", str(data), "vault", "set-office-key", str(tmp_path / "county.pub")]) == 0
    assert "已设置县级恢复密钥" in capsys.readouterr().out

    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "recovered-passphrase")
    monkeypatch.delenv("FIELDAPP_PASSPHRASE")
    assert main(["--data-dir", str(data), "recover", "--office-key", str(tmp_path / "county.key"),
                 "--user", "visitor1"]) == 0
    v = Vault.open(data)
    v.unlock("visitor1", "recovered-passphrase")
    assert v.get_visit(visit["visit_id"])["answers"]["address"] == "东山村三组12号"
    v.lock()
