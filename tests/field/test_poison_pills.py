"""Poison pills (issue 19): one bad record never blocks the good ones recorded after it.

A bad record is refused where it is entered on an enrolled laptop; one that reaches the outbox
anyway (an older program, a damaged import) is set aside when the server refuses it — online
or by USB bundle — listed with the reason, while every other change syncs. Every case is
followed by a good visit that reaches the server.
"""

from __future__ import annotations

import uuid

import pytest

from fieldapp import syncing
from fieldapp.vault import FAST_KDF, InvalidRecord, InvalidUserName, Vault
from sync.protocol import MAX_FIELDS_CHARS
from sync.server.bundles import import_bundle
from sync.server.storage import Scope
from tests.sync.conftest import OTHER_VILLAGE, VILLAGE_A

PASSPHRASE = "tea-leaf-river-42"
ALL = Scope("admin", "")


def visit(village=VILLAGE_A, name="王芳", **answers):
    base = {"visit_date": "2026-05-12", "village_code": village, "area_type": "rural", "address": "东村三组 12 号",
            "members": [{"member_id": str(uuid.uuid4()), "name": name, "relation": "head"}]}
    base.update(answers)
    if village is None:
        del base["village_code"]
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": str(uuid.uuid4()), "visit_id": str(uuid.uuid4()), "status": "draft", "answers": base}


@pytest.fixture
def vault(server, tmp_path):
    v = Vault.create(tmp_path / "laptop", "张三", PASSPHRASE, None, kdf=FAST_KDF)
    syncing.enroll(v, server.url, server.code())
    yield v
    v.lock()


def on_server(server) -> set[str]:
    return {r["household_id"] for r in server.storage.records(ALL)}


def good_visit_syncs(server, vault) -> None:
    good = visit(address="好的走访")
    vault.save_visit(good)
    syncing.sync_now(vault)
    assert good["household_id"] in on_server(server)
    assert vault.pending_count() == 0


