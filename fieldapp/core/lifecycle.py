"""This laptop's settings, creating and unlocking the vault, local users."""

from __future__ import annotations

import json
import logging
from typing import Callable

from fieldapp.core.catalog import DEMO_STATE, Catalog
from fieldapp.core.derive import Deriver
from fieldapp.core.session import Session

log = logging.getLogger("fieldapp.core")

SETTINGS_NAME = "ui-settings.json"
DEFAULT_SETTINGS = {"language": "zh", "auto_lock_minutes": 10}


def _usable_settings(stored) -> dict:
    """The stored preferences the app can use: an edited file (a list, text for minutes) falls back to the defaults."""
    if not isinstance(stored, dict):
        return {}
    usable = dict(stored)
    minutes = usable.get("auto_lock_minutes")
    if "auto_lock_minutes" in usable and not (isinstance(minutes, (int, float)) and not isinstance(minutes, bool)
                                              and 0 < minutes <= 24 * 60):
        del usable["auto_lock_minutes"]
    for key in ("language", "last_user"):
        if key in usable and not isinstance(usable[key], str):
            del usable[key]
    return usable


class Lifecycle:
    """Settings, vault creation (with demo data in demo mode), unlock and lock, users."""

    def __init__(self, session: Session, catalog: Catalog, deriver: Deriver):
        self.session, self.catalog, self.deriver = session, catalog, deriver
        self.demo_households = 300

    # ------------------------------------------------------------------ settings
    def load_settings(self) -> dict:
        """UI preferences of this laptop (language, auto-lock minutes, last user); not sensitive."""
        path = self.session.data_dir / SETTINGS_NAME
        try:
            stored = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError, RecursionError):   # missing, unreadable, edited, or nested 100,000 deep
            stored = {}
        return {**DEFAULT_SETTINGS, **_usable_settings(stored)}

    def save_settings(self, settings: dict) -> None:
        """Store UI preferences (atomically)."""
        from sync.filemodes import private_dir, write_private_text

        private_dir(self.session.data_dir)
        keep = {k: settings[k] for k in ("language", "auto_lock_minutes", "last_user") if k in settings}
        # names the last user: owner-only like the vault beside it
        write_private_text(self.session.data_dir / SETTINGS_NAME, json.dumps(keep, ensure_ascii=False))

    # ------------------------------------------------------------------ the vault
    def has_vault(self) -> bool:
        """True once this laptop has a vault."""
        from fieldapp.vault import Vault

        return Vault.exists(self.session.data_dir)

    def users(self) -> list[str]:
        """Local users who can unlock (empty before first run)."""
        from fieldapp.vault import Vault

        if not self.has_vault():
            return []
        return Vault.open(self.session.data_dir).users()

    def create_vault(self, user: str, passphrase: str, *, demo: bool = False, server_url: str = "",
                     enrollment_code: str = "", households: int | None = None,
                     progress: Callable[[int, int, str], None] | None = None, enrollment=None,
                     office_public_key: bytes | None = None) -> None:
        """Create the vault with its first user; with ``demo`` fill it with fake demo households.

        :param enrollment: a ``fieldapp.enrollment.Enrollment`` the wizard already made (kept in the new vault)
        :param office_public_key: the county office's recovery key (PEM), when known at creation (``fieldapp vault init``)
        :raises fieldapp.core.sync.EnrollmentCodeRejected: the server refused *enrollment_code*; the vault was made
            (log in and retype the code under 工具)
        """
        from fieldapp.vault import Vault

        refused = None
        s = self.session
        vault = Vault.create(s.data_dir, user, passphrase, office_public_key, **s.kdf_kwargs())
        try:
            if demo and s.demo_server is not None and not server_url:
                # Demo mode: the embedded local server issues the code; enrolment happens at the first sync.
                vault.set_sync_state("pending_server_url", s.demo_server.url)
                vault.set_sync_state("pending_enrollment_code", s.demo_server.issue_code())
            if enrollment is not None:
                from fieldapp.enrollment import keep_in_vault

                keep_in_vault(vault, enrollment)
            elif server_url and enrollment_code:
                refused = self._first_enrollment(vault, server_url, enrollment_code)
            if demo:
                vault.set_sync_state(DEMO_STATE, "1")  # the demo reference and templates apply to this vault only
                self._fill_demo(vault, households or self.demo_households, progress)
        finally:
            vault.lock()
        if refused is not None:
            raise refused

    @staticmethod
    def _first_enrollment(vault, server_url: str, code: str):
        """Enroll now if the server answers; offline, keep both for the first sync (set-up works offline).

        :returns: ``EnrollmentCodeRejected`` when the server refused the code (forgotten, to be retyped), else None
        """
        import fieldapp.syncing as syncing
        from fieldapp.core.sync import EnrollmentCodeRejected
        from sync import errors as sync_errors

        vault.set_sync_state("pending_server_url", server_url)
        vault.set_sync_state("pending_enrollment_code", code)
        try:
            syncing.enroll(vault, server_url, code)
        except sync_errors.CODE_REFUSED as exc:   # said now, while the person who typed it is there
            vault.set_sync_state("pending_enrollment_code", None)
            return EnrollmentCodeRejected(exc)
        except sync_errors.SyncError as exc:   # offline (normal at set-up), TLS, throttled …: the first sync retries
            log.info("enrollment deferred: %s", type(exc).__name__)
            return None
        vault.set_sync_state("pending_enrollment_code", None)
        return None

    def _fill_demo(self, vault, count: int, progress) -> None:
        from fieldapp import demo

        if self.session.demo_server is not None:
            # The embedded server enrolls the demo laptop as one township's office: keep that township's households.
            from fieldapp.services_demo import DEMO_TOWNSHIP

            visits = [x for x in demo.generate(count * 4)
                      if str(x["answers"].get("village_code", "")).startswith(DEMO_TOWNSHIP[0])][:count]
        else:
            visits = list(demo.generate(count))
        # the demo vault is not the session's yet: derive with the demo reference it is about to use
        self.session.vault = vault
        self.catalog.changed()
        try:
            done, batch = 0, 200
            for start in range(0, len(visits), batch):
                chunk = visits[start:start + batch]
                vault.save_visits(chunk, batch_size=batch,
                                  derived={x["visit_id"]: self.deriver.for_visit(x) for x in chunk})
                done += len(chunk)
                if progress:
                    progress(done, len(visits), "")
        finally:
            self.session.vault = None
            self.catalog.forget()

    def unlock(self, user: str, passphrase: str) -> None:
        """Unlock the vault as ``user``; WrongPassphrase etc. carry a Chinese message."""
        from fieldapp.vault import Vault

        vault = Vault.open(self.session.data_dir)
        vault.unlock(user, passphrase)
        self.session.vault = vault
        self.catalog.changed()
        self.deriver.complete_pending(vault)   # households a pull or an amendment left (also after a crash)

    def lock(self) -> None:
        """Forget the key and close the database."""
        if self.session.vault is not None:
            self.session.vault.lock()
        self.session.vault = None
        self.catalog.forget()

    def add_user(self, name: str, passphrase: str) -> None:
        """Add another local user (needs the vault unlocked)."""
        self.session.v().add_user(name, passphrase, **self.session.kdf_kwargs())
