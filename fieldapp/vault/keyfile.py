"""The key file beside the database: the wrapped copies of the database key.

The database cannot be opened without its key, so the wraps live in a small JSON file
(``vault.keys.json``): one passphrase wrap per local user and one wrap to the county
office's public key for recovery. The file is rewritten atomically (temp file, fsync,
rename, fsync of the folder) so that a crash leaves either the old or the new file.
The failed-unlock counter lives in its own small file (``vault.throttle.json``).
Every change is a read-modify-write done under :func:`exclusive` (a lock file beside it),
so two programs changing users at once (the app and ``fieldapp user add``) lose no wrap.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import filelock

from sync.files import write_durably

from .connection import translate_os_error
from .errors import DiskFull, DiskWriteFailed, KeyFileBusy, KeyFileCorrupt, ReadOnlyVault

LOCK_TIMEOUT_S = 30.0  # an Argon2id re-wrap takes about a second; a held lock beyond this is a stuck program


@contextlib.contextmanager
def exclusive(path: Path, timeout: float = LOCK_TIMEOUT_S):
    """Hold the key file's cross-process lock (``<name>.lock``; an OS lock, released if the program dies).

    :raises KeyFileBusy: another program held it for longer than *timeout* seconds
    """
    lock = filelock.FileLock(str(Path(path)) + ".lock", timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise KeyFileBusy(path) from exc
    except OSError as exc:  # a read-only folder or a full disk: the same errors as writing the key file
        translated = translate_os_error(exc, Path(path))
        if translated is not None:
            raise translated from exc
        raise
    try:
        yield
    finally:
        lock.release()

FORMAT = "fieldapp.vault-keys"
VERSION = 1


def atomic_write(path: Path, data: bytes) -> None:
    """Replace *path* with *data* so a crash leaves either the old or the new content."""
    path = Path(path)
    try:
        write_durably(path, data, mode=0o600)
    except OSError as exc:
        translated = translate_os_error(exc, path)
        if translated is not None:
            raise translated from exc
        raise



@dataclass
class KeyFile:
    """Parsed content of ``vault.keys.json``."""

    path: Path
    vault_id: str
    suite: str
    created_at: str
    users: dict[str, dict] = field(default_factory=dict)
    office: dict | None = None

    def to_json(self) -> bytes:
        """Serialise for writing."""
        doc = {
            "format": FORMAT, "version": VERSION, "vault_id": self.vault_id, "suite": self.suite,
            "created_at": self.created_at, "users": self.users, "office": self.office,
        }
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

    def save(self) -> None:
        """Write the file atomically."""
        atomic_write(self.path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> "KeyFile":
        """Read and check the key file; KeyFileCorrupt naming the file if anything is off."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise KeyFileCorrupt(path, f"unreadable ({exc.__class__.__name__})") from exc
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:   # RecursionError: nested 100,000 deep
            raise KeyFileCorrupt(path, "not valid JSON (truncated or edited)") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise KeyFileCorrupt(path, "not a fieldapp key file")
        if doc.get("version") != VERSION:
            raise KeyFileCorrupt(path, f"unknown key file version {doc.get('version')!r}")
        users = doc.get("users")
        if not isinstance(users, dict):
            raise KeyFileCorrupt(path, "user wraps missing or malformed")
        for name, wrap in users.items():
            if (problem := wrap_problem(wrap, "kdf")) is not None:
                raise KeyFileCorrupt(path, f"wrap of user {name[:40]!r} damaged: {problem}")
        office = doc.get("office")
        if office is not None and (problem := wrap_problem(office, "ephemeral")) is not None:
            raise KeyFileCorrupt(path, f"office recovery wrap damaged: {problem}")
        if not isinstance(doc.get("vault_id"), str) or not isinstance(doc.get("suite"), str):
            raise KeyFileCorrupt(path, "vault id or suite missing")
        return cls(path, doc["vault_id"], doc["suite"], str(doc.get("created_at", "")), users, office)


# Argon2id costs a key file may ask for: a crafted 10**20 KiB, -1 lanes or a list must not crash or hang the unlock
KDF_LIMITS = {"memory_cost": (8, 4 * 1024 * 1024), "iterations": (1, 64), "lanes": (1, 64)}


