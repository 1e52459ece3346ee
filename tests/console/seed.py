"""A real (non-demo) county for the console tests: 江宁区 (320115) with two townships, households pushed
through the server's own merge, one hard conflict, and console accounts of every role.
"""

from __future__ import annotations

import base64
import os
import uuid

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from forms.idnumber import check_char
from sync.server.admin import add_area
from sync.server.console.accounts import verify_passphrase
from sync.server.console.store import ConsoleStore
from sync.server.storage import Scope

COUNTY = "320115"
TOWN_A, TOWN_B = "320115001", "320115002"
VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "320115001001", "320115001002", "320115002001"
PASSPHRASE = "江宁 console passphrase 1"
NOW = "2026-05-12T06:30:00+00:00"
HOSTILE_NAME = '<script>alert("x")</script><img src=x onerror=alert(1)>'
USERS = {  # name: (role, township)
    "county-admin": ("county_admin", None), "county-viewer": ("county_viewer", None),
    "reviewer-a": ("township_reviewer", TOWN_A), "reviewer-b": ("township_reviewer", TOWN_B),
    "former-staff": ("township_reviewer", TOWN_A),
}
_HASH: list[str] = []


# Argon2id cost of the seeded accounts' hashes: test-only (1 MiB, 1 pass, 1 lane). The stored PHC string
# names its parameters and the console verifies with those, so every sign-in of a seeded account runs
# the real verifier at this cost instead of the production 64 MiB × 3 (0.33 s CPU each, ~100 sign-ins).
# Hashes the console makes itself (``console-user add``, ``passwd``) keep the production cost and are
# tested as such (tests/console/test_pages.py).
TEST_HASH_COST = {"m": 1024, "t": 1, "p": 1}


def _b64(raw: bytes) -> str:
    """Unpadded base64, as PHC strings write salt and hash."""
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def passphrase_hash() -> str:
    """One real Argon2id hash of PASSPHRASE in PHC form, at the test-only cost, made once per test session."""
    if not _HASH:
        salt = os.urandom(16)
        digest = Argon2id(salt=salt, length=32, iterations=TEST_HASH_COST["t"], lanes=TEST_HASH_COST["p"],
                          memory_cost=TEST_HASH_COST["m"]).derive(PASSPHRASE.encode("utf-8"))
        _HASH.append("$argon2id$v=19$m={m},t={t},p={p}$".format(**TEST_HASH_COST) + f"{_b64(salt)}${_b64(digest)}")
        assert verify_passphrase(_HASH[0], PASSPHRASE) and not verify_passphrase(_HASH[0], PASSPHRASE + "x")
    return _HASH[0]


def seed_areas(storage) -> None:
    add_area(storage, COUNTY, "江宁区")
    add_area(storage, TOWN_A, "东山街道")
    add_area(storage, TOWN_B, "秣陵街道")
    add_area(storage, VILLAGE_A1, "东山社区", "urban")
    add_area(storage, VILLAGE_A2, "佘村社区", "rural")
    add_area(storage, VILLAGE_B1, "秣陵社区", "urban")


def pid(first17: str) -> str:
    """A valid resident ID number from its first 17 digits (GB 11643 check character)."""
    return first17 + check_char(first17)


def member(name: str, id_number: str, relation: str = "head") -> dict:
    return {"member_id": str(uuid.uuid4()), "name": name, "id_number": id_number, "relation": relation,
            "health": "chronic", "labour_capacity": "none"}


def visit_answers(village: str, address: str, members: list[dict], needs=()) -> dict:
    return {"visit_date": "2026-05-12", "visit_time": "09:30", "visitors": ["王协理", "李干部"], "village_code": village,
            "area_type": "urban", "address": address, "hukou_type": "non_agricultural", "categories": ["dibao_a"],
            "members": members, "incomes": [{"source": "pension", "amount_fen": 80000}], "expenses": [],
            "assets_meet_rules": "yes", "needs": list(needs), "housing_type": "owned", "registered_poverty": "no"}


def push_household(storage, village: str, address: str, members: list[dict], needs=(), status: str = "final",
                   visit_date: str | None = None) -> str:
    """One household and its visit, pushed as a visitor laptop of *village* would."""
    hid, vid = str(uuid.uuid4()), str(uuid.uuid4())
    answers = visit_answers(village, address, members, needs)
    if visit_date:
        answers["visit_date"] = visit_date
    household_fields = {k: v for k, v in answers.items() if k not in ("visit_date", "visit_time", "visitors")}
    changes = [
        {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
         "village_code": village, "base_revision": 0, "fields": household_fields, "author": "王协理", "at": NOW},
        {"change_id": str(uuid.uuid4()), "entity": "visit", "entity_id": vid, "household_id": hid,
         "village_code": village, "base_revision": 0, "author": "王协理", "at": NOW,
         "fields": {"household_id": hid, "form_id": "four_clarifications", "form_version": 1, "status": status,
                    "answers": answers}},
    ]
    storage.push(Scope("visitor", village[:9], (village,)), f"laptop-{village}", changes, NOW)
    return hid


def make_conflict(storage, hid: str, village: str) -> None:
    """Two laptops change the same household's address from the same base: a hard conflict."""
    for device, address in (("laptop-x", "东山街道上坊路 1 号"), ("laptop-y", "东山街道上坊路 101 号")):
        storage.push(Scope("visitor", village[:9], (village,)), device,
                     [{"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
                       "village_code": village, "base_revision": 1, "fields": {"address": address}, "author": device,
                       "at": NOW}], NOW)


def seed_county(storage) -> dict:
    """Areas, households in both townships (one with a hostile name), a conflict and every kind of account."""
    seed_areas(storage)
    ids = {
        "a1": push_household(storage, VILLAGE_A1, "东山街道竹山路 12 号", [member("张桂英", pid("32011519540312002")),
                                                                         member("张小军", pid("32011519800101001"), "child")],
                             needs=[{"need_id": str(uuid.uuid4()), "category": "medical", "description": "慢性病用药报销",
                                     "disposition": "referred", "department": "medical_insurance"}]),
        "a2": push_household(storage, VILLAGE_A2, "佘村 3 组 5 号", [member("刘德明", pid("32011519500707001"))]),
        "b1": push_household(storage, VILLAGE_B1, "秣陵街道胜太路 8 号", [member("陈秀兰", pid("32011519620808002"))]),
        "hostile": push_household(storage, VILLAGE_B1, "秣陵街道<b>粗体</b>路", [member(HOSTILE_NAME, pid("32011519700101001"))]),
    }
    make_conflict(storage, ids["a2"], VILLAGE_A2)
    store = ConsoleStore(storage)
    for name, (role, township) in USERS.items():
        store.add_user(name, role, township, passphrase_hash(), NOW)
    store.disable_user("former-staff", NOW)
    return ids
