"""Fixtures shared by every test folder.

``postgres`` lives here, once: a session fixture imported into several conftest files is
registered once per file, and each registration started a PostgreSQL cluster of its own
(initdb, start, a migrated template: several seconds of CPU, three clusters per worker).
"""

from __future__ import annotations

import os

import pytest

from tests.sync.pg import PostgresUnavailable, TempPostgres


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
