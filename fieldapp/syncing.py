"""The app's side of sync: enroll this laptop, sync now, USB bundles — all against the real vault.

The vault implements the sync-store interface (docs/architecture.md); the device's private
keys live in its sync state, i.e. inside the SQLCipher file, never in clear on disk. When the
server says the device was revoked, the vault is locked and its local key wraps destroyed
(the county office can still recover the data with the office key).
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx

from sync import bundle, errors
from sync import store as st
from sync.client import SyncClient, SyncReport, enroll as _enroll, office_key_pem

log = logging.getLogger("fieldapp.syncing")


def is_enrolled(vault) -> bool:
    """True once this laptop holds a device key and a server address."""
    return bool(vault.get_sync_state(st.STATE_DEVICE_ID) and vault.get_sync_state(st.STATE_DEVICE_KEYS))


def enroll(vault, server_url: str, code: str, ca_cert_path: str | Path | None = None, label: str = "",
           transport: httpx.BaseTransport | None = None) -> dict:
    """Register this laptop with the county server using a one-time code (CA certificate optionally pinned)."""
    ca_pem = Path(ca_cert_path).read_text(encoding="ascii") if ca_cert_path else None
    answer = _enroll(vault, server_url, code, ca_cert_pem=ca_pem, label=label, transport=transport)
    vault.audit("change", "sync_device", answer["device_id"], detail={"enrolled_as": answer["role"]})
    apply_office_key(vault)
    return answer


def apply_office_key(vault) -> bool:
    """Seal the vault's key to the county office key the server sent, if it differs from the vault's own.

    Returns True if the vault's office recovery wrap was added or replaced. The key comes only from
    the sync state, where the sync client keeps it after checking the server's signature.
    """
    pem = office_key_pem(vault)
    if not pem or not vault.is_unlocked:
        return False
    if vault.office_public_key() == pem.encode("ascii"):
        return False
    changed = vault.set_office_key(pem.encode("ascii"))
    if changed:
        log.info("office recovery wrap updated from the county server")
    return changed


def _apply_office_key_quietly(vault) -> None:
    """apply_office_key on an error path: a failure here must not hide the sync error being raised."""
    try:
        apply_office_key(vault)
    except Exception as exc:   # noqa: BLE001 - logged; the original error is what the user needs to see
        log.warning("office recovery wrap not updated: %s", type(exc).__name__)


def _revoked(vault) -> None:
    log.warning("device revoked by the server: destroying local key wraps")
    _apply_office_key_quietly(vault)   # last chance for the office to be able to recover this laptop's data
    vault.destroy_local_wraps()


def sync_now(vault, progress=None, transport: httpx.BaseTransport | None = None) -> SyncReport:
    """One full sync (push, then pull), then the office recovery key the server sent is applied to the vault.

    On revocation, locks the vault and destroys its wraps, then re-raises.
    """
    try:
        with SyncClient(vault, transport=transport) as client:
            report = client.sync(progress=progress)
    except errors.DeviceRevoked:
        _revoked(vault)
        raise
    except errors.SyncError:
        _apply_office_key_quietly(vault)   # a key received before the failure still counts
        raise
    apply_office_key(vault)
    return report


def is_online(vault, timeout: float = 2.0) -> bool:
    """True if the county server answers (used for automatic sync and the status bar)."""
    if not is_enrolled(vault):
        return False
    try:
        with SyncClient(vault, timeout=timeout) as client:
            client.hello()
        return True
    except errors.SyncError:
        return False


def resolve_conflict(vault, conflict_id: str, fields: dict, author: str = "",
                     transport: httpx.BaseTransport | None = None) -> dict:
    """Office laptops: close a hard conflict on the server with the chosen values, then sync."""
    try:
        with SyncClient(vault, transport=transport) as client:
            notice = client.resolve_conflict(conflict_id, fields, author or vault.user or "")
            vault.audit("conflict_resolved", "conflict", conflict_id, detail={"fields": sorted(fields)})
            client.sync()
        apply_office_key(vault)
    except errors.DeviceRevoked:
        _revoked(vault)
        raise
    return notice


def export_bundle(vault, out_dir: str | Path) -> tuple[Path, int]:
    """Write the pending changes to a sealed USB bundle in *out_dir*; returns (file, change count)."""
    path, count = bundle.export_bundle(vault, Path(out_dir))
    vault.audit("export", detail={"usb_bundle_changes": count})
    return path, count


def import_receipt(vault, path: str | Path) -> bundle.ReceiptSummary:
    """Import a receipt bundle from the server: acknowledge what landed and store pulled changes."""
    summary = bundle.import_receipt(vault, Path(path).read_bytes())
    vault.audit("import", detail={"usb_receipt_acknowledged": summary.acknowledged, "pulled": summary.pulled})
    apply_office_key(vault)
    return summary
