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


SYNC_PROBE = r"""
import importlib, json, pathlib, sys
import sync
# module names from the files (walk_packages would import sync.server itself to look inside it)
root = pathlib.Path(sync.__file__).parent
sides = {"client": [], "server": []}
for path in sorted(root.rglob("*.py")):
    parts = ("sync",) + path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    name = ".".join(parts)
    sides["server" if name.startswith("sync.server") else "client"].append(name)
side = sys.argv[1]
for name in sides[side]:
    importlib.import_module(name)
loaded = sorted(n for n in sys.modules if n == "sync" or n.startswith("sync."))
print(json.dumps({"checked": len(sides[side]), "loaded": loaded}))
"""

# What the county server may use of the sync package: the protocol and its envelopes, never the laptop's client.
# (sync.store is the interface a bundle's sender implements: constants and a Protocol, no client code.)
SERVER_MAY_USE = {"sync", "sync.errors", "sync.protocol", "sync.keys", "sync.signing", "sync.sealing",
                  "sync.bundle", "sync.store", "sync.files", "sync.officekey", "sync.appversion",
                  "sync.merge",   # the merge rules: pure, shared by the server's storage and the laptop's changes
                  "sync.review", "sync.review_messages",     # the review rule and its API messages (issue 15)
                  "sync.filemodes",                          # owner-only file modes, laptop and server (issue 19)
                  "sync.set_aside",                          # the set-aside report messages (issue 19)
                  "sync.jsontext"}                           # the stored JSON columns' writer (orjson), pure


def _loaded_by(side: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", SYNC_PROBE, side], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["checked"] >= 1
    return result["loaded"]


def test_the_sync_client_never_imports_the_server():
    loaded = _loaded_by("client")
    assert [n for n in loaded if n.startswith("sync.server")] == []


def test_the_server_uses_only_the_protocol_parts_of_sync():
    loaded = _loaded_by("server")
    outside = sorted(n for n in loaded if not n.startswith("sync.server") and n not in SERVER_MAY_USE)
    assert outside == [], f"sync.server pulls in {outside}"
