"""End to end with REAL SQLCipher vaults on both backends: fieldapp.syncing against uvicorn on 127.0.0.1."""

from __future__ import annotations

import copy
import uuid

import pytest

from fieldapp import syncing
from fieldapp.vault import FAST_KDF, Vault
from fieldapp.vault.crypto import DEFAULT_SUITE
from sync import errors
from sync.server.storage import Scope
from tests.sync.conftest import TOWNSHIP, VILLAGE_A

PASS = "tea-leaf-river-42"


@pytest.fixture(scope="module")
def office_keys():
    return DEFAULT_SUITE.generate_recipient_keypair()


@pytest.fixture
def make_vault(tmp_path, office_keys):
    opened = []

    def make(name: str) -> Vault:
        vault = Vault.create(tmp_path / name, name, PASS, office_keys[1], kdf=FAST_KDF)
        opened.append(vault)
        return vault

    yield make
    for vault in opened:
        vault.lock()


def visit(household_id: str, **answers) -> dict:
    base = {"visit_date": "2026-05-12", "visitors": ["甲", "乙"], "village_code": VILLAGE_A, "area_type": "rural",
            "address": "东山村三组12号", "hukou_type": "agricultural", "phone": "13800000000",
            "members": [{"member_id": "m-1", "name": "王芳", "relation": "head"}]}
    base.update(answers)
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": household_id, "visit_id": str(uuid.uuid4()), "status": "final", "answers": base}


def enrolled(server, make_vault, name, role="visitor"):
    vault = make_vault(name)
    syncing.enroll(vault, server.url, server.code(role=role))
    return vault


def test_two_laptops_editing_the_same_household_offline(server, make_vault):
    a, b = enrolled(server, make_vault, "laptop_a"), enrolled(server, make_vault, "laptop_b")
    hid = str(uuid.uuid4())
    a.save_visit(visit(hid))
    syncing.sync_now(a)
    syncing.sync_now(b)
    assert b.get_household(hid)["fields"]["address"] == "东山村三组12号"

    # offline: both change the address (hard), A the phone, B the hukou type (soft: different fields)
    a.save_visit(visit(hid, address="东山村四组1号", phone="13911111111"))
    b.save_visit(visit(hid, address="东山村五组2号", hukou_type="non_agricultural"))
    syncing.sync_now(a)
    report = syncing.sync_now(b)

    hard = [c for c in report.conflicts if c["kind"] == "hard"]
    soft = [c for c in report.conflicts if c["kind"] == "soft" and c["entity"] == "household"]
    assert len(hard) == 1 and both_values(hard[0]["fields"]) == {"address": {"server": "东山村四组1号", "device": "东山村五组2号"}}
    assert hard[0]["status"] == "open"
    assert len(soft) == 1 and set(soft[0]["fields"]) == {"hukou_type"}
    assert set(soft[0]["concurrent"]) == {"address", "phone"}
    syncing.sync_now(a)
    expected = {"address": "东山村四组1号", "phone": "13911111111", "hukou_type": "non_agricultural"}
    server_record = next(r for r in server.storage.records(Scope("office", TOWNSHIP)) if r["entity_id"] == hid)
    for fields in (server_record["fields"], a.get_household(hid)["fields"], b.get_household(hid)["fields"]):
        assert {k: fields[k] for k in expected} == expected
    # both sides see the conflict
    for vault in (a, b):
        notices = [c for c in vault.list_conflicts() if c.get("kind") == "hard" or c.get("detail", {}).get("kind") == "hard"]
        assert len(notices) == 1
    assert [c["kind"] for c in server.storage.list_conflicts(Scope("office", TOWNSHIP))].count("hard") == 1


def test_office_resolution_reaches_the_vaults(server, make_vault):
    a, b = enrolled(server, make_vault, "va"), enrolled(server, make_vault, "vb")
    office = enrolled(server, make_vault, "office", role="office")
    hid = str(uuid.uuid4())
    a.save_visit(visit(hid))
    syncing.sync_now(a)
    syncing.sync_now(b)
    a.save_visit(visit(hid, address="甲"))
    b.save_visit(visit(hid, address="乙"))
    syncing.sync_now(a)
    report = syncing.sync_now(b)
    conflict = next(c for c in report.conflicts if c["kind"] == "hard")
    syncing.sync_now(office)
    syncing.resolve_conflict(office, conflict["conflict_id"], {"address": "乙"}, author="镇经办")
    for vault in (a, b, office):
        syncing.sync_now(vault)
        assert vault.get_household(hid)["fields"]["address"] == "乙"
        assert vault.list_conflicts() == []      # closed everywhere


