"""Keys: passphrases, users, office recovery, throttling, and damaged files."""

from __future__ import annotations

import json

import pytest

from fieldapp.vault import (
    FAST_KDF, KeyFileCorrupt, LastUser, OfficeKeyInvalid, UnknownUser, UnlockThrottled, UserExists, Vault,
    VaultExists, VaultLocked, WeakPassphrase, WrongPassphrase,
)
from fieldapp.vault.crypto import DEFAULT_SUITE

from vaultkit import PASSPHRASE, make_visit


def test_reopen_with_passphrase_reads_saved_data(vault):
    visit = make_visit()
    vault.save_visit(visit)
    vault.lock()
    again = Vault.open(vault.data_dir)
    again.unlock("visitor1", PASSPHRASE)
    assert again.get_visit(visit["visit_id"])["answers"]["members"][0]["name"] == "王芳"
    again.lock()


def test_locked_vault_refuses_reads(vault):
    vault.lock()
    assert not vault.is_unlocked
    with pytest.raises(VaultLocked):
        vault.household_rows()


def test_create_refuses_existing_vault_and_weak_passphrase(vault, office_keys, tmp_path):
    with pytest.raises(VaultExists):
        Vault.create(vault.data_dir, "x", PASSPHRASE, office_keys[1], kdf=FAST_KDF)
    with pytest.raises(WeakPassphrase):
        Vault.create(tmp_path / "other", "x", "short", office_keys[1], kdf=FAST_KDF)


def test_wrong_passphrase_is_counted_and_delays_grow_across_restarts(vault):
    vault.lock()
    now = [1000.0]
    clock = lambda: now[0]  # noqa: E731
    v = Vault.open(vault.data_dir, clock=clock)
    for attempt in range(1, 4):
        with pytest.raises(WrongPassphrase) as exc:
            v.unlock("visitor1", "not the passphrase")
        assert exc.value.failures == attempt
        assert "密码不正确" in exc.value.message_zh
    # The third failure starts the delay; a fresh Vault object (app restart) still sees it.
    restarted = Vault.open(vault.data_dir, clock=clock)
    with pytest.raises(UnlockThrottled) as throttled:
        restarted.unlock("visitor1", PASSPHRASE)
    assert throttled.value.retry_after == pytest.approx(1.0)
    now[0] += 1.5
    with pytest.raises(WrongPassphrase):
        restarted.unlock("visitor1", "still wrong")
    with pytest.raises(UnlockThrottled) as longer:
        restarted.unlock("visitor1", PASSPHRASE)
    assert longer.value.retry_after == pytest.approx(2.0)
    now[0] += 2.5
    restarted.unlock("visitor1", PASSPHRASE)  # the right passphrase after the wait works and resets the count
    assert restarted.throttle.failures("visitor1") == 0
    restarted.lock()


def test_unknown_user(vault):
    vault.lock()
    with pytest.raises(UnknownUser):
        Vault.open(vault.data_dir).unlock("nobody", PASSPHRASE)


def test_passphrase_change_rewraps_key_only(vault):
    visit = make_visit()
    vault.save_visit(visit)
    key_before = vault.export_raw_key()
    vault.set_passphrase("visitor1", "a-new-long-passphrase", kdf=FAST_KDF)
    vault.lock()
    v = Vault.open(vault.data_dir)
    with pytest.raises(WrongPassphrase):
        v.unlock("visitor1", PASSPHRASE)
    v.unlock("visitor1", "a-new-long-passphrase")
    assert v.export_raw_key() == key_before  # same database key: nothing was re-encrypted
    assert v.get_visit(visit["visit_id"])["visit_id"] == visit["visit_id"]
    v.lock()


def test_kdf_parameters_are_stored_with_each_wrap(vault):
    vault.add_user("visitor2", "second-passphrase", kdf=FAST_KDF)
    doc = json.loads(vault.keys_path.read_text("utf-8"))
    kdf = doc["users"]["visitor2"]["kdf"]
    assert kdf["name"] == "argon2id" and kdf["memory_cost"] == FAST_KDF.memory_cost and kdf["salt"]


