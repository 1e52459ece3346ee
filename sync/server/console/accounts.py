"""Console accounts: the three roles, Argon2id passphrase hashes, and what each role may see.

Hashes are PHC strings ``$argon2id$v=19$m=…,t=…,p=…$salt$hash`` made with the Argon2id KDF of
``cryptography`` (RFC 9106 parameters), so a standard verifier can check them too.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from sync.server.console import errors
from sync.server.storage import Scope

ROLES = {"county_admin": "县级管理员", "county_viewer": "县级查看", "township_reviewer": "乡镇审核"}
MIN_PASSPHRASE = 12
# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes)
MEMORY_KIB, ITERATIONS, LANES, SALT_BYTES, HASH_BYTES = 65536, 3, 4, 16, 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _kdf(salt: bytes, memory: int, iterations: int, lanes: int, length: int) -> Argon2id:
    return Argon2id(salt=salt, length=length, iterations=iterations, lanes=lanes, memory_cost=memory)


def hash_passphrase(passphrase: str) -> str:
    """A fresh Argon2id hash of *passphrase* in PHC string form."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise errors.WeakPassphrase(f"{len(passphrase)} characters")
    salt = os.urandom(SALT_BYTES)
    digest = _kdf(salt, MEMORY_KIB, ITERATIONS, LANES, HASH_BYTES).derive(passphrase.encode("utf-8"))
    return f"$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={LANES}${_b64(salt)}${_b64(digest)}"


def verify_passphrase(stored: str, passphrase: str) -> bool:
    """Whether *passphrase* matches the PHC hash *stored* (constant-time compare)."""
    try:
        _, algorithm, version, params, salt, digest = stored.split("$")
        if algorithm != "argon2id" or version != "v=19":
            return False
        p = dict(item.split("=") for item in params.split(","))
        expected = _unb64(digest)
        got = _kdf(_unb64(salt), int(p["m"]), int(p["t"]), int(p["p"]), len(expected)).derive(passphrase.encode("utf-8"))
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(got, expected)


DUMMY_HASH = None   # computed on first use: a failed login for an unknown name costs as much as a wrong passphrase


def dummy_hash() -> str:
    """A hash to verify against when the account does not exist."""
    global DUMMY_HASH
    if DUMMY_HASH is None:
        DUMMY_HASH = hash_passphrase(_b64(os.urandom(24)))
    return DUMMY_HASH


@dataclass(frozen=True)
class ConsoleUser:
    """A signed-in console account."""

    name: str
    role: str
    township_code: str | None

    @property
    def role_zh(self) -> str:
        return ROLES[self.role]

    @property
    def scope(self) -> Scope:
        """The households this account may see: its township, or the whole county."""
        if self.role == "township_reviewer":
            return Scope("office", self.township_code or "-")
        return Scope("admin", "")

    @property
    def may_change(self) -> bool:
        """County viewers only look."""
        return self.role != "county_viewer"

    @property
    def is_admin(self) -> bool:
        return self.role == "county_admin"

    def allows(self, village_code: str | None) -> bool:
        """Whether a household in *village_code* is inside this account's area."""
        return bool(village_code) and self.scope.allows(village_code)


def check_new_user(storage, role: str, township_code: str | None) -> None:
    """Refuse an unknown role, or a township that does not fit the role."""
    if role not in ROLES:
        raise errors.UnknownRole(role)
    if role == "township_reviewer":
        area = storage.get_area(township_code or "") if township_code else None
        if area is None or area["level"] != "township":
            raise errors.TownshipRequired(township_code or "")
    elif township_code:
        raise errors.TownshipRequired(township_code)
