"""文件 → 导入… / 导出（加密）… of the main window: asking for the file and passphrase, then the work off the UI thread.

The import is a write: it runs on the window's writer (``window.mutations``) and reports through
``window.changed``; the export only reads, on the window's task runner. Texts keep the ``MainWindow``
translation context they had as the window's methods.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox

from fieldapp.ui.changes import Changes
from fieldapp.ui.errors import show_error
from forms.expressions import local_today


def import_file(window, path: str | None = None, passphrase: str | None = None) -> None:
    """Import visits from a JSON file (plain interchange or encrypted export), off the UI thread."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit

    if path is None:
        from fieldapp.ui.print_preview import documents_folder

        path, _ = QFileDialog.getOpenFileName(window, QCoreApplication.translate("MainWindow", "导入走访记录"),
                                              str(documents_folder()), "JSON (*.json)")
        if not path:
            return
    from fieldapp.errors import CODED_ERRORS

    try:
        doc, sealed = window.services.read_import_file(path)
    except CODED_ERRORS as exc:  # unreadable file, not a visit file, vault locked …
        show_error(window, exc)
        return
    if sealed and passphrase is None:
        passphrase, ok = QInputDialog.getText(window, QCoreApplication.translate("MainWindow", "导入"),
                                              QCoreApplication.translate("MainWindow", "导出文件的密码："),
                                              QLineEdit.Password)
        if not ok:
            return

    def done(changes) -> None:
        result = window.last_import = changes.result
        text = QCoreApplication.translate("MainWindow", "已导入 %1 条走访记录。").replace("%1", str(result["imported"]))
        if result["rejected"]:
            text += QCoreApplication.translate("MainWindow", "有 %1 条不合格，未导入。").replace(
                "%1", str(result["rejected"]))
        QMessageBox(QMessageBox.Information, QCoreApplication.translate("MainWindow", "导入完成"), text,
                    QMessageBox.Ok, window).open()

    def work(p):
        result = window.services.import_visits(doc, passphrase, progress=p.report)
        return Changes(list=True, outbox=True, result=result)   # households may be new: the whole list

    window.mutations.run("import", work, pass_progress=True, progress_parent=window,
                         label=QCoreApplication.translate("MainWindow", "正在导入…"), cancellable=True, on_done=done)


def export_file(window, path: str | None = None, passphrase: str | None = None) -> None:
    """Export every visit, encrypted (office key, or a passphrase typed twice), off the UI thread."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit

    if path is None:
        from fieldapp.ui.print_preview import documents_folder

        prefix = QCoreApplication.translate("MainWindow", "走访记录导出")
        name = f"{prefix}_{local_today().isoformat()}.json"  # in documents, not the program's folder
        path, _ = QFileDialog.getSaveFileName(window, QCoreApplication.translate("MainWindow", "导出走访记录"),
                                              str(documents_folder() / name), "JSON (*.json)")
        if not path:
            return
    if passphrase is None and window.services.export_needs_passphrase():
        first, ok = QInputDialog.getText(window, QCoreApplication.translate("MainWindow", "导出"),
                                         QCoreApplication.translate("MainWindow", "为导出文件设置密码（至少 8 位）："),
                                         QLineEdit.Password)
        if not ok:
            return
        again, ok = QInputDialog.getText(window, QCoreApplication.translate("MainWindow", "导出"),
                                         QCoreApplication.translate("MainWindow", "再次输入密码："), QLineEdit.Password)
        if not ok:
            return
        if first != again or len(first) < 8:
            QMessageBox(QMessageBox.Warning, QCoreApplication.translate("MainWindow", "导出"),
                        QCoreApplication.translate("MainWindow", "两次输入的密码不一致，或少于 8 位。"),
                        QMessageBox.Ok, window).open()
            return
        passphrase = first

    def done(count: int) -> None:
        window.last_export = count
        QMessageBox(QMessageBox.Information, QCoreApplication.translate("MainWindow", "导出完成"),
                    QCoreApplication.translate("MainWindow", "已加密导出 %1 条走访记录到：%2")
                    .replace("%1", str(count)).replace("%2", str(path)), QMessageBox.Ok, window).open()

    window.runner.run(lambda p: window.services.export_visits(path, passphrase, progress=p.report),
                      pass_progress=True, progress_parent=window,
                      label=QCoreApplication.translate("MainWindow", "正在导出…"), on_success=done,
                      on_error=lambda e: show_error(window, e))