def test_add_and_remove_user(vault):
    vault.add_user("visitor2", "second-passphrase", kdf=FAST_KDF)
    with pytest.raises(UserExists):
        vault.add_user("visitor2", "second-passphrase", kdf=FAST_KDF)
    assert vault.users() == ["visitor1", "visitor2"]
    vault.lock()
    v = Vault.open(vault.data_dir)
    v.unlock("visitor2", "second-passphrase")
    v.remove_user("visitor1")
    with pytest.raises(LastUser):
        v.remove_user("visitor2")
    v.lock()
    with pytest.raises(UnknownUser):
        Vault.open(vault.data_dir).unlock("visitor1", PASSPHRASE)


def test_office_recovery_sets_new_passphrase(vault, office_keys):
    visit = make_visit()
    vault.save_visit(visit)
    vault.lock()
    v = Vault.open(vault.data_dir)
    v.unlock_with_office_key(office_keys[0])
    v.set_passphrase("visitor1", "recovered-passphrase", kdf=FAST_KDF)
    v.lock()
    v.unlock("visitor1", "recovered-passphrase")
    assert v.get_visit(visit["visit_id"])["status"] == "final"
    actions = [e["action"] for e in v.audit_entries(limit=20)]
    assert "recover" in actions and "passphrase_changed" in actions
    v.lock()


def test_other_office_key_cannot_recover(vault):
    other_private, _ = DEFAULT_SUITE.generate_recipient_keypair()
    vault.lock()
    with pytest.raises(OfficeKeyInvalid):
        Vault.open(vault.data_dir).unlock_with_office_key(other_private)
    with pytest.raises(OfficeKeyInvalid):
        Vault.open(vault.data_dir).unlock_with_office_key(b"not a key")


def test_destroy_local_wraps_keeps_office_recovery(vault, office_keys):
    vault.save_visit(make_visit())
    vault.destroy_local_wraps()
    assert not vault.is_unlocked
    v = Vault.open(vault.data_dir)
    assert v.users() == []
    with pytest.raises(UnknownUser):
        v.unlock("visitor1", PASSPHRASE)
    v.unlock_with_office_key(office_keys[0])
    assert len(v.household_rows()) == 1
    v.lock()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "drop_users"])
def test_damaged_key_file_names_the_file(vault, damage):
    vault.lock()
    raw = vault.keys_path.read_bytes()
    if damage == "truncate":
        vault.keys_path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        vault.keys_path.write_bytes(b"\x00\xff" * 50)
    else:
        doc = json.loads(raw)
        doc["users"] = "gone"
        vault.keys_path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileCorrupt) as exc:
        Vault.open(vault.data_dir)
    assert str(vault.keys_path) in str(exc.value) and str(vault.keys_path) in exc.value.message_zh


def test_key_file_is_written_atomically_without_leftovers(vault):
    vault.add_user("visitor2", "second-passphrase", kdf=FAST_KDF)
    leftovers = [p.name for p in vault.data_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert oct(vault.keys_path.stat().st_mode & 0o777) == "0o600"


def test_cli_vault_init_and_sealed_exports_use_the_production_kdf(tmp_path, monkeypatch):
    """Without tests/conftest.py's ``fast_default_kdf`` (which the CLI test modules use), what a user makes
    without naming a cost gets the production Argon2id parameters: ``fieldapp vault init`` and a sealed export."""
    from fieldapp.cli import main
    from fieldapp.vault import DEFAULT_KDF
    from fieldapp.vault.export import seal_visits

    assert DEFAULT_KDF.memory_cost >= 65536 and DEFAULT_KDF.iterations >= 3   # 64 MiB × 3 at least
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "first-passphrase")
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "first-passphrase")
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)
    assert main(["--data-dir", str(tmp_path / "data"), "vault", "init", "--user", "visitor1", "--no-office-key"]) == 0
    kdf = json.loads(Vault(tmp_path / "data").keys_path.read_text("utf-8"))["users"]["visitor1"]["kdf"]
    assert (kdf["memory_cost"], kdf["iterations"], kdf["lanes"]) == (DEFAULT_KDF.memory_cost, DEFAULT_KDF.iterations, DEFAULT_KDF.lanes)
    sealed = json.loads(seal_visits([make_visit()], passphrase="export-passphrase"))
    assert json.dumps(sealed).count(f'"memory_cost": {DEFAULT_KDF.memory_cost}') == 1
