"""Many simulated laptops syncing at once against ONE real server process (used by bench/load.py and the slow test).

The server is ``fieldapp-server serve`` in its own process on 127.0.0.1. The laptops are
in-memory stores (:class:`sync.memstore.MemoryStore`) with the real :class:`sync.client.SyncClient`,
spread over a few forked client processes (threads inside each) so that the clients' own
Python does not become the bottleneck. Each laptop edits households of its own village,
syncs, and repeats until the deadline, timing every full sync. At the end every laptop
drains its outbox and the server is checked: every change stored exactly once, every
household holding exactly the values its laptop last wrote.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sync import errors
from sync.client import SyncClient, enroll
from sync.memstore import MemoryStore
from sync.server.admin import add_area, issue_enrollment_code
from sync.server.storage import Scope, open_storage

ROOT = Path(__file__).resolve().parents[2]
COUNTY, TOWNSHIP = "110105", "110105001"


def villages(count: int) -> list[str]:
    """Village codes 110105001001 … of the load township."""
    return [f"{TOWNSHIP}{i:03d}" for i in range(1, count + 1)]


class ServerProcess:
    """``fieldapp-server serve`` as deployed: its own process, its own port."""

    def __init__(self, database_url: str, root: Path = ROOT):
        """:param root: the checkout whose code the server runs (a bench compares with an earlier commit's)."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "--database", database_url, "serve",
                                      "--port", str(self.port), "--log-level", "warning"], cwd=root)
        deadline = time.time() + 60
        while True:
            try:
                httpx.get(self.url + "/v1/hello", timeout=1)
                return
            except httpx.TransportError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("server did not start")
                time.sleep(0.1)

    def stop(self) -> None:
        """Terminate the server process."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def prepare(database_url: str, village_count: int) -> None:
    """Migrate the database and create the county, township and villages."""
    storage = open_storage(database_url)
    try:
        storage.migrate()
        if storage.get_area(COUNTY) is None:
            add_area(storage, COUNTY, "压测县")
            add_area(storage, TOWNSHIP, "压测镇")
            for code in villages(village_count):
                add_area(storage, code, "压测村" + code[-3:], "rural")
    finally:
        storage.close()


def _device_loop(code: str, village: str, url: str, start: threading.Event, deadline_box: list, seed: int,
                 out: dict) -> None:
    rng = random.Random(seed)
    store = MemoryStore()
    enroll(store, url, code)
    client = SyncClient(store, timeout=120)
    mine: list[str] = []
    expected: dict[str, dict] = {}
    latencies, errs, made = [], [], 0
    out.update(ready=True)
    start.wait()
    try:
        while time.monotonic() < deadline_box[0]:
            for _ in range(rng.randint(1, 4)):          # a visit or two typed since the last sync
                if mine and rng.random() < 0.4:
                    hid = rng.choice(mine)
                else:
                    hid = str(uuid.uuid4())
                    mine.append(hid)
                fields = {"address": f"压测地址{made}", "phone": f"139{rng.randrange(10**8):08d}",
                          "members": [{"member_id": "m1", "name": f"压测{made}", "relation": "head"}]}
                store.edit("household", hid, hid, village, fields)
                expected.setdefault(hid, {}).update(fields)
                made += 1
            t0 = time.perf_counter()
            try:
                client.sync()
                latencies.append(time.perf_counter() - t0)
            except errors.SyncError as exc:
                errs.append(f"{exc.code}: {exc}"[:200])
            time.sleep(rng.uniform(0.0, 0.2))           # the next keystrokes
        for _ in range(3):                              # drain (not timed)
            try:
                client.sync()
                break
            except errors.SyncError as exc:
                errs.append(f"drain {exc.code}: {exc}"[:200])
    finally:
        client.close()
    out.update(device_id=store.get_sync_state("device_id"), latencies=latencies, errors=errs, made=made,
               expected=expected, left=len(store.outbox))


def _worker(jobs: list[tuple[str, str, int]], url: str, seconds: float, conn) -> None:
    """A client process: one thread per laptop; reports every laptop's results through *conn*."""
    start = threading.Event()
    deadline = [0.0]
    outs = [{} for _ in jobs]
    threads = [threading.Thread(target=_device_loop, args=(code, village, url, start, deadline, seed, out), daemon=True)
               for (code, village, seed), out in zip(jobs, outs)]
    for t in threads:
        t.start()
    while not all(o.get("ready") for o in outs) and any(t.is_alive() for t in threads):
        time.sleep(0.05)
    conn.send("ready")
    conn.recv()                                         # the parent says go: every process starts together
    deadline[0] = time.monotonic() + seconds
    start.set()
    for t in threads:
        t.join()
    conn.send(json.dumps(outs, ensure_ascii=False))
    conn.close()


