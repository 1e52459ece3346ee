"""The county office's recovery public key as the server hands it to laptops: checked and signed.

The server signs ``(version, PEM)`` with its Ed25519 key when the admin sets the key; a laptop
accepts it only if the signature verifies against the server key it pinned at enrollment and
the version is not older than the one it already holds (a replayed old key cannot roll back).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from sync import errors
from sync.keys import KeyPair, b64d, signing_public_key

CONTEXT = b"fieldapp-office-recovery-key-v1"


def canonical_pem(pem: bytes | str) -> str:
    """The X25519 public key re-encoded as canonical PEM text; OfficeKeyInvalid if it is not one."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise errors.OfficeKeyInvalid(f"not a PEM public key ({exc.__class__.__name__})") from None
    if not isinstance(key, X25519PublicKey):
        raise errors.OfficeKeyInvalid("not an X25519 public key (make one with: fieldapp office-keygen)")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _signed_bytes(version: int, pem: str) -> bytes:
    return b"\n".join([CONTEXT, str(int(version)).encode("ascii"), pem.encode("ascii")])


def sign(keys: KeyPair, version: int, pem: str) -> str:
    """The server's base64 Ed25519 signature over this key version."""
    return keys.sign(_signed_bytes(version, pem))


def verify(doc: dict, server_signing_key: str) -> tuple[int, str]:
    """Check a received ``{"version", "public_key_pem", "signature"}``; returns (version, canonical PEM)."""
    try:
        version, pem = int(doc["version"]), canonical_pem(doc["public_key_pem"])
        signing_public_key(server_signing_key).verify(b64d(doc["signature"]), _signed_bytes(version, pem))
    except errors.OfficeKeyInvalid:
        raise
    except (InvalidSignature, KeyError, TypeError, ValueError) as exc:
        raise errors.OfficeKeyInvalid(f"office key not signed by this server ({exc.__class__.__name__})") from None
    return version, pem
