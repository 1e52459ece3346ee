"""Coverage facts: per household, what the coverage rule needs, kept from the change log (migration 0012).

Reading coverage straight from ``records`` parses every household's and visit's JSON on every request
(about 2 s at 4,000 households on PostgreSQL, linear in households). ``coverage_facts`` holds one short
row per household: its roster campaign and closed flag, its recorded 无法入户 (campaign and reason), the
date of its latest final visit, and that visit's review state and visit date. It is brought up to date
before each read from the changes (``changes.seq``) and review events (``review_events.review_seq``)
since the last read, so no write path has to remember it (as the search index, ``search_index.py``).

The pages do not group the facts on each read: ``coverage_counts`` (migration 0015) holds them grouped per
village, for each (campaign start, review cutoff) a page has asked for (``coverage_count_keys``). A key's
counts are grouped from the facts once, then each refresh changes them by the difference between the old and
new facts of the households it re-reads, in the same transaction. Each server process remembers every village's
counted figures; a refresh that changed some facts raises the counts version and names the villages it changed
(migration 0017), so after a push a page re-reads and counts again only those villages' rows.

The figures stay those of the one rule in :mod:`forms.coverage`: the database only groups identical
facts and buckets the dates by the two comparisons the rule makes (a final visit on or after the
campaign's start; a visit date before today minus the review deadline); :func:`forms.coverage.target_state`
and :func:`forms.coverage.review_overdue` are applied to each group, weighted by its size.
"""

from __future__ import annotations

import datetime as _dt
import json
import threading

from forms.coverage import CoverageCounts, CoverageReport, HouseholdFacts, facts_from_fields, review_overdue, summarise_groups
from forms.expressions import local_today
from forms.places import county_of, township_of
from sync.server.storage.batches import household_id_batches

BATCH = 1000
COLUMNS = ("household_id", "village_code", "township_code", "roster_campaign", "roster_closed", "unreachable_campaign",
           "unreachable_reason", "last_final", "review_state", "review_date")


def _facts_rows(tx, household_ids: list[str]) -> list[tuple]:
    marks = ", ".join(["%s"] * len(household_ids))
    rows = tx.q(f"SELECT entity, entity_id, household_id, village_code, fields, updated_seq FROM records "
                f"WHERE household_id IN ({marks})", household_ids)
    houses, latest = {}, {}
    last_final: dict[str, str] = {}
    for row in rows:
        fields = json.loads(row["fields"])
        if row["entity"] == "household":
            houses[row["household_id"]] = (row["village_code"], fields)
            continue
        if fields.get("status") != "final":
            continue
        date = str((fields.get("answers") or {}).get("visit_date") or "")
        last_final[row["household_id"]] = max(last_final.get(row["household_id"], ""), date)
        key = (date, int(row["updated_seq"] or 0))   # the latest final visit, as ReviewStore.counts_by_village
        if row["household_id"] not in latest or key > latest[row["household_id"]][0]:
            latest[row["household_id"]] = (key, row["entity_id"])
    visit_ids = [v[1] for v in latest.values()]
    states: dict[str, str] = {}
    if visit_ids:
        marks = ", ".join(["%s"] * len(visit_ids))
        for event in tx.q(f"SELECT visit_id, action FROM review_events WHERE visit_id IN ({marks}) ORDER BY review_seq",
                          visit_ids):
            states[event["visit_id"]] = event["action"]
    out = []
    for hid, (village, fields) in houses.items():
        f = facts_from_fields(village, fields, last_final.get(hid))
        visit = latest.get(hid)
        state = ("approved" if states.get(visit[1]) == "approved" else "returned" if states.get(visit[1]) == "returned"
                 else "submitted") if visit else ""
        out.append((hid, f.village_code, township_of(f.village_code), f.roster_campaign, int(f.roster_closed),
                    f.unreachable_campaign, f.unreachable_reason, f.last_final_visit, state, visit[0][0] if visit else ""))
    return out


def reindex(tx, household_ids: list[str], counts: bool = True) -> set[str]:
    """Replace the facts of these households by those of their current records and review events.

    With *counts* (always, from schema 15 on) the kept coverage counts change by the difference; returns the
    villages (old and new) of the households whose facts changed, when there are counts to change."""
    keys = [(k["since"], k["cutoff"]) for k in tx.q("SELECT since, cutoff FROM coverage_count_keys")] if counts else []
    villages: set[str] = set()
    for start in range(0, len(household_ids), BATCH):
        chunk = household_ids[start:start + BATCH]
        marks = ", ".join(["%s"] * len(chunk))
        old = [tuple(r[c] for c in COLUMNS) for r in tx.q(
            f"SELECT {', '.join(COLUMNS)} FROM coverage_facts WHERE household_id IN ({marks})", chunk)] if keys else []
        new = _facts_rows(tx, chunk)
        tx.exec(f"DELETE FROM coverage_facts WHERE household_id IN ({marks})", chunk)
        tx.insert_rows("coverage_facts", COLUMNS, new)
        if keys:
            _change_counts(tx, keys, old, new)
            before, after = {f[0]: f for f in old}, {f[0]: f for f in new}
            villages |= {f[1] for hid in before.keys() | after.keys() if before.get(hid) != after.get(hid)
                         for f in (before.get(hid), after.get(hid)) if f}
    return villages