BAD_ENTRIES = {
    "NUL in a name": lambda: visit(name="王\x00芳"),
    "no village code": lambda: visit(village=None),
    "13-digit village code": lambda: visit(village=VILLAGE_A + "1"),
    "village of another township": lambda: visit(village=OTHER_VILLAGE),
    "a field of a million characters": lambda: visit(address="东" * (MAX_FIELDS_CHARS + 1)),
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_a_bad_record_is_refused_where_it_is_entered(server, vault, case):
    bad = BAD_ENTRIES[case]()
    with pytest.raises(InvalidRecord) as caught:
        vault.save_visit(bad)
    assert caught.value.message_zh.startswith("记录格式不正确")
    assert vault.pending_count() == 0
    good_visit_syncs(server, vault)


def test_a_user_name_the_server_cannot_take_is_refused_where_it_is_entered(server, vault, tmp_path):
    with pytest.raises(InvalidUserName) as caught:
        vault.add_user("李" * 201, PASSPHRASE, kdf=FAST_KDF)
    assert "200" in caught.value.message_zh
    with pytest.raises(InvalidUserName):
        Vault.create(tmp_path / "other", "名\x00字", PASSPHRASE, None, kdf=FAST_KDF)
    good_visit_syncs(server, vault)


def smuggle(vault, case: str) -> str:
    """Put a change the server refuses straight into the outbox, as an older program or damaged import could."""
    hid = str(uuid.uuid4())
    village, fields, author = VILLAGE_A, {"address": "坏的户"}, "张三"
    if case == "NUL in a name":
        fields = {"head_name": "王\x00芳"}
    elif case == "no village code":
        village = None
    elif case == "13-digit village code":
        village = VILLAGE_A + "1"
    elif case == "village of another township":
        village = OTHER_VILLAGE
    elif case == "a field of a million characters":
        fields = {"remarks": "东" * (MAX_FIELDS_CHARS + 1)}
    elif case == "user name of 201 characters":
        author = "李" * 201
    with vault._session() as db:
        with vault._tx(db):
            change_id = vault._log_change(db, "household", hid, hid, village, 0, fields, "2026-05-12T06:30:00+00:00")
            db.execute("UPDATE changes SET author = ? WHERE change_id = ?", [author, change_id])
    return change_id


SMUGGLED = sorted([*BAD_ENTRIES, "user name of 201 characters"])


def test_bad_changes_in_the_outbox_are_set_aside_online_and_the_rest_syncs(server, vault):
    before = visit(address="坏记录之前")
    vault.save_visit(before)
    bad_ids = {smuggle(vault, case): case for case in SMUGGLED}
    report = syncing.sync_now(vault)
    assert {s["change_id"] for s in report.set_aside} == set(bad_ids)
    assert all(s["message_zh"] for s in report.set_aside)
    assert before["household_id"] in on_server(server)
    listed = vault.set_aside_changes()
    assert {c["change_id"] for c in listed} == set(bad_ids) and all(c["set_aside"]["code"] for c in listed)
    # later syncs neither resend nor fail on them, and a good visit goes through
    good_visit_syncs(server, vault)
    assert syncing.sync_now(vault).set_aside == []
    assert len(vault.set_aside_changes()) == len(bad_ids)


def test_bad_changes_in_a_usb_bundle_are_set_aside_and_the_rest_lands(server, vault, tmp_path):
    good = visit(address="U 盘好的户")
    vault.save_visit(good)
    bad_ids = {smuggle(vault, case) for case in SMUGGLED}
    path, count = syncing.export_bundle(vault, tmp_path / "stick")
    assert count == 1 + 1 + len(bad_ids)          # the visit and its household, and the bad ones
    outcome = import_bundle(server.storage, server.keys, path.read_bytes())
    assert outcome.status == "imported" and outcome.refused == len(bad_ids)
    assert good["household_id"] in on_server(server)
    receipt = tmp_path / "receipt.fieldapp-receipt"
    receipt.write_bytes(outcome.receipt_bytes)
    summary = syncing.import_receipt(vault, receipt)
    assert {r["change_id"] for r in summary.set_aside} == bad_ids
    assert vault.pending_count() == 0
    assert {c["change_id"] for c in vault.set_aside_changes()} == bad_ids
    good_visit_syncs(server, vault)


def test_fieldapp_sync_lists_what_was_set_aside(server, vault, tmp_path, monkeypatch, capsys):
    from fieldapp.cli import main

    smuggle(vault, "village of another township")
    vault.save_visit(visit(address="CLI 好的户"))
    vault.lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    assert main(["--data-dir", str(tmp_path / "laptop"), "sync"]) == 0
    out = capsys.readouterr()
    assert "同步完成" in out.out and "1 条变更被县服务器拒收" in out.err and "OUTSIDE_AREA" in out.err
    assert "Traceback" not in out.err


def test_an_amendment_or_a_target_status_the_server_cannot_take_is_refused_where_it_is_entered(server, vault):
    """Office work on a household (a need's disposition note, 无法入户 with a note) goes through the same check."""
    first = visit(address="已同步的户")
    vault.save_visit(first)
    syncing.sync_now(vault)
    hid = first["household_id"]
    with pytest.raises(InvalidRecord) as caught:
        vault.amend_household(hid, {"address": "东村\x00三组"}, reason="need_disposition")
    assert "NUL" in caught.value.message_zh
    with pytest.raises(InvalidRecord):
        vault.update_household_fields(hid, {"target_status": {"status": "unreachable", "note": "不在\x00家"}})
    assert vault.pending_count() == 0 and vault.get_household(hid)["fields"]["address"] == "已同步的户"
    good_visit_syncs(server, vault)


def test_big_records_are_pulled_over_pages_that_stay_within_the_budget(server, monkeypatch):
    """Changes near the size limit: a pull page ends once its fields pass the budget, and the office still gets all."""
    from sync.server.storage import sql
    from tests.sync.conftest import TOWNSHIP

    monkeypatch.setattr(sql, "PULL_PAGE_CHARS", 1_500_000)
    visitor = server.laptop()
    big = {str(uuid.uuid4()) for _ in range(5)}
    for n, hid in enumerate(sorted(big)):
        visitor.store.edit("household", hid, hid, VILLAGE_A, {"address": f"东村 {n} 号", "remarks": "东" * 600_000})
    visitor.client.sync()
    page = server.storage.pull(Scope("office", TOWNSHIP), 0, 2000)
    assert len(page["changes"]) == 2 and page["more"] and page["cursor"] == page["changes"][-1]["seq"]
    office = server.laptop(role="office")
    assert office.client.sync().pulled == 5
    assert {key[1] for key in office.store.records} == big
