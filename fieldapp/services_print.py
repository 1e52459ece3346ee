"""Moved to :mod:`fieldapp.core.printing`; these names stay importable from here."""

from fieldapp.core.printing import BATCH_KINDS, BatchResult, NothingToPrint, Printing, SerialsUnavailable  # noqa: F401
