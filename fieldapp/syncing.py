"""The app's side of sync: enroll this laptop, sync now, USB bundles — all against the real vault.

The vault implements the sync-store interface (docs/architecture.md); the device's private
keys live in its sync state, i.e. inside the SQLCipher file, never in clear on disk. When the
server says the device was revoked, the vault is locked and its local key wraps destroyed
(the county office can still recover the data with the office key).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import httpx

from fieldapp.vault.errors import VaultError
from sync import bundle, errors
from sync import store as st
from sync.client import SyncClient, SyncReport, enroll as _enroll, office_key_pem
from sync.protocol import MAX_SERIAL_BLOCK
from forms.expressions import local_today

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
    except (VaultError, ValueError) as exc:   # logged; the original (sync) error is what the user needs to see
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
            try:
                _top_up_serials(vault, client)
            except errors.SyncError as exc:  # the sync itself succeeded; printing will ask again
                log.warning("serial numbers not topped up: %s", type(exc).__name__)
            _anchor_audit(vault, client)
            _fetch_duplicates(vault, client)
            report_set_aside(vault, client)
    except errors.DeviceRevoked:
        _revoked(vault)
        raise
    except errors.SyncError:
        _apply_office_key_quietly(vault)   # a key received before the failure still counts
        raise
    apply_office_key(vault)
    return report


from fieldapp.households import DUPLICATES_KEY  # noqa: E402 - kept next to its one use


def _fetch_duplicates(vault, client: SyncClient) -> None:
    """Office laptops keep the server's list of households sharing a member's ID number (shown under 工具)."""
    if vault.get_sync_state("role") != "office":
        return
    try:
        found = client.duplicates()
    except errors.SyncError as exc:  # an older server: nothing to show
        log.info("duplicate check unavailable: %s", type(exc).__name__)
        return
    vault.set_sync_state(DUPLICATES_KEY, json.dumps(found, ensure_ascii=False))


SET_ASIDE_REPORTED_KEY = "set_aside_reported"   # what this laptop last told the server it holds aside
OFFICE_SET_ASIDE_KEY = "office_set_aside"       # office laptops: the township's reports as of the last sync


def report_set_aside(vault, client: SyncClient) -> None:
    """Tell the server which changes this laptop holds aside (only when the list changed), so the office sees them;
    office laptops then fetch the township's reports (shown under 工具)."""
    from sync.set_aside import report_items

    items = report_items(vault.set_aside_changes())
    digest = json.dumps(sorted((i["change_id"], i["code"]) for i in items))
    try:
        if digest != (vault.get_sync_state(SET_ASIDE_REPORTED_KEY) or json.dumps([])):
            client.report_set_aside(items)
            vault.set_sync_state(SET_ASIDE_REPORTED_KEY, digest)
        if vault.get_sync_state("role") == "office":
            vault.set_sync_state(OFFICE_SET_ASIDE_KEY, json.dumps(client.set_aside_reports(), ensure_ascii=False))
    except errors.SyncError as exc:   # an older server: the changes stay listed on this laptop
        log.info("set-aside report not sent: %s", type(exc).__name__)


def retry_set_aside(vault) -> int:
    """重新发送: put the set-aside changes back into the outbox as their records now stand (the app and the CLI)."""
    return vault.retry_set_aside()


def office_set_aside(vault) -> list[dict]:
    """Office laptops: the set-aside changes the township's laptops reported, as of the last sync."""
    try:
        found = json.loads(vault.get_sync_state(OFFICE_SET_ASIDE_KEY) or "[]")
    except ValueError:
        return []
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []


# --- the new app version the county offers ------------------------------------------
def this_platform() -> str:
    """The package platform of this laptop: ``deb-amd64``, ``deb-arm64`` or ``windows-x64``."""
    import platform
    import sys

    if sys.platform == "win32":
        return "windows-x64"
    return "deb-arm64" if platform.machine().lower() in ("aarch64", "arm64") else "deb-amd64"


def download_update(vault, folder: str | Path, platform: str | None = None,
                    transport: httpx.BaseTransport | None = None) -> tuple[Path, dict]:
    """Download the package the county offers into *folder*, checked against the server's signature.

    Returns (file, release). PackageNotPublished if none is offered, PackageSignatureInvalid (and
    no file left behind) if the release or the file does not match what the pinned server key signed.
    """
    Path(folder).mkdir(parents=True, exist_ok=True)
    with SyncClient(vault, transport=transport) as client:
        release = client.latest_release(platform or this_platform())
        path = client.download_release(release, folder)
    log.info("app package %s downloaded and verified", release["version"])
    return path, release


