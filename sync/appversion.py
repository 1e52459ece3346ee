"""App versions on the wire: the laptop's version header, the county's minimum, signed package offers.

A laptop sends its app version in ``X-Fieldapp-Version`` with every request. The county may set
a minimum version; below it the server answers ``APP_VERSION_TOO_OLD`` (sync/errors.py) with
where to get the new version. The package the county offers is described by a release document
signed with the server's Ed25519 key, which every enrolled laptop pinned at enrollment; the
laptop checks that signature, then the file's size and SHA-256, before offering to install it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import metadata
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from sync import errors
from sync.keys import b64d, signing_public_key
from sync.protocol import canonical_json

APP_VERSION_HEADER = "X-Fieldapp-Version"
RELEASE_CONTEXT = "fieldapp-release-v1"
_VERSION = re.compile(r"^(\d{1,6})(?:\.(\d{1,6}))?(?:\.(\d{1,6}))?$")
RELEASE_FIELDS = ("version", "platform", "file_name", "size", "sha256", "published_at")
PLATFORMS = ("deb-amd64", "deb-arm64", "windows-x64")
SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,120}$")   # a package file name: no folders


class InvalidVersion(ValueError):
    """A version text that is not N, N.N or N.N.N."""


def parse_version(text: str) -> tuple[int, int, int]:
    """``"0.2.1"`` → ``(0, 2, 1)``; missing parts are 0. InvalidVersion for anything else."""
    match = _VERSION.match((text or "").strip())
    if not match:
        raise InvalidVersion(f"not a version (N.N.N): {text!r}")
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


def is_below(version: str | None, minimum: str | None) -> bool:
    """Whether *version* is older than *minimum* (a missing or unreadable version is older than any)."""
    if not minimum:
        return False
    try:
        have = parse_version(version or "")
    except InvalidVersion:
        return True
    return have < parse_version(minimum)


@functools.cache
def installed_app_version() -> str:
    """The version of the installed ``fieldapp`` distribution ("0" if it has no metadata).

    Read once per process (the lookup scans the installed distributions, a millisecond or more, and
    every SyncClient sends it); an upgrade installs a new package that runs in a new process."""
    try:
        return metadata.version("fieldapp")
    except metadata.PackageNotFoundError:
        return "0"


def file_digest(path: str | Path) -> tuple[int, str]:
    """(size in bytes, SHA-256 hex) of a file, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _signed_bytes(release: dict) -> bytes:
    return RELEASE_CONTEXT.encode() + b"\n" + canonical_json({k: release[k] for k in RELEASE_FIELDS})


def sign_release(release: dict, keys) -> dict:
    """The release document with the server's signature added (*keys*: the server's KeyPair)."""
    body = {k: release[k] for k in RELEASE_FIELDS}
    return {**body, "signature": keys.sign(_signed_bytes(body))}


def verify_release(release: dict, server_signing_key: str) -> dict:
    """The release document if the pinned server key signed it; PackageSignatureInvalid otherwise."""
    try:
        parse_version(str(release["version"]))
        if not SAFE_FILE_NAME.match(str(release["file_name"])):
            raise ValueError("file name")
        key = signing_public_key(server_signing_key)
        key.verify(b64d(release["signature"]), _signed_bytes(release))
    except (KeyError, TypeError, ValueError, InvalidSignature):
        raise errors.PackageSignatureInvalid("release document signature") from None
    return {k: release[k] for k in RELEASE_FIELDS + ("signature",)}


def check_download(path: str | Path, release: dict) -> None:
    """PackageSignatureInvalid unless the downloaded file has the signed size and SHA-256."""
    size, sha = file_digest(path)
    if size != release["size"] or sha != release["sha256"]:
        raise errors.PackageSignatureInvalid(f"downloaded file differs from the signed release ({size} bytes)")


__all__ = ["APP_VERSION_HEADER", "InvalidVersion", "PLATFORMS", "check_download", "file_digest",
           "installed_app_version", "is_below", "parse_version", "sign_release", "verify_release"]