@dataclass
class LoadResult:
    """What a load run measured and found."""

    devices: int
    seconds: float
    syncs: int = 0
    changes: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    doubled: int = 0
    wrong_values: int = 0
    left_unsent: int = 0

    @property
    def syncs_per_s(self) -> float:
        """Completed full syncs per second over the whole run."""
        return self.syncs / self.seconds

    @property
    def changes_per_s(self) -> float:
        """Changes typed (and synced) per second."""
        return self.changes / self.seconds

    def quantile(self, q: float) -> float:
        """A latency quantile in seconds (q in 0..1)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50(self) -> float:
        """Median full-sync latency (s)."""
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        """99th percentile full-sync latency (s)."""
        return self.quantile(0.99)


def run_load(database_url: str, devices: int, seconds: float, processes: int = 4, village_count: int = 10,
             seed: int = 1) -> LoadResult:
    """Start one server process, run *devices* laptops for *seconds*, drain, and check the server."""
    prepare(database_url, village_count)
    server = ServerProcess(database_url)
    storage = open_storage(database_url)
    try:
        codes = [(issue_enrollment_code(storage, "visitor", TOWNSHIP, [v], 2)[0], v, seed * 1000 + i)
                 for i, v in enumerate(villages(village_count)[i % village_count] for i in range(devices))]
        ctx = multiprocessing.get_context("fork")
        procs, conns = [], []
        for p in range(processes):
            parent_conn, child_conn = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(codes[p::processes], server.url, seconds, child_conn), daemon=True)
            proc.start()
            procs.append(proc)
            conns.append(parent_conn)
        for conn in conns:
            if conn.recv() != "ready":
                raise RuntimeError("a client process failed to enroll its laptops")
        started = time.monotonic()
        for conn in conns:
            conn.send("go")
        outs = [o for conn in conns for o in json.loads(conn.recv())]
        elapsed = time.monotonic() - started
        for proc in procs:
            proc.join(30)
        result = LoadResult(devices, elapsed)
        for o in outs:
            if "latencies" not in o:
                result.errors.append("a laptop thread died")
                continue
            result.latencies += o["latencies"]
            result.syncs += len(o["latencies"])
            result.changes += o["made"]
            result.errors += o["errors"]
            result.left_unsent += o["left"]
        _verify(storage, outs, result)
        return result
    finally:
        storage.close()
        server.stop()


def _verify(storage, outs: list[dict], result: LoadResult) -> None:
    """Every change stored once; every household holds its laptop's last values."""
    log = storage.change_log(Scope("admin", COUNTY))
    ids = [c["change_id"] for c in log]
    result.doubled = len(ids) - len(set(ids))
    per_device: dict[str, int] = {}
    for change in log:
        per_device[change["device_id"]] = per_device.get(change["device_id"], 0) + 1
    records = {r["entity_id"]: r["fields"] for r in storage.records(Scope("admin", COUNTY))}
    for o in outs:
        if "expected" not in o:
            continue
        result.lost += max(0, o["made"] - per_device.get(o["device_id"], 0))
        for hid, fields in o["expected"].items():
            if records.get(hid) != fields:
                result.wrong_values += 1
