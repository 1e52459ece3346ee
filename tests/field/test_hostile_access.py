"""Access under hostile devices (issue 19): what a change or bundle says about itself does not decide.

Each test is one finding of the adversarial run: an out-of-area visit, colliding change ids,
a bundle id copied off a shared stick, crafted bundle ids used as file names.
"""

from __future__ import annotations

import json
import uuid

import httpx

from sync import bundle
from sync.bundle import export_bundle, import_receipt, server_identity, write_bundle
from sync.protocol import PROTOCOL_HEADER, canonical_json
from sync.server.bundles import import_bundle, import_directory
from sync.server.storage import Scope
from sync.signing import sign_request
from tests.sync.conftest import VILLAGE_A, VILLAGE_B

ALL = Scope("admin", "")


def push(server, laptop, changes):
    body = canonical_json({"changes": changes})
    headers = sign_request(laptop.client.keys, laptop.client.device_id, "POST", "/v1/push", body)
    headers.update({PROTOCOL_HEADER: "1", "Content-Type": "application/json"})
    return httpx.post(server.url + "/v1/push", content=body, headers=headers, timeout=30)


def visit_change(household_id, village, visit_id=None, change_id=None):
    vid = visit_id or str(uuid.uuid4())
    return {"change_id": change_id or str(uuid.uuid4()), "entity": "visit", "entity_id": vid, "household_id": household_id,
            "village_code": village, "base_revision": 0, "author": "张三", "at": "2026-05-12T06:30:00+00:00",
            "fields": {"household_id": household_id, "form_id": "household_visit", "form_version": 1, "status": "draft",
                       "answers": {"note": "走访"}}}


def household_change(village, household_id=None, change_id=None, **fields):
    hid = household_id or str(uuid.uuid4())
    return {"change_id": change_id or str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
            "village_code": village, "base_revision": 0, "author": "张三", "at": "2026-05-12T06:30:00+00:00",
            "fields": fields or {"address": "x"}}


def test_a_visit_of_another_villages_household_labelled_with_its_own_village_is_refused(server):
    a, b = server.laptop(villages=(VILLAGE_A,)), server.laptop(villages=(VILLAGE_B,))
    hb = b.visit(village=VILLAGE_B, address="西村 8 号")
    b.client.sync()
    answer = push(server, a, [visit_change(hb, VILLAGE_A)])
    assert answer.status_code == 403 and answer.json()["code"] == "OUTSIDE_AREA", answer.text
    assert [c["entity"] for c in server.storage.change_log(ALL)] == ["household"]
    # and the township office of both villages never receives such a visit
    office = server.laptop(role="office")
    office.client.sync()
    assert {key[0] for key in office.store.records} == {"household"}


def test_a_visit_is_filed_under_its_households_village_whatever_its_label(server):
    both = server.laptop(villages=(VILLAGE_A, VILLAGE_B))
    hb = both.visit(village=VILLAGE_B, address="西村 9 号")
    both.client.sync()
    assert push(server, both, [visit_change(hb, VILLAGE_A)]).status_code == 200
    (visit,) = [c for c in server.storage.change_log(ALL) if c["entity"] == "visit"]
    assert visit["village_code"] == VILLAGE_B
    # a visitor of village A alone does not see B's visit
    only_a = server.laptop(villages=(VILLAGE_A,))
    only_a.client.sync()
    assert only_a.store.records == {}


def test_an_existing_visit_cannot_be_moved_to_another_household(server):
    a = server.laptop(villages=(VILLAGE_A,))
    h1, h2 = a.visit(address="一号"), a.visit(address="二号")
    a.client.sync()
    first = visit_change(h1, VILLAGE_A)
    assert push(server, a, [first]).status_code == 200
    moved = visit_change(h2, VILLAGE_A, visit_id=first["entity_id"])
    answer = push(server, a, [moved])
    assert answer.status_code == 403 and answer.json()["code"] == "OUTSIDE_AREA"


