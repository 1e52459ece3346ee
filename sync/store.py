"""The local store interface the sync client needs (implemented by the vault; see docs/architecture.md)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

# sync-state keys the client reads and writes
STATE_SERVER_URL = "server_url"
STATE_DEVICE_ID = "device_id"
STATE_DEVICE_KEYS = "device_keys"            # private keys: only ever inside the encrypted vault
STATE_SERVER_SIGNING_KEY = "server_signing_key"
STATE_SERVER_SEALING_KEY = "server_sealing_key"
STATE_CA_CERT = "ca_cert_pem"
STATE_ROLE = "role"
STATE_TOWNSHIP = "township_code"
STATE_VILLAGES = "villages"
STATE_CURSOR = "cursor"
STATE_LAST_SYNC = "last_sync_at"
STATE_OFFICE_KEY = "office_recovery_key"    # {"version", "public_key_pem"} as verified from the server
STATE_REVIEW_CURSOR = "review_cursor"       # review events pulled up to this review_seq
DOCUMENT_PREFIX = "document/"


@runtime_checkable
class SyncStore(Protocol):
    """What :class:`sync.client.SyncClient` and :mod:`sync.bundle` need from a local store."""

    def pending_changes(self, limit: int) -> list[dict]:
        """Oldest-first changes not yet acknowledged by the server."""

    def acknowledge(self, change_ids: list[str]) -> None:
        """The server has stored these changes: drop them from the outbox."""

    def get_sync_state(self, key: str) -> str | None:
        """A sync-state value (cursor, device id, keys, server URL...)."""

    def set_sync_state(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) a sync-state value."""

    def apply_pulled(self, changes: list[dict], cursor: int) -> None:
        """Store pulled changes and the new cursor in one transaction, keeping local unsent edits."""

    def record_conflicts(self, conflicts: list[dict]) -> None:
        """Store or update conflict notices (idempotent by conflict_id)."""

    # optional (review): a store without it gets no review events, e.g. an older vault
    # def record_reviews(self, events: list[dict], cursor: int) -> None:
    #     """Store review events (idempotent by event_id) and the review cursor in one transaction."""
