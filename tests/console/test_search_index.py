"""The console's n-gram search index (migration 0012) against a plain scan of the records, on both backends.

A generated county (江宁区 320115, two townships) with names drawn from few characters, so that 1- and
2-character queries hit many households; every query's answer through the index must be the answer of
a plain scan of the current household records, for the county and for each township's reviewer.
"""

from __future__ import annotations

import csv
import random
import uuid

import pytest

from sync.server.console.store import SEARCH_LIMIT, ConsoleStore
from sync.server.roster_import import import_roster
from sync.server.storage import Scope
from tests.console.seed import NOW, TOWN_A, TOWN_B, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1, member, pid, push_household, seed_areas
from tests.sync.conftest import make_storage

SURNAMES = "王李张刘陈"
GIVEN = "秀英桂兰德明建国"
ROADS = ["竹山路", "上坊路", "胜太路", "佘村", "秣陵街道"]
SCOPES = [Scope("admin", ""), Scope("office", TOWN_A), Scope("office", TOWN_B)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def storage(request, tmp_path):
    storage = make_storage(request.param, tmp_path, request)
    seed_areas(storage)
    yield storage
    storage.close()


def generate(storage, rng: random.Random, households: int) -> list[str]:
    ids = []
    for i in range(households):
        village = rng.choice((VILLAGE_A1, VILLAGE_A2, VILLAGE_B1))
        members = [member(rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                          pid(f"320115{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                              f"{rng.randint(0, 999):03d}"), "head" if m == 0 else "child")
                   for m in range(rng.choice((1, 2, 3, 4)))]
        ids.append(push_household(storage, village, f"{rng.choice(ROADS)} {rng.randint(1, 60)} 号", members))
    return ids


def plain_scan(storage, scope: Scope, text: str, records: list[dict] | None = None) -> list[str]:
    """The answer without any index: the current household records (read now unless given), matched one by one."""
    needle = text.strip()
    id_like = len(needle) >= 4 and needle[:-1].isdigit() and (needle[-1].isdigit() or needle[-1] in "xX")
    needle = needle.upper() if id_like else needle
    if not needle:
        return []
    houses = [r for r in (records if records is not None else storage.records(Scope("admin", "")))
              if r["entity"] == "household" and scope.allows(r["village_code"])]

    def people(r):
        return [m for m in r["fields"].get("members") or [] if isinstance(m, dict)]

    exact = sorted(r["household_id"] for r in houses
                   if any(str(m.get("name", "")).strip() == needle or str(m.get("id_number", "")).upper() == needle
                          for m in people(r)))
    if exact:
        return exact[:SEARCH_LIMIT]
    if id_like:
        hits = [r for r in houses if any(needle in str(m.get("id_number", "")).upper() for m in people(r))]
    else:
        hits = [r for r in houses if needle in str(r["fields"].get("address") or "")
                or any(needle in str(m.get("name", "")) for m in people(r))]
    return sorted(r["household_id"] for r in hits)[:SEARCH_LIMIT]


def indexed(store: ConsoleStore, scope: Scope, text: str) -> list[str]:
    return [r["household_id"] for r in store.search_households(scope, text)]


def queries(storage, rng: random.Random, count: int) -> list[str]:
    """Pieces of the stored names, addresses and ID numbers (1 to 4 characters, ID fragments of 4 to 8 digits),
    full names and numbers, and pieces found nowhere."""
    names, addresses, numbers = [], [], []
    for r in storage.records(Scope("admin", "")):
        if r["entity"] == "household":
            addresses.append(r["fields"]["address"])
            for m in r["fields"]["members"]:
                names.append(m["name"])
                numbers.append(m["id_number"])
    out = ["王", "秀", "英", "路", " 号", "国王", "秀英", "竹山", "路 1", "3 号", "王秀英", "竹山路 1", "无此人", "镇",
           "1", "12", "000", "0101", "19", "X"]
    for _ in range(count):
        pick = rng.random()
        if pick < 0.35:
            source, size = rng.choice(names), rng.choice((1, 2, 2, 3))
        elif pick < 0.6:
            source, size = rng.choice(addresses), rng.choice((1, 2, 3, 4))
        elif pick < 0.85:
            source, size = rng.choice(numbers), rng.choice((4, 5, 6, 8))
        else:
            out.append(rng.choice((rng.choice(names), rng.choice(numbers), rng.choice(numbers).lower())))
            continue
        start = rng.randrange(max(1, len(source) - size + 1))
        out.append(source[start:start + size])
    return out


def test_index_answers_as_the_plain_scan_for_pieces_of_names_addresses_and_id_numbers(storage):
    rng = random.Random(1612)
    generate(storage, rng, 160)
    store = ConsoleStore(storage)
    records = storage.records(Scope("admin", ""))
    for text in queries(storage, rng, 150):
        for scope in SCOPES:
            assert indexed(store, scope, text) == plain_scan(storage, scope, text, records), (text, scope)
    # the generated county really exercises the cases: common single characters fill the page, fragments hit
    assert len(indexed(store, SCOPES[0], "王")) == SEARCH_LIMIT
    assert indexed(store, SCOPES[1], "秀英") and indexed(store, SCOPES[2], "0101")


def test_single_and_two_character_queries_and_id_fragments_by_township(storage):
    a = push_household(storage, VILLAGE_A1, "竹山路 12 号", [member("欧阳娜", pid("32011519540312002")),
                                                          member("娜", pid("32011519800101001"), "child")])
    b = push_household(storage, VILLAGE_B1, "胜太路 8 号", [member("阳光", pid("32011519620808002"))])
    store = ConsoleStore(storage)
    admin, town_a, town_b = SCOPES
    assert indexed(store, admin, "娜") == [a] and indexed(store, admin, "阳") == sorted([a, b])
    assert indexed(store, town_b, "阳") == [b] and indexed(store, town_a, "阳") == [a]
    assert indexed(store, admin, "欧阳") == [a] and indexed(store, town_b, "欧阳") == []
    assert indexed(store, admin, "阳娜") == [a] and indexed(store, admin, "娜阳") == []   # order matters
    assert indexed(store, admin, "路 1") == [a] and indexed(store, admin, "8 号") == [b]
    assert indexed(store, admin, "0312") == [a] and indexed(store, admin, "19620808") == [b]
    last4 = pid("32011519540312002")[-4:]
    assert indexed(store, admin, last4) == [a] and indexed(store, town_b, last4) == []
    assert indexed(store, admin, "2011519") == sorted([a, b])         # in every number of the county
    assert indexed(store, admin, "9999") == [] and indexed(store, admin, "") == []


def test_a_push_that_renames_a_member_or_moves_the_address_is_found_by_the_new_text_only(storage):
    hid = push_household(storage, VILLAGE_A1, "竹山路 12 号", [member("张桂英", pid("32011519540312002"))])
    store = ConsoleStore(storage)
    admin = SCOPES[0]
    assert indexed(store, admin, "桂英") == [hid]
    record = next(r for r in storage.records(admin) if r["entity_id"] == hid)
    members = [dict(m, name="张海燕") for m in record["fields"]["members"]]
    verdicts, _ = storage.push(Scope("visitor", TOWN_A, (VILLAGE_A1,)), "laptop-a", [
        {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
         "village_code": VILLAGE_A1, "base_revision": record["revision"], "author": "王协理", "at": NOW,
         "fields": {"members": members, "address": "上坊路 7 号"}}], NOW)
    assert verdicts[0]["status"] == "applied", verdicts
    for gone in ("桂英", "桂", "竹山", "竹山路 12"):
        assert indexed(store, admin, gone) == [], gone
    for found in ("海燕", "燕", "张海燕", "上坊", "路 7"):
        assert indexed(store, admin, found) == [hid], found


def test_households_of_a_roster_import_are_found(storage, tmp_path):
    head, spouse = pid("32011519650312011"), pid("32011519680705022")
    path = tmp_path / "花名册.csv"
    headers = ["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码", "村（社区）",
               "救助类别", "家庭人口", "保障金额", "家庭住址", "联系电话"]
    with path.open("w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows([headers,
                                 ["司马建华", head, "司马建华", "户主", head, VILLAGE_B1, "秣陵社区", "城市低保A类", 2, "1,800.00",
                                  "秣陵街道将军大道 30 号", ""],
                                 ["司马建华", head, "吴秀梅", "配偶", spouse, VILLAGE_B1, "秣陵社区", "", "", "", "", ""]])
    store = ConsoleStore(storage)
    assert indexed(store, SCOPES[0], "司马") == []   # the index exists before the import
    report = import_roster(storage, path, campaign="2026年四个摸清专项行动", start="2026-04-01")
    assert report["households"]["new"] == 1, report
    hid = indexed(store, SCOPES[0], "司马")
    assert len(hid) == 1
    for text in ("司", "马建", "吴秀梅", "将军大道", spouse[-6:], head):
        assert indexed(store, SCOPES[2], text) == hid, text
        assert indexed(store, SCOPES[1], text) == [], text


def test_migration_12_indexes_the_households_already_on_the_server(storage):
    """A server upgraded from schema 11: its households are in the grams before any search."""
    hid = push_household(storage, VILLAGE_A2, "佘村 3 组 5 号", [member("刘德明", pid("32011519500707001"))])
    from sync.server.storage.upgrade import DATA_STEPS

    with storage._tx() as tx:   # as schema 11 left it: nothing indexed, the change log not yet read
        tx.exec("DELETE FROM console_search")
        tx.exec("DELETE FROM console_search_gram")
        tx.exec("UPDATE console_search_state SET seq = 0 WHERE id = 1")
    with storage._tx() as tx:   # migration 12's data step, as SqlStorage.migrate runs it after the script
        DATA_STEPS[12](tx)
    with storage._tx(write=False) as tx:
        grams = tx.q("SELECT gram FROM console_search_gram WHERE household_id = %s", (hid,))
        state = tx.one("SELECT seq FROM console_search_state WHERE id = 1")["seq"]
    assert {"德明", "明\x1f", "村 "} <= {g["gram"] for g in grams}
    assert state == storage.last_seq() and ConsoleStore(storage).refresh_search() == 0
    assert indexed(ConsoleStore(storage), SCOPES[0], "德") == [hid]


@pytest.mark.parametrize("rare", [1, 4, 2000])
def test_searches_from_the_rarest_gram_or_by_every_gram_answer_as_the_plain_scan(storage, monkeypatch, rare):
    """1: every gram is 'common', all grams are intersected; 4: some grams are rare enough; 2000: always the rarest."""
    from sync.server.console import store as store_module

    monkeypatch.setattr(store_module, "RARE_GRAM", rare)
    rng = random.Random(1616)
    generate(storage, rng, 120)
    store = ConsoleStore(storage)
    records = storage.records(Scope("admin", ""))
    texts = [t for t in queries(storage, rng, 120) if len(t) >= 3]
    assert len(texts) > 20
    for text in texts:
        for scope in SCOPES:
            assert indexed(store, scope, text) == plain_scan(storage, scope, text, records), (text, scope, rare)


def numbered_county(storage, households: int) -> dict[str, str]:
    """Addresses as a city's: 幸福小区第<road>路<number>号, so every digit pair of the numbers is in many addresses."""
    made = {}
    for i in range(households):
        village = (VILLAGE_A1, VILLAGE_A2, VILLAGE_B1)[i % 3]
        address = f"幸福小区第{i % 7}路{100 + i * 37 % 900}号"
        made[push_household(storage, village, address, [member("王秀英", pid(f"3201151960010{i:04d}"))])] = address
    return made


def test_house_numbers_rare_and_common_are_found_as_the_plain_scan_through_3_grams(storage):
    made = numbered_county(storage, 120)
    store = ConsoleStore(storage)
    records = storage.records(Scope("admin", ""))
    one = next(h for h, a in made.items() if a.endswith("路137号"))
    texts = ["路137号", "137号", "路137", "137", "37号", "路1", "第3路", "第3路1", "3路13", "路999号", "0路1", "第0路100号",
             "幸福小区", "小区第", "福小区第1路"]
    texts += [a[5:] for a in list(made.values())[:20]] + [a for a in list(made.values())[20:30]]
    for text in texts:
        for scope in SCOPES:
            assert indexed(store, scope, text) == plain_scan(storage, scope, text, records), (text, scope)
    assert indexed(store, SCOPES[0], "路137号") == [one]
    in_b = next(r for r in records if r["entity_id"] == one)["village_code"] == VILLAGE_B1
    own, other = (SCOPES[2], SCOPES[1]) if in_b else (SCOPES[1], SCOPES[2])
    assert indexed(store, own, "路137号") == [one]
    assert indexed(store, other, "路137号") == []   # a township reviewer never sees another township's household
    for common in ("小区第", "幸福小区", "福小区第"):   # in every address: the page is full
        assert len(indexed(store, SCOPES[0], common)) == SEARCH_LIMIT, common
    with storage._tx(write=False) as tx:   # the 3-grams are in the index, behind their mark
        grams = {r["gram"] for r in tx.q("SELECT gram FROM console_search_gram WHERE household_id = %s", (one,))}
    assert {"\x1d路13", "\x1d137", "\x1d37号", "37", "号\x1f"} <= grams


def test_migration_16_adds_the_3_grams_to_a_server_indexed_by_schema_15(storage):
    """A server whose index schema 15 built (2-grams and ID 4-grams only): migrating adds every name's and
    address's 3-grams and their counts, as a fresh index would have them, and the searches answer as the scan."""
    generate(storage, random.Random(1617), 60)
    made = numbered_county(storage, 40)
    store = ConsoleStore(storage)
    store.refresh_search()

    def index_now():
        with storage._tx(write=False) as tx:
            grams = sorted((r["household_id"], r["township_code"], r["gram"]) for r in tx.q(
                "SELECT household_id, township_code, gram FROM console_search_gram"))
            counts = {(r["gram"], r["township_code"]): int(r["n"]) for r in tx.q(
                "SELECT gram, township_code, n FROM console_search_gram_counts")}
        return grams, counts

    fresh = index_now()
    with storage._tx() as tx:   # as schema 15 left it: no 3-grams, no counts of them, migration 16 not applied
        for table in ("console_search_gram", "console_search_gram_counts"):
            tx.exec(f"DELETE FROM {table} WHERE gram >= %s AND gram < %s", ("\x1d", "\x1e"))
        tx.exec("DELETE FROM schema_migrations WHERE version >= 16")
    old = index_now()
    assert len(old[0]) < len(fresh[0]) and not any(g.startswith("\x1d") for _, _, g in old[0])
    assert 16 in storage.migrate()
    assert index_now() == fresh and store.refresh_search() == 0
    from sync.server.storage.upgrade import DATA_STEPS

    with storage._tx() as tx:   # a server upgraded from schema 11: 0012's rebuild made the 3-grams already
        DATA_STEPS[16](tx)
    assert index_now() == fresh
    if storage.backend == "postgres":   # the new rows vacuumed once the migration committed (PostgresStorage.VACUUM_AFTER)
        with storage._tx(write=False) as tx:
            assert tx.one("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'console_search_gram'")["last_vacuum"]
    records = storage.records(Scope("admin", ""))
    for text in ["路137号", "路1", "第3路1", "王秀英", "秀英", "幸福小区"] + [a[6:] for a in made.values()]:
        for scope in SCOPES:
            assert indexed(store, scope, text) == plain_scan(storage, scope, text, records), (text, scope)
