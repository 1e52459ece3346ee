"""Storing households with their list row, members, categories, flags, needs and search rows, many at a time.

One household saved on the laptop and a page of 500 pulled from the server go through the same code: the
rows of every table are worked out first, then each table gets one ``executemany``. A pulled page of
new roster households thus costs a handful of statements instead of ten per household (bench/roster.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .projection import VISIT_STATUSES, project, spaced_chars, sql_text


def dumps(value) -> str:
    """Canonical JSON text for storage and comparison."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class HouseholdWrite:
    """One household to store: its whole fields and who/when (see ``Records._write_household``)."""

    hh_id: str
    fields: dict
    at: str
    who: str
    exists: bool
    local_edit: bool
    review_due: str | None = None
    flags: list | None = None
    revision: int | None = None
    created: tuple | None = None


def _ids_param(ids) -> list[str]:
    """One parameter for ``IN (SELECT value FROM json_each(?))``: the values as a JSON array."""
    return [json.dumps(list(ids))]


def write_households(db, deriver, items: list[HouseholdWrite]) -> None:
    """Store *items* (distinct households) and refresh their derived rows, in the caller's transaction.

    ``exists`` says whether the household row is there already (updated in place, its rowid kept) or is new.
    """
    if not items:
        return
    conn = db.conn
    ids = _ids_param(i.hh_id for i in items)
    latest: dict[str, tuple] = {}   # the household list shows the latest visit's status
    for hid, status, visit_date in conn.execute(
            "SELECT household_id, status, visit_date FROM visits WHERE household_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY household_id, visit_date DESC, updated_at DESC", ids):
        latest.setdefault(hid, (status, visit_date))
    rowids = dict(conn.execute("SELECT id, rowid FROM households WHERE id IN (SELECT value FROM json_each(?))", ids))
    old_due = dict(conn.execute(
        "SELECT id, review_due FROM household_list WHERE rowid IN (SELECT value FROM json_each(?))",
        _ids_param(rowids[i.hh_id] for i in items if i.exists))) if any(i.exists for i in items) else {}
    next_rowid = None
    updates, inserts, rows = [], [], []
    for item in items:
        derived = deriver(item.fields) if deriver else {}
        proj = project(item.fields, list(item.flags or []) + list(derived.get("flags") or []))
        status, last_date = latest.get(item.hh_id, ("none", None))
        due = item.review_due or derived.get("review_due")
        text = dumps(item.fields)
        if item.exists:
            rowid = rowids[item.hh_id]
            updates.append((text, item.revision, int(item.local_edit), item.at, item.who, rowid))
            if due is None:
                due = old_due.get(item.hh_id)
        else:
            if next_rowid is None:   # what SQLite would pick: one past the largest rowid
                next_rowid = conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM households").fetchone()[0]
            rowid, next_rowid = next_rowid, next_rowid + 1
            c_at, c_by = item.created or (item.at, item.who)
            inserts.append((rowid, item.hh_id, text, item.revision or 0, int(item.local_edit), c_at, c_by, item.at, item.who))
        rows.append((rowid, item.hh_id, proj, status if status in VISIT_STATUSES else "none", last_date, due))
    if updates:
        conn.executemany("UPDATE households SET fields=?, revision=max(revision, coalesce(?, revision)), "
                         "local_edits=local_edits+?, updated_at=?, updated_by=? WHERE rowid=?", updates)
        old = [(r[0],) for r, item in zip(rows, items) if item.exists]
        for table in ("members", "household_categories", "household_flags", "household_needs"):
            conn.executemany(f"DELETE FROM {table} WHERE household = ?", old)  # fixed table names
        conn.executemany("DELETE FROM household_fts WHERE rowid = ?", old)
        conn.executemany("DELETE FROM household_chars WHERE rowid = ?", old)
    if inserts:
        conn.executemany("INSERT INTO households (rowid, id, fields, revision, local_edits, created_at, created_by, "
                         "updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?,?)", inserts)
    # The list row replaced by DELETE + INSERT: what INSERT OR REPLACE did (nothing references
    # household_list), at a quarter of its cost with foreign keys on (measured, bench/roster.py).
    conn.executemany("DELETE FROM household_list WHERE rowid = ?", [(r[0],) for r in rows])
    conn.executemany(
        "INSERT INTO household_list (rowid, id, head_name, head_id_masked, village_code, address, area_type, "
        "categories, visit_status, last_visit_date, review_due, open_needs, flags, member_count) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(rowid, hid, p.head_name, p.head_id_masked, p.village_code, p.address, p.area_type, ",".join(p.categories),
          status, last_date, due, p.open_needs, ",".join(p.flags), len(p.members))
         for rowid, hid, p, status, last_date, due in rows])
    conn.executemany(
        "INSERT INTO members (household, position, member_id, name, id_number, relation) VALUES (?,?,?,?,?,?)",
        [(rowid, i, sql_text(m.get("member_id")), sql_text(m.get("name")),
          (sql_text(m.get("id_number")) or "").upper() or None, sql_text(m.get("relation")))
         for rowid, _hid, p, *_ in rows for i, m in enumerate(p.members)])
    conn.executemany("INSERT INTO household_categories (category, household) VALUES (?, ?)",
                     [(c, rowid) for rowid, _hid, p, *_ in rows for c in p.categories])
    flags = [(f, rowid) for rowid, _hid, p, *_ in rows for f in p.flags]
    if flags:
        conn.executemany("INSERT INTO household_flags (flag, household) VALUES (?, ?)", flags)
    needs = [(rowid, i, sql_text(n.get("category")), sql_text(n.get("disposition")) or "pending")
             for rowid, _hid, p, *_ in rows for i, n in enumerate(p.needs)]
    if needs:
        conn.executemany("INSERT INTO household_needs (household, position, category, disposition) VALUES (?,?,?,?)", needs)
    conn.executemany("INSERT INTO household_fts (rowid, names, address, id_numbers) VALUES (?,?,?,?)",
                     [(rowid, p.names_text, p.address, p.id_numbers_text) for rowid, _hid, p, *_ in rows])
    conn.executemany("INSERT INTO household_chars (rowid, names, address) VALUES (?,?,?)",
                     [(rowid, spaced_chars(p.names_text), spaced_chars(p.address)) for rowid, _hid, p, *_ in rows])
