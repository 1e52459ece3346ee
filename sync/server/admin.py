"""County administration: areas from division codes, one-time enrollment codes, the office recovery key, exports."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sync import errors
from sync.keys import KeyPair
from sync.server.storage import Scope, Storage
from forms.places import county_of, township_of

LEVEL_BY_LENGTH = {6: "county", 9: "township", 12: "village"}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read aloud over the phone


def normalise_code(code: str) -> str:
    """Enrollment codes ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """Only the SHA-256 of an enrollment code is stored."""
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def set_office_key(storage: Storage, keys: KeyPair, public_key_pem: bytes | str, now: str | None = None) -> dict:
    """Configure the county office's recovery public key (X25519 PEM); laptops receive it signed by *keys*."""
    from sync import officekey

    pem = officekey.canonical_pem(public_key_pem)
    when = now or datetime.now(timezone.utc).isoformat(timespec="seconds")
    return storage.set_office_key(pem, lambda version, text: officekey.sign(keys, version, text), when)


def add_area(storage: Storage, code: str, name: str, area_type: str | None = None) -> dict:
    """Create a county (6 digits), township (9) or village (12); the parent must exist."""
    if not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
        raise errors.UnknownArea(f"{code}: a division code has 6, 9 or 12 digits")
    level = LEVEL_BY_LENGTH[len(code)]
    parent = {"county": None, "township": county_of(code), "village": township_of(code)}[level]
    if area_type not in (None, "urban", "rural"):
        raise errors.MalformedRequest("area type is urban or rural")
    storage.add_area(code, level, name, parent, area_type)
    return {"code": code, "level": level, "name": name, "parent_code": parent, "area_type": area_type}


def issue_enrollment_code(storage: Storage, role: str, township_code: str, villages: list[str] | None = None,
                          valid_hours: float = 72, label: str = "") -> tuple[str, str]:
    """A fresh single-use code bound to a township (office) or villages (visitor); returns (code, expires_at).

    :param label: the name the enrolled laptop gets in ``device-list`` (e.g. "城关镇 王芳的电脑")
    """
    township = storage.get_area(township_code)
    if township is None or township["level"] != "township":
        raise errors.UnknownArea(township_code)
    villages = list(villages or [])
    if role == "visitor" and not villages:
        raise errors.MalformedRequest("a visitor laptop code must name its villages")
    if role not in ("visitor", "office"):
        raise errors.MalformedRequest("role is visitor or office")
    for village in villages:
        area = storage.get_area(village)
        if area is None or area["level"] != "village" or township_of(village) != township_code:
            raise errors.UnknownArea(village)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
    expires = (datetime.now(timezone.utc) + timedelta(hours=valid_hours)).isoformat(timespec="seconds")
    storage.add_enrollment_code(hash_code(code), role, township_code, villages if role == "visitor" else [], expires,
                                label=label.strip()[:100])
    return code, expires


def export_area(storage: Storage, code: str) -> dict:
    """Every current record of a township (or county) as one JSON-able document."""
    area = storage.get_area(code)
    if area is None:
        raise errors.UnknownArea(code)
    scope = Scope("office", code) if area["level"] == "township" else Scope("admin", code)
    return {"format": "fieldapp.server_export", "area": area,
            "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "records": storage.records(scope)}
