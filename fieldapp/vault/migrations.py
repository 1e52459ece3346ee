"""Schema versions of the vault. Each migration runs in one transaction together with its record.

To change the schema, append a ``Migration`` with the next version number; never edit
one that has shipped. A vault whose recorded version is higher than the last one here
was written by a newer program and is refused (:class:`SchemaTooNew`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import sqlite_utils

from .errors import MigrationFailed, SchemaTooNew

V1_STATEMENTS = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE households (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        village_code TEXT, area_type TEXT, address TEXT,
        head_name TEXT, head_id_masked TEXT, categories TEXT NOT NULL DEFAULT '',
        visit_status TEXT NOT NULL DEFAULT 'none', last_visit_date TEXT,
        review_due TEXT, open_needs INTEGER NOT NULL DEFAULT 0, flags TEXT NOT NULL DEFAULT '',
        member_count INTEGER NOT NULL DEFAULT 0,
        fields TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 0, local_edits INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL)""",
    "CREATE INDEX households_village ON households(village_code)",
    "CREATE INDEX households_review_due ON households(review_due)",
    "CREATE INDEX households_open_needs ON households(open_needs)",
    "CREATE INDEX households_visit_status ON households(visit_status)",
    """CREATE TABLE household_categories (
        category TEXT NOT NULL, household INTEGER NOT NULL REFERENCES households(rowid) ON DELETE CASCADE,
        PRIMARY KEY (category, household)) WITHOUT ROWID""",
    "CREATE INDEX household_categories_household ON household_categories(household)",
    """CREATE TABLE members (
        household INTEGER NOT NULL REFERENCES households(rowid) ON DELETE CASCADE,
        position INTEGER NOT NULL, member_id TEXT, name TEXT, id_number TEXT, relation TEXT,
        PRIMARY KEY (household, position)) WITHOUT ROWID""",
    "CREATE INDEX members_id_number ON members(id_number)",
    # Trigram index: substrings of 3+ characters in names, address and ID numbers.
    "CREATE VIRTUAL TABLE household_fts USING fts5(names, address, id_numbers, tokenize='trigram')",
    # One token per character: 1–2 character queries (e.g. a two-character name) as phrase queries.
    "CREATE VIRTUAL TABLE household_chars USING fts5(names, address, tokenize='unicode61')",
    """CREATE TABLE visits (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE, household_id TEXT NOT NULL,
        form_id TEXT NOT NULL, form_version INTEGER NOT NULL, status TEXT NOT NULL,
        visit_date TEXT, answers TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 0, local_edits INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL)""",
    "CREATE INDEX visits_household ON visits(household_id, visit_date)",
    """CREATE TABLE drafts (
        visit_id TEXT PRIMARY KEY, household_id TEXT, form_id TEXT NOT NULL, form_version INTEGER NOT NULL,
        answers TEXT NOT NULL, saved_at TEXT NOT NULL, saved_by TEXT NOT NULL)""",
    """CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        change_id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
        household_id TEXT, village_code TEXT, base_revision INTEGER NOT NULL,
        fields TEXT NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, acked_at TEXT)""",
    "CREATE INDEX changes_pending ON changes(seq) WHERE acked_at IS NULL",
    "CREATE INDEX changes_pending_entity ON changes(entity, entity_id) WHERE acked_at IS NULL",
    "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY, conflict_id TEXT UNIQUE, entity TEXT, entity_id TEXT, household_id TEXT,
        kind TEXT, status TEXT, detail TEXT NOT NULL, recorded_at TEXT NOT NULL, resolved_at TEXT, resolved_by TEXT)""",
    "CREATE INDEX conflicts_household ON conflicts(household_id)",
    "CREATE INDEX conflicts_open ON conflicts(recorded_at) WHERE resolved_at IS NULL",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        entity TEXT, entity_id TEXT, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    # Append-only: the program never edits or deletes audit entries (verify catches anyone else).
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]


def _v1(db: sqlite_utils.Database) -> None:
    for statement in V1_STATEMENTS:
        db.execute(statement)


def _v2(db: sqlite_utils.Database) -> None:
    # The household list reads only these columns: a covering index lets it skip the (large)
    # ``fields`` JSON entirely, which in an encrypted file means far fewer pages to decrypt.
    db.execute(
        "CREATE INDEX households_list ON households(village_code, head_name, id, head_id_masked, address, "
        "categories, visit_status, review_due, open_needs, flags)"
    )


_PROJECTION_COLUMNS = ("village_code", "area_type", "address", "head_name", "head_id_masked", "categories",
                       "visit_status", "last_visit_date", "review_due", "open_needs", "flags", "member_count")


def _v3(db: sqlite_utils.Database) -> None:
    # Split the list projection from the record: list, filters and counts then read a narrow
    # table (a few MB for 100,000 households) instead of rows carrying the whole fields JSON.
    db.execute("""CREATE TABLE household_list (
        rowid INTEGER PRIMARY KEY REFERENCES households(rowid) ON DELETE CASCADE,
        id TEXT NOT NULL, head_name TEXT, head_id_masked TEXT, village_code TEXT, address TEXT, area_type TEXT,
        categories TEXT NOT NULL DEFAULT '', visit_status TEXT NOT NULL DEFAULT 'none', last_visit_date TEXT,
        review_due TEXT, open_needs INTEGER NOT NULL DEFAULT 0, flags TEXT NOT NULL DEFAULT '',
        member_count INTEGER NOT NULL DEFAULT 0)""")
    db.execute(
        "INSERT INTO household_list (rowid, id, head_name, head_id_masked, village_code, address, area_type, categories, "
        "visit_status, last_visit_date, review_due, open_needs, flags, member_count) "
        "SELECT rowid, id, head_name, head_id_masked, village_code, address, area_type, categories, visit_status, "
        "last_visit_date, review_due, open_needs, flags, member_count FROM households"
    )
    db.execute("CREATE INDEX household_list_village ON household_list(village_code, head_name)")
    db.execute("CREATE INDEX household_list_review_due ON household_list(review_due)")
    db.execute("CREATE INDEX household_list_open_needs ON household_list(open_needs)")
    db.execute("CREATE INDEX household_list_visit_status ON household_list(visit_status)")
    db.execute("""CREATE TABLE household_flags (
        flag TEXT NOT NULL, household INTEGER NOT NULL REFERENCES households(rowid) ON DELETE CASCADE,
        PRIMARY KEY (flag, household)) WITHOUT ROWID""")
    db.execute("CREATE INDEX household_flags_household ON household_flags(household)")
    rows = db.execute("SELECT rowid, flags FROM households WHERE flags != ''").fetchall()
    db.conn.executemany("INSERT INTO household_flags (flag, household) VALUES (?, ?)",
                        [(f, rowid) for rowid, flags in rows for f in flags.split(",") if f])
    db.execute("""CREATE TABLE household_needs (
        household INTEGER NOT NULL REFERENCES households(rowid) ON DELETE CASCADE, position INTEGER NOT NULL,
        category TEXT, disposition TEXT NOT NULL, PRIMARY KEY (household, position)) WITHOUT ROWID""")
    db.execute(
        "INSERT INTO household_needs (household, position, category, disposition) "
        "SELECT h.rowid, n.key, json_extract(n.value, '$.category'), coalesce(json_extract(n.value, '$.disposition'), 'pending') "
        "FROM households h, json_each(h.fields, '$.needs') n WHERE json_type(n.value) = 'object'"
    )
    for index in ("households_village", "households_review_due", "households_open_needs", "households_visit_status",
                  "households_list"):
        db.execute(f"DROP INDEX {index}")  # fixed names, no user input
    for column in _PROJECTION_COLUMNS:
        db.execute(f"ALTER TABLE households DROP COLUMN {column}")  # fixed names, no user input


def _v4(db: sqlite_utils.Database) -> None:
    # Records hold only typed answers, and every repeat row has an id (docs/sync.md "Merge"). The ids of
    # existing rows are derived from the household and the row's position, so the server's migration 6
    # gives the same rows the same ids. Pending changes are rewritten the same way; no change is added.
    import json

    from forms.grain import shipped_grain, strip_calculated, with_row_ids

    grain = shipped_grain()

    def typed(values: dict, household_id: str) -> dict:
        return with_row_ids(strip_calculated(values, grain), grain, household_id)

    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    for rowid, hh_id, fields in db.execute("SELECT rowid, id, fields FROM households").fetchall():
        before = json.loads(fields)
        after = typed(before, hh_id) if isinstance(before, dict) else before
        if after != before:
            db.execute("UPDATE households SET fields = ? WHERE rowid = ?", [dumps(after), rowid])
            members = [m for m in after.get("members") or [] if isinstance(m, dict)]
            db.conn.executemany("UPDATE members SET member_id = ? WHERE household = ? AND position = ?",
                                [(m.get("member_id"), rowid, i) for i, m in enumerate(members)])
    for rowid, hh_id, answers in db.execute("SELECT rowid, household_id, answers FROM visits").fetchall():
        before = json.loads(answers)
        after = typed(before, hh_id) if isinstance(before, dict) else before
        if after != before:
            db.execute("UPDATE visits SET answers = ? WHERE rowid = ?", [dumps(after), rowid])
    pending = db.execute("SELECT seq, entity, household_id, fields FROM changes WHERE acked_at IS NULL").fetchall()
    for seq, entity, hh_id, fields in pending:
        before = json.loads(fields)
        if entity == "visit" and isinstance(before.get("answers"), dict):
            after = dict(before, answers=typed(before["answers"], hh_id))
        elif entity == "household":
            after = typed(before, hh_id)
        else:
            after = before
        if after != before:
            db.execute("UPDATE changes SET fields = ? WHERE seq = ?", [dumps(after), seq])


def _v6(db: sqlite_utils.Database) -> None:
    # Target households closed as 无法入户 (target_status synced as a household field): an index on the
    # expression lets the list find them without reading every household's fields.
    db.execute("CREATE INDEX households_target_state ON households(json_extract(fields, '$.target_status.state'))")


def _v7(db: sqlite_utils.Database) -> None:
    """Review (审核): the events the server sent, each visit's newest state, amendment links."""
    db.execute("""CREATE TABLE review_events (
        event_id TEXT PRIMARY KEY, review_seq INTEGER NOT NULL, visit_id TEXT NOT NULL, household_id TEXT NOT NULL,
        action TEXT NOT NULL, comment TEXT NOT NULL, field_comments TEXT NOT NULL, reviewer TEXT NOT NULL,
        reviewer_role TEXT NOT NULL, reviewer_name TEXT NOT NULL, at TEXT NOT NULL)""")
    db.execute("CREATE INDEX review_events_visit ON review_events(visit_id, review_seq)")
    db.execute("""CREATE TABLE visit_reviews (
        visit_id TEXT PRIMARY KEY, household_id TEXT NOT NULL, state TEXT NOT NULL, review_seq INTEGER NOT NULL,
        event_id TEXT NOT NULL)""")
    db.execute("CREATE INDEX visit_reviews_household ON visit_reviews(household_id)")
    db.execute("CREATE INDEX visit_reviews_state ON visit_reviews(state)")
    db.execute("CREATE TABLE visit_amends (visit_id TEXT PRIMARY KEY, amends TEXT NOT NULL)")
    db.execute("CREATE INDEX visit_amends_amends ON visit_amends(amends)")


