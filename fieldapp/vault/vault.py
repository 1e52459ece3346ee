"""The :class:`Vault` facade: create, unlock and lock the encrypted store; users and key wraps."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from pathlib import Path

import sqlite_utils

from . import audit, migrations
from .connection import DatabaseError, connect, translate_error, translate_os_error
from .crypto import DEFAULT_KDF, DEFAULT_SUITE, DecryptError, KdfParams, get_suite
from sync.filemodes import loose_modes, private_dir

from .errors import MAX_USER_NAME, InvalidUserName
from .errors import (
    AuditChainBroken, KeyFileCorrupt, LastUser, OfficeKeyInvalid, UnknownUser, UnlockThrottled, UserExists, VaultCorrupt, VaultError,
    VaultExists, VaultLocked, VaultNotFound, WeakPassphrase, WrongPassphrase,
)
from . import keyfile
from .keyfile import KeyFile, Throttle
from .outbox import DEVICE_ID_KEY, SyncStoreMixin
from .records import RecordsMixin, now_utc
from .reviews import ReviewsMixin
from .search import SearchMixin

DB_NAME = "vault.db"
KEYS_NAME = "vault.keys.json"
THROTTLE_NAME = "vault.throttle.json"
MIN_PASSPHRASE = 8
OFFICE_LABEL = "office-recovery"


def _check_user(user: str) -> None:
    """Refuse a user name where it is entered: every change the user saves carries it to the server."""
    if not isinstance(user, str) or not user.strip():
        raise InvalidUserName("empty")
    if len(user) > MAX_USER_NAME:
        raise InvalidUserName(f"{len(user)} characters")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or ord(c) == 0x7F for c in user):
        raise InvalidUserName("control characters")


def _check_passphrase(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(MIN_PASSPHRASE)


class Vault(RecordsMixin, SearchMixin, SyncStoreMixin, ReviewsMixin):
    """One laptop's encrypted store. Obtain with :meth:`create` or :meth:`open`, then :meth:`unlock`."""

    def __init__(self, data_dir: Path, *, clock=time.time):
        self.data_dir = Path(data_dir)
        self.db_path = self.data_dir / DB_NAME
        self.keys_path = self.data_dir / KEYS_NAME
        self.throttle = Throttle(self.data_dir / THROTTLE_NAME, clock)
        self.user: str | None = None
        self._lock = threading.RLock()
        self._conn = None
        self._database: sqlite_utils.Database | None = None
        self._key: bytes | None = None
        self._keyfile: KeyFile | None = None
        self._suite = DEFAULT_SUITE

    # ------------------------------------------------------------ lifecycle
    @staticmethod
    def exists(data_dir: Path) -> bool:
        """True if *data_dir* holds a vault."""
        return (Path(data_dir) / DB_NAME).exists() or (Path(data_dir) / KEYS_NAME).exists()

    @classmethod
    def create(cls, data_dir: Path, user: str, passphrase: str, office_public_key: bytes | None, *,
               kdf: KdfParams = DEFAULT_KDF, clock=time.time) -> "Vault":
        """Create a new vault with its first user; returns it unlocked for that user.

        :param office_public_key: the county office's X25519 public key (PEM) for recovery; None = no recovery wrap
        """
        _check_user(user)
        _check_passphrase(passphrase)
        data_dir = Path(data_dir)
        if cls.exists(data_dir):
            raise VaultExists(data_dir)
        private_dir(data_dir)     # the vault, its key file and the UI settings: owner-only (0700)
        vault = cls(data_dir, clock=clock)
        suite = vault._suite
        key = suite.random_key()
        vault_id = str(uuid.uuid4())
        kf = KeyFile(vault.keys_path, vault_id, suite.name, now_utc())
        kf.users[user] = {**suite.wrap_with_passphrase(key, passphrase, vault._user_aad(vault_id, user), kdf),
                          "created_at": now_utc()}
        if office_public_key is not None:
            try:
                kf.office = suite.seal_to_recipient(key, office_public_key, vault._office_aad(vault_id))
            except ValueError as exc:
                raise OfficeKeyInvalid(f"office public key unusable: {exc.__class__.__name__}") from exc
        kf.save()
        vault._keyfile = kf
        try:
            vault._open(key, user, creating=True)
        except BaseException:
            for p in (vault.db_path, vault.keys_path):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
            raise
        return vault

    @classmethod
    def open(cls, data_dir: Path, *, clock=time.time) -> "Vault":
        """The (locked) vault in *data_dir*; VaultNotFound / KeyFileCorrupt if it is missing or damaged."""
        vault = cls(data_dir, clock=clock)
        if not vault.db_path.exists() or not vault.keys_path.exists():
            raise VaultNotFound(vault.data_dir)
        vault._load_keyfile()
        return vault

    def _load_keyfile(self) -> KeyFile:
        kf = KeyFile.load(self.keys_path)
        try:
            self._suite = get_suite(kf.suite)
        except KeyError as exc:
            raise KeyFileCorrupt(self.keys_path, f"unknown cipher suite {kf.suite!r}") from exc
        self._keyfile = kf
        return kf

    @staticmethod
    def _user_aad(vault_id: str, user: str) -> bytes:
        return f"fieldapp-vault|{vault_id}|user|{user}".encode("utf-8")

    @staticmethod
    def _office_aad(vault_id: str) -> bytes:
        return f"fieldapp-vault|{vault_id}|office".encode("utf-8")

    def users(self) -> list[str]:
        """Local user names that can unlock this vault (no unlock needed)."""
        return sorted(self._load_keyfile().users)

    @property
    def is_unlocked(self) -> bool:
        """True while the key is held in memory."""
        return self._key is not None

    def unlock(self, user: str, passphrase: str) -> None:
        """Unlock for *user*.

        :raises UnknownUser: no such local user
        :raises UnlockThrottled: too many recent failures; ``retry_after`` seconds to wait
        :raises WrongPassphrase: wrong passphrase (the failure is counted and persisted)
        :raises VaultCorrupt, SchemaTooNew: the database file cannot be used
        """
        with self._lock:
            kf = self._load_keyfile()
            wrap = kf.users.get(user)
            if wrap is None:
                raise UnknownUser(user)
            wait = self.throttle.retry_after(user)
            if wait > 0:
                raise UnlockThrottled(user, wait)
            try:
                key = self._suite.unwrap_with_passphrase(wrap, passphrase, self._user_aad(kf.vault_id, user))
            except DecryptError:
                failures = self.throttle.record_failure(user)
                raise WrongPassphrase(user, failures, Throttle.delay_for(failures)) from None
            except (KeyError, ValueError, TypeError) as exc:
                raise KeyFileCorrupt(self.keys_path, "user wrap unreadable") from exc
            self.throttle.reset(user)
            self._open(key, user)
            self._audit_opening(user, "unlock")

    def unlock_with_office_key(self, office_private_key: bytes) -> None:
        """Unlock with the county office's private key (PEM), acting as ``office-recovery``."""
        with self._lock:
            kf = self._load_keyfile()
            if kf.office is None:
                raise OfficeKeyInvalid("this vault has no office recovery wrap")
            try:
                key = self._suite.open_sealed(kf.office, office_private_key, self._office_aad(kf.vault_id))
            except (DecryptError, ValueError, TypeError, KeyError) as exc:
                raise OfficeKeyInvalid(f"office key does not open this vault ({exc.__class__.__name__})") from exc
            self._open(key, OFFICE_LABEL)
            self._audit_opening(OFFICE_LABEL, "recover")

    def _audit_opening(self, user: str, action: str) -> None:
        """Audit an unlock; a damaged page met on the way is VaultCorrupt (and the vault stays locked)."""
        try:
            with self._tx(self._database):
                audit.append(self._database, self._suite, user, action)
        except DatabaseError as exc:
            self.lock()
            raise translate_error(exc, self.db_path) or VaultCorrupt(self.db_path, str(exc)) from exc

    def _open(self, key: bytes | None, user: str, creating: bool = False) -> None:
        if self._conn is not None:
            self.lock()
        conn = connect(self.db_path, key, self._suite)
        conn.isolation_level = None  # explicit transactions only (Vault._tx, BEGIN IMMEDIATE)
        db = sqlite_utils.Database(conn)
        try:
            migrations.migrate(db)
            vault_id = self._keyfile.vault_id if self._keyfile else "plain"
            if creating:
                with self._tx(db):
                    db.execute("INSERT INTO meta (key, value) VALUES ('vault_id', ?)", [vault_id])
                    db.execute("INSERT INTO meta (key, value) VALUES ('created_at', ?)", [now_utc()])
                    db.execute("INSERT INTO sync_state (key, value) VALUES (?, ?)", [DEVICE_ID_KEY, str(uuid.uuid4())])
                    audit.append(db, self._suite, user, "vault_created")
            else:
                row = db.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
                if row is None or row[0] != vault_id:
                    raise VaultCorrupt(self.db_path, "database does not belong to this key file")
        except DatabaseError as exc:
            conn.close()
            raise translate_error(exc, self.db_path) or VaultCorrupt(self.db_path, str(exc)) from exc
        except BaseException:
            conn.close()
            raise
        self._conn, self._database, self._key, self.user = conn, db, key if key is not None else b"", user

    def lock(self) -> None:
        """Close the database and forget the key (Python cannot wipe the bytes; the reference is dropped)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._database = self._key = None
            self.user = None

    close = lock

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lock()

    def _db(self) -> sqlite_utils.Database:
        if self._database is None:
            raise VaultLocked()
        return self._database

    @staticmethod
    @contextlib.contextmanager
    def _tx(db):
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy
        timeout), so a second program writing to the same vault waits instead of failing mid-way."""
        if db.conn.in_transaction:  # nested: a savepoint inside the outer transaction
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _session(self):
        """Hold the lock, require an unlocked vault, and report a damaged file as VaultCorrupt."""
        with self._lock:
            db = self._db()
            try:
                yield db
            except VaultError:
                raise
            except DatabaseError as exc:
                translated = translate_error(exc, self.db_path)
                if translated is not None:
                    raise translated from exc
                raise
            except OSError as exc:
                translated = translate_os_error(exc, self.db_path)
                if translated is not None:
                    raise translated from exc
                raise

    # ------------------------------------------------------------ users and wraps
    def _require_unlocked(self) -> bytes:
        if self._key is None:
            raise VaultLocked()
        return self._key

    def add_user(self, user: str, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> None:
        """Give another local user their own passphrase (needs an unlocked vault)."""
        with self._lock, keyfile.exclusive(self.keys_path):
            key = self._require_unlocked()
            _check_user(user)
            _check_passphrase(passphrase)
            kf = self._load_keyfile()
            if user in kf.users:
                raise UserExists(user)
            self._set_wrap(kf, key, user, passphrase, kdf)
            with self._tx(self._database):
                audit.append(self._database, self._suite, self.user, "user_added", "user", user)

    def set_passphrase(self, user: str, passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> None:
        """Re-wrap the key for *user* under a new passphrase (instant: the data is not re-encrypted)."""
        with self._lock, keyfile.exclusive(self.keys_path):
            key = self._require_unlocked()
            _check_passphrase(passphrase)
            kf = self._load_keyfile()
            if user not in kf.users and self.user != OFFICE_LABEL:
                raise UnknownUser(user)
            self._set_wrap(kf, key, user, passphrase, kdf)
            self.throttle.reset(user)
            with self._tx(self._database):
                audit.append(self._database, self._suite, self.user, "passphrase_changed", "user", user)

    def _set_wrap(self, kf: KeyFile, key: bytes, user: str, passphrase: str, kdf: KdfParams) -> None:
        kf.users[user] = {**self._suite.wrap_with_passphrase(key, passphrase, self._user_aad(kf.vault_id, user), kdf),
                          "created_at": now_utc()}
        kf.save()

    def remove_user(self, user: str) -> None:
        """Remove a local user's wrap (needs an unlocked vault; the last user cannot be removed)."""
        with self._lock, keyfile.exclusive(self.keys_path):
            self._require_unlocked()
            kf = self._load_keyfile()
            if user not in kf.users:
                raise UnknownUser(user)
            if len(kf.users) == 1:
                raise LastUser()
            del kf.users[user]
            kf.save()
            self.throttle.reset(user)
            with self._tx(self._database):
                audit.append(self._database, self._suite, self.user, "user_removed", "user", user)

    def destroy_local_wraps(self) -> None:
        """On device revocation: delete every user's wrap (only the office can then open the file) and lock."""
        with self._lock, keyfile.exclusive(self.keys_path):
            kf = self._load_keyfile()
            if self._database is not None:
                with self._tx(self._database):
                    audit.append(self._database, self._suite, self.user, "local_wraps_destroyed",
                                 detail={"users": len(kf.users)})
            kf.users = {}
            kf.save()
            self.lock()

    def has_office_wrap(self) -> bool:
        """True if the county office can recover this vault."""
        return self._load_keyfile().office is not None

    def office_public_key(self) -> bytes | None:
        """The county office public key (PEM) this vault's recovery wrap is sealed to, or None."""
        office = self._load_keyfile().office
        return None if office is None else self._suite.recipient_public_pem(office)

    def set_office_key(self, office_public_key_pem: bytes) -> bool:
        """Seal the database key to this county office public key (add or replace the recovery wrap).

        Needs an unlocked vault. The key file is replaced atomically, so until the new wrap is on disk the
        old one stays in force. Returns False (nothing written) if the vault is already sealed to this key.

        :raises OfficeKeyInvalid: the PEM is not an X25519 public key
        """
        with self._lock, keyfile.exclusive(self.keys_path):
            key = self._require_unlocked()
            try:
                wanted = self._suite.canonical_recipient_pem(office_public_key_pem)
            except ValueError as exc:
                raise OfficeKeyInvalid(f"office public key unusable: {exc.__class__.__name__}") from exc
            kf = self._load_keyfile()
            replaced = kf.office is not None
            if replaced and self._suite.recipient_public_pem(kf.office) == wanted:
                return False
            kf.office = self._suite.seal_to_recipient(key, wanted, self._office_aad(kf.vault_id))
            kf.save()
            with self._tx(self._database):
                audit.append(self._database, self._suite, self.user, "office_key_set",
                             detail={"replaced": replaced})
            return True

    def export_raw_key(self) -> str:
        """The raw database key as hex, for an admin checking the file with another SQLCipher (audited)."""
        with self._lock:
            key = self._require_unlocked()
            with self._tx(self._database):
                audit.append(self._database, self._suite, self.user, "raw_key_exported")
            return key.hex()

    # ------------------------------------------------------------ audit and checks
    def audit(self, action: str, entity: str | None = None, entity_id: str | None = None,
              detail: dict | None = None) -> int:
        """Record an action done outside the vault (``print``, ``export``…); ids and counts only in *detail*."""
        with self._session() as db:
            with self._tx(db):
                return audit.append(db, self._suite, self.user, action, entity, entity_id, detail)

    def verify_audit(self) -> int:
        """Check the audit chain; returns the entry count or raises AuditChainBroken."""
        with self._session() as db:
            return audit.verify(db, self._suite)

    def audit_head(self) -> tuple[int, str]:
        """(seq, hash) of the audit log's last entry, as sent to the county server after a sync."""
        with self._session() as db:
            return audit.head(db)

    def verify_audit_anchors(self, anchors: list[dict]) -> int:
        """Check the audit chain against heads the county server holds for this laptop; returns how many matched.

        Someone with the database key could rewrite the whole chain consistently, but not the
        heads the server received earlier. Call after :meth:`verify_audit`.

        :raises AuditChainBroken: an anchored entry is missing or has another hash
        """
        with self._session() as db:
            found = audit.hashes(db, [a["seq"] for a in anchors])
        for a in anchors:
            seq = int(a["seq"])
            if seq == 0:
                continue
            if seq not in found:
                raise AuditChainBroken(seq, "missing, but the county server holds its hash")
            if not self._suite.equal(found[seq], a["hash"]):
                raise AuditChainBroken(seq, "differs from the hash the county server holds")
        return len(anchors)

    def audit_entries(self, limit: int = 100, entity_id: str | None = None) -> list[dict]:
        """Latest audit entries, newest first."""
        with self._session() as db:
            return audit.entries(db, limit, entity_id)

    def file_mode_problems(self) -> list[dict]:
        """The vault's folder and files that another local account could read (``[{"path", "mode", "want"}]``)."""
        files = [self.db_path, self.db_path.with_name(self.db_path.name + "-wal"),
                 self.db_path.with_name(self.db_path.name + "-shm"), self.keys_path, self.data_dir / "ui-settings.json",
                 self.data_dir / THROTTLE_NAME]   # the throttle file names the local users
        return loose_modes([self.data_dir, *files])

    def check_integrity(self) -> None:
        """Check every page's HMAC and SQLite's own structure; VaultCorrupt naming the file if anything fails."""
        with self._session() as db:
            problems = [r[0] for r in db.execute("PRAGMA cipher_integrity_check").fetchall()] if self._key else []
            result = db.execute("PRAGMA integrity_check").fetchall()
            if problems or [r[0] for r in result] != ["ok"]:
                raise VaultCorrupt(self.db_path, f"{len(problems)} page(s) fail authentication; integrity: {result[0][0]}")

    def schema_version(self) -> int:
        """The applied schema version."""
        with self._session() as db:
            return migrations.current_version(db)

    @classmethod
    def _open_plain_for_benchmark(cls, data_dir: Path, user: str) -> "Vault":
        """The same vault code on an UNENCRYPTED SQLite file — only for ``bench/vault.py``'s baseline."""
        vault = cls(data_dir)
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        creating = not vault.db_path.exists()
        vault._open(None, user, creating=creating)
        return vault
