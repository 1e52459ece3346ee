"""Fixtures shared by every test folder.

``postgres`` lives here, once: a session fixture imported into several conftest files is
registered once per file, and each registration started a PostgreSQL cluster of its own
(initdb, start, a migrated template: several seconds of CPU, three clusters per worker).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.kdfkit import use_fast_default_kdf
from tests.sync.pg import PostgresUnavailable, TempPostgres

# Hypothesis's own timing checks (a 200 ms deadline per example, the "input generation is slow" health
# check) are timed assertions on a shared 2-core machine: at load 6–7 tests/forms/test_idnumber.py failed
# with "only 4 valid inputs after 1.77 seconds". Examples, strategies and assertions stay as each test sets them.
settings.register_profile("fieldapp", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("fieldapp")


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server (never skipped when CI=true)."""
    try:
        pg = TempPostgres().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))
    yield pg
    pg.stop()


@pytest.fixture
def fast_default_kdf(monkeypatch):
    """Vaults, users, passphrases and sealed exports made without naming a KDF (``fieldapp vault init``,
    ``user add``, ``user passwd``, ``export --passphrase`` run in this process) get the test-only Argon2id
    cost (1 MiB × 1) instead of the production one (128 MiB × 3 × 4 lanes: 0.8 s of CPU per derivation,
    paid again by every command that unlocks; ~60 s of the suite's CPU). What is tested stays the same:
    each wrap stores its parameters and unlocking reads them from the wrap, so every command runs the same
    code with cheaper numbers. That the production cost is the default is asserted by
    tests/vault/test_vault_keys.py::test_cli_vault_init_and_sealed_exports_use_the_production_kdf (without this fixture).
    Only this process: ``fieldapp`` commands started as subprocesses keep the production cost."""
    return use_fast_default_kdf(monkeypatch)
