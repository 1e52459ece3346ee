"""Changes the county server refused (issue 19), in the window, kept apart from the window's internals:

- ``⚠ 被拒收 N 条`` in the status bar while this laptop holds changes aside;
- 工具 → 被拒收的记录…: each with the reason in Chinese; 打开记录 opens the household to fix it,
  重新发送 puts them back into the outbox as the records now stand and syncs; on a township office
  laptop, also the changes its township's laptops reported (which laptop, which household, why).
- ``install_set_aside(window)`` adds both (a hook: the window itself is barely changed).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from fieldapp import set_aside
from fieldapp.ui.errors import show_error

ENTITY_ZH = {"household": "户", "visit": "走访"}


def _when(iso: str) -> str:
    return (iso or "")[:16].replace("T", " ")


def _table(parent, name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent, objectName=name)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setWordWrap(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], tips: list[str] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if tips:
                item.setToolTip(tips[r])
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.resizeRowsToContents()


class SetAsideDialog(QDialog):
    """This laptop's refused changes (fix, then 重新发送) and, on office laptops, the township's reports."""

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("setAsideDialog")
        self.window_, self.services = window, window.services
        self.setWindowTitle(self.tr("被拒收的记录"))
        self.resize(820, 460)
        self.intro = QLabel(self, objectName="setAsideIntro")
        self.intro.setWordWrap(True)
        self.table = _table(self, "setAsideTable", [self.tr("住户"), self.tr("记录"), self.tr("原因"), self.tr("拒收时间")])
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.open_button = QPushButton(self.tr("打开记录"), self, objectName="setAsideOpen")
        self.open_button.clicked.connect(self.open_selected)
        self.retry_button = QPushButton(self.tr("重新发送"), self, objectName="setAsideRetry")
        self.retry_button.clicked.connect(self.retry)
        self.office_title = QLabel(self.tr("本乡镇走访电脑报告的被拒收记录（上次同步时）"), self, objectName="officeSetAsideTitle")
        self.office_table = _table(self, "officeSetAsideTable",
                                   [self.tr("走访电脑"), self.tr("住户"), self.tr("记录"), self.tr("原因"), self.tr("拒收时间")])
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.addButton(self.open_button, QDialogButtonBox.ActionRole)
        buttons.addButton(self.retry_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (self.intro, self.table, self.office_title, self.office_table):
            lay.addWidget(w)
        lay.addWidget(buttons)
        self.items: list[set_aside.SetAsideItem] = []
        self.reload()

    def reload(self) -> None:
        """Re-read both lists from the vault."""
        self.items = set_aside.held(self.services)
        if self.items:
            self.intro.setText(self.tr("县服务器拒收了以下 %1 条记录，已单独保存、没有丢失，其余记录照常同步。"
                                       "请打开记录按原因改正并保存，然后点“重新发送”。").replace("%1", str(len(self.items))))
        else:
            self.intro.setText(self.tr("本电脑没有被县服务器拒收的记录。"))
        _fill(self.table, [[i.household, self.tr(ENTITY_ZH.get(i.entity, i.entity)), i.reason_zh, _when(i.at)]
                           for i in self.items], [f"{i.code}: {i.detail}" for i in self.items])
        self.open_button.setEnabled(bool(self.items))
        self.retry_button.setEnabled(bool(self.items))
        office = self.services.sync_role() == "office"
        reports = set_aside.office_reports(self.services) if office else []
        _fill(self.office_table, [[r.get("device_label") or str(r.get("device_id", ""))[:8],
                                   self._caption(str(r.get("household_id", ""))),
                                   self.tr(ENTITY_ZH.get(r.get("entity"), str(r.get("entity")))), r["reason_zh"],
                                   _when(str(r.get("set_aside_at", "")))] for r in reports],
              [f"{r.get('code')}: {r.get('message', '')}" for r in reports])
        self.office_title.setVisible(office)
        self.office_table.setVisible(office)

    def _caption(self, household_id: str) -> str:
        return set_aside._caption(self.services, household_id)

    def selected(self) -> set_aside.SetAsideItem | None:
        """The chosen change (the first if none is chosen)."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        index = rows[0].row() if rows else 0
        return self.items[index] if 0 <= index < len(self.items) else None

    def open_selected(self) -> None:
        """Open the household of the chosen change in its tab, to fix it."""
        item = self.selected()
        if item is None:
            return
        from fieldapp.errors import CODED_ERRORS

        try:
            self.services.household_row(item.household_id)
        except CODED_ERRORS as exc:  # not on this laptop (never saved here): nothing to open
            show_error(self, exc)
            return
        self.window_.open_household(item.household_id)
        self.accept()

    def retry(self) -> None:
        """重新发送 off the UI thread, then sync."""
        def done(_count) -> None:
            self.reload()
            self.window_.refresh_status(check_online=False)
            self.window_.sync_now()

        self.retry_button.setEnabled(False)
        self.window_.runner.run(lambda: set_aside.retry(self.services), on_success=done,
                                on_error=lambda exc: (show_error(self, exc), self.reload()))


def open_set_aside_dialog(window) -> SetAsideDialog:
    """Show the dialog (non-modal) and keep it on the window."""
    dialog = SetAsideDialog(window)
    dialog.finished.connect(lambda _r: window.refresh_status(check_online=False))
    window.set_aside_dialog = dialog
    dialog.open()
    return dialog


def install_set_aside(window) -> None:
    """Add 工具 → 被拒收的记录… and the status-bar count of refused changes."""
    from PySide6.QtGui import QAction

    action = QAction(window, objectName="setAsideAction")
    action.setText(QCoreApplication.translate("MainWindow", "被拒收的记录（重新发送）…"))   # reset by retranslate
    action.triggered.connect(lambda: open_set_aside_dialog(window))
    window.set_aside_action = action
    window.tools_menu.addAction(action)
    button = QPushButton(window.status, objectName="setAsideButton")
    button.setFlat(True)
    button.setStyleSheet("color: #b3261e;")
    button.clicked.connect(lambda: open_set_aside_dialog(window))
    button.hide()
    window.status.addPermanentWidget(button)
    window.set_aside_button = button

    def show(st: dict) -> None:
        count = int(st.get("set_aside") or 0)
        button.setText(QCoreApplication.translate("MainWindow", "⚠ 被拒收 %1 条").replace("%1", str(count)))
        button.setToolTip(QCoreApplication.translate("MainWindow", "县服务器拒收的记录：点此查看原因、改正后重新发送"))
        button.setVisible(count > 0 and window.services.is_unlocked())

    window.status_checked.connect(show)
