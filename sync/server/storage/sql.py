"""The storage logic shared by both SQL backends: merge, seq assignment, pull, conflicts.

Backends supply connections and a few dialect bits (:class:`SqlStorage` subclasses). Every
write that hands out sequence numbers first locks the single ``counters`` row, so commits
happen in seq order on every backend and a puller never skips a change that commits late.
"""

from __future__ import annotations

import abc
import json
import uuid
from contextlib import contextmanager
from importlib import resources
from typing import Any, Iterator

from forms.grain import shipped_grain
from sync.server.access import check_household_area, device_alias
from forms.places import township_of
from sync import errors
from sync.merge import merge
from sync.server.storage.base import Scope, Storage
from sync.server.storage.roster_store import RosterStore
from sync.server.storage.upgrade import DATA_STEPS

CHANGE_COLUMNS = "seq, change_id, entity, entity_id, household_id, village_code, revision, fields, device_id, author, at"
CONFLICT_COLUMNS = ("conflict_id, seq, kind, status, entity, entity_id, household_id, village_code, base_revision, "
                    "change_id, device_id, fields, concurrent, created_at, resolved_by, resolved_at, resolution")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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


class SqlStorage(RosterStore, Storage):
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

    def use_nonce(self, device_id, nonce, ts, oldest_kept) -> bool:
        with self._tx() as tx:
            if ts % 50 == 0:   # forget old nonces now and then; the clock window refuses their replays anyway
                tx.exec("DELETE FROM nonces WHERE ts < %s", (oldest_kept,))
            return tx.exec("INSERT INTO nonces (device_id, nonce, ts) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                           (device_id, nonce, ts)) == 1

    # --- push -------------------------------------------------------------------
    def _lock_counter(self, tx: Tx) -> int:
        return int(tx.one("SELECT value FROM counters WHERE name = 'seq'" + self.lock_suffix)["value"])

    def _load_records(self, tx: Tx, entity_ids: list[str]) -> dict[tuple[str, str], dict]:
        found: dict[tuple[str, str], dict] = {}
        for start in range(0, len(entity_ids), 500):
            cond, params = self._in("entity_id", entity_ids[start:start + 500])
            for row in tx.q("SELECT entity, entity_id, household_id, village_code, revision, fields, field_revs "
                            "FROM records WHERE " + cond, params):
                row["fields"] = json.loads(row["fields"])
                row["field_revs"] = json.loads(row["field_revs"])
                found[(row["entity"], row["entity_id"])] = row
        return found

    def _stored_changes(self, tx: Tx, change_ids: list[str]) -> dict[str, dict]:
        found = {}
        for start in range(0, len(change_ids), 500):
            cond, params = self._in("change_id", change_ids[start:start + 500])
            for row in tx.q("SELECT change_id, seq, revision, entity_id, status, device_id FROM changes WHERE " + cond, params):
                found[row["change_id"]] = row
        return found

    def push(self, scope: Scope, device_id: str, changes: list[dict], now: str, tx: Tx | None = None):
        for change in changes:
            moved_to = change["fields"].get("village_code") if change["entity"] == "household" else None
            for village in (change["village_code"], moved_to):
                if isinstance(village, str) and not scope.allows(village):
                    raise errors.OutsideArea(township_of(village))
        with self._joined(tx) as tx:   # a caller's transaction (roster import) or a new one
            seq = self._lock_counter(tx)
            # ids are the device's: one another device already used is stored under a per-device alias (access.py)
            stored = self._stored_changes(tx, [c["change_id"] for c in changes])
            taken = {cid for cid, row in stored.items() if row["device_id"] != device_id}   # usually none
            own_ids = {device_alias(device_id, cid): cid for cid in taken}
            if own_ids:
                stored.update(self._stored_changes(tx, list(own_ids)))
                aliases = {cid: alias for alias, cid in own_ids.items()}
                changes = [dict(c, change_id=aliases[c["change_id"]]) if c["change_id"] in taken else c for c in changes]
            fresh = [c for c in changes if c["change_id"] not in stored]
            # the households the changes touch, too: their stored village decides, not the change's label
            records = self._load_records(tx, sorted({c["entity_id"] for c in fresh} | {c["household_id"] for c in fresh}))
            existing = set(records)
            verdicts, change_rows, conflict_rows, notices, touched = [], [], [], [], {}
            for change in changes:
                cid = change["change_id"]
                if cid in stored:
                    prior = stored[cid]
                    if prior["entity_id"] != change["entity_id"]:
                        raise errors.ChangeIdReused(cid)
                    verdicts.append({"change_id": cid, "seq": prior["seq"], "revision": prior["revision"], "status": "duplicate"})
                    continue
                check_household_area(scope, change, records)
                key = (change["entity"], change["entity_id"])
                record = records.get(key)
                if record is not None and not scope.allows(record["village_code"]):
                    raise errors.OutsideArea(township_of(record["village_code"]))
                seq += 1
                created = record is None
                record, status, hard, soft, names = _merge(record, change, device_id)
                records[key] = touched[key] = record
                record["updated_seq"] = seq
                if hard:
                    self._who_changed(tx, change, hard)
                after = {f: record["fields"].get(f) for f in names}
                after_json = _dumps(after)
                if created and set(after) == set(record["fields"]):
                    record["_fields_json"] = after_json     # a new record's fields are exactly the change's: encode once
                change_rows.append((seq, cid, change["entity"], change["entity_id"], change["household_id"],
                                    record["village_code"], township_of(record["village_code"]), record["revision"], after_json,
                                    device_id, change.get("author") or "", change["at"], now, status))
                verdicts.append({"change_id": cid, "seq": seq, "revision": record["revision"], "status": status})
                stored[cid] = {"change_id": cid, "seq": seq, "revision": record["revision"], "entity_id": change["entity_id"]}
                for kind, fields, concurrent in (("hard", hard, []), ("soft", soft[0], soft[1])):
                    if not fields:
                        continue
                    seq += 1
                    notice = {"conflict_id": str(uuid.uuid4()), "seq": seq, "kind": kind,
                              "status": "open" if kind == "hard" else "merged",
                              "entity": change["entity"], "entity_id": change["entity_id"],
                              "household_id": change["household_id"], "village_code": record["village_code"],
                              "base_revision": change["base_revision"], "change_id": cid, "device_id": device_id,
                              "fields": fields, "concurrent": concurrent, "created_at": now,
                              "resolved_by": None, "resolved_at": None, "resolution": None}
                    notices.append(notice)
                    conflict_rows.append(_conflict_row(notice))
            if change_rows:
                tx.insert_rows("changes", CHANGE_INSERT_COLUMNS, change_rows)
                tx.insert_rows("records", RECORD_COLUMNS,
                               [_record_row(r) for k, r in touched.items() if k not in existing])
                self._save_records(tx, [r for k, r in touched.items() if k in existing])
            if conflict_rows:
                self._insert_conflicts(tx, conflict_rows)
            member_keys = {(c["entity"], c["entity_id"]) for c in fresh if c["entity"] == "household" and "members" in c["fields"]}
            self._index_member_ids(tx, [touched[k] for k in member_keys if k in touched], now)
            tx.exec("UPDATE counters SET value = %s WHERE name = 'seq'", (seq,))
        for verdict in verdicts:
            verdict["change_id"] = own_ids.get(verdict["change_id"], verdict["change_id"])
        return verdicts, notices

    @staticmethod
    def _who_changed(tx: Tx, change: dict, hard: dict) -> None:
        """Add who changed each side of each hard conflict, and when (the server's side: the change that made it)."""
        for item in hard.values():
            item.update(device_author=change.get("author") or "", device_at=change["at"])
            if item.get("server_rev") is None:
                continue
            row = tx.one("SELECT author, at FROM changes WHERE entity_id = %s AND revision = %s "
                         "ORDER BY seq DESC LIMIT 1", (change["entity_id"], item["server_rev"]))
            if row:
                item.update(server_author=row["author"], server_at=row["at"])

    # --- households sharing a member's ID number (flagged, never merged) ---------------
    def _index_member_ids(self, tx: Tx, households: list[dict], now: str) -> None:
        for record in households:
            hid = record["entity_id"]
            tx.exec("DELETE FROM member_ids WHERE household_id = %s", (hid,))
            numbers = set()
            members = record["fields"].get("members")
            for m in members if isinstance(members, list) else []:  # a draft may hold anything; never a 500
                number = m.get("id_number") if isinstance(m, dict) else None
                if isinstance(number, str) and len(number.strip()) == 18:
                    numbers.add(number.strip().upper())
            if numbers:
                tx.many("INSERT INTO member_ids (id_number, household_id, village_code, township_code, updated_at) "
                        "VALUES (%s, %s, %s, %s, %s)",
                        [(n, hid, record["village_code"], township_of(record["village_code"]), now) for n in sorted(numbers)])

    def duplicate_members(self, scope):
        cond, params = self._scope_condition(scope)
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT id_number, household_id, village_code FROM member_ids WHERE id_number IN "
                        f"(SELECT id_number FROM member_ids WHERE {cond}) AND id_number IN "
                        "(SELECT id_number FROM member_ids GROUP BY id_number HAVING COUNT(*) > 1) "
                        "ORDER BY id_number, household_id", params)
        groups: dict[str, list] = {}
        for r in rows:
            groups.setdefault(r["id_number"], []).append({"household_id": r["household_id"], "village_code": r["village_code"]})
        return [{"id_number": n, "households": hs} for n, hs in groups.items()]

    def _save_records(self, tx: Tx, records: list[dict]) -> None:
        if not records:
            return
        tx.many("INSERT INTO records (entity, entity_id, household_id, village_code, township_code, revision, fields, "
                "field_revs, updated_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (entity, entity_id) DO UPDATE SET village_code = excluded.village_code, "
                "township_code = excluded.township_code, revision = excluded.revision, fields = excluded.fields, "
                "field_revs = excluded.field_revs, updated_seq = excluded.updated_seq",
                [_record_row(r) for r in records])

    def _insert_conflicts(self, tx: Tx, rows: list[tuple]) -> None:
        tx.many("INSERT INTO conflicts (conflict_id, seq, kind, status, entity, entity_id, household_id, village_code, "
                "township_code, base_revision, change_id, device_id, fields, concurrent, created_at, resolved_by, "
                "resolved_at, resolution) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows)

    def known(self, change_ids, device_id=None):
        found: list[str] = []
        unique = list(dict.fromkeys(change_ids))
        with self._tx(write=False) as tx:
            for start in range(0, len(unique), 1000):
                chunk = unique[start:start + 1000]
                if device_id is None:
                    cond, params = self._in("change_id", chunk)
                    found += [r["change_id"] for r in tx.q("SELECT change_id FROM changes WHERE " + cond, params)]
                    continue
                # known to *this* device: stored from it, or under its alias where another device used the id
                cond, params = self._in("change_id", chunk)
                rows = tx.q("SELECT change_id, device_id FROM changes WHERE " + cond, params)
                found += [r["change_id"] for r in rows if r["device_id"] == device_id]
                own = {device_alias(device_id, r["change_id"]): r["change_id"] for r in rows if r["device_id"] != device_id}
                if own:
                    cond, params = self._in("change_id", list(own))
                    found += [own[r["change_id"]] for r in tx.q("SELECT change_id FROM changes WHERE " + cond, params)]
        return list(dict.fromkeys(found))

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
        return {"changes": rows, "conflicts": [_conflict_dict(r) for r in conflicts],
                "documents": documents, "cursor": upto, "more": more, "office_recovery_key": office_key}

    # --- conflicts --------------------------------------------------------------
    def list_conflicts(self, scope, status=None):
        cond, params = self._scope_condition(scope)
        if status:
            cond, params = cond + " AND status = %s", params + [status]
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE {cond} ORDER BY created_at, seq", params)
        return [_conflict_dict(r) for r in rows]

    def resolve_conflict(self, scope, conflict_id, fields, resolver, author, now):
        with self._tx() as tx:
            seq = self._lock_counter(tx)
            row = tx.one(f"SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE conflict_id = %s", (conflict_id,))
            if row is None or not scope.allows(row["village_code"]):
                raise errors.ConflictNotFound(conflict_id)
            conflict = _conflict_dict(row)
            if conflict["kind"] != "hard" or conflict["status"] != "open":
                raise errors.ConflictAlreadyResolved(conflict_id)
            unknown = set(fields) - set(conflict["fields"])
            if unknown or not fields:
                raise errors.MalformedRequest("resolution must name the conflicting fields only")
            key = (conflict["entity"], conflict["entity_id"])
            record = self._load_records(tx, [conflict["entity_id"]])[key]
            change = {"change_id": str(uuid.uuid4()), "entity": key[0], "entity_id": key[1],
                      "household_id": conflict["household_id"], "village_code": record["village_code"],
                      "base_revision": record["revision"], "fields": fields, "author": author, "at": now}
            record, status, _, _, names = _merge(record, change, resolver)
            seq += 1
            record["updated_seq"] = seq
            tx.exec("INSERT INTO changes (seq, change_id, entity, entity_id, household_id, village_code, township_code, "
                    "revision, fields, device_id, author, at, received_at, status) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (seq, change["change_id"], key[0], key[1], change["household_id"], record["village_code"],
                     township_of(record["village_code"]), record["revision"], _dumps({f: record["fields"].get(f) for f in names}),
                     resolver, author, now, now, "resolution"))
            self._save_records(tx, [record])
            seq += 1
            tx.exec("UPDATE conflicts SET status = 'resolved', seq = %s, resolved_by = %s, resolved_at = %s, resolution = %s "
                    "WHERE conflict_id = %s", (seq, author or resolver, now, _dumps(fields), conflict_id))
            tx.exec("UPDATE counters SET value = %s WHERE name = 'seq'", (seq,))
        return dict(conflict, status="resolved", seq=seq, resolved_by=author or resolver, resolved_at=now, resolution=fields)

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


