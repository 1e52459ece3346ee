"""Key and vault files damaged or crafted (issue 19): reported as damage, never a crash, a hang or a "wrong passphrase".

Crafted KDF parameters (memory_cost 10**20, lanes -1, a list), a damaged user wrap, a damaged office
recovery wrap, a throttle file claiming 10**30 failures, flipped bytes in vault.db.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from fieldapp.cli import main
from fieldapp.vault.crypto import DEFAULT_SUITE
from fieldapp.vault import FAST_KDF, KeyFileCorrupt, UnlockThrottled, Vault, VaultCorrupt, VaultError

PASSPHRASE = "tea-leaf-river-42"
ROOT = Path(__file__).resolve().parents[2]
PAGE = 4096   # SQLCipher 4's page size


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    _, public_pem = DEFAULT_SUITE.generate_recipient_keypair()
    v = Vault.create(folder, "张三", PASSPHRASE, public_pem, kdf=FAST_KDF)
    v.lock()
    return folder


def keys(folder):
    return json.loads((folder / "vault.keys.json").read_text(encoding="utf-8"))


def write_keys(folder, doc):
    (folder / "vault.keys.json").write_text(json.dumps(doc), encoding="utf-8")


def failures(folder) -> int:
    path = folder / "vault.throttle.json"
    return json.loads(path.read_text())["张三"]["failures"] if path.exists() else 0


@pytest.mark.parametrize("name, value", [("memory_cost", 10**20), ("lanes", -1), ("iterations", [3]),
                                         ("memory_cost", "131072"), ("lanes", True)])
def test_crafted_kdf_parameters_are_damage_not_a_crash(data, name, value):
    doc = keys(data)
    doc["users"]["张三"]["kdf"][name] = value
    write_keys(data, doc)
    with pytest.raises(KeyFileCorrupt) as caught:
        Vault.open(data).unlock("张三", PASSPHRASE)
    assert "已损坏" in caught.value.message_zh and failures(data) == 0


@pytest.mark.parametrize("part", ["nonce", "ciphertext"])
def test_a_damaged_user_wrap_is_damage_not_a_wrong_passphrase(data, part):
    doc = keys(data)
    doc["users"]["张三"][part] = doc["users"]["张三"][part][:-8]
    write_keys(data, doc)
    with pytest.raises(KeyFileCorrupt):
        Vault.open(data).unlock("张三", PASSPHRASE)
    assert failures(data) == 0


def test_a_damaged_office_recovery_wrap_is_found_by_vault_check(data, monkeypatch, capsys):
    doc = keys(data)
    assert doc["office"] is not None
    doc["office"]["ephemeral"] = doc["office"]["ephemeral"][:10]
    write_keys(data, doc)
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(data), "vault", "check"]) == 2
    err = capsys.readouterr().err
    assert "已损坏" in err and "Traceback" not in err


def test_a_throttle_file_claiming_huge_failures_gives_the_maximum_wait_not_a_hang(data):
    (data / "vault.throttle.json").write_text(json.dumps({"张三": {"failures": 10**30, "last": 10**30}}))
    with pytest.raises(UnlockThrottled) as caught:
        Vault.open(data).unlock("张三", PASSPHRASE)
    assert 0 < caught.value.retry_after <= 300
    (data / "vault.throttle.json").write_text(json.dumps({"张三": {"failures": [1], "last": "x"}, "x": 5}))
    v = Vault.open(data)
    v.unlock("张三", PASSPHRASE)                      # nonsense in the counter file is no lock-out
    v.lock()


def test_flipped_bytes_in_the_vault_file_are_reported_as_damage(data):
    path = data / "vault.db"
    original = path.read_bytes()
    for offset in (100, 5000, len(original) // 2, len(original) - 100):
        damaged = bytearray(original)
        damaged[offset] ^= 0x40
        path.write_bytes(bytes(damaged))
        try:
            v = Vault.open(data)
            v.unlock("张三", PASSPHRASE)
            v.check_integrity()
            v.household_count()
            v.lock()
        except (VaultCorrupt, VaultError) as exc:
            assert exc.message_zh
    path.write_bytes(original)


def test_a_flipped_byte_in_any_page_is_reported_by_vault_check_as_damage(data, monkeypatch, capsys):
    """Every page of a vault with visits (households, FTS index, audit): ``fieldapp vault check`` says 已损坏.

    The adversarial run saw a traceback here: a damaged page of the full-text index fails with
    ``vtable constructor failed``, an SQLITE_CORRUPT whose text names no damage.
    """
    v = Vault.open(data)
    v.unlock("张三", PASSPHRASE)
    example = json.loads((ROOT / "docs/examples/R3-dibao-candidate.json").read_text(encoding="utf-8"))
    for i in range(12):
        visit = json.loads(json.dumps(example))
        visit["household_id"], visit["visit_id"] = str(uuid.UUID(int=2 * i + 1)), str(uuid.UUID(int=2 * i + 2))
        v.save_visit(visit)
    v.lock()
    path = data / "vault.db"
    original = path.read_bytes()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    pages = len(original) // PAGE
    assert pages > 20
    for page in range(pages):
        damaged = bytearray(original)
        damaged[page * PAGE + PAGE // 2] ^= 0x10
        path.write_bytes(bytes(damaged))
        capsys.readouterr()
        code = main(["--data-dir", str(data), "vault", "check"])
        err = capsys.readouterr().err
        assert code == 2 and "已损坏" in err and "Traceback" not in err, (page, code, err[-500:])
    path.write_bytes(original)


def test_a_key_file_or_settings_nested_100000_deep_is_damage_not_a_traceback(data, monkeypatch, capsys):
    from fieldapp.services import Services

    good = (data / "vault.keys.json").read_bytes()
    (data / "vault.keys.json").write_text("[" * 100_000)
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(data), "vault", "check"]) == 2
    err = capsys.readouterr().err
    assert "已损坏" in err and "Traceback" not in err
    (data / "vault.keys.json").write_bytes(good)
    (data / "ui-settings.json").write_text("{\"a\": " * 100_000)
    assert Services(data).load_settings()["language"]          # the defaults: the app still starts
    (data / "ui-settings.json").write_text(json.dumps({"auto_lock_minutes": "x", "language": [1], "last_user": {}}))
    assert Services(data).load_settings() == {"language": "zh", "auto_lock_minutes": 10}
    (data / "ui-settings.json").write_text(json.dumps({"auto_lock_minutes": float("nan")}))
    assert Services(data).load_settings()["auto_lock_minutes"] == 10
