"""SQLite backend: the embedded default (one file, WAL, writers serialised by BEGIN IMMEDIATE)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from sync.filemodes import create_private_file

from sync.server.storage.sql import SqlStorage, Tx


class _SQLiteTx(Tx):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def q(self, sql, params=()):
        cur = self.conn.execute(sql.replace("%s", "?"), tuple(params))
        names = [d[0] for d in cur.description] if cur.description else []
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def exec(self, sql, params=()):
        return self.conn.execute(sql.replace("%s", "?"), tuple(params)).rowcount

    def many(self, sql, rows):
        self.conn.executemany(sql.replace("%s", "?"), rows)


class SQLiteStorage(SqlStorage):
    """Storage in one SQLite file (``:memory:`` is not supported: several threads share the file)."""

    backend = "sqlite"
    lock_suffix = ""   # BEGIN IMMEDIATE already gives the writer the whole database

    def __init__(self, path: str):
        if path in ("", ":memory:"):
            raise ValueError("the SQLite backend needs a file path")
        self.path = path
        self._local = threading.local()
        create_private_file(Path(path))   # the county's households and the server keys: owner-only (sync/server/atrest.py)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def _tx(self, write=True):
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield _SQLiteTx(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _in(self, column, values):
        return f"{column} IN ({','.join('%s' for _ in values)})", list(values)

    def _run_script(self, tx, script):
        # statement by statement inside the open transaction (executescript would commit on its own)
        for statement in _statements(script):
            tx.exec(statement)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
