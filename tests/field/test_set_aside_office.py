"""Set-aside changes are visible to the office, and the visitor fixes and resends them (issue 19).

A real server on 127.0.0.1 (SQLite and PostgreSQL), real SQLCipher vaults: a visit an older
program saved with a village of another township is refused and set aside while the good visits
sync; the laptop reports it, the county sees it with ``fieldapp-server set-aside`` and the township
office laptop in its list; the visitor corrects the village, presses 重新发送, the visit lands and
the report is gone everywhere.
"""

from __future__ import annotations

import json
import uuid

import pytest

from fieldapp import syncing
from fieldapp.vault import FAST_KDF, Vault
from sync.server.bundles import import_bundle
from sync.server.cli import main as server_main
from sync.server.storage import Scope
from tests.sync.conftest import OTHER_VILLAGE, TOWNSHIP, VILLAGE_A

PASSPHRASE = "tea-leaf-river-42"
ALL = Scope("admin", "")


def visit(village=VILLAGE_A, address="东村三组 12 号", household_id=None, visit_id=None):
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": household_id or str(uuid.uuid4()), "visit_id": visit_id or str(uuid.uuid4()),
            "status": "draft",
            "answers": {"visit_date": "2026-05-12", "village_code": village, "area_type": "rural", "address": address,
                        "members": [{"member_id": str(uuid.uuid4()), "name": "王芳", "relation": "head"}]}}


def laptop(server, tmp_path, name, role="visitor", label=""):
    v = Vault.create(tmp_path / name, "张三", PASSPHRASE, None, kdf=FAST_KDF)
    syncing.enroll(v, server.url, server.code(role=role), label=label)
    return v


def saved_by_an_older_program(vault, monkeypatch, doc) -> None:
    """An older program did not check the village at entry: the bad visit reaches the outbox."""
    import fieldapp.vault.records as records

    with monkeypatch.context() as m:
        m.setattr(records, "check_entry", lambda *a, **k: None)
        vault.save_visit(doc)


def server_cli(server, capsys, *args) -> str:
    url = getattr(server.storage, "url", None) or f"sqlite:///{server.storage.path}"
    capsys.readouterr()
    assert server_main(["--database", url, "set-aside", *args]) == 0
    return capsys.readouterr().out


def test_the_office_sees_a_set_aside_visit_and_the_visitor_fixes_and_resends_it(server, tmp_path, monkeypatch, capsys):
    visitor = laptop(server, tmp_path, "visitor", label="城关镇-王芳")
    office = laptop(server, tmp_path, "office", role="office")
    bad = visit(village=OTHER_VILLAGE, address="坏记录")
    saved_by_an_older_program(visitor, monkeypatch, bad)
    good = visit(address="好的户")
    visitor.save_visit(good)

    report = syncing.sync_now(visitor)
    assert {s["household_id"] for s in report.set_aside} == {bad["household_id"]}
    on_server = {r["household_id"] for r in server.storage.records(ALL)}
    assert good["household_id"] in on_server and bad["household_id"] not in on_server

    # the county sees which laptop, which household, why — and no answers of the household
    listed = json.loads(server_cli(server, capsys, "--township", TOWNSHIP, "--json"))
    assert {r["household_id"] for r in listed} == {bad["household_id"]}
    assert {r["code"] for r in listed} == {"OUTSIDE_AREA"} and all(r["device_label"] == "城关镇-王芳" for r in listed)
    assert bad["visit_id"] in {r["visit_id"] for r in listed}
    assert "坏记录" not in json.dumps(listed, ensure_ascii=False)
    text = server_cli(server, capsys)
    assert "被拒收" in text and "城关镇-王芳" in text and bad["household_id"] in text and "OUTSIDE_AREA" in text
    assert server_cli(server, capsys, "--township", "110105002", "--json").strip() == "[]"

    # the township office laptop sees them after its sync
    syncing.sync_now(office)
    seen = syncing.office_set_aside(office)
    assert {r["household_id"] for r in seen} == {bad["household_id"]} and seen[0]["device_label"] == "城关镇-王芳"

    # the visitor opens the visit, corrects the village, saves, and resends
    fixed = visit(village=VILLAGE_A, address="坏记录", household_id=bad["household_id"], visit_id=bad["visit_id"])
    fixed["answers"]["members"] = bad["answers"]["members"]
    visitor.save_visit(fixed)
    assert syncing.retry_set_aside(visitor) >= 1
    report = syncing.sync_now(visitor)
    assert report.set_aside == [] and visitor.set_aside_changes() == [] and visitor.pending_count() == 0
    stored = {r["household_id"]: r for r in server.storage.records(ALL)}
    assert stored[bad["household_id"]]["village_code"] == VILLAGE_A
    assert bad["visit_id"] in {r["entity_id"] for r in server.storage.records(ALL)}

    # the report is gone: county CLI and office laptop
    assert json.loads(server_cli(server, capsys, "--json")) == []
    assert "没有被拒收" in server_cli(server, capsys)
    syncing.sync_now(office)
    assert syncing.office_set_aside(office) == []
    visitor.lock()
    office.lock()