def _v9(db: sqlite_utils.Database) -> None:
    # a change the server refused on its own (issue 19) waits here, visibly, instead of blocking the outbox
    db.execute("ALTER TABLE changes ADD COLUMN set_aside TEXT")


def _v11(db: sqlite_utils.Database) -> None:
    # households written without derived values (a pull, an amendment) wait here, in the write's own
    # transaction, until the app core derives their review date and flags (fieldapp.core.derive)
    db.execute("CREATE TABLE derive_pending (rowid INTEGER PRIMARY KEY, household_id TEXT NOT NULL UNIQUE)")


@dataclass(frozen=True)
class Migration:
    """One schema step: *apply* runs inside the transaction that also records *version*."""

    version: int
    name: str
    apply: Callable[[sqlite_utils.Database], None]


MIGRATIONS: list[Migration] = [
    Migration(1, "initial schema: households, members, visits, drafts, change log, sync state, conflicts, audit", _v1),
    Migration(2, "covering index for the household list", _v2),
    Migration(3, "household list, flags and needs in their own narrow tables", _v3),
    Migration(4, "only typed answers in records and pending changes; an id in every repeat row", _v4),
    Migration(6, "index of households closed as 无法入户 (target_status)", _v6),
    Migration(7, "review: events from the server, each visit's review state, amendment links", _v7),
    Migration(9, "changes the server refused are set aside, not resent", _v9),
    Migration(11, "households waiting for the core to derive their review date and flags", _v11),
]