COUNT_COLUMNS = ("village_code", "roster_campaign", "roster_closed", "unreachable_campaign", "unreachable_reason",
                 "in_campaign", "review_state", "old")
COUNT_KEYS_MAX = 8   # (campaign start, cutoff) pairs kept; the cutoff moves once a day


def count_group(fact: tuple, since: str, cutoff: str) -> tuple:
    """The group of ``coverage_counts`` one facts row (in ``COLUMNS`` order) falls in, as _build_counts groups."""
    f = dict(zip(COLUMNS, fact))
    state = str(f["review_state"])
    return (f["village_code"], f["roster_campaign"], int(f["roster_closed"]), f["unreachable_campaign"],
            f["unreachable_reason"], 1 if str(f["last_final"]) >= since else 0, state,
            1 if state != "" and str(f["review_date"]) < cutoff else 0)


def _change_counts(tx, keys: list[tuple[str, str]], old: list[tuple], new: list[tuple]) -> None:
    rows = []
    for since, cutoff in keys:
        delta: dict[tuple, int] = {}
        for fact, step in [(f, -1) for f in old] + [(f, 1) for f in new]:
            group = count_group(fact, since, cutoff)
            delta[group] = delta.get(group, 0) + step
        rows += [(since, cutoff, *group, n) for group, n in delta.items() if n]
    if not rows:
        return
    names = ("since", "cutoff", *COUNT_COLUMNS)
    tx.many(f"INSERT INTO coverage_counts ({', '.join(names)}, n) VALUES ({', '.join(['%s'] * (len(names) + 1))}) "
            f"ON CONFLICT ({', '.join(names)}) DO UPDATE SET n = coverage_counts.n + excluded.n", rows)
    for since, cutoff in keys:   # the groups that reached 0 are among the changed villages' (primary key prefix)
        villages = sorted({r[2] for r in rows if r[0] == since and r[1] == cutoff})
        if villages:
            tx.exec(f"DELETE FROM coverage_counts WHERE since = %s AND cutoff = %s AND village_code IN "
                    f"({', '.join(['%s'] * len(villages))}) AND n = 0", (since, cutoff, *villages))


def _build_counts(storage, since: str, cutoff: str) -> None:
    """Group the facts into ``coverage_counts`` for (since, cutoff), once; the refreshes keep them from then on."""
    with storage._tx() as tx:
        state = tx.one("SELECT seq FROM coverage_facts_state WHERE id = 1" + storage.lock_suffix)   # no refresh meanwhile
        if tx.one("SELECT since FROM coverage_count_keys WHERE since = %s AND cutoff = %s", (since, cutoff)):
            return
        tx.exec("INSERT INTO coverage_counts (since, cutoff, " + ", ".join(COUNT_COLUMNS) + ", n) "
                "SELECT %s, %s, village_code, roster_campaign, roster_closed, unreachable_campaign, unreachable_reason, "
                "CASE WHEN last_final >= %s THEN 1 ELSE 0 END, review_state, "
                "CASE WHEN review_state <> '' AND review_date < %s THEN 1 ELSE 0 END, COUNT(*) FROM coverage_facts "
                "GROUP BY 3, 4, 5, 6, 7, 8, 9, 10", (since, cutoff, since, cutoff))
        tx.exec("INSERT INTO coverage_count_keys (since, cutoff, built_seq) VALUES (%s, %s, %s)",
                (since, cutoff, int(state["seq"])))
        keys = tx.q("SELECT since, cutoff FROM coverage_count_keys ORDER BY built_seq DESC, since DESC, cutoff DESC")
        for k in keys[COUNT_KEYS_MAX:]:
            tx.exec("DELETE FROM coverage_counts WHERE since = %s AND cutoff = %s", (k["since"], k["cutoff"]))
            tx.exec("DELETE FROM coverage_count_keys WHERE since = %s AND cutoff = %s", (k["since"], k["cutoff"]))


