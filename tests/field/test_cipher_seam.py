"""The national ciphers (SM3/SM4) at the vault's one cipher seam (fieldapp/vault/crypto.py).

Shows what docs/security.md claims: the installed ``cryptography`` offers SM4 (GCM) and SM3 with the
standard test vectors; a suite registered at the seam is named in the key file and used for the key
wraps and the audit chain without touching anything else; a build that lacks the suite refuses the file
by name instead of guessing. (The page cipher of the database itself is SQLCipher's; an SM4 page
cipher needs an SQLite cipher build that offers it — not shipped.)
"""

from __future__ import annotations

import json
import os

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import fieldapp.vault.vault as vault_module
from fieldapp.vault import FAST_KDF, KeyFileCorrupt, Vault
from fieldapp.vault import crypto
from tests.field.killkit import PASSPHRASE, make_visit


def sm3(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def sm4_gcm_encrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(data) + enc.finalize() + enc.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, blob: bytes, aad: bytes) -> bytes:
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, blob[-16:])).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(blob[:-16]) + dec.finalize()


def test_sm3_and_sm4_are_available_with_their_standard_vectors():
    # GB/T 32905-2016 example 1 and GB/T 32907-2016 example 1
    assert sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"
    nonce, aad = os.urandom(12), b"fieldapp"
    blob = sm4_gcm_encrypt(key, nonce, "低保户".encode(), aad)
    assert sm4_gcm_decrypt(key, nonce, blob, aad).decode() == "低保户"
    with pytest.raises(InvalidTag):
        sm4_gcm_decrypt(key, nonce, blob[:-1] + bytes([blob[-1] ^ 1]), aad)


class NationalSuite(crypto.StandardSuite):
    """A test suite: SM3 audit chain (the standard suite's wraps stay; a deployment would swap them too)."""

    name = "sm-test"

    def chain_hash(self, previous: str, payload: bytes) -> str:
        return sm3(previous.encode("ascii") + b"\n" + payload)


def test_a_suite_registered_at_the_seam_is_named_in_the_key_file_and_used(tmp_path, monkeypatch):
    suite = NationalSuite()
    monkeypatch.setitem(crypto.SUITES, suite.name, suite)
    monkeypatch.setattr(vault_module, "DEFAULT_SUITE", suite)
    vault = Vault.create(tmp_path / "v", "visitor1", PASSPHRASE, None, kdf=FAST_KDF)
    vault.save_visit(make_visit("110105001001"))
    entries = vault.verify_audit()
    vault.lock()
    assert json.loads((tmp_path / "v" / "vault.keys.json").read_text())["suite"] == "sm-test"
    monkeypatch.setattr(vault_module, "DEFAULT_SUITE", crypto.DEFAULT_SUITE)   # a fresh process: suite read from file
    reopened = Vault.open(tmp_path / "v")
    reopened.unlock("visitor1", PASSPHRASE)
    assert reopened._suite is suite and reopened.verify_audit() == entries + 1     # + the unlock entry
    reopened.lock()
    # the SM3 chain is really what was stored: the standard (SHA-256) suite does not accept it
    monkeypatch.setattr(NationalSuite, "chain_hash", crypto.StandardSuite.chain_hash)
    reopened.unlock("visitor1", PASSPHRASE)
    with pytest.raises(Exception, match="(?i)audit|chain"):
        reopened.verify_audit()
    reopened.lock()


def test_a_build_without_the_suite_refuses_the_file_by_name(tmp_path, monkeypatch):
    suite = NationalSuite()
    monkeypatch.setitem(crypto.SUITES, suite.name, suite)
    monkeypatch.setattr(vault_module, "DEFAULT_SUITE", suite)
    Vault.create(tmp_path / "v", "visitor1", PASSPHRASE, None, kdf=FAST_KDF).lock()
    monkeypatch.delitem(crypto.SUITES, suite.name)
    with pytest.raises(KeyFileCorrupt, match="sm-test"):
        Vault.open(tmp_path / "v")
