"""USB bundles: the laptop's pending changes sealed to the server, and the server's receipt back.

A bundle file is JSON: a clear header (format, kind, bundle id, sender, recipient, time),
the sealed payload (see :mod:`sync.sealing`, header as associated data) and the sender's
Ed25519 signature over header and ciphertext. The finder of the stick learns only who sent
it and when; any change to a byte is refused.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync import errors
from sync.files import write_durably
from sync import store as st
from sync.keys import KeyPair, b64d, signing_public_key
from sync.protocol import canonical_json, loads_bounded
from sync.sealing import open_sealed, seal

BUNDLE_FORMAT = "fieldapp.bundle"
BUNDLE_VERSION = 1
BUNDLE_SUFFIX = ".fieldapp-bundle"
RECEIPT_SUFFIX = ".fieldapp-receipt"
HEADER_KEYS = ("format", "format_version", "kind", "bundle_id", "sender", "recipient", "created_at")


def server_identity(server_signing_public: str) -> str:
    """How bundles name the server: by its signing key, so a bundle for another county is 'foreign'."""
    return "server:" + server_signing_public


def write_bundle(kind: str, sender: str, sender_keys: KeyPair, recipient: str, recipient_sealing_public: str,
                 payload: dict, bundle_id: str | None = None) -> bytes:
    """Seal and sign *payload*; return the bundle file's bytes."""
    header = {"format": BUNDLE_FORMAT, "format_version": BUNDLE_VERSION, "kind": kind,
              "bundle_id": bundle_id or str(uuid.uuid4()), "sender": sender, "recipient": recipient,
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    sealed = seal(recipient_sealing_public, canonical_json(payload), canonical_json(header))
    signed = dict(header, sealed=sealed)
    signed["signature"] = sender_keys.sign(canonical_json(signed))
    return json.dumps(signed, ensure_ascii=False, indent=1).encode("utf-8")


def read_header(data: bytes) -> dict:
    """Parse a bundle file's clear part; raises BundleMalformed."""
    bundle = loads_bounded(data, errors.BundleMalformed)
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise errors.BundleMalformed("not a fieldapp bundle")
    if bundle.get("format_version") != BUNDLE_VERSION:
        raise errors.BundleMalformed(f"bundle format version {bundle.get('format_version')} not supported")
    missing = [k for k in HEADER_KEYS + ("sealed", "signature") if k not in bundle]
    if missing or not all(isinstance(bundle[k], str) for k in ("kind", "bundle_id", "sender", "recipient", "signature")):
        raise errors.BundleMalformed(f"missing or bad fields: {', '.join(missing) or 'types'}")
    if not isinstance(bundle["sealed"], dict):
        raise errors.BundleMalformed("sealed part missing")
    return bundle


def open_bundle(bundle: dict, kind: str, recipient: str, recipient_key: X25519PrivateKey, sender_signing_public: str) -> dict:
    """Verify signature and recipient, decrypt, return the payload (named bundle errors otherwise)."""
    if bundle["kind"] != kind:
        raise errors.BundleMalformed(f"expected a {kind} bundle, got {bundle['kind']}")
    unsigned = {k: v for k, v in bundle.items() if k != "signature"}
    try:
        signing_public_key(sender_signing_public).verify(b64d(bundle["signature"]), canonical_json(unsigned))
    except (InvalidSignature, ValueError):
        raise errors.BundleTampered("signature does not verify") from None
    if bundle["recipient"] != recipient:
        raise errors.BundleForeign("addressed to another recipient")
    header = {k: bundle[k] for k in HEADER_KEYS}
    plaintext = open_sealed(recipient_key, bundle["sealed"], canonical_json(header))
    payload = loads_bounded(plaintext, errors.BundleMalformed)
    if not isinstance(payload, dict):
        raise errors.BundleMalformed("payload is not an object")
    return payload


# --- the laptop's side ---------------------------------------------------------------
def _device(store) -> tuple[str, KeyPair, str, str]:
    device_id, secret = store.get_sync_state(st.STATE_DEVICE_ID), store.get_sync_state(st.STATE_DEVICE_KEYS)
    server_sign, server_seal = (store.get_sync_state(st.STATE_SERVER_SIGNING_KEY),
                                store.get_sync_state(st.STATE_SERVER_SEALING_KEY))
    if not (device_id and secret and server_sign and server_seal):
        raise errors.NotEnrolled()
    return device_id, KeyPair.from_secret_text(secret), server_sign, server_seal


def export_bundle(store, out_dir: Path, limit: int = 1_000_000) -> tuple[Path, int]:
    """Write every pending change into a sealed, signed bundle in *out_dir*; return (path, count).

    Nothing is acknowledged: the changes leave the outbox only when the receipt comes back.
    """
    device_id, keys, server_sign, server_seal = _device(store)
    changes = store.pending_changes(limit)
    payload = {"device_id": device_id, "changes": changes, "cursor": int(store.get_sync_state(st.STATE_CURSOR) or 0),
               "review_cursor": int(store.get_sync_state(st.STATE_REVIEW_CURSOR) or 0)}
    if callable(getattr(store, "set_aside_changes", None)):   # the office sees what this laptop holds aside
        from sync.set_aside import report_items

        payload["set_aside"] = report_items(store.set_aside_changes())
    bundle_id = str(uuid.uuid4())
    data = write_bundle("changes", device_id, keys, server_identity(server_sign), server_seal, payload, bundle_id)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True, exist_ok=True)
    # temp files of this laptop's earlier exports that were killed mid-write (write_durably's names): tens of MB each
    for stale in out_dir.glob(f"fieldapp-{device_id[:8]}-*{BUNDLE_SUFFIX}.*.tmp"):
        stale.unlink(missing_ok=True)
    path = out_dir / f"fieldapp-{device_id[:8]}-{stamp}-{bundle_id[:8]}{BUNDLE_SUFFIX}"
    write_durably(path, data)
    return path, len(changes)


