"""Households, visits and drafts: saving a visit (one transaction with change log + audit), reading, listing."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Mapping

from forms.grain import shipped_grain, strip_calculated, with_row_ids
from forms.interchange import envelope_problems, new_envelope
from forms.places import is_village_code, township_of
from sync.merge import apply_paths, diff_fields, top_level
from sync.protocol import MAX_FIELDS_CHARS

from . import audit
from .errors import InvalidRecord, RecordNotFound
from .household_write import Derived, HouseholdWrite, dumps, write_households
from .reviews import amends_of_new_visit
from .projection import household_fields, project, sql_text

VISIT_FIELD_NAMES = ("household_id", "form_id", "form_version", "status", "answers")
HOUSEHOLD_ROW_COLUMNS = (
    "id", "head_name", "head_id_masked", "village_code", "address", "categories",
    "visit_status", "review_due", "open_needs", "flags", "last_visit_date",
)
_ROW_SELECT = (
    "SELECT h.id, h.head_name, h.head_id_masked, h.village_code, h.address, h.categories, "
    "h.visit_status, h.review_due, h.open_needs, h.flags, h.last_visit_date FROM household_list h"
)


def now_utc() -> str:
    """Current time as ISO-8601 UTC with offset."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def check_visit(visit: dict) -> dict:
    """Check the interchange shape the vault relies on; returns the visit record fields."""
    problems = envelope_problems(visit)
    if problems:
        raise InvalidRecord(f"{problems[0].path or 'visit'}: {problems[0].message_en}")
    if not isinstance(visit.get("form_id"), str) or not visit["form_id"]:
        raise InvalidRecord("form_id missing")
    version = visit.get("form_version")
    if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version < 2**31:
        raise InvalidRecord("form_version must be an integer (0 to 2147483647)")
    if not isinstance(visit.get("answers"), dict):
        raise InvalidRecord("answers must be an object")
    fields = {k: visit[k] for k in VISIT_FIELD_NAMES}
    fields["answers"] = typed_answers(fields["answers"], fields["household_id"])
    return fields


def typed_answers(answers: dict, household_id: str) -> dict:
    """Only what people typed, every repeat row with its id: calculated answers are recomputed, never stored."""
    grain = shipped_grain()
    return with_row_ids(strip_calculated(answers, grain), grain, household_id)


def check_entry(db, role, township, villages_json, village, fields: dict) -> None:
    """Refuse a record where it is entered if the server would refuse its change (a poison pill in the outbox).

    The village must be a 12-digit code, inside the laptop's enrolled area once it is enrolled, no
    text may hold a NUL character, and the change may not be longer than the server takes
    (``MAX_FIELDS_CHARS``). A laptop not yet enrolled may hold records without a valid village
    (demo, training, half-typed imports): if one is still without one at the first sync, it is set aside.
    """
    if role and not is_village_code(village):
        raise InvalidRecord("村（居）代码必须是 12 位数字")
    text = dumps(fields)
    if "\\u0000" in text:
        raise InvalidRecord("文字中含有空字符（NUL）")
    if len(text) > MAX_FIELDS_CHARS:
        raise InvalidRecord(f"记录过大（{len(text):,} 字符，上限 {MAX_FIELDS_CHARS:,} 字符），请删减过长的文字")
    if role == "visitor" and villages_json and village not in json.loads(villages_json):
        raise InvalidRecord(f"村 {village} 不在本机登记的走访范围内")
    if role == "office" and township and township_of(village) != township:
        raise InvalidRecord(f"村 {village} 不属于本乡镇")


