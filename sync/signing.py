"""Per-request signatures: Ed25519 over method, path, body hash, timestamp, nonce and device.

No passwords or bearer tokens: each request is signed with the device key, stamped with a
UTC time (checked against the server clock) and a random nonce (refused if seen twice).
"""

from __future__ import annotations

import hashlib
import secrets
import time

from sync.keys import KeyPair

DEVICE_HEADER = "X-Fieldapp-Device"
TIME_HEADER = "X-Fieldapp-Time"
NONCE_HEADER = "X-Fieldapp-Nonce"
SIGNATURE_HEADER = "X-Fieldapp-Signature"
CLOCK_WINDOW_SECONDS = 300


def signing_input(method: str, path_with_query: str, body: bytes, timestamp: str, nonce: str, device_id: str) -> bytes:
    """The exact bytes a request signature covers."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join(["fieldapp-request-v1", method.upper(), path_with_query, digest, timestamp, nonce, device_id]).encode("utf-8")


def sign_request(keys: KeyPair, device_id: str, method: str, path_with_query: str, body: bytes,
                 now: float | None = None) -> dict[str, str]:
    """Headers that authenticate one request."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    signature = keys.sign(signing_input(method, path_with_query, body, timestamp, nonce, device_id))
    return {DEVICE_HEADER: device_id, TIME_HEADER: timestamp, NONCE_HEADER: nonce, SIGNATURE_HEADER: signature}
