"""The township office's review queue: visits waiting for review (待审核) with the rules' suggestions
and the form check's problems beside each; approve the filtered list at once, or return one visit
with a comment naming what to fix (optionally a field and a comment on it).

Every call goes to the county server off the UI thread (``services.reviews``); the server keeps
the state and the laptop pulls the events afterwards.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from fieldapp.ui.changes import Changes
from fieldapp.ui.errors import show_error

log = logging.getLogger(__name__)

COLUMNS = ("户主", "村", "走访日期", "走访人", "建议", "问题")


class ReviewDialog(QDialog):
    """The queue; ``reviewed`` after every approval or return."""

    reviewed = Signal()

    def __init__(self, services, mutations, parent=None):
        super().__init__(parent, objectName="reviewDialog")
        self.services, self.mutations = services, mutations
        self.runner = mutations.window.runner   # reads (the queue) on the window's pool
        self.items: list[dict] = []
        self.setWindowTitle(self.tr("审核走访"))
        self.resize(1200, 620)
        self.village = QComboBox(self, objectName="reviewVillage")
        self.village.addItem(self.tr("全部村（社区）"), None)
        from fieldapp.errors import CODED_ERRORS

        try:
            for code, name in services.villages():
                self.village.addItem(f"{name or code}", code)
        except CODED_ERRORS as exc:  # the filter is a convenience: the queue of every village still shows
            log.info("village filter unavailable: %s", type(exc).__name__)
        self.village.currentIndexChanged.connect(lambda _i: self.refresh())
        self.note = QLabel(self, objectName="reviewNote", wordWrap=True)
        self.table = QTableWidget(0, len(COLUMNS), self, objectName="reviewQueue")
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for i in range(4):
            header.setSectionResizeMode(i, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.Stretch)
        header.setSectionResizeMode(5, QHeaderView.Stretch)
        self.approve_button = QPushButton(self, objectName="approveAll")
        self.approve_button.clicked.connect(self.approve_listed)
        self.return_button = QPushButton(self.tr("退回所选走访…"), self, objectName="returnSelected")
        self.return_button.clicked.connect(self.return_selected)
        close = QDialogButtonBox(QDialogButtonBox.Close, self)
        close.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("村（社区）："), self))
        top.addWidget(self.village)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.approve_button)
        bottom.addWidget(self.return_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)
        self._update_buttons()

    def refresh(self) -> None:
        """Fetch the queue of the chosen village from the server."""
        village = self.village.currentData()
        self.runner.run(lambda: self.services.reviews.queue(village), on_success=self.set_items,
                        on_error=lambda e: show_error(self, e), progress_parent=self,
                        label=self.tr("正在读取待审核的走访…"), cancellable=False)

    def set_items(self, items: list[dict]) -> None:
        """Show the queue (also used by tests with the server's answer)."""
        self.items = list(items)
        names = {self.village.itemData(i): self.village.itemText(i) for i in range(1, self.village.count())}
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            problems = [p["message_zh"] for p in item.get("problems") or []]
            suggestions = item.get("suggestions") or ([item["suggestions_note"]] if item.get("suggestions_note") else [])
            head = item.get("head_name") or item["household_id"][:8]
            if item.get("amends"):
                head += self.tr("（修改后重新提交）")
            cells = (head, names.get(item["village_code"], item["village_code"]), str(item.get("visit_date") or ""),
                     "、".join(str(v) for v in item.get("visitors") or []), "\n".join(suggestions),
                     "\n".join(problems) or self.tr("无"))
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.UserRole, item["visit_id"])
                cell.setToolTip(text)
                self.table.setItem(row, col, cell)
        self.table.resizeRowsToContents()
        for row in range(self.table.rowCount()):      # long suggestion lists scroll inside the table, not the row
            self.table.setRowHeight(row, min(self.table.rowHeight(row), 160))
        self.note.setText(self.tr("待审核 %1 条。审核通过后，县民政局设定需审核的告知书才能打印；退回的走访会在走访人员同步后显示在其列表最上方。")
                          .replace("%1", str(len(self.items))))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.approve_button.setText(self.tr("全部审核通过（%1 条）").replace("%1", str(len(self.items))))
        self.approve_button.setEnabled(bool(self.items))
        self.return_button.setEnabled(bool(self.items))

    def selected_visit(self) -> dict | None:
        """The queue item of the selected row."""
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def approve_listed(self) -> None:
        """Approve every visit listed (the filtered queue) in one call."""
        ids = [i["visit_id"] for i in self.items]
        if ids:
            self.mutations.run("review", lambda: _decided(ids, self.services.reviews.approve(ids)),
                               on_done=self._approved, on_error=lambda e: show_error(self, e), progress_parent=self,
                               label=self.tr("正在提交审核结果…"))

    def _approved(self, changes: Changes) -> None:
        result = changes.result
        skipped = len(result.get("skipped") or [])
        self.note.setText(self.tr("已审核通过 %1 条。").replace("%1", str(len(result.get("approved") or [])))
                          + (self.tr("%1 条已被他人审核，未重复处理。").replace("%1", str(skipped)) if skipped else ""))
        self.reviewed.emit()
        self.refresh()

    def return_selected(self) -> None:
        """Ask for the comment, then return the selected visit."""
        item = self.selected_visit()
        if item is None:
            self.note.setText(self.tr("请先在列表中选择要退回的走访。"))
            return
        dlg = ReturnDialog(self.services.form(), self)
        if dlg.exec() == QDialog.Accepted:
            self.send_return(item["visit_id"], dlg.comment(), dlg.field_comments())

    def send_return(self, visit_id: str, comment: str, field_comments: dict) -> None:
        """Return one visit on the server (off the UI thread)."""
        def work() -> Changes:
            return _decided([visit_id], self.services.reviews.return_visit(visit_id, comment, field_comments))

        self.mutations.run("review", work, on_done=self._returned, on_error=lambda e: show_error(self, e),
                           progress_parent=self, label=self.tr("正在退回…"))

    def _returned(self, _changes=None) -> None:
        self.note.setText(self.tr("已退回，走访人员同步后会看到退回意见。"))
        self.reviewed.emit()
        self.refresh()


