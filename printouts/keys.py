"""Reading Ed25519 keys from files for the CLI: PEM, or base64 of the raw 32 bytes (one per line).

printouts never stores keys; these helpers only read files the caller names.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from printouts.errors import SigningKeyError


def read_private_key(path: str | Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from a PEM (PKCS#8, unencrypted) or base64-raw file."""
    data = _read(path)
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"{path}: {exc}") from exc
    else:
        key = Ed25519PrivateKey.from_private_bytes(_raw32(data.strip(), path))
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 private key")
    return key


def read_public_keys(path: str | Path) -> list[Ed25519PublicKey]:
    """Ed25519 public keys from a PEM file or a file of base64-raw keys, one per line (# comments)."""
    data = _read(path)
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise SigningKeyError(f"{path}: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError(f"{path}: not an Ed25519 public key")
        return [key]
    keys = []
    for line in data.splitlines():
        line = line.split(b"#", 1)[0].strip()
        if line:
            keys.append(Ed25519PublicKey.from_public_bytes(_raw32(line, path)))
    if not keys:
        raise SigningKeyError(f"{path}: no key found")
    return keys


def write_key_pair(private_path: str | Path, public_path: str | Path) -> Ed25519PrivateKey:
    """Generate a key pair and write both as PEM (the private file readable by the owner only)."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    private_path = Path(private_path)
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_bytes(private_pem)
    Path(public_path).write_bytes(public_pem)
    return key


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read {path}: {exc}") from exc


def _raw32(text: bytes, path) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningKeyError(f"{path}: not base64") from exc
    if len(raw) != 32:
        raise SigningKeyError(f"{path}: an Ed25519 key is 32 bytes, got {len(raw)}")
    return raw
