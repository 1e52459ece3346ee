"""The storage logic shared by both SQL backends: pull, conflicts, devices, documents (push: :mod:`.push`).

Backends supply connections and a few dialect bits (:class:`SqlStorage` subclasses). Every
write that hands out sequence numbers first locks the single ``counters`` row, so commits
happen in seq order on every backend and a puller never skips a change that commits late.
"""

from __future__ import annotations

import abc
import json
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

from sync import errors
from sync.jsontext import dumps as _dumps
from sync.server.storage.base import Scope, Storage
from sync.server.storage.push import CONFLICT_COLUMNS, PushStore, conflict_dict
from sync.server.storage.roster_store import RosterStore
from sync.server.storage.upgrade import DATA_STEPS

CHANGE_COLUMNS = "seq, change_id, entity, entity_id, household_id, village_code, revision, fields, device_id, author, at"




class Tx(abc.ABC):
    """One open transaction with ``%s`` placeholders on every backend."""

    @abc.abstractmethod
    def q(self, sql: str, params: tuple | list = ()) -> list[dict]:
        """Run a query and return rows as dicts."""

    @abc.abstractmethod
    def exec(self, sql: str, params: tuple | list = ()) -> int:
        """Run a statement; return the affected row count."""

    @abc.abstractmethod
    def many(self, sql: str, rows: list[tuple]) -> None:
        """Run a statement for each parameter tuple."""

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Insert many new rows (backends may use a faster bulk path such as COPY)."""
        marks = ", ".join("%s" for _ in columns)
        self.many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def one(self, sql: str, params: tuple | list = ()) -> dict | None:
        """First row or None."""
        rows = self.q(sql, params)
        return rows[0] if rows else None


class SqlStorage(PushStore, RosterStore, Storage):
    """Storage over a DB-API backend; subclasses provide :meth:`_tx` and dialect helpers."""

    backend = ""            # migrations folder name
    lock_suffix = ""        # row-lock clause for the counter row

    @abc.abstractmethod
    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[Tx]:
        """A transaction: committed on success, rolled back on any exception."""

    @abc.abstractmethod
    def _in(self, column: str, values: list) -> tuple[str, list]:
        """A ``column IN (...)`` condition and its parameters."""

    @abc.abstractmethod
    def _run_script(self, tx: Tx, script: str) -> None:
        """Execute a migration script inside *tx*."""

    @property
    def reviews(self):
        """The review (审核) events of this storage (:class:`sync.server.storage.reviews.ReviewStore`)."""
        from sync.server.storage.reviews import ReviewStore

        return ReviewStore(self)

    @property
    def set_aside(self):
        """The laptops' set-aside reports (:class:`sync.server.storage.set_aside_store.SetAsideStore`)."""
        from sync.server.storage.set_aside_store import SetAsideStore

        return SetAsideStore(self)

    # --- migrations -------------------------------------------------------------
    def _migration_files(self) -> list[tuple[int, str, str]]:
        folder = resources.files("sync.server.storage") / "migrations" / self.backend
        found = []
        for entry in folder.iterdir():
            if entry.name.endswith(".sql"):
                version = int(entry.name.split("_", 1)[0])
                found.append((version, entry.name, entry.read_text(encoding="utf-8")))
        return sorted(found)

    def _ensure_migration_table(self) -> None:
        with self._tx() as tx:
            tx.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at TEXT NOT NULL)")

    def schema_version(self) -> int:
        self._ensure_migration_table()
        with self._tx(write=False) as tx:
            row = tx.one("SELECT MAX(version) AS v FROM schema_migrations")
        return int(row["v"] or 0) if row else 0

    def migrate(self) -> list[int]:
        from datetime import datetime, timezone

        current = self.schema_version()
        files = self._migration_files()
        if files and current > files[-1][0]:
            raise RuntimeError(f"database schema version {current} is newer than this server ({files[-1][0]})")
        applied = []
        for version, name, script in files:
            if version <= current:
                continue
            with self._tx() as tx:   # the script and its record commit together, or neither
                self._run_script(tx, script)
                if version in DATA_STEPS:
                    DATA_STEPS[version](tx)
                tx.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                        (version, name, datetime.now(timezone.utc).isoformat(timespec="seconds")))
            applied.append(version)
        return applied

    # --- server keys ------------------------------------------------------------
    def server_key_secret(self) -> str | None:
        with self._tx(write=False) as tx:
            row = tx.one("SELECT secret FROM server_keys WHERE id = 1")
        return row["secret"] if row else None

    def store_server_key(self, secret: str, signing_public: str, sealing_public: str) -> bool:
        from datetime import datetime, timezone

        with self._tx() as tx:
            return tx.exec(
                "INSERT INTO server_keys (id, secret, signing_public, sealing_public, created_at) "
                "VALUES (1, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (secret, signing_public, sealing_public, datetime.now(timezone.utc).isoformat())) == 1

    # --- office recovery key ---------------------------------------------------------
    def set_office_key(self, public_key_pem, sign, now):
        with self._tx() as tx:
            current = self._office_key(tx)
            if current and current["public_key_pem"] == public_key_pem:
                return current
            version = (current["version"] if current else 0) + 1
            row = {"version": version, "public_key_pem": public_key_pem, "signature": sign(version, public_key_pem),
                   "set_at": now}
            tx.exec("INSERT INTO office_keys (version, public_key_pem, signature, set_at) VALUES (%s, %s, %s, %s)",
                    (version, public_key_pem, row["signature"], now))
        return row

    def office_key(self):
        with self._tx(write=False) as tx:
            return self._office_key(tx)

    @staticmethod
    def _office_key(tx: Tx) -> dict | None:
        return tx.one("SELECT version, public_key_pem, signature, set_at FROM office_keys ORDER BY version DESC LIMIT 1")

    # --- areas ------------------------------------------------------------------
    def add_area(self, code, level, name, parent_code, area_type) -> None:
        from datetime import datetime, timezone

        with self._tx() as tx:
            if parent_code and not tx.one("SELECT code FROM areas WHERE code = %s", (parent_code,)):
                raise errors.UnknownArea(parent_code)
            tx.exec("INSERT INTO areas (code, level, name, parent_code, area_type, created_at) VALUES (%s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, area_type = excluded.area_type",
                    (code, level, name, parent_code, area_type, datetime.now(timezone.utc).isoformat()))

    def get_area(self, code):
        with self._tx(write=False) as tx:
            return tx.one("SELECT code, level, name, parent_code, area_type FROM areas WHERE code = %s", (code,))

    def list_areas(self):
        with self._tx(write=False) as tx:
            return tx.q("SELECT code, level, name, parent_code, area_type FROM areas ORDER BY code")

    # --- enrollment and devices -------------------------------------------------
    def add_enrollment_code(self, code_hash, role, township_code, villages, expires_at, label="") -> None:
        from datetime import datetime, timezone

        with self._tx() as tx:
            tx.exec("INSERT INTO enrollment_codes (code_hash, role, township_code, villages, expires_at, created_at, label) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (code_hash, role, township_code, _dumps(villages), expires_at, datetime.now(timezone.utc).isoformat(),
                     label or ""))

    def redeem_enrollment_code(self, code_hash, device, now) -> dict:
        with self._tx() as tx:
            row = tx.one("SELECT role, township_code, villages, expires_at, used_at, label FROM enrollment_codes "
                         "WHERE code_hash = %s" + self.lock_suffix, (code_hash,))
            if row is None:
                raise errors.EnrollmentCodeInvalid()
            if row["used_at"] is not None:
                raise errors.EnrollmentCodeUsed()
            if row["expires_at"] <= now:
                raise errors.EnrollmentCodeExpired()
            if tx.exec("UPDATE enrollment_codes SET used_at = %s, used_by = %s WHERE code_hash = %s AND used_at IS NULL",
                       (now, device["device_id"], code_hash)) != 1:
                raise errors.EnrollmentCodeUsed()
            registered = dict(device, role=row["role"], township_code=row["township_code"],
                              villages=json.loads(row["villages"]), enrolled_at=now)
            if row.get("label"):  # the county named this laptop when it issued the code (code-issue --label)
                registered["label"] = row["label"]
            tx.exec("INSERT INTO devices (device_id, label, role, township_code, villages, signing_key, sealing_key, enrolled_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (registered["device_id"], registered.get("label", ""), registered["role"], registered["township_code"],
                     _dumps(registered["villages"]), registered["signing_key"], registered["sealing_key"], now))
            return registered

    def reserve_serials(self, township_code, kind, year, count, at_least, device_id, now) -> tuple[int, int]:
        with self._tx() as tx:
            # The seq counter row serialises reservations on PostgreSQL as it does pushes (SQLite: BEGIN IMMEDIATE).
            tx.one("SELECT value FROM counters WHERE name = 'seq'" + self.lock_suffix)
            row = tx.one("SELECT MAX(last_seq) AS top FROM serial_blocks WHERE township_code = %s AND kind = %s AND year = %s",
                         (township_code, kind, int(year)))
            first = max(int(row["top"] or 0) + 1, int(at_least))
            last = first + int(count) - 1
            tx.exec("INSERT INTO serial_blocks (township_code, kind, year, first_seq, last_seq, device_id, reserved_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)", (township_code, kind, int(year), first, last, device_id, now))
            return first, last

    def add_audit_anchor(self, device_id, seq, digest, now) -> bool:
        with self._tx() as tx:
            same = tx.one("SELECT hash FROM audit_anchors WHERE device_id = %s AND seq = %s", (device_id, int(seq)))
            if same is not None:
                if same["hash"] != digest:
                    raise errors.AuditAnchorMismatch(f"entry {int(seq)} has another hash than anchored")
                return False
            top = tx.one("SELECT MAX(seq) AS top FROM audit_anchors WHERE device_id = %s", (device_id,))["top"]
            if top is not None and int(seq) < int(top):
                raise errors.AuditAnchorMismatch(f"chain ends at {int(seq)}, anchored up to {int(top)}")
            tx.exec("INSERT INTO audit_anchors (device_id, seq, hash, received_at) VALUES (%s, %s, %s, %s)",
                    (device_id, int(seq), digest, now))
            return True

    def audit_anchors(self, device_id) -> list[dict]:
        with self._tx(write=False) as tx:
            return [dict(r, seq=int(r["seq"])) for r in tx.q(
                "SELECT seq, hash, received_at FROM audit_anchors WHERE device_id = %s ORDER BY seq", (device_id,))]

    def record_read(self, device_id, kind, cursor_from, cursor_to, records, household_ids, now) -> None:
        with self._tx() as tx:
            tx.exec("INSERT INTO device_reads (device_id, kind, cursor_from, cursor_to, records, households, at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (device_id, kind, cursor_from, cursor_to, int(records), _dumps(sorted(set(household_ids))), now))

    def device_reads(self, device_id=None, household_id=None, limit=1000) -> list[dict]:
        where, params = [], []
        if device_id:
            where.append("device_id = %s")
            params.append(device_id)
        if household_id:
            where.append("households LIKE %s")
            params.append(f'%"{household_id}"%')  # a quoted uuid inside the JSON list (a parameter, never SQL text)
        sql = "SELECT device_id, kind, cursor_from, cursor_to, records, households, at FROM device_reads"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT %s"
        with self._tx(write=False) as tx:
            rows = tx.q(sql, [*params, int(limit)])
        return [dict(r, households=json.loads(r["households"])) for r in rows]

    def _device_row(self, row: dict) -> dict:
        return dict(row, villages=json.loads(row["villages"]))

    def get_device(self, device_id):
        with self._tx(write=False) as tx:
            row = tx.one("SELECT * FROM devices WHERE device_id = %s", (device_id,))
        return self._device_row(row) if row else None

    def list_devices(self):
        with self._tx(write=False) as tx:
            return [self._device_row(r) for r in tx.q("SELECT * FROM devices ORDER BY enrolled_at, device_id")]

    def revoke_device(self, device_id, now) -> bool:
        with self._tx() as tx:
            return tx.exec("UPDATE devices SET revoked_at = COALESCE(revoked_at, %s) WHERE device_id = %s", (now, device_id)) == 1

    def note_app_version(self, device_id, version, now) -> bool:
        """Keep the app version *device_id* last sent (written only when it changed); True if it changed."""
        with self._tx() as tx:
            return tx.exec("UPDATE devices SET app_version = %s, app_version_seen_at = %s WHERE device_id = %s "
                           "AND (app_version IS NULL OR app_version <> %s)", (version, now, device_id, version)) == 1

    def note_contact(self, device_id, now) -> None:
        """Keep *now* as the time *device_id* last made an authenticated request (the devices list's last sync)."""
        with self._tx() as tx:
            tx.exec("UPDATE devices SET last_seen_at = %s WHERE device_id = %s", (now, device_id))

    def use_nonce(self, device_id, nonce, ts, oldest_kept) -> bool:
        with self._tx() as tx:
            if ts % 50 == 0:   # forget old nonces now and then; the clock window refuses their replays anyway
                tx.exec("DELETE FROM nonces WHERE ts < %s", (oldest_kept,))
            return tx.exec("INSERT INTO nonces (device_id, nonce, ts) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                           (device_id, nonce, ts)) == 1

    # --- pull -------------------------------------------------------------------
    def _scope_condition(self, scope: Scope) -> tuple[str, list]:
        if scope.role == "admin":
            return "township_code LIKE %s", [scope.township_code + "%"]
        if scope.role == "office":
            return "township_code = %s", [scope.township_code]
        if not scope.villages:
            return "1 = 0", []
        return self._in("village_code", list(scope.villages))

    def pull(self, scope, cursor, limit):
        cond, params = self._scope_condition(scope)
        with self._tx(write=False) as tx:
            # read the counter FIRST: every seq at or below it is committed (writers commit in seq order)
            top = int(tx.one("SELECT value FROM counters WHERE name = 'seq'")["value"])
            rows = tx.q(f"SELECT {CHANGE_COLUMNS} FROM changes WHERE seq > %s AND seq <= %s AND {cond} "
                        "ORDER BY seq LIMIT %s", [cursor, top, *params, limit])
            more = len(rows) == limit
            upto = rows[-1]["seq"] if more else max(top, cursor)
            conflicts = tx.q(f"SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE seq > %s AND seq <= %s AND {cond} ORDER BY seq",
                             [cursor, upto, *params])
            documents = tx.q("SELECT seq, kind, name, version, content, published_at FROM documents "
                             "WHERE seq > %s AND seq <= %s ORDER BY seq", [cursor, upto])
            office_key = self._office_key(tx)
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        for doc in documents:
            doc["content"] = json.loads(doc["content"])
        return {"changes": rows, "conflicts": [conflict_dict(r) for r in conflicts],
                "documents": documents, "cursor": upto, "more": more, "office_recovery_key": office_key}

    # --- conflicts --------------------------------------------------------------
    def list_conflicts(self, scope, status=None):
        cond, params = self._scope_condition(scope)
        if status:
            cond, params = cond + " AND status = %s", params + [status]
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE {cond} ORDER BY created_at, seq", params)
        return [conflict_dict(r) for r in rows]

    # --- documents --------------------------------------------------------------
    def publish_document(self, kind, name, content, now):
        with self._tx() as tx:
            seq = self._lock_counter(tx) + 1
            row = tx.one("SELECT MAX(version) AS v FROM documents WHERE kind = %s AND name = %s", (kind, name))
            version = int(row["v"] or 0) + 1
            tx.exec("INSERT INTO documents (seq, kind, name, version, content, published_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    (seq, kind, name, version, _dumps(content), now))
            tx.exec("UPDATE counters SET value = %s WHERE name = 'seq'", (seq,))
        return {"seq": seq, "kind": kind, "name": name, "version": version, "published_at": now}

    def list_documents(self):
        with self._tx(write=False) as tx:
            return tx.q("SELECT seq, kind, name, version, published_at FROM documents ORDER BY kind, name, version")

    # --- server settings and offered app packages ---------------------------------
    def setting(self, name):
        with self._tx(write=False) as tx:
            row = tx.one("SELECT value FROM server_settings WHERE name = %s", (name,))
        return row["value"] if row else None

    def set_setting(self, name, value, now):
        with self._tx() as tx:
            tx.exec("DELETE FROM server_settings WHERE name = %s", (name,))
            if value is not None:
                tx.exec("INSERT INTO server_settings (name, value, updated_at) VALUES (%s, %s, %s)", (name, value, now))

    def last_seq(self):
        with self._tx(write=False) as tx:
            return int(tx.one("SELECT value FROM counters WHERE name = 'seq'")["value"])

    def add_release(self, release):
        columns = ("platform", "version", "file_name", "size", "sha256", "signature", "published_at")
        with self._tx() as tx:
            tx.exec("DELETE FROM app_releases WHERE platform = %s AND version = %s", (release["platform"], release["version"]))
            tx.exec(f"INSERT INTO app_releases ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)})",
                    tuple(release[c] for c in columns))

    def releases(self, platform=None):
        from sync.appversion import parse_version

        with self._tx(write=False) as tx:
            rows = (tx.q("SELECT * FROM app_releases WHERE platform = %s", (platform,)) if platform
                    else tx.q("SELECT * FROM app_releases"))
        return sorted(rows, key=lambda r: (parse_version(r["version"]), r["platform"]), reverse=True)

    # --- exports ----------------------------------------------------------------
    def records(self, scope):
        cond, params = self._scope_condition(scope)
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT entity, entity_id, household_id, village_code, revision, fields FROM records WHERE {cond} "
                        "ORDER BY entity, entity_id", params)
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        return rows

    def change_log(self, scope):
        cond, params = self._scope_condition(scope)
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT {CHANGE_COLUMNS} FROM changes WHERE {cond} ORDER BY seq", params)
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        return rows

    # --- bundles ----------------------------------------------------------------
    def bundle_receipt(self, bundle_id, device_id=None):
        with self._tx(write=False) as tx:
            row = tx.one("SELECT receipt, device_id FROM bundles WHERE bundle_id = %s", (bundle_id,))
        if row is None or (device_id is not None and row["device_id"] != device_id):
            return None
        return row["receipt"]

    def record_bundle(self, bundle_id, device_id, receipt, now):
        with self._tx() as tx:
            tx.exec("INSERT INTO bundles (bundle_id, device_id, imported_at, receipt) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (bundle_id) DO NOTHING", (bundle_id, device_id, now, receipt))
