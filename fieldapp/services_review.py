"""Moved to :mod:`fieldapp.core.review`; these names stay importable from here."""

from fieldapp.core.review import (  # noqa: F401
    APPROVED, LETTER_KINDS, RETURNED, SUBMITTED, LetterNeedsApproval, ReturnedVisit, Review, ReviewServices,
)
