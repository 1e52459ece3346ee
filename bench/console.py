"""Web console on PostgreSQL: one county of 20 townships, p95 of its pages against the database time of the same query.

Households (about 3 members each, each with a final visit) are pushed through the server's own merge.
Each page is requested over HTTPS in-process as a signed-in user; the baseline is the same storage
query run directly in the same run. The county ledger export (xlsx) is timed once.

    .venv/bin/python bench/console.py            # 200,000 households (~600,000 members): long
    .venv/bin/python bench/console.py --quick    # 4,000 households (< 30 s of seeding and index)

The seeding writes with the tables' secondary indexes dropped and creates them again at the end (as a restore
would); the search index is built in bulk from the search code's own ``terms`` and ``grams``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COUNTY, TOWNSHIPS, VILLAGES_PER_TOWNSHIP = "320115", 20, 15
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀英桂兰德明建国志强淑珍玉梅海燕小军春华丽娟文杰"
TARGET_MS = 200


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


CAMPAIGN, SINCE, DEADLINE_DAYS = "2026年四个摸清专项行动", "2026-04-01", 15
BATCH = 5000


def seed(storage, households: int, rng: random.Random) -> list[tuple[str, str, str, str, str]]:  # noqa: C901
    """Areas, a roster campaign and households, written fast through the storage layer's own pieces.

    Each household and its visit are made by the server's own merge of a new record (``sql._merge``, the
    function ``push`` uses, storage/push.py) into the rows ``push`` writes (``_record_row``, ``CHANGE_INSERT_COLUMNS``), and
    written with the backend's ``insert_rows`` (COPY on PostgreSQL), 5,000 households per transaction,
    with their member-ID index rows and the change-log counter. What ``push`` adds per batch and is left out
    here: the look-up of the changes and records already stored (none: every id is new), area checks
    (one county, written as the county administrator) and conflict detection (nothing to conflict with).
    About 95% are on the campaign's roster (the rest found at the door), 75% with a final visit dated
    since the campaign's start, 4% recorded 无法入户; a third of the visits are approved, 3% returned
    (through the review storage's own ``record``).

    Returns (household_id, village, head name, part of its address, an ID number) of each household.
    """
    import datetime as dt

    from forms.coverage import REASONS
    from forms.expressions import local_today
    from forms.idnumber import check_char
    from forms.places import township_of
    from sync.server.admin import add_area
    from sync.server.storage.push import CHANGE_INSERT_COLUMNS, RECORD_COLUMNS, _merge, _record_row

    add_area(storage, COUNTY, "江宁区")
    villages = []
    for t in range(1, TOWNSHIPS + 1):
        town = f"{COUNTY}{t:03d}"
        add_area(storage, town, f"第{t}街道")
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
            add_area(storage, f"{town}{v:03d}", f"第{t}街道第{v}社区", "urban" if v % 2 else "rural")
            villages.append(f"{town}{v:03d}")
    now = "2026-05-12T06:30:00+00:00"
    with storage._tx() as tx:
        tx.exec("INSERT INTO roster_campaigns (name, start_date, created_at) VALUES (%s, %s, %s)", (CAMPAIGN, SINCE, now))
    start = dt.date.fromisoformat(SINCE)
    span = max(1, (local_today() - start).days)
    made, visits = [], []
    with storage._tx() as tx:
        seq = int(tx.one("SELECT value FROM counters WHERE name = 'seq'")["value"])
    for first in range(0, households, BATCH):
        change_rows, record_rows, member_rows = [], [], []
        for i in range(first, min(households, first + BATCH)):
            village = villages[i % len(villages)]
            hid, vid = str(uuid.uuid4()), str(uuid.uuid4())
            members = []
            for m in range(rng.choice((1, 2, 3, 3, 4, 5))):
                first17 = (f"{COUNTY}{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                           f"{rng.randint(0, 999):03d}")
                members.append({"member_id": str(uuid.uuid4()), "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                                "id_number": first17 + check_char(first17), "relation": "head" if m == 0 else "child"})
            fields = {"village_code": village, "area_type": "urban", "address": f"第{i % 997}路{i}号", "members": members,
                      "categories": ["dibao_a"], "needs": [], "incomes": [{"source": "pension", "amount_fen": 80000}],
                      "expenses": [], "assets_meet_rules": "yes"}
            draw = rng.random()
            if draw < 0.95:
                fields["roster"] = {"campaign": CAMPAIGN, "since": SINCE, "key": members[0]["id_number"]}
            visited = draw < 0.75 or draw >= 0.95
            if not visited and draw < 0.79:
                fields["target_status"] = {"campaign": CAMPAIGN, "state": "unreachable", "reason": rng.choice(REASONS),
                                           "note": "多次上门无人", "visitors": ["王协理", "李干部"], "by": "王协理", "at": now}
            changes = [{"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
                        "village_code": village, "base_revision": 0, "author": "王协理", "at": now, "fields": fields}]
            if visited:
                visit_date = (start + dt.timedelta(days=rng.randrange(span))).isoformat()
                answers = dict(fields, visit_date=visit_date, visitors=["王协理", "李干部"])
                answers.pop("roster", None)
                answers.pop("target_status", None)
                changes.append({"change_id": str(uuid.uuid4()), "entity": "visit", "entity_id": vid, "household_id": hid,
                                "village_code": village, "base_revision": 0, "author": "王协理", "at": now,
                                "fields": {"household_id": hid, "form_id": "four_clarifications", "form_version": 1,
                                           "status": "final", "answers": answers}})
                visits.append(vid)
            for change in changes:
                record, status, _, _, names = _merge(None, change, "bench-loader")
                seq += 1
                record["updated_seq"] = seq
                after = {f: record["fields"].get(f) for f in names}
                change_rows.append((seq, change["change_id"], change["entity"], change["entity_id"], hid, village,
                                    township_of(village), record["revision"], json.dumps(after, ensure_ascii=False, separators=(",", ":")),
                                    "bench-loader", "王协理", now, now, status))
                record_rows.append(_record_row(record))
            member_rows += [(n, hid, village, township_of(village), now) for n in sorted({m["id_number"] for m in members})]
            made.append((hid, village, members[0]["name"], f"路{i}号", members[-1]["id_number"]))
        with storage._tx() as tx:
            tx.insert_rows("changes", CHANGE_INSERT_COLUMNS, change_rows)
            tx.insert_rows("records", RECORD_COLUMNS, record_rows)
            tx.insert_rows("member_ids", ("id_number", "household_id", "village_code", "township_code", "updated_at"), member_rows)
            tx.exec("UPDATE counters SET value = %s WHERE name = 'seq'", (seq,))
    return made, visits


def seed_reviews(storage, visits: list[str], rng: random.Random) -> None:
    """A third of the visits approved, 3% returned, through the review storage's own ``record``."""
    from sync.server.storage import Scope

    now = "2026-05-12T06:30:00+00:00"
    rng.shuffle(visits)
    approved, returned = visits[:len(visits) // 3], visits[len(visits) // 3:len(visits) // 3 + len(visits) * 3 // 100]
    admin = Scope("admin", "")
    for action, ids in (("approved", approved), ("returned", returned)):
        for k in range(0, len(ids), 1000):
            storage.reviews.record(admin, [{"visit_id": v, "action": action, "comment": "请核实收入" if action == "returned" else ""}
                                           for v in ids[k:k + 1000]], "bench-county", "county", "县民政局审核员", now)


BULK_TABLES = ("changes", "records", "member_ids", "console_search", "console_search_gram")


def drop_indexes(storage) -> list[str]:
    """Drop the secondary indexes (not those of a key or constraint) of the tables the seeding fills; returns
    their definitions, as PostgreSQL reports them, to create them again once the rows are in
    (:func:`create_indexes`): one sorted build per index instead of millions of B-tree inserts."""
    with storage._tx() as tx:
        rows = tx.q("SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                    "WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                    (list(BULK_TABLES),))
        for r in rows:
            tx.exec(f'DROP INDEX "{r["name"]}"')   # names from the catalogue, not input
    return [r["definition"] for r in rows]


def create_indexes(storage, definitions: list[str]) -> None:
    with storage._tx() as tx:
        tx.exec("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in definitions:
            tx.exec(definition)


def bulk_search_index(storage) -> int:
    """The search index of every household, built as ``search_index.reindex`` builds it (its own ``terms`` and
    ``grams``) but in bulk: COPY into the tables without their secondary indexes, the gram counts grouped in one
    statement, the index state set to the change log's top. ``ConsoleStore.refresh_search`` then finds nothing
    to do (checked by the caller). Returns the grams written."""
    from sync.server.storage import search_index

    with storage._tx() as tx:
        top = int(tx.one("SELECT value FROM counters WHERE name = 'seq'")["value"])
    last, written = "", 0
    while True:
        with storage._tx() as tx:
            rows = tx.q("SELECT household_id, township_code, fields FROM records WHERE entity = 'household' "
                        "AND entity_id > %s ORDER BY entity_id LIMIT %s", (last, BATCH))
            if not rows:
                break
            last = rows[-1]["household_id"]
            term_rows, gram_rows = [], []
            for r in rows:
                found = search_index.terms(json.loads(r["fields"]))
                term_rows += [(r["household_id"], r["township_code"], kind, term) for kind, term in found]
                gram_rows += [(r["household_id"], r["township_code"], g) for g in search_index.grams(found)]
            tx.insert_rows("console_search", search_index.TERM_COLUMNS, term_rows)
            tx.insert_rows("console_search_gram", search_index.GRAM_COLUMNS, gram_rows)
            written += len(gram_rows)
    with storage._tx() as tx:
        tx.exec("INSERT INTO console_search_gram_counts (gram, township_code, n) "
                "SELECT gram, township_code, COUNT(*) FROM console_search_gram GROUP BY gram, township_code")
        tx.exec("UPDATE console_search_state SET seq = %s WHERE id = 1", (top,))
    return written


def publish_reference(storage) -> None:
    """The county's reference data, as the 参考数据 page publishes it (the ledger needs the place names)."""
    from sync.server.console.reference_form import skeleton

    doc = skeleton(storage.list_areas())
    doc.update(reference_id="bench", hotline="12349", review_deadline_days=DEADLINE_DAYS, savings_threshold_fen=5000000, utility_threshold_fen=60000,
               dibao_standards=[{"county_code": COUNTY, "area_type": a, "effective_from": "2025-07-01", "monthly_fen": 106000}
                                for a in ("urban", "rural")])
    storage.publish_document("reference", "reference", doc, "2026-05-01T00:00:00+00:00")


def progress(what: str) -> None:
    """A phase's start on stderr (a full run takes a while); the figures are printed at the end."""
    print(time.strftime("%H:%M:%S"), what, file=sys.stderr, flush=True)


def timed(fn, rounds: int, cpu: list | None = None, before=None) -> list[float]:
    """Wall-clock ms of each call; with *cpu*, this process's CPU ms of each call appended to it (the app's
    threads included, the PostgreSQL server's own CPU not). *before*, if given, runs untimed before each call."""
    out = []
    for _ in range(rounds):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - start_cpu) * 1000)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 households (about a minute)")
    parser.add_argument("--households", type=int, help="default 200,000; 4,000 with --quick")
    parser.add_argument("--rounds", type=int, default=40, help="requests per page")
    parser.add_argument("--ledger", choices=("county", "township", "none"),
                        help="which ledger export to time (default: county with --quick, else one township)")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the PostgreSQL cluster in DIR: the first run seeds a database there and later runs "
                             "with the same --households copy it instead of seeding again (seeding 200,000 takes 10+ minutes)")
    parser.add_argument("--pages", help="comma-separated page names to time (default: all), e.g. coverage_village,search_address")
    args = parser.parse_args(argv)
    ledger_area = args.ledger or ("county" if args.quick else "township")
    households = args.households or (4000 if args.quick else 200_000)
    from fastapi.testclient import TestClient

    from sync.server.app import create_app
    from sync.server.console.accounts import hash_passphrase
    from sync.server.console.store import ConsoleStore
    from sync.server import review
    from sync.server.console.pages_campaign import REVIEW_PAGE
    from sync.server.roster_import import coverage
    from sync.server.storage import coverage_facts
    from sync.server.storage import Scope, open_storage
    from tests.sync.pg import TempPostgres

    rng = random.Random(16)
    keep = Path(args.keep) if args.keep else None
    pg = TempPostgres(keep).start()
    run_url = None
    try:
        seeded_file = keep / f"seeded-{households}.json" if keep else None
        if seeded_file is not None and seeded_file.exists():
            # A database this option seeded earlier: copied, so every run starts from the same rows; then
            # migrated, so a schema change made since runs its migration (and its data steps) on it.
            saved = json.loads(seeded_file.read_text())
            made, visits = [tuple(m) for m in saved["made"]], saved["visits"]
            seeded_s, indexed_s, facts_s = saved["seed_s"], saved["index_s"], saved["facts_s"]
            seeded = open_storage(pg.url(saved["database"]))
            if seeded.migrate():
                # a schema change made since the seeding: migrated (with its data steps) once, in the kept database,
                # not again in every copy of it
                progress(f"migrated the kept database ({saved['database']}) to schema {seeded.schema_version()}")
                ConsoleStore(seeded).refresh_search()
                coverage_facts.refresh(seeded)
                with seeded._tx() as tx:
                    tx.exec("ANALYZE")
            seeded.close()
            progress(f"copying the {households} households seeded earlier ({saved['database']})")
            start = time.perf_counter()
            run_url = pg.copy_database(saved["database"], "run")
            storage = open_storage(run_url)
            storage.migrate()
            store = ConsoleStore(storage)
            progress(f"copied and migrated in {time.perf_counter() - start:.0f} s; search index and coverage facts brought up to date")
            store.refresh_search()
            coverage_facts.refresh(storage)
        else:
            url = pg.create_database("seeded" if keep else "console")
            storage = open_storage(url)
            storage.migrate()
            start = time.perf_counter()
            progress(f"seeding {households} households")
            dropped = drop_indexes(storage)   # created again below, after the search index is in
            made, visits = seed(storage, households, rng)
            seeded_s = time.perf_counter() - start
            store = ConsoleStore(storage)
            start = time.perf_counter()
            progress("search index")
            bulk_search_index(storage)   # what the first search of a new server does (search_index.refresh), in bulk
            indexed_s = time.perf_counter() - start
            start = time.perf_counter()
            progress("indexes and reviews")
            create_indexes(storage, dropped)
            seed_reviews(storage, visits, rng)
            assert store.refresh_search() == 0   # the bulk index is the one the change log asks for
            seeded_s += time.perf_counter() - start
            start = time.perf_counter()
            progress("coverage facts")
            coverage_facts.refresh(storage)   # so does the first coverage page, for the coverage facts
            facts_s = time.perf_counter() - start
            if keep is not None:   # kept as seeded; this run works on a copy
                with storage._tx() as tx:
                    tx.exec("ANALYZE")
                storage.close()
                database = url.rsplit("/", 1)[1]
                seeded_file.write_text(json.dumps({"database": database, "made": made, "visits": visits, "seed_s": seeded_s,
                                                   "index_s": indexed_s, "facts_s": facts_s}, ensure_ascii=False))
                run_url = pg.copy_database(database, "run")
                storage = open_storage(run_url)
                store = ConsoleStore(storage)
        start = time.perf_counter()
        coverage_facts.report(storage, CAMPAIGN, SINCE, "", None, DEADLINE_DAYS)   # the first page's counts per village
        counts_s = time.perf_counter() - start
        with storage._tx() as tx:
            tx.exec("ANALYZE")
        publish_reference(storage)
        store.add_user("bench-admin", "county_admin", None, hash_passphrase("bench passphrase 16"), "2026-05-12T00:00:00+00:00")
        client = TestClient(create_app(storage), base_url="https://testserver", follow_redirects=False)
        assert client.post("/console/login", data={"name": "bench-admin", "passphrase": "bench passphrase 16"}).status_code == 303
        admin = Scope("admin", "")
        picks = [made[rng.randrange(len(made))] for _ in range(args.rounds)]
        it = iter(range(10**9))

        def pick():
            return picks[next(it) % len(picks)]

        town, village = f"{COUNTY}001", f"{COUNTY}001001"
        county_reviewer = review.county_reviewer("", "bench-admin")

        def coverage_db(area: str):   # the page's queries: the grouped coverage facts (coverage_facts.report)
            coverage_facts.report(storage, CAMPAIGN, SINCE, area, None, DEADLINE_DAYS)

        def one_change():   # a laptop's push of one new final visit: the coverage facts and counts move
            # (its answers carry the village, as every visit the app records does: a visit without one is grouped
            # under "" by the ledger, which then cannot stream and falls back to grouping the whole area in memory)
            hid, where = pick()[:2]
            vid = str(uuid.uuid4())
            storage.push(admin, "bench-laptop", [{
                "change_id": str(uuid.uuid4()), "entity": "visit", "entity_id": vid, "household_id": hid,
                "village_code": where, "base_revision": 0, "author": "王协理", "at": "2026-06-01T08:00:00+00:00",
                "fields": {"household_id": hid, "form_id": "four_clarifications", "form_version": 1, "status": "final",
                           "answers": {"visit_date": "2026-06-01", "visitors": ["王协理", "李干部"],
                                       "village_code": where, "area_type": "urban"}}}],
                "2026-06-01T08:00:00+00:00")

        pages = {
            "coverage_county": (lambda: client.get("/console/coverage"), lambda: coverage_db("")),
            "coverage_county_changed": (lambda: client.get("/console/coverage"), lambda: coverage_db(""), one_change),
            "coverage_township": (lambda: client.get("/console/coverage", params={"area": town}), lambda: coverage_db(town)),
            "coverage_village": (lambda: client.get("/console/coverage", params={"area": village}),
                                 lambda: coverage_db(village)),
            "search": (lambda: client.get("/console/households", params={"q": pick()[2]}),
                       lambda: store.search_households(admin, pick()[2])),
            "search_2chars": (lambda: client.get("/console/households", params={"q": pick()[2][1:]}),
                              lambda: store.search_households(admin, pick()[2][1:])),
            "search_address": (lambda: client.get("/console/households", params={"q": pick()[3]}),
                               lambda: store.search_households(admin, pick()[3])),
            # a common fragment of house numbers (3 digits: in about 1,000 addresses at 200,000) beside the rare
            # 路<i>号 above (one household, every 2-character piece of it in thousands)
            "search_address_3digits": (lambda: client.get("/console/households", params={"q": pick()[3][1:4]}),
                                       lambda: store.search_households(admin, pick()[3][1:4])),
            "search_id_last6": (lambda: client.get("/console/households", params={"q": pick()[4][-6:]}),
                                lambda: store.search_households(admin, pick()[4][-6:])),
            "household": (lambda: client.get(f"/console/households/{pick()[0]}"),
                          lambda: (store.household(pick()[0]), store.household_changes(pick()[0]))),
            "review_queue": (lambda: client.get("/console/review"),
                             lambda: storage.reviews.pending(county_reviewer.scope, None, REVIEW_PAGE + 1)),
            "conflicts": (lambda: client.get("/console/conflicts"), lambda: storage.list_conflicts(admin, "open")),
        }
        del coverage   # the pages call it; the baseline is its storage queries
        if args.pages:
            unknown = set(args.pages.split(",")) - set(pages)
            if unknown:
                parser.error(f"unknown pages {sorted(unknown)}; known: {', '.join(pages)}")
            pages = {n: v for n, v in pages.items() if n in args.pages.split(",")}
        results, cpu_ms = {}, {}
        for name, (page, query, *before) in pages.items():
            progress(name)
            page()   # warm
            answer = page()
            assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])
            page_cpu: list[float] = []
            hook = before[0] if before else None
            results[name] = (p95(timed(page, args.rounds, page_cpu, hook)), p95(timed(query, args.rounds, None, hook)))
            cpu_ms[name] = statistics.median(page_cpu)
        ledger, ledger_s, ledger_cpu_s, rss_before_mib, rss_peak_mib = None, 0.0, 0.0, 0, 0
        if ledger_area != "none":
            progress(f"{ledger_area} ledger")
            rss = RssPeak()   # the server's memory during the export: it runs in this process
            start, cpu = time.perf_counter(), time.process_time()
            ledger = client.post("/console/ledger/download", data={"area": COUNTY if ledger_area == "county" else town,
                                                                    "format": "xlsx", "csrf": _csrf(client)})
            ledger_s, ledger_cpu_s = time.perf_counter() - start, time.process_time() - cpu
            rss_before_mib, rss_peak_mib = rss.stop()
        with storage._tx(write=False) as tx:
            members = int(tx.one("SELECT COUNT(*) AS n FROM member_ids")["n"])
            visits = int(tx.one("SELECT COUNT(*) AS n FROM records WHERE entity = 'visit'")["n"])
            grams = int(tx.one("SELECT COUNT(*) AS n FROM console_search_gram")["n"])
        loadavg = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"] * 3
        storage.close()
    finally:
        if run_url is not None:
            pg.drop_database(run_url)   # the kept cluster keeps only the seeded database
        pg.stop()
    print(f"{households} households, {members} members, {visits} visits in one county of {TOWNSHIPS} townships; "
          f"seeded in {seeded_s:.0f} s, search index ({grams} grams) built in {indexed_s:.1f} s, coverage facts in {facts_s:.1f} s, counts in {counts_s:.1f} s; load average {' '.join(loadavg)}")
    for name, (page_ms, db_ms) in results.items():
        print(f"  {name:18s} page p95 {page_ms:8.1f} ms   database p95 {db_ms:8.1f} ms   ratio {page_ms / max(db_ms, 0.01):5.1f}x"
              f"   page CPU median {cpu_ms[name]:6.1f} ms")
    if ledger is not None:
        print(f"  {ledger_area} ledger export: HTTP {ledger.status_code}, {ledger_s:.1f} s ({ledger_cpu_s:.1f} s CPU of this "
              f"process), {len(ledger.content) // 1024} KiB; resident memory {rss_before_mib} MiB before, "
              f"{rss_peak_mib} MiB at most during the export")
        if ledger.status_code != 200:
            print("  ledger error:", ledger.text[:300])
    meets = all(page_ms <= TARGET_MS for page_ms, _ in results.values())
    print("RESULT households=%d members=%d " % (households, members) + " ".join(
        f"{n}_p95_ms={p:.0f} {n}_db_p95_ms={d:.0f} {n}_cpu_ms={cpu_ms[n]:.0f}" for n, (p, d) in results.items())
        + f" ledger={ledger_area} ledger_s={ledger_s:.1f} ledger_cpu_s={ledger_cpu_s:.1f} ledger_rss_before_mib={rss_before_mib} "
        f"ledger_rss_peak_mib={rss_peak_mib} seed_s={seeded_s:.0f} "
        f"index_s={indexed_s:.1f} facts_s={facts_s:.1f} counts_s={counts_s:.1f} load={loadavg[0]} target_ms={TARGET_MS} meets_target={'yes' if meets else 'no'}")
    return 0


class RssPeak:
    """This process's resident memory, sampled every 50 ms from /proc/self/status until :meth:`stop`."""

    def __init__(self):
        import threading

        self.before = self.peak = self._rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _rss() -> int:
        status = Path("/proc/self/status")
        if not status.exists():
            return 0
        line = next((x for x in status.read_text().splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
        return int(line.split()[1]) // 1024

    def _run(self):
        while not self._done.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def stop(self) -> tuple[int, int]:
        self._done.set()
        self._thread.join()
        return self.before, max(self.peak, self._rss())


def _csrf(client) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get("/console/ledger").text).group(1)


if __name__ == "__main__":
    sys.exit(main())
