"""Web console on PostgreSQL: one county of 20 townships, p95 of its pages against the database time of the same query.

Households (about 3 members each, each with a final visit) are pushed through the server's own merge.
Each page is requested over HTTPS in-process as a signed-in user; the baseline is the same storage
query run directly in the same run. The county ledger export (xlsx) is timed once.

    .venv/bin/python bench/console.py            # 200,000 households (~600,000 members): long
    .venv/bin/python bench/console.py --quick    # 4,000 households
"""

from __future__ import annotations

import argparse
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


def seed(storage, households: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Areas and households; returns (household_id, village, head name, part of its address) of each."""
    from forms.idnumber import check_char
    from sync.server.admin import add_area
    from sync.server.storage import Scope

    add_area(storage, COUNTY, "江宁区")
    villages = []
    for t in range(1, TOWNSHIPS + 1):
        town = f"{COUNTY}{t:03d}"
        add_area(storage, town, f"第{t}街道")
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
            add_area(storage, f"{town}{v:03d}", f"第{t}街道第{v}社区", "urban" if v % 2 else "rural")
            villages.append(f"{town}{v:03d}")
    made, batch = [], []
    now = "2026-05-12T06:30:00+00:00"
    for i in range(households):
        village = villages[i % len(villages)]
        hid, vid = str(uuid.uuid4()), str(uuid.uuid4())
        members = []
        for m in range(rng.choice((1, 2, 3, 3, 4, 5))):
            first17 = f"{COUNTY}{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
            members.append({"member_id": str(uuid.uuid4()), "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                            "id_number": first17 + check_char(first17), "relation": "head" if m == 0 else "child"})
        answers = {"visit_date": "2026-05-12", "visitors": ["王协理", "李干部"], "village_code": village, "area_type": "urban",
                   "address": f"第{i % 997}路{i}号", "members": members, "categories": ["dibao_a"], "needs": [],
                   "incomes": [{"source": "pension", "amount_fen": 80000}], "expenses": [], "assets_meet_rules": "yes"}
        batch += [{"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
                   "village_code": village, "base_revision": 0, "author": "王协理", "at": now,
                   "fields": {k: v for k, v in answers.items() if k not in ("visit_date", "visitors")}},
                  {"change_id": str(uuid.uuid4()), "entity": "visit", "entity_id": vid, "household_id": hid,
                   "village_code": village, "base_revision": 0, "author": "王协理", "at": now,
                   "fields": {"household_id": hid, "form_id": "four_clarifications", "form_version": 1, "status": "final",
                              "answers": answers}}]
        made.append((hid, village, members[0]["name"], f"路{i}号"))
        if len(batch) >= 1000 or i == households - 1:
            storage.push(Scope("admin", ""), "bench-loader", batch, now)
            batch = []
    return made


def publish_reference(storage) -> None:
    """The county's reference data, as the 参考数据 page publishes it (the ledger needs the place names)."""
    from sync.server.console.reference_form import skeleton

    doc = skeleton(storage.list_areas())
    doc.update(reference_id="bench", hotline="12349", savings_threshold_fen=5000000, utility_threshold_fen=60000,
               dibao_standards=[{"county_code": COUNTY, "area_type": a, "effective_from": "2025-07-01", "monthly_fen": 106000}
                                for a in ("urban", "rural")])
    storage.publish_document("reference", "reference", doc, "2026-05-01T00:00:00+00:00")


def timed(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 households (about a minute)")
    parser.add_argument("--households", type=int, help="default 200,000; 4,000 with --quick")
    parser.add_argument("--rounds", type=int, default=40, help="requests per page")
    args = parser.parse_args(argv)
    households = args.households or (4000 if args.quick else 200_000)
    from fastapi.testclient import TestClient

    from sync.server.app import create_app
    from sync.server.console.accounts import hash_passphrase
    from sync.server.console.store import ConsoleStore
    from sync.server.storage import Scope, open_storage
    from tests.sync.pg import TempPostgres

    rng = random.Random(16)
    pg = TempPostgres().start()
    try:
        storage = open_storage(pg.create_database("console"))
        storage.migrate()
        start = time.perf_counter()
        made = seed(storage, households, rng)
        seeded_s = time.perf_counter() - start
        store = ConsoleStore(storage)
        start = time.perf_counter()
        store.refresh_search()   # the first search of a new server indexes every household once
        indexed_s = time.perf_counter() - start
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

        pages = {
            "search": (lambda: client.get("/console/households", params={"q": pick()[2]}),
                       lambda: store.search_households(admin, pick()[2])),
            "search_part": (lambda: client.get("/console/households", params={"q": pick()[2][1:]}),
                            lambda: store.search_households(admin, pick()[2][1:])),
            "search_address": (lambda: client.get("/console/households", params={"q": pick()[3]}),
                               lambda: store.search_households(admin, pick()[3])),
            "household": (lambda: client.get(f"/console/households/{pick()[0]}"),
                          lambda: (store.household(pick()[0]), store.household_changes(pick()[0]))),
            "conflicts": (lambda: client.get("/console/conflicts"), lambda: storage.list_conflicts(admin, "open")),
        }
        results = {}
        for name, (page, query) in pages.items():
            page()   # warm
            answer = page()
            assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])
            results[name] = (p95(timed(page, args.rounds)), p95(timed(query, args.rounds)))
        start = time.perf_counter()
        ledger = client.post("/console/ledger/download", data={"area": COUNTY, "format": "xlsx",
                                                                "csrf": _csrf(client)})
        ledger_s = time.perf_counter() - start
    finally:
        pg.stop()
    print(f"{households} households, {sum(1 for _ in made)} visits in one county of {TOWNSHIPS} townships "
          f"(seeded through the merge in {seeded_s:.0f} s, search index built in {indexed_s:.1f} s)")
    for name, (page_ms, db_ms) in results.items():
        print(f"  {name:10s} page p95 {page_ms:8.1f} ms   database p95 {db_ms:8.1f} ms   ratio {page_ms / max(db_ms, 0.01):5.1f}x")
    print(f"  county ledger export: HTTP {ledger.status_code}, {ledger_s:.1f} s, {len(ledger.content) // 1024} KiB")
    if ledger.status_code != 200:
        print("  ledger error:", ledger.text[:300])
    meets = all(page_ms <= TARGET_MS for page_ms, _ in results.values())
    print("RESULT households=%d " % households + " ".join(
        f"{n}_p95_ms={p:.0f} {n}_db_p95_ms={d:.0f}" for n, (p, d) in results.items())
        + f" ledger_s={ledger_s:.1f} target_ms={TARGET_MS} meets_target={'yes' if meets else 'no'}")
    return 0


def _csrf(client) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get("/console/ledger").text).group(1)


if __name__ == "__main__":
    sys.exit(main())
