"""Data that arrives mistyped (from another device via the server, or an imported draft) never blocks the vault,
and disk failures reach the user as specific Chinese messages."""

from __future__ import annotations

import errno
import uuid

import pytest

from fieldapp.vault import DiskFull, DiskWriteFailed, ReadOnlyVault, VaultCorrupt
from fieldapp.vault.connection import translate_error, translate_os_error
from vaultkit import make_visit

MISTYPED = {
    "village_code": ["110105001001"], "address": {"street": 3}, "categories": ["dibao_a", 7, None],
    "members": [{"member_id": 5, "name": {"x": 1}, "id_number": 110105, "relation": ["head"]}, "not a member"],
    "needs": [{"need_id": "n", "category": {"a": 1}, "disposition": ["pending"]}, 3],
}


def test_mistyped_pulled_household_is_stored_and_listed(vault):
    hid = str(uuid.uuid4())
    vault.apply_pulled([{"seq": 1, "entity": "household", "entity_id": hid, "household_id": hid,
                         "village_code": "110105001001", "revision": 1, "fields": MISTYPED,
                         "device_id": "d", "author": "a", "at": "2026-05-12T06:30:00+00:00"}], cursor=1)
    assert vault.get_sync_state("cursor") == "1"
    assert vault.get_household(hid, audit_view=False)["fields"] == MISTYPED
    row = vault.household_rows()[0]
    assert row[0] == hid and row[1] == '{"x": 1}' and row[5] == "dibao_a"


def test_mistyped_pulled_visit_is_stored(vault):
    vid, hid = str(uuid.uuid4()), str(uuid.uuid4())
    vault.apply_pulled([{"seq": 1, "entity": "visit", "entity_id": vid, "household_id": hid,
                         "village_code": "110105001001", "revision": 1,
                         "fields": {"household_id": hid, "form_id": ["x"], "form_version": "1", "status": {"s": 1},
                                    "answers": {"visit_date": [2026], **MISTYPED}},
                         "device_id": "d", "author": "a", "at": "2026-05-12T06:30:00+00:00"}], cursor=2)
    assert vault.get_visit(vid, audit_view=False)["answers"]["visit_date"] == [2026]


def test_mistyped_local_draft_visit_saves(vault):
    visit = make_visit(status="draft")
    visit["answers"].update(MISTYPED)
    vault.save_visit(visit)
    assert vault.get_visit(visit["visit_id"], audit_view=False)["answers"]["address"] == {"street": 3}


class FakeSqliteError(Exception):
    pass


@pytest.mark.parametrize("message, expected", [
    ("database or disk is full", DiskFull),
    ("disk I/O error", DiskWriteFailed),
    ("attempt to write a readonly database", ReadOnlyVault),
    ("file is not a database", VaultCorrupt),
    ("no such table: x", type(None)),
])
def test_sqlite_failures_become_specific_vault_errors(tmp_path, message, expected):
    err = translate_error(FakeSqliteError(message), tmp_path / "vault.db")
    assert isinstance(err, expected)
    if err is not None:
        assert err.message_zh


@pytest.mark.parametrize("code, expected, words", [
    (errno.ENOSPC, DiskFull, "空间"), (errno.EFBIG, DiskWriteFailed, "空间"),
    (errno.EROFS, ReadOnlyVault, "只读"), (errno.EACCES, ReadOnlyVault, "只读"),
])
def test_os_write_failures_become_specific_vault_errors(tmp_path, code, expected, words):
    err = translate_os_error(OSError(code, "x"), tmp_path / "vault.keys.json")
    assert isinstance(err, expected) and words in err.message_zh
