"""Settings dialog values, adding a second user who can then unlock, status bar while locked."""

from PySide6.QtWidgets import QDialog

from fieldapp.ui.settings_dialog import SettingsDialog
from fieldapp.ui.users import AddUserDialog
from tests.ui.helpers import unlock


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
    monkeypatch.setattr("fieldapp.ui.main_window.QMessageBox.information", lambda *a, **k: None)
    w.add_user()
    assert svc.users() == ["张三", "李四"]
    w.lock()
    qtbot.waitUntil(lambda: w.unlock_page.user.count() == 2, timeout=5000)
    w.unlock_page.user.setCurrentText("李四")
    unlock(w, qtbot, "another pass 9")
    assert svc.user == "李四" and "李四" in w.status.user.text()
