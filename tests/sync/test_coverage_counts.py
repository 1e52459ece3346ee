"""The per-village coverage counts (migration 0015) equal a grouping of the facts from scratch, and the coverage
report read from them equals the rule over every record, after random pushes, visits, closures, 无法入户,
reviews and roster imports, on both backends."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from forms.coverage import REASONS
from forms.idnumber import check_char
from sync.server.console.store import ConsoleStore
from sync.server.roster_import import coverage, import_roster
from sync.server.storage import coverage_facts
from tests.sync.test_coverage_facts import ADMIN, CAMPAIGN, COUNTY, NOW, SINCE, VILLAGES, by_the_records, change, generate
from tests.sync.test_coverage_facts import storage  # noqa: F401  (the fixture: both backends)

TODAY = dt.date(2026, 7, 1)


def kept_counts(storage) -> dict[tuple, int]:
    with storage._tx(write=False) as tx:
        rows = tx.q("SELECT since, cutoff, " + ", ".join(coverage_facts.COUNT_COLUMNS) + ", n FROM coverage_counts")
    return {tuple(r[c] for c in ("since", "cutoff", *coverage_facts.COUNT_COLUMNS)): int(r["n"]) for r in rows}


def counts_from_scratch(storage) -> dict[tuple, int]:
    """The facts re-read from the records, grouped per key in Python: what the kept counts must be."""
    with storage._tx(write=False) as tx:
        keys = [(k["since"], k["cutoff"]) for k in tx.q("SELECT since, cutoff FROM coverage_count_keys")]
        ids = [r["household_id"] for r in tx.q("SELECT household_id FROM records WHERE entity = 'household'")]
        facts = coverage_facts._facts_rows(tx, ids) if ids else []
        stored = sorted(tuple(r[c] for c in coverage_facts.COLUMNS) for r in tx.q(
            "SELECT " + ", ".join(coverage_facts.COLUMNS) + " FROM coverage_facts"))
    assert stored == sorted(facts)   # the facts themselves are those of the current records
    out: dict[tuple, int] = {}
    for since, cutoff in keys:
        for fact in facts:
            key = (since, cutoff, *coverage_facts.count_group(fact, since, cutoff))
            out[key] = out.get(key, 0) + 1
    return out


def _household(storage, rng):
    with storage._tx(write=False) as tx:
        rows = tx.q("SELECT household_id, village_code, revision FROM records WHERE entity = 'household' "
                    "ORDER BY household_id")
    return rng.choice(rows)


def _roster_import(storage, rng, tmp_path, step):
    """A CSV roster of a few heads (some new, some already imported), imported for the campaign."""
    lines = ["户主姓名,户主身份证号,村（社区）代码"]
    for k in range(rng.randint(1, 4)):
        first17 = f"{COUNTY}1960{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 30):03d}"
        lines.append(f"{rng.choice('王李张刘陈')}{rng.choice('建国秀英德明')},{first17 + check_char(first17)},"
                     f"{rng.choice(VILLAGES)}")
    path = tmp_path / f"roster{step}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_roster(storage, path, campaign=CAMPAIGN, start=SINCE, close_missing=rng.random() < 0.3, now=NOW)


def _step(storage, rng, visits, tmp_path, step):
    what = rng.choice(("new", "visit", "visit", "close", "unreachable", "review", "review", "roster"))
    if what == "new":
        visits += generate(storage, rng, rng.randint(1, 3))
    elif what == "visit":
        h = _household(storage, rng)
        vid = str(uuid.uuid4())
        date = (dt.date(2026, 3, 1) + dt.timedelta(days=rng.randrange(120))).isoformat()
        status = rng.choice(("final", "final", "draft"))
        storage.push(ADMIN, "laptop", [change("visit", vid, h["household_id"], h["village_code"], {
            "household_id": h["household_id"], "form_id": "four_clarifications", "form_version": 1, "status": status,
            "answers": {"visit_date": date}})], NOW)
        if status == "final":
            visits.append(vid)
    elif what in ("close", "unreachable"):
        h = _household(storage, rng)
        fields = ({"roster": {"campaign": CAMPAIGN, "since": SINCE, "key": h["household_id"], "closed": rng.random() < 0.7}}
                  if what == "close" else
                  {"target_status": {"campaign": CAMPAIGN, "state": "unreachable", "reason": rng.choice(REASONS),
                                     "note": "无人", "visitors": ["王协理"], "by": "王协理", "at": NOW}})
        storage.push(ADMIN, "laptop", [change("household", h["household_id"], h["household_id"], h["village_code"],
                                              fields, h["revision"])], NOW)
    elif what == "review" and visits:
        picked = rng.sample(visits, min(len(visits), rng.randint(1, 4)))
        action = rng.choice(("approved", "approved", "returned"))
        storage.reviews.record(ADMIN, [{"visit_id": v, "action": action, "comment": "请核实" if action == "returned" else ""}
                                       for v in picked], "r", "county", "审核员", NOW, skip_not_pending=True)
    elif what == "roster":
        _roster_import(storage, rng, tmp_path, step)
    return what


@pytest.mark.parametrize("seed", [1601, 1602])
def test_kept_counts_equal_a_grouping_from_scratch_after_random_changes(storage, tmp_path, seed):  # noqa: F811
    rng = random.Random(seed)
    visits = generate(storage, rng, 25)
    storage.publish_document("reference", "reference", {"review_deadline_days": 30}, NOW)
    assert coverage(storage, CAMPAIGN, "", TODAY)["counties"] == by_the_records(storage, "", TODAY, 30)["counties"]
    coverage_facts.report(storage, CAMPAIGN, SINCE, "", TODAY, None)   # a second key: no review deadline
    done = set()
    for step in range(30):
        done.add(_step(storage, rng, visits, tmp_path, step))
        area = rng.choice(("", f"{COUNTY}001", f"{COUNTY}002", rng.choice(VILLAGES)))
        got = coverage(storage, CAMPAIGN, area, TODAY)
        want = by_the_records(storage, area, TODAY, 30)
        assert {k: got[k] for k in want} == want, (step, area)
        kept = kept_counts(storage)
        assert kept == counts_from_scratch(storage), step
        assert {k[1] for k in kept} == {"", (TODAY - dt.timedelta(days=30)).isoformat()}   # both keys kept
        ConsoleStore(storage).refresh_search()
        with storage._tx(write=False) as tx:   # the search's gram counts (0015) likewise
            kept_grams = {(r["gram"], r["township_code"]): int(r["n"]) for r in tx.q(
                "SELECT gram, township_code, n FROM console_search_gram_counts")}
            scratch = {(r["gram"], r["township_code"]): int(r["n"]) for r in tx.q(
                "SELECT gram, township_code, COUNT(*) AS n FROM console_search_gram GROUP BY gram, township_code")}
        assert kept_grams == scratch and scratch, step
    assert {"new", "visit", "close", "unreachable", "review", "roster"} <= done


def test_counts_are_built_once_per_key_and_the_oldest_keys_dropped(storage):  # noqa: F811
    generate(storage, random.Random(5), 10)
    for day in range(coverage_facts.COUNT_KEYS_MAX + 3):
        coverage_facts.report(storage, CAMPAIGN, SINCE, "", TODAY + dt.timedelta(days=day), 30)
    with storage._tx(write=False) as tx:
        keys = tx.q("SELECT cutoff FROM coverage_count_keys")
        orphans = tx.one("SELECT COUNT(*) AS n FROM coverage_counts WHERE cutoff NOT IN "
                         "(SELECT cutoff FROM coverage_count_keys)")["n"]
    assert len(keys) == coverage_facts.COUNT_KEYS_MAX and orphans == 0
    newest = (TODAY + dt.timedelta(days=coverage_facts.COUNT_KEYS_MAX + 2 - 30)).isoformat()
    assert newest in {k["cutoff"] for k in keys}
    assert kept_counts(storage) == counts_from_scratch(storage)


def test_migration_15_counts_the_grams_of_a_server_already_indexed(storage):  # noqa: F811
    """A server at schema 14 with households indexed: 0015's script counts their grams; the search then answers."""
    from importlib import resources

    generate(storage, random.Random(15), 30)
    store = ConsoleStore(storage)
    store.refresh_search()
    script = next(f for f in (resources.files("sync.server.storage") / "migrations" / storage.backend).iterdir()
                  if f.name.startswith("0015_")).read_text(encoding="utf-8")
    with storage._tx() as tx:   # as schema 14 left it, then 0015's script
        for table in ("coverage_counts", "coverage_count_keys", "console_search_gram_counts"):
            tx.exec(f"DROP TABLE {table}")
        storage._run_script(tx, script)
    with storage._tx(write=False) as tx:
        kept = {(r["gram"], r["township_code"]): int(r["n"]) for r in tx.q(
            "SELECT gram, township_code, n FROM console_search_gram_counts")}
        scratch = {(r["gram"], r["township_code"]): int(r["n"]) for r in tx.q(
            "SELECT gram, township_code, COUNT(*) AS n FROM console_search_gram GROUP BY gram, township_code")}
    assert kept == scratch and len(kept) > 30
    assert [h["household_id"] for h in store.search_households(ADMIN, "第12号")] == sorted(
        r["entity_id"] for r in storage.records(ADMIN) if r["entity"] == "household" and "第12号" in r["fields"]["address"])