def _b64_len(text, sizes) -> bool:
    if not isinstance(text, str):
        return False
    try:
        return len(base64.b64decode(text.encode("ascii"), validate=True)) in sizes
    except (ValueError, UnicodeEncodeError):
        return False


def wrap_problem(wrap, marker: str) -> str | None:
    """Why a key wrap cannot be a wrap this program wrote (None: its shape is right).

    A damaged wrap is found here, before any passphrase is tried: it is reported as damage, never
    as a wrong passphrase (and never counted towards the unlock throttle).
    """
    if not isinstance(wrap, dict) or marker not in wrap:
        return "not a wrap"
    if not _b64_len(wrap.get("nonce"), (12,)):
        return "nonce"
    if not _b64_len(wrap.get("ciphertext"), (48,) if marker == "kdf" else range(17, 4096)):   # a 32-byte key + tag
        return "ciphertext"
    if marker == "kdf":
        kdf = wrap["kdf"]
        if not isinstance(kdf, dict) or kdf.get("name") != "argon2id" or not _b64_len(kdf.get("salt"), range(8, 65)):
            return "kdf"
        for name, (low, high) in KDF_LIMITS.items():
            value = kdf.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                return f"kdf {name}"
        if kdf["memory_cost"] < 8 * kdf["lanes"]:
            return "kdf memory_cost"
    elif not (_b64_len(wrap.get("ephemeral"), (32,)) and _b64_len(wrap.get("recipient", ""), (32,))):
        return "ephemeral or recipient key"
    return None


class Throttle:
    """Failed unlock attempts per user, persisted so that restarting the app does not reset the delay."""

    FREE_ATTEMPTS = 3
    MAX_DELAY = 300.0

    def __init__(self, path: Path, clock=time.time):
        self.path = Path(path)
        self.clock = clock

    MAX_COUNTED = 64          # 2 ** (10**30) would never finish: a counter beyond this is the maximum delay anyway

    def _read(self) -> dict:
        try:
            doc = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError, RecursionError):
            # A missing or damaged counter file must not lock anyone out for good.
            return {}
        if not isinstance(doc, dict):
            return {}
        clean = {}
        for user, entry in doc.items():   # an edited file: keep what makes sense, bounded
            if not isinstance(entry, dict):
                continue
            failures, last = entry.get("failures", 0), entry.get("last", 0)
            failures = min(max(failures, 0), self.MAX_COUNTED) if isinstance(failures, int) else 0
            # a time that is no time, or in the future, counts from now: at most MAX_DELAY, never for good
            now = self.clock()
            last = float(last) if isinstance(last, (int, float)) and not isinstance(last, bool) and abs(last) < 1e12 else now
            clean[user] = {"failures": failures, "last": min(last, now)}
        return clean

    @classmethod
    def delay_for(cls, failures: int) -> float:
        """Seconds to wait after *failures* consecutive wrong passphrases: 0,0,0,1,2,4,… up to 5 min."""
        if failures < cls.FREE_ATTEMPTS:
            return 0.0
        return min(float(2 ** min(failures - cls.FREE_ATTEMPTS, 32)), cls.MAX_DELAY)

    def retry_after(self, user: str) -> float:
        """Seconds before *user* may try again (0 if now)."""
        entry = self._read().get(user)
        if not entry:
            return 0.0
        wait = float(entry.get("last", 0)) + self.delay_for(int(entry.get("failures", 0))) - self.clock()
        return max(0.0, wait)

    def failures(self, user: str) -> int:
        """Consecutive failed attempts recorded for *user*."""
        return int(self._read().get(user, {}).get("failures", 0))

    def record_failure(self, user: str) -> int:
        """Count one more wrong passphrase; returns the new count."""
        doc = self._read()
        entry = doc.get(user, {})
        entry = {"failures": int(entry.get("failures", 0)) + 1, "last": self.clock()}
        doc[user] = entry
        self._write(doc)
        return entry["failures"]

    def _write(self, doc: dict) -> None:
        try:
            atomic_write(self.path, json.dumps(doc).encode("utf-8"))
        except (ReadOnlyVault, DiskFull, DiskWriteFailed):
            # A read-only or full medium must not turn a wrong passphrase into a different error;
            # the delay then only lasts while this process runs (the Argon2id cost remains).
            pass

    def reset(self, user: str) -> None:
        """Forget failures after a successful unlock."""
        doc = self._read()
        if user in doc:
            del doc[user]
            self._write(doc)
