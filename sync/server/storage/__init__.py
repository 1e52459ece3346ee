"""Server storage: one interface (:class:`Storage`), two backends (SQLite, PostgreSQL)."""

from __future__ import annotations

from sync.server.storage.base import Scope, Storage


def open_storage(url: str) -> Storage:
    """Open the backend named by *url*: ``sqlite:///path``, ``sqlite://:memory:`` or ``postgresql://...``."""
    if url.startswith("sqlite://"):
        from sync.server.storage.sqlite import SQLiteStorage

        return SQLiteStorage(url[len("sqlite://"):].removeprefix("/") if url.startswith("sqlite:///") else url[len("sqlite://"):])
    if url.startswith(("postgresql://", "postgres://")):
        from sync.server.storage.postgres import PostgresStorage

        return PostgresStorage(url)
    raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


__all__ = ["Scope", "Storage", "open_storage"]
