"""USB bundles: sealed to the server, signed by the laptop; duplicates and disorder harmless; tampering refused."""

from __future__ import annotations

import json
import uuid

import pytest

from sync import errors
from sync.bundle import export_bundle, import_receipt
from sync.keys import KeyPair
from sync.memstore import MemoryStore
from sync.server.bundles import import_bundle, import_directory
from sync.server.storage import Scope
from tests.sync.conftest import TOWNSHIP, VILLAGE_A


def records(storage):
    return {r["entity_id"]: r["fields"] for r in storage.records(Scope("office", TOWNSHIP))}


def test_bundle_round_trip_with_receipt(server, tmp_path):
    a, b = server.laptop(), server.laptop()
    hb = b.visit(address="B 的户")
    b.client.sync()
    ha = a.visit(address="A 的户")
    path, count = export_bundle(a.store, tmp_path / "stick")
    assert count == 1
    text = path.read_text(encoding="utf-8")
    assert "A 的户" not in text and ha not in text          # the finder learns nothing
    outcome = import_bundle(server.storage, server.keys, path.read_bytes())
    assert outcome.status == "imported"
    assert records(server.storage)[ha] == {"address": "A 的户"}
    # the receipt carries both households back to laptop A: logged as a read of them
    (read,) = server.storage.device_reads(a.store.get_sync_state("device_id"))
    assert read["kind"] == "bundle" and sorted(read["households"]) == sorted([ha, hb])
    assert len(a.store.outbox) == 1                           # not acknowledged until the receipt comes back
    summary = import_receipt(a.store, outcome.receipt_bytes)
    assert summary.acknowledged == 1 and summary.pulled == 2
    assert a.store.outbox == []
    assert a.store.records[("household", hb)]["fields"] == {"address": "B 的户"}
    # importing the receipt again is harmless
    again = import_receipt(a.store, outcome.receipt_bytes)
    assert again.pulled == 0 and again.pull_skipped == "already up to date"


def test_duplicate_and_out_of_order_bundles_are_harmless(server, tmp_path):
    a = server.laptop()
    h1 = a.visit(address="一")
    first, _ = export_bundle(a.store, tmp_path / "stick")
    h2 = a.visit(address="二")
    a.visit(household_id=h1, address="一改")
    second, count = export_bundle(a.store, tmp_path / "stick")
    assert count == 3
    # the newer bundle arrives first, the older one afterwards, then the whole stick again
    newer = import_bundle(server.storage, server.keys, second.read_bytes())
    older = import_bundle(server.storage, server.keys, first.read_bytes())
    assert (newer.status, older.status) == ("imported", "imported")
    results = import_directory(server.storage, server.keys, tmp_path / "stick", tmp_path / "receipts")
    assert sorted(r["status"] for r in results) == ["duplicate", "duplicate"]
    # whatever the order, the later edit wins and every change is stored exactly once
    assert records(server.storage) == {h1: {"address": "一改"}, h2: {"address": "二"}}
    log = server.storage.change_log(Scope("office", TOWNSHIP))
    assert len(log) == 3 and len({c["change_id"] for c in log}) == 3
    assert server.storage.list_conflicts(Scope("office", TOWNSHIP), "open") == []
    receipts = sorted((tmp_path / "receipts").iterdir())
    assert len(receipts) == 2
    for receipt in reversed(receipts):
        import_receipt(a.store, receipt.read_bytes())
    assert a.store.outbox == []


def test_tampered_bundle_is_rejected(server, tmp_path):
    a = server.laptop()
    a.visit(address="x")
    path, _ = export_bundle(a.store, tmp_path)
    bundle = json.loads(path.read_bytes())
    ct = bundle["sealed"]["ciphertext"]
    bundle["sealed"]["ciphertext"] = ("A" if ct[0] != "A" else "B") + ct[1:]
    with pytest.raises(errors.BundleTampered):
        import_bundle(server.storage, server.keys, json.dumps(bundle).encode())
    bundle = json.loads(path.read_bytes())
    bundle["created_at"] = "2020-01-01T00:00:00+00:00"
    with pytest.raises(errors.BundleTampered):
        import_bundle(server.storage, server.keys, json.dumps(bundle).encode())
    with pytest.raises(errors.BundleMalformed):
        import_bundle(server.storage, server.keys, b"\x00not a bundle")
    assert records(server.storage) == {}


