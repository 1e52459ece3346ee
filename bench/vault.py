"""Benchmark of the encrypted vault: visit saves (SQLCipher vs the same code on plain SQLite),
search among many households, the household list projection, and unlock time. Target: an encrypted save
at most 1.8x the plain one (p50); the bench also reports pages per save and the floor SQLCipher 4 sets.

    .venv/bin/python bench/vault.py            # 100,000 households
    .venv/bin/python bench/vault.py --quick    # 10,000 households, fewer saves (< 30 s)

Ends with one ``RESULT key=value ...`` line. Nothing here runs as a test.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fieldapp import demo  # noqa: E402
from fieldapp.vault import DEFAULT_KDF, FAST_KDF, Vault  # noqa: E402
from fieldapp.vault.crypto import DEFAULT_SUITE  # noqa: E402

PASSPHRASE = "benchmark-passphrase"


def pct(samples: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of *samples*, in the samples' unit."""
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def full_visits(n: int, seed: int) -> list[dict]:
    """Visits whose household has exactly 6 members (the 'full visit' of the target)."""
    out = []
    gen = demo.generate(n * 20, seed=seed)
    pool = [v for v in gen]
    rng = random.Random(seed)
    for v in pool:
        members = v["answers"]["members"]
        while len(members) < 6:
            donor = rng.choice(pool)["answers"]["members"]
            m = copy.deepcopy(rng.choice(donor))
            m["member_id"], m["relation"] = str(uuid.uuid4()), "other"
            members.append(m)
        out.append(v)
        if len(out) == n:
            break
    return out


def time_saves(vault: Vault, visits: list[dict], cpu: list[float] | None = None) -> list[float]:
    """Wall milliseconds per save_visit (one transaction: visit + household + members + change log + audit);
    CPU milliseconds of this process are appended to *cpu* (on a shared machine wall time mostly measures others)."""
    samples = []
    for v in visits:
        c, t = time.process_time(), time.perf_counter()
        vault.save_visit(v)
        samples.append((time.perf_counter() - t) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c) * 1000)
    return samples


def bench_saves(tmp: Path, n: int) -> dict:
    enc = Vault.create(tmp / "enc", "bench", PASSPHRASE, None, kdf=FAST_KDF)
    plain = Vault._open_plain_for_benchmark(tmp / "plain", "bench")
    visits = full_visits(2 * n, seed=1)
    # Warm-up, then alternate blocks so that machine noise hits both sides alike.
    time_saves(enc, visits[:10])
    time_saves(plain, copy.deepcopy(visits[:10]))
    enc_ms, plain_ms, enc_cpu, plain_cpu = [], [], [], []
    block = 10
    for start in range(10, 10 + n, block):
        chunk = visits[start:start + block]
        enc_ms += time_saves(enc, chunk, enc_cpu)
        plain_ms += time_saves(plain, copy.deepcopy(chunk), plain_cpu)
    enc.lock()
    plain.lock()
    return {
        "save_p50_ms": statistics.median(enc_ms), "save_p95_ms": pct(enc_ms, 95),
        "plain_save_p50_ms": statistics.median(plain_ms), "plain_save_p95_ms": pct(plain_ms, 95),
        "save_ratio_p50": statistics.median(enc_ms) / statistics.median(plain_ms),
        "save_ratio_p95": pct(enc_ms, 95) / pct(plain_ms, 95), "saves": len(enc_ms),
        "save_cpu_ms": statistics.mean(enc_cpu), "plain_save_cpu_ms": statistics.mean(plain_cpu),
        "save_cpu_ratio": statistics.mean(enc_cpu) / statistics.mean(plain_cpu),
    }


