"""The facade the desktop UI calls: vault + forms (+ sync and printouts when present). No Qt here.

Everything the UI shows or changes goes through :class:`Services`; it turns vault rows into
list rows, builds visits in the interchange format, validates and assesses them with
``forms``, and saves them. Errors from below pass through unchanged (they carry ``message_zh``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

from fieldapp.services_print import NothingToPrint, PrintServices  # noqa: F401
from fieldapp.services_sync import NotEnrolled, SyncServices  # noqa: F401 - NotEnrolled is part of the facade
from fieldapp.paths import data_dir
from forms.errors import FormsError
from forms.display import answer_text, is_blank as _empty  # noqa: F401 - answer_text is part of the facade
from forms.interchange import new_envelope

log = logging.getLogger(__name__)

FORM_ID = "four_clarifications"
SETTINGS_NAME = "ui-settings.json"
DEFAULT_SETTINGS = {"language": "zh", "auto_lock_minutes": 10}
# Flag order everywhere in the UI: child protection first (urgent), then the rest.
FLAG_ORDER = ("child_protection", "filing", "verify", "watch")
_STATUS = {"none": "not_visited", "draft": "draft", "final": "done"}
DEMO_STATE = "demo_data"  # sync-state flag of a vault made with demo data (``fieldapp demo``)


class HouseholdRow(NamedTuple):
    """One line of the household list (a tuple: cheap for 100,000 rows)."""

    household_id: str
    head_name: str
    id_masked: str
    village_code: str
    village_name: str
    address: str
    categories: tuple
    visit_status: str  # not_visited | draft | done | unreachable — "done": a final visit in the current campaign
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
    unreachable: int = 0     # roster targets closed as 无法入户 (0 without a roster)
    discovered: int = 0      # households found at the door (主动发现), not part of the target
    submitted: int = 0       # review state of the latest final visits (forms.coverage): 待审核
    returned: int = 0        # 已退回
    approved: int = 0        # 已审核通过


@dataclass
class Coverage:
    """The 两个全覆盖 figures: per village, and needs by disposition."""

    villages: list = field(default_factory=list)
    needs_by_disposition: dict = field(default_factory=dict)


class VisitNotReady(Exception):
    """Finalising was refused: blocking problems remain (they are listed in ``problems``)."""

    def __init__(self, problems: list):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        first = "；".join(p.message_zh for p in errors[:3])
        super().__init__(f"{len(errors)} blocking problems")
        self.message_zh = f"还有 {len(errors)} 个问题需要改正才能完成走访：{first}"
        self.hint_zh = "请按红色提示逐项改正后再点“完成走访”。需要时可先保存，稍后再完成。"


@dataclass
class AnswerChange:
    """One difference between two visits, readable: where, what it was, what it is now."""

    section: str
    where: str
    before: str
    after: str


class NeedNotFound(Exception):
    """The need to update is not (or no longer) in the household's current needs."""

    def __init__(self, need_id: str):
        super().__init__("need not found")
        self.need_id = need_id
        self.message_zh = "找不到这条需求，可能已被其他人修改。请关闭后重新打开这一户。"


class ImportFileUnreadable(Exception):
    """The file to import is not readable JSON."""

    def __init__(self, name: str):
        super().__init__("import file unreadable")
        self.message_zh = f"无法读取文件“{name}”：它不是走访记录的 JSON 文件，或已损坏。"
        self.hint_zh = "请选择由本系统导出的文件（.json）。"


class ExportNeedsSecret(Exception):
    """An export needs the office key or a passphrase; the app never exports in clear."""

    message_zh = "导出需要设置密码（本机没有县级公钥）。"


class NotUnlocked(Exception):
    """The UI asked for data while the vault is locked."""

    message_zh = "数据已锁定，请先解锁。"


def default_data_dir() -> Path:
    """Where the vault lives when no folder is given ($FIELDAPP_DATA_DIR or the platform's user data folder)."""
    return Path(data_dir())


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


