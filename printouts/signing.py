"""Document codes: serial number + content digest + Ed25519 signature, printed as a QR code.

Code text (UTF-8, one line)::

    FAV1|<doc_type>|<serial>|<issued_on>|<digest>|<key_id>|<signature>

``digest`` is the first 16 bytes of SHA-256 over the document's canonical content,
``key_id`` the first 4 bytes of SHA-256 over the raw public key (hex), and the
signature (Ed25519, base64url) covers everything before the last ``|``.
printouts never stores keys: the caller passes the device's or server's key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from printouts.errors import CodeFormatError, SignatureInvalidError, SigningKeyError, UnknownSigningKeyError

PREFIX = "FAV1"
DOC_TYPES = ("consent", "visit_record", "letter_visit_result", "letter_review", "letter_referral",
             "letter_change", "ledger")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def content_digest(content: Mapping[str, Any]) -> str:
    """Digest of a document's printed content (canonical JSON), base64url of 16 bytes."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode("utf-8")).digest()[:16])


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short identifier of a public key (8 hex digits) printed in every code it signs."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:8]


def sign_code(private_key: Ed25519PrivateKey, doc_type: str, serial: str, issued_on: str, digest: str) -> str:
    """Build the signed code text for one document."""
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError(f"expected Ed25519PrivateKey, got {type(private_key).__name__}")
    for part in (doc_type, serial, issued_on, digest):
        if "|" in part or "\n" in part:
            raise CodeFormatError("字段中不能含有 | 或换行")
    body = "|".join([PREFIX, doc_type, serial, issued_on, digest, key_id(private_key.public_key())])
    return body + "|" + _b64(private_key.sign(body.encode("utf-8")))


@dataclass(frozen=True)
class VerifiedCode:
    """A code whose signature checked out with a trusted key."""

    doc_type: str
    serial: str
    issued_on: str
    digest: str
    key_id: str

    def summary_zh(self) -> str:
        """One line for the office: genuine, with serial, date and key."""
        return f"真实有效：{self.serial}（{self.doc_type}，{self.issued_on}），签名密钥 {self.key_id}"


def _as_public_key(key: Any) -> Ed25519PublicKey:
    if isinstance(key, Ed25519PublicKey):
        return key
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    if isinstance(key, (bytes, bytearray)):
        data = bytes(key)
        if len(data) == 32:
            return Ed25519PublicKey.from_public_bytes(data)
        loaded = serialization.load_pem_public_key(data)
        if isinstance(loaded, Ed25519PublicKey):
            return loaded
    raise SigningKeyError(f"not an Ed25519 public key: {type(key).__name__}")


def verify_code(text: str, public_keys: Iterable[Any], content: Mapping[str, Any] | None = None) -> VerifiedCode:
    """Check a scanned/pasted code against trusted *public_keys*; raise a specific error if not genuine.

    :param content: the document's content, when at hand, to check the digest too.
    """
    text = (text or "").strip()
    parts = text.split("|")
    if len(parts) != 7 or parts[0] != PREFIX:
        raise CodeFormatError(f"expected 7 fields starting with {PREFIX}, got {len(parts)}")
    _, doc_type, serial, issued_on, digest, kid, sig_text = parts
    keys = {key_id(k): k for k in map(_as_public_key, public_keys)}
    if kid not in keys:
        raise UnknownSigningKeyError(kid)
    try:
        signature = _unb64(sig_text)
    except (ValueError, TypeError) as exc:
        raise SignatureInvalidError("signature is not base64url") from exc
    body = text.rsplit("|", 1)[0]
    try:
        keys[kid].verify(signature, body.encode("utf-8"))
    except InvalidSignature as exc:
        raise SignatureInvalidError() from exc
    if content is not None and content_digest(content) != digest:
        raise SignatureInvalidError("document content does not match the signed digest")
    return VerifiedCode(doc_type, serial, issued_on, digest, kid)
