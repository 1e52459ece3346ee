"""Settings dialog values, adding a second user who can then unlock, status bar while locked."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from fieldapp.ui.settings_dialog import SettingsDialog
from fieldapp.ui.users import AddUserDialog
from tests.ui.helpers import unlock, start_new_visit


def test_settings_dialog_shows_data_folder_and_returns_choices(qtbot, tmp_path):
    dlg = SettingsDialog({"language": "zh", "auto_lock_minutes": 10}, str(tmp_path), None)
    qtbot.addWidget(dlg)
    assert dlg.folder.text() == str(tmp_path) and dlg.language.currentData() == "zh"
    dlg.language.setCurrentIndex(dlg.language.findData("en"))
    dlg.minutes.setValue(5)
    assert dlg.values() == {"language": "en", "auto_lock_minutes": 5}


def test_added_user_can_unlock_and_status_hides_while_locked(services_factory, window_factory, qtbot, monkeypatch):
    svc = services_factory()
    w = window_factory(svc)
    assert not w.status.pending.isVisible()  # nothing about the data while locked
    unlock(w, qtbot)
    assert w.status.pending.isVisible()

    def fill(dlg):
        dlg.name.setText("李四")
        dlg.pass1.setText("another pass 9")
        dlg.pass2.setText("another pass 9")
        dlg._check()
        return QDialog.Accepted

    monkeypatch.setattr(AddUserDialog, "exec", fill)
    with qtbot.waitSignal(w.changed, timeout=20000) as changed:
        w.add_user()                       # Argon2id off the UI thread
    assert changed.args[0].users
    assert svc.users() == ["张三", "李四"] and "李四" in w.user_added_box.text()
    w.lock()
    qtbot.waitUntil(lambda: w.unlock_page.user.count() == 2, timeout=5000)
    w.unlock_page.user.setCurrentText("李四")
    unlock(w, qtbot, "another pass 9")
    assert svc.user == "李四" and "李四" in w.status.user.text()


def test_lock_and_unlock_reopens_the_household_with_its_draft(services_factory, window_factory, qtbot):
    from tests.ui.helpers import open_household

    svc = services_factory(demo=True, households=5)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = w.list_page.proxy.household_id(0)
    tab = open_household(w, hid)
    if tab.editor.read_only:
        start_new_visit(tab, qtbot)
    tab.editor.set_answer("remarks", "锁屏前正在填写")
    qtbot.keyClick(w.list_page.table, Qt.Key_L, Qt.ControlModifier)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.unlock_page, timeout=5000)
    assert not w.editors()
    unlock(w, qtbot)
    qtbot.waitUntil(lambda: len(w.editors()) == 1, timeout=5000)
    again = w.editors()[0]
    assert again.household_id == hid and again.editor.fields["remarks"].value() == "锁屏前正在填写"
