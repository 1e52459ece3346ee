"""Desktop app start-up: process start → unlock screen shown, unlock → household list filled, peak memory.

Each figure is measured in fresh processes (offscreen Qt), against a bare PySide6 window started
the same way in the same run:

    .venv/bin/python bench/app_start.py            # 100,000 households
    .venv/bin/python bench/app_start.py --quick    # 3,000 households, 3 runs (< 30 s including the build)

The vault with N demo households is built once and kept in bench/out/ (git-ignored).
Targets: unlock screen ≤ 1.5 s; list filled ≤ 1 s after unlock; peak memory ≤ 300 MB.
Ends with one ``RESULT key=value ...`` line. Nothing here runs as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSPHRASE = "benchmark-passphrase"
USER = "bench"

# Child programs. Each gets the parent's wall-clock time just before it was started (argv[1]).
BARE = r"""
import sys, time
t0 = float(sys.argv[1])
def peak_kb():
    # VmHWM belongs to this process image; ru_maxrss would inherit the parent's peak across fork.
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication([])
w = QMainWindow(); w.setCentralWidget(QLabel("四个摸清")); w.resize(1366, 768)
class Painted(QObject):
    done = False
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Paint and not self.done:
            self.done = True
            QTimer.singleShot(0, finish)
        return False
def finish():
    shown = time.time() - t0
    print("BENCH", {"shown_s": shown, "peak_kb": peak_kb()})
    app.quit()
f = Painted(); w.centralWidget().installEventFilter(f)
w.show()
app.exec()
"""

APP = r"""
import sys, time
t0 = float(sys.argv[1]); data_dir = sys.argv[2]; passphrase = sys.argv[3]
def peak_kb():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
from PySide6.QtCore import QEvent, QObject, QTimer
from fieldapp.ui.main import build_window, make_app
app = make_app()
w = build_window(data_dir)
out = {}
class Painted(QObject):
    done = False
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Paint and not self.done:
            self.done = True
            QTimer.singleShot(0, shown)
        return False
def shown():
    out["shown_s"] = time.time() - t0
def ready():
    out["ready_s"] = time.time() - t0
    out["rss_unlock_screen_kb"] = peak_kb()
    t = time.perf_counter()
    w.services.unlock(w.unlock_page.user.currentText(), passphrase)
    out["unlock_s"] = time.perf_counter() - t
    out["t_unlocked"] = time.perf_counter()
    w._after_unlock(w.unlock_page.user.currentText())
def loaded(n):
    app.processEvents()  # the table paints its first page
    w.list_page.table.viewport().repaint()
    out["list_fill_s"] = time.perf_counter() - out.pop("t_unlocked")
    out["rows"] = n
    # Search and a filter over all rows, as a user would right after.
    t = time.perf_counter(); w.list_page.proxy.sort(0); out["sort_s"] = time.perf_counter() - t
    out["peak_kb"] = peak_kb()
    print("BENCH", out)
    w.runner.wait(); w.services.lock(); app.quit()
w.households_loaded.connect(loaded)
w.unlock_ready.connect(lambda: QTimer.singleShot(0, ready))
f = Painted(); w.unlock_page.installEventFilter(f)
w.show()
app.exec()
"""


def build_vault(n: int) -> Path:
    """A vault with ``n`` demo households (built once, kept in bench/out/)."""
    from fieldapp import demo
    from fieldapp.vault import Vault

    folder = ROOT / "bench" / "out" / f"app_start-{n}"
    marker = folder / "complete.json"
    if marker.exists():
        return folder
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    print(f"building a vault with {n:,} demo households (once)…", file=sys.stderr, flush=True)
    t = time.perf_counter()
    vault = Vault.create(folder, USER, PASSPHRASE, None)
    vault.save_visits(demo.generate(n, seed=7), batch_size=1000)
    vault.lock()
    marker.write_text(json.dumps({"households": n, "build_s": round(time.perf_counter() - t, 1)}))
    return folder


def run_child(code: str, *args: str) -> dict:
    """Start a fresh interpreter running ``code``; return what it printed after BENCH."""
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-c", code, repr(t0), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            import ast

            return ast.literal_eval(line[6:])
    raise RuntimeError(f"child failed: {proc.stderr[-2000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="3,000 households and 3 runs each")
    ap.add_argument("--households", type=int, default=None)
    ap.add_argument("--runs", type=int, default=None)
    args = ap.parse_args()
    n = args.households or (3_000 if args.quick else 100_000)
    runs = args.runs or (3 if args.quick else 5)
    folder = build_vault(n)

    bare, app = [], []
    for _ in range(runs):  # interleaved so both see the same machine load
        bare.append(run_child(BARE))
        app.append(run_child(APP, str(folder), PASSPHRASE))

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    bare_shown, app_shown = med(bare, "shown_s"), med(app, "shown_s")
    fill, unlock = med(app, "list_fill_s"), med(app, "unlock_s")
    ready = med(app, "ready_s")
    bare_mb, app_mb = med(bare, "peak_kb") / 1024, med(app, "peak_kb") / 1024
    screen_mb = med(app, "rss_unlock_screen_kb") / 1024
    print(f"households: {n:,}   runs: {runs} (medians; fresh process each, QT_QPA_PLATFORM=offscreen)")
    print(f"bare PySide6 window shown      {bare_shown:7.3f} s   peak {bare_mb:6.1f} MB")
    print(f"fieldapp unlock screen shown   {app_shown:7.3f} s   ({app_shown / bare_shown:.2f}× bare; target ≤ 1.5 s)"
          f"   RSS {screen_mb:6.1f} MB")
    print(f"  … with the user list filled  {ready:7.3f} s")
    print(f"unlock (Argon2id key unwrap)   {unlock:7.3f} s")
    print(f"list filled after unlock       {fill:7.3f} s   (target ≤ 1 s)   sort by name {med(app, 'sort_s'):.3f} s")
    print(f"peak memory, list loaded       {app_mb:7.1f} MB  ({app_mb / bare_mb:.2f}× bare; target ≤ 300 MB)")
    ok = ready <= 1.5 and fill <= 1.0 and app_mb <= 300
    print(f"RESULT households={n} runs={runs} bare_shown_s={bare_shown:.3f} unlock_screen_s={app_shown:.3f} "
          f"start_ratio={app_shown / bare_shown:.2f} users_listed_s={ready:.3f} unlock_kdf_s={unlock:.3f} list_fill_s={fill:.3f} "
          f"sort_s={med(app, 'sort_s'):.3f} bare_peak_mb={bare_mb:.1f} peak_mb={app_mb:.1f} "
          f"mem_ratio={app_mb / bare_mb:.2f} targets_met={'yes' if ok else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
