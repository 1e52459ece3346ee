"""The county server keeps the head of each laptop's audit chain after every sync, so a chain
rewritten consistently by someone holding the database key is still caught (real server, real vault)."""

from __future__ import annotations

import json
import uuid

import pytest

from fieldapp import syncing
from fieldapp.cli import main
from fieldapp.vault import AuditChainBroken
from fieldapp.vault import audit as vault_audit
from sync import errors
from sync.client import SyncClient
from tests.sync.test_vault_sync import PASS, enrolled, make_vault, office_keys, visit  # noqa: F401 - fixtures


def rewrite_chain(vault, seq: int, detail: dict) -> None:
    """What a key holder could do: change entry *seq* and recompute every hash after it, head included."""
    db = vault._db()
    suite = vault._suite
    db.execute("DROP TRIGGER audit_no_update")
    rows = db.execute("SELECT seq, at, actor, action, entity, entity_id, detail, prev_hash FROM audit WHERE seq >= ? "
                      "ORDER BY seq", [seq]).fetchall()
    prev = rows[0][7]
    for s, at, actor, action, entity, entity_id, old_detail, _ in rows:
        text = json.dumps(detail, sort_keys=True, separators=(",", ":")) if s == seq else old_detail
        digest = suite.chain_hash(prev, vault_audit._payload(s, at, actor, action, entity, entity_id, text))
        db.execute("UPDATE audit SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?", [text, prev, digest, s])
        prev = digest
    db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", [f"{rows[-1][0]}:{prev}"])
    db.conn.commit()


def test_every_sync_leaves_the_chain_head_with_the_server(server, make_vault):
    vault = enrolled(server, make_vault, "a")
    for _ in range(2):
        vault.save_visit(visit(str(uuid.uuid4())))
        syncing.sync_now(vault)
    anchors = server.storage.audit_anchors(vault.get_sync_state("device_id"))
    assert len(anchors) == 2 and anchors[-1]["seq"] == vault.audit_head()[0]
    assert anchors[-1]["hash"] == vault.audit_head()[1]
    assert syncing.verify_audit_with_server(vault) == 2


def test_a_consistently_rewritten_chain_is_caught_against_the_server(server, make_vault, tmp_path, monkeypatch):
    vault = enrolled(server, make_vault, "a")
    vault.save_visit(visit(str(uuid.uuid4())))
    syncing.sync_now(vault)
    anchored_seq = vault.audit_head()[0]
    vault.save_visit(visit(str(uuid.uuid4())))
    rewrite_chain(vault, 2, {"household_id": "someone else", "status": "final", "household_fields": 0})
    assert vault.verify_audit() >= anchored_seq   # the local chain alone looks intact
    with pytest.raises(AuditChainBroken) as err:
        syncing.verify_audit_with_server(vault)
    assert err.value.seq == anchored_seq and "操作日志" in err.value.message_zh
    # the admin command says so too (exit code 1), and --local cannot tell
    vault.lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    data = str(tmp_path / "a")
    assert main(["--data-dir", data, "audit", "verify", "--user", "a"]) == 1
    assert main(["--data-dir", data, "audit", "verify", "--user", "a", "--local"]) == 0


def test_a_chain_cut_short_or_changed_is_refused_as_a_new_head(server, make_vault):
    vault = enrolled(server, make_vault, "a")
    vault.save_visit(visit(str(uuid.uuid4())))
    syncing.sync_now(vault)
    seq, digest = vault.audit_head()
    with SyncClient(vault) as client:
        assert client.anchor_audit(seq, digest) is False          # the same head again: fine
        with pytest.raises(errors.AuditAnchorMismatch):
            client.anchor_audit(seq, "0" * 64)                    # the same entry with another hash
        with pytest.raises(errors.AuditAnchorMismatch):
            client.anchor_audit(seq - 1, digest)                  # a chain shorter than anchored