def _decided(visit_ids, result) -> Changes:
    # A decision is made on the server, then its events are pulled (they may touch any listed household).
    return Changes(visits=visit_ids, review=True, list=True, synced=True, result=result)


class ReturnDialog(QDialog):
    """The comment (required) and optionally one field with its own comment."""

    def __init__(self, form, parent=None):
        super().__init__(parent, objectName="returnDialog")
        self.setWindowTitle(self.tr("退回走访"))
        self.text = QPlainTextEdit(self, objectName="returnComment")
        self.text.setPlaceholderText(self.tr("写明需要修改的内容（必填）"))
        self.field = QComboBox(self, objectName="returnField")
        self.field.addItem(self.tr("（不指定）"), None)
        for q in form.top_level():
            self.field.addItem(q.label("zh"), q.id)
        self.field_text = QLineEdit(self, objectName="returnFieldComment")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.error = QLabel(self, objectName="returnError")
        self.error.setStyleSheet("color: #a12622;")
        lay = QFormLayout(self)
        lay.addRow(self.tr("退回意见："), self.text)
        lay.addRow(self.tr("需要修改的项目："), self.field)
        lay.addRow(self.tr("对该项目的意见："), self.field_text)
        lay.addRow(self.error)
        lay.addRow(self.buttons)

    def comment(self) -> str:
        """The comment typed."""
        return self.text.toPlainText().strip()

    def field_comments(self) -> dict:
        """``{question id: comment}`` for the chosen field (empty if none)."""
        qid = self.field.currentData()
        text = self.field_text.text().strip() or self.comment()
        return {qid: text} if qid and text else {}

    def _accept(self) -> None:
        if not self.comment():
            self.error.setText(self.tr("退回走访记录时必须填写退回意见，写明需要修改的内容。"))
            return
        self.accept()
