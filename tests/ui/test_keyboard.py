"""Keyboard-first editing: Enter moves to the next field, Ctrl+PgDown changes section, Ctrl+S saves."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.helpers import open_household, unlock, start_new_visit


def test_enter_ctrl_pgdown_ctrl_s(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=6)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = w.list_page.proxy.household_id(0)
    tab = open_household(w, hid)
    if tab.editor.read_only:
        start_new_visit(tab, qtbot)
    ed = tab.editor
    date_edit = ed.fields["visit_date"].input
    date_edit.setFocus()
    qtbot.waitUntil(date_edit.hasFocus, timeout=2000)
    qtbot.keyClick(date_edit, Qt.Key_Return)
    assert QApplication.focusWidget() is ed.fields["visit_time"].input

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_PageDown, Qt.ControlModifier)
    assert ed.sections.currentIndex() == 1
    qtbot.keyClick(QApplication.focusWidget() or ed, Qt.Key_PageUp, Qt.ControlModifier)
    assert ed.sections.currentIndex() == 0

    ed.set_answer("phone", "13912345678")
    with qtbot.waitSignal(ed.saved, timeout=10000):
        qtbot.keyClick(ed.fields["visit_time"].input, Qt.Key_S, Qt.ControlModifier)
    saved = svc.vault.get_visit(ed.visit["visit_id"], audit_view=False)
    assert saved["status"] == "draft" and saved["answers"]["phone"] == "13912345678"
