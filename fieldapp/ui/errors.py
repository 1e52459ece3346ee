"""Showing failures to the user: plain Chinese with what to do; unexpected ones get a reference id.

Errors from below carry ``message_zh`` (and sometimes ``hint_zh``); those are shown as they are.
Anything else is logged with only its type and code location (never its message, which could
hold a name or an ID number) and shown with a short reference the user can read out.
"""

from __future__ import annotations

import logging
import secrets
import sys

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.errors import log_unexpected

log = logging.getLogger("fieldapp.ui")


def user_message(exc: BaseException) -> tuple[str, str | None]:
    """The message a user should see for ``exc`` and, if unexpected, its reference id."""
    message = getattr(exc, "message_zh", None)
    if message and QLocale().language() == QLocale.English and getattr(exc, "message_en", None):
        message = exc.message_en  # errors that carry English (sync's catalogue) use it in the English UI
        hint = getattr(exc, "hint_en", None)
        return (f"{message}\n\n{hint}" if hint else str(message)), None
    if message:
        hint = getattr(exc, "hint_zh", None)
        return (f"{message}\n\n{hint}" if hint else str(message)), None
    ref = secrets.token_hex(3).upper()
    log_unexpected(log, "the app", exc, ref)
    text = QCoreApplication.translate(
        "ErrorMessages", "出现了意外错误（参考编号 %1）。\n\n请再试一次；如果仍然出错，请把这个参考编号告诉乡镇经办人员。"
    ).replace("%1", ref)
    return text, ref


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> str | None:
    """Show ``exc`` in a dialog in plain language; returns the reference id for unexpected errors."""
    text, ref = user_message(exc)
    box = QMessageBox(QMessageBox.Warning, title or QCoreApplication.translate("ErrorMessages", "出错了"), text, QMessageBox.Ok, parent)
    box.setObjectName("errorBox")
    box.open()
    return ref


def install_excepthook(window: QWidget):
    """Send an error no handler expected (a bug raised in a Qt slot or timer) to the one error dialog over *window*.

    It is logged by :func:`user_message` without its message; Ctrl+C and exit keep Python's own hook.
    Returns the hook (tests call it directly).
    """
    previous = sys.excepthook

    def hook(kind, exc, tb):
        if not isinstance(exc, Exception):
            previous(kind, exc, tb)
            return
        show_error(window, exc.with_traceback(tb))

    sys.excepthook = hook
    return hook
