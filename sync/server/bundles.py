"""Server side of USB bundles: verify, decrypt, push the changes, answer with a receipt bundle."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sync import errors
from sync.files import write_durably
from sync.bundle import BUNDLE_SUFFIX, RECEIPT_SUFFIX, open_bundle, read_header, server_identity, write_bundle
from sync.keys import KeyPair
from sync.protocol import Change, MAX_PULL_LIMIT
from sync.server.checks import check_changes
from sync.server.auth import device_scope
from sync.server.storage import Storage

log = logging.getLogger("fieldapp.server.bundles")


@dataclass
class BundleOutcome:
    """One imported bundle: status imported/duplicate, its device and the receipt."""

    status: str
    bundle_id: str
    device_id: str
    receipt_bytes: bytes

    @property
    def receipt(self) -> dict:
        """The receipt bundle as JSON."""
        return json.loads(self.receipt_bytes)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def import_bundle(storage: Storage, keys: KeyPair, data: bytes) -> BundleOutcome:
    """Import one bundle; raises the named bundle error (malformed, tampered, foreign, revoked)."""
    bundle = read_header(data)
    device = storage.get_device(bundle["sender"])
    if device is None:
        raise errors.BundleForeign("sender is not a device enrolled on this server")
    payload = open_bundle(bundle, "changes", server_identity(keys.signing_public), keys.sealing, device["signing_key"])
    if device.get("revoked_at"):
        raise errors.DeviceRevoked()
    previous = storage.bundle_receipt(bundle["bundle_id"])
    if previous is not None:
        return BundleOutcome("duplicate", bundle["bundle_id"], device["device_id"], previous.encode("utf-8"))
    if "\\u0000" in json.dumps(payload):
        raise errors.BundleMalformed("NUL characters are not allowed")
    try:
        changes = [Change.model_validate(c).model_dump() for c in payload.get("changes", [])]
        since = int(payload.get("cursor", 0))
        review_since = max(0, int(payload.get("review_cursor", 0)))
    except (ValueError, TypeError) as exc:
        raise errors.BundleMalformed(str(exc)[:200]) from None
    check_changes(changes)
    scope = device_scope(device)
    accepted, conflicts = storage.push(scope, device["device_id"], changes, _now()) if changes else ([], [])
    pulled = {"since": since, "changes": [], "conflicts": [], "documents": [], "cursor": since}
    while True:
        page = storage.pull(scope, pulled["cursor"], MAX_PULL_LIMIT)
        for key in ("changes", "conflicts", "documents"):
            pulled[key].extend(page[key])
        pulled["cursor"] = page["cursor"]
        pulled["office_recovery_key"] = page.get("office_recovery_key")
        if not page["more"]:
            break
    reviews = {"since": review_since, "events": [], "cursor": review_since}
    while True:   # review events (approvals, returns) reach USB-only laptops in the receipt too
        page = storage.reviews.since(scope, reviews["cursor"], MAX_PULL_LIMIT)
        reviews["events"].extend(page["events"])
        reviews["cursor"] = page["cursor"]
        if not page["more"]:
            break
    receipt = write_bundle("receipt", server_identity(keys.signing_public), keys, device["device_id"],
                           device["sealing_key"], {"for_bundle": bundle["bundle_id"], "accepted": accepted,
                                                   "conflicts": conflicts, "pull": pulled, "reviews": reviews})
    storage.record_bundle(bundle["bundle_id"], device["device_id"], receipt.decode("utf-8"), _now())
    # the receipt carries these households' data back to the laptop: a read, logged like a pull
    storage.log_read(device["device_id"], "bundle", since, pulled["cursor"],
                     pulled["changes"] + pulled["conflicts"] + reviews["events"], _now())
    log.info("bundle imported: %d changes", len(changes))
    return BundleOutcome("imported", bundle["bundle_id"], device["device_id"], receipt)


def import_directory(storage: Storage, keys: KeyPair, directory: Path, receipts: Path) -> list[dict]:
    """Import every bundle in *directory* (any order, duplicates harmless); write receipts; report each."""
    results = []
    receipts.mkdir(parents=True, exist_ok=True)
    for path in sorted(directory.glob(f"*{BUNDLE_SUFFIX}")):
        try:
            outcome = import_bundle(storage, keys, path.read_bytes())
        except errors.SyncError as exc:
            results.append({"file": path.name, "status": "rejected", "code": exc.code, "reason_zh": exc.message_zh,
                            "reason": str(exc)})
            continue
        out = receipts / f"{outcome.device_id[:8]}-{outcome.bundle_id}{RECEIPT_SUFFIX}"
        write_durably(out, outcome.receipt_bytes)
        results.append({"file": path.name, "status": outcome.status, "bundle_id": outcome.bundle_id,
                        "receipt": str(out)})
    return results