def test_the_cli_resends_set_aside_changes(server, tmp_path, monkeypatch, capsys):
    from fieldapp.cli import main

    visitor = laptop(server, tmp_path, "visitor")
    bad = visit(village=OTHER_VILLAGE)
    saved_by_an_older_program(visitor, monkeypatch, bad)
    syncing.sync_now(visitor)
    assert len(visitor.set_aside_changes()) == 2           # the visit and its household
    fixed = visit(village=VILLAGE_A, household_id=bad["household_id"], visit_id=bad["visit_id"])
    fixed["answers"]["members"] = bad["answers"]["members"]
    visitor.save_visit(fixed)
    visitor.lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path / "visitor"), "sync", "--retry-set-aside"]) == 0
    out = capsys.readouterr()
    assert "重新发送" in out.out and "同步完成" in out.out and "拒收" not in out.err and "Traceback" not in out.err
    assert bad["household_id"] in {r["household_id"] for r in server.storage.records(ALL)}
    assert server.storage.set_aside.listed(ALL) == []


def test_a_usb_bundle_carries_the_set_aside_report(server, tmp_path, monkeypatch):
    visitor = laptop(server, tmp_path, "visitor")
    bad = visit(village=OTHER_VILLAGE)
    saved_by_an_older_program(visitor, monkeypatch, bad)
    path, _ = syncing.export_bundle(visitor, tmp_path / "stick")
    outcome = import_bundle(server.storage, server.keys, path.read_bytes())
    # refused in this very bundle: the office sees it before the receipt is back on the laptop
    assert outcome.refused == 2
    assert {r["household_id"] for r in server.storage.set_aside.listed(Scope("office", TOWNSHIP))} == {bad["household_id"]}
    receipt = tmp_path / "receipt.fieldapp-receipt"
    receipt.write_bytes(outcome.receipt_bytes)
    syncing.import_receipt(visitor, receipt)
    assert len(visitor.set_aside_changes()) == 2
    # fixed and resent by USB: the next bundle carries an empty report and the change itself
    fixed = visit(village=VILLAGE_A, household_id=bad["household_id"], visit_id=bad["visit_id"])
    fixed["answers"]["members"] = bad["answers"]["members"]
    visitor.save_visit(fixed)
    syncing.retry_set_aside(visitor)
    path, _ = syncing.export_bundle(visitor, tmp_path / "stick2")
    outcome = import_bundle(server.storage, server.keys, path.read_bytes())
    assert outcome.refused == 0
    assert server.storage.set_aside.listed(ALL) == []
    assert bad["household_id"] in {r["household_id"] for r in server.storage.records(ALL)}
    visitor.lock()


@pytest.mark.parametrize("items", [[{"change_id": "x"}], [{"bogus": 1}] * 2, "not a list"])
def test_a_malformed_report_is_refused_with_a_code(server, tmp_path, items):
    from sync.client import SyncClient
    from sync.errors import MalformedRequest

    visitor = laptop(server, tmp_path, "visitor")
    with SyncClient(visitor) as client, pytest.raises(MalformedRequest):
        client.report_set_aside(items)
    visitor.lock()


def test_resending_drops_what_a_later_save_replaced_and_keeps_the_rest(tmp_path):
    from fieldapp.vault import FAST_KDF, Vault

    v = Vault.create(tmp_path / "v", "张三", PASSPHRASE, None, kdf=FAST_KDF)
    doc = visit()
    v.save_visit(doc)
    hid = doc["household_id"]
    pending = {c["change_id"]: c for c in v.pending_changes()}
    household_change = next(c for c in pending.values() if c["entity"] == "household")
    visit_change = next(c for c in pending.values() if c["entity"] == "visit")
    v.set_aside(household_change["change_id"], "OUTSIDE_AREA", "refused")
    v.set_aside(visit_change["change_id"], "CHANGE_ID_REUSED", "refused")
    # the visitor corrects the address: the household change keeps its other fields, under a new id
    v.amend_household(hid, {"address": "东村三组 14 号"})
    assert v.retry_set_aside() == 2 and v.set_aside_changes() == []
    resent = [c for c in v.pending_changes() if c["entity_id"] in (hid, doc["visit_id"]) and c["change_id"] not in pending]
    again = next(c for c in resent if c["entity"] == "household" and "members" in c["fields"])
    assert "address" not in again["fields"] and again["village_code"] == VILLAGE_A
    assert next(c for c in resent if c["entity"] == "visit")["fields"]["household_id"] == hid
    # a change whose every field a later save replaced is dropped: the later one carries the values
    v.set_aside(next(c for c in v.pending_changes() if c["fields"] == {"address": "东村三组 14 号"})["change_id"],
                "OUTSIDE_AREA", "refused")
    v.amend_household(hid, {"address": "东村三组 16 号"})
    assert v.retry_set_aside() == 0
    addresses = [c["fields"].get("address") for c in v.pending_changes() if c["entity"] == "household"]
    assert "东村三组 14 号" not in addresses and "东村三组 16 号" in addresses
    v.lock()