def _page_tx_cpu_us(conn, pages: int, reps: int) -> float:
    """Mean CPU microseconds of a write transaction that dirties exactly *pages* table pages
    (one single-row table per page; WAL, synchronous=FULL as in the vault)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    for k in range(pages):
        conn.execute(f"CREATE TABLE t{k} (id INTEGER PRIMARY KEY, v INTEGER)")  # fixed names, no user input
        conn.execute(f"INSERT INTO t{k} VALUES (1, 0)")
    updates = [f"UPDATE t{k} SET v = v + 1 WHERE id = 1" for k in range(pages)]
    samples = []
    for _ in range(reps):
        c = time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        for u in updates:
            conn.execute(u)
        conn.execute("COMMIT")
        samples.append(time.process_time() - c)
    return statistics.mean(samples[reps // 10:]) * 1e6


def _sqlcipher3_conn(path: Path, hmac: str | None):
    import sqlcipher3
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    if hmac is not None:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{'ab' * 32}'\"")  # a fixed test key: this file holds only counters
        for pragma in DEFAULT_SUITE.database_pragmas():
            conn.execute(pragma)
        if hmac != "default":
            conn.execute(f"PRAGMA cipher_hmac_algorithm = {hmac}")
    return conn


def _sqlite3mc_conn(path: Path, encrypted: bool):
    import apsw
    conn = apsw.Connection(str(path))
    if encrypted:
        conn.execute("PRAGMA cipher = 'sqlcipher'")
        conn.execute("PRAGMA legacy = 4")
        conn.execute(f"PRAGMA hexkey = '{'ab' * 32}'")
    return conn


def bench_page_cost(tmp: Path, reps: int) -> dict:
    """What encryption costs per written page: the slope of transaction CPU time between 1 and
    31 dirty pages, encrypted minus plain, for SQLCipher 4 as the vault uses it, the same with
    HMAC-SHA256 (a SQLCipher option the vault does NOT use), and an independent SQLCipher 4
    implementation (SQLite3 Multiple Ciphers) if installed."""
    res = {}
    engines = [("sqlcipher4", lambda p, enc: _sqlcipher3_conn(p, "default" if enc else None)),
               ("sqlcipher4_hmac_sha256", lambda p, enc: _sqlcipher3_conn(p, "HMAC_SHA256" if enc else None))]
    try:
        import apsw  # noqa: F401
        engines.append(("sqlite3mc_sqlcipher4", _sqlite3mc_conn))
    except ImportError:
        pass
    for name, make in engines:
        cost = {}
        for enc in (True, False):
            for pages in (1, 31):
                path = tmp / f"pages-{name}-{int(enc)}-{pages}.db"
                conn = make(path, enc)
                cost[(enc, pages)] = _page_tx_cpu_us(conn, pages, reps)
                conn.close()
        slope = lambda enc: (cost[(enc, 31)] - cost[(enc, 1)]) / 30  # noqa: E731
        res[f"page_us_{name}"] = slope(True) - slope(False)
        res[f"page_plain_us_{name}"] = slope(False)
    return res


def pages_per_save(tmp: Path, n: int) -> dict:
    """Pages one full-visit save writes (WAL frames appended per save, checkpoints held off), and
    how many distinct tables and indexes they belong to (each one costs at least a page).

    Counted on the plain-SQLite twin of the vault (same schema and code; the encrypted one writes
    the same pages) so that the stock ``sqlite3`` module's ``dbstat`` table can name each page.
    """
    import shutil
    import sqlite3
    import struct
    vault = Vault._open_plain_for_benchmark(tmp / "frames", "bench")
    db = vault._db()
    db.execute("PRAGMA wal_autocheckpoint = 0")
    visits = full_visits(n + 20, seed=3)
    for v in visits[:20]:
        vault.save_visit(v)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = int(db.execute("PRAGMA page_size").fetchone()[0])
    wal = tmp / "frames" / "vault.db-wal"
    bounds = []
    for v in visits[20:]:
        start = wal.stat().st_size if wal.exists() else 0
        vault.save_visit(v)
        bounds.append((max(start, 32), wal.stat().st_size))
    data = wal.read_bytes()
    shutil.copy(tmp / "frames" / "vault.db", tmp / "frames-copy.db")
    shutil.copy(wal, tmp / "frames-copy.db-wal")
    vault.lock()
    names = {}
    try:
        with contextlib.closing(sqlite3.connect(tmp / "frames-copy.db")) as conn:
            names = {pgno: name for name, pgno in conn.execute("SELECT name, pageno FROM dbstat")}
    except sqlite3.OperationalError:  # a Python built without dbstat: frames only
        pass
    frames = btrees = 0
    for start, end in bounds:
        pgnos = [struct.unpack(">I", data[off:off + 4])[0] for off in range(start, end, page + 24)]
        frames += len(pgnos)
        btrees += len({names.get(p, p) for p in pgnos})
    return {"pages_per_save": frames / n, "btrees_per_save": btrees / n if names else float("nan")}


def time_queries(fn, queries) -> list[float]:
    samples = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def bench_search(tmp: Path, households: int, n_queries: int) -> dict:
    vault = Vault.create(tmp / "search", "bench", PASSPHRASE, None, kdf=FAST_KDF)
    t = time.perf_counter()
    visits = demo.generate(households, seed=2026)
    sample: list[dict] = []
    rng = random.Random(5)

    def tap(it):
        for v in it:
            if rng.random() < 0.01:
                sample.extend(v["answers"]["members"])
            yield v

    vault.save_visits(tap(visits), batch_size=1000)
    load_s = time.perf_counter() - t
    rng.shuffle(sample)
    people = sample[:n_queries]
    name2 = [m["name"][:2] for m in people]
    name3 = [m["name"][:3] for m in people if len(m["name"]) >= 3]
    given = [m["name"][1:] for m in people]                  # given name alone (1–2 characters)
    ids = [m["id_number"] for m in people]
    id_part = [m["id_number"][6:14] for m in people]        # birth date digits as a substring
    search = lambda q: vault.search_households(q, limit=200)  # noqa: E731
    res = {"households": vault.household_count(), "load_s": load_s}
    for key, qs in (("name2", name2), ("name3", name3), ("given", given), ("id", ids), ("id_part", id_part)):
        ms = time_queries(search, qs)
        res[f"search_{key}_p50_ms"], res[f"search_{key}_p95_ms"] = statistics.median(ms), pct(ms, 95)
    found = sum(1 for m in people if any(r[1] for r in vault.search_households(m["id_number"], limit=5)))
    res["id_found"] = f"{found}/{len(people)}"
    # Baseline: the naive LIKE scan over names (what the indexes replace), same file, same queries.
    db = vault._db()
    like = lambda q: db.execute(  # noqa: E731
        "SELECT id FROM households WHERE rowid IN (SELECT household FROM members WHERE name LIKE ?) LIMIT 200",
        ["%" + q + "%"]).fetchall()
    ms = time_queries(like, name2[: max(10, n_queries // 4)])
    res["like_scan_name2_p50_ms"] = statistics.median(ms)
    res["search_speedup_vs_like"] = res["like_scan_name2_p50_ms"] / res["search_name2_p50_ms"]
    ms = time_queries(lambda _q: vault.household_rows(), range(5))
    res["household_rows_ms"] = statistics.median(ms)
    res["db_mb"] = sum(p.stat().st_size for p in (tmp / "search").glob("vault.db*")) / 1e6
    ms = time_queries(lambda q: vault.search_households(village=q, category="dibao_a", open_needs=True, limit=500),
                      [v[0] for v in demo.VILLAGES])
    res["filter_p50_ms"] = statistics.median(ms)
    vault.lock()
    return res


def bench_unlock(tmp: Path, rounds: int) -> dict:
    _, office_pub = DEFAULT_SUITE.generate_recipient_keypair()
    Vault.create(tmp / "unlock", "bench", PASSPHRASE, office_pub, kdf=DEFAULT_KDF).lock()
    ms = []
    for _ in range(rounds):
        t = time.perf_counter()
        v = Vault.open(tmp / "unlock")
        v.unlock("bench", PASSPHRASE)
        ms.append((time.perf_counter() - t) * 1000)
        v.lock()
    return {"unlock_p50_ms": statistics.median(ms), "kdf": f"argon2id-m{DEFAULT_KDF.memory_cost // 1024}MiB-t{DEFAULT_KDF.iterations}-p{DEFAULT_KDF.lanes}"}


def main(argv=None) -> int:
    """Run the benchmark and print the figures and the RESULT line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 households and fewer saves (< 30 s)")
    ap.add_argument("--households", type=int, help="households for the search benchmark (default 100000, quick 10000)")
    args = ap.parse_args(argv)
    households = args.households or (10_000 if args.quick else 100_000)
    saves = 100 if args.quick else 400
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-") as d:
        tmp = Path(d)
        r = {}
        r.update(bench_saves(tmp, saves))
        print(f"save full visit (6 members): SQLCipher p50 {r['save_p50_ms']:.2f} ms p95 {r['save_p95_ms']:.2f} ms | "
              f"plain SQLite p50 {r['plain_save_p50_ms']:.2f} ms p95 {r['plain_save_p95_ms']:.2f} ms | "
              f"ratio p50 {r['save_ratio_p50']:.2f}x p95 {r['save_ratio_p95']:.2f}x ({r['saves']} saves each)")
        print(f"  CPU time per save (mean): SQLCipher {r['save_cpu_ms']:.2f} ms | plain {r['plain_save_cpu_ms']:.2f} ms | "
              f"ratio {r['save_cpu_ratio']:.2f}x   (synchronous=FULL: wall time includes the WAL fsync)")
        r.update(pages_per_save(tmp, 50 if args.quick else 200))
        r.update(bench_page_cost(tmp, 300 if args.quick else 1500))
        # The encryption cost a save cannot avoid: its pages times the measured cost per page.
        r["crypto_ms_per_save"] = r["pages_per_save"] * r["page_us_sqlcipher4"] / 1000
        # The floor: the ratio a save cannot go below with SQLCipher 4 (its pages' encryption on top of the plain save).
        r["ratio_floor"] = 1 + r["crypto_ms_per_save"] / r["plain_save_cpu_ms"]
        r["pages_for_1_8x"] = 0.8 * r["plain_save_cpu_ms"] * 1000 / r["page_us_sqlcipher4"]
        r["target_1_8x_met"] = "yes" if r["save_ratio_p50"] <= 1.8 else "no"
        print(f"  pages written per save: {r['pages_per_save']:.1f} in {r['btrees_per_save']:.1f} tables/indexes; encryption per written page (CPU, encrypted minus plain): "
              f"SQLCipher 4 {r['page_us_sqlcipher4']:.1f} us (plain SQLite {r['page_plain_us_sqlcipher4']:.1f} us), "
              f"with HMAC-SHA256 {r['page_us_sqlcipher4_hmac_sha256']:.1f} us"
              + (f", SQLite3MC's SQLCipher 4 {r['page_us_sqlite3mc_sqlcipher4']:.1f} us" if "page_us_sqlite3mc_sqlcipher4" in r else ""))
        print(f"  -> {r['crypto_ms_per_save']:.2f} ms of encryption per save: floor {r['ratio_floor']:.2f}x; "
              f"1.8x of this plain save allows {r['pages_for_1_8x']:.0f} pages; target <= 1.8x (p50): {r['target_1_8x_met']}")
        r.update(bench_search(tmp, households, 60 if args.quick else 200))
        print(f"loaded {r['households']} households in {r['load_s']:.1f} s (save_visits, 1000 per transaction); "
              f"file {r['db_mb']:.0f} MB")
        for key, label in (("name2", "name, 2 chars"), ("name3", "name, 3 chars"), ("given", "given name (1-2 chars)"),
                           ("id", "ID number, full"), ("id_part", "ID number, 8-digit substring")):
            print(f"search {label}: p50 {r[f'search_{key}_p50_ms']:.2f} ms p95 {r[f'search_{key}_p95_ms']:.2f} ms")
        print(f"baseline LIKE scan (2-char name): p50 {r['like_scan_name2_p50_ms']:.1f} ms -> indexes {r['search_speedup_vs_like']:.0f}x faster")
        print(f"household_rows() for all: {r['household_rows_ms']:.0f} ms; village+category+open-needs filter p50 {r['filter_p50_ms']:.1f} ms")
        r.update(bench_unlock(tmp, 3 if args.quick else 5))
        print(f"unlock ({r['kdf']}) p50 {r['unlock_p50_ms']:.0f} ms")
    keys = ("save_p50_ms", "save_p95_ms", "plain_save_p50_ms", "plain_save_p95_ms", "save_ratio_p50", "save_ratio_p95",
            "save_cpu_ratio", "pages_per_save", "btrees_per_save", "page_us_sqlcipher4", "crypto_ms_per_save", "ratio_floor", "pages_for_1_8x", "target_1_8x_met", "db_mb",
            "households", "search_name2_p95_ms", "search_name3_p95_ms", "search_given_p95_ms", "search_id_p95_ms",
            "search_id_part_p95_ms", "search_speedup_vs_like", "household_rows_ms", "unlock_p50_ms")
    print("RESULT " + " ".join(f"{k}={r[k]:.2f}" if isinstance(r[k], float) else f"{k}={r[k]}" for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