# --- 文号 blocks from the county server --------------------------------------------
SERIAL_BLOCKS_KEY = "serial_blocks"   # {"kind|township|year": [[first, last], ...]} numbers this laptop holds
SERIAL_BLOCK = 10                     # numbers fetched at a time
SERIAL_LOW_WATER = 3                  # a sync tops a block up when fewer remain
_serial_blocks_lock = threading.Lock()  # a print job and a sync may add blocks at the same moment


def serial_used_key(kind: str, township_code: str, year: int) -> str:
    """Sync-state key of the last 文号 this laptop used for (kind, township, year)."""
    return f"serial:{kind}:{township_code}:{int(year)}"


def serial_blocks(vault) -> dict[str, list[list[int]]]:
    """The 文号 blocks the server handed this laptop, by ``kind|township|year``."""
    return json.loads(vault.get_sync_state(SERIAL_BLOCKS_KEY) or "{}")


def _block_key(kind: str, township_code: str, year: int) -> str:
    return f"{kind}|{township_code}|{int(year)}"


def held_serial_ranges(vault, kind: str, township_code: str, year: int) -> list[list[int]]:
    """This laptop's blocks for (kind, township, year) as sorted ``[first, last]`` pairs."""
    return sorted(serial_blocks(vault).get(_block_key(kind, township_code, year), []))


def _add_serial_block(vault, key: str, first: int, last: int) -> None:
    with _serial_blocks_lock:
        blocks = serial_blocks(vault)
        blocks.setdefault(key, []).append([int(first), int(last)])
        vault.set_sync_state(SERIAL_BLOCKS_KEY, json.dumps(blocks, sort_keys=True))


def reserve_serials(vault, kind: str, township_code: str, year: int, at_least: int, client: SyncClient | None = None,
                    transport: httpx.BaseTransport | None = None, count: int = SERIAL_BLOCK) -> tuple[int, int]:
    """Fetch the next block of *count* 文号 for this laptop from the county server and keep it in the vault."""
    if client is None:
        with SyncClient(vault, transport=transport, timeout=10) as own:
            return reserve_serials(vault, kind, township_code, year, at_least, own, count=count)
    first, last = client.reserve_serials(kind, township_code, year, min(int(count), MAX_SERIAL_BLOCK), at_least)
    _add_serial_block(vault, _block_key(kind, township_code, year), first, last)
    log.info("serial block received kind=%s count=%d", kind, last - first + 1)
    return first, last


def _top_up_serials(vault, client: SyncClient) -> None:
    """After a sync: refill every block of this year that is running low (offline printing can go on)."""
    year = local_today().year
    for key, ranges in serial_blocks(vault).items():
        kind, township, block_year = key.split("|")
        if int(block_year) != year:
            continue
        used = int(vault.get_sync_state(serial_used_key(kind, township, year)) or 0)
        left = sum(max(0, last - max(first - 1, used)) for first, last in ranges)
        if left < SERIAL_LOW_WATER:
            reserve_serials(vault, kind, township, year, used + 1, client)


# --- audit chain heads kept by the county server -------------------------------------
def _anchor_audit(vault, client: SyncClient) -> None:
    """After a sync: hand the server the head of the audit chain (a later rewrite of the chain shows)."""
    seq, digest = vault.audit_head()
    try:
        client.anchor_audit(seq, digest)
    except errors.AuditAnchorMismatch:
        # Loud in the log; `fieldapp audit verify` names the entry. The data sync itself went through.
        log.error("audit chain contradicts the heads the county server holds")
    except errors.SyncError as exc:
        log.warning("audit head not sent: %s", type(exc).__name__)


def verify_audit_with_server(vault, transport: httpx.BaseTransport | None = None) -> int:
    """Check the local audit chain against the heads the server holds for this laptop; returns how many matched.

    :raises AuditChainBroken: (from the vault) an anchored entry is missing or was changed
    :raises errors.SyncError: the server could not be asked (e.g. ``ServerUnreachable``)
    """
    with SyncClient(vault, transport=transport, timeout=10) as client:
        anchors = client.audit_anchors()
    return vault.verify_audit_anchors(anchors)


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