@dataclass
class ReceiptSummary:
    """What importing a receipt bundle did on the laptop."""

    bundle_id: str
    acknowledged: int = 0
    pulled: int = 0
    conflicts: list[dict] = field(default_factory=list)
    pull_skipped: str | None = None     # why pulled data was not applied (already have it / gap)
    set_aside: list[dict] = field(default_factory=list)   # changes the server refused on their own
    reviews: list[dict] = field(default_factory=list)    # review events applied (approvals, returns)


def import_receipt(store, data: bytes) -> ReceiptSummary:
    """Apply a server receipt: acknowledge what landed, store pulled changes if they continue our cursor."""
    from sync.client import store_document

    bundle = read_header(data)          # whether the file is a bundle at all comes first
    device_id, keys, server_sign, _ = _device(store)
    if bundle["sender"] != server_identity(server_sign):
        raise errors.BundleForeign("not from this laptop's county server")
    payload = open_bundle(bundle, "receipt", device_id, keys.sealing, server_sign)
    summary = ReceiptSummary(bundle_id=payload.get("for_bundle", ""))
    accepted = [a["change_id"] for a in payload.get("accepted", [])]
    store.acknowledge(accepted)
    summary.acknowledged = len(accepted)
    refused = [r for r in payload.get("refused", []) if isinstance(r, dict) and isinstance(r.get("change_id"), str)]
    if refused and callable(getattr(store, "set_aside", None)):   # refused on their own: kept aside, visibly
        for r in refused:
            store.set_aside(r["change_id"], str(r.get("code")), str(r.get("reason", "")))
        summary.set_aside = refused
    pull = payload.get("pull") or {}
    conflicts = list(payload.get("conflicts", [])) + list(pull.get("conflicts", []))
    if conflicts:
        store.record_conflicts(conflicts)
        summary.conflicts = conflicts
    if pull.get("office_recovery_key"):    # versioned: an older receipt cannot roll the key back
        from sync.client import accept_office_key

        accept_office_key(store, pull["office_recovery_key"])
    local = int(store.get_sync_state(st.STATE_CURSOR) or 0)
    since, upto = int(pull.get("since", 0)), int(pull.get("cursor", 0))
    if upto <= local:
        summary.pull_skipped = "already up to date"
    elif since > local:
        summary.pull_skipped = "older changes missing: import the earlier receipt or sync online"
    else:
        for doc in pull.get("documents", []):
            if doc["seq"] > local:
                store_document(store, doc)
        fresh = [c for c in pull.get("changes", []) if c["seq"] > local]
        store.apply_pulled(fresh, upto)
        summary.pulled = len(fresh)
    summary.reviews = _apply_receipt_reviews(store, payload.get("reviews") or {})
    return summary


def _apply_receipt_reviews(store, reviews: dict) -> list[dict]:
    """Store the receipt's review events if they continue the laptop's review cursor (idempotent by event id)."""
    if not callable(getattr(store, "record_reviews", None)) or not reviews:
        return []
    local = int(store.get_sync_state(st.STATE_REVIEW_CURSOR) or 0)
    since, upto = int(reviews.get("since", 0)), int(reviews.get("cursor", 0))
    if upto <= local or since > local:
        return []
    fresh = [e for e in reviews.get("events", []) if int(e["review_seq"]) > local]
    store.record_reviews(fresh, upto)
    return fresh
