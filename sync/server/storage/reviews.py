"""Review (审核) storage on both SQL backends: the append-only ``review_events`` table (schema 9).

A visit's review state is its newest event (none: 待审核). Events are never updated or
deleted. Writers lock the ``review_seq`` counter row first, so events commit in
``review_seq`` order on every backend and a puller reading the counter first never skips one
(the same rule as the change log, :mod:`sync.server.storage.sql`).
"""

from __future__ import annotations

import json
import uuid

from sync import errors
from sync.review import APPROVED, RETURNED
from sync.server.storage.base import Scope
from forms.places import township_of
from forms.expressions import local_today

EVENT_COLUMNS = ("review_seq, event_id, visit_id, household_id, village_code, township_code, action, comment, "
                 "field_comments, reviewer, reviewer_role, reviewer_name, at")


def _event(row: dict) -> dict:
    out = dict(row)
    out["field_comments"] = json.loads(row["field_comments"])
    return out


class ReviewStore:
    """The review events of one :class:`sync.server.storage.sql.SqlStorage`; each method is one transaction."""

    def __init__(self, sql):
        self.sql = sql

    def _visits(self, tx, visit_ids: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for start in range(0, len(visit_ids), 500):
            cond, params = self.sql._in("entity_id", visit_ids[start:start + 500])
            for row in tx.q("SELECT entity_id, household_id, village_code, revision, fields FROM records "
                            "WHERE entity = 'visit' AND " + cond, params):
                row["fields"] = json.loads(row["fields"])
                found[row["entity_id"]] = row
        return found

    def _reviewed(self, tx, visit_ids: list[str]) -> set[str]:
        seen: set[str] = set()
        for start in range(0, len(visit_ids), 500):
            cond, params = self.sql._in("visit_id", visit_ids[start:start + 500])
            seen |= {r["visit_id"] for r in tx.q("SELECT DISTINCT visit_id FROM review_events WHERE " + cond, params)}
        return seen

    def record(self, scope: Scope, actions: list[dict], reviewer: str, reviewer_role: str, reviewer_name: str,
               now: str, *, skip_not_pending: bool = False) -> tuple[list[dict], list[dict]]:
        """Append one event per action ``{"visit_id", "action", "comment", "field_comments"}`` atomically.

        Every visit must exist and lie inside *scope* (else nothing is stored). A visit that is not
        waiting for review (a draft, or reviewed already) refuses the whole call, or with
        *skip_not_pending* is left out and reported. Returns (events stored, skipped).

        :raises errors.VisitNotFound: an unknown visit id
        :raises errors.OutsideArea: a visit outside *scope*
        :raises errors.ReviewNotPending: a visit not waiting for review (unless skipped)
        """
        ids = list(dict.fromkeys(a["visit_id"] for a in actions))
        with self.sql._tx() as tx:
            seq = int(tx.one("SELECT value FROM counters WHERE name = 'review_seq'" + self.sql.lock_suffix)["value"])
            visits = self._visits(tx, ids)
            for visit_id in ids:
                if visit_id not in visits:
                    raise errors.VisitNotFound(visit_id)
                if not scope.allows(visits[visit_id]["village_code"]):
                    raise errors.OutsideArea(township_of(visits[visit_id]["village_code"]))
            reviewed = self._reviewed(tx, ids)
            events, skipped, done = [], [], set()
            for action in actions:
                visit_id = action["visit_id"]
                visit = visits[visit_id]
                if visit_id in reviewed or visit_id in done or visit["fields"].get("status") != "final":
                    if not skip_not_pending:
                        raise errors.ReviewNotPending(visit_id)
                    skipped.append({"visit_id": visit_id, "code": errors.ReviewNotPending.code,
                                    "message_zh": errors.ReviewNotPending.message_zh})
                    continue
                seq += 1
                done.add(visit_id)
                events.append({"review_seq": seq, "event_id": str(uuid.uuid4()), "visit_id": visit_id,
                               "household_id": visit["household_id"], "village_code": visit["village_code"],
                               "township_code": township_of(visit["village_code"]), "action": action["action"],
                               "comment": action.get("comment") or "", "field_comments": action.get("field_comments") or {},
                               "reviewer": reviewer, "reviewer_role": reviewer_role, "reviewer_name": reviewer_name,
                               "at": now})
            if events:
                tx.many(f"INSERT INTO review_events ({EVENT_COLUMNS}) VALUES ({', '.join('%s' for _ in range(13))})",
                        [(e["review_seq"], e["event_id"], e["visit_id"], e["household_id"], e["village_code"],
                          e["township_code"], e["action"], e["comment"],
                          json.dumps(e["field_comments"], ensure_ascii=False), e["reviewer"], e["reviewer_role"],
                          e["reviewer_name"], e["at"]) for e in events])
                tx.exec("UPDATE counters SET value = %s WHERE name = 'review_seq'", (seq,))
        return events, skipped

    def since(self, scope: Scope, cursor: int, limit: int) -> dict:
        """Events after *cursor* in *scope*: ``{"events", "cursor", "more"}`` (never skips a late commit)."""
        cond, params = self.sql._scope_condition(scope)
        with self.sql._tx(write=False) as tx:
            top = int(tx.one("SELECT value FROM counters WHERE name = 'review_seq'")["value"])
            rows = tx.q(f"SELECT {EVENT_COLUMNS} FROM review_events WHERE review_seq > %s AND review_seq <= %s AND {cond} "
                        "ORDER BY review_seq LIMIT %s", [cursor, top, *params, limit])
        more = len(rows) == limit
        upto = rows[-1]["review_seq"] if more else max(top, cursor)
        return {"events": [_event(r) for r in rows], "cursor": upto, "more": more}

    def events_of(self, visit_ids: list[str]) -> list[dict]:
        """Every event of these visits, oldest first."""
        out: list[dict] = []
        with self.sql._tx(write=False) as tx:
            for start in range(0, len(visit_ids), 500):
                cond, params = self.sql._in("visit_id", visit_ids[start:start + 500])
                out += tx.q(f"SELECT {EVENT_COLUMNS} FROM review_events WHERE {cond} ORDER BY review_seq", params)
        return sorted((_event(r) for r in out), key=lambda e: e["review_seq"])

    def visits(self, scope: Scope, visit_ids: list[str]) -> dict[str, dict]:
        """These visit records (``entity_id``, ``household_id``, ``village_code``, ``fields``) that lie in *scope*."""
        with self.sql._tx(write=False) as tx:
            found = self._visits(tx, visit_ids)
        return {k: v for k, v in found.items() if scope.allows(v["village_code"])}

    def amended_by(self, household_id: str, visit_id: str) -> list[str]:
        """The visits of the household whose ``amends`` names *visit_id*."""
        with self.sql._tx(write=False) as tx:
            rows = tx.q("SELECT entity_id, fields FROM records WHERE entity = 'visit' AND household_id = %s",
                        (household_id,))
        return sorted(r["entity_id"] for r in rows if json.loads(r["fields"]).get("amends") == visit_id)

    def pending(self, scope: Scope, village_code: str | None = None, limit: int = 1000, after: int = -1) -> list[dict]:
        """Final visit records in *scope* (and *village_code*) without any review event, oldest first,
        from the first whose ``updated_seq`` is above *after* (the console's next page).

        Read in pages along ``records (entity, updated_seq)`` (migration 0012) until *limit* are found, so a
        county of 200,000 visits reads the first few hundred, not all of them."""
        cond, params = self.sql._scope_condition(scope)
        if village_code:
            cond, params = cond + " AND village_code = %s", params + [village_code]
        out, last, page = [], int(after), max(200, int(limit))
        with self.sql._tx(write=False) as tx:
            while len(out) < limit:
                rows = tx.q("SELECT entity_id, household_id, village_code, revision, fields, updated_seq FROM records r "
                            f"WHERE entity = 'visit' AND updated_seq > %s AND {cond} AND NOT EXISTS "
                            "(SELECT 1 FROM review_events e WHERE e.visit_id = r.entity_id) ORDER BY updated_seq LIMIT %s",
                            [last, *params, page])
                for row in rows:
                    row["fields"] = json.loads(row["fields"])
                    if row["fields"].get("status") == "final":
                        out.append(row)
                        if len(out) >= limit:
                            break
                if len(rows) < page:
                    break
                last = rows[-1]["updated_seq"]
        return out

    def latest_states(self, scope: Scope) -> dict[str, dict]:
        """The newest event of every reviewed visit in *scope*, by visit id (ledgers, coverage)."""
        cond, params = self.sql._scope_condition(scope)
        with self.sql._tx(write=False) as tx:
            rows = tx.q(f"SELECT {EVENT_COLUMNS} FROM review_events WHERE {cond} ORDER BY review_seq", params)
        return {r["visit_id"]: _event(r) for r in rows}

    def counts_by_village(self, scope: Scope, today=None, deadline_days: int | None = None) -> dict[str, dict[str, int]]:
        """Per village: how many households' latest final visit is submitted / approved / returned (coverage), and
        ``overdue``: of the submitted ones, those past *deadline_days* on *today* (:func:`forms.coverage.review_overdue`).

        The same figures as the laptop's ``review_counts_by_village``: a household's latest final visit (by visit
        date, then the newest change) is 待审核 until a review event says otherwise. Only the status and visit date
        are read from each visit (in SQL), not its whole record.
        """
        from forms.coverage import review_overdue

        cond, params = self.sql._scope_condition(scope)
        j = self.sql._json_text
        with self.sql._tx(write=False) as tx:
            rows = tx.q(f"SELECT entity_id, household_id, village_code, {j(('answers', 'visit_date'))} AS visit_date, "
                        f"updated_seq FROM records WHERE entity = 'visit' AND {cond} AND {j(('status',))} = 'final'", params)
        latest: dict[str, tuple] = {}
        for row in rows:
            key = (str(row["visit_date"] or ""), int(row["updated_seq"] or 0))
            held = latest.get(row["household_id"])
            if held is None or key > held[0]:
                latest[row["household_id"]] = (key, row["village_code"] or "", row["entity_id"])
        states = self.latest_states(scope)
        today = today or local_today()
        out: dict[str, dict[str, int]] = {}
        for key, village, visit_id in latest.values():
            event = states.get(visit_id)
            state = event["action"] if event and event.get("action") in (APPROVED, RETURNED) else "submitted"
            counts = out.setdefault(village, {"submitted": 0, "approved": 0, "returned": 0, "overdue": 0})
            counts[state] += 1
            counts["overdue"] += review_overdue(state, key[0], today, deadline_days)
        return out

    def submissions(self, visit_id: str) -> list[dict]:
        """The changes that made the visit final (who, which device, when): the 待审核 step of its history."""
        with self.sql._tx(write=False) as tx:
            rows = tx.q("SELECT seq, device_id, author, at, fields FROM changes WHERE entity = 'visit' AND entity_id = %s "
                        "ORDER BY seq", (visit_id,))
        return [{"seq": r["seq"], "device_id": r["device_id"], "author": r["author"], "at": r["at"]}
                for r in rows if json.loads(r["fields"]).get("status") == "final"]

    def latest_document(self, kind: str) -> object | None:
        """The content of the newest published document of *kind* (the reference data for suggestions)."""
        with self.sql._tx(write=False) as tx:
            row = tx.one("SELECT content FROM documents WHERE kind = %s ORDER BY seq DESC LIMIT 1", (kind,))
        return json.loads(row["content"]) if row else None


__all__ = ["ReviewStore", "APPROVED", "RETURNED"]
