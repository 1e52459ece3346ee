"""Sync from the app: the 同步 button, automatic sync when the server is reachable, progress with counts.

All network work runs on the task runner (off the UI thread). Failures are shown with the
``message_zh`` of the sync error; a revoked device locks the app (its local key wraps are gone).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QProgressBar, QPushButton, QVBoxLayout

log = logging.getLogger(__name__)


class SyncProgressDialog(QDialog):
    """Shows how many changes went up and came down while a sync runs; cancel stops it (the next sync resumes)."""

    def __init__(self, parent=None):
        super().__init__(parent, objectName="syncProgressDialog")
        self.setWindowModality(Qt.WindowModal)
        self.setMinimumWidth(380)
        lay = QVBoxLayout(self)
        self.title = QLabel(self, objectName="syncProgressTitle")
        self.push_label = QLabel(self, objectName="syncPushLabel")
        self.pull_label = QLabel(self, objectName="syncPullLabel")
        self.bar = QProgressBar(self, objectName="syncProgressBar")
        self.bar.setRange(0, 0)
        self.cancel_button = QPushButton(self, objectName="syncCancelButton")
        for w in (self.title, self.push_label, self.pull_label, self.bar):
            lay.addWidget(w)
        lay.addWidget(self.cancel_button, alignment=Qt.AlignRight)
        self.pushed, self.push_total, self.pulled = 0, 0, 0
        self.retranslate()

    def update_counts(self, done: int, total: int, stage: str) -> None:
        """A progress report from the sync: stage push (done of total) or pull (done so far)."""
        if stage == "push":
            self.pushed, self.push_total = done, total
            self.bar.setRange(0, max(total, 0))
            self.bar.setValue(min(done, total) if total else 0)
        elif stage == "pull":
            self.pulled = done
            self.bar.setRange(0, 0)
        self.retranslate()

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.setWindowTitle(self.tr("同步"))
        self.title.setText(self.tr("正在与县服务器同步…"))
        self.push_label.setText(self.tr("上传：%1 / %2 条").replace("%1", str(self.pushed))
                                .replace("%2", str(self.push_total)))
        self.pull_label.setText(self.tr("下载：%1 条").replace("%1", str(self.pulled)))
        self.cancel_button.setText(self.tr("停止"))


class SyncController(QObject):
    """Runs syncs for the main window and turns their results and failures into what the user sees."""

    finished = Signal(object)  # the SyncReport
    failed = Signal(object)  # the exception

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.services = window.services
        self.task = None
        self.dialog: SyncProgressDialog | None = None
        self.last_report = None
        self.last_error = None

    @property
    def running(self) -> bool:
        """True while a sync runs."""
        return self.task is not None and self.task.running

    def sync_now(self, auto: bool = False) -> None:
        """Start a sync; ``auto`` (server reachable, changes waiting) shows progress in the status bar only."""
        if self.running:
            if not auto and self.dialog is None:  # 同步 pressed during an automatic sync: show that one
                self._attach_dialog()
            return
        if not self.services.is_unlocked():
            return
        self.window.status.showMessage(self.tr("正在同步…"))

        def work(progress):
            return self.services.sync(progress=lambda stage, done, total: progress.report(done, total, stage))

        self.task = self.window.runner.run(work, pass_progress=True, on_success=lambda r: self._done(r, auto),
                                           on_error=lambda e: self._failed(e, auto))
        self.task.done.connect(self._close_dialog)
        if not auto:
            self._attach_dialog()

    def _attach_dialog(self) -> None:
        self.dialog = SyncProgressDialog(self.window)
        self.task.progressed.connect(self.dialog.update_counts)
        self.dialog.cancel_button.clicked.connect(self.task.cancel)
        self.dialog.rejected.connect(self.task.cancel)
        self.dialog.show()

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        if self.window.status.currentMessage() == self.tr("正在同步…"):
            self.window.status.clearMessage()

    def _done(self, report, auto: bool) -> None:
        self.last_report, self.last_error = report, None
        hard = [c for c in report.conflicts if c.get("kind") == "hard" and c.get("status") == "open"]
        # What came down includes this laptop's own uploads returned merged: only others' changes are news.
        others = max(0, report.pulled - getattr(report, "pulled_own", 0))
        text = self.tr("同步完成：上传 %1 条，收到其他电脑的更新 %2 条。").replace("%1", str(report.pushed)) \
            .replace("%2", str(others))
        if hard:
            text += self.tr("有 %1 处冲突待处理。").replace("%1", str(len(hard)))
        self.window.status.showMessage(text, 15000)
        returned = sum(1 for e in getattr(report, "reviews", []) if e.get("action") == "returned")
        if returned:
            text += self.tr("乡镇退回 %1 条走访，请修改后重新提交。").replace("%1", str(returned))
        self.window.changed.emit(changes_of(report))
        self.finished.emit(report)

    def _failed(self, exc, auto: bool) -> None:
        self.last_error = exc
        self._close_dialog()
        from fieldapp.ui.errors import show_error

        if getattr(exc, "code", None) == "DEVICE_REVOKED":
            self.window.lock_after_revocation(exc)
        elif getattr(exc, "code", None) == "APP_VERSION_TOO_OLD":
            from fieldapp.ui.update_dialog import offer_update

            self.update_box = offer_update(self.window, exc)
        elif auto and getattr(exc, "code", None) == "SERVER_UNREACHABLE":
            self.window.status.set_state(online=False)  # a lost connection during an automatic sync: no dialog
        else:
            show_error(self.window, exc, self.tr("同步没有完成"))
            self.window.refresh_status(check_online=False)
        self.failed.emit(exc)

    def status_checked(self, status: dict) -> None:
        """After a status check: sync on our own when the server answers and changes are waiting."""
        if status.get("online") and status.get("pending") and not self.running:
            self.sync_now(auto=True)


def changes_of(report):
    """What a sync changed, for the window's one ``changed`` signal (the list reloads when anything moved)."""
    from fieldapp.ui.changes import Changes

    reviews = bool(getattr(report, "reviews", None))
    moved = bool(report.pulled or report.pushed or reviews)   # review results: returned visits list on top
    return Changes(list=moved, outbox=True, review=reviews, conflicts=bool(report.conflicts), synced=True,
                   result=report)


def revoked_message(exc) -> str:
    """What a user reads when the county revoked this laptop."""
    from PySide6.QtCore import QCoreApplication

    return (getattr(exc, "message_zh", "") + "\n\n" + QCoreApplication.translate(
        "SyncController", "为了保护住户信息，本机所有用户的解锁密码已作废，程序已锁定。数据仍加密保存在本机，"
        "乡镇经办机构可以用县级密钥恢复这些数据：请不要删除数据文件夹，把电脑交给乡镇经办机构。"))


def show_revoked(parent, exc) -> QMessageBox:
    """Tell the user the laptop was revoked and what happens to the data (non-blocking box)."""
    from PySide6.QtCore import QCoreApplication

    box = QMessageBox(QMessageBox.Critical, QCoreApplication.translate("SyncController", "此电脑已被注销"),
                      revoked_message(exc), QMessageBox.Ok, parent)
    box.setObjectName("revokedBox")
    box.open()
    return box
