"""The one dependency every part of the core shares: the vault of this laptop and where it lives."""

from __future__ import annotations

from pathlib import Path

from fieldapp.paths import data_dir as _platform_data_dir
from fieldapp.errors import AppError


class NotUnlocked(AppError):
    """The UI asked for data while the vault is locked."""

    message_zh = "数据已锁定，请先解锁。"


def default_data_dir() -> Path:
    """Where the vault lives when no folder is given ($FIELDAPP_DATA_DIR or the platform's user data folder)."""
    return Path(_platform_data_dir())


class Session:
    """The data folder, the vault (None while locked), the KDF for new passphrases and the demo server, if any."""

    def __init__(self, data_dir: str | Path | None = None, *, kdf=None):
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.kdf = kdf              # None = the vault's default (tests pass a fast one)
        self.vault = None
        self.demo_server = None     # demo mode: the embedded local server (fieldapp.services_demo.DemoServer)

    def v(self):
        """The unlocked vault; raises :class:`NotUnlocked` while locked."""
        if self.vault is None or not self.vault.is_unlocked:
            raise NotUnlocked("vault is locked")
        return self.vault

    def is_unlocked(self) -> bool:
        """True while a user has unlocked the vault."""
        return self.vault is not None and self.vault.is_unlocked

    def kdf_kwargs(self) -> dict:
        """``{"kdf": …}`` for the vault's passphrase calls when a KDF was chosen."""
        return {"kdf": self.kdf} if self.kdf is not None else {}
