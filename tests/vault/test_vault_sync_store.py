"""The sync-store interface used by sync.client: outbox, acknowledgements, pulled changes, conflicts."""

from __future__ import annotations

import uuid

from fieldapp.vault import Vault
from sync.store import SyncStore
from vaultkit import PASSPHRASE, make_visit


def test_vault_satisfies_the_sync_store_protocol(vault):
    assert isinstance(vault, SyncStore)


def test_each_save_queues_visit_and_household_changes_oldest_first(vault):
    first, second = make_visit(), make_visit()
    vault.save_visit(first)
    vault.save_visit(second)
    changes = vault.pending_changes(10)
    assert [(c["entity"], c["entity_id"]) for c in changes] == [
        ("visit", first["visit_id"]), ("household", first["household_id"]),
        ("visit", second["visit_id"]), ("household", second["household_id"]),
    ]
    c = changes[1]
    assert c["village_code"] == "110105001001" and c["base_revision"] == 0 and c["author"] == "visitor1"
    assert c["device_id"] == vault.get_sync_state("device_id")
    assert c["fields"]["members"][0]["name"] == "王芳"
    assert len(vault.pending_changes(3)) == 3


def test_acknowledged_changes_are_not_sent_again_even_after_reopen(vault):
    vault.save_visit(make_visit())
    ids = [c["change_id"] for c in vault.pending_changes(10)]
    vault.acknowledge(ids[:1])
    vault.acknowledge(ids[:1])  # idempotent
    vault.lock()
    v = Vault.open(vault.data_dir)
    v.unlock("visitor1", PASSPHRASE)
    assert [c["change_id"] for c in v.pending_changes(10)] == ids[1:]
    acked = v._db().execute("SELECT fields, acked_at FROM changes WHERE change_id = ?", [ids[0]]).fetchone()
    assert acked[0] != "{}" and acked[1]  # kept until the server's backup holds the values
    assert v.forget_acknowledged("2000-01-01T00:00:00+00:00") == 0
    assert v.forget_acknowledged("2999-01-01T00:00:00+00:00") == 1
    acked = v._db().execute("SELECT fields, acked_at FROM changes WHERE change_id = ?", [ids[0]]).fetchone()
    assert acked[0] == "{}" and acked[1]  # the server's backup has the values; only the record of the change stays
    v.lock()


def test_acknowledged_changes_are_queued_again_after_a_server_restore(vault):
    vault.save_visit(make_visit())
    ids = [c["change_id"] for c in vault.pending_changes(10)]
    vault.acknowledge(ids)
    assert vault.pending_count() == 0
    assert vault.requeue_acknowledged() == len(ids)
    assert [c["change_id"] for c in vault.pending_changes(10)] == ids
    assert all(c["fields"] for c in vault.pending_changes(10))


def test_sync_state_round_trip(vault):
    vault.set_sync_state("server_url", "https://127.0.0.1:8443")
    assert vault.get_sync_state("server_url") == "https://127.0.0.1:8443"
    vault.set_sync_state("server_url", None)
    assert vault.get_sync_state("server_url") is None


def pulled(seq, entity, entity_id, household_id, revision, fields):
    return {"seq": seq, "entity": entity, "entity_id": entity_id, "household_id": household_id,
            "village_code": "110105001001", "revision": revision, "fields": fields,
            "device_id": "other-device", "author": "visitor9", "at": "2026-05-13T08:00:00+00:00"}


def test_apply_pulled_creates_records_and_stores_cursor(vault):
    hh, vid = str(uuid.uuid4()), str(uuid.uuid4())
    visit = make_visit(hh, vid, names=("周敏",))
    vault.apply_pulled([
        pulled(1, "visit", vid, hh, 5, {k: visit[k] for k in ("household_id", "form_id", "form_version", "status", "answers")}),
        pulled(2, "household", hh, hh, 6, {"address": "北岭村", "members": visit["answers"]["members"],
                                            "village_code": "110105001001", "categories": ["tekun_home"]}),
    ], cursor=2)
    assert vault.get_sync_state("cursor") == "2"
    got = vault.get_household(hh)
    assert got["revision"] == 6 and got["fields"]["address"] == "北岭村" and got["visit_status"] == "final"
    assert vault.get_visit(vid)["meta"]["revision"] == 5
    assert vault.search_households("周敏")[0][0] == hh
    assert vault.pending_changes(10) == []  # pulled data is not sent back


def test_apply_pulled_keeps_unsent_local_edits(vault):
    visit = make_visit(address="旧地址")
    hh = visit["household_id"]
    vault.save_visit(visit)
    vault.acknowledge([c["change_id"] for c in vault.pending_changes(10)])
    vault.apply_pulled([pulled(1, "household", hh, hh, 3, {"address": "旧地址"})], cursor=1)
    # A local edit not yet sent, then a pull touching the same field and another one.
    edit = make_visit(hh, address="本机新地址")
    edit["answers"]["members"] = visit["answers"]["members"]
    vault.save_visit(edit)
    vault.apply_pulled([pulled(2, "household", hh, hh, 4, {"address": "服务器地址", "phone": "13800000000"})], cursor=2)
    fields = vault.get_household(hh)["fields"]
    assert fields["address"] == "本机新地址" and fields["phone"] == "13800000000"
    pending = [c for c in vault.pending_changes(10) if c["entity"] == "household"]
    assert pending[0]["fields"] == {"address": "本机新地址"} and pending[0]["base_revision"] == 3
    # Once acknowledged, the server's merged value wins on the next pull.
    vault.acknowledge([c["change_id"] for c in vault.pending_changes(10)])
    vault.apply_pulled([pulled(3, "household", hh, hh, 5, {"address": "合并后地址"})], cursor=3)
    assert vault.get_household(hh)["fields"]["address"] == "合并后地址"


def test_apply_pulled_is_one_transaction(vault):
    hh = str(uuid.uuid4())
    bad = pulled(2, "bogus", "x", hh, 1, {})
    try:
        vault.apply_pulled([pulled(1, "household", hh, hh, 1, {"address": "甲"}), bad], cursor=2)
    except ValueError:
        pass
    assert vault.household_rows() == [] and vault.get_sync_state("cursor") is None


def conflict_notice(status="open"):
    return {"conflict_id": "c-1", "seq": 7, "kind": "hard", "status": status, "entity": "household",
            "entity_id": "h1", "household_id": "h1", "village_code": "110105001001", "base_revision": 2,
            "change_id": "x", "device_id": "d", "fields": {"address": {"server": "甲", "local": "乙"}},
            "concurrent": ["address"], "created_at": "2026-05-13T08:00:00+00:00"}


def test_conflicts_recorded_idempotently_listed_and_resolved(vault):
    vault.record_conflicts([conflict_notice()])
    vault.record_conflicts([conflict_notice()])  # the same notice again: still one
    open_ = vault.list_conflicts()
    assert len(open_) == 1 and open_[0]["concurrent"] == ["address"] and open_[0]["kind"] == "hard"
    assert vault.list_conflicts(household_id="other") == []
    vault.resolve_conflict(open_[0]["id"])
    assert vault.list_conflicts() == []
    assert vault.list_conflicts(include_resolved=True)[0]["resolved_by"] == "visitor1"


def test_conflict_resolved_at_the_office_closes_locally(vault):
    vault.record_conflicts([conflict_notice()])
    vault.record_conflicts([{**conflict_notice("resolved"), "resolved_by": "office1", "resolved_at": "2026-05-14T08:00:00+00:00"}])
    assert vault.list_conflicts() == []
    assert vault.list_conflicts(include_resolved=True)[0]["resolved_by"] == "office1"
