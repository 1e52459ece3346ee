"""What the county published to this laptop, cached per unlock: form versions, reference data, templates, names.

The demo files apply only in demo mode (``fieldapp demo`` or a vault made with demo data); before
anything was published the reference is ``Reference.none()`` (``fieldapp.published``, one place for
the app, the CLI and the printouts).
"""

from __future__ import annotations

import logging

from fieldapp.core.session import Session
from forms.errors import FormsError

log = logging.getLogger("fieldapp.core")

FORM_ID = "four_clarifications"
DEMO_STATE = "demo_data"  # sync-state flag of a vault made with demo data (``fieldapp demo``)
_OPTION_LISTS = {"category": "categories", "disposition": "dispositions", "department": "departments",
                 "need_category": "need_categories"}


class Catalog:
    """The published documents of the unlocked vault; :meth:`changed` after a pull or a USB receipt brought new ones."""

    def __init__(self, session: Session):
        self.session = session
        self._form = None
        self._reference = None
        self._reference_problem = None
        self._form_problems: list = []
        self._templates = None
        self._forms_dir = None
        self._seen_cursor = None
        self._label_memo: dict = {}
        self.village_names: dict[str, str] = {}

    # ------------------------------------------------------------------ freshness
    def changed(self) -> None:
        """Forget the cached reference, templates, forms and names."""
        s = self.session
        if s.is_unlocked():
            self._seen_cursor = s.vault.get_sync_state("cursor")
        self._reference = self._templates = self._forms_dir = self._form = self._reference_problem = None
        self._label_memo = {}
        self.village_names = self._load_village_names() if s.is_unlocked() else {}

    def forget(self) -> None:
        """The vault was locked: nothing published stays in memory."""
        self._reference = self._templates = self._forms_dir = self._form = self._reference_problem = None

    def check(self) -> None:
        """Documents arrive with pulls (the app's sync, the CLI, a USB receipt): a moved cursor means look again."""
        s = self.session
        if s.is_unlocked() and s.vault.get_sync_state("cursor") != self._seen_cursor:
            self.changed()

    def is_demo(self) -> bool:
        """True in demo mode: only then the demo files apply."""
        s = self.session
        if s.demo_server is not None:
            return True
        return s.is_unlocked() and s.vault.get_sync_state(DEMO_STATE) == "1"

    # ------------------------------------------------------------------ names
    def _load_village_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        if self.is_demo():
            from fieldapp import demo  # demo villages (fake county 99) have names only in demo mode

            names.update({code: name for code, name, *_ in getattr(demo, "VILLAGES", ())})
        try:
            from fieldapp import published

            names.update(published.area_names(self.session.v()))
            names.update({v.code: v.name for v in self.reference().villages()})
        except FormsError as exc:  # names are a convenience; codes still show
            log.warning("village names unavailable: %s", type(exc).__name__)
        return names

    def area_name(self, code: str) -> str:
        """The name of a village, township or county code ("" when unknown)."""
        return self.village_names.get(code, "")

    # ------------------------------------------------------------------ form
    def form(self, version: int | None = None):
        """The form definition (latest version unless given)."""
        if version is None and self._form is not None:
            return self._form
        from forms import load_form

        form = load_form(FORM_ID, version, definitions_dir=self.published_forms())
        if version is None:
            self._form = form
        return form

    def option_label(self, kind: str, code: str, language: str = "zh") -> str | None:
        """The form's label of an option code (e.g. kind "category"); None if the form has no such list."""
        name = _OPTION_LISTS.get(kind)
        if name is None:
            return None
        key = (kind, code, language)
        if key not in self._label_memo:
            options = self.form().option_lists.get(name, ())
            self._label_memo[key] = next((o.label(language) for o in options if o.code == code), None)
        return self._label_memo[key]

    def published_forms(self):
        """The folder of shipped + county-published form versions (None: only the shipped ones)."""
        if self._forms_dir is None:
            self._forms_dir = False
            s = self.session
            if s.is_unlocked():
                from fieldapp import published

                self._form_problems = []
                self._forms_dir = published.forms_folder(s.vault, s.data_dir, FORM_ID, self._form_problems) or False
        return self._forms_dir or None

    # ------------------------------------------------------------------ reference data and templates
    def reference(self):
        """The reference data: what the county published (the demo set only in demo mode; none before the first sync)."""
        self.check()
        if self._reference is None:
            from fieldapp import published
            from forms.reference import Reference, load_reference

            if self.session.is_unlocked():
                problems: list = []
                self._reference = published.reference(self.session.vault, demo=self.is_demo(), problems=problems)
                self._reference_problem = problems[0] if problems else None
            else:
                return load_reference() if self.session.demo_server is not None else Reference.none()
        return self._reference

    def reference_problem(self):
        """The published reference document this version could not read (``PublishedDocumentInvalid``), or None.

        The laptop then works with the next usable document (or none); the panel says why."""
        self.reference()
        return self._reference_problem

    def document_problems(self) -> list:
        """Every published document this version could not read (reference data, form versions), each a
        ``PublishedDocumentInvalid`` with ``message_zh``/``hint_zh``: the laptop goes on without them."""
        self.published_forms()
        problem = self.reference_problem()
        return ([problem] if problem is not None else []) + list(self._form_problems)

    def use_reference(self, reference) -> None:
        """Use *reference* until the next change (tests give a county's data without publishing it)."""
        self._reference = reference

    @property
    def cached_reference(self):
        """The reference in use now (None before it was loaded)."""
        return self._reference

    def reference_or_none(self):
        """The reference, or None when it cannot be loaded (coverage needs no dibao standards)."""
        from fieldapp.errors import CODED_ERRORS

        try:
            return self.reference()
        except CODED_ERRORS as exc:  # locked, a published document that no longer loads: coverage is still shown
            log.info("reference unavailable: %s", type(exc).__name__)
            return None

    def campaign_start(self) -> str:
        """ISO start date of the current campaign from the reference data ("" when none is set)."""
        campaign = self.reference().campaign
        return campaign.start.isoformat() if campaign is not None else ""

    def templates(self):
        """The county's letter templates (the demo set only in demo mode).

        :raises fieldapp.published.TemplatesMissing: nothing was published to this laptop yet
        """
        self.check()
        if self._templates is None:
            from fieldapp import published

            self._templates = published.templates(self.session.v(), demo=self.is_demo())
        return self._templates

    def status(self) -> dict:
        """Name and version of the reference data, templates, form and areas this laptop uses."""
        from fieldapp import published

        return published.status(self.session.v(), demo=self.is_demo())