class RecordsMixin:
    """Record operations of :class:`fieldapp.vault.Vault` (needs ``_session()``, ``user``, ``_suite``)."""

    # ---------------------------------------------------------------- writes
    def save_visit(self, visit: dict, derived: Derived | None = None, *, review_due: str | None = None,
                   flags: list[str] | None = None) -> dict:
        """Save one visit (interchange format) and update its household, in one transaction with change log and audit.

        :param visit: ``{"household_id", "visit_id", "form_id", "form_version", "status", "answers", ...}``
        :param derived: the household's review date and list flags, computed by the caller from the rules; without
            them (or ``review_due``/``flags``) the old review date and flags stay and the household is listed in
            :meth:`pending_derivations` until :meth:`store_derived` is called for it
        :param review_due: next review date (R7), instead of ``derived``
        :param flags: extra list flags (e.g. ``verify``, ``filing``), instead of ``derived``
        :returns: ``{"visit_id", "household_id", "created", "visit_fields", "household_fields"}`` (changed field names)
        """
        if derived is None and (review_due is not None or flags is not None):
            derived = Derived(review_due, tuple(flags or ()))
        with self._session() as db:
            try:
                with self._tx(db):
                    result = self._save_visit_tx(db, visit, derived)
            except UnicodeEncodeError as exc:  # e.g. a lone surrogate from a "\ud800" escape in imported JSON
                raise InvalidRecord("text that is not valid Unicode") from exc
        return result

    def save_visits(self, visits, *, batch_size: int = 500, derived: Mapping[str, Derived] | None = None) -> int:
        """Import many visits (an iterable), ``batch_size`` per transaction; returns how many were saved.

        :param derived: by visit id, the derived values of its household (as :meth:`save_visit`)
        """
        try:
            return self._save_batches(visits, batch_size, derived or {})
        except UnicodeEncodeError as exc:
            raise InvalidRecord("text that is not valid Unicode") from exc

    def _save_batches(self, visits, batch_size: int, derived: Mapping[str, Derived]) -> int:
        count = 0
        batch: list[dict] = []
        with self._session() as db:
            for visit in visits:
                batch.append(visit)
                if len(batch) >= batch_size:
                    with self._tx(db):
                        for v in batch:
                            self._save_visit_tx(db, v, derived.get(v.get("visit_id")))
                    count += len(batch)
                    batch = []
            if batch:
                with self._tx(db):
                    for v in batch:
                        self._save_visit_tx(db, v, derived.get(v.get("visit_id")))
                count += len(batch)
        return count

    def _save_visit_tx(self, db, visit: dict, derived: Derived | None) -> dict:
        fields = check_visit(visit)
        at, who = now_utc(), self.user
        visit_id, hh_id = visit["visit_id"], fields["household_id"]
        old = db.execute("SELECT household_id, form_id, form_version, status, answers, revision FROM visits WHERE id = ?",
                         [visit_id]).fetchone()
        if old is None:
            changed_visit = dict(fields)
            amends = amends_of_new_visit(db, visit_id)
            if amends:   # an amendment of a returned visit: the link goes to the server with the first save
                changed_visit["amends"] = amends
            db.execute(
                "INSERT INTO visits (id, household_id, form_id, form_version, status, visit_date, answers, revision, "
                "local_edits, created_at, created_by, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,0,1,?,?,?,?)",
                [visit_id, hh_id, fields["form_id"], fields["form_version"], fields["status"],
                 sql_text(fields["answers"].get("visit_date")), dumps(fields["answers"]), at, who, at, who],
            )
            visit_base = 0
        else:
            before = dict(zip(VISIT_FIELD_NAMES, old[:4] + (json.loads(old[4]),)))
            changed_visit = {k: v for k, v in fields.items() if before[k] != v}
            visit_base = old[5]
            if changed_visit:
                db.execute(
                    "UPDATE visits SET household_id=?, form_id=?, form_version=?, status=?, visit_date=?, answers=?, "
                    "local_edits=local_edits+1, updated_at=?, updated_by=? WHERE id=?",
                    [hh_id, fields["form_id"], fields["form_version"], fields["status"],
                     sql_text(fields["answers"].get("visit_date")), dumps(fields["answers"]), at, who, visit_id],
                )
        new_hh = household_fields(fields["answers"])
        hh_row = db.execute("SELECT fields, revision FROM households WHERE id = ?", [hh_id]).fetchone()
        current = json.loads(hh_row[0]) if hh_row else {}
        if old is None or hh_row is None:   # a new visit starts from the household's state: send what differs
            changed_hh = diff_fields(current, new_hh, shipped_grain())
            merged = {**current, **new_hh}
        else:   # an edited visit changes the household only where this save changed the visit
            before_hh = household_fields(typed_answers(json.loads(old[4]), hh_id))
            changed_hh = diff_fields(before_hh, new_hh, shipped_grain())
            merged = apply_paths(current, changed_hh, hh_id, shipped_grain()) if changed_hh else current
        village = sql_text(merged.get("village_code"))
        if changed_visit or changed_hh:
            self._check_entry(db, village, {**changed_visit, **changed_hh})
        self._write_household(db, hh_id, merged, at, who, exists=hh_row is not None, local_edit=bool(changed_hh),
                              derived=derived)
        if changed_visit:
            self._log_change(db, "visit", visit_id, hh_id, village, visit_base, changed_visit, at)
        if changed_hh:
            self._log_change(db, "household", hh_id, hh_id, village, hh_row[1] if hh_row else 0, changed_hh, at)
        db.execute("DELETE FROM drafts WHERE visit_id = ?", [visit_id])
        if changed_visit or changed_hh:
            audit.append(db, self._suite, who, "create" if old is None else "change", "visit", visit_id,
                         {"household_id": hh_id, "status": fields["status"],
                          "household_fields": len({top_level(p) for p in changed_hh})})
        return {"visit_id": visit_id, "household_id": hh_id, "created": old is None,
                "visit_fields": sorted(changed_visit), "household_fields": sorted({top_level(p) for p in changed_hh})}

    def amend_household(self, household_id: str, changes: dict, *, reason: str = "amendment") -> dict:
        """Change some answers of a household's current state (not of any visit), e.g. a need's disposition.

        One transaction with its change-log row and audit entry. Recorded visits stay as they were.

        :param changes: path-keyed (``needs/<need_id>/disposition`` …, see :mod:`sync.merge`); an append-only
            child (a need's ``history``) is given as the whole new list and merges as a union
        :returns: ``{"household_id", "paths"}``
        :raises RecordNotFound: no such household
        """
        with self._session() as db:
            with self._tx(db):
                row = db.execute("SELECT fields, revision FROM households WHERE id = ?", [household_id]).fetchone()
                if row is None:
                    raise RecordNotFound("household", household_id)
                at, who = now_utc(), self.user
                fields = apply_paths(json.loads(row[0]), changes, household_id, shipped_grain())
                village = sql_text(fields.get("village_code"))
                self._check_entry(db, village, changes)
                self._write_household(db, household_id, fields, at, who, exists=True, local_edit=True)
                self._log_change(db, "household", household_id, household_id, village, row[1], changes, at)
                audit.append(db, self._suite, who, "change", "household", household_id,
                             {"amendment": reason, "paths": sorted(changes)})
        return {"household_id": household_id, "paths": sorted(changes)}

    def _check_entry(self, db, village, fields: dict) -> None:
        """:func:`check_entry` against this laptop's enrollment (every write that logs a change goes through it)."""
        check_entry(db, self._state(db, "role"), self._state(db, "township_code"), self._state(db, "villages"),
                    village, fields)

    def _write_household(self, db, hh_id: str, fields: dict, at: str, who: str, *, exists: bool, local_edit: bool,
                         derived: Derived | None = None, revision: int | None = None, created=None) -> None:
        """Store a household's fields and refresh its list row, members, categories, flags, needs and FTS rows.

        Without *derived* (a pull, an amendment) the review date and the rules' flags stay as they were and
        the household waits in ``derive_pending`` (same transaction) for the core to derive them.
        """
        write_households(db, [HouseholdWrite(hh_id, fields, at, who, exists, local_edit, derived, revision, created)])

    def pending_derivations(self, limit: int = 500) -> list[tuple[str, dict, str | None]]:
        """``(household_id, fields, last visit date)`` of households written without derived values (pulled,
        amended), oldest first."""
        with self._session() as db:
            rows = db.execute("SELECT p.household_id, h.fields, l.last_visit_date FROM derive_pending p "
                              "JOIN households h ON h.id = p.household_id JOIN household_list l ON l.rowid = h.rowid "
                              "ORDER BY p.rowid LIMIT ?", [int(limit)]).fetchall()
        return [(r[0], json.loads(r[1]), r[2]) for r in rows]

    def store_derived(self, values: Mapping[str, Derived]) -> int:
        """Store the derived values of households (by id) in their list rows, in one transaction; returns how many.

        A review date of None keeps the stored one; the flags replace the rules' flags (the data's own stay).
        """
        done = 0
        with self._session() as db:
            with self._tx(db):
                for hh_id, derived in values.items():
                    row = db.execute("SELECT h.rowid, h.fields, l.review_due FROM households h JOIN household_list l "
                                     "ON l.rowid = h.rowid WHERE h.id = ?", [hh_id]).fetchone()
                    db.execute("DELETE FROM derive_pending WHERE household_id = ?", [hh_id])
                    if row is None:
                        continue
                    rowid = row[0]
                    flags = project(json.loads(row[1]), list(derived.flags)).flags
                    db.execute("UPDATE household_list SET review_due = ?, flags = ? WHERE rowid = ?",
                               [derived.review_due if derived.review_due is not None else row[2], ",".join(flags), rowid])
                    db.execute("DELETE FROM household_flags WHERE household = ?", [rowid])
                    db.conn.executemany("INSERT INTO household_flags (flag, household) VALUES (?, ?)",
                                        [(f, rowid) for f in flags])
                    done += 1
        return done

    def update_household_fields(self, household_id: str, fields: dict) -> list[str]:
        """Set some fields of a household (e.g. ``target_status``) with their change-log row and audit entry,
        in one transaction; return the names of the fields that changed."""
        with self._session() as db:
            with self._tx(db):
                row = db.execute("SELECT fields, revision FROM households WHERE id = ?", [household_id]).fetchone()
                if row is None:
                    raise RecordNotFound("household", household_id)
                current = json.loads(row[0])
                changed = {k: v for k, v in fields.items() if k not in current or current[k] != v}
                if not changed:
                    return []
                merged, at = {**current, **changed}, now_utc()
                self._check_entry(db, sql_text(merged.get("village_code")), changed)
                self._write_household(db, household_id, merged, at, self.user, exists=True, local_edit=True)
                self._log_change(db, "household", household_id, household_id, sql_text(merged.get("village_code")),
                                 row[1], changed, at)
                audit.append(db, self._suite, self.user, "change", "household", household_id, {"fields": sorted(changed)})
        return sorted(changed)

    def unreachable_ids(self) -> set[str]:
        """Ids of households whose ``target_status`` says 无法入户 (by the expression index of migration 6)."""
        with self._session() as db:
            return {r[0] for r in db.execute(
                "SELECT id FROM households WHERE json_extract(fields, '$.target_status.state') = 'unreachable'")}

    def coverage_rows(self) -> list[tuple]:
        """``(village_code, roster JSON, target_status JSON, latest final visit date)`` of every household."""
        with self._session() as db:
            return db.execute(
                "SELECT l.village_code, json_extract(h.fields, '$.roster'), json_extract(h.fields, '$.target_status'), "
                "(SELECT MAX(v.visit_date) FROM visits v WHERE v.household_id = h.id AND v.status = 'final') "
                "FROM households h JOIN household_list l ON l.rowid = h.rowid").fetchall()

    # ---------------------------------------------------------------- drafts
    def save_draft(self, visit: dict) -> None:
        """Autosave what is being typed (local only, never synced); cheap enough to call every few seconds."""
        if not isinstance(visit, dict) or not visit.get("visit_id") or not isinstance(visit.get("answers"), dict):
            raise InvalidRecord("a draft needs visit_id and answers")
        try:
            answers = dumps(visit["answers"]).encode("utf-8").decode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidRecord("text that is not valid Unicode") from exc
        with self._session() as db:
            with self._tx(db):
                db.execute(
                    "INSERT OR REPLACE INTO drafts (visit_id, household_id, form_id, form_version, answers, saved_at, saved_by) "
                    "VALUES (?,?,?,?,?,?,?)",
                    [visit["visit_id"], visit.get("household_id"), visit.get("form_id", ""),
                     int(visit.get("form_version") or 0), answers, now_utc(), self.user],
                )

    def get_draft(self, visit_id: str) -> dict | None:
        """The autosaved draft of a visit, or None."""
        with self._session() as db:
            row = db.execute(
                "SELECT visit_id, household_id, form_id, form_version, answers, saved_at, saved_by FROM drafts WHERE visit_id=?",
                [visit_id]).fetchone()
        if row is None:
            return None
        return {"visit_id": row[0], "household_id": row[1], "form_id": row[2], "form_version": row[3],
                "answers": json.loads(row[4]), "saved_at": row[5], "saved_by": row[6]}

    def list_drafts(self) -> list[dict]:
        """Every autosaved draft (without answers), newest first: what to offer to resume after a crash."""
        with self._session() as db:
            rows = db.execute(
                "SELECT visit_id, household_id, form_id, form_version, saved_at, saved_by FROM drafts ORDER BY saved_at DESC"
            ).fetchall()
        keys = ("visit_id", "household_id", "form_id", "form_version", "saved_at", "saved_by")
        return [dict(zip(keys, r)) for r in rows]

    def discard_draft(self, visit_id: str) -> None:
        """Delete an autosaved draft."""
        with self._session() as db:
            with self._tx(db):
                db.execute("DELETE FROM drafts WHERE visit_id = ?", [visit_id])
                audit.append(db, self._suite, self.user, "draft_discarded", "visit", visit_id)

    # ---------------------------------------------------------------- reads
    def get_visit(self, visit_id: str, *, audit_view: bool = True) -> dict:
        """One visit in the interchange format (with ``meta``); logs a view in the audit log."""
        with self._session() as db:
            row = db.execute(
                "SELECT id, household_id, form_id, form_version, status, answers, revision, local_edits, "
                "created_at, created_by, updated_at, updated_by FROM visits WHERE id = ?", [visit_id]).fetchone()
            if row is None:
                raise RecordNotFound("visit", visit_id)
            if audit_view:
                with self._tx(db):
                    audit.append(db, self._suite, self.user, "view", "visit", visit_id, {"household_id": row[1]})
        return new_envelope(row[1], row[0], row[4], json.loads(row[5]), form_id=row[2], form_version=row[3],
                            meta={"revision": row[6], "local_edits": row[7], "created_at": row[8], "created_by": row[9],
                                  "updated_at": row[10], "updated_by": row[11]})

    def get_household(self, household_id: str, *, audit_view: bool = True) -> dict:
        """A household's current fields, derived columns and its visits (newest first); logs a view."""
        with self._session() as db:
            row = db.execute(
                "SELECT h.id, h.fields, l.village_code, l.categories, l.visit_status, l.last_visit_date, l.review_due, "
                "l.open_needs, l.flags, h.revision, h.local_edits, h.created_at, h.created_by, h.updated_at, h.updated_by "
                "FROM households h JOIN household_list l ON l.rowid = h.rowid WHERE h.id = ?",
                [household_id]).fetchone()
            if row is None:
                raise RecordNotFound("household", household_id)
            visits = db.execute(
                "SELECT id, form_id, form_version, status, visit_date, updated_at, updated_by FROM visits "
                "WHERE household_id = ? ORDER BY visit_date DESC, updated_at DESC", [household_id]).fetchall()
            if audit_view:
                with self._tx(db):
                    audit.append(db, self._suite, self.user, "view", "household", household_id)
        keys = ("id", "form_id", "form_version", "status", "visit_date", "updated_at", "updated_by")
        return {
            "id": row[0], "fields": json.loads(row[1]), "village_code": row[2],
            "categories": [c for c in row[3].split(",") if c], "visit_status": row[4], "last_visit_date": row[5],
            "review_due": row[6], "open_needs": row[7], "flags": [f for f in row[8].split(",") if f],
            "revision": row[9], "local_edits": row[10], "created_at": row[11], "created_by": row[12],
            "updated_at": row[13], "updated_by": row[14], "visits": [dict(zip(keys, v)) for v in visits],
        }

    def household_rows(self, village: str | None = None) -> list[tuple]:
        """Every household as a light tuple for the UI list (by village, then head's name), columns as in
        ``HOUSEHOLD_ROW_COLUMNS``. Reads only the narrow ``household_list`` table.

        ``categories`` and ``flags`` are comma-separated codes; ``head_id_masked`` is already masked.
        """
        with self._session() as db:
            # Ordered as the index household_list_village is: no sort step.
            if village:
                return db.execute(_ROW_SELECT + " WHERE h.village_code = ? ORDER BY h.village_code, h.head_name",
                                  [village]).fetchall()
            return db.execute(_ROW_SELECT + " ORDER BY h.village_code, h.head_name").fetchall()

    def household_count(self) -> int:
        """How many households the vault holds."""
        with self._session() as db:
            return db.execute("SELECT count(*) FROM households").fetchone()[0]

    def needs_by_disposition(self, village: str | None = None) -> dict[str, int]:
        """Count of the households' needs per disposition code (a need without one counts as ``pending``)."""
        sql = "SELECT n.disposition, count(*) FROM household_needs n"
        params: list = []
        if village:
            sql += " JOIN household_list l ON l.rowid = n.household WHERE l.village_code = ?"
            params.append(village)
        with self._session() as db:
            return {str(k): int(n) for k, n in db.execute(sql + " GROUP BY 1", params).fetchall()}

    def iter_visits(self):
        """Every visit in the interchange format, oldest first (for export; no per-visit audit)."""
        with self._session() as db:
            ids = [r[0] for r in db.execute("SELECT id FROM visits ORDER BY rowid")]
        for visit_id in ids:
            yield self.get_visit(visit_id, audit_view=False)
