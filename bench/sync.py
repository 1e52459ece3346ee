"""Sync throughput: push and pull of N visits through the real server, per backend, vs a bare bulk insert.

Runs the real server (``fieldapp-server serve``) on 127.0.0.1 in a subprocess, a real client with an in-memory
laptop store, and for PostgreSQL a throw-away server started like the tests do. Each saved visit is two
changes, as the vault makes them: the visit record and its household's typed answers (row ids, no
calculated answers). Prints medians and ratios, the bytes per synced household with and without the
calculated answers, and one final RESULT line. Rates are per wall-clock second, per CPU-second of
client + server + database, and per CPU-second of server + database alone. Each timed step starts on an
idle server, and PostgreSQL is vacuumed and analyzed after the push (its CPU printed on its own), so a
pull is not charged for the hint bits and autovacuum a big push leaves behind.

``--previous REV`` also runs the server of an earlier commit on the same changes in the same run:
the commit is extracted (``git archive``) into a temporary folder, and that checkout's own code
migrates its database to its own schema, creates the areas, issues the enrollment codes (a
subprocess in that folder) and serves (``ServerProcess`` with that folder as its checkout).

    .venv/bin/python bench/sync.py            # 20,000 visits, SQLite and PostgreSQL
    .venv/bin/python bench/sync.py --quick    # 2,000 visits (< 30 s)
    .venv/bin/python bench/sync.py --quick --previous 190edae   # also the server of that commit, same run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sync.client import SyncClient, enroll  # noqa: E402
from sync.memstore import MemoryStore  # noqa: E402
from sync.server.storage import open_storage  # noqa: E402
from tests.field.loadkit import ServerProcess  # noqa: E402

TOWNSHIP, VILLAGE = "110105001", "110105001001"


def make_visits(count: int) -> list[dict]:
    """*count* saved visits: a visit change (~1.5 kB) and its household change each, typed answers only."""
    from forms.grain import shipped_grain, strip_calculated, with_row_ids
    from forms.loader import load_form

    form, grain = load_form("four_clarifications", 1), shipped_grain()
    changes = []
    for i in range(count):
        hid, vid = str(uuid.uuid4()), str(uuid.uuid4())
        answers = {"visit_date": "2026-05-12", "visit_time": "09:30", "visitors": ["走访员甲", "走访员乙"],
                   "village_code": VILLAGE, "area_type": "rural", "address": f"东山村{i % 9}组{i}号",
                   "hukou_type": "agricultural", "categories": ["dibao_a"], "registered_poverty": "no",
                   "members": [{"member_id": str(uuid.uuid4()), "name": f"张{i}", "id_number": "11010519491231002X",
                                "relation": "head", "health": "chronic", "labour_capacity": "partial",
                                "employment": "farming"},
                               {"member_id": str(uuid.uuid4()), "name": f"张{i}子", "relation": "child",
                                "schooling": "junior", "employment": "student"}],
                   "incomes": [{"source": "farming", "amount_fen": 120000}, {"source": "pension", "amount_fen": 30000}],
                   "expenses": [{"kind": "medical", "amount_fen": 20000}], "housing_type": "self_built",
                   "savings_fen": 500000, "assets_meet_rules": "yes",
                   "needs": [{"need_id": str(uuid.uuid4()), "category": "medical", "description": "慢性病用药",
                              "disposition": "pending"}]}
        answers = with_row_ids(strip_calculated(answers, grain), grain, hid)
        household = {k: v for k, v in answers.items() if form.questions[k].scope == "household"}
        changes.append({"change_id": str(uuid.uuid4()), "entity": "visit", "entity_id": vid, "household_id": hid,
                        "village_code": VILLAGE, "base_revision": 0,
                        "fields": {"household_id": hid, "form_id": "four_clarifications", "form_version": 1,
                                   "status": "final", "answers": answers},
                        "device_id": "", "author": "bench", "at": "2026-05-12T01:30:00+00:00"})
        changes.append({"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
                        "village_code": VILLAGE, "base_revision": 0, "fields": household,
                        "device_id": "", "author": "bench", "at": "2026-05-12T01:30:00+00:00"})
    return changes


def bytes_per_household(changes: list[dict]) -> tuple[float, float]:
    """Mean JSON bytes of one household's two changes as synced now, and as they were with calculated answers."""
    from forms.loader import load_form

    form = load_form("four_clarifications", 1)
    typed = with_calc = 0
    for change in changes:
        fields = change["fields"]
        typed += len(json.dumps(change, ensure_ascii=False).encode())
        if change["entity"] == "visit":
            fields = dict(fields, answers=form.calculate(fields["answers"]))
        else:
            calc = form.calculate(fields)
            fields = {k: v for k, v in calc.items() if form.questions[k].scope == "household"}
        with_calc += len(json.dumps(dict(change, fields=fields), ensure_ascii=False).encode())
    households = len(changes) / 2
    return typed / households, with_calc / households


