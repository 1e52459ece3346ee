"""Driving the real app in tests: unlock through the unlock screen, open a household."""

from PySide6.QtCore import Qt

PASSPHRASE = "correct horse 42"


def unlock(window, qtbot, passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase, press Enter, wait for the household list to be filled."""
    qtbot.waitUntil(lambda: window.unlock_page.user.count() > 0, timeout=10000)  # filled after the first paint
    window.unlock_page.passphrase.setText(passphrase)
    with qtbot.waitSignal(window.households_loaded, timeout=30000):
        qtbot.keyClick(window.unlock_page.passphrase, Qt.Key_Return)


def open_household(window, household_id: str):
    """Open a household's tab and return it."""
    window.open_household(household_id)
    return window.tabs.currentWidget()


def start_new_visit(tab, qtbot) -> None:
    """Press 新走访 and wait for its editor (a link to an open return is written on the writer first)."""
    before = tab.editor
    assert tab.start_new() is not None
    qtbot.waitUntil(lambda: tab.editor is not before, timeout=20000)


def amend_visit(tab, qtbot) -> None:
    """Press 修改这次走访 and wait for the amendment's editor (its link is written on the writer first)."""
    before = tab.editor
    assert tab.amend() is not None
    qtbot.waitUntil(lambda: tab.editor is not before, timeout=20000)


def type_text(qtbot, widget, text: str) -> None:
    """Type into a line edit like a user: ASCII via key clicks, Chinese via an input-method commit."""
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def choose(combo, code) -> None:
    """Pick the option with ``code`` in a combo box."""
    i = combo.findData(code)
    assert i >= 0, code
    combo.setCurrentIndex(i)
