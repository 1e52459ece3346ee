"""The hash-chained audit log: every edit or removal of an entry is detected."""

from __future__ import annotations

import pytest

from fieldapp.vault import AuditChainBroken
from vaultkit import make_visit


@pytest.fixture
def audited(vault):
    for _ in range(3):
        visit = make_visit()
        vault.save_visit(visit)
        vault.get_household(visit["household_id"])
    vault.audit("print", "household", visit["household_id"], {"document": "consent"})
    assert vault.verify_audit() == 8  # vault_created + 3 × (create, view) + print
    return vault


def tamper(vault, sql, params=()):
    """What someone holding the key could do with a SQLCipher shell: drop the guards, change rows."""
    db = vault._db()
    db.execute("DROP TRIGGER IF EXISTS audit_no_update")
    db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    db.execute(sql, list(params))


def test_program_cannot_edit_or_delete_entries(audited):
    db = audited._db()
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE audit SET actor = 'someone' WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM audit WHERE seq = 2")


def test_edited_entry_is_detected(audited):
    tamper(audited, "UPDATE audit SET actor = 'someone-else' WHERE seq = 4")
    with pytest.raises(AuditChainBroken) as exc:
        audited.verify_audit()
    assert exc.value.seq == 4 and "第 4 条" in exc.value.message_zh


def test_edited_entry_with_recomputed_hash_is_detected_at_the_next_entry(audited):
    import hashlib
    import json

    row = audited._db().execute("SELECT seq, at, actor, action, entity, entity_id, detail, prev_hash FROM audit WHERE seq = 3").fetchone()
    payload = json.dumps([row[0], row[1], "forger", row[3], row[4], row[5], row[6]], ensure_ascii=False,
                         separators=(",", ":")).encode("utf-8")
    forged = hashlib.sha256(row[7].encode("ascii") + b"\n" + payload).hexdigest()
    tamper(audited, "UPDATE audit SET actor = 'forger', hash = ? WHERE seq = 3", [forged])
    with pytest.raises(AuditChainBroken) as exc:
        audited.verify_audit()
    assert exc.value.seq == 4


def test_deleted_middle_entry_is_detected(audited):
    tamper(audited, "DELETE FROM audit WHERE seq = 5")
    with pytest.raises(AuditChainBroken) as exc:
        audited.verify_audit()
    assert exc.value.seq == 5


def test_deleted_last_entries_are_detected(audited):
    tamper(audited, "DELETE FROM audit WHERE seq >= 8")
    with pytest.raises(AuditChainBroken):
        audited.verify_audit()


def test_entries_hold_ids_not_personal_data(audited):
    text = repr(audited._db().execute("SELECT * FROM audit").fetchall())
    assert "王芳" not in text and "11010519491231002X" not in text