# Run by the checkout under test (its own code on its own schema), so that an earlier commit's server is set
# up by that commit's storage code: migrate, create the areas, issue enrollment codes (printed one a line).
ADMIN_SCRIPT = """
import sys
from sync.server.admin import add_area, issue_enrollment_code
from sync.server.storage import open_storage
url, codes = sys.argv[1], int(sys.argv[2])
storage = open_storage(url)
storage.migrate()
if storage.get_area(%r) is None:
    for code, label in %r:
        add_area(storage, code, label)
for _ in range(codes):
    print(issue_enrollment_code(storage, "visitor", %r, [%r], 1)[0])
storage.close()
""" % (TOWNSHIP[:6], (("110105", "县"), (TOWNSHIP, "镇"), (VILLAGE, "村")), TOWNSHIP, VILLAGE)


def admin_codes(root: Path, url: str, count: int) -> list[str]:
    """Migrate the database at *url* with the code in *root*, create the areas and issue *count* visitor codes."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", ADMIN_SCRIPT, url, str(count)], cwd=root, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"setting up the server of {root} failed:\n{out.stderr}")
    return out.stdout.split()


class Server(ServerProcess):
    """``fieldapp-server serve`` in its own process (as deployed), on the bench's database, from code in *root*."""

    def __init__(self, url: str, root: Path, codes: list[str]):
        self.codes = list(codes)
        super().__init__(url, root=root)


