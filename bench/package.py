"""The desktop package: its size, and start-up of the installed app against the development install.

    .venv/bin/python bench/package.py --deb build/package/fieldapp_0.1.0_amd64.deb           # 5 runs each
    .venv/bin/python bench/package.py --deb build/package/fieldapp_0.1.0_amd64.deb --quick   # 2 runs each

The .deb is unpacked (dpkg-deb -x) into bench/out/package/ and started from /opt/fieldapp there;
the development install is ``.venv/bin/fieldapp``. Both open the same vault (made once with the
development install), offscreen, in fresh processes, one after the other; the figure is the wall
clock from starting the process to the unlock screen being shown (``FIELDAPP_REPORT_STARTUP``).
The first run of each is reported apart ("first") from the median of the rest. The page cache is
not dropped (that would slow every other process on the machine). Ends with one RESULT line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "package"


def _start_to_unlock(argv: list[str], data_dir: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FIELDAPP_REPORT_STARTUP="1")
    started = time.perf_counter()
    proc = subprocess.Popen([*argv, "--data-dir", str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    try:
        for line in proc.stdout:
            if line.startswith("STARTUP"):
                return time.perf_counter() - started
        raise RuntimeError(f"{argv[0]} ended without showing the unlock screen")
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deb", required=True, help="the built package (./scripts/package)")
    ap.add_argument("--quick", action="store_true", help="2 runs each")
    ap.add_argument("--runs", type=int)
    args = ap.parse_args()
    runs = args.runs or (2 if args.quick else 5)
    deb = Path(args.deb)

    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "root").mkdir(parents=True)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(OUT / "root")], check=True)
    installed = OUT / "root" / "opt" / "fieldapp"
    installed_mb = sum(p.stat().st_size for p in installed.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    data = OUT / "data"
    env = dict(os.environ, FIELDAPP_PASSPHRASE="bench-passphrase-1")
    subprocess.run([str(ROOT / ".venv" / "bin" / "fieldapp"), "--data-dir", str(data), "vault", "init", "--user", "bench", "--no-office-key"],
                   check=True, env=env, stdout=subprocess.DEVNULL, input=b"")

    figures = {"installed": [], "dev": []}
    for _ in range(runs):   # alternate, so that neither profits from running second
        figures["installed"].append(_start_to_unlock([str(installed / "fieldapp")], data))
        figures["dev"].append(_start_to_unlock([str(ROOT / ".venv" / "bin" / "fieldapp")], data))
    rest = {k: statistics.median(v[1:]) if len(v) > 1 else v[0] for k, v in figures.items()}
    print(f"package {deb.name}: {deb.stat().st_size / 2**20:.1f} MB, installed {installed_mb:.0f} MB under /opt/fieldapp")
    for name, values in figures.items():
        print(f"{name:9s} start -> unlock screen: first {values[0]:.2f} s, then median {rest[name]:.2f} s "
              f"({', '.join(f'{v:.2f}' for v in values)})")
    print(f"RESULT deb_mb={deb.stat().st_size / 2**20:.1f} installed_mb={installed_mb:.0f} runs={runs} "
          f"installed_first_s={figures['installed'][0]:.2f} installed_median_s={rest['installed']:.2f} "
          f"dev_first_s={figures['dev'][0]:.2f} dev_median_s={rest['dev']:.2f} "
          f"ratio_installed_to_dev={rest['installed'] / rest['dev']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
