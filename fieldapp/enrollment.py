"""Joining a county server from the first-run wizard or 工具 (no Qt): check the address, enroll at once when
the server answers, show the server key's fingerprint, keep what enrollment returned until the vault exists.

A plain ``http://`` address is accepted only for this computer itself (127.0.0.1, localhost) unless the
user confirms a clear warning. A wrong, expired or used code is reported at once, so it can be retyped;
without network the code is kept and used at the first sync (set-up works offline).
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from fieldapp.errors import AppError

log = logging.getLogger(__name__)

ENROLL_TIMEOUT = 10.0  # seconds: the wizard waits this long for the server before carrying on offline


class BadServerAddress(AppError):
    """The server address is not an http(s) URL with a host."""

    def __init__(self, url: str):
        super().__init__(f"not a server address: {url!r}")
        self.message_zh = f"服务器地址“{url}”不对：应类似 https://mz.example.gov.cn:8700 （见登记单）。"


@dataclass(frozen=True)
class AddressCheck:
    """What is wrong or risky about a server address: ``insecure`` means http:// to another computer."""

    url: str
    insecure: bool
    warning_zh: str = ""


def check_address(url: str) -> AddressCheck:
    """Normalise and check a server address; http:// to anything but loopback is flagged ``insecure``.

    :raises BadServerAddress: not an http(s) URL with a host
    """
    text = (url or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadServerAddress(text)
    if parts.scheme == "https" or _is_loopback(parts.hostname):
        return AddressCheck(text, False)
    return AddressCheck(text, True, "警告：这个地址以 http:// 开头，数据在网络上不加密传输，别人可能偷看或冒充县服务器。"
                                    "县服务器应使用 https://。只有县民政局明确要求时才继续。")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _State:
    """A dict that stands in for the vault's sync state until the vault exists."""

    def __init__(self):
        # None is kept too: an enrollment kept in a vault that was enrolled before must clear what the
        # client clears (an earlier server's office key, CA certificate), not leave it behind.
        self.values: dict[str, str | None] = {}

    def get_sync_state(self, key):
        return self.values.get(key)

    def set_sync_state(self, key, value):
        self.values[key] = None if value is None else str(value)


@dataclass
class Enrollment:
    """A finished enrollment: role, township, villages, the server key's fingerprint, and the state to keep."""

    url: str
    role: str
    township_code: str
    villages: list
    fingerprint: str
    office_recovery: bool
    state: dict = field(default_factory=dict, repr=False)


def enroll_now(url: str, code: str, label: str = "", transport=None) -> Enrollment:
    """Enroll with the server at once (before the vault exists).

    :raises sync.errors.EnrollmentCodeInvalid | EnrollmentCodeExpired | EnrollmentCodeUsed: retype the code
    :raises sync.errors.ServerUnreachable: offline — keep the code for the first sync
    """
    from sync.client import enroll
    from sync.keys import fingerprint

    store = _State()
    answer = enroll(store, url, code, label=label, transport=transport, timeout=ENROLL_TIMEOUT)
    return Enrollment(url, answer["role"], answer["township_code"], list(answer["villages"]),
                      fingerprint(answer["server_signing_key"]), bool(answer.get("office_recovery_key")),
                      dict(store.values))


def keep_in_vault(vault, enrollment: Enrollment) -> None:
    """Store an enrollment made before the vault existed, as if the vault had enrolled itself."""
    from fieldapp import syncing

    for key, value in enrollment.state.items():
        vault.set_sync_state(key, value)
    vault.set_sync_state("pending_enrollment_code", None)
    vault.audit("change", "sync_device", enrollment.state.get("device_id"), detail={"enrolled_as": enrollment.role})
    syncing.apply_office_key(vault)


def server_fingerprint(vault) -> str:
    """The fingerprint of the server key this laptop pinned ("" before enrollment)."""
    from sync.keys import fingerprint

    key = vault.get_sync_state("server_signing_key")
    return fingerprint(key) if key else ""


def recovery_status(vault) -> dict:
    """Whether the county office can recover this laptop's data (its vault key is sealed to the office key)."""
    enrolled = bool(vault.get_sync_state("device_id") and vault.get_sync_state("device_keys"))  # the vault has a local id too
    return {"recoverable": bool(vault.has_office_wrap()), "enrolled": enrolled,
            "office_key_received": bool(vault.get_sync_state("office_recovery_key")) or vault.has_office_wrap()}
