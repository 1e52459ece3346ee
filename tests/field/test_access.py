"""Access: what tests/sync does not already show about areas, roles, unknown and revoked devices and replays.

Already shown elsewhere (not repeated): a visitor reads only its villages and an office its township
(tests/sync/test_protocol_e2e.py::test_visitor_reads_only_its_villages_and_office_its_township), a
mislabelled change is refused (…::test_visitor_cannot_change_a_household_of_another_village_by_mislabelling_it),
a visitor may not resolve (…::test_office_resolves_a_hard_conflict_and_everyone_sees_it), a replayed GET,
tampered and skewed requests (…::test_unsigned_tampered_replayed_and_skewed_requests_are_refused),
duplicate bundles (tests/sync/test_bundles.py::test_duplicate_and_out_of_order_bundles_are_harmless).
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from fieldapp import syncing
from fieldapp.vault import FAST_KDF, Vault
from sync import bundle, errors
from sync.keys import KeyPair
from sync.protocol import PROTOCOL_HEADER, canonical_json
from sync.server.bundles import import_bundle
from sync.server.storage import Scope
from sync.signing import sign_request
from tests.sync.conftest import OTHER_TOWNSHIP, OTHER_VILLAGE, VILLAGE_A, VILLAGE_B

ALL = Scope("admin", "")


def signed(server, keys, device_id, method, target, payload=None):
    body = canonical_json(payload) if payload is not None else b""
    headers = sign_request(keys, device_id, method, target, body)
    headers[PROTOCOL_HEADER] = "1"
    if payload is not None:
        headers["Content-Type"] = "application/json"
    return httpx.request(method, server.url + target, content=body if payload is not None else None, headers=headers,
                         timeout=30)


def change(village, household_id=None, **fields):
    hid = household_id or str(uuid.uuid4())
    return {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
            "village_code": village, "base_revision": 0, "fields": fields or {"address": "x"}, "device_id": "",
            "author": "t", "at": "2026-05-12T06:30:00+00:00"}


ENDPOINTS = [("GET", "/v1/pull?cursor=0&limit=10", None), ("POST", "/v1/push", "push"),
             ("POST", "/v1/push/known", {"change_ids": [str(uuid.uuid4())]}), ("GET", "/v1/conflicts", None),
             ("POST", f"/v1/conflicts/{uuid.uuid4()}/resolve", {"fields": {"address": "y"}, "author": "t"})]


def test_an_unknown_device_gets_nothing_anywhere(server):
    a = server.laptop()
    a.visit(address="东山村")
    a.client.sync()
    stranger = KeyPair.generate()
    for method, target, payload in ENDPOINTS:
        body = {"changes": [change(VILLAGE_A)]} if payload == "push" else payload
        answer = signed(server, stranger, str(uuid.uuid4()), method, target, body)
        assert answer.status_code == 401 and answer.json()["code"] == "UNKNOWN_DEVICE", (target, answer.text)
        assert "东山村" not in answer.text
    # a known device id signed with someone else's key
    answer = signed(server, stranger, a.client.device_id, "GET", "/v1/pull?cursor=0&limit=10")
    assert answer.status_code == 401 and answer.json()["code"] == "BAD_SIGNATURE"
    assert len(server.storage.change_log(ALL)) == 1


def test_a_revoked_device_gets_nothing_anywhere_and_its_pushes_do_not_land(server, tmp_path):
    a, office = server.laptop(), server.laptop(role="office")
    a.visit(address="东山村")
    a.client.sync()
    server.storage.revoke_device(a.client.device_id, "2026-05-12T00:00:00+00:00")
    server.storage.revoke_device(office.client.device_id, "2026-05-12T00:00:00+00:00")
    for device in (a, office):
        for method, target, payload in ENDPOINTS + [("POST", "/v1/bundles", {"x": 1})]:
            body = {"changes": [change(VILLAGE_A)]} if payload == "push" else payload
            answer = signed(server, device.client.keys, device.client.device_id, method, target, body)
            assert answer.status_code == 403 and answer.json()["code"] == "DEVICE_REVOKED", (target, answer.text)
            assert "东山村" not in answer.text
    assert len(server.storage.change_log(ALL)) == 1


def test_a_replayed_push_has_no_effect(server):
    a = server.laptop()
    target, payload = "/v1/push", {"changes": [change(VILLAGE_A, address="第一次")]}
    body = canonical_json(payload)
    headers = sign_request(a.client.keys, a.client.device_id, "POST", target, body)
    headers.update({PROTOCOL_HEADER: "1", "Content-Type": "application/json"})
    first = httpx.post(server.url + target, content=body, headers=headers)
    assert first.status_code == 200
    log = server.storage.change_log(ALL)
    again = httpx.post(server.url + target, content=body, headers=headers)
    assert again.status_code == 401 and again.json()["code"] == "REPLAYED_REQUEST"
    assert server.storage.change_log(ALL) == log


def test_a_late_bundle_does_not_roll_back_newer_data(server, tmp_path):
    a = server.laptop()
    hid = a.visit(address="旧址")
    old_bundle, _ = bundle.export_bundle(a.store, tmp_path / "stick")     # carried around, delivered late
    a.client.sync()                                                    # meanwhile: online sync
    a.visit(household_id=hid, address="新址")
    a.client.sync()
    outcome = import_bundle(server.storage, server.keys, old_bundle.read_bytes())
    assert outcome.status == "imported"
    summary = bundle.import_receipt(a.store, outcome.receipt_bytes)     # the laptop learns nothing new was applied
    assert summary.acknowledged == 1 and a.store.outbox == []
    record = next(r for r in server.storage.records(ALL) if r["entity_id"] == hid)
    assert record["fields"]["address"] == "新址"
    assert len(server.storage.change_log(ALL)) == 2
    # and the same bundle once more: the stored receipt, nothing else
    assert import_bundle(server.storage, server.keys, old_bundle.read_bytes()).status == "duplicate"
    assert len(server.storage.change_log(ALL)) == 2


def test_a_bundle_cannot_be_replayed_under_another_laptops_name(server, tmp_path):
    a, b = server.laptop(villages=(VILLAGE_A,)), server.laptop(villages=(VILLAGE_B,))
    a.visit(address="A 的户")
    path, _ = bundle.export_bundle(a.store, tmp_path)
    doc = json.loads(path.read_bytes())
    doc["sender"] = b.client.device_id                                   # claim it came from B
    with pytest.raises(errors.BundleTampered):
        import_bundle(server.storage, server.keys, json.dumps(doc).encode())
    assert server.storage.change_log(ALL) == []


def test_an_office_cannot_read_or_change_another_township(server):
    here = server.laptop(villages=(VILLAGE_A,))
    far = server.laptop(villages=(OTHER_VILLAGE,), township=OTHER_TOWNSHIP)
    office = server.laptop(role="office")                              # office of TOWNSHIP
    far_hid = far.visit(village=OTHER_VILLAGE, address="邻镇的户")
    here.visit(address="本镇的户")
    far.client.sync()
    here.client.sync()
    office.client.sync()
    assert {r["village_code"] for r in office.store.records.values()} == {VILLAGE_A}
    office.store.edit("household", far_hid, far_hid, OTHER_VILLAGE, {"address": "改邻镇"})
    report = office.client.push()              # refused, and set aside on the laptop (issue 19: no poison pill)
    assert [s["code"] for s in report.set_aside] == ["OUTSIDE_AREA"] and office.store.outbox == []
    assert next(r for r in server.storage.records(ALL) if r["entity_id"] == far_hid)["fields"]["address"] == "邻镇的户"


def test_conflicts_outside_the_area_are_invisible_and_cannot_be_resolved(server):
    x, y = server.laptop(villages=(OTHER_VILLAGE,), township=OTHER_TOWNSHIP), \
        server.laptop(villages=(OTHER_VILLAGE,), township=OTHER_TOWNSHIP)
    hid = x.visit(village=OTHER_VILLAGE, address="旧")
    x.client.sync()
    y.client.sync()
    x.visit(village=OTHER_VILLAGE, household_id=hid, address="甲")
    y.visit(village=OTHER_VILLAGE, household_id=hid, address="乙")
    x.client.sync()
    y.client.sync()
    conflict = next(c for c in server.storage.list_conflicts(ALL) if c["kind"] == "hard")
    office, visitor = server.laptop(role="office"), server.laptop(villages=(VILLAGE_A,))
    assert office.client.conflicts() == [] and visitor.client.conflicts() == []
    with pytest.raises(errors.ConflictNotFound):
        office.client.resolve_conflict(conflict["conflict_id"], {"address": "丙"})
    assert server.storage.list_conflicts(ALL, "open")[0]["conflict_id"] == conflict["conflict_id"]


def test_a_visitor_cannot_forward_bundles_or_publish_reference_data(server, tmp_path):
    a, b = server.laptop(), server.laptop()
    b.visit(address="B 的户")
    path, _ = bundle.export_bundle(b.store, tmp_path)
    body = path.read_bytes()
    headers = sign_request(a.client.keys, a.client.device_id, "POST", "/v1/bundles", body)
    headers[PROTOCOL_HEADER] = "1"
    answer = httpx.post(server.url + "/v1/bundles", content=body, headers=headers)
    assert answer.status_code == 403 and answer.json()["code"] == "ROLE_NOT_ALLOWED"
    # publishing is not an API operation at all: only the county's admin CLI on the server writes documents
    paths = server.app.openapi()["paths"]
    assert not any("document" in p or "publish" in p or "reference" in p for p in paths)
    for target in ("/v1/documents", "/v1/publish", "/v1/reference"):
        answer = signed(server, a.client.keys, a.client.device_id, "POST", target, {"kind": "reference", "content": {}})
        assert answer.status_code in (404, 405) and answer.json()["code"] in ("NOT_FOUND", "MALFORMED_REQUEST")
    # nor can a change smuggle a document in: entity is household or visit only
    sneaky = change(VILLAGE_A)
    sneaky["entity"] = "document"
    answer = signed(server, a.client.keys, a.client.device_id, "POST", "/v1/push", {"changes": [sneaky]})
    assert answer.status_code == 400 and answer.json()["code"] == "MALFORMED_REQUEST"
    assert server.storage.list_documents() == []


def test_a_visitor_cannot_resolve_through_the_app_either(server, tmp_path):
    vault = Vault.create(tmp_path / "v", "visitor1", "tea-leaf-river-42", None, kdf=FAST_KDF)
    try:
        syncing.enroll(vault, server.url, server.code())
        with pytest.raises(errors.RoleNotAllowed) as caught:
            syncing.resolve_conflict(vault, str(uuid.uuid4()), {"address": "x"})
        assert "经办机构" in caught.value.message_zh
    finally:
        vault.lock()


def test_a_mistyped_change_from_one_device_does_not_block_the_village(server, tmp_path):
    """Found here first (a poison change made every vault's pull fail); the vault now coerces index columns."""
    bad = server.laptop()
    hid = str(uuid.uuid4())
    bad.store.edit("household", hid, hid, VILLAGE_A, {"members": [{"member_id": "m", "name": {"x": 1}, "relation": "head"}]})
    try:
        bad.client.sync()
    except errors.MalformedRequest:
        pass                                                           # refusing it at the server is the fix
    vault = Vault.create(tmp_path / "v", "visitor1", "tea-leaf-river-42", None, kdf=FAST_KDF)
    try:
        syncing.enroll(vault, server.url, server.code())
        syncing.sync_now(vault)                                        # must not fail because of someone else's data
        assert vault.pending_count() == 0
    finally:
        vault.lock()