def laptop(server: Server) -> MemoryStore:
    store = MemoryStore()
    enroll(store, server.url, server.codes.pop())
    return store


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int, children_done: bool = False) -> float:
    """CPU seconds of one process (from /proc), optionally with its exited children's."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children_done else 0)
    return ticks / CLK_TCK


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


class CpuMeter:
    """CPU seconds used by this process, the server process and the PostgreSQL processes together.

    On a shared machine wall-clock rates mostly measure the other jobs; CPU seconds do not.
    """

    def __init__(self, server_pid: int | None, postmaster_pid: int | None):
        self.server_pid, self.postmaster_pid = server_pid, postmaster_pid

    def now(self) -> float:
        return time.process_time() + self.server()

    def server(self) -> float:
        """CPU seconds of the server process and the database only (the client is the same code in every run)."""
        total = 0.0
        if self.server_pid:
            total += _proc_cpu(self.server_pid)
        if self.postmaster_pid:
            total += _proc_cpu(self.postmaster_pid, children_done=True)
            total += sum(_proc_cpu(child) for child in _children(self.postmaster_pid))
        return total

    def settle(self, quiet_cpu: float = 0.02, step: float = 0.5, limit: float = 60.0) -> None:
        """Wait until the server and the database are idle (after a big push PostgreSQL's autovacuum and
        analyze run for a while): a pull timed meanwhile would be charged for work the push left behind."""
        deadline, last = time.monotonic() + limit, self.server()
        while time.monotonic() < deadline:
            time.sleep(step)
            now = self.server()
            if now - last < quiet_cpu:
                return
            last = now


def vacuum_after_push(url: str, meter: CpuMeter) -> float:
    """PostgreSQL: VACUUM ANALYZE once the push is in, and its CPU (reported on its own).

    The first reads of freshly written rows set their hint bits, and autovacuum wakes once a minute:
    without this, whichever pull or re-push ran first (or overlapped autovacuum) paid for what the push
    left behind (a pull of 20,000 visits right after the push: 6.1 s of server + database CPU, against
    3.8 s after a VACUUM ANALYZE). A county database gets the same from autovacuum soon after a push."""
    if not url.startswith("postgresql"):
        return 0.0
    import psycopg

    before = meter.server()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return meter.server() - before


def bulk_insert_seconds(storage, changes: list[dict], meter: "CpuMeter | None" = None) -> tuple[float, float]:
    """The practical limit: the same rows in one executemany into a plain table of the same database."""
    table = f"bench_bulk_{uuid.uuid4().hex[:8]}"
    rows = [(c["change_id"], c["entity_id"], json.dumps(c["fields"], ensure_ascii=False, separators=(",", ":")))
            for c in changes]
    with storage._tx() as tx:
        tx.exec(f"CREATE TABLE {table} (change_id TEXT PRIMARY KEY, entity_id TEXT NOT NULL, fields TEXT NOT NULL)")
    start, cpu = time.perf_counter(), meter.now()
    with storage._tx() as tx:
        tx.many(f"INSERT INTO {table} (change_id, entity_id, fields) VALUES (%s, %s, %s)", rows)
    elapsed, cpu = time.perf_counter() - start, meter.now() - cpu
    with storage._tx() as tx:
        tx.exec(f"DROP TABLE {table}")
    return elapsed, cpu


def run_backend(name: str, url: str, changes: list[dict], repeats: int, postmaster_pid: int | None,
                root: Path = ROOT) -> dict:
    codes = admin_codes(root, url, repeats + 1)     # the checkout's own code on its own schema
    storage = open_storage(url)                      # only for the bare bulk insert into a table of its own
    server = Server(url, root, codes)
    meter = CpuMeter(server.proc.pid, postmaster_pid)

    server_cpu = {}

    def timed(fn, key=None):
        start, cpu, srv = time.perf_counter(), meter.now(), meter.server()
        out = fn()
        if key:
            server_cpu.setdefault(key, []).append(meter.server() - srv)
        return time.perf_counter() - start, meter.now() - cpu, out

    try:
        writer = laptop(server)
        writer.outbox = [dict(c) for c in changes]
        with SyncClient(writer, batch_size=1000) as client:
            meter.settle()                    # the server's start-up done (it builds its validators then)
            push_s, push_cpu, _ = timed(client.push, "push")
            assert writer.outbox == []
            vacuum_cpu = vacuum_after_push(url, meter)
            repush = []
            for _ in range(repeats):          # the answers were lost: the laptop offers everything again
                meter.settle()
                writer.outbox = [dict(c) for c in changes]
                wall, cpu, report = timed(client.push)
                repush.append((wall, cpu))
                assert report.pushed == 0 and report.duplicates == len(changes)
        pulls = []
        for _ in range(repeats):
            meter.settle()
            reader = laptop(server)
            with SyncClient(reader, pull_limit=2000) as client:
                wall, cpu, report = timed(client.pull, "pull")
            pulls.append((wall, cpu))
            assert report.pulled == len(changes), (report.pulled, len(changes))
        bulks = [bulk_insert_seconds(storage, changes, meter) for _ in range(repeats)]
    finally:
        server.stop()
        storage.close()
    n = len(changes) / 2   # saved visits: a visit and a household change each
    med = lambda pairs, k: statistics.median(p[k] for p in pairs)  # noqa: E731
    return {"push_vps": n / push_s, "push_vps_cpu": n / push_cpu,
            "pull_vps": n / med(pulls, 0), "pull_vps_cpu": n / med(pulls, 1),
            "bulk_vps": n / med(bulks, 0), "bulk_vps_cpu": n / med(bulks, 1),
            "push_vs_bulk_cpu": med(bulks, 1) / push_cpu,
            "repush_ratio": med(repush, 0) / push_s, "repush_ratio_cpu": med(repush, 1) / push_cpu,
            "push_vps_server_cpu": n / max(server_cpu["push"][0], 1e-9),
            "pull_vps_server_cpu": n / max(statistics.median(server_cpu["pull"]), 1e-9),
            "push_s": push_s, "push_cpu": push_cpu, "vacuum_cpu_s": vacuum_cpu}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 visits, one repeat (< 30 s)")
    parser.add_argument("--visits", type=int, help="number of visits (default 20,000; 2,000 with --quick)")
    parser.add_argument("--postgres-url", help="use this (empty) PostgreSQL database instead of starting one")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--previous", metavar="REV", help="also run the server of git revision REV (the previous merge)")
    args = parser.parse_args(argv)
    count = args.visits or (2_000 if args.quick else 20_000)
    repeats = 1 if args.quick else 3
    changes = make_visits(count)
    print(f"sync bench: {count} visits (~{len(json.dumps(changes[0], ensure_ascii=False))} bytes each), "
          f"{repeats} repeat(s) for medians")
    typed, with_calc = bytes_per_household(changes)
    print(f"bytes per synced household (visit + household change): {typed:.0f} typed answers only, "
          f"{with_calc:.0f} with calculated answers ({1 - typed / with_calc:.1%} less)")
    results = {}
    roots = [("", ROOT)]
    keep = tempfile.TemporaryDirectory()
    if args.previous:
        import subprocess

        old = Path(keep.name) / "previous"
        old.mkdir()
        archive = subprocess.run(["git", "archive", args.previous], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        roots.append(("prev_", old))
    for prefix, root in roots:
        with tempfile.TemporaryDirectory() as tmp:
            results[prefix + "sqlite"] = run_backend("sqlite", f"sqlite:///{tmp}/bench.db", changes, repeats, None, root)
    if not args.skip_postgres:
        pg, postmaster = None, None
        url = args.postgres_url
        if url is None:
            from tests.sync.pg import TempPostgres

            pg = TempPostgres().start()
            url = pg.create_database("bench")
            postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])
        try:
            for prefix, root in roots:
                db_url = url if not prefix else (pg.create_database("bench_prev") if pg is not None else None)
                if db_url is None:
                    continue   # --postgres-url: only one database to use
                results[prefix + "pg"] = run_backend("postgres", db_url, changes, repeats, postmaster, root)
        finally:
            if pg is not None:
                pg.stop()
    print("rates per wall-clock second (shared machine: noisy) | per CPU-second of client + server + database:")
    for name, r in results.items():
        print(f"{name:7s} push {r['push_vps']:6.0f}/s wall {r['push_vps_cpu']:6.0f}/s cpu | "
              f"pull {r['pull_vps']:6.0f}/s wall {r['pull_vps_cpu']:6.0f}/s cpu | "
              f"bare bulk insert {r['bulk_vps_cpu']:7.0f}/s cpu (push costs {1 / r['push_vs_bulk_cpu']:.1f}x) | "
              f"re-push {r['repush_ratio']:.1%} wall {r['repush_ratio_cpu']:.1%} cpu of first push")
        print(f"{'':7s} server + database CPU only: push {r['push_vps_server_cpu']:6.0f}/s pull {r['pull_vps_server_cpu']:6.0f}/s"
              + (f" | VACUUM ANALYZE after the push {r['vacuum_cpu_s']:.2f} s CPU" if r["vacuum_cpu_s"] else ""))
    for name in [n for n in results if n.startswith("prev_")]:
        now, before = results[name[5:]], results[name]
        print(f"{name[5:]:7s} vs previous merge ({args.previous}): push {now['push_vps_cpu'] / before['push_vps_cpu']:.2f}x "
              f"pull {now['pull_vps_cpu'] / before['pull_vps_cpu']:.2f}x (per CPU-second, all) | "
              f"server + database: push {now['push_vps_server_cpu'] / before['push_vps_server_cpu']:.2f}x "
              f"pull {now['pull_vps_server_cpu'] / before['pull_vps_server_cpu']:.2f}x")
    fields = [f"visits={count}", f"household_bytes={typed:.0f}", f"household_bytes_with_calculated={with_calc:.0f}"]
    for name, r in results.items():
        fields += [f"{name}_push_vps={r['push_vps']:.0f}", f"{name}_push_vps_cpu={r['push_vps_cpu']:.0f}",
                   f"{name}_pull_vps={r['pull_vps']:.0f}", f"{name}_pull_vps_cpu={r['pull_vps_cpu']:.0f}",
                   f"{name}_bulk_vps_cpu={r['bulk_vps_cpu']:.0f}", f"{name}_push_vs_bulk_cpu={r['push_vs_bulk_cpu']:.3f}",
                   f"{name}_repush_ratio={r['repush_ratio']:.3f}", f"{name}_repush_ratio_cpu={r['repush_ratio_cpu']:.3f}",
                   f"{name}_push_vps_server_cpu={r['push_vps_server_cpu']:.0f}",
                   f"{name}_pull_vps_server_cpu={r['pull_vps_server_cpu']:.0f}",
                   f"{name}_vacuum_cpu_s={r['vacuum_cpu_s']:.2f}"]
    for name in [n for n in results if n.startswith("prev_")]:
        fields += [f"{name[5:]}_push_vs_previous_cpu={results[name[5:]]['push_vps_cpu'] / results[name]['push_vps_cpu']:.2f}",
                   f"{name[5:]}_pull_vs_previous_cpu={results[name[5:]]['pull_vps_cpu'] / results[name]['pull_vps_cpu']:.2f}",
                   f"{name[5:]}_push_vs_previous_server_cpu="
                   f"{results[name[5:]]['push_vps_server_cpu'] / results[name]['push_vps_server_cpu']:.2f}",
                   f"{name[5:]}_pull_vs_previous_server_cpu="
                   f"{results[name[5:]]['pull_vps_server_cpu'] / results[name]['pull_vps_server_cpu']:.2f}"]
    keep.cleanup()
    ok = all(r["push_vps_cpu"] >= 2000 and r["repush_ratio_cpu"] <= 0.10 for r in results.values())
    fields.append(f"targets_met_cpu={'yes' if ok else 'no'}")
    print("RESULT " + " ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
