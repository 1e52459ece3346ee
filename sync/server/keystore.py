"""The server's own key pair (Ed25519 signing + X25519 sealing), kept in its database.

Kept in the database so that every server process behind a load balancer uses the same
keys; protect database backups accordingly.
"""

from __future__ import annotations

from sync.keys import KeyPair
from sync.server.storage import Storage


def load_or_create_server_keys(storage: Storage) -> KeyPair:
    """The stored server keys, generated once on first use (race-safe across processes)."""
    secret = storage.server_key_secret()
    if secret is None:
        fresh = KeyPair.generate()
        storage.store_server_key(fresh.to_secret_text(), fresh.signing_public, fresh.sealing_public)
        secret = storage.server_key_secret()
    return KeyPair.from_secret_text(secret)
