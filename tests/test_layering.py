"""Only fieldapp.ui may import Qt, and the dependency direction in docs/architecture.md holds.

Each top-level package is imported module by module in a fresh interpreter, and the
first module after which a forbidden package is loaded is reported.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import importlib, json, pkgutil, sys
top, forbidden = sys.argv[1], set(sys.argv[2].split(","))
skip = sys.argv[3] if len(sys.argv) > 3 else None
pkg = importlib.import_module(top)
names = [top] + [m.name for m in pkgutil.walk_packages(pkg.__path__, top + ".")]
for name in names:
    parts = name.split(".")
    if "ui" in parts or parts[-1] == "__main__" or (skip and (name == skip or name.startswith(skip + "."))):
        continue
    importlib.import_module(name)
    leaked = sorted({m.split(".")[0] for m in sys.modules} & forbidden)
    if leaked:
        print(json.dumps({"module": name, "leaked": leaked}))
        break
else:
    print(json.dumps({"module": None, "checked": len(names)}))
"""


@pytest.mark.parametrize(
    "top, forbidden, skip",
    [
        ("forms", {"PySide6", "fieldapp", "sync", "printouts"}, None),
        ("printouts", {"PySide6", "fieldapp", "sync"}, None),
        # the protocol and client never need printouts; the county server does (the console's ledger export)
        ("sync", {"PySide6", "fieldapp", "printouts"}, "sync.server"),
        ("sync.server", {"PySide6", "fieldapp"}, None),
        ("fieldapp", {"PySide6"}, None),
    ],
)
def test_package_imports_only_what_it_may(top, forbidden, skip):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, top, ",".join(sorted(forbidden))] + ([skip] if skip else []),
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["module"] is None, f"{result['module']} imports {result['leaked']}"
    assert result["checked"] >= 1
