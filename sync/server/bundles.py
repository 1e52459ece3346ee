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
from sync.set_aside import SetAsideReport, clean_text
from sync.server.access import device_alias, safe_bundle_id
from sync.server.checks import check_changes
from sync.server.auth import device_scope, note_contact
from sync.server.storage import Storage

log = logging.getLogger("fieldapp.server.bundles")


@dataclass
class BundleOutcome:
    """One imported bundle: status imported/duplicate, its device and the receipt."""

    status: str
    bundle_id: str
    device_id: str
    receipt_bytes: bytes
    refused: int = 0        # changes refused on their own (the laptop sets them aside when the receipt comes back)

    @property
    def receipt(self) -> dict:
        """The receipt bundle as JSON."""
        return json.loads(self.receipt_bytes)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def import_bundle(storage: Storage, keys: KeyPair, data: bytes) -> BundleOutcome:
    """Import one bundle; raises the named bundle error (malformed, tampered, foreign, revoked)."""
    bundle = read_header(data)
    bundle_id = safe_bundle_id(bundle["bundle_id"])
    device = storage.get_device(bundle["sender"])
    if device is None:
        raise errors.BundleForeign("sender is not a device enrolled on this server")
    payload = open_bundle(bundle, "changes", server_identity(keys.signing_public), keys.sealing, device["signing_key"])
    if device.get("revoked_at"):
        raise errors.DeviceRevoked()
    # a bundle is known by its id AND its signing device: an id copied off a shared stick is another bundle
    stored_as = bundle_id
    previous = storage.bundle_receipt(stored_as, device["device_id"])
    if previous is None and storage.bundle_receipt(stored_as) is not None:
        stored_as = device_alias(device["device_id"], bundle_id)
        previous = storage.bundle_receipt(stored_as, device["device_id"])
    if previous is not None:
        return BundleOutcome("duplicate", bundle_id, device["device_id"], previous.encode("utf-8"))
    try:
        since = int(payload.get("cursor", 0))
        offered = payload.get("changes", [])
        if not isinstance(offered, list):
            raise TypeError("changes is not a list")
        review_since = max(0, int(payload.get("review_cursor", 0)))
    except (ValueError, TypeError) as exc:
        raise errors.BundleMalformed(str(exc)[:200]) from None
    scope = device_scope(device)
    changes, refused = _valid_changes(offered)
    accepted, conflicts = _push_each_if_refused(storage, scope, device["device_id"], changes, refused)
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
                                                   "conflicts": conflicts, "pull": pulled, "reviews": reviews,
                                                   "refused": refused})
    storage.record_bundle(stored_as, device["device_id"], receipt.decode("utf-8"), _now())
    # a signed bundle imported is the USB-only laptop's sync: its 最近同步, even when the bundle carried nothing
    note_contact(storage, device, _now())
    _store_set_aside_report(storage, device, payload, offered, refused)
    # the receipt carries these households' data back to the laptop: a read, logged like a pull
    storage.log_read(device["device_id"], "bundle", since, pulled["cursor"],
                     pulled["changes"] + pulled["conflicts"] + reviews["events"], _now())
    log.info("bundle imported: %d changes, %d refused", len(accepted), len(refused))
    if refused:
        log.warning("bundle changes refused: %s", ", ".join(sorted({r["code"] for r in refused})))
    return BundleOutcome("imported", bundle_id, device["device_id"], receipt, len(refused))


def _store_set_aside_report(storage: Storage, device: dict, payload: dict, offered: list, refused: list[dict]) -> None:
    """The laptop's set-aside list carried in the bundle, plus what this bundle had refused: the office sees both."""
    if "set_aside" not in payload:      # a laptop that does not report (older program): nothing to replace
        return
    try:
        items = [i.model_dump() for i in SetAsideReport.model_validate({"items": payload["set_aside"]}).items]
    except (ValueError, TypeError):
        log.warning("bundle's set-aside report is malformed: ignored")
        return
    by_id = {c["change_id"]: c for c in offered if isinstance(c, dict) and isinstance(c.get("change_id"), str)}
    extra = []
    for r in refused:
        change = by_id.get(r["change_id"], {})
        entity = change.get("entity") if change.get("entity") in ("household", "visit") else "household"
        extra.append({"change_id": clean_text(r["change_id"]), "entity": entity,
                      "household_id": str(change.get("household_id") or "")[:80] or "unknown",
                      "visit_id": str(change.get("entity_id"))[:80] if entity == "visit" else None,
                      "village_code": str(change.get("village_code"))[:20] if change.get("village_code") else None,
                      "code": r["code"], "message": clean_text(r["reason"])[:300], "set_aside_at": _now()})
    storage.set_aside.replace(device, items, _now(), extra=extra)


# a refusal that concerns one change only: that change is refused (the laptop sets it aside), the others land
_ONE_CHANGE_ERRORS = (errors.OutsideArea, errors.ChangeIdReused, errors.ChangeInvalid)


def _refusal(change: object, exc: Exception) -> dict | None:
    cid = change.get("change_id") if isinstance(change, dict) else None
    if not isinstance(cid, str) or len(cid) > 80:
        return None                       # nothing the laptop could match it with
    code = exc.code if isinstance(exc, errors.SyncError) else errors.MalformedRequest.code
    return {"change_id": cid, "code": code, "reason": str(exc).splitlines()[0][:300]}


def _valid_changes(offered: list) -> tuple[list[dict], list[dict]]:
    """The offered changes that fit the protocol and the change checks, and a refusal for each other one."""
    changes, refused = [], []
    for raw in offered:
        try:
            if "\\u0000" in json.dumps(raw):
                raise errors.MalformedRequest("NUL characters are not allowed")
            change = Change.model_validate(raw).model_dump()
            check_changes([change])
        except (ValueError, TypeError, errors.SyncError) as exc:
            if (refusal := _refusal(raw, exc)) is not None:
                refused.append(refusal)
            continue
        changes.append(change)
    return changes, refused


def _push_each_if_refused(storage: Storage, scope, device_id: str, changes: list[dict], refused: list[dict]):
    """Push the batch at once; if one change spoils it, push change by change and refuse only the spoilers."""
    if not changes:
        return [], []
    try:
        return storage.push(scope, device_id, changes, _now())
    except _ONE_CHANGE_ERRORS:
        pass
    accepted, conflicts = [], []
    for change in changes:
        try:
            verdicts, notices = storage.push(scope, device_id, [change], _now())
        except _ONE_CHANGE_ERRORS as exc:
            refused.append(_refusal(change, exc))
            continue
        accepted += verdicts
        conflicts += notices
    return accepted, conflicts


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
        out = receipts / f"{outcome.device_id[:8]}-{outcome.bundle_id}{RECEIPT_SUFFIX}"   # both ids checked UUIDs
        try:
            write_durably(out, outcome.receipt_bytes)
        except OSError as exc:   # the push is stored; a rerun answers "duplicate" and writes the receipt again
            log.error("receipt could not be written: %s", type(exc).__name__)
            results.append({"file": path.name, "status": "rejected", "code": "RECEIPT_NOT_WRITTEN",
                            "reason_zh": "回执文件无法写入，请检查回执文件夹后重新导入。", "reason": str(exc)[:200]})
            continue
        results.append({"file": path.name, "status": outcome.status, "bundle_id": outcome.bundle_id,
                        "receipt": str(out), "refused": outcome.refused})
    return results
