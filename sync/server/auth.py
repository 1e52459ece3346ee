"""Request authentication (device signatures) and protocol-version checks for the server."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature

from sync import errors
from sync.keys import b64d, signing_public_key
from sync.protocol import MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION
from sync.server.limits import ascii_digits
from sync.server.storage import Scope, Storage
from sync.signing import (CLOCK_WINDOW_SECONDS, DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIME_HEADER,
                          signing_input)


CONTACT_RESOLUTION = timedelta(minutes=5)   # one write per sync session: its requests come seconds apart


def check_protocol(headers) -> int:
    """The client's protocol version, or the coded error telling it to update."""
    raw = headers.get(PROTOCOL_HEADER)
    if raw is None or not ascii_digits(raw.strip(), 6):
        raise errors.ProtocolVersionMissing()
    version = int(raw)
    if version < MIN_PROTOCOL_VERSION:
        raise errors.ClientTooOld(f"client protocol {version}, server needs {MIN_PROTOCOL_VERSION}..{PROTOCOL_VERSION}")
    if version > PROTOCOL_VERSION:
        raise errors.ServerTooOld(f"client protocol {version}, server speaks up to {PROTOCOL_VERSION}")
    return version


def device_scope(device: dict) -> Scope:
    """The area a registered device may read and change."""
    return Scope(device["role"], device["township_code"], tuple(device["villages"]))


def authenticate(storage: Storage, method: str, path_with_query: str, headers, body: bytes,
                 now: float | None = None) -> dict:
    """Verify a signed request; return the device or raise the coded reason."""
    device_id, stamp = headers.get(DEVICE_HEADER), headers.get(TIME_HEADER)
    nonce, signature = headers.get(NONCE_HEADER), headers.get(SIGNATURE_HEADER)
    if not (device_id and stamp and nonce and signature):
        raise errors.AuthenticationMissing()
    if len(nonce) > 64 or len(device_id) > 80 or not ascii_digits(stamp):
        raise errors.BadSignature("malformed signature headers")
    device = storage.get_device(device_id)
    if device is None:
        raise errors.UnknownDevice()
    try:
        key = signing_public_key(device["signing_key"])
        key.verify(b64d(signature), signing_input(method, path_with_query, body, stamp, nonce, device_id))
    except (InvalidSignature, ValueError):
        raise errors.BadSignature() from None
    if device.get("revoked_at"):
        raise errors.DeviceRevoked()
    now = time.time() if now is None else now
    if abs(now - int(stamp)) > CLOCK_WINDOW_SECONDS:
        raise errors.ClockSkew(f"device clock differs from server by {int(now) - int(stamp)} s")
    if not storage.use_nonce(device_id, nonce, int(stamp), int(now) - 2 * CLOCK_WINDOW_SECONDS):
        raise errors.ReplayedRequest()
    return device


def note_contact(storage: Storage, device: dict, now: str) -> bool:
    """Keep when *device* last made an authenticated request (最近同步, even for a sync that moved nothing).

    Written only when the kept time is older than :data:`CONTACT_RESOLUTION`: the first request of a sync
    session writes it, the rest of the session does not; True when it was written.
    """
    seen = device.get("last_seen_at")
    if seen:
        try:
            if datetime.fromisoformat(now) - datetime.fromisoformat(seen) < CONTACT_RESOLUTION:
                return False
        except (TypeError, ValueError):   # an unreadable kept time is simply replaced
            pass
    storage.note_contact(device["device_id"], now)
    return True
