"""Opening the SQLCipher database with a raw key, and turning SQLite errors into vault errors."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

import sqlcipher3

from .errors import DiskFull, DiskWriteFailed, ReadOnlyVault, VaultCorrupt, VaultError

DatabaseError = sqlcipher3.DatabaseError

# Every write of the vault commits FULL-synchronous (fsync of the WAL per commit): what was typed
# survives a power cut. A transaction that only stores pulled pages may commit NORMAL (no fsync
# per commit): a power cut can then roll back the last pulled pages, together with the cursor that
# is saved in the same transaction, so the next pull fetches them again. WAL never corrupts on
# NORMAL, and the next FULL commit syncs the earlier frames too (the WAL is written in order).
SYNCHRONOUS_SAVES = "FULL"
SYNCHRONOUS_PULLED = "NORMAL"


def connect(path: Path, key: bytes | None, suite) -> sqlcipher3.Connection:
    """Open *path* keyed with the raw 256-bit *key* (or unencrypted if ``None``, for benchmarks).

    Raises VaultCorrupt naming the file if the key does not open it (damaged, truncated,
    edited, or another vault's file).
    """
    path = Path(path)
    if not path.exists():
        # Create the file readable by its owner only; SQLite gives -wal/-shm the same mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlcipher3.connect(str(path), check_same_thread=False, timeout=10.0)
    try:
        if key is not None:
            # Silence SQLCipher's own logging before keying so no key-related line is ever printed.
            with contextlib.suppress(DatabaseError):
                conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")  # hex of random bytes only: no user text
            for pragma in suite.database_pragmas():
                conn.execute(pragma)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        # FULL: an acknowledged save survives a power cut, not only a crash of the app.
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS_SAVES}")
        conn.execute("PRAGMA temp_store = MEMORY")
        # 32 MiB page cache: every page read from disk must be decrypted and authenticated again.
        conn.execute("PRAGMA cache_size = -32768")
        conn.execute("PRAGMA foreign_keys = ON")
    except DatabaseError as exc:
        conn.close()
        raise translate_error(exc, path) or VaultCorrupt(path, str(exc)) from exc
    return conn


@contextlib.contextmanager
def pulled_durability(conn):
    """Within the block, commits are NORMAL-synchronous if the vault is in WAL mode (else unchanged).

    For transactions that store what the server sent and nothing typed here; FULL is restored on
    the way out, also on errors. The caller holds the vault's lock, so no typed save can commit
    on this connection in between; another program's connection keeps its own FULL setting.
    """
    if conn.in_transaction or conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        yield
        return
    conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS_PULLED}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS_SAVES}")


def _writable(path: Path) -> bool:
    folder = path.parent
    return os.access(folder, os.W_OK | os.X_OK) and (not path.exists() or os.access(path, os.W_OK))


def translate_error(exc: Exception, path: Path) -> VaultError | None:
    """The vault error a SQLite failure means for the user, or None if it is not one of these."""
    text = str(exc).lower()
    if "disk is full" in text or "no space" in text:
        return DiskFull(path, str(exc))
    if "readonly" in text or "read-only" in text or ("unable to open" in text and not _writable(Path(path))):
        return ReadOnlyVault(Path(path).parent, str(exc))
    if "disk i/o error" in text:
        return DiskWriteFailed(path, str(exc))
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return VaultCorrupt(path, str(exc))
    # SQLite's own code, whatever the text says: a damaged page of the full-text index reads
    # "vtable constructor failed: household_fts" (SQLITE_CORRUPT) and must be damage, not a traceback.
    if str(getattr(exc, "sqlite_errorname", "")).startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return VaultCorrupt(path, str(exc))
    return None


def translate_os_error(exc: OSError, path: Path) -> VaultError | None:
    """The vault error an OS write failure means (ENOSPC, EFBIG, EROFS, EACCES…), or None."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(path, exc.strerror or "")
    if exc.errno == errno.EFBIG:
        return DiskWriteFailed(path, exc.strerror or "")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyVault(Path(path).parent, exc.strerror or "")
    return None


def is_plain_sqlite(path: Path) -> bool:
    """True if *path* starts with the plaintext SQLite header (i.e. is NOT encrypted)."""
    with open(path, "rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"
