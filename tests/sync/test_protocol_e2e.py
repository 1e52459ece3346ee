"""The real client against the real server on 127.0.0.1, on both backends."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from sync import errors
from sync.client import SyncClient, enroll
from sync.memstore import MemoryStore
from sync.protocol import PROTOCOL_HEADER
from sync.server.storage import Scope
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, VILLAGE_B


def test_enroll_push_pull_between_two_laptops(server):
    a, b = server.laptop(), server.laptop()
    hid = a.visit(address="东村3组", phone="13800000000")
    report = a.client.sync()
    assert report.pushed == 1 and a.store.outbox == []
    b.client.sync()
    record = b.store.records[("household", hid)]
    assert record["fields"] == {"address": "东村3组", "phone": "13800000000"}
    assert record["revision"] == 1
    assert server.storage.records(Scope("office", TOWNSHIP))[0]["fields"]["address"] == "东村3组"


def test_enrollment_code_is_single_use_and_expires(server):
    code = server.code()
    enroll(MemoryStore(), server.url, code)
    with pytest.raises(errors.EnrollmentCodeUsed):
        enroll(MemoryStore(), server.url, code)
    with pytest.raises(errors.EnrollmentCodeExpired):
        enroll(MemoryStore(), server.url, server.code(hours=-1))
    with pytest.raises(errors.EnrollmentCodeInvalid):
        enroll(MemoryStore(), server.url, "AAAA-BBBB-CCCC")


def test_guessing_enrollment_codes_is_slowed_down(server):
    """20 unknown codes from one address in 10 minutes, then even a valid code waits; successes never count."""
    for _ in range(25):  # one office enrolling many laptops at once behind one address
        enroll(MemoryStore(), server.url, server.code())
    good = server.code()
    for i in range(20):
        with pytest.raises(errors.EnrollmentCodeInvalid):
            enroll(MemoryStore(), server.url, f"WRNG-{i:04d}-CODE")
    with pytest.raises(errors.EnrollmentThrottled) as err:
        enroll(MemoryStore(), server.url, good)
    assert "10 分钟" in err.value.message_zh
    r = httpx.post(server.url + "/v1/enroll", headers={PROTOCOL_HEADER: "1"},
                   json={"code": good, "label": "x", "signing_public_key": "A" * 43 + "=",
                         "sealing_public_key": "A" * 43 + "="})
    assert r.status_code == 429 and r.json()["code"] == "ENROLLMENT_THROTTLED"
    # ten minutes later the address may try again, and the unused code still works
    window = server.app.state.enroll_failures
    real_clock = window.clock
    window.clock = lambda: real_clock() + 601
    enroll(MemoryStore(), server.url, good)


def test_same_change_pushed_twice_is_applied_once(server):
    a = server.laptop()
    a.visit(address="x")
    change = a.store.pending_changes(10)[0]
    first = a.client._call("POST", "/v1/push", {"changes": [change]})
    again = a.client._call("POST", "/v1/push", {"changes": [change, change]})
    assert first["accepted"][0]["status"] == "applied"
    assert [v["status"] for v in again["accepted"]] == ["duplicate", "duplicate"]
    assert {v["seq"] for v in again["accepted"]} == {first["accepted"][0]["seq"]}
    assert len(server.storage.change_log(Scope("office", TOWNSHIP))) == 1


def test_batch_is_atomic_when_one_change_is_outside_the_area(server):
    a = server.laptop()
    a.visit(address="inside")
    a.visit(village=OTHER_VILLAGE, address="outside")
    with pytest.raises(errors.OutsideArea):
        a.client.push()
    assert server.storage.change_log(Scope("admin", "")) == []
    assert len(a.store.outbox) == 2


def test_visitor_reads_only_its_villages_and_office_its_township(server):
    a = server.laptop(villages=(VILLAGE_A,))
    b = server.laptop(villages=(VILLAGE_B,))
    far = server.laptop(villages=(OTHER_VILLAGE,), township="110105002")
    office = server.laptop(role="office")
    ha, hb = a.visit(address="A"), b.visit(village=VILLAGE_B, address="B")
    hf = far.visit(village=OTHER_VILLAGE, address="F")
    for laptop in (a, b, far):
        laptop.client.sync()
    for laptop in (a, b, far, office):
        laptop.client.sync()
    assert {k[1] for k in a.store.records} == {ha}
    assert {k[1] for k in b.store.records} == {hb}
    assert {k[1] for k in far.store.records} == {hf}
    assert {k[1] for k in office.store.records} == {ha, hb}


def test_visitor_cannot_change_a_household_of_another_village_by_mislabelling_it(server):
    a, b = server.laptop(villages=(VILLAGE_A,)), server.laptop(villages=(VILLAGE_B,))
    hb = b.visit(village=VILLAGE_B, address="B")
    b.client.sync()
    a.store.edit("household", hb, hb, VILLAGE_A, {"address": "hijacked"})
    with pytest.raises(errors.OutsideArea) as caught:
        a.client.push()
    assert caught.value.http_status == 403
    assert server.storage.records(Scope("admin", ""))[0]["fields"]["address"] == "B"


def test_revoked_device_is_refused_with_a_coded_error(server):
    a = server.laptop()
    a.client.sync()
    server.storage.revoke_device(a.client.device_id, "2026-01-01T00:00:00+00:00")
    with pytest.raises(errors.DeviceRevoked) as caught:
        a.client.sync()
    assert "注销" in caught.value.message_zh


def test_old_protocol_version_gets_please_update(server):
    a = server.laptop()
    raw = httpx.get(f"{server.url}/v1/pull", headers={PROTOCOL_HEADER: "0"})
    assert raw.status_code == 426
    body = raw.json()
    assert body["code"] == "CLIENT_TOO_OLD" and "更新" in body["message_zh"]
    assert httpx.post(f"{server.url}/v1/enroll", json={}).json()["code"] == "PROTOCOL_VERSION_MISSING"
    a.client.sync()


def test_unsigned_tampered_replayed_and_skewed_requests_are_refused(server):
    from sync.signing import sign_request

    a = server.laptop()
    client = a.client
    assert httpx.get(f"{server.url}/v1/pull", headers={PROTOCOL_HEADER: "1"}).json()["code"] == "AUTH_MISSING"
    headers = sign_request(client.keys, client.device_id, "GET", "/v1/pull?cursor=0&limit=5", b"")
    headers[PROTOCOL_HEADER] = "1"
    ok = httpx.get(f"{server.url}/v1/pull?cursor=0&limit=5", headers=headers)
    assert ok.status_code == 200
    assert httpx.get(f"{server.url}/v1/pull?cursor=0&limit=5", headers=headers).json()["code"] == "REPLAYED_REQUEST"
    fresh = sign_request(client.keys, client.device_id, "GET", "/v1/pull?cursor=0&limit=5", b"")
    fresh[PROTOCOL_HEADER] = "1"
    assert httpx.get(f"{server.url}/v1/pull?cursor=0&limit=6", headers=fresh).json()["code"] == "BAD_SIGNATURE"
    import time

    skewed = sign_request(client.keys, client.device_id, "GET", "/v1/pull", b"", now=time.time() - 3600)
    skewed[PROTOCOL_HEADER] = "1"
    answer = httpx.get(f"{server.url}/v1/pull", headers=skewed)
    assert answer.status_code == 401 and answer.json()["code"] == "CLOCK_SKEW"


def test_pull_pages_resume_from_the_stored_cursor(server):
    a = server.laptop(batch_size=7)
    b = server.laptop(pull_limit=5)
    ids = {a.visit(address=f"户{i}") for i in range(23)}
    a.client.sync()

    class Interrupted(Exception):
        pass

    calls = {"n": 0}
    original = b.store.apply_pulled

    def failing(changes, cursor):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Interrupted()
        original(changes, cursor)

    b.store.apply_pulled = failing
    with pytest.raises(Interrupted):
        b.client.pull()
    assert int(b.store.state["cursor"]) == 10 and len(b.store.records) == 10
    b.store.apply_pulled = original
    report = b.client.pull()
    assert report.pulled == 13
    assert {k[1] for k in b.store.records} == ids


def test_documents_reach_devices(server):
    server.storage.publish_document("reference", "dibao_standards", {"110105": {"rural": 80000}}, "2026-01-01T00:00:00+00:00")
    server.storage.publish_document("reference", "dibao_standards", {"110105": {"rural": 85000}}, "2026-02-01T00:00:00+00:00")
    a = server.laptop()
    assert a.client.sync().documents == 2
    latest = json.loads(a.store.state["document/reference/dibao_standards/latest"])
    assert latest["version"] == 2 and latest["content"] == {"110105": {"rural": 85000}}


def test_office_resolves_a_hard_conflict_and_everyone_sees_it(server):
    a, b, office = server.laptop(), server.laptop(), server.laptop(role="office")
    hid = a.visit(address="旧址")
    a.client.sync()
    b.client.sync()
    a.visit(household_id=hid, address="甲址")
    b.visit(household_id=hid, address="乙址")
    a.client.sync()
    b.client.sync()
    office.client.sync()
    open_ = [c for c in office.store.conflicts.values() if c["status"] == "open"]
    assert len(open_) == 1 and both_values(open_[0]["fields"]) == {"address": {"server": "甲址", "device": "乙址"}}
    with pytest.raises(errors.RoleNotAllowed):
        a.client.resolve_conflict(open_[0]["conflict_id"], {"address": "乙址"})
    office.client.resolve_conflict(open_[0]["conflict_id"], {"address": "乙址"}, author="镇经办")
    for laptop in (a, b, office):
        laptop.client.sync()
        assert laptop.store.records[("household", hid)]["fields"]["address"] == "乙址"
        assert laptop.store.conflicts[open_[0]["conflict_id"]]["status"] == "resolved"
    with pytest.raises(errors.ConflictAlreadyResolved):
        office.client.resolve_conflict(open_[0]["conflict_id"], {"address": "甲址"})


def both_values(fields: dict) -> dict:
    """A hard conflict's two values per path (without who/when)."""
    return {path: {"server": v["server"], "device": v["device"]} for path, v in fields.items()}
