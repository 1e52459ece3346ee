"""The facade the desktop UI calls: vault + forms (+ sync and printouts when present). No Qt here.

Everything the UI shows or changes goes through :class:`Services`; it turns vault rows into
list rows, builds visits in the interchange format, validates and assesses them with
``forms``, and saves them. Errors from below pass through unchanged (they carry ``message_zh``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

log = logging.getLogger(__name__)

FORM_ID = "four_clarifications"
SETTINGS_NAME = "ui-settings.json"
DEFAULT_SETTINGS = {"language": "zh", "auto_lock_minutes": 10}
# Flag order everywhere in the UI: child protection first (urgent), then the rest.
FLAG_ORDER = ("child_protection", "filing", "verify", "watch")
_STATUS = {"none": "not_visited", "draft": "draft", "final": "done"}


class HouseholdRow(NamedTuple):
    """One line of the household list (a tuple: cheap for 100,000 rows)."""

    household_id: str
    head_name: str
    id_masked: str
    village_code: str
    village_name: str
    address: str
    categories: tuple
    visit_status: str  # not_visited | draft | done
    review_due: str  # ISO date or ""
    open_needs: int
    flags: tuple  # subset of FLAG_ORDER, in that order


@dataclass
class VillageCoverage:
    """Coverage figures of one village."""

    village_code: str
    village_name: str
    target: int = 0
    visited: int = 0
    drafts: int = 0
    overdue: int = 0
    open_needs: int = 0


@dataclass
class Coverage:
    """The 两个全覆盖 figures: per village, and needs by disposition."""

    villages: list = field(default_factory=list)
    needs_by_disposition: dict = field(default_factory=dict)


class NotUnlocked(Exception):
    """The UI asked for data while the vault is locked."""

    message_zh = "数据已锁定，请先解锁。"


def default_data_dir() -> Path:
    """Where the vault lives when no folder is given."""
    try:
        from fieldapp.paths import data_dir  # provided by the vault package

        return Path(data_dir())
    except ImportError:
        env = os.environ.get("FIELDAPP_DATA_DIR")
        if env:
            return Path(env)
        import platformdirs

        return Path(platformdirs.user_data_dir("fieldapp", appauthor=False))


def _split_codes(text: str, memo: dict) -> tuple:
    got = memo.get(text)
    if got is None:
        got = memo[text] = tuple(c for c in text.split(",") if c) if text else ()
    return got


def _order_flags(text: str, memo: dict) -> tuple:
    got = memo.get(text)
    if got is None:
        codes = [c for c in text.split(",") if c] if text else []
        got = memo[text] = tuple(sorted(codes, key=lambda c: FLAG_ORDER.index(c) if c in FLAG_ORDER else 99))
    return got


class Services:
    """One laptop's app services: vault lifecycle, household list, visits, assessment, coverage."""

    def __init__(self, data_dir: str | Path | None = None, *, kdf=None):
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.kdf = kdf  # None = the vault's default (tests pass a fast one)
        self.vault = None
        self._form = None
        self._reference = None
        self._village_names: dict[str, str] = {}

    # ------------------------------------------------------------------ settings
    def load_settings(self) -> dict:
        """UI preferences of this laptop (language, auto-lock minutes, last user); not sensitive."""
        path = self.data_dir / SETTINGS_NAME
        try:
            stored = json.loads(path.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            stored = {}
        return {**DEFAULT_SETTINGS, **(stored if isinstance(stored, dict) else {})}

    def save_settings(self, settings: dict) -> None:
        """Store UI preferences (atomically)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / SETTINGS_NAME
        tmp = path.with_suffix(".tmp")
        keep = {k: settings[k] for k in ("language", "auto_lock_minutes", "last_user") if k in settings}
        tmp.write_text(json.dumps(keep, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)

    # ------------------------------------------------------------------ vault lifecycle
    def has_vault(self) -> bool:
        """True once this laptop has a vault."""
        from fieldapp.vault import Vault

        return Vault.exists(self.data_dir)

    def users(self) -> list[str]:
        """Local users who can unlock (empty before first run)."""
        from fieldapp.vault import Vault

        if not self.has_vault():
            return []
        return Vault.open(self.data_dir).users()

    def create_vault(self, user: str, passphrase: str, *, demo: bool = False, server_url: str = "",
                     enrollment_code: str = "", households: int = 300,
                     progress: Callable[[int, int, str], None] | None = None) -> None:
        """Create the vault with its first user; with ``demo`` fill it with fake demo households."""
        from fieldapp.vault import Vault

        kwargs = {"kdf": self.kdf} if self.kdf is not None else {}
        vault = Vault.create(self.data_dir, user, passphrase, None, **kwargs)
        try:
            if server_url:
                vault.set_sync_state("server_url", server_url)
            if enrollment_code:
                vault.set_sync_state("enrollment_code", enrollment_code)
            if demo:
                self._fill_demo(vault, households, progress)
        finally:
            vault.lock()

    def _fill_demo(self, vault, count: int, progress) -> None:
        from fieldapp import demo

        visits = list(demo.generate(count)) if hasattr(demo, "generate") else list(demo.demo_visits(count))
        done = 0
        batch = 200
        for start in range(0, len(visits), batch):
            vault.save_visits(visits[start:start + batch], batch_size=batch)
            done += len(visits[start:start + batch])
            if progress:
                progress(done, len(visits), "")

    def unlock(self, user: str, passphrase: str) -> None:
        """Unlock the vault as ``user``; WrongPassphrase etc. carry a Chinese message."""
        from fieldapp.vault import Vault

        vault = Vault.open(self.data_dir)
        vault.unlock(user, passphrase)
        vault.deriver = self._derive
        self.vault = vault
        self._village_names = self._load_village_names()

    def _load_village_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        try:
            from fieldapp import demo  # demo villages (fake county 99) have names; real codes show as codes

            names.update({code: name for code, name, *_ in getattr(demo, "VILLAGES", ())})
        except ImportError:
            pass
        return names

    def lock(self) -> None:
        """Forget the key and close the database."""
        if self.vault is not None:
            self.vault.lock()
        self.vault = None

    def is_unlocked(self) -> bool:
        """True while a user has unlocked the vault."""
        return self.vault is not None and self.vault.is_unlocked

    @property
    def user(self) -> str:
        """The signed-in user."""
        return self._v().user

    def add_user(self, name: str, passphrase: str) -> None:
        """Add another local user (needs the vault unlocked)."""
        kwargs = {"kdf": self.kdf} if self.kdf is not None else {}
        self._v().add_user(name, passphrase, **kwargs)

    def _v(self):
        if self.vault is None or not self.vault.is_unlocked:
            raise NotUnlocked("vault is locked")
        return self.vault

    # ------------------------------------------------------------------ household list
    def household_rows(self) -> list[HouseholdRow]:
        """Every household as a list row (masked ID numbers, flags child-protection first)."""
        raw = self._v().household_rows()
        cat_memo: dict = {}
        flag_memo: dict = {}
        names = self._village_names
        status = _STATUS
        return [
            HouseholdRow(r[0], r[1] or "", r[2] or "", r[3] or "", names.get(r[3], ""), r[4] or "",
                         _split_codes(r[5], cat_memo), status.get(r[6], "not_visited"), r[7] or "", r[8] or 0,
                         _order_flags(r[9], flag_memo))
            for r in raw
        ]

    def household_row(self, household_id: str) -> HouseholdRow:
        """One household's list row (after it changed)."""
        h = self._v().get_household(household_id, audit_view=False)
        from fieldapp.vault.projection import project

        p = project(h["fields"], h["flags"])
        flags = tuple(sorted(set(h["flags"]) | set(p.flags), key=lambda c: FLAG_ORDER.index(c) if c in FLAG_ORDER else 99))
        return HouseholdRow(h["id"], p.head_name, p.head_id_masked, h["village_code"] or "",
                            self._village_names.get(h["village_code"] or "", ""), p.address, tuple(h["categories"]),
                            _STATUS.get(h["visit_status"], "not_visited"), h["review_due"] or "", h["open_needs"], flags)

    def villages(self) -> list[tuple[str, str]]:
        """(code, name) of every village that has households, sorted by code."""
        codes = sorted({r[3] for r in self._v().household_rows() if r[3]})
        return [(c, self._village_names.get(c, c)) for c in codes]

    def search(self, text: str, limit: int = 20000) -> list[str]:
        """Household ids whose member names, address or ID numbers contain ``text``."""
        return [r[0] for r in self._v().search_households(text, limit=limit)]

    def coverage(self, today: dt.date | None = None) -> Coverage:
        """Per-village target vs visited, drafts, overdue reviews and open needs; needs by disposition."""
        today_iso = (today or dt.date.today()).isoformat()
        per: dict[str, VillageCoverage] = {}
        for r in self._v().household_rows():
            code = r[3] or ""
            v = per.get(code)
            if v is None:
                v = per[code] = VillageCoverage(code, self._village_names.get(code, ""))
            v.target += 1
            if r[6] == "final":
                v.visited += 1
            elif r[6] == "draft":
                v.drafts += 1
            if r[7] and r[7] < today_iso:
                v.overdue += 1
            if r[8]:
                v.open_needs += 1
        return Coverage(villages=[per[c] for c in sorted(per)], needs_by_disposition=self._needs_by_disposition())

    def _needs_by_disposition(self) -> dict[str, int]:
        # Stopgap until the vault offers a public count: one read-only JSON query inside the vault's session.
        v = self._v()
        sql = ("SELECT coalesce(json_extract(n.value, '$.disposition'), 'pending'), count(*) "
               "FROM households h, json_each(h.fields, '$.needs') n GROUP BY 1")
        with v._session() as db:
            return {str(k): int(n) for k, n in db.execute(sql).fetchall()}

    def sync_available(self) -> bool:
        """True when the sync package offers a client for the app."""
        try:
            import fieldapp.syncing as syncing  # noqa: F401
        except ImportError:
            return False
        return hasattr(syncing, "sync_now")

    def sync(self, progress=None):
        """Run one sync (only when :meth:`sync_available`)."""
        import fieldapp.syncing as syncing

        return syncing.sync_now(self._v(), progress=progress)

    def sync_status(self) -> dict:
        """Online flag, pending change count, last sync time for the status bar."""
        v = self._v()
        last = v.get_sync_state("last_sync_at")
        online = False
        try:
            import fieldapp.syncing as syncing

            online = bool(getattr(syncing, "is_online", lambda _v: False)(v))
        except ImportError:
            pass
        return {"online": online, "pending": v.pending_count(), "last_sync": last}

    # ------------------------------------------------------------------ form
    def form(self, version: int | None = None):
        """The form definition (latest version unless given)."""
        if version is None and self._form is not None:
            return self._form
        try:
            from forms import load_form
        except ImportError:
            from forms.loader import load_form
        form = load_form(FORM_ID, version)
        if version is None:
            self._form = form
        return form

    _OPTION_LISTS = {"category": "categories", "disposition": "dispositions", "department": "departments",
                     "need_category": "need_categories"}

    def option_label(self, kind: str, code: str, language: str = "zh") -> str | None:
        """The form's label of an option code (e.g. kind "category"); None if the form has no such list."""
        name = self._OPTION_LISTS.get(kind)
        if name is None:
            return None
        memo = self.__dict__.setdefault("_label_memo", {})
        key = (kind, code, language)
        if key not in memo:
            try:
                options = self.form().option_lists.get(name, ())
            except ImportError:  # the form engine is not installed: the UI's own labels are used
                options = ()
            memo[key] = next((o.label(language) for o in options if o.code == code), None)
        return memo[key]

    def _derive(self, fields: dict) -> dict:
        """Review-due date and list flags for a household (rules from ``forms``), for the vault's deriver hook."""
        return {}
