"""Server storage: one interface (:class:`Storage`), two backends (SQLite, PostgreSQL)."""

from __future__ import annotations

from sync.server.storage.base import Scope, Storage


def open_storage(url: str, wait_seconds: float | None = None) -> Storage:
    """Open the backend named by *url*: ``sqlite:///path``, ``sqlite://:memory:`` or ``postgresql://...``.

    *wait_seconds*: how long a PostgreSQL connection is waited for before ``PoolTimeout`` (default 30 s,
    the pool's own; ``doctor`` waits less).
    """
    if url.startswith("sqlite://"):
        from sync.server.storage.sqlite import SQLiteStorage

        return SQLiteStorage(url[len("sqlite://"):].removeprefix("/") if url.startswith("sqlite:///") else url[len("sqlite://"):])
    if url.startswith(("postgresql://", "postgres://")):
        from sync.server.storage.postgres import PostgresStorage

        return PostgresStorage(url) if wait_seconds is None else PostgresStorage(url, wait_seconds=wait_seconds)
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


def __getattr__(name: str):
    # STORAGE_ERRORS: every way of not reaching or not reading the database (both drivers' error bases, a bad
    # URL, the file system). Built on first use so that a SQLite-only process does not import psycopg.
    if name == "STORAGE_ERRORS":
        import sqlite3

        import psycopg

        value = (sqlite3.Error, psycopg.Error, OSError, ValueError)
        globals()[name] = value
        return value
    raise AttributeError(name)


__all__ = ["Scope", "Storage", "open_storage"]
