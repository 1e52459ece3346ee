"""The coverage report after a push reads only the villages the push changed (migration 0017): a server process
that remembered every village's counts re-reads those named in ``coverage_count_changes`` since then. Its answers
stay the rule over every record, whichever process wrote, after moves between villages and reviews, and when
it fell further behind than the changes kept; on both backends."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from sync.server.roster_import import coverage
from sync.server.storage import coverage_facts, open_storage
from tests.sync.test_coverage_facts import ADMIN, CAMPAIGN, COUNTY, NOW, SINCE, VILLAGES, by_the_records, change, generate
from tests.sync.test_coverage_facts import storage  # noqa: F401  (the fixture: both backends)

TODAY = dt.date(2026, 7, 1)


@pytest.fixture
def second(storage, tmp_path):  # noqa: F811
    """Another server process's storage over the same database (its own remembered counts)."""
    other = open_storage(f"sqlite:///{tmp_path}/server.db" if storage.backend == "sqlite" else storage.url)
    yield other
    other.close()


def households(storage, before="2026-06-30"):  # noqa: F811
    """The households, those whose latest final visit (if any) is before *before*: a visit then changes their facts."""
    with storage._tx(write=False) as tx:
        return tx.q("SELECT r.household_id, r.village_code, r.revision FROM records r JOIN coverage_facts f ON "
                    "f.household_id = r.household_id WHERE r.entity = 'household' AND f.last_final < %s "
                    "ORDER BY r.household_id", (before,))


def visit(storage, h, date="2026-06-30"):  # noqa: F811
    vid = str(uuid.uuid4())
    storage.push(ADMIN, "laptop", [change("visit", vid, h["household_id"], h["village_code"], {
        "household_id": h["household_id"], "form_id": "four_clarifications", "form_version": 1, "status": "final",
        "answers": {"visit_date": date}})], NOW)
    return vid


def same(storage, area=""):  # noqa: F811
    got = coverage(storage, CAMPAIGN, area, TODAY)
    want = by_the_records(storage, area, TODAY, 30)
    return {k: got[k] for k in want} == want


def as_if_fresh(reader, tmp_path, storage, area=""):  # noqa: F811
    """*reader*'s report equals that of a new server process over the same database (nothing remembered)."""
    fresh = open_storage(f"sqlite:///{tmp_path}/server.db" if storage.backend == "sqlite" else storage.url)
    try:
        return coverage(reader, CAMPAIGN, area, TODAY) == coverage(fresh, CAMPAIGN, area, TODAY)
    finally:
        fresh.close()


def villages_held(storage):  # noqa: F811
    (version, held), = coverage_facts._memo_of(storage).values()
    return version, held


def test_after_a_push_only_its_village_is_counted_again_and_the_answers_stay_the_rule(storage, second, tmp_path):  # noqa: F811
    rng = random.Random(17)
    generate(storage, rng, 40)
    storage.publish_document("reference", "reference", {"review_deadline_days": 30}, NOW)
    assert same(second)
    version, before = villages_held(second)
    h = next(h for h in households(storage) if h["village_code"] == VILLAGES[0])
    vid = visit(storage, h)                                   # written by the other process
    assert same(second) and same(second, VILLAGES[0][:9]) and same(second, VILLAGES[0])
    later, after = villages_held(second)
    assert later == version + 1
    assert after[VILLAGES[0]] is not before[VILLAGES[0]]       # counted again
    assert all(after[v] is before[v] for v in before if v != VILLAGES[0])   # the others as remembered

    moving = next(h for h in households(storage) if h["village_code"] == VILLAGES[1])
    storage.push(ADMIN, "laptop", [change("household", moving["household_id"], moving["household_id"], VILLAGES[1],
                                          {"village_code": VILLAGES[4]}, moving["revision"])], NOW)
    # (the rule over the records counts a moved household's earlier visit's review in the visit's own village,
    # the facts in the household's: so after a move the reference is a process that remembered nothing)
    assert as_if_fresh(second, tmp_path, storage) and as_if_fresh(storage, tmp_path, storage)
    with storage._tx(write=False) as tx:
        moved = tx.one("SELECT village_code FROM coverage_facts WHERE household_id = %s", (moving["household_id"],))
        named = {r["village_code"] for r in tx.q("SELECT village_code FROM coverage_count_changes WHERE version = %s",
                                                  (later + 1,))}
    assert moved["village_code"] == VILLAGES[4] and named == {VILLAGES[1], VILLAGES[4]}   # left one village, joined another
    _, moved_after = villages_held(second)
    assert all(moved_after[v] is after[v] for v in after if v not in (VILLAGES[1], VILLAGES[4]))

    storage.reviews.record(ADMIN, [{"visit_id": vid, "action": "approved", "comment": ""}], "r", "county", "审核员", NOW,
                           skip_not_pending=True)
    assert as_if_fresh(second, tmp_path, storage) and as_if_fresh(second, tmp_path, storage, VILLAGES[0])
    assert coverage(second, CAMPAIGN, VILLAGES[0], TODAY)["villages"][0]["reviews"]["approved"] >= 1


def test_a_process_further_behind_than_the_changes_kept_counts_everything_again(storage, second, monkeypatch):  # noqa: F811
    monkeypatch.setattr(coverage_facts, "CHANGES_KEPT", 3)
    rng = random.Random(18)
    generate(storage, rng, 30)
    storage.publish_document("reference", "reference", {"review_deadline_days": 30}, NOW)
    assert same(second)
    version, before = villages_held(second)
    for h in households(storage)[:8]:
        visit(storage, h)
        coverage_facts.refresh(storage)                      # one counts version per push
    assert same(second) and same(second, f"{COUNTY}002")
    later, after = villages_held(second)
    assert later == version + 8 and all(after[v] is not before[v] for v in before)   # every village read again
    with storage._tx(write=False) as tx:
        kept = {int(r["version"]) for r in tx.q("SELECT version FROM coverage_count_changes")}
    assert max(kept) == later
