"""The application core the desktop UI and the ``fieldapp`` commands call: one :class:`Services` per laptop. No Qt here.

:class:`Services` composes the parts in :mod:`fieldapp.core` over one session (the vault, locked
or unlocked) and hands each part what it needs. New code calls the parts (``services.visits``,
``services.households``, ``services.exchange``, ``services.sync_part``, ``services.printing``,
``services.reviews``); the flat methods below are thin delegations kept for the window and the
tests that call them. Errors from below pass through unchanged (they carry ``message_zh``).
"""

from __future__ import annotations

import functools
from pathlib import Path

from fieldapp.core.catalog import DEMO_STATE, FORM_ID, Catalog  # noqa: F401 - part of the facade
from fieldapp.core.derive import Deriver
from fieldapp.core.exchange import Exchange, ExportNeedsSecret, ExportResult, ImportFileUnreadable, ImportRejected  # noqa: F401
from fieldapp.core.households import (  # noqa: F401
    FLAG_ORDER, Coverage, HouseholdRow, Households, NeedNotFound, VillageCoverage,
)
from fieldapp.core.lifecycle import DEFAULT_SETTINGS, SETTINGS_NAME, Lifecycle  # noqa: F401
from fieldapp.core.printing import NothingToPrint, Printing  # noqa: F401
from fieldapp.core.review import Review
from fieldapp.core.session import NotUnlocked, Session, default_data_dir  # noqa: F401
from fieldapp.core.sync import NotEnrolled, Sync  # noqa: F401 - NotEnrolled is part of the facade
from fieldapp.core.visits import AnswerChange, Visits, VisitNotReady  # noqa: F401
from forms.display import answer_text  # noqa: F401 - part of the facade


def _to(part: str, func):
    """A method of :class:`Services` that calls *func* on the part named *part* (same signature and docstring)."""
    name = func.__name__

    @functools.wraps(func)
    def call(self, *args, **kwargs):
        return getattr(getattr(self, part), name)(*args, **kwargs)
    return call


def _attr(part: str, name: str, doc: str):
    """An attribute of :class:`Services` that is the part's attribute (read and write)."""
    return property(lambda self: getattr(getattr(self, part), name),
                    lambda self, value: setattr(getattr(self, part), name, value), doc=doc)