def refresh(storage) -> int:
    """Bring the facts up to date with the change log and the review events; returns the households re-read."""
    def tops(tx):
        return (int(tx.one("SELECT value FROM counters WHERE name = 'seq'")["value"]),
                int(tx.one("SELECT value FROM counters WHERE name = 'review_seq'")["value"]))

    with storage._tx(write=False) as tx:   # one statement: every page asks, most often nothing has changed
        state = tx.one("SELECT seq, review_seq, (SELECT value FROM counters WHERE name = 'seq') AS top, "
                       "(SELECT value FROM counters WHERE name = 'review_seq') AS top_review "
                       "FROM coverage_facts_state WHERE id = 1")
        if int(state["seq"]) >= int(state["top"] or 0) and int(state["review_seq"]) >= int(state["top_review"] or 0):
            return 0
    with storage._tx() as tx:
        state = tx.one("SELECT seq, review_seq FROM coverage_facts_state WHERE id = 1" + storage.lock_suffix)
        top, top_review = tops(tx)   # every seq up to them is committed (writers lock the counter rows)
        changed = {r["household_id"] for r in tx.q(
            "SELECT DISTINCT household_id FROM changes WHERE seq > %s AND seq <= %s", (int(state["seq"]), top))}
        changed |= {r["household_id"] for r in tx.q(
            "SELECT DISTINCT household_id FROM review_events WHERE review_seq > %s AND review_seq <= %s",
            (int(state["review_seq"]), top_review))}
        villages = reindex(tx, sorted(changed))
        if villages:   # migration 0017: which villages' counts this refresh changed, under a new counts version
            version = int(tx.one("SELECT version FROM coverage_counts_version WHERE id = 1")["version"]) + 1
            tx.insert_rows("coverage_count_changes", ("version", "village_code"), [(version, v) for v in sorted(villages)])
            tx.exec("UPDATE coverage_counts_version SET version = %s WHERE id = 1", (version,))
            if version % 64 == 0:
                tx.exec("DELETE FROM coverage_count_changes WHERE version <= %s", (version - CHANGES_KEPT,))
        tx.exec("UPDATE coverage_facts_state SET seq = %s, review_seq = %s WHERE id = 1", (top, top_review))
    return len(changed)


def rebuild(tx) -> None:
    """Migration 0012's data step: the facts of every household already on the server."""
    tx.exec("DELETE FROM coverage_facts")
    for ids in household_id_batches(tx, BATCH):
        reindex(tx, ids, counts=False)   # migration 0012: the counts (0015) come later
    tops = [tx.one("SELECT value FROM counters WHERE name = %s", (n,)) for n in ("seq", "review_seq")]
    tx.exec("UPDATE coverage_facts_state SET seq = %s, review_seq = %s WHERE id = 1",
            tuple(int(t["value"]) if t else 0 for t in tops))


def report(storage, campaign: str, since: str, area: str = "", today: _dt.date | None = None,
           deadline_days: int | None = None):
    """The :class:`forms.coverage.CoverageReport` of *campaign* under *area*, from the grouped facts."""
    refresh(storage)
    today = today or local_today()
    cutoff = (today - _dt.timedelta(days=deadline_days)).isoformat() if deadline_days else ""
    with storage._tx(write=False) as tx:
        villages = _village_counts(tx, storage, campaign, since, cutoff, today, deadline_days)
    if villages is None:   # the first page of this (campaign start, cutoff): its counts are grouped from the facts
        _build_counts(storage, since, cutoff)
        with storage._tx(write=False) as tx:
            villages = _village_counts(tx, storage, campaign, since, cutoff, today, deadline_days)
    out = CoverageReport(campaign, since)
    for code, counts in villages.items():
        if code.startswith(area):
            out.villages[code] = counts
            for level, key in ((out.townships, township_of(code)), (out.counties, county_of(code))):
                level.setdefault(key, CoverageCounts(key)).add_counts(counts)
    return out


def _village_counts(tx, storage, campaign: str, since: str, cutoff: str, today: _dt.date,
                    deadline_days: int | None) -> dict | None:
    """Every village's :class:`CoverageCounts`, as this process last read them, brought up to date: after a push
    only the villages the refreshes since then changed (``coverage_count_changes``) are read and counted again.

    Summing all the kept counts and applying the rule to each group cost about 75 ms of database and 95 ms of
    Python at 200,000 households (bench/console.py); one village's rows are a few, read through the primary key.
    None when the counts of (since, cutoff) were never grouped."""
    state = tx.one("SELECT version FROM coverage_counts_version WHERE id = 1")
    key_row = tx.one("SELECT built_seq FROM coverage_count_keys WHERE since = %s AND cutoff = %s", (since, cutoff))
    if key_row is None:
        return None
    version = int(state["version"])
    key = (campaign, since, cutoff, int(key_row["built_seq"]), today, deadline_days)
    with _MEMO_LOCK:
        held = _memo_of(storage).get(key)
    if held is not None and held[0] == version:
        return held[1]
    where, params = "since = %s AND cutoff = %s", [since, cutoff]
    if held is not None and version - CHANGES_KEPT <= held[0] < version:   # the changes since then are all kept
        changed = {r["village_code"] for r in tx.q(
            "SELECT DISTINCT village_code FROM coverage_count_changes WHERE version > %s AND version <= %s",
            (held[0], version))}
        cond, values = storage._in("village_code", sorted(changed) or [""])
        where, params = f"{where} AND {cond}", [*params, *values]
        villages = {code: c for code, c in held[1].items() if code not in changed}
    else:
        villages = {}
    rows = tx.q("SELECT village_code, roster_campaign, roster_closed, unreachable_campaign, unreachable_reason, "
                f"in_campaign, review_state, old, n FROM coverage_counts WHERE {where}", params)
    villages.update(_counted(rows, campaign, since, today, deadline_days).villages)
    with _MEMO_LOCK:
        memo = _memo_of(storage)
        if key not in memo or memo[key][0] <= version:
            memo[key] = (version, villages)
        while len(memo) > _MEMO_MAX:
            memo.pop(next(iter(memo)))
    return villages


