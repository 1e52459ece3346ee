"""Make the databases of ``tests/release/190edae/`` with the release before the row-level merge, as it ran.

Run from a checkout of this project, with the code of that release extracted next to it::

    mkdir /tmp/rel && git archive 190edae | tar -x -C /tmp/rel
    .venv/bin/python tests/release/make_fixture.py /tmp/rel tests/release/190edae

Every step is that release's own command line, run from its folder (``python -m sync.server.cli``,
``python -m fieldapp``): ``init``, ``area-add``, ``code-issue``, ``serve`` for the county server
(SQLite), and ``vault init``, ``enroll``, ``import``, ``sync`` for a visitor laptop. The visits are
made the way that release's app saved them: the answers a visitor typed plus everything its form
calculated (``form.calculate``), which that release stored in the household record and synced.
Left on the disk: the server with three households synced, and the laptop with those and, not yet
synced (in its outbox), one new household and a re-visit of the first. ``manifest.json`` names what is where.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

RELEASE = "190edae"
COUNTY, TOWNSHIP = "510123", "510123001"
VILLAGES = {"510123001001": ("东街社区", "urban"), "510123001201": ("柏树村", "rural")}
USER, PASSPHRASE = "走访员一", "songlin-upgrade-2026"


def run(old: Path, *args: str, env: dict | None = None) -> str:
    out = subprocess.run([sys.executable, "-m", *args], cwd=old, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(old), **(env or {})))
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def pid(first17: str) -> str:
    """A citizen ID number with its check character (the release refuses a wrong one, as people's cards do)."""
    from forms.idnumber import check_char

    return first17 + check_char(first17)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CALCULATE = r"""
import json, sys
from forms.loader import load_form
form = load_form("four_clarifications", 1)
visits = json.loads(sys.stdin.read())
for v in visits:
    v["answers"] = form.calculate(v["answers"])
print(json.dumps(visits, ensure_ascii=False))
"""


OUTBOX = r"""
import json, os
from pathlib import Path
from fieldapp.vault import Vault
vault = Vault.open(Path(os.environ["FIXTURE_LAPTOP"]))
vault.unlock(os.environ["FIELDAPP_USER"], os.environ["FIELDAPP_PASSPHRASE"])
print(json.dumps([[c["entity"], c["entity_id"]] for c in vault.pending_changes(1000)]))
vault.lock()
"""


def with_calculations(old: Path, visits: list[dict]) -> list[dict]:
    """The visits as that release's app saved them: typed answers plus what its form calculated (run in its folder)."""
    done = subprocess.run([sys.executable, "-c", CALCULATE], cwd=old, input=json.dumps(visits, ensure_ascii=False),
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(old)), check=True)
    return json.loads(done.stdout)


def visits_as_typed(old: Path, ids: dict) -> list[dict]:
    """Four visits typed in the app of that release (three synced, one found at the door later)."""
    def visit(key, village, address, members, incomes, expenses=(), needs=(), date="2026-05-12"):
        name, area_type = VILLAGES[village]
        return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
                "household_id": ids[key], "visit_id": str(uuid.uuid4()), "status": "final",
                "answers": {"visit_date": date, "visit_time": "09:30", "visitors": [USER, "走访员二"],
                            "village_code": village, "area_type": area_type, "address": address,
                            "hukou_type": "agricultural", "categories": ["dibao_a"], "registered_poverty": "no",
                            "members": [dict(m) for m in members], "incomes": list(incomes), "expenses": list(expenses),
                            "housing_type": "self_built", "savings_fen": 300000, "assets_meet_rules": "yes",
                            "needs": list(needs)}}

    head = {"relation": "head", "health": "chronic", "labour_capacity": "partial", "employment": "farming"}
    typed = [
        visit("a", "510123001201", "柏树村二组7号",
              [dict(head, member_id=str(uuid.uuid4()), name="罗德明", id_number=pid("51012319580412001")),
               {"member_id": str(uuid.uuid4()), "name": "罗小燕", "id_number": pid("51012320120315002"), "relation": "child",
                "schooling": "primary", "employment": "student"}],
              [{"source": "farming", "amount_fen": 180000}, {"source": "pension", "amount_fen": 24000}],
              [{"kind": "medical", "amount_fen": 60000}],
              [{"need_id": str(uuid.uuid4()), "category": "medical", "description": "慢性病门诊报销", "disposition": "pending"}]),
        visit("b", "510123001201", "柏树村三组2号",
              [dict(head, member_id=str(uuid.uuid4()), name="何桂兰", id_number=pid("51012319490705002"))],
              [{"source": "pension", "amount_fen": 36000}]),
        visit("c", "510123001001", "东街社区文化路15号",
              [dict(head, member_id=str(uuid.uuid4()), name="邓建国", id_number=pid("51012319651023003")),
               {"member_id": str(uuid.uuid4()), "name": "邓丽", "id_number": pid("51012319910210004"), "relation": "child",
                "employment": "registered_unemployed"}],
              [{"source": "wages", "amount_fen": 240000}]),
        visit("d", "510123001201", "柏树村一组11号",   # found at the door, never synced
              [dict(head, member_id=str(uuid.uuid4()), name="杨秀芝", id_number=pid("51012319700308004"))],
              [{"source": "farming", "amount_fen": 90000}], date="2026-05-14"),
    ]
    return with_calculations(old, typed)


