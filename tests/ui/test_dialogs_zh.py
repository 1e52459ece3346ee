"""Qt's own dialogs speak Chinese; a saved PDF goes to the documents folder under a name saying what it is."""

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QLabel

from forms.expressions import local_today
from fieldapp.ui.print_preview import documents_folder, suggested_file_name
from tests.ui.helpers import open_household, unlock


def test_qt_s_own_dialogs_are_in_chinese(services_factory, window_factory, qtbot):
    window_factory(services_factory())  # the fixture switches the app to Chinese
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    dlg = QFileDialog(None, "导出")
    dlg.setOption(QFileDialog.DontUseNativeDialog)
    qtbot.addWidget(dlg)
    texts = {lab.text() for lab in dlg.findChildren(QLabel)}
    assert "查找范围(&L)：" in texts and "文件类型(&T)：" in texts and "文件名称(&N)：" in texts
    assert not [t for t in texts if t.isascii() and any(c.isalpha() for c in t)]  # no English label left


def test_suggested_file_names_say_whose_what_and_when():
    assert suggested_file_name("刘建国", "入户调查记录", day="2026-12-01") == "刘建国_入户调查记录_2026-12-01.pdf"
    assert suggested_file_name("a/b: c", "告知书*", day="2026-12-01") == "abc_告知书_2026-12-01.pdf"


def test_saving_a_preview_opens_in_documents_with_a_telling_name_and_says_where(
        services_factory, window_factory, qtbot, tmp_path, monkeypatch):
    svc = services_factory(demo=True, households=4)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    tab = open_household(w, hid)
    tab.print_actions["visit_record"].trigger()
    qtbot.waitUntil(lambda: getattr(tab, "preview_dialog", None) is not None, timeout=60000)
    dlg = tab.preview_dialog
    asked = {}
    target = tmp_path / "chosen.pdf"

    def fake_dialog(parent, caption, start, filters):  # what the OS dialog is opened with, and the user's choice
        asked.update(caption=caption, start=start)
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    with qtbot.waitSignal(dlg.saved, timeout=20000):
        dlg.save_pdf()                      # the 文号 are committed on the writer, then the file is written
    assert target.read_bytes()[:5] == b"%PDF-"
    start = Path(asked["start"])
    assert start.parent == documents_folder() and start.parent != Path.cwd()
    assert start.name == f"{tab.title()}_{tab.print_actions['visit_record'].text()}_{local_today().isoformat()}.pdf"
    assert "visit_result" not in start.name and "visit_record" not in start.name
    assert dlg.saved_label.isVisible() and str(target) in dlg.saved_label.text() and "已保存" in dlg.saved_label.text()
    dlg.reject()
