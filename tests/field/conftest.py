"""Fixtures for the field-day, fault, load and attack tests: the sync harness's PostgreSQL and servers are reused."""

from __future__ import annotations

from tests.sync.conftest import backend, server, storage  # noqa: F401  (pytest fixtures by import; postgres is tests/conftest.py's)