LATEST = MIGRATIONS[-1].version


def current_version(db: sqlite_utils.Database) -> int:
    """The highest applied schema version (0 for an empty database)."""
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite_utils.Database, migrations: list[Migration] | None = None) -> list[int]:
    """Bring *db* up to the latest version; returns the versions applied.

    :raises SchemaTooNew: if *db* was written by a newer program
    :raises MigrationFailed: if a step fails (that step is rolled back entirely)
    """
    migrations = MIGRATIONS if migrations is None else migrations
    known = migrations[-1].version if migrations else 0
    found = current_version(db)
    if found > known:
        raise SchemaTooNew(found, known)
    applied = []
    for m in migrations:
        if m.version <= found:
            continue
        try:
            # IMMEDIATE: two programs opening an old vault at once apply each step exactly once.
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                )
                if current_version(db) < m.version:
                    m.apply(db)
                    db.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        [m.version, m.name, datetime.now(timezone.utc).isoformat(timespec="seconds")],
                    )
                    applied.append(m.version)
                db.conn.execute("COMMIT")
            except BaseException:
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK")
                raise
        except SchemaTooNew:
            raise
        except Exception as exc:  # every failure of a step, a bug too, is MigrationFailed: rolled back, the cause chained
            raise MigrationFailed(m.version, exc.__class__.__name__) from exc   # no str(exc): it may quote a record
    return applied
