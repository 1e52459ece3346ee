"""Load: 100 simulated laptops syncing concurrently against ONE server process on PostgreSQL.

Baseline in the same run: one laptop alone against the same server set-up. Reports full-sync
throughput, latency (median, p99) and the ratio to the lone laptop, and checks that nothing
was lost, doubled or changed (every change stored once, every household as its laptop left it).

    .venv/bin/python bench/load.py            # 100 laptops for 180 s (a few minutes)
    .venv/bin/python bench/load.py --quick    # 100 laptops for 10 s (< 30 s with start-up)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.field.loadkit import run_load  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 s of load (< 30 s in all)")
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--seconds", type=float, help="load duration (default 180; 10 with --quick)")
    parser.add_argument("--processes", type=int, default=4, help="client processes the laptops are spread over")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL server URL prefix .../ (default: start one)")
    args = parser.parse_args(argv)
    seconds = args.seconds or (10.0 if args.quick else 180.0)
    from tests.sync.pg import TempPostgres

    pg = TempPostgres().start()
    try:
        base = run_load(pg.create_database("load_base"), 1, 2.0 if args.quick else 20.0, processes=1)
        load = run_load(pg.create_database("load"), args.devices, seconds, processes=args.processes)
    finally:
        pg.stop()
    print(f"baseline: 1 laptop alone   {base.syncs_per_s:7.1f} syncs/s  median {base.p50 * 1000:7.1f} ms  "
          f"p99 {base.p99 * 1000:7.1f} ms")
    print(f"load: {load.devices} laptops {load.seconds:5.0f} s  {load.syncs_per_s:7.1f} syncs/s  "
          f"{load.changes_per_s:7.1f} changes/s  median {load.p50 * 1000:7.1f} ms  p99 {load.p99 * 1000:7.1f} ms")
    print(f"ratios: throughput {load.syncs_per_s / base.syncs_per_s:.1f}x the lone laptop; "
          f"p99 under load {load.p99 / base.p50:.1f}x the lone laptop's median")
    print(f"errors {len(load.errors)}  lost {load.lost}  doubled {load.doubled}  wrong values {load.wrong_values}  "
          f"unsent {load.left_unsent}")
    for line in load.errors[:5]:
        print("  error:", line)
    ok = not (load.errors or load.lost or load.doubled or load.wrong_values or load.left_unsent)
    print(f"RESULT devices={load.devices} seconds={load.seconds:.0f} syncs={load.syncs} changes={load.changes} "
          f"syncs_per_s={load.syncs_per_s:.1f} changes_per_s={load.changes_per_s:.1f} p50_ms={load.p50 * 1000:.0f} "
          f"p99_ms={load.p99 * 1000:.0f} base_p50_ms={base.p50 * 1000:.0f} base_syncs_per_s={base.syncs_per_s:.1f} "
          f"ratio_p99_vs_base_p50={load.p99 / base.p50:.1f} errors={len(load.errors)} lost={load.lost} "
          f"doubled={load.doubled} wrong={load.wrong_values} clean={'yes' if ok else 'no'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
