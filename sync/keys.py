"""Key pairs: Ed25519 for signatures, X25519 for sealed bundles (raw keys, base64 text)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

_RAW = dict(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
_RAW_PRIV = dict(encoding=serialization.Encoding.Raw, format=serialization.PrivateFormat.Raw,
                 encryption_algorithm=serialization.NoEncryption())


def b64e(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    """Decode standard base64 text strictly (raises ValueError)."""
    return base64.b64decode(text.encode("ascii"), validate=True)


def fingerprint(public_b64: str) -> str:
    """A short, readable fingerprint of a server's public signing key, printed on the enrollment sheet
    and shown by the laptop for comparison: SHA-256, first 16 hex digits in groups of four."""
    import hashlib

    digest = hashlib.sha256(public_b64.strip().encode("ascii")).hexdigest()[:16].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class KeyPair:
    """A party's two private keys (device or server)."""

    signing: Ed25519PrivateKey
    sealing: X25519PrivateKey

    @classmethod
    def generate(cls) -> "KeyPair":
        """Fresh random keys."""
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @property
    def signing_public(self) -> str:
        """Base64 raw Ed25519 public key."""
        return b64e(self.signing.public_key().public_bytes(**_RAW))

    @property
    def sealing_public(self) -> str:
        """Base64 raw X25519 public key."""
        return b64e(self.sealing.public_key().public_bytes(**_RAW))

    def to_secret_text(self) -> str:
        """Both private keys as one text (store only inside an encrypted vault or database)."""
        return b64e(self.signing.private_bytes(**_RAW_PRIV)) + ":" + b64e(self.sealing.private_bytes(**_RAW_PRIV))

    @classmethod
    def from_secret_text(cls, text: str) -> "KeyPair":
        """Inverse of :meth:`to_secret_text`."""
        sign, seal = text.split(":")
        return cls(Ed25519PrivateKey.from_private_bytes(b64d(sign)), X25519PrivateKey.from_private_bytes(b64d(seal)))

    def sign(self, data: bytes) -> str:
        """Base64 Ed25519 signature of *data*."""
        return b64e(self.signing.sign(data))


def signing_public_key(text: str) -> Ed25519PublicKey:
    """Parse a base64 raw Ed25519 public key (ValueError if malformed)."""
    raw = b64d(text)
    if len(raw) != 32:
        raise ValueError("Ed25519 public key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def sealing_public_key(text: str) -> X25519PublicKey:
    """Parse a base64 raw X25519 public key (ValueError if malformed)."""
    raw = b64d(text)
    if len(raw) != 32:
        raise ValueError("X25519 public key must be 32 bytes")
    return X25519PublicKey.from_public_bytes(raw)
