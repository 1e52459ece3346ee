"""The rules' derived values of a household's list row — review date (R7) and flags — computed once per save.

The vault never calls back into the rules: each save hands it these values as data
(:class:`fieldapp.vault.Derived`). A write that cannot carry them (a pull, an amendment) leaves
the household in the vault's ``derive_pending`` list, and :meth:`Deriver.complete_pending` derives
them right after that write.
"""

from __future__ import annotations

import logging

from fieldapp.core.catalog import Catalog
from fieldapp.vault import Derived
from forms.errors import FormsError
from forms.interchange import new_envelope

log = logging.getLogger("fieldapp.core")


def flags_of(assessment) -> list[str]:
    """The list flags an assessment raises."""
    flags = []
    if assessment.urgent:
        flags.append("child_protection")
    if assessment.filing_required:
        flags.append("filing")
    if assessment.verify_flags:
        flags.append("verify")
    if assessment.watch_list:
        flags.append("watch")
    return flags


class Deriver:
    """Derived values from the rules in ``forms`` with the reference data of the catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def assess(self, visit: dict):
        """The rules' suggestions (forms.Assessment); raises a forms error when reference data is missing."""
        from forms.assessment import assess

        return assess(visit, self.catalog.reference(), form=self.catalog.form(visit.get("form_version")))

    def for_visit(self, visit: dict) -> Derived:
        """The values a saved *visit* gives its household (none when the reference data cannot assess it)."""
        try:
            a = self.assess(visit)
        except FormsError as exc:  # missing reference data must not block saving what was typed; a bug still surfaces
            log.warning("assessment skipped on save: %s", type(exc).__name__)
            return Derived()
        return Derived((a.review or {}).get("next_review_due"), tuple(flags_of(a)))

    def for_household(self, fields: dict, visit_date: str | None = None) -> Derived:
        """The values of a household's current state (after a pull or an amendment), as of its last visit."""
        form = self.catalog.form()
        answers = dict(fields, visit_date=visit_date) if visit_date else dict(fields)   # R7 counts from the visit
        envelope = new_envelope("", "", "draft", answers, form_id=form.form_id, form_version=form.version)
        try:
            a = self.assess(envelope)
        except FormsError as exc:  # a household without a published standard still lists
            log.debug("derivation skipped: %s", type(exc).__name__)
            return Derived()
        return Derived((a.review or {}).get("next_review_due"), tuple(flags_of(a)))

    def complete_pending(self, vault, batch: int = 500) -> int:
        """Derive and store the values of every household the vault lists as waiting; returns how many.

        A vault locked meanwhile (a revoked device) is left as it is: its list waits for the next unlock.
        """
        done = 0
        if not vault.is_unlocked:
            return done
        while True:
            pending = vault.pending_derivations(batch)
            if not pending:
                return done
            done += vault.store_derived({hid: self.for_household(fields, last) for hid, fields, last in pending})