class ImportRejected(Exception):
    """Some visits of an import file were rejected and the caller asked for all or nothing."""

    def __init__(self, rejected: int, problems: list[str]):
        super().__init__(f"{rejected} visits rejected")
        self.rejected, self.problems = rejected, problems
        self.message_zh = f"{rejected} 条记录不合格，未导入任何记录"


class Services(SyncServices, PrintServices):
    """One laptop's app services: vault lifecycle, household list, visits, assessment, coverage."""

    def __init__(self, data_dir: str | Path | None = None, *, kdf=None):
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.kdf = kdf  # None = the vault's default (tests pass a fast one)
        self.demo_households = 300
        self.vault = None
        self._form = None
        self._reference = None
        self._templates = None
        self._forms_dir = None
        self._village_names: dict[str, str] = {}
        from fieldapp.services_review import ReviewServices

        self.reviews = ReviewServices(self)   # review (审核): returns, approve / return, letter gating

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
        from sync.filemodes import private_dir, write_private_text

        private_dir(self.data_dir)
        keep = {k: settings[k] for k in ("language", "auto_lock_minutes", "last_user") if k in settings}
        # names the last user: owner-only like the vault beside it
        write_private_text(self.data_dir / SETTINGS_NAME, json.dumps(keep, ensure_ascii=False))

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
                     enrollment_code: str = "", households: int | None = None,
                     progress: Callable[[int, int, str], None] | None = None, enrollment=None) -> None:
        """Create the vault with its first user; with ``demo`` fill it with fake demo households.

        :param enrollment: a ``fieldapp.enrollment.Enrollment`` the wizard already made (kept in the new vault)
        """
        from fieldapp.vault import Vault

        kwargs = {"kdf": self.kdf} if self.kdf is not None else {}
        vault = Vault.create(self.data_dir, user, passphrase, None, **kwargs)
        vault.deriver = self._derive  # review-due dates and list flags for imported households
        try:
            if demo and self.demo_server is not None and not server_url:
                # Demo mode: the embedded local server issues the code; enrolment happens at the first sync.
                vault.set_sync_state("pending_server_url", self.demo_server.url)
                vault.set_sync_state("pending_enrollment_code", self.demo_server.issue_code())
            if enrollment is not None:
                from fieldapp.enrollment import keep_in_vault

                keep_in_vault(vault, enrollment)
            elif server_url and enrollment_code:
                self._first_enrollment(vault, server_url, enrollment_code)
            if demo:
                vault.set_sync_state(DEMO_STATE, "1")  # the demo reference and templates apply to this vault only
                self._fill_demo(vault, households or self.demo_households, progress)
        finally:
            vault.lock()

    def _first_enrollment(self, vault, server_url: str, code: str) -> None:
        # Enroll now if the server answers; otherwise keep both for the first sync (set-up works offline).
        vault.set_sync_state("pending_server_url", server_url)
        vault.set_sync_state("pending_enrollment_code", code)
        try:
            import fieldapp.syncing as syncing

            syncing.enroll(vault, server_url, code)
            vault.set_sync_state("pending_enrollment_code", None)
        except Exception as exc:  # noqa: BLE001 - offline at set-up is normal; retried at the first sync
            log.info("enrollment deferred: %s", type(exc).__name__)

    def _fill_demo(self, vault, count: int, progress) -> None:
        from fieldapp import demo

        if self.demo_server is not None:
            # The embedded server enrolls the demo laptop as one township's office: keep that township's households.
            from fieldapp.services_demo import DEMO_TOWNSHIP

            visits = [x for x in demo.generate(count * 4)
                      if str(x["answers"].get("village_code", "")).startswith(DEMO_TOWNSHIP[0])][:count]
        else:
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
        self.published_changed()

    def is_demo(self) -> bool:
        """True in demo mode (``fieldapp demo`` or a vault made with demo data): only then the demo files apply."""
        if self.demo_server is not None:
            return True
        return self.vault is not None and self.vault.is_unlocked and self.vault.get_sync_state(DEMO_STATE) == "1"

    def _check_published(self) -> None:
        """Documents arrive with pulls (the app's sync, the CLI, a USB receipt): a moved cursor means look again."""
        if self.vault is not None and self.vault.is_unlocked:
            cursor = self.vault.get_sync_state("cursor")
            if cursor != self.__dict__.get("_published_cursor"):
                self.published_changed()

    def published_changed(self) -> None:
        """Forget the cached reference, templates, forms and names (after a sync or a USB receipt brought new ones)."""
        if self.vault is not None and self.vault.is_unlocked:
            self._published_cursor = self.vault.get_sync_state("cursor")
        self._reference = self._templates = self._forms_dir = None
        self._form = None
        self.__dict__.pop("_label_memo", None)
        self._village_names = self._load_village_names() if self.vault is not None and self.vault.is_unlocked else {}

    def _load_village_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        if self.is_demo():
            from fieldapp import demo  # demo villages (fake county 99) have names only in demo mode

            names.update({code: name for code, name, *_ in getattr(demo, "VILLAGES", ())})
        try:
            from fieldapp import published

            names.update(published.area_names(self._v()))
            names.update({v.code: v.name for v in self.reference().villages()})
        except FormsError as exc:  # names are a convenience; codes still show
            log.warning("village names unavailable: %s", type(exc).__name__)
        return names

    def area_name(self, code: str) -> str:
        """The name of a village, township or county code ("" when unknown)."""
        return self._village_names.get(code, "")

    def lock(self) -> None:
        """Forget the key and close the database."""
        if self.vault is not None:
            self.vault.lock()
        self.vault = None
        self._reference = self._templates = self._forms_dir = self._form = None

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
        since = self._campaign_start()  # first: it notices newly pulled documents (names included)
        names = self._village_names
        status = _STATUS
        new = tuple.__new__  # 3× faster than HouseholdRow(...) for 100,000 rows
        rows = [
            new(HouseholdRow, (r[0], r[1] or "", r[2] or "", r[3] or "", names.get(r[3], ""), r[4] or "",
                               cat_memo.get(r[5]) or _split_codes(r[5], cat_memo),
                               "not_visited" if r[6] == "final" and (r[10] or "") < since else status.get(r[6], "not_visited"),
                               r[7] or "", r[8] or 0, flag_memo.get(r[9]) or _order_flags(r[9], flag_memo)))
            for r in raw
        ]
        unreachable = self._v().unreachable_ids()   # 无法入户 (few): shown instead of 未走访
        if unreachable:
            rows = [r._replace(visit_status="unreachable") if r.visit_status == "not_visited" and r.household_id
                    in unreachable else r for r in rows]
        return rows

    def _campaign_start(self) -> str:
        """ISO start date of the current campaign from the reference data ("" when none is set)."""
        campaign = self.reference().campaign
        return campaign.start.isoformat() if campaign is not None else ""

    def _visit_status(self, status: str, last_visit_date: str | None) -> str:
        """List status of a household: a final visit before the campaign started does not count as done."""
        if status == "final" and (last_visit_date or "") < self._campaign_start():
            return "not_visited"
        return _STATUS.get(status, "not_visited")

    def household_row(self, household_id: str) -> HouseholdRow:
        """One household's list row (after it changed)."""
        self._check_published()
        h = self._v().get_household(household_id, audit_view=False)
        from fieldapp.vault.projection import project

        p = project(h["fields"], h["flags"])
        flags = tuple(sorted(set(h["flags"]) | set(p.flags), key=lambda c: FLAG_ORDER.index(c) if c in FLAG_ORDER else 99))
        status = self._visit_status(h["visit_status"], h.get("last_visit_date"))
        target = h["fields"].get("target_status")
        if status == "not_visited" and isinstance(target, dict) and target.get("state") == "unreachable":
            status = "unreachable"
        return HouseholdRow(h["id"], p.head_name, p.head_id_masked, h["village_code"] or "",
                            self._village_names.get(h["village_code"] or "", ""), p.address, tuple(h["categories"]),
                            status, h["review_due"] or "", h["open_needs"], flags)

    def villages(self, rows: list[HouseholdRow] | None = None) -> list[tuple[str, str]]:
        """(code, name) of every village that has households (from ``rows`` if given), sorted by code."""
        codes = sorted({r.village_code for r in rows} if rows is not None else {r[3] for r in self._v().household_rows()})
        codes = [c for c in codes if c]
        return [(c, self._village_names.get(c, c)) for c in codes]

    def search(self, text: str, limit: int = 20000) -> list[str]:
        """Household ids whose member names, address or ID numbers contain ``text``."""
        return [r[0] for r in self._v().search_households(text, limit=limit)]

    def coverage(self, rows: list[HouseholdRow] | None = None, today: dt.date | None = None) -> Coverage:
        """Per-village target vs visited, drafts, overdue reviews and open needs; needs by disposition.

        :param rows: the list rows the UI already holds (read from the vault when None)
        """
        today_iso = (today or dt.date.today()).isoformat()
        per: dict[str, VillageCoverage] = {}
        for r in (rows if rows is not None else self.household_rows()):
            code = r.village_code
            v = per.get(code)
            if v is None:
                v = per[code] = VillageCoverage(code, r.village_name or self._village_names.get(code, ""))
            v.target += 1
            if r.visit_status == "done":
                v.visited += 1
            elif r.visit_status == "draft":
                v.drafts += 1
            if r.review_due and r.review_due < today_iso:
                v.overdue += 1
            if r.open_needs:
                v.open_needs += 1
        targets = self.target_coverage()
        if targets is not None:   # a roster is here: targets and visited follow the campaign's rule (forms.coverage)
            for code, counts in targets.villages.items():
                v = per.get(code) or per.setdefault(code, VillageCoverage(code, self._village_names.get(code, "")))
                v.target, v.visited = counts.target, counts.visited
                v.unreachable, v.discovered = counts.unreachable_total, counts.discovered
                v.submitted, v.returned, v.approved = (counts.reviews[k] for k in ("submitted", "returned", "approved"))
            for code, v in per.items():
                if code not in targets.villages:
                    v.target = v.visited = 0
        return Coverage(villages=[per[c] for c in sorted(per)], needs_by_disposition=self._v().needs_by_disposition())

    def target_coverage(self):
        """The campaign's coverage (forms.coverage.CoverageReport) of this laptop's households; None without a roster."""
        from fieldapp.targets import coverage_report

        return coverage_report(self._v(), self._reference_or_none())

    def _reference_or_none(self):
        try:
            return self.reference()
        except Exception:  # noqa: BLE001 - coverage needs no dibao standards; missing reference data must not hide it
            return None

    def mark_unreachable(self, household_id: str, reason: str, note: str, visitors: list[str]) -> dict:
        """Record 无法入户 for a target household (reason, note; a refusal needs the second visitor)."""
        from fieldapp.targets import mark_unreachable

        return mark_unreachable(self._v(), household_id, reason, note, visitors, self._reference_or_none())

    # ------------------------------------------------------------------ form
    def form(self, version: int | None = None):
        """The form definition (latest version unless given)."""
        if version is None and self._form is not None:
            return self._form
        from forms import load_form

        form = load_form(FORM_ID, version, definitions_dir=self._published_forms())
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
            options = self.form().option_lists.get(name, ())
            memo[key] = next((o.label(language) for o in options if o.code == code), None)
        return memo[key]

    def _published_forms(self):
        """The folder of shipped + county-published form versions (None: only the shipped ones)."""
        if self._forms_dir is None:
            self._forms_dir = False
            if self.vault is not None and self.vault.is_unlocked:
                from fieldapp import published

                self._forms_dir = published.forms_folder(self.vault, self.data_dir, FORM_ID) or False
        return self._forms_dir or None

    def reference(self):
        """The reference data: what the county published (the demo set only in demo mode; none before the first sync)."""
        self._check_published()
        if self._reference is None:
            from fieldapp import published
            from forms.reference import Reference, load_reference

            if self.vault is not None and self.vault.is_unlocked:
                self._reference = published.reference(self.vault, demo=self.is_demo())
            else:
                return load_reference() if self.demo_server is not None else Reference.none()
        return self._reference

    def templates(self):
        """The county's letter templates (the demo set only in demo mode).

        :raises fieldapp.published.TemplatesMissing: nothing was published to this laptop yet
        """
        self._check_published()
        if self._templates is None:
            from fieldapp import published

            self._templates = published.templates(self._v(), demo=self.is_demo())
        return self._templates

    def published_status(self) -> dict:
        """Name and version of the reference data, templates, form and areas this laptop uses."""
        from fieldapp import published

        return published.status(self._v(), demo=self.is_demo())

    # ------------------------------------------------------------------ new households (主动发现)
    def laptop_villages(self) -> list:
        """The villages this laptop may create households in (``fieldapp.households.VillageChoice``)."""
        from fieldapp import households

        return households.laptop_villages(self)

    def create_household(self, village_code: str, head_name: str, id_number: str, **details) -> str:
        """Create a household found during visits (draft first visit); raises HouseholdExists for a known ID number."""
        from fieldapp import households

        return households.create_household(self, village_code, head_name, id_number, **details)

    def duplicate_flags(self) -> list[dict]:
        """Office laptops: households sharing a member's ID number, as flagged by the server at the last sync."""
        from fieldapp import households

        return households.duplicate_flags(self)

    # ------------------------------------------------------------------ visits
    def open_household(self, household_id: str) -> dict:
        """A household (audited view), its autosaved draft if any, and its latest recorded visit."""
        v = self._v()
        household = v.get_household(household_id)
        draft = None
        for d in v.list_drafts():
            if d.get("household_id") == household_id:
                draft = v.get_draft(d["visit_id"])
                break
        latest = v.get_visit(household["visits"][0]["id"], audit_view=False) if household["visits"] else None
        return {"household": household, "draft": draft, "latest": latest}

    def new_visit(self, household: dict) -> dict:
        """A new visit of ``household``: its current state prefilled, today's date, a fresh visit id."""
        form = self.form()
        answers = dict(form.new_answers())
        for key, value in (household.get("fields") or {}).items():
            if key in form.questions and form.questions[key].scope == "household" and not form.questions[key].is_calculated:
                answers[key] = value
        answers = self._upgraded(answers, household.get("form_version") or 1)  # fields may come from an older form
        return self._envelope(household["id"], str(uuid.uuid4()), "draft", answers)

    def amend_visit(self, visit: dict) -> dict:
        """A new visit that starts from ``visit`` (final): the original stays in the history unchanged.

        The amendment is recorded with the latest form version, its answers upgraded to it. Household
        answers come from the household's current state, so that what changed since that visit (a need
        referred by the office, another laptop's edits) is not undone by saving it again.
        """
        from fieldapp.vault.errors import RecordNotFound

        answers = self._upgraded(json.loads(json.dumps(visit["answers"])), visit.get("form_version"))
        form = self.form()
        try:
            current = self._v().get_household(visit["household_id"], audit_view=False)["fields"]
        except RecordNotFound:  # a visit whose household is not here: start from the visit alone
            current = {}
        for key, value in current.items():
            if key in form.questions and form.questions[key].scope == "household" and not form.questions[key].is_calculated:
                answers[key] = json.loads(json.dumps(value))
        return self._envelope(visit["household_id"], str(uuid.uuid4()), "draft", answers)

    def _upgraded(self, answers: dict, from_version) -> dict:
        """``answers`` recorded with form version ``from_version``, upgraded to the latest version."""
        from forms.versioning import upgrade_answers

        latest = self.form().version
        start = from_version if isinstance(from_version, int) and 0 < from_version < latest else latest
        return upgrade_answers(answers, [self.form(v) for v in range(start, latest + 1)])

    def _envelope(self, household_id: str, visit_id: str, status: str, answers: dict) -> dict:
        form = self.form()
        return new_envelope(household_id, visit_id, status, answers, form_id=form.form_id, form_version=form.version)

    def save_draft(self, visit: dict) -> None:
        """Autosave what is typed (local, unsynced; survives a crash)."""
        self._v().save_draft(visit)

    def discard_draft(self, visit_id: str) -> None:
        """Throw away an autosaved draft."""
        self._v().discard_draft(visit_id)

    def validate(self, visit: dict) -> list:
        """Every problem of the visit (forms.Problem: path, severity, message_zh/en), errors first."""
        from forms.validation import validate

        form = self.form(visit.get("form_version"))
        return list(validate(visit, form, self.reference()))

    def assess(self, visit: dict):
        """The rules' suggestions (forms.Assessment); raises a forms error when reference data is missing."""
        from forms.assessment import assess

        return assess(visit, self.reference(), form=self.form(visit.get("form_version")))

    def save_visit(self, visit: dict, *, final: bool) -> dict:
        """Save the visit (draft or final) with its household; final needs no blocking problems."""
        form = self.form(visit.get("form_version"))
        problems = self.validate(visit)
        if final and any(p.severity == "error" for p in problems):
            raise VisitNotReady(problems)
        record = dict(visit)
        record["status"] = "final" if final else "draft"
        record["answers"] = form.calculate(visit["answers"])
        review_due, flags = None, []
        try:
            a = self.assess(record)
            review_due = (a.review or {}).get("next_review_due")
            flags = self._flags_of(a)
        except FormsError as exc:  # missing reference data must not block saving what was typed; a bug still surfaces
            log.warning("assessment skipped on save: %s", type(exc).__name__)
        result = self._v().save_visit(record, review_due=review_due, flags=flags)
        return result

    @staticmethod
    def _flags_of(a) -> list[str]:
        flags = []
        if a.urgent:
            flags.append("child_protection")
        if a.filing_required:
            flags.append("filing")
        if a.verify_flags:
            flags.append("verify")
        if a.watch_list:
            flags.append("watch")
        return flags

    def get_visit(self, visit_id: str) -> dict:
        """One visit (interchange format)."""
        return self._v().get_visit(visit_id)

    def visit_history(self, household_id: str) -> list[dict]:
        """The household's visits, newest first, each with ``changes`` vs the visit before it."""
        v = self._v()
        h = v.get_household(household_id, audit_view=False)
        visits = [v.get_visit(x["id"], audit_view=False) for x in h["visits"]]
        out = []
        for i, visit in enumerate(visits):
            prev = visits[i + 1] if i + 1 < len(visits) else None
            out.append({"visit": visit, "changes": self.diff(prev, visit) if prev else []})
        return out

    def diff(self, before: dict, after: dict, language: str = "zh") -> list[AnswerChange]:
        """What changed from ``before`` to ``after``, in form order, readable (masked ID numbers)."""
        form = self.form(after.get("form_version"))
        a, b = form.calculate(before.get("answers") or {}), form.calculate(after.get("answers") or {})
        sections = {s.id: s.label(language) for s in form.sections}
        changes: list[AnswerChange] = []
        for q in form.top_level():
            old, new = a.get(q.id), b.get(q.id)
            if old == new or (_empty(old) and _empty(new)):
                continue
            sec = sections.get(q.section, "")
            if q.is_repeat:
                changes += _diff_rows(q, old or [], new or [], sec, language)
            else:
                changes.append(AnswerChange(sec, q.label(language), answer_text(q, old, language),
                                            answer_text(q, new, language)))
        return changes

    def needs(self, household_id: str) -> list[dict]:
        """The household's needs (current state) with their disposition history."""
        h = self._v().get_household(household_id, audit_view=False)
        return [n for n in (h["fields"].get("needs") or []) if isinstance(n, dict)]

    def update_need(self, household_id: str, need_id: str, *, disposition: str, department: str | None = None,
                    referred_on: str | None = None, outcome: str | None = None, note: str = "") -> dict:
        """Record a need's new disposition (office work): an amendment of the household's need row with its
        history entry. Recorded visits (a final one too) stay as they were recorded."""
        v = self._v()
        h = v.get_household(household_id, audit_view=False)
        need = next((n for n in h["fields"].get("needs") or [] if isinstance(n, dict) and n.get("need_id") == need_id), None)
        if need is None:
            raise NeedNotFound(need_id)
        row = f"needs/{need_id}"
        changes = {f"{row}/disposition": disposition}
        if disposition == "referred":
            changes[f"{row}/department"] = department
            changes[f"{row}/referred_on"] = referred_on or need.get("referred_on") or dt.date.today().isoformat()
        else:
            changes[f"{row}/department"] = None
            changes[f"{row}/referred_on"] = None
        if outcome is not None:
            changes[f"{row}/outcome"] = outcome
        entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "by": v.user,
                 "disposition": disposition}
        if disposition == "referred" and department:
            entry["department"] = department
        if note:
            entry["note"] = note
        history = need.get("history") if isinstance(need.get("history"), list) else []
        changes[f"{row}/history"] = history + [entry]
        changes = {p: val for p, val in changes.items() if need.get(p.rsplit("/", 1)[1]) != val}
        return v.amend_household(household_id, changes, reason="need_disposition")

    # ------------------------------------------------------------------ import / export
    def read_import_file(self, path: str | Path) -> tuple[dict | list, bool]:
        """Parse a file to import; returns (document, needs a passphrase)."""
        from fieldapp.vault.export import is_sealed_export

        from forms.errors import MalformedJsonError
        from forms.interchange import read_json

        try:
            doc = read_json(Path(path).read_bytes(), Path(path).name)
        except (OSError, MalformedJsonError) as exc:
            raise ImportFileUnreadable(Path(path).name) from exc
        return doc, is_sealed_export(doc)

    def import_visits(self, doc, passphrase: str | None = None, progress=None, *,
                      office_private_key: bytes | None = None, skip_invalid: bool = True) -> dict:
        """Import visits (interchange JSON, one or a list, or an encrypted export) — the app's and the CLI's one path.

        A visit not in the interchange shape (drafts too: a value of the wrong JSON type is never
        imported), and a final visit with blocking problems, is rejected with its reasons. Each
        imported household gets its review date and flags from the rules, as a visit saved by hand.
        ``progress(done, total)`` may raise to cancel between batches.

        :param office_private_key: opens an export sealed to the county office (instead of ``passphrase``).
        :param skip_invalid: False = import nothing when any visit is rejected (raises ImportRejected).
        :returns: {"imported": n, "rejected": m, "problems": ["第 i 条 …", …]}
        """
        from fieldapp.vault.export import is_sealed_export, open_sealed_visits

        if is_sealed_export(doc):
            doc = open_sealed_visits(doc, office_private_key=office_private_key, passphrase=passphrase)
        visits = doc if isinstance(doc, list) else [doc]
        good, problems = [], []
        for i, visit in enumerate(visits, 1):
            reasons = self._import_problems(visit, f"第 {i} 条")
            if reasons:
                problems.extend(reasons)
            else:
                good.append(visit)
        rejected = len(visits) - len(good)
        if rejected and not skip_invalid:
            raise ImportRejected(rejected, problems)
        v = self._v()
        done = 0
        for start in range(0, len(good), 200):
            batch = good[start:start + 200]
            done += v.save_visits(batch, batch_size=200)
            if progress:
                progress(done, len(good))
        v.audit("import", detail={"visits": done, "rejected": rejected})
        return {"imported": done, "rejected": rejected, "problems": problems}

    def _import_problems(self, visit, label: str) -> list[str]:
        """Why *visit* cannot be imported (Chinese, prefixed with *label*); [] when it can."""
        from fieldapp.vault import VaultError
        from fieldapp.vault.records import check_visit
        from forms.errors import VisitShapeError
        from forms.interchange import check_shape

        try:
            check_visit(visit)
            check_shape(visit, label)
        except VaultError as exc:
            return [f"{label}：{exc.message_zh}"]
        except VisitShapeError as exc:
            return [f"{exc.message_zh}：" + "；".join(exc.problems[:3])]
        if visit.get("status") != "final":
            return []
        return [f"{label} {p.path}：{p.message_zh}" for p in self.validate(visit) if p.severity == "error"][:5]

    def export_visits(self, path: str | Path, passphrase: str | None = None, progress=None) -> int:
        """Export every visit, encrypted: to the county office's key when the vault has it, else under ``passphrase``.

        The desktop app never writes a plaintext export (the CLI can, with a warning).
        """
        from fieldapp.vault.export import seal_visits
        from fieldapp.vault.keyfile import atomic_write

        v = self._v()
        office = v.office_public_key()
        if office is None and not passphrase:
            raise ExportNeedsSecret()
        visits = []
        for visit in v.iter_visits():
            visits.append(visit)
            if progress and len(visits) % 200 == 0:
                progress(len(visits), 0)
        data = seal_visits(visits, office_public_key=office) if office else seal_visits(visits, passphrase=passphrase)
        atomic_write(Path(path), data)
        v.audit("export", detail={"visits": len(visits), "method": "office" if office else "passphrase"})
        return len(visits)

    def export_needs_passphrase(self) -> bool:
        """True when no county office key is known, so the user must choose an export passphrase."""
        return self._v().office_public_key() is None

    def _derive(self, fields: dict) -> dict:
        """Review-due date and list flags for a household (rules from ``forms``), for the vault's deriver hook."""
        try:
            a = self.assess(self._envelope("", "", "draft", dict(fields)))
        except FormsError as exc:  # a household without a published standard still saves
            log.debug("deriver skipped: %s", type(exc).__name__)
            return {}
        return {"review_due": (a.review or {}).get("next_review_due"), "flags": self._flags_of(a)}


