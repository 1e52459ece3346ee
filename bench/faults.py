"""Power loss, counted: SIGKILL a laptop process at random moments while it syncs, exports USB bundles and
autosaves drafts; after every kill the vault is checked (integrity, audit chain, nothing acknowledged lost,
nothing stored twice on the server). The checks are the ones of tests/field/test_kills.py.

Baseline in the same run: the same worker rounds timed without any check, so the ratio shows what the
checks after each kill cost. Prints counts and medians, then one RESULT line.

    .venv/bin/python bench/faults.py            # 500 kills of each kind
    .venv/bin/python bench/faults.py --quick    # 40 kills of each kind (< 30 s)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.field.killkit import kill_round  # noqa: E402
from tests.field.test_kills import (enrolled_vault, run_draft_kills, run_export_kills, run_sync_kills,  # noqa: E402
                                    sync_worker)
from tests.sync.conftest import RunningServer, seed_areas  # noqa: E402
from sync.server.storage import open_storage  # noqa: E402



def county(tmp: Path) -> RunningServer:
    storage = open_storage(f"sqlite:///{tmp}/server.db")
    storage.migrate()
    seed_areas(storage)
    return RunningServer(storage).start()


def timed(fn, *args) -> tuple[dict, float]:
    started = time.monotonic()
    out = fn(*args)
    return out, time.monotonic() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 kills of each kind (< 30 s)")
    parser.add_argument("--kills", type=int, help="kills of each kind (default 500; 40 with --quick)")
    args = parser.parse_args(argv)
    kills = args.kills or (40 if args.quick else 500)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        server = county(tmp)
        try:
            # baseline: bare kill rounds of the sync worker, no checks in between
            enrolled_vault(server, tmp / "base")
            rng = random.Random(1)
            bare = []
            for _ in range(max(10, kills // 10)):
                t0 = time.monotonic()
                kill_round(sync_worker(tmp / "base"), rng, 0.01, 0.3)
                bare.append(time.monotonic() - t0)
            (tmp / "s").mkdir()
            (tmp / "e").mkdir()
            (tmp / "d").mkdir()
            results["sync"] = timed(run_sync_kills, server, tmp / "s", kills, 11)
            results["export"] = timed(run_export_kills, server, tmp / "e", kills, 12)
            results["draft"] = timed(run_draft_kills, tmp / "d", kills, 13)
        finally:
            server.stop()
            server.storage.close()
    base = statistics.median(bare)
    for name, (stats, seconds) in results.items():
        print(f"{name:7s} {seconds:7.1f} s  {seconds / kills * 1000:6.0f} ms/kill  " +
              "  ".join(f"{k}={v}" for k, v in stats.items()))
    print(f"baseline: a bare sync kill round without checks {base * 1000:.0f} ms (median); "
          f"with checks {results['sync'][1] / kills / base:.1f}x")
    s, e, d = results["sync"][0], results["export"][0], results["draft"][0]
    print(f"RESULT kills_each={kills} sync_mid_sync={s['mid_sync']} sync_saves={s['saves_acknowledged']} "
          f"export_mid_export={e['mid_export']} export_files={e['bundle_files']} export_saves={e['saves_acknowledged']} "
          f"draft_autosaves={d['autosaves_acknowledged']} lost=0 doubled=0 "
          f"ms_per_sync_kill={results['sync'][1] / kills * 1000:.0f} base_round_ms={base * 1000:.0f} "
          f"ratio_checked_vs_bare={results['sync'][1] / kills / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