def test_a_change_id_used_by_another_device_neither_blocks_nor_swallows_the_batch(server):
    a, b = server.laptop(villages=(VILLAGE_A,)), server.laptop(villages=(VILLAGE_B,))
    stolen = str(uuid.uuid4())
    assert push(server, b, [household_change(VILLAGE_B, change_id=stolen, address="B 抢先")]).status_code == 200
    # A's own change happens to carry the same id (copied, or crafted by B to knock A's batch out)
    mine, other = household_change(VILLAGE_A, change_id=stolen, address="A 的户"), household_change(VILLAGE_A, address="A 二")
    known = a.client._call("POST", "/v1/push/known", {"change_ids": [stolen]})["known"]
    assert known == []                                    # B's change is not "already stored" for A
    answer = push(server, a, [mine, other])
    assert answer.status_code == 200, answer.text
    assert [v["change_id"] for v in answer.json()["accepted"]] == [stolen, other["change_id"]]
    assert {v["status"] for v in answer.json()["accepted"]} == {"applied"}
    stored = {r["entity_id"]: r["fields"]["address"] for r in server.storage.records(ALL)}
    assert stored[mine["entity_id"]] == "A 的户" and stored[other["entity_id"]] == "A 二"
    # pushed again after a lost answer: a duplicate, stored once
    again = push(server, a, [mine])
    assert again.json()["accepted"][0]["status"] == "duplicate"
    assert a.client._call("POST", "/v1/push/known", {"change_ids": [stolen]})["known"] == [stolen]
    assert len(server.storage.change_log(ALL)) == 3


def test_a_bundle_id_copied_by_another_laptop_does_not_shadow_the_real_bundle(server, tmp_path):
    a, b = server.laptop(villages=(VILLAGE_A,)), server.laptop(villages=(VILLAGE_B,))
    ha = a.visit(address="A 的户")
    real, _ = export_bundle(a.store, tmp_path / "stick")
    copied_id = json.loads(real.read_bytes())["bundle_id"]          # readable on the shared stick
    device_id, keys, server_sign, server_seal = bundle._device(b.store)
    fake = write_bundle("changes", device_id, keys, server_identity(server_sign), server_seal,
                        {"device_id": device_id, "changes": [], "cursor": 0}, copied_id)
    assert import_bundle(server.storage, server.keys, fake).status == "imported"
    outcome = import_bundle(server.storage, server.keys, real.read_bytes())
    assert outcome.status == "imported" and outcome.device_id == a.client.device_id
    summary = import_receipt(a.store, outcome.receipt_bytes)        # addressed to A: A can open it
    assert summary.acknowledged == 1 and a.store.outbox == []
    assert [r["entity_id"] for r in server.storage.records(ALL)] == [ha]
    # each laptop's bundle stays a duplicate of itself
    assert import_bundle(server.storage, server.keys, real.read_bytes()).status == "duplicate"
    assert import_bundle(server.storage, server.keys, fake).status == "duplicate"


def test_crafted_bundle_ids_are_refused_and_do_not_stop_the_other_bundles(server, tmp_path):
    office = server.laptop(role="office")
    stick, receipts = tmp_path / "stick", tmp_path / "deep" / "receipts"
    stick.mkdir()
    device_id, keys, server_sign, server_seal = bundle._device(office.store)
    crafted = {"/../../../../x": "0-traversal", "a" * 300: "1-long", str(uuid.uuid4()).upper(): "2-upper"}
    for bundle_id, name in crafted.items():
        data = write_bundle("changes", device_id, keys, server_identity(server_sign), server_seal,
                            {"device_id": device_id, "changes": [household_change(VILLAGE_A, address=name)],
                             "cursor": 0}, bundle_id)
        (stick / f"{name}.fieldapp-bundle").write_bytes(data)
    good = server.laptop()
    good.visit(address="好的户")
    export_bundle(good.store, stick)
    for _ in range(2):                                              # a rerun gets just as far
        results = import_directory(server.storage, server.keys, stick, receipts)
        by_status = sorted(r["status"] for r in results)
        assert by_status.count("rejected") == 3 and len(results) == 4
        assert all(r["code"] == "BUNDLE_MALFORMED" for r in results if r["status"] == "rejected")
    assert [r["fields"]["address"] for r in server.storage.records(ALL)] == ["好的户"]
    assert [p.parent for p in tmp_path.rglob("*") if p.is_file() and "receipt" in p.name] == [receipts]