class Services:
    """One laptop's application core: the parts, built once and wired explicitly."""

    PRINT_KINDS = Printing.PRINT_KINDS

    def __init__(self, data_dir: str | Path | None = None, *, kdf=None):
        self.session = Session(data_dir, kdf=kdf)
        self.catalog = Catalog(self.session)
        self.deriver = Deriver(self.catalog)
        self.lifecycle = Lifecycle(self.session, self.catalog, self.deriver)
        self.visits = Visits(self.session, self.catalog, self.deriver)
        self.households = Households(self.session, self.catalog, self.visits, self.deriver)
        self.exchange = Exchange(self.session, self.visits, self.deriver)
        self.sync_part = Sync(self.session, self.catalog, self.households, self.deriver)
        self.reviews = Review(self.session, self.catalog, self.visits, self.households)
        self.printing = Printing(self.session, self.catalog, self.visits, self.reviews)

    data_dir = _attr("session", "data_dir", "The folder holding the vault.")
    kdf = _attr("session", "kdf", "The KDF for new passphrases (None: the vault's default).")
    vault = _attr("session", "vault", "The vault (None while locked).")
    demo_server = _attr("session", "demo_server", "Demo mode: the embedded local server.")
    demo_households = _attr("lifecycle", "demo_households", "How many demo households a demo vault gets.")
    _reference = property(lambda self: self.catalog.cached_reference,
                          lambda self, ref: self.catalog.use_reference(ref))

    def _v(self):
        return self.session.v()

    @property
    def user(self) -> str:
        """The signed-in user."""
        return self.session.v().user

    def is_unlocked(self) -> bool:
        """True while a user has unlocked the vault."""
        return self.session.is_unlocked()

    # ------------------------------------------------------------------ settings, vault, users
    load_settings = _to("lifecycle", Lifecycle.load_settings)
    save_settings = _to("lifecycle", Lifecycle.save_settings)
    has_vault = _to("lifecycle", Lifecycle.has_vault)
    users = _to("lifecycle", Lifecycle.users)
    create_vault = _to("lifecycle", Lifecycle.create_vault)
    unlock = _to("lifecycle", Lifecycle.unlock)
    lock = _to("lifecycle", Lifecycle.lock)
    add_user = _to("lifecycle", Lifecycle.add_user)

    # ------------------------------------------------------------------ what the county published
    form = _to("catalog", Catalog.form)
    option_label = _to("catalog", Catalog.option_label)
    reference = _to("catalog", Catalog.reference)
    reference_problem = _to("catalog", Catalog.reference_problem)
    document_problems = _to("catalog", Catalog.document_problems)
    templates = _to("catalog", Catalog.templates)
    is_demo = _to("catalog", Catalog.is_demo)
    area_name = _to("catalog", Catalog.area_name)
    published_changed = _to("catalog", Catalog.changed)
    published_status = _to("catalog", Catalog.status)

    # ------------------------------------------------------------------ households
    household_rows = _to("households", Households.rows)
    household_row = _to("households", Households.row)
    villages = _to("households", Households.villages)
    search = _to("households", Households.search)
    coverage = _to("households", Households.coverage)
    target_coverage = _to("households", Households.target_coverage)
    mark_unreachable = _to("households", Households.mark_unreachable)
    needs = _to("households", Households.needs)
    update_need = _to("households", Households.update_need)
    laptop_villages = _to("households", Households.laptop_villages)
    create_household = _to("households", Households.create_household)
    duplicate_flags = _to("households", Households.duplicate_flags)

    # ------------------------------------------------------------------ visits
    open_household = _to("visits", Visits.open_household)
    new_visit = _to("visits", Visits.new_visit)
    amend_visit = _to("visits", Visits.amend_visit)
    save_draft = _to("visits", Visits.save_draft)
    discard_draft = _to("visits", Visits.discard_draft)
    validate = _to("visits", Visits.validate)
    assess = _to("visits", Visits.assess)
    save_visit = _to("visits", Visits.save_visit)
    get_visit = _to("visits", Visits.get_visit)
    visit_history = _to("visits", Visits.visit_history)
    diff = _to("visits", Visits.diff)
    _envelope = _to("visits", Visits.envelope)

    # ------------------------------------------------------------------ import / export
    read_import_file = _to("exchange", Exchange.read_import_file)
    import_visits = _to("exchange", Exchange.import_visits)
    export_needs_passphrase = _to("exchange", Exchange.export_needs_passphrase)

    def export_visits(self, path: str | Path, passphrase: str | None = None, progress=None) -> int:
        """Export every visit, encrypted: to the county office's key when the vault has it, else under ``passphrase``.

        The desktop app never writes a plaintext export (the CLI can, with a warning).
        """
        office = self.session.v().office_public_key()
        return self.exchange.export(path, office_public_key=office, passphrase=None if office else passphrase,
                                    progress=progress).count

    # ------------------------------------------------------------------ sync
    sync = _to("sync_part", Sync.sync)
    enroll = _to("sync_part", Sync.enroll)
    keep_pending_enrollment = _to("sync_part", Sync.keep_pending_enrollment)
    enrollment_status = _to("sync_part", Sync.enrollment_status)
    download_update = _to("sync_part", Sync.download_update)
    is_online = _to("sync_part", Sync.is_online)
    sync_status = _to("sync_part", Sync.sync_status)
    sync_role = _to("sync_part", Sync.sync_role)
    can_resolve_conflicts = _to("sync_part", Sync.can_resolve_conflicts)
    conflicts = _to("sync_part", Sync.conflicts)
    resolve_conflict = _to("sync_part", Sync.resolve_conflict)

    # ------------------------------------------------------------------ printing
    print_household = _to("printing", Printing.print_household)
    print_batch = _to("printing", Printing.print_batch)
    export_ledger = _to("printing", Printing.export_ledger)
    commit_print_serials = _to("printing", Printing.commit_print_serials)
    audit_output = _to("printing", Printing.audit_output)
    _print_key = _to("printing", Printing.print_key)