def _merge(record: dict | None, change: dict, device_id: str):
    """One change into one record by the pure merge (:func:`sync.merge.merge`, rules in docs/sync.md).

    Returns (record, status, hard, (soft, concurrent), touched top-level fields).
    """
    result = merge(record, change, device_id, shipped_grain())
    return result.record, result.status, result.hard, (result.soft, result.concurrent), result.touched


CHANGE_INSERT_COLUMNS = ("seq", "change_id", "entity", "entity_id", "household_id", "village_code", "township_code",
                         "revision", "fields", "device_id", "author", "at", "received_at", "status")
RECORD_COLUMNS = ("entity", "entity_id", "household_id", "village_code", "township_code", "revision", "fields",
                  "field_revs", "updated_seq")


def _record_row(r: dict) -> tuple:
    return (r["entity"], r["entity_id"], r["household_id"], r["village_code"], township_of(r["village_code"]), r["revision"],
            r.get("_fields_json") or _dumps(r["fields"]), _dumps(r["field_revs"]), r["updated_seq"])


def _conflict_row(n: dict) -> tuple:
    return (n["conflict_id"], n["seq"], n["kind"], n["status"], n["entity"], n["entity_id"], n["household_id"],
            n["village_code"], township_of(n["village_code"]), n["base_revision"], n["change_id"], n["device_id"],
            _dumps(n["fields"]), _dumps(n["concurrent"]), n["created_at"], n["resolved_by"], n["resolved_at"],
            _dumps(n["resolution"]) if n["resolution"] is not None else None)


def _conflict_dict(row: dict) -> dict:
    out = dict(row)
    out["fields"] = json.loads(row["fields"])
    out["concurrent"] = json.loads(row["concurrent"])
    out["resolution"] = json.loads(row["resolution"]) if row.get("resolution") else None
    return out