def test_foreign_bundles_are_rejected_with_a_reason(server, storage, tmp_path):
    a = server.laptop()
    a.visit(address="x")
    # a stranger: a device this server never enrolled
    stranger = MemoryStore()
    stranger.state.update(a.store.state)
    stranger.state["device_id"] = str(uuid.uuid4())
    stranger.state["device_keys"] = KeyPair.generate().to_secret_text()
    stranger.edit("household", str(uuid.uuid4()), str(uuid.uuid4()), VILLAGE_A, {"address": "y"})
    path, _ = export_bundle(stranger, tmp_path / "s")
    with pytest.raises(errors.BundleForeign):
        import_bundle(server.storage, server.keys, path.read_bytes())
    # a bundle addressed to another county's server
    other = KeyPair.generate()
    a.store.state["server_signing_key"], a.store.state["server_sealing_key"] = other.signing_public, other.sealing_public
    path, _ = export_bundle(a.store, tmp_path / "o")
    with pytest.raises(errors.BundleForeign):
        import_bundle(server.storage, server.keys, path.read_bytes())
    results = import_directory(server.storage, server.keys, tmp_path / "o", tmp_path / "r")
    assert results[0]["status"] == "rejected" and results[0]["code"] == "BUNDLE_FOREIGN"
    assert "不是发给本服务器" in results[0]["reason_zh"]


def test_revoked_devices_bundle_is_refused(server, tmp_path):
    a = server.laptop()
    a.visit(address="x")
    path, _ = export_bundle(a.store, tmp_path)
    server.storage.revoke_device(a.client.device_id, "2026-01-01T00:00:00+00:00")
    with pytest.raises(errors.DeviceRevoked):
        import_bundle(server.storage, server.keys, path.read_bytes())


def test_office_forwards_a_bundle_over_http(server, tmp_path):
    a, office = server.laptop(), server.laptop(role="office")
    ha = a.visit(address="via office")
    path, _ = export_bundle(a.store, tmp_path)
    import httpx

    from sync.protocol import PROTOCOL_HEADER
    from sync.signing import sign_request

    body = path.read_bytes()
    headers = sign_request(office.client.keys, office.client.device_id, "POST", "/v1/bundles", body)
    headers[PROTOCOL_HEADER] = "1"
    answer = httpx.post(f"{server.url}/v1/bundles", content=body, headers=headers)
    assert answer.status_code == 200
    summary = import_receipt(a.store, answer.content)
    assert summary.acknowledged == 1 and a.store.outbox == []
    assert records(server.storage)[ha] == {"address": "via office"}


def test_a_bundle_change_carrying_a_calculated_answer_is_refused_alone(server, tmp_path):
    """Only typed answers reach the server by USB too: the calculated answer's change is refused (the laptop
    sets it aside), the good one in the same bundle is stored, and nothing calculated is on the server."""
    a = server.laptop()
    good = a.visit(address="柏树村二组7号")
    bad = a.visit(address="柏树村三组2号", household_size=2, per_capita_income_fen=91000)
    path, count = export_bundle(a.store, tmp_path / "stick")
    assert count == 2
    outcome = import_bundle(server.storage, server.keys, path.read_bytes())
    assert (outcome.status, outcome.refused) == ("imported", 1)
    stored = records(server.storage)
    assert stored[good] == {"address": "柏树村二组7号"} and bad not in stored
    summary = import_receipt(a.store, outcome.receipt_bytes)
    assert summary.acknowledged == 1 and a.store.outbox == []
    [aside] = a.store.set_aside_changes.values()
    assert aside["change"]["entity_id"] == bad and aside["code"] == "CHANGE_INVALID"
    assert "calculated answer" in aside["reason"]
