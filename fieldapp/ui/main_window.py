"""The main window: unlock screen or the work area (household list, coverage, open visits)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QStackedWidget, QTabWidget, QWidget

from fieldapp.errors import log_unexpected
from fieldapp.ui.errors import show_error
from fieldapp.ui.household_list import HouseholdListPage
from fieldapp.ui.household_model import HouseholdTableModel
from fieldapp.ui.idle import IdleWatcher
from fieldapp.ui.labels import list_label
from fieldapp.ui.status_bar import AppStatusBar
from fieldapp.ui.tasks import TaskRunner
from fieldapp.ui.unlock import UnlockPage

log = logging.getLogger(__name__)
STATUS_REFRESH_MS = 60_000


def _local_time(iso: str | None) -> str | None:
    if not iso:
        return None
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


class MainWindow(QMainWindow):
    """Holds the pages and wires them to the services facade."""

    unlocked = Signal()
    unlock_ready = Signal()  # the unlock screen lists the users
    households_loaded = Signal(int)
    locked = Signal()
    status_checked = Signal(dict)
    changed = Signal(object)  # fieldapp.ui.changes.Changes: the one signal every mutation reports through

    def __init__(self, services, languages, *, demo: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.services = services
        self.languages = languages
        self.demo = demo
        self.runner = TaskRunner(self)
        from fieldapp.ui.changes import Mutations

        self.mutations = Mutations(self, services)   # every vault write the UI starts, off the UI thread
        self.changed.connect(self._on_changed)
        self.settings = services.load_settings()
        self._search_task = None

        self.stack = QStackedWidget(self)
        self.unlock_page = UnlockPage(self.stack)
        self.stack.addWidget(self.unlock_page)
        self.model = HouseholdTableModel(self._label)
        self.tabs = QTabWidget(self.stack, objectName="workTabs")
        self.tabs.setTabsClosable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_coverage_if_shown())
        self._coverage_stale = True
        self.list_page = HouseholdListPage(self.model, self.tabs)
        self.tabs.addTab(self.list_page, "")
        self.coverage_page = None
        self._add_coverage_page()
        for i in range(self.tabs.count()):
            self.tabs.tabBar().setTabButton(i, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.stack.addWidget(self.tabs)
        self.setCentralWidget(self.stack)
        self.status = AppStatusBar(self)
        self.setStatusBar(self.status)
        from fieldapp.ui.sync_controller import SyncController

        self.syncer = SyncController(self)
        self.status.sync_clicked.connect(self.sync_now)
        self.status.conflicts_clicked.connect(self.show_conflicts)

        self._make_actions()
        from fieldapp.ui.review_widgets import install_review

        install_review(self)   # returned visits above the list; 审核走访… on office laptops
        from fieldapp.ui.set_aside_view import install_set_aside

        install_set_aside(self)   # changes the server refused: status-bar count, 工具 → 被拒收的记录 (重新发送)
        self.unlock_page.unlock_requested.connect(self._unlock)
        self.unlock_page.first_painted.connect(lambda: QTimer.singleShot(0, self._fill_users))
        self.list_page.search_requested.connect(self._search)
        self.list_page.open_household.connect(self.open_household)
        self.list_page.new_household_requested.connect(lambda: self.new_household())
        self.idle = IdleWatcher(self._app(), float(self.settings.get("auto_lock_minutes", 10)), self)
        self.idle.idle.connect(self.lock)
        self.idle.stop()
        self.status_timer = QTimer(self, interval=STATUS_REFRESH_MS)
        self.status_timer.timeout.connect(self.refresh_status)
        self.status_timer.start()
        self.retranslate()
        self.show_unlock()

    # --- pages ---
    def _app(self):
        from PySide6.QtWidgets import QApplication

        return QApplication.instance()

    def _label(self, kind: str, code: str) -> str:
        text = self.services.option_label(kind, code, self.languages.language) if self.services.is_unlocked() else None
        return text or list_label(kind, code)

    def _add_coverage_page(self) -> None:
        from fieldapp.ui.coverage import CoveragePage

        self.coverage_page = CoveragePage(self.tabs)
        self.coverage_page.show_households.connect(self._show_households_from_coverage)
        self.tabs.addTab(self.coverage_page, "")

    def show_unlock(self) -> None:
        """Show the unlock screen; the user list is filled right after the first paint."""
        self.unlock_page.reset()
        self.stack.setCurrentWidget(self.unlock_page)
        self.menuBar().setVisible(False)
        self.status.set_state(user="")
        # Reading the users loads the vault package (~0.4 s of imports): paint the window first
        # (or after 300 ms if it is not painted, e.g. while minimised).
        self._users_filled = False
        QTimer.singleShot(300, self._fill_users)

    def _fill_users(self) -> None:
        if self._users_filled:
            return
        self._users_filled = True
        from fieldapp.errors import CODED_ERRORS

        try:
            users = self.services.users()
        except CODED_ERRORS as exc:  # a damaged key file is shown, not raised
            users = []
            show_error(self, exc)
        self.unlock_page.set_users(users, self.settings.get("last_user"))
        self.unlock_page.passphrase.setFocus()
        self.unlock_ready.emit()
        if users:  # warm the form definition (not sensitive) while the user types the passphrase
            self.runner.run(self.services.form, on_error=lambda e: log.warning("form not loaded: %s", type(e).__name__))

    def _unlock(self, user: str, passphrase: str) -> None:
        def done(_result) -> None:
            self.settings["last_user"] = user
            self.services.save_settings(self.settings)
            self.unlock_page.passphrase.clear()
            self._after_unlock(user)

        def failed(exc) -> None:
            message = getattr(exc, "message_zh", None)
            if message:
                self.unlock_page.show_error(message)
            else:
                self.unlock_page.set_busy(False)
                show_error(self, exc)

        self.runner.run(lambda: self.services.unlock(user, passphrase), on_success=done, on_error=failed)

    def _after_unlock(self, user: str) -> None:
        self.stack.setCurrentWidget(self.tabs)
        self.tabs.setCurrentWidget(self.list_page)
        self.menuBar().setVisible(True)
        self.status.set_state(user=user)
        self.idle.restart()
        self.unlocked.emit()
        self.reload_households()

    def reload_households(self) -> None:
        """Load every household row off the UI thread, then fill the list."""
        def done(rows) -> None:
            if not self.services.is_unlocked():   # locked while the rows were read (e.g. after a review decision)
                return
            self.model.set_rows(rows)
            self.list_page.set_villages(self.services.villages(rows))
            self.list_page.table.setFocus()
            self.households_loaded.emit(len(rows))
            self._coverage_stale = True
            self._refresh_coverage_if_shown()
            self.refresh_status()
            user, ids = getattr(self, "_reopen", (None, []))
            self._reopen = (None, [])
            if user == self.services.user:
                for hid in ids:
                    self.open_household(hid)

        def load():
            self.services.form()  # option labels for the first paint, loaded off the UI thread
            return self.services.household_rows()

        self.runner.run(load, on_success=done, on_error=lambda e: show_error(self, e),
                        progress_parent=self, label=self.tr("正在读取户信息…"), cancellable=False)

    def refresh_status(self, check_online: bool = True) -> None:
        """Re-read sync state for the status bar (off the UI thread: the online check uses the network).

        When the server answers and changes are waiting, an automatic sync starts.
        """
        if not self.services.is_unlocked():
            return

        def show(st: dict) -> None:
            if self.services.is_unlocked():
                self.status.set_state(online=st.get("online", False) if check_online else None,
                                      pending=st.get("pending", 0), last_sync=_local_time(st.get("last_sync")),
                                      conflicts=st.get("open_conflicts", 0), recoverable=st.get("recoverable"))
                self.status_checked.emit(st)
                if check_online:
                    self.syncer.status_checked(st)

        self.runner.run(lambda: self.services.sync_status(check_online=check_online), on_success=show,
                        on_error=lambda e: log.warning("sync status unavailable: %s", type(e).__name__))

    def _search(self, text: str) -> None:
        if self._search_task is not None and self._search_task.running:
            self._search_task.cancel()
        limit = self.list_page.search_limit
        self._search_task = self.runner.run(
            lambda: self.services.search(text, limit=limit),
            on_success=lambda ids: self.list_page.set_search_result(text, ids),
            on_error=lambda e: show_error(self, e),
        )

    def _show_households_from_coverage(self, criteria: dict) -> None:
        self.tabs.setCurrentWidget(self.list_page)
        self.list_page.show_only(**criteria)

    # --- visits ---
    def open_household(self, household_id: str) -> None:
        """Open (or focus) the visit editor tab of a household."""
        for i in range(self.tabs.count()):
            w = self.tabs.widget(i)
            if getattr(w, "household_id", None) == household_id:
                self.tabs.setCurrentIndex(i)
                w.focus_editor()
                return
        from fieldapp.errors import CODED_ERRORS
        from fieldapp.ui.household_tab import HouseholdTab

        try:
            tab = HouseholdTab(self.services, self.runner, household_id, self.languages, self.tabs,
                               mutations=self.mutations)
        except CODED_ERRORS as exc:  # a household gone after a sync, locked meanwhile: shown in plain language
            show_error(self, exc)
            return
        i = self.tabs.addTab(tab, tab.title())
        self.tabs.setCurrentIndex(i)
        tab.focus_editor()  # the keyboard starts in 走访日期, not on the tab bar

    def new_household(self, dialog_ready=None) -> None:
        """新增户: the dialog checks the ID number on this laptop, then the household opens for its first visit.

        The household is created off the UI thread; the list row comes from the ``changed`` signal.
        """
        from fieldapp.ui.new_household import NewHouseholdDialog

        dialog = NewHouseholdDialog(self.services, self, mutations=self.mutations)
        self.new_household_dialog = dialog
        dialog.accepted.connect(lambda: self._household_found(dialog))
        if dialog_ready is not None:  # tests and screenshots fill the dialog in
            dialog_ready(dialog)
            return
        dialog.exec()

    def _household_found(self, dialog) -> None:
        if dialog.household_id is None:
            return
        if dialog.existing:  # said where the user looks next, without another dialog to click away
            self.status.showMessage(dialog.error.text(), 15000)
        self.open_household(dialog.household_id)

    def open_enrollment(self, dialog_ready=None) -> None:
        """工具 → 加入县级服务器: status (fingerprint, whether the county can recover this laptop) and a new code."""
        from fieldapp.ui.enroll import EnrollDialog

        dialog = EnrollDialog(self.services, self)
        self.enroll_dialog = dialog
        if dialog_ready is not None:
            dialog_ready(dialog)
        elif dialog.exec() == EnrollDialog.DialogCode.Accepted:
            self.refresh_status()

    def show_duplicates(self, dialog_ready=None) -> None:
        """工具 → 疑似重复户: households sharing a member's ID number, as the county server flagged them.

        :param dialog_ready: called with the message box instead of showing it modally (tests)
        """
        found = self.services.duplicate_flags()
        if not found:
            text = self.tr("上次同步时，县服务器没有发现身份证号重复的家庭。")
        else:
            lines = []
            for item in found:
                where = "；".join(f"{h['caption'] or h['household_id'][:8]}（{h['village_name'] or h['village_code']}）"
                                 for h in item["households"])
                lines.append(f"{item['id_masked']}：{where}")
            text = self.tr("以下家庭的成员身份证号相同，系统没有合并，请核实后处理：") + "\n\n" + "\n".join(lines)
        box = QMessageBox(QMessageBox.Information, self.tr("疑似重复户"), text, QMessageBox.Ok, self)
        box.setObjectName("duplicatesBox")
        self.duplicates_box = box
        if dialog_ready is not None:
            dialog_ready(box)
        else:
            box.exec()

    def _on_changed(self, changes) -> None:
        """A mutation finished: the list rows it read back, coverage, the returned panel, the status bar."""
        from fieldapp.ui.changes import refresh_window

        refresh_window(self, changes)

    def _refresh_coverage_if_shown(self) -> None:
        # Coverage reads every household's needs: only worth it when someone looks at it.
        page = getattr(self, "coverage_page", None)
        if page is not None and self._coverage_stale and self.tabs.currentWidget() is page:
            self._coverage_stale = False
            self.coverage_page.refresh(self.services, self.runner, self.model.rows())

    def editors(self) -> list:
        """The open household tabs."""
        return [self.tabs.widget(i) for i in range(self.tabs.count()) if hasattr(self.tabs.widget(i), "household_id")]

    def _close_tab(self, index: int) -> None:
        w = self.tabs.widget(index)
        if hasattr(w, "household_id"):
            w.save_draft_now()
            self.tabs.removeTab(index)
            w.deleteLater()

    # --- lock, settings, sync ---
    def lock(self) -> None:
        """Save drafts, close open households, forget the key, show the unlock screen."""
        if not self.services.is_unlocked():
            return
        # Reopen these households for the same user after the next unlock (their drafts come back).
        self._reopen = (self.services.user, [w.household_id for w in self.editors()])
        for w in self.editors():
            try:
                w.save_draft_now()
            except Exception as exc:  # noqa: BLE001 - boundary: the vault must lock even if one tab's draft fails
                log_unexpected(log, "draft on lock", exc)
            self.tabs.removeTab(self.tabs.indexOf(w))
            w.deleteLater()
        self.mutations.wait(10000)   # the drafts just asked for, and any save still running
        self.runner.wait(10000)
        self.model.set_rows([])
        self.services.lock()
        self.idle.stop()
        self.locked.emit()
        self.show_unlock()

    def open_settings(self) -> None:
        """Show the settings dialog and apply what changed."""
        from fieldapp.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings, str(self.services.data_dir), self)
        if dlg.exec() != dlg.DialogCode.Accepted:
            return
        self.apply_settings(dlg.values())

    def apply_settings(self, values: dict) -> None:
        """Store and apply settings (language switches the whole UI at once)."""
        self.settings.update(values)
        self.services.save_settings(self.settings)
        if values.get("language") and values["language"] != self.languages.language:
            self.languages.set_language(values["language"])
        self.idle.set_minutes(float(self.settings.get("auto_lock_minutes", 10)))

    def add_user(self) -> None:
        """Let the signed-in user add another local user."""
        from fieldapp.ui.users import AddUserDialog

        dlg = AddUserDialog(self)
        if dlg.exec() != dlg.DialogCode.Accepted:
            return
        from fieldapp.ui.users import add_user_off_thread

        add_user_off_thread(self, *dlg.values())

    def sync_now(self, auto: bool = False) -> None:
        """Run a sync off the UI thread with a progress dialog (only when the sync package provides one)."""
        self.syncer.sync_now(auto=auto)

    def show_conflicts(self):
        """Show the conflicts (office laptops resolve them field by field)."""
        from fieldapp.errors import CODED_ERRORS
        from fieldapp.ui.conflicts_view import ConflictsDialog

        try:
            dlg = ConflictsDialog(self.services, self.mutations, self)
        except CODED_ERRORS as exc:  # locked meanwhile, a form version this laptop lacks …
            show_error(self, exc)
            return None
        dlg.finished.connect(lambda _r: self.refresh_status(check_online=False))
        self.conflicts_dialog = dlg
        dlg.open()
        return dlg

    def filtered_household_ids(self) -> list[str]:
        """The households the list shows now (filters and search applied), in list order."""
        proxy = self.list_page.proxy
        return [proxy.household_id(i) for i in range(proxy.rowCount())]

    def open_batch_print(self):
        """Ask what to print for whom, then run the batch (off the UI thread) and preview it."""
        from fieldapp.ui.batch_print import BatchPrintDialog

        dlg = BatchPrintDialog(self.services.villages(self.model.rows()), len(self.filtered_household_ids()), self)
        self.batch_print_dialog = dlg

        def chosen() -> None:
            kind, village = dlg.choice()
            self.batch_print(kind, village=village)

        dlg.accepted.connect(chosen)
        dlg.open()
        return dlg

    def batch_print(self, kind: str, *, village: str | None = None, household_ids: list[str] | None = None,
                    out: str | None = None, preview: bool = True):
        """Print ``kind`` for a village (or given households, else the filtered list) into one PDF."""
        from fieldapp.ui.batch_print import BatchPrintJob

        if household_ids is None:
            household_ids = ([r.household_id for r in self.model.rows() if r.village_code == village]
                             if village else self.filtered_household_ids())
        self.batch_job = BatchPrintJob(self, kind, household_ids, out=out, preview=preview)
        return self.batch_job

    def lock_after_revocation(self, exc) -> None:
        """The county revoked this laptop: the vault is already locked and its wraps gone; show it and lock the app."""
        from fieldapp.ui.sync_controller import show_revoked

        self._reopen = (None, [])
        for w in self.editors():
            self.tabs.removeTab(self.tabs.indexOf(w))
            w.deleteLater()
        self.model.set_rows([])
        self.services.lock()
        self.idle.stop()
        self.locked.emit()
        self.show_unlock()
        self.revoked_box = show_revoked(self, exc)

    # --- import / export (fieldapp/ui/exchange_actions.py) ---
    def import_file(self, path: str | None = None, passphrase: str | None = None) -> None:
        """Import visits from a JSON file (plain interchange or encrypted export), off the UI thread."""
        from fieldapp.ui.exchange_actions import import_file

        import_file(self, path, passphrase)

    def export_file(self, path: str | None = None, passphrase: str | None = None) -> None:
        """Export every visit, encrypted (office key, or a passphrase typed twice), off the UI thread."""
        from fieldapp.ui.exchange_actions import export_file

        export_file(self, path, passphrase)

    # --- actions and texts ---
    def _make_actions(self) -> None:
        self.lock_action = QAction(self, objectName="lockAction")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        self.settings_action = QAction(self, objectName="settingsAction")
        self.settings_action.triggered.connect(self.open_settings)
        self.add_user_action = QAction(self, objectName="addUserAction")
        self.add_user_action.triggered.connect(self.add_user)
        self.quit_action = QAction(self, objectName="quitAction")
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # QKeySequence.Quit is empty on Windows
        self.quit_action.triggered.connect(self.close)
        self.import_action = QAction(self, objectName="importAction")
        self.import_action.triggered.connect(lambda: self.import_file())
        self.export_action = QAction(self, objectName="exportAction")
        self.export_action.triggered.connect(lambda: self.export_file())
        self.sync_action = QAction(self, objectName="syncAction")
        self.sync_action.setShortcut(QKeySequence("F5"))
        self.sync_action.triggered.connect(lambda: self.sync_now())
        self.conflicts_action = QAction(self, objectName="conflictsAction")
        self.conflicts_action.triggered.connect(self.show_conflicts)
        self.new_household_action = QAction(self, objectName="newHouseholdAction")
        self.new_household_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_household_action.triggered.connect(lambda: self.new_household())
        self.enroll_action = QAction(self, objectName="enrollAction")
        self.enroll_action.triggered.connect(lambda: self.open_enrollment())
        self.duplicates_action = QAction(self, objectName="duplicatesAction")
        self.duplicates_action.triggered.connect(lambda: self.show_duplicates())
        self.batch_print_action = QAction(self, objectName="batchPrintAction")
        self.batch_print_action.triggered.connect(lambda: self.open_batch_print())
        self.addAction(self.lock_action)
        self.file_menu = self.menuBar().addMenu("")
        self.file_menu.addAction(self.new_household_action)
        self.file_menu.addAction(self.import_action)
        self.file_menu.addAction(self.export_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.batch_print_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.sync_action)
        self.file_menu.addAction(self.conflicts_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.tools_menu = self.menuBar().addMenu("")
        self.tools_menu.addAction(self.add_user_action)
        self.tools_menu.addAction(self.settings_action)
        self.tools_menu.addAction(self.duplicates_action)
        self.tools_menu.addAction(self.enroll_action)

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.setWindowTitle(self.tr("四个摸清 入户走访") + (self.tr("（演示数据）") if self.demo else ""))
        self.tabs.setTabText(self.tabs.indexOf(self.list_page), self.tr("走访户"))
        if self.coverage_page is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.coverage_page), self.tr("覆盖情况"))
        self.file_menu.setTitle(self.tr("文件"))
        self.tools_menu.setTitle(self.tr("工具"))
        self.lock_action.setText(self.tr("锁定"))
        self.import_action.setText(self.tr("导入走访记录…"))
        self.export_action.setText(self.tr("导出走访记录（加密）…"))
        self.sync_action.setText(self.tr("立即同步"))
        self.conflicts_action.setText(self.tr("同步冲突…"))
        self.batch_print_action.setText(self.tr("批量打印…"))
        self.new_household_action.setText(self.tr("新增户（主动发现）…"))
        self.duplicates_action.setText(self.tr("疑似重复户（身份证号相同）…"))
        self.enroll_action.setText(self.tr("加入县级服务器 / 重新输入登记码…"))
        self.settings_action.setText(self.tr("设置…"))
        self.add_user_action.setText(self.tr("添加用户…"))
        self.quit_action.setText(self.tr("退出"))
        if hasattr(self, "review_action"):
            self.review_action.setText(self.tr("审核走访…"))
        if hasattr(self, "set_aside_action"):
            self.set_aside_action.setText(self.tr("被拒收的记录（重新发送）…"))
        for w in self.editors():
            self.tabs.setTabText(self.tabs.indexOf(w), w.title())

    def closeEvent(self, event):
        for w in self.editors():
            try:
                w.save_draft_now()
            except Exception as exc:  # noqa: BLE001 - boundary: closing must lock the vault even if one draft fails
                log_unexpected(log, "draft on close", exc)
        self.mutations.wait(10000)
        self.runner.wait(10000)
        if self.services.is_unlocked():
            self.services.lock()
        super().closeEvent(event)
