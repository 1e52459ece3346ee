"""Encrypted export files: a list of visits sealed to the county office's key or under a passphrase.

An export is JSON: ``{"format": "fieldapp.export", "version": 1, "method": "office"|"passphrase",
"count": n, "created_at": …, "sealed": {…}}``. The visits (interchange format) exist in
clear only in memory; the file on disk holds ciphertext alone. A plaintext export (the
bare JSON list) is written only when the caller asks for it explicitly.
"""

from __future__ import annotations

import json

from .crypto import DEFAULT_KDF, DEFAULT_SUITE, DecryptError, KdfParams, get_suite
from .errors import ExportDecryptFailed, InvalidRecord
from .records import now_utc

FORMAT = "fieldapp.export"
AAD = b"fieldapp-export|v1"


def seal_visits(visits: list[dict], *, office_public_key: bytes | None = None, passphrase: str | None = None,
                kdf: KdfParams = DEFAULT_KDF, suite=DEFAULT_SUITE) -> bytes:
    """Encrypt *visits* for the office (its public key, PEM) or under *passphrase*; returns the file bytes."""
    payload = json.dumps(visits, ensure_ascii=False).encode("utf-8")
    if office_public_key is not None:
        method, sealed = "office", suite.seal_to_recipient(payload, office_public_key, AAD)
    elif passphrase:
        method, sealed = "passphrase", suite.wrap_with_passphrase(payload, passphrase, AAD, kdf)
    else:
        raise ValueError("an encrypted export needs the office public key or a passphrase")
    doc = {"format": FORMAT, "version": 1, "suite": suite.name, "method": method, "count": len(visits),
           "created_at": now_utc(), "sealed": sealed}
    return json.dumps(doc, indent=1).encode("utf-8")


def is_sealed_export(doc) -> bool:
    """True if a parsed JSON document is an encrypted export."""
    return isinstance(doc, dict) and doc.get("format") == FORMAT


def open_sealed_visits(doc: dict, *, office_private_key: bytes | None = None, passphrase: str | None = None) -> list[dict]:
    """Decrypt an encrypted export back into its list of visits (ExportDecryptFailed if the secret is wrong)."""
    try:
        suite = get_suite(doc.get("suite", DEFAULT_SUITE.name))
    except KeyError as exc:
        raise ExportDecryptFailed(f"export made with cipher suite {doc.get('suite')!r}, unknown to this build") from exc
    try:
        if doc["method"] == "office":
            if office_private_key is None:
                raise ExportDecryptFailed("this export is sealed to the county office: give the office private key")
            payload = suite.open_sealed(doc["sealed"], office_private_key, AAD)
        elif doc["method"] == "passphrase":
            if not passphrase:
                raise ExportDecryptFailed("this export needs its passphrase")
            payload = suite.unwrap_with_passphrase(doc["sealed"], passphrase, AAD)
        else:
            raise InvalidRecord(f"unknown export method {doc['method']!r}")
    except (DecryptError, ValueError, KeyError, TypeError) as exc:
        raise ExportDecryptFailed(f"cannot decrypt export ({exc.__class__.__name__})") from exc
    visits = json.loads(payload.decode("utf-8"))
    if not isinstance(visits, list):
        raise InvalidRecord("export payload is not a list of visits")
    return visits
