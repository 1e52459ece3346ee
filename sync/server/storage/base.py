"""The storage interface every backend implements, and the device scope it filters by."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from forms.places import township_of


@dataclass(frozen=True)
class Scope:
    """What a device may read and change: a visitor its villages, an office its township.

    ``county`` scopes (admin CLI) see everything under a county code prefix.
    """

    role: str                      # visitor | office | admin
    township_code: str = ""
    villages: tuple[str, ...] = field(default_factory=tuple)

    def allows(self, village_code: str) -> bool:
        """Whether a household in *village_code* is inside this scope."""
        if self.role == "admin":
            return village_code.startswith(self.township_code)
        if self.role == "office":
            return township_of(village_code) == self.township_code
        return village_code in self.villages


ADMIN = Scope("admin", "")


class Storage(abc.ABC):
    """Everything the server keeps; each method is one transaction."""

    # --- schema
    @abc.abstractmethod
    def migrate(self) -> list[int]:
        """Apply pending migrations in order; return the versions applied now."""

    @abc.abstractmethod
    def schema_version(self) -> int:
        """The highest applied migration (0 if none)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    # --- server keys
    @abc.abstractmethod
    def server_key_secret(self) -> str | None:
        """The server's private keys (see :class:`sync.keys.KeyPair`), or None before init."""

    @abc.abstractmethod
    def store_server_key(self, secret: str, signing_public: str, sealing_public: str) -> bool:
        """Store the server keys once; False if keys already exist (they are never replaced)."""

    # --- the county office's recovery public key
    @abc.abstractmethod
    def set_office_key(self, public_key_pem: str, sign, now: str) -> dict:
        """Store the next version of the office key; ``sign(version, pem) -> signature``; returns the new row."""

    @abc.abstractmethod
    def office_key(self) -> dict | None:
        """The newest office key ``{"version", "public_key_pem", "signature", "set_at"}``, or None if never set."""

    # --- areas, codes, devices
    @abc.abstractmethod
    def add_area(self, code: str, level: str, name: str, parent_code: str | None, area_type: str | None) -> None:
        """Create a county, township or village."""

    @abc.abstractmethod
    def get_area(self, code: str) -> dict | None:
        """One area or None."""

    @abc.abstractmethod
    def list_areas(self) -> list[dict]:
        """All areas ordered by code."""

    @abc.abstractmethod
    def add_enrollment_code(self, code_hash: str, role: str, township_code: str, villages: list[str], expires_at: str,
                            label: str = "") -> None:
        """Store a one-time code (hashed); *label* names the laptop that redeems it."""

    @abc.abstractmethod
    def duplicate_members(self, scope: Scope) -> list[dict]:
        """Member ID numbers found in two or more households (one of them in *scope*):
        ``[{"id_number", "households": [{"household_id", "village_code"}, …]}]``."""

    @abc.abstractmethod
    def redeem_enrollment_code(self, code_hash: str, device: dict, now: str) -> dict:
        """Use a code once and register *device*; raises the matching enrollment error."""

    @abc.abstractmethod
    def get_device(self, device_id: str) -> dict | None:
        """One device or None."""

    @abc.abstractmethod
    def list_devices(self) -> list[dict]:
        """All devices."""

    @abc.abstractmethod
    def revoke_device(self, device_id: str, now: str) -> bool:
        """Mark revoked; False if unknown."""

    @abc.abstractmethod
    def use_nonce(self, device_id: str, nonce: str, ts: int, oldest_kept: int) -> bool:
        """Record a request nonce; False if it was already used. Forgets nonces older than *oldest_kept*."""

    # --- the change log
    @abc.abstractmethod
    def push(self, scope: Scope, device_id: str, changes: list[dict], now: str) -> tuple[list[dict], list[dict]]:
        """Merge a batch atomically; return (verdicts, conflicts opened)."""

    @abc.abstractmethod
    def known(self, change_ids: list[str]) -> list[str]:
        """Those of the given change ids already stored."""

    @abc.abstractmethod
    def pull(self, scope: Scope, cursor: int, limit: int) -> dict:
        """Changes, conflicts and documents after *cursor* within *scope*."""

    @abc.abstractmethod
    def list_conflicts(self, scope: Scope, status: str | None = None) -> list[dict]:
        """Conflict records in scope."""

    @abc.abstractmethod
    def resolve_conflict(self, scope: Scope, conflict_id: str, fields: dict, resolver: str, author: str, now: str) -> dict:
        """Close a hard conflict with the chosen values (a new change every device pulls)."""

    @abc.abstractmethod
    def publish_document(self, kind: str, name: str, content: object, now: str) -> dict:
        """Publish the next version of a named document."""

    @abc.abstractmethod
    def list_documents(self) -> list[dict]:
        """Every published document version (without content)."""

    @abc.abstractmethod
    def records(self, scope: Scope) -> list[dict]:
        """Current records in scope (township export, tests)."""

    @abc.abstractmethod
    def change_log(self, scope: Scope) -> list[dict]:
        """Every accepted change in scope, in seq order."""

    # --- bundles
    @abc.abstractmethod
    def reserve_serials(self, township_code: str, kind: str, year: int, count: int, at_least: int, device_id: str,
                        now: str) -> tuple[int, int]:
        """Hand *device_id* the next *count* 文号 of (township, kind, year), starting no lower than *at_least*.

        Blocks never overlap: each starts after the highest number handed out before. Returns (first, last).
        """

    @abc.abstractmethod
    def add_audit_anchor(self, device_id: str, seq: int, digest: str, now: str) -> bool:
        """Store the head (*seq*, *digest*) of a device's audit chain; False if it was stored already.

        :raises errors.AuditAnchorMismatch: the device's chain contradicts an earlier head (another hash
            at the same entry, or a chain shorter than one already anchored)
        """

    @abc.abstractmethod
    def audit_anchors(self, device_id: str) -> list[dict]:
        """The stored heads of a device's audit chain, ``{"seq", "hash", "received_at"}``, oldest first."""

    def log_read(self, device_id: str, kind: str, cursor_from: int | None, cursor_to: int | None,
                 records: list[dict], now: str) -> None:
        """Log that *records* (changes or conflict notices) went to *device_id*; nothing sent, nothing logged."""
        if records:
            self.record_read(device_id, kind, cursor_from, cursor_to, len(records),
                             [r["household_id"] for r in records if r.get("household_id")], now)

    @abc.abstractmethod
    def record_read(self, device_id: str, kind: str, cursor_from: int | None, cursor_to: int | None, records: int,
                    household_ids: list[str], now: str) -> None:
        """Log that *device_id* received *records* records of these households (``pull``, ``conflicts``, ``bundle``)."""

    @abc.abstractmethod
    def device_reads(self, device_id: str | None = None, household_id: str | None = None,
                     limit: int = 1000) -> list[dict]:
        """The read log, newest first: ``{"device_id", "kind", "cursor_from", "cursor_to", "records", "households", "at"}``."""

    @abc.abstractmethod
    def bundle_receipt(self, bundle_id: str) -> str | None:
        """The receipt written when this bundle was first imported, or None."""

    @abc.abstractmethod
    def record_bundle(self, bundle_id: str, device_id: str, receipt: str, now: str) -> None:
        """Remember an imported bundle and its receipt."""
