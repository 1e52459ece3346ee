"""The errors the app expects, by name, and the one way an unexpected one is logged.

Every failure a user can meet is a coded error carrying ``message_zh`` (often ``hint_zh``): the app's own
(:class:`AppError`), the vault's (``fieldapp.vault.errors.VaultError``), sync's (``sync.errors.SyncError``) and the
form engine's (``forms.errors.FormsError``); printing adds ``printouts.errors.PrintoutError`` where it prints.
Handlers catch these by name (:data:`CODED_ERRORS`); anything else is a bug and goes on to the caller, the
task runner and the UI's error dialog, which log it with :func:`log_unexpected` — its type and code location
only, never its message (which could hold a name or an ID number).
"""

from __future__ import annotations

import logging
import traceback


class AppError(Exception):
    """Base of the app's own coded errors (not enrolled, code rejected, nothing to print …): each has ``message_zh``."""


def log_unexpected(log: logging.Logger, what: str, exc: BaseException, ref: str = "") -> None:
    """Log an unexpected error without personal data: *what* was being done, the type and the code frames."""
    frames = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in traceback.extract_tb(exc.__traceback__))
    log.error("unexpected error%s in %s: type=%s at=%s", f" ref={ref}" if ref else "", what, type(exc).__name__, frames)


def __getattr__(name: str):
    # CODED_ERRORS is built on first use: the vault's errors live in its package, whose import (SQLCipher, the
    # schema) the wizard and the CLI's help must not pay for just by importing AppError.
    if name == "CODED_ERRORS":
        from fieldapp.vault.errors import VaultError
        from forms.errors import FormsError
        from sync.errors import SyncError

        value = (AppError, VaultError, SyncError, FormsError)
        globals()[name] = value
        return value
    raise AttributeError(name)
