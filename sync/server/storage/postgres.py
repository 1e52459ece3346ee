"""PostgreSQL backend (psycopg 3 with a connection pool): the production choice.

Several server processes may share one database: every seq-assigning write locks the
counter row (``SELECT ... FOR UPDATE``), so commits are ordered by seq across processes.
"""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from sync.server.storage.sql import SqlStorage, Tx


class _PgTx(Tx):
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def q(self, sql, params=()):
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql, tuple(params))
            return cur.fetchall()

    def exec(self, sql, params=()):
        with self.conn.cursor() as cur:
            cur.execute(sql, tuple(params))
            return cur.rowcount

    def many(self, sql, rows):
        with self.conn.cursor() as cur:
            cur.executemany(sql, rows)

    def insert_rows(self, table, columns, rows):
        if not rows:
            return
        # COPY: several times faster than INSERT for a batch of new rows (names are our constants, not input)
        with self.conn.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


class PostgresStorage(SqlStorage):
    """Storage in a PostgreSQL database given by a ``postgresql://`` URL."""

    backend = "postgres"
    lock_suffix = " FOR UPDATE"

    def __init__(self, url: str, max_size: int = 8, wait_seconds: float = 30.0):
        self.url = url.replace("postgres://", "postgresql://", 1)
        # prepare_threshold=None: no server-side prepared statements. A generic plan chosen while the
        # tables were small (a sequential scan) would stick as they grow and make every push O(rows).
        self.pool = ConnectionPool(self.url, min_size=1, max_size=max_size, open=True, timeout=wait_seconds,
                                   kwargs={"autocommit": False, "prepare_threshold": None})

    @contextmanager
    def _tx(self, write=True):
        with self.pool.connection() as conn:
            with conn.transaction():
                yield _PgTx(conn)

    def _in(self, column, values):
        return f"{column} = ANY(%s)", [list(values)]

    def _run_script(self, tx, script):
        tx.exec(script)

    # Tables a migration's data step filled in bulk, vacuumed once the migration has committed: so their new rows
    # are all-visible at once and the search's index-only scans of the grams read no table pages (autovacuum
    # would wait until a fifth of the table is new; at 200,000 households an address search took 3x as long).
    VACUUM_AFTER = {16: ("console_search_gram",)}

    def migrate(self) -> list[int]:
        applied = super().migrate()
        tables = sorted({t for version in applied for t in self.VACUUM_AFTER.get(version, ())})
        if tables:
            with self.pool.connection() as conn:
                conn.autocommit = True   # VACUUM runs outside a transaction
                try:
                    for table in tables:   # our constant names, not input
                        conn.execute(f"VACUUM (ANALYZE) {table}")
                finally:
                    conn.autocommit = False
        return applied

    def close(self) -> None:
        self.pool.close()