def _row_key(group, row: dict, index: int):
    for c in group.children:
        if c.readonly and c.id.endswith("_id") and row.get(c.id):
            return row[c.id]
    return index


def _row_name(group, row: dict, index: int, language: str) -> str:
    for name in ("name", "category", "source", "type", "kind"):
        if row.get(name):
            try:
                child = group.child(name)
                return answer_text(child, row[name], language)
            except KeyError:
                return str(row[name])
    return (f"第 {index + 1} 行" if language == "zh" else f"row {index + 1}")


def _diff_rows(group, old_rows: list, new_rows: list, section: str, language: str) -> list[AnswerChange]:
    old = {_row_key(group, r, i): (i, r) for i, r in enumerate(old_rows) if isinstance(r, dict)}
    new = {_row_key(group, r, i): (i, r) for i, r in enumerate(new_rows) if isinstance(r, dict)}
    label = group.label(language)
    added_zh, removed_zh = ("新增", "删除") if language == "zh" else ("added", "removed")
    out: list[AnswerChange] = []
    for key, (i, row) in new.items():
        name = _row_name(group, row, i, language)
        if key not in old:
            out.append(AnswerChange(section, f"{label} · {name}", "—", added_zh))
            continue
        before = old[key][1]
        for c in group.children:
            if c.type == "repeat" or (c.readonly and c.id.endswith("_id")):
                continue
            x, y = before.get(c.id), row.get(c.id)
            if x != y and not (_empty(x) and _empty(y)):
                out.append(AnswerChange(section, f"{label} · {name} · {c.label(language)}",
                                        answer_text(c, x, language), answer_text(c, y, language)))
    for key, (i, row) in old.items():
        if key not in new:
            out.append(AnswerChange(section, f"{label} · {_row_name(group, row, i, language)}", removed_zh, "—"))
    return out
