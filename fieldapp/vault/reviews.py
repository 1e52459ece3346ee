"""Review (审核) on the laptop: the events pulled from the server (or read from a USB receipt), each
visit's review state, and which visit amends which returned one (schema 7).

The state is the server's: the laptop only stores the events it received (idempotent by
event id) and derives each visit's newest state from them. Every event stored is an audit
entry too, so the laptop's audit shows what came back and when.
"""

from __future__ import annotations

import json
import logging

from . import audit

log = logging.getLogger("fieldapp.vault")

REVIEW_CURSOR_KEY = "review_cursor"
_EVENT_KEYS = ("event_id", "review_seq", "visit_id", "household_id", "action", "comment", "field_comments",
               "reviewer", "reviewer_role", "reviewer_name", "at")


class ReviewsMixin:
    """Review operations of :class:`fieldapp.vault.Vault` (needs ``_session()``, ``_tx``, ``user``, ``_suite``)."""

    def record_reviews(self, events: list[dict], cursor: int) -> None:
        """Store review events and the review cursor in one transaction (the sync store interface)."""
        with self._session() as db:
            with self._tx(db):
                for event in events:
                    self._record_review(db, event)
                db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)",
                           [REVIEW_CURSOR_KEY, str(int(cursor))])

    def _record_review(self, db, event: dict) -> None:
        if event.get("action") not in ("approved", "returned") or not isinstance(event.get("visit_id"), str):
            log.warning("review event with an unknown action skipped")   # a newer server's: never block the sync
            return
        values = [event["event_id"], int(event["review_seq"]), event["visit_id"], event["household_id"],
                  event["action"], str(event.get("comment") or ""), dumps(event.get("field_comments") or {}),
                  str(event.get("reviewer") or ""), str(event.get("reviewer_role") or ""),
                  str(event.get("reviewer_name") or ""), str(event.get("at") or "")]
        if db.execute("INSERT OR IGNORE INTO review_events (event_id, review_seq, visit_id, household_id, action, comment, "
                      "field_comments, reviewer, reviewer_role, reviewer_name, at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                      values).rowcount == 0:
            return   # already held (a receipt and a pull may carry the same event)
        db.execute("INSERT INTO visit_reviews (visit_id, household_id, state, review_seq, event_id) VALUES (?,?,?,?,?) "
                   "ON CONFLICT (visit_id) DO UPDATE SET state = excluded.state, review_seq = excluded.review_seq, "
                   "event_id = excluded.event_id WHERE excluded.review_seq > visit_reviews.review_seq",
                   [event["visit_id"], event["household_id"], event["action"], int(event["review_seq"]),
                    event["event_id"]])
        audit.append(db, self._suite, self.user or "sync", f"review_{event['action']}", "visit", event["visit_id"],
                     {"household_id": event["household_id"], "received": True, "reviewer": event.get("reviewer_name"),
                      "reviewer_role": event.get("reviewer_role"), "at": event.get("at")})

    def review_events(self, visit_id: str) -> list[dict]:
        """Every review event of one visit held here, oldest first."""
        with self._session() as db:
            rows = db.execute(f"SELECT {', '.join(_EVENT_KEYS)} FROM review_events WHERE visit_id = ? "
                              "ORDER BY review_seq", [visit_id]).fetchall()
        return [_event(r) for r in rows]

    def review_states(self, household_id: str | None = None) -> dict[str, str]:
        """The newest review state (``approved`` | ``returned``) of every reviewed visit (of one household)."""
        sql, params = "SELECT visit_id, state FROM visit_reviews", []
        if household_id:
            sql, params = sql + " WHERE household_id = ?", [household_id]
        with self._session() as db:
            return dict(db.execute(sql, params).fetchall())

    def review_counts_by_village(self) -> dict[str, dict[str, int]]:
        """Per village: how many households' latest final visit is submitted / approved / returned (coverage)."""
        with self._session() as db:
            rows = db.execute(
                "SELECT l.village_code, coalesce(r.state, 'submitted'), count(*) FROM visits v "
                "JOIN households h ON h.id = v.household_id JOIN household_list l ON l.rowid = h.rowid "
                "LEFT JOIN visit_reviews r ON r.visit_id = v.id "
                "WHERE v.status = 'final' AND v.rowid = (SELECT v2.rowid FROM visits v2 WHERE v2.household_id = v.household_id "
                "AND v2.status = 'final' ORDER BY v2.visit_date DESC, v2.updated_at DESC, v2.rowid DESC LIMIT 1) "
                "GROUP BY 1, 2").fetchall()
        out: dict[str, dict[str, int]] = {}
        for village, state, n in rows:
            out.setdefault(village or "", {"submitted": 0, "approved": 0, "returned": 0})[state] = int(n)
        return out

    def review_groups_by_village(self) -> list[tuple[str, str, str, int]]:
        """``(village, review state, visit date, households)`` of every household's latest final visit, grouped:
        what ``forms.coverage.count_reviews`` turns into 待审核 / 已退回 / 已审核通过 and 审核超期 figures."""
        with self._session() as db:
            rows = db.execute(
                "SELECT l.village_code, coalesce(r.state, 'submitted'), coalesce(v.visit_date, ''), count(*) FROM visits v "
                "JOIN households h ON h.id = v.household_id JOIN household_list l ON l.rowid = h.rowid "
                "LEFT JOIN visit_reviews r ON r.visit_id = v.id "
                "WHERE v.status = 'final' AND v.rowid = (SELECT v2.rowid FROM visits v2 WHERE v2.household_id = v.household_id "
                "AND v2.status = 'final' ORDER BY v2.visit_date DESC, v2.updated_at DESC, v2.rowid DESC LIMIT 1) "
                "GROUP BY 1, 2, 3").fetchall()
        return [(village or "", state, date, int(n)) for village, state, date, n in rows]

    def open_returns(self) -> list[dict]:
        """Returned visits no final visit amends yet: the visitor still has to fix them (newest first)."""
        with self._session() as db:
            rows = db.execute(
                f"SELECT {', '.join('e.' + k for k in _EVENT_KEYS)} FROM visit_reviews r "
                "JOIN review_events e ON e.event_id = r.event_id WHERE r.state = 'returned' AND NOT EXISTS "
                "(SELECT 1 FROM visit_amends a JOIN visits v ON v.id = a.visit_id "
                "WHERE a.amends = r.visit_id AND v.status = 'final') ORDER BY e.review_seq DESC").fetchall()
        return [_event(r) for r in rows]

    def link_amendment(self, visit_id: str, amends: str) -> None:
        """Record that *visit_id* (a new visit) amends the returned visit *amends*; sent with its first save."""
        with self._session() as db:
            with self._tx(db):
                db.execute("INSERT OR REPLACE INTO visit_amends (visit_id, amends) VALUES (?, ?)", [visit_id, amends])

    def amendment_links(self, household_id: str | None = None) -> dict[str, str]:
        """``{amending visit id: returned visit id}`` (of one household's visits)."""
        sql, params = "SELECT a.visit_id, a.amends FROM visit_amends a", []
        if household_id:
            sql += " JOIN visits v ON v.id = a.amends WHERE v.household_id = ?"
            params = [household_id]
        with self._session() as db:
            return dict(db.execute(sql, params).fetchall())

    def audit_review_action(self, action: str, visit_ids: list[str], detail: dict) -> None:
        """Audit a review this office laptop did on the server (the events arrive by the next pull too)."""
        with self._session() as db:
            with self._tx(db):
                for visit_id in visit_ids:
                    audit.append(db, self._suite, self.user, f"review_{action}", "visit", visit_id, detail)


def dumps(value) -> str:
    """Canonical JSON text (as :func:`fieldapp.vault.records.dumps`)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _event(row) -> dict:
    out = dict(zip(_EVENT_KEYS, row))
    out["field_comments"] = json.loads(out["field_comments"])
    return out


def amends_of_new_visit(db, visit_id: str) -> str | None:
    """The returned visit a visit being saved for the first time amends, if it was started as an amendment."""
    row = db.execute("SELECT amends FROM visit_amends WHERE visit_id = ?", [visit_id]).fetchone()
    return row[0] if row else None


def store_pulled_amends(db, visit_id: str, fields: dict) -> None:
    """Keep the amendment link of a pulled visit (``amends`` is a visit field only the sync carries)."""
    amends = fields.get("amends")
    if isinstance(amends, str) and amends:
        db.execute("INSERT OR REPLACE INTO visit_amends (visit_id, amends) VALUES (?, ?)", [visit_id, amends])
