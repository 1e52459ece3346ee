"""Shared fixtures: real SQLCipher vaults in temporary folders, with cheap Argon2id parameters."""

from __future__ import annotations

import pytest

from fieldapp.vault import FAST_KDF, Vault
from fieldapp.vault.crypto import DEFAULT_SUITE
from vaultkit import PASSPHRASE


@pytest.fixture(scope="session")
def office_keys():
    """(private PEM, public PEM) of a test county office."""
    return DEFAULT_SUITE.generate_recipient_keypair()


@pytest.fixture
def vault(tmp_path, office_keys):
    """A new unlocked vault for user 'visitor1'."""
    v = Vault.create(tmp_path / "data", "visitor1", PASSPHRASE, office_keys[1], kdf=FAST_KDF)
    yield v
    v.lock()