def main(old: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "laptop").mkdir(parents=True)
    db = f"sqlite:///{out / 'server.db'}"
    run(old, "sync.server.cli", "--database", db, "init")
    run(old, "sync.server.cli", "--database", db, "area-add", COUNTY, "松林县")
    run(old, "sync.server.cli", "--database", db, "area-add", TOWNSHIP, "城关镇")
    for code, (name, kind) in VILLAGES.items():
        run(old, "sync.server.cli", "--database", db, "area-add", code, name, "--type", kind)
    code = run(old, "sync.server.cli", "--database", db, "code-issue", "--role", "visitor", "--township", TOWNSHIP,
               "--villages", ",".join(VILLAGES))
    code = json.loads(code)["code"]
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "--database", db, "serve", "--port", str(port),
                               "--log-level", "warning"], cwd=old, env=dict(os.environ, PYTHONPATH=str(old)))
    laptop = ["fieldapp", "--data-dir", str(out / "laptop")]
    env = {"FIELDAPP_PASSPHRASE": PASSPHRASE, "FIELDAPP_USER": USER}
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        run(old, "fieldapp", "office-keygen", str(out / "office"))     # the county office's recovery key pair
        run(old, *laptop, "vault", "init", "--user", USER, "--office-public-key", str(out / "office.pub"), env=env)
        run(old, *laptop, "enroll", "--server", f"http://127.0.0.1:{port}", "--code", code, "--label", "城关镇一号机", env=env)
        ids = {k: str(uuid.uuid4()) for k in "abcd"}
        visits = visits_as_typed(old, ids)
        (out / "synced.json").write_text(json.dumps(visits[:3], ensure_ascii=False, indent=1), encoding="utf-8")
        run(old, *laptop, "import", str(out / "synced.json"), env=env)
        run(old, *laptop, "sync", env=env)
        revisit = json.loads(json.dumps(visits[0]))           # a re-visit of household a: a new income, one new need
        revisit["visit_id"] = str(uuid.uuid4())
        revisit["answers"]["visit_date"] = "2026-05-20"
        revisit["answers"]["incomes"].append({"source": "wages", "amount_fen": 50000})
        revisit["answers"]["needs"].append({"need_id": str(uuid.uuid4()), "category": "education",
                                            "description": "孙女助学金", "disposition": "pending"})
        [revisit] = with_calculations(old, [revisit])
        (out / "pending.json").write_text(json.dumps([visits[3], revisit], ensure_ascii=False, indent=1),
                                          encoding="utf-8")
        run(old, *laptop, "import", str(out / "pending.json"), env=env)
        pending = json.loads(subprocess.run(
            [sys.executable, "-c", OUTBOX], cwd=old, capture_output=True, text=True, check=True,
            env=dict(os.environ, PYTHONPATH=str(old), FIXTURE_LAPTOP=str(out / "laptop"), **env)).stdout)
    finally:
        server.terminate()
        server.wait(timeout=30)
    db_file = sqlite3.connect(out / "server.db")     # fold the WAL into the file: one file to keep
    db_file.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db_file.close()
    manifest = {"release": RELEASE, "made_by": "tests/release/make_fixture.py", "county": COUNTY, "township": TOWNSHIP,
                "villages": sorted(VILLAGES), "user": USER, "passphrase": PASSPHRASE, "server_database": "server.db",
                "laptop": "laptop", "office_key": "office.key", "synced_households": [ids[k] for k in "abc"], "new_household": ids["d"],
                "revisited_household": ids["a"],
                "pending_changes": pending}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    for name in ("synced.json", "pending.json"):
        (out / name).unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())
