"""The append-only, hash-chained audit log: who unlocked, viewed, created, changed, printed, exported, synced.

Each entry's hash covers the previous entry's hash and its own content, so editing any
entry, or removing one from the middle, breaks the chain; the chain head is also kept in
``meta`` (written in the same transaction) so removing entries from the end is caught too.
Entries hold ids and counts only — never names, ID numbers or amounts.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from .errors import AuditChainBroken

GENESIS = "0" * 64
ACTIONS = frozenset({
    "vault_created", "unlock", "recover", "view", "create", "change", "draft_discarded", "print", "export",
    "import", "sync_push", "sync_pull", "sync_requeue", "user_added", "user_removed", "passphrase_changed",
    "local_wraps_destroyed", "raw_key_exported", "conflict_resolved", "office_key_set", "sync_set_aside",
    "sync_set_aside_retried",   # the visitor sent set-aside changes again (issue 19)
    "review_approved", "review_returned",     # review events: received from the server, or done on this office laptop
})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _payload(seq: int, at: str, actor: str, action: str, entity, entity_id, detail: str) -> bytes:
    return json.dumps([seq, at, actor, action, entity, entity_id, detail], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def append(db, suite, actor: str, action: str, entity: str | None = None, entity_id: str | None = None,
           detail: dict | None = None) -> int:
    """Append one entry (call inside the transaction of the change it records); returns its seq."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    seq, prev = (0, GENESIS)
    if row:
        seq_text, prev = row[0].split(":", 1)
        seq = int(seq_text)
    seq += 1
    at = _now()
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = suite.chain_hash(prev, _payload(seq, at, actor, action, entity, entity_id, detail_text))
    db.execute(
        "INSERT INTO audit (seq, at, actor, action, entity, entity_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
        [seq, at, actor, action, entity, entity_id, detail_text, prev, digest],
    )
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)", [f"{seq}:{digest}"])
    return seq


def verify(db, suite) -> int:
    """Walk the whole chain; returns the number of entries, or raises AuditChainBroken at the first bad one."""
    prev, expected_seq, count = GENESIS, 1, 0
    for seq, at, actor, action, entity, entity_id, detail, prev_hash, digest in db.execute(
        "SELECT seq, at, actor, action, entity, entity_id, detail, prev_hash, hash FROM audit ORDER BY seq"
    ):
        if seq != expected_seq:
            raise AuditChainBroken(expected_seq, f"entry {expected_seq} is missing")
        if not suite.equal(prev_hash, prev):
            raise AuditChainBroken(seq, "does not follow the previous entry")
        recomputed = suite.chain_hash(prev, _payload(seq, at, actor, action, entity, entity_id, detail))
        if not suite.equal(recomputed, digest):
            raise AuditChainBroken(seq, "content was changed")
        prev, expected_seq, count = digest, seq + 1, count + 1
    row = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    head = row[0] if row else f"0:{GENESIS}"
    head_seq, head_hash = head.split(":", 1)
    if int(head_seq) != count or not suite.equal(head_hash, prev):
        raise AuditChainBroken(count + 1 if int(head_seq) > count else int(head_seq), "entries at the end were removed")
    return count


def head(db) -> tuple[int, str]:
    """(seq, hash) of the last entry; (0, GENESIS) for an empty log."""
    row = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if not row:
        return 0, GENESIS
    seq_text, digest = row[0].split(":", 1)
    return int(seq_text), digest


def hashes(db, seqs) -> dict[int, str]:
    """The stored hash of each entry in *seqs* that exists."""
    out: dict[int, str] = {}
    for seq in seqs:
        row = db.execute("SELECT hash FROM audit WHERE seq = ?", [int(seq)]).fetchone()
        if row:
            out[int(seq)] = row[0]
    return out


def entries(db, limit: int = 100, entity_id: str | None = None) -> list[dict]:
    """The latest audit entries, newest first (optionally for one record)."""
    sql = "SELECT seq, at, actor, action, entity, entity_id, detail FROM audit"
    params: list = []
    if entity_id:
        sql += " WHERE entity_id = ?"
        params.append(entity_id)
    sql += " ORDER BY seq DESC LIMIT ?"
    params.append(limit)
    cols = ("seq", "at", "actor", "action", "entity", "entity_id", "detail")
    out = []
    for row in db.execute(sql, params):
        d = dict(zip(cols, row))
        d["detail"] = json.loads(d["detail"])
        out.append(d)
    return out
