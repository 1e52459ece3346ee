"""The change log (outbox) and the sync-store interface that ``sync.client`` codes against.

Changes are written by :mod:`records` in the same transaction as the data they describe,
so a crash can neither lose a change nor send it twice (the server de-duplicates by
``change_id``; acknowledging marks rows, never deletes the data).
"""

from __future__ import annotations

import json
import uuid

from . import audit
from .connection import pulled_durability
from .projection import sql_text
from forms.grain import shipped_grain, strip_calculated
from sync.merge import top_level

from .household_write import HouseholdWrite, write_households
from .records import VISIT_FIELD_NAMES, dumps, now_utc
from .reviews import store_pulled_amends

CURSOR_KEY = "cursor"
DEVICE_ID_KEY = "device_id"


class SyncStoreMixin:
    """``pending_changes``, ``acknowledge``, ``get/set_sync_state``, ``apply_pulled``, conflicts."""

    def _log_change(self, db, entity: str, entity_id: str, household_id: str, village_code, base_revision: int,
                    fields: dict, at: str) -> str:
        change_id = str(uuid.uuid4())
        db.execute(
            "INSERT INTO changes (change_id, entity, entity_id, household_id, village_code, base_revision, fields, author, at) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            [change_id, entity, entity_id, household_id, village_code, int(base_revision or 0), dumps(fields), self.user, at],
        )
        return change_id

    def pending_changes(self, limit: int = 500) -> list[dict]:
        """Changes not yet acknowledged by the server, oldest first, in the outbox format of docs/architecture.md."""
        with self._session() as db:
            device = self._state(db, DEVICE_ID_KEY)
            rows = db.execute(
                "SELECT change_id, entity, entity_id, household_id, village_code, base_revision, fields, author, at "
                "FROM changes WHERE acked_at IS NULL AND set_aside IS NULL ORDER BY seq LIMIT ?", [int(limit)]).fetchall()
        return [
            {"change_id": r[0], "entity": r[1], "entity_id": r[2], "household_id": r[3], "village_code": r[4],
             "base_revision": r[5], "fields": json.loads(r[6]), "device_id": device, "author": r[7], "at": r[8]}
            for r in rows
        ]

    def pending_count(self) -> int:
        """How many changes wait to be sent."""
        with self._session() as db:
            return db.execute("SELECT count(*) FROM changes WHERE acked_at IS NULL AND set_aside IS NULL").fetchone()[0]

    def set_aside(self, change_id: str, code: str, reason: str) -> None:
        """Keep a change the server refused on its own out of later pushes and bundles (it stays in the vault, listed)."""
        with self._session() as db:
            with self._tx(db):
                detail = dumps({"code": code, "reason": reason[:500], "at": now_utc()})
                if db.execute("UPDATE changes SET set_aside = ? WHERE change_id = ? AND acked_at IS NULL",
                              [detail, change_id]).rowcount:
                    audit.append(db, self._suite, self.user or "sync", "sync_set_aside", "change", change_id,
                                 {"code": code})

    def set_aside_changes(self) -> list[dict]:
        """Changes the server refused, oldest first: the change, plus ``set_aside`` = {"code", "reason", "at"}."""
        with self._session() as db:
            rows = db.execute("SELECT change_id, entity, entity_id, household_id, village_code, fields, author, at, set_aside "
                              "FROM changes WHERE acked_at IS NULL AND set_aside IS NOT NULL ORDER BY seq").fetchall()
        return [{"change_id": r[0], "entity": r[1], "entity_id": r[2], "household_id": r[3], "village_code": r[4],
                 "fields": json.loads(r[5]), "author": r[6], "at": r[7], "set_aside": json.loads(r[8])} for r in rows]

    def retry_set_aside(self) -> int:
        """Put every set-aside change back into the outbox as its record now stands; return how many go again.

        The visitor fixes a refused record by saving it again: each set-aside change then travels with
        the household's current village code, leaves out the fields a later save already sends with
        newer values (a change left with none is dropped: the later one replaces it), and gets a new
        change id (the server never stored the refused one; its id may have been the problem).
        """
        with self._session() as db:
            with self._tx(db):
                held = db.execute("SELECT seq, change_id, entity, entity_id, household_id, village_code, fields FROM changes "
                                  "WHERE acked_at IS NULL AND set_aside IS NOT NULL ORDER BY seq").fetchall()
                again = dropped = 0
                for seq, change_id, entity, entity_id, household_id, village, fields in held:
                    later = set()
                    for (text,) in db.execute("SELECT fields FROM changes WHERE entity = ? AND entity_id = ? AND seq > ?",
                                              [entity, entity_id, seq]):
                        later |= set(json.loads(text))
                    kept = {k: v for k, v in json.loads(fields).items() if k not in later and top_level(k) not in later}
                    if not kept:
                        db.execute("DELETE FROM changes WHERE seq = ?", [seq])
                        dropped += 1
                        continue
                    row = db.execute("SELECT l.village_code FROM households h JOIN household_list l ON l.rowid = h.rowid "
                                     "WHERE h.id = ?", [household_id]).fetchone()
                    db.execute("UPDATE changes SET set_aside = NULL, change_id = ?, village_code = ?, fields = ? WHERE seq = ?",
                               [str(uuid.uuid4()), row[0] if row and row[0] else village, dumps(kept), seq])
                    again += 1
                if held:
                    audit.append(db, self._suite, self.user or "sync", "sync_set_aside_retried",
                                 detail={"again": again, "replaced_by_later_saves": dropped})
                return again

    def acknowledge(self, change_ids: list[str]) -> None:
        """Mark changes as stored by the server (idempotent; unknown ids are ignored).

        The copy of the values stays until the county's backup holds them (:meth:`forget_acknowledged`):
        if the server is restored from an older backup, they are sent again (:meth:`requeue_acknowledged`).
        """
        if not change_ids:
            return
        with self._session() as db:
            at = now_utc()
            with self._tx(db):
                db.conn.executemany("UPDATE changes SET acked_at = ? WHERE change_id = ? AND acked_at IS NULL",
                                    [(at, cid) for cid in change_ids])
                audit.append(db, self._suite, self.user or "sync", "sync_push", detail={"acknowledged": len(change_ids)})

    def forget_acknowledged(self, before: str) -> int:
        """Drop the value copies of changes acknowledged before *before* (ISO UTC): a server backup holds them."""
        with self._session() as db:
            with self._tx(db):
                return db.conn.execute("UPDATE changes SET fields = '{}' WHERE acked_at IS NOT NULL AND acked_at < ? "
                                       "AND fields != '{}'", [before]).rowcount

    def requeue_acknowledged(self) -> int:
        """The server was restored from a backup: queue again every acknowledged change whose values we still hold."""
        with self._session() as db:
            with self._tx(db):
                count = db.conn.execute("UPDATE changes SET acked_at = NULL WHERE acked_at IS NOT NULL "
                                        "AND fields != '{}'").rowcount
                audit.append(db, self._suite, self.user or "sync", "sync_requeue", detail={"requeued": count})
        return count

    @staticmethod
    def _state(db, key: str) -> str | None:
        row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def get_sync_state(self, key: str) -> str | None:
        """A stored sync setting (``cursor``, ``device_id``, server URL, device keys…), or None."""
        with self._session() as db:
            return self._state(db, key)

    def sync_state_keys(self, prefix: str) -> list[str]:
        """Every stored sync-state key that starts with *prefix* (e.g. the pulled ``document/reference/``)."""
        with self._session() as db:
            rows = db.execute("SELECT key FROM sync_state WHERE substr(key, 1, ?) = ? ORDER BY key",
                              [len(prefix), prefix]).fetchall()
        return [r[0] for r in rows]

    def set_sync_state(self, key: str, value: str | None) -> None:
        """Store (or with None, delete) a sync setting."""
        with self._session() as db:
            with self._tx(db):
                if value is None:
                    db.execute("DELETE FROM sync_state WHERE key = ?", [key])
                else:
                    db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", [key, str(value)])

    def _pending_fields(self, db, entity: str, entity_id: str) -> set[str]:
        keys: set[str] = set()
        for (fields,) in db.execute(
            "SELECT fields FROM changes WHERE acked_at IS NULL AND entity = ? AND entity_id = ?", [entity, entity_id]
        ):
            keys.update(top_level(path) for path in json.loads(fields))   # a row path keeps its whole field
        return keys

    def apply_pulled(self, changes: list[dict], cursor: int) -> None:
        """Apply changes pulled from the server and store *cursor*, all in one transaction.

        Fields with local edits not yet acknowledged keep their local value (they are still
        in the outbox and the server will merge them); every other field takes the server's
        value, and the record's revision becomes the pulled revision. The transaction commits
        NORMAL-synchronous (:func:`connection.pulled_durability`): after a power cut the page and
        its cursor are either both there or both pulled again.
        """
        with self._session() as db, pulled_durability(db.conn):
            with self._tx(db):
                run: dict[str, dict] = {}   # consecutive changes of distinct households, stored together
                for change in changes:
                    if change["entity"] == "household" and change["entity_id"] not in run:
                        run[change["entity_id"]] = change
                        continue
                    self._apply_pulled_households(db, list(run.values()))
                    run = {}
                    if change["entity"] == "household":
                        run[change["entity_id"]] = change
                    elif change["entity"] == "visit":
                        self._apply_pulled_visit(db, change)
                    else:
                        raise ValueError(f"unknown entity {change['entity']!r}")
                self._apply_pulled_households(db, list(run.values()))
                db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", [CURSOR_KEY, str(int(cursor))])
                if changes:
                    audit.append(db, self._suite, self.user or "sync", "sync_pull", detail={"changes": len(changes), "cursor": int(cursor)})

    def _apply_pulled_households(self, db, changes: list[dict]) -> None:
        """Pulled changes of distinct households, in one batch (:func:`write_households`)."""
        if not changes:
            return
        ids = [json.dumps([c["entity_id"] for c in changes])]
        stored = dict(db.conn.execute("SELECT id, fields FROM households WHERE id IN (SELECT value FROM json_each(?))", ids))
        keep: dict[str, set[str]] = {}
        for entity_id, fields in db.conn.execute(
                "SELECT entity_id, fields FROM changes WHERE acked_at IS NULL AND entity = 'household' "
                "AND entity_id IN (SELECT value FROM json_each(?))", ids):
            keep.setdefault(entity_id, set()).update(top_level(path) for path in json.loads(fields))
        items = []
        for change in changes:
            hh_id, row = change["entity_id"], stored.get(change["entity_id"])
            pending = keep.get(hh_id, set())   # a row path keeps its whole field
            incoming = strip_calculated({k: v for k, v in change["fields"].items() if k not in pending}, shipped_grain())
            at, who = change.get("at") or now_utc(), change.get("author") or "server"
            items.append(HouseholdWrite(hh_id, {**(json.loads(row) if row else {}), **incoming}, at, who,
                                        exists=row is not None, local_edit=False, revision=int(change["revision"]),
                                        created=(at, who)))
        write_households(db, items)

    def _apply_pulled_visit(self, db, change: dict) -> None:
        visit_id = change["entity_id"]
        store_pulled_amends(db, visit_id, change["fields"])
        row = db.execute(
            "SELECT household_id, form_id, form_version, status, answers, revision FROM visits WHERE id = ?", [visit_id]
        ).fetchone()
        keep = self._pending_fields(db, "visit", visit_id)
        current = dict(zip(VISIT_FIELD_NAMES, row[:4] + (json.loads(row[4]),))) if row else {}
        merged = {**current, **{k: v for k, v in change["fields"].items() if k in VISIT_FIELD_NAMES and k not in keep}}
        merged.setdefault("household_id", change.get("household_id"))
        at, who = change.get("at") or now_utc(), change.get("author") or "server"
        answers = merged.get("answers") if isinstance(merged.get("answers"), dict) else {}
        version = merged.get("form_version")
        values = [sql_text(merged.get("household_id")), sql_text(merged.get("form_id")) or "",
                  version if isinstance(version, int) and not isinstance(version, bool) else 0,
                  sql_text(merged.get("status")) or "final", sql_text(answers.get("visit_date")), dumps(answers)]
        if row:
            db.execute(
                "UPDATE visits SET household_id=?, form_id=?, form_version=?, status=?, visit_date=?, answers=?, "
                "revision=max(revision, ?), updated_at=?, updated_by=? WHERE id=?",
                values + [int(change["revision"]), at, who, visit_id])
        else:
            db.execute(
                "INSERT INTO visits (household_id, form_id, form_version, status, visit_date, answers, revision, local_edits, "
                "created_at, created_by, updated_at, updated_by, id) VALUES (?,?,?,?,?,?,?,0,?,?,?,?,?)",
                values + [int(change["revision"]), at, who, at, who, visit_id])
        # The household list shows the latest visit's status: refresh it if the household is here.
        hh = db.execute("SELECT fields FROM households WHERE id = ?", [values[0]]).fetchone()
        if hh:
            self._write_household(db, values[0], json.loads(hh[0]), at, who, exists=True, local_edit=False)

    def record_conflicts(self, conflicts: list[dict]) -> None:
        """Store or update conflict notices from the server (idempotent by ``conflict_id``)."""
        with self._session() as db:
            at = now_utc()
            with self._tx(db):
                for c in conflicts:
                    closed = c.get("status") in ("resolved", "merged")
                    db.execute(
                        "INSERT INTO conflicts (conflict_id, entity, entity_id, household_id, kind, status, detail, "
                        "recorded_at, resolved_at, resolved_by) VALUES (?,?,?,?,?,?,?,?,?,?) "
                        "ON CONFLICT(conflict_id) DO UPDATE SET kind=excluded.kind, status=excluded.status, "
                        "detail=excluded.detail, resolved_at=coalesce(conflicts.resolved_at, excluded.resolved_at), "
                        "resolved_by=coalesce(conflicts.resolved_by, excluded.resolved_by)",
                        [c.get("conflict_id") or str(uuid.uuid4()), c.get("entity"), c.get("entity_id"),
                         c.get("household_id"), c.get("kind"), c.get("status") or "open", dumps(c), at,
                         (c.get("resolved_at") or at) if closed else None, c.get("resolved_by") if closed else None])

    def list_conflicts(self, *, include_resolved: bool = False, household_id: str | None = None) -> list[dict]:
        """Conflict notices, oldest first: the server's notice plus ``id``, ``recorded_at``, ``resolved_at``, ``resolved_by``."""
        sql = "SELECT id, detail, recorded_at, resolved_at, resolved_by FROM conflicts"
        where, params = [], []
        if not include_resolved:
            where.append("resolved_at IS NULL")
        if household_id:
            where.append("household_id = ?")
            params.append(household_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._session() as db:
            rows = db.execute(sql + " ORDER BY id", params).fetchall()
        return [{**json.loads(r[1]), "id": r[0], "recorded_at": r[2], "resolved_at": r[3], "resolved_by": r[4]} for r in rows]

    def resolve_conflict(self, conflict_id: int) -> None:
        """Mark a conflict as looked at by the current user."""
        with self._session() as db:
            with self._tx(db):
                db.execute("UPDATE conflicts SET resolved_at = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL",
                           [now_utc(), self.user, int(conflict_id)])
                audit.append(db, self._suite, self.user, "conflict_resolved", detail={"conflict": int(conflict_id)})
