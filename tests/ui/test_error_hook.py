"""A bug raised in a Qt slot (no handler expected it) reaches the one error dialog with a reference, and the log
gets its type and code location — never its message, which could quote a name or an ID number."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from fieldapp.ui.errors import install_excepthook


@pytest.mark.qt_no_exception_capture
def test_a_bug_in_a_slot_is_shown_with_a_reference_and_logged_without_personal_data(qtbot, caplog):
    parent = QWidget()
    qtbot.addWidget(parent)
    caplog.set_level(logging.ERROR)

    def slot_with_a_bug():
        {"name": "王芳"}["11010519491231002X"]   # a KeyError quoting an ID number

    before = sys.excepthook
    try:
        install_excepthook(parent)
        QTimer.singleShot(0, slot_with_a_bug)
        qtbot.waitUntil(lambda: parent.findChild(QMessageBox, "errorBox") is not None, timeout=5000)
    finally:
        sys.excepthook = before
    box = parent.findChild(QMessageBox, "errorBox")
    assert "意外错误" in box.text() and "参考编号" in box.text()
    assert "KeyError" in caplog.text and "slot_with_a_bug" in caplog.text
    assert "11010519491231002X" not in caplog.text and "王芳" not in caplog.text + box.text()


def test_ctrl_c_keeps_pythons_own_hook(qtbot):
    seen = []
    before = sys.excepthook
    try:
        sys.excepthook = lambda *a: seen.append(a[0])
        hook = install_excepthook(QWidget())
        hook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        sys.excepthook = before
    assert seen == [KeyboardInterrupt]
