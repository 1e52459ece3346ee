"""Durability per transaction: typed saves commit FULL-synchronous, pulled pages NORMAL (WAL).

The setting is read on the vault's own connection at the moment each transaction writes its audit
line (every write transaction of the vault writes one), so the test sees what the commit used.
"""

from __future__ import annotations

import uuid

import pytest

from fieldapp.vault import Vault, audit
from vaultkit import PASSPHRASE, make_visit

FULL, NORMAL = 2, 1


def synchronous(vault) -> int:
    return vault._db().execute("PRAGMA synchronous").fetchone()[0]


@pytest.fixture
def seen(vault, monkeypatch):
    """(audit action, PRAGMA synchronous on the connection) for every write transaction from here on."""
    log: list[tuple[str, int]] = []
    original = audit.append

    def spying(db, suite, user, action, *args, **kwargs):
        log.append((action, db.execute("PRAGMA synchronous").fetchone()[0]))
        return original(db, suite, user, action, *args, **kwargs)

    monkeypatch.setattr(audit, "append", spying)
    return log


def pulled(seq, hh, revision, fields):
    return {"seq": seq, "entity": "household", "entity_id": hh, "household_id": hh, "village_code": "110105001001",
            "revision": revision, "fields": fields, "device_id": "other-device", "author": "visitor9",
            "at": "2026-05-13T08:00:00+00:00"}


def test_the_vault_is_wal_and_full_synchronous_when_opened(vault):
    assert vault._db().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert synchronous(vault) == FULL


def test_pulled_pages_commit_normal_and_typed_saves_full(vault, seen):
    visit = make_visit(address="东关村3组")
    vault.save_visit(visit)
    hh = str(uuid.uuid4())
    vault.apply_pulled([pulled(1, hh, 1, {"address": "西岗村1组", "village_code": "110105001001"})], cursor=1)
    assert synchronous(vault) == FULL                     # restored at once after the pulled page
    edit = make_visit(visit["household_id"], address="东关村4组")
    edit["answers"]["members"] = visit["answers"]["members"]
    vault.save_visit(edit)                                # the next typed save after a pull
    assert ("sync_pull", NORMAL) in seen
    typed = [level for action, level in seen if action != "sync_pull"]
    assert len(typed) >= 2 and set(typed) == {FULL}, seen
    assert vault.get_household(hh)["fields"]["address"] == "西岗村1组"
    assert vault.get_sync_state("cursor") == "1"


def test_a_failed_pulled_page_restores_full_and_keeps_nothing(vault, seen):
    hh = str(uuid.uuid4())
    bad = dict(pulled(2, hh, 1, {}), entity="bogus")
    with pytest.raises(ValueError):
        vault.apply_pulled([pulled(1, hh, 1, {"address": "甲"}), bad], cursor=2)
    assert synchronous(vault) == FULL
    assert vault.household_rows() == [] and vault.get_sync_state("cursor") is None
    vault.save_visit(make_visit())
    assert seen and set(level for _, level in seen) == {FULL}


def test_settings_and_reopen_stay_full(vault, seen):
    vault.apply_pulled([pulled(1, str(uuid.uuid4()), 1, {"address": "乙"})], cursor=1)
    vault.set_sync_state("server_url", "https://127.0.0.1:8443")
    assert synchronous(vault) == FULL
    path = vault.data_dir
    vault.lock()
    again = Vault.open(path)
    again.unlock("visitor1", PASSPHRASE)
    try:
        assert synchronous(again) == FULL and again.get_sync_state("cursor") == "1"
    finally:
        again.lock()
