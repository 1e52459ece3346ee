"""Sealed boxes for USB bundles: ephemeral X25519 + HKDF-SHA256 + AES-256-GCM (library primitives only)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync import errors
from sync.keys import b64d, b64e, sealing_public_key

_INFO = b"fieldapp-bundle-v1"


def _key(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO + epk + recipient).derive(shared)


def seal(recipient_public: str, plaintext: bytes, aad: bytes) -> dict:
    """Encrypt *plaintext* so only the holder of the recipient's X25519 private key can read it."""
    recipient = sealing_public_key(recipient_public)
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = _key(ephemeral.exchange(recipient), epk, b64d(recipient_public))
    nonce = os.urandom(12)
    return {"epk": b64e(epk), "nonce": b64e(nonce), "ciphertext": b64e(AESGCM(key).encrypt(nonce, plaintext, aad))}


def open_sealed(recipient: X25519PrivateKey, sealed: dict, aad: bytes) -> bytes:
    """Decrypt a sealed box; raises BundleTampered if it was altered or is not for this key."""
    try:
        epk, nonce, ciphertext = b64d(sealed["epk"]), b64d(sealed["nonce"]), b64d(sealed["ciphertext"])
        own = recipient.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        key = _key(recipient.exchange(sealing_public_key(sealed["epk"])), epk, own)
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, KeyError, TypeError, ValueError):
        raise errors.BundleTampered("encrypted content does not verify") from None