def test_revoked_laptop_locks_and_loses_its_local_wraps(server, make_vault, tmp_path):
    a = enrolled(server, make_vault, "lost")
    a.save_visit(visit(str(uuid.uuid4())))
    syncing.sync_now(a)
    server.storage.revoke_device(a.get_sync_state("device_id"), "2026-05-12T00:00:00+00:00")
    with pytest.raises(errors.DeviceRevoked):
        syncing.sync_now(a)
    assert not a.is_unlocked
    reopened = Vault.open(tmp_path / "lost")
    assert reopened.users() == []
    with pytest.raises(Exception):
        reopened.unlock("lost", PASS)


def test_interrupted_pull_resumes_in_the_vault(server, make_vault):
    a, b = enrolled(server, make_vault, "writer"), enrolled(server, make_vault, "reader")
    ids = [str(uuid.uuid4()) for _ in range(12)]
    for hid in ids:
        a.save_visit(visit(hid))
    syncing.sync_now(a)
    from sync.client import SyncClient

    original = b.apply_pulled
    calls = {"n": 0}

    def crash_on_second(changes, cursor):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("power cut")
        original(changes, cursor)

    b.apply_pulled = crash_on_second
    with SyncClient(b, pull_limit=5) as client, pytest.raises(OSError):
        client.sync()
    assert b.get_sync_state("cursor") == "5"
    b.apply_pulled = original
    with SyncClient(b, pull_limit=5) as client:
        report = client.sync()
    assert report.pulled == 2 * len(ids) - 5
    assert {r["entity_id"] for r in server.storage.records(Scope("office", TOWNSHIP)) if r["entity"] == "household"} == set(ids)
    for hid in ids:
        assert b.get_household(hid, audit_view=False)["revision"] >= 1


def test_is_online_follows_the_server(server, make_vault):
    vault = enrolled(server, make_vault, "status")
    assert syncing.is_online(vault) is True
    vault.set_sync_state("server_url", "http://127.0.0.1:9")
    assert syncing.is_online(vault) is False
    assert syncing.is_online(make_vault("never_enrolled")) is False


def test_progress_reports_counts_against_the_pending_total(server, make_vault):
    vault = enrolled(server, make_vault, "progress")
    for _ in range(3):
        vault.save_visit(visit(str(uuid.uuid4())))
    seen = []
    syncing.sync_now(vault, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert ("push", 6, 6) in seen                      # 3 visits + 3 households
    assert seen[-1][0] == "pull" and seen[-1][1] == 6


def test_twenty_real_vaults_syncing_at_once_converge(server, make_vault):
    """A township batch with real SQLCipher vaults (the app's sync path: push, pull, audit head, 文号 top-up)."""
    import random
    import threading

    laptops = [enrolled(server, make_vault, f"laptop{i:02d}") for i in range(20)]
    shared = [str(uuid.uuid4()) for _ in range(5)]
    saved: dict[str, set[str]] = {}
    failures: list[BaseException] = []
    barrier = threading.Barrier(len(laptops))

    def work(index: int, vault) -> None:
        rng = random.Random(index)
        try:
            for round_ in range(2):
                for _ in range(4):
                    hid = rng.choice(shared) if rng.random() < 0.4 else str(uuid.uuid4())
                    vault.save_visit(visit(hid, address=f"{index}-{round_}-{rng.random():.6f}",
                                           phone=f"139{index:02d}{rng.randrange(10**6):06d}"))
                    saved.setdefault(vault.user, set()).add(hid)
                barrier.wait(timeout=60)       # everyone hits the server at the same moment
                syncing.sync_now(vault)
        except BaseException as exc:           # reported below
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i, v)) for i, v in enumerate(laptops)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failures, failures
    for vault in laptops:                       # one quiet round so everyone hears the last changes
        syncing.sync_now(vault)
    records = {r["entity_id"]: r for r in server.storage.records(Scope("office", TOWNSHIP)) if r["entity"] == "household"}
    assert set(records) == set().union(*saved.values())
    for vault in laptops:
        assert vault.pending_count() == 0
        for hid, record in records.items():
            local = vault.get_household(hid, audit_view=False)
            assert {k: local["fields"].get(k) for k in record["fields"]} == record["fields"], (vault.user, hid)
            assert local["revision"] == record["revision"]
        # every sync that moved the chain left its head with the server (a sync with nothing to do moves nothing)
        assert syncing.verify_audit_with_server(vault) >= 2
    assert server.storage.list_conflicts(Scope("office", TOWNSHIP))     # the shared households really collided


def both_values(fields: dict) -> dict:
    """A hard conflict's two values per path (without who/when)."""
    return {path: {"server": v["server"], "device": v["device"]} for path, v in fields.items()}
