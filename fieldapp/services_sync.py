"""Moved to :mod:`fieldapp.core.sync`; these names stay importable from here."""

from fieldapp.core.sync import (  # noqa: F401
    ConflictField, ConflictItem, EnrollmentCodeRejected, NotEnrolled, Sync, SyncProgress,
)
