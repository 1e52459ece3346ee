"""What every document builder returns, and the context they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from reportlab.platypus import Flowable

from printouts.fonts import register_cjk_font
from printouts.labels import Labels, labels_for
from printouts.layout import Styles
from printouts.serials import HeldSerials, MemoryCounter, SerialCounter, SerialSession, next_serial
from printouts.signing import content_digest, sign_code
from printouts.templates import LetterTemplates, Office, load_templates
from forms.places import county_of
from forms.expressions import local_today


def _demo_reference():
    from forms import load_reference

    return load_reference()


@dataclass
class PrintContext:
    """Everything a document needs besides the visit: wording, labels, key, serial counter, font."""

    signing_key: Ed25519PrivateKey
    templates: LetterTemplates = field(default_factory=load_templates)
    reference: Any = field(default_factory=_demo_reference)
    counter: SerialCounter = field(default_factory=MemoryCounter)
    issue_date: str = field(default_factory=lambda: local_today().isoformat())
    font_path: str | None = None
    # True for the in-app preview: the job's numbers are held in ``RenderResult.held_serials``
    # and committed only when the preview is printed or saved (a closed preview uses none).
    hold_serials: bool = False
    # The folder of shipped + county-published form versions (None: the shipped ones only): a visit
    # recorded with a version the county published later is printed with that version's labels.
    forms_dir: Any = None
    _styles: Styles | None = field(default=None, init=False, repr=False)
    _session: SerialSession | None = field(default=None, init=False, repr=False)

    @property
    def styles(self) -> Styles:
        """Paragraph styles in the CJK font (the font is found and registered on first use)."""
        if self._styles is None:
            self._styles = Styles(register_cjk_font(self.font_path))
        return self._styles

    def office(self, township_code: str) -> Office:
        """The issuing office: its name from the reference data, short name/address/phone from the templates."""
        details = self.templates.office_details(township_code)
        township = self.reference.township(township_code)
        name = township.office if township and township.office else "乡镇人民政府（街道办事处）"
        return Office(township_code, name, details.short, details.address, details.phone)

    def village_label(self, village_code: str) -> str:
        """The village as printed: its name from the reference data with the code (柏树村（510123001201）), else the code."""
        village = self.reference.village(village_code) if village_code else None
        return f"{village.name}（{village_code}）" if village is not None and village.name else village_code

    def county_office(self, village_code: str) -> str:
        """The county civil-affairs office named in the reference data for *village_code*."""
        county = self.reference.county(county_of(village_code))
        return county.office if county and county.office else "县级民政部门"

    @property
    def hotline(self) -> str:
        """The assistance hotline from the reference data (12349)."""
        return self.reference.hotline

    def labels(self, visit) -> Labels:
        """Question/option labels of the form version *visit* was recorded with."""
        return labels_for(visit.form_id, visit.form_version, self.forms_dir)

    def form(self, form_id: str, version: int):
        """The form definition a visit was recorded with (shipped or published)."""
        from forms.loader import load_form

        return load_form(form_id, version, definitions_dir=self.forms_dir)

    @property
    def year(self) -> int:
        """The year of the issue date (文号 counters restart every year)."""
        return int(self.issue_date[:4])

    def serial(self, kind: str, township_code: str) -> str:
        """Take the next 文号 of *kind* for *township_code* this year (committed by :meth:`commit_serials`)."""
        if self._session is None:
            self._session = SerialSession(self.counter)
        return next_serial(self.templates, self._session, kind, township_code, self.year)

    def commit_serials(self) -> None:
        """The job's PDF is written: record the numbers it used."""
        if self._session is not None:
            self._session.commit()
        self._session = None

    def hold_taken_serials(self) -> HeldSerials:
        """The job's PDF is made for a preview: hand back its numbers, uncommitted."""
        held = self._session.hold() if self._session is not None else HeldSerials({})
        self._session = None
        return held

    def discard_serials(self) -> None:
        """The job failed or was cancelled: forget the numbers it took (no gap)."""
        self._session = None


@dataclass(frozen=True)
class PrintedDocument:
    """What was printed, for the app's audit log: type, serial, household, visit, digest and code."""

    doc_type: str
    serial: str
    household_id: str
    visit_id: str
    issued_on: str
    digest: str
    code: str
    pages: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the audit log (no names, no ID numbers)."""
        return {"doc_type": self.doc_type, "serial": self.serial, "household_id": self.household_id,
                "visit_id": self.visit_id, "issued_on": self.issued_on, "digest": self.digest, "pages": self.pages}


@dataclass
class Document:
    """A document ready to render: its flowables and its record (with the signed code)."""

    record: PrintedDocument
    story: list[Flowable]
    title: str
    content: Mapping[str, Any] = field(default_factory=dict, repr=False)


def make_document(ctx: PrintContext, doc_type: str, serial: str, household_id: str, visit_id: str,
                  content: Mapping[str, Any], story: list[Flowable], title: str) -> Document:
    """Sign the content digest and wrap the story as one Document (its QR code is drawn at render time)."""
    full = {"doc_type": doc_type, "serial": serial, "household_id": household_id,
            "visit_id": visit_id, "issued_on": ctx.issue_date, **content}
    digest = content_digest(full)
    code = sign_code(ctx.signing_key, doc_type, serial, ctx.issue_date, digest)
    record = PrintedDocument(doc_type, serial, household_id, visit_id, ctx.issue_date, digest, code)
    return Document(record=record, story=story, title=title, content=full)
