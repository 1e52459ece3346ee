"""Review (审核) on the server's storage: the queue with suggestions and problems, and bulk approval.

A township office opens its queue (each visit validated and assessed against the published
reference data) and approves the filtered list in one call. Measures, on SQLite (and on
PostgreSQL with --postgres, started like the tests do): the queue per visit with and without
details, one bulk approval of N visits against N single approvals, and the review pull.
Prints medians and ratios, and one final RESULT line.

    .venv/bin/python bench/review.py            # 1,000 visits
    .venv/bin/python bench/review.py --quick    # 200 visits (< 30 s)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sync import make_visits  # noqa: E402
from sync.server import review  # noqa: E402
from sync.server.admin import add_area  # noqa: E402
from sync.server.storage import Scope, open_storage  # noqa: E402
from tests.sync.test_review_e2e import REFERENCE  # noqa: E402

TOWNSHIP, VILLAGE = "110105001", "110105001001"
NOW = "2026-05-12T08:00:00+00:00"


def _storage(url: str, count: int):
    storage = open_storage(url)
    storage.migrate()
    add_area(storage, "110105", "县")
    add_area(storage, TOWNSHIP, "镇")
    add_area(storage, VILLAGE, "村", "rural")
    reference = dict(REFERENCE, dibao_standards=[dict(s, county_code="110105") for s in REFERENCE["dibao_standards"]],
                     areas=[])
    storage.publish_document("reference", "bench", reference, NOW)
    changes = make_visits(count)
    for start in range(0, count, 1000):
        storage.push(Scope("visitor", TOWNSHIP, (VILLAGE,)), "bench-device", changes[start:start + 1000], NOW)
    return storage, [c["entity_id"] for c in changes]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(url: str, count: int, label: str) -> dict:
    office = review.Reviewer(Scope("office", TOWNSHIP), "bench-office", "office", "审核员")
    storage, ids = _storage(url, count)
    detail = statistics.median(_timed(lambda: review.queue(storage, office, limit=count)) for _ in range(3))
    bare = statistics.median(_timed(lambda: review.queue(storage, office, limit=count, details=False)) for _ in range(3))
    half = count // 2
    bulk = _timed(lambda: review.approve(storage, office, ids[:half], now=NOW))
    single = _timed(lambda: [review.approve(storage, office, [v], now=NOW) for v in ids[half:]])
    pulled = _timed(lambda: storage.reviews.since(Scope("visitor", TOWNSHIP, (VILLAGE,)), 0, 5000))
    assert len(storage.reviews.since(Scope("office", TOWNSHIP), 0, 5000)["events"]) == count
    storage.close()
    out = {"queue_detail_ms_per_visit": 1000 * detail / count, "queue_bare_ms_per_visit": 1000 * bare / count,
           "bulk_ms_per_visit": 1000 * bulk / half, "single_ms_per_visit": 1000 * single / (count - half),
           "pull_ms": 1000 * pulled}
    print(f"{label}: queue with suggestions/problems {out['queue_detail_ms_per_visit']:.2f} ms/visit, "
          f"without {out['queue_bare_ms_per_visit']:.3f} ms/visit; bulk approval {out['bulk_ms_per_visit']:.3f} "
          f"ms/visit vs one call each {out['single_ms_per_visit']:.2f} ms/visit "
          f"({out['single_ms_per_visit'] / out['bulk_ms_per_visit']:.0f}×); pull of {count} events {out['pull_ms']:.0f} ms")
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the RESULT line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 visits")
    ap.add_argument("--postgres", action="store_true", help="also on a throw-away PostgreSQL")
    args = ap.parse_args(argv)
    count = 200 if args.quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        results = {"sqlite": run(f"sqlite:///{tmp}/bench.db", count, "sqlite")}
        if args.postgres:
            from tests.sync.pg import TempPostgres

            pg = TempPostgres().start()
            try:
                results["postgres"] = run(pg.create_database(), count, "postgres")
            finally:
                pg.stop()
    s = results["sqlite"]
    print(f"RESULT visits={count} queue_detail_ms_per_visit={s['queue_detail_ms_per_visit']:.2f} "
          f"bulk_ms_per_visit={s['bulk_ms_per_visit']:.3f} single_ms_per_visit={s['single_ms_per_visit']:.2f} "
          f"bulk_speedup={s['single_ms_per_visit'] / s['bulk_ms_per_visit']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
