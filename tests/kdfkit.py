"""The test-only Argon2id cost as the default of the vault's passphrase calls (see tests/conftest.py::fast_default_kdf)."""

from __future__ import annotations


def _with_fast_default(function, fast, production):
    """(attribute, value) pairs that make *function*'s DEFAULT_KDF defaults *fast*."""
    changes = []
    if function.__defaults__:
        changes.append(("__defaults__", tuple(fast if d is production else d for d in function.__defaults__)))
    if function.__kwdefaults__:
        changes.append(("__kwdefaults__", {k: fast if d is production else d for k, d in function.__kwdefaults__.items()}))
    return changes


def use_fast_default_kdf(monkeypatch):
    """Through *monkeypatch* (undone with it): Vault.create, add_user, set_passphrase, seal_visits and
    wrap_with_passphrase default to FAST_KDF instead of DEFAULT_KDF in this process; returns FAST_KDF."""
    from fieldapp.vault import crypto, export, vault

    for function in (vault.Vault.create.__func__, vault.Vault.add_user, vault.Vault.set_passphrase,
                     export.seal_visits, crypto.StandardSuite.wrap_with_passphrase):
        for name, value in _with_fast_default(function, crypto.FAST_KDF, crypto.DEFAULT_KDF):
            monkeypatch.setattr(function, name, value)
    return crypto.FAST_KDF
