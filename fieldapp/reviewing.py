"""The office laptop's review calls to the county server, against the real vault (like :mod:`fieldapp.syncing`).

Each action is audited in the laptop's own audit log and followed by a pull of the review
events, so this laptop shows the new state at once (the server keeps the state; the audit
keeps that this laptop's user did it). Every failure is a ``sync.errors.SyncError``.
"""

from __future__ import annotations

import httpx

from sync import errors
from sync.client import SyncClient


def _client(vault, transport) -> SyncClient:
    return SyncClient(vault, transport=transport)


def _guard(vault, call):
    from fieldapp.syncing import _revoked

    try:
        return call()
    except errors.DeviceRevoked:
        _revoked(vault)
        raise


def queue(vault, village_code: str | None = None, transport: httpx.BaseTransport | None = None) -> list[dict]:
    """The township's visits waiting for review, with the rules' suggestions and the form check's problems."""
    def call():
        with _client(vault, transport) as client:
            return client.review_queue(village_code)
    return _guard(vault, call)


def approve(vault, visit_ids: list[str], transport: httpx.BaseTransport | None = None) -> dict:
    """Approve visits on the server (one call for a whole filtered list); ``{"approved", "skipped"}``."""
    def call():
        with _client(vault, transport) as client:
            result = client.approve(visit_ids, vault.user or "")
            vault.audit_review_action("approved", [e["visit_id"] for e in result["approved"]],
                                      {"bulk": len(visit_ids), "skipped": len(result["skipped"])})
            client.pull_reviews()
            return result
    return _guard(vault, call)


def return_visit(vault, visit_id: str, comment: str, field_comments: dict,
                 transport: httpx.BaseTransport | None = None) -> dict:
    """Return a visit to its visitor with a comment (and comments per field); the stored event."""
    def call():
        with _client(vault, transport) as client:
            event = client.return_visit(visit_id, comment, field_comments, vault.user or "")
            vault.audit_review_action("returned", [visit_id], {"fields": sorted(field_comments)})
            client.pull_reviews()
            return event
    return _guard(vault, call)