def _counted(rows: list[dict], campaign: str, since: str, today: _dt.date, deadline_days: int | None) -> CoverageReport:
    """The rule (:func:`forms.coverage.summarise_groups`) applied to kept count rows, each group weighted by its size."""
    groups: dict[tuple, int] = {}
    reviews: dict[str, dict[str, int]] = {}
    # a representative date on the same side of the cutoff: the rule decides, the database only sorted
    before = (today - _dt.timedelta(days=(deadline_days or 0) + 1)).isoformat()
    for g in rows:
        n = int(g["n"])
        facts = (g["village_code"], g["roster_campaign"], bool(g["roster_closed"]), g["in_campaign"],
                 g["unreachable_campaign"], g["unreachable_reason"])
        groups[facts] = groups.get(facts, 0) + n
        if g["review_state"] == "":
            continue
        counts = reviews.setdefault(g["village_code"], {"submitted": 0, "approved": 0, "returned": 0, "overdue": 0})
        counts[g["review_state"]] += n
        if review_overdue(g["review_state"], before if g["old"] else today.isoformat(), today, deadline_days):
            counts["overdue"] += n
    facts = ((HouseholdFacts(v, rc, closed, since if in_campaign else "", uc, ur), n)
             for (v, rc, closed, in_campaign, uc, ur), n in groups.items())
    return summarise_groups(facts, campaign, since, reviews)


def village_facts(storage, village_code: str) -> list[tuple[str, HouseholdFacts]]:
    """(household id, facts) of each household of one village, from the facts brought up to date: the village
    page's list reads the village's rows of ``coverage_facts`` (indexed), not its township's records."""
    refresh(storage)
    with storage._tx(write=False) as tx:
        rows = tx.q("SELECT household_id, village_code, roster_campaign, roster_closed, unreachable_campaign, "
                    "unreachable_reason, last_final FROM coverage_facts WHERE village_code = %s", (village_code,))
    return [(r["household_id"], HouseholdFacts(r["village_code"], r["roster_campaign"], bool(r["roster_closed"]),
                                               r["last_final"], r["unreachable_campaign"], r["unreachable_reason"]))
            for r in rows]


_MEMO_MAX = 16
_MEMO_LOCK = threading.Lock()   # the app serves requests from several threads
CHANGES_KEPT = 4096   # counts versions whose changed villages are kept (a process further behind reads all counts)


def _memo_of(storage) -> dict:
    """Every village's counts this process last read from *storage*, by (campaign, since, cutoff, the counts' build,
    today, deadline): ``(counts version, {village: CoverageCounts})``. Those objects are never changed once held."""
    memo = getattr(storage, "_coverage_villages_memo", None)
    if memo is None:
        memo = storage._coverage_villages_memo = {}
    return memo


def _groups(tx, since: str, area: str, cutoff: str) -> tuple[list[dict], list[dict]]:
    """The facts grouped from scratch, one row read per household (the counts' reference, and their first build)."""
    groups = tx.q("SELECT village_code, roster_campaign, roster_closed, unreachable_campaign, unreachable_reason, "
                  "CASE WHEN last_final >= %s THEN 1 ELSE 0 END AS in_campaign, COUNT(*) AS n FROM coverage_facts "
                  "WHERE village_code LIKE %s GROUP BY 1, 2, 3, 4, 5, 6", (since, area + "%"))
    review_groups = tx.q("SELECT village_code, review_state, CASE WHEN review_date < %s THEN 1 ELSE 0 END AS old, "
                         "COUNT(*) AS n FROM coverage_facts WHERE review_state <> '' AND village_code LIKE %s "
                         "GROUP BY 1, 2, 3", (cutoff, area + "%"))
    return groups, review_groups
