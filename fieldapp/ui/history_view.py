"""A household's visits, newest first, and what changed in each since the one before."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QListWidget, QListWidgetItem, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)


class HistoryView(QWidget):
    """List of visits on the left; the readable diff against the previous visit on the right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("historyView")
        self.language = "zh"
        self.history: list[dict] = []
        self.visits = QListWidget(self, objectName="historyVisits")
        self.visits.currentRowChanged.connect(self._show)
        self.caption = QLabel(self, wordWrap=True)
        self.table = QTableWidget(0, 4, self, objectName="historyChanges")
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.Stretch)
        hh.setSectionResizeMode(2, QHeaderView.Stretch)
        hh.setSectionResizeMode(3, QHeaderView.Stretch)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.caption)
        rl.addWidget(self.table, 1)
        split = QSplitter(self)
        split.addWidget(self.visits)
        split.addWidget(right)
        split.setSizes([300, 1000])
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        self.retranslate()

    def set_history(self, history: list[dict], language: str = "zh") -> None:
        """``history`` from Services.visit_history: [{"visit", "changes"}], newest first."""
        self.history, self.language = history, language
        self.visits.clear()
        for h in history:
            v = h["visit"]
            a = v.get("answers", {})
            status = self.tr("已完成") if v.get("status") == "final" else self.tr("未完成")
            who = "、".join(a.get("visitors") or [])
            if h.get("review_state"):     # from services.reviews.history: 待审核 / 已审核通过 / 已退回
                status += " · " + {"submitted": self.tr("待审核"), "approved": self.tr("已审核通过"),
                                   "returned": self.tr("已退回")}.get(h["review_state"], "")
            if h.get("amends"):
                status += " · " + self.tr("修改后重新提交")
            item = QListWidgetItem(f"{a.get('visit_date', '')}  {status}\n{who}")
            self.visits.addItem(item)
        if history:
            self.visits.setCurrentRow(0)
        else:
            self._show(-1)

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.history):
            self.caption.setText(self.tr("这一户还没有走访记录。"))
            self.table.setRowCount(0)
            return
        changes = self.history[row]["changes"]
        if row == len(self.history) - 1:
            self.caption.setText(self.tr("这是第一次走访记录，没有可比较的上一次。"))
        elif not changes:
            self.caption.setText(self.tr("与上一次走访相比没有变化。"))
        else:
            self.caption.setText(self.tr("与上一次走访相比，有 %1 处变化：").replace("%1", str(len(changes))))
        events = self.history[row].get("review_events") or []
        if events:   # every review step of this visit: who, when, the comment
            lines = [(self.tr("审核通过") if e["action"] == "approved" else self.tr("退回")) + "  " +
                     " ".join(x for x in (e.get("reviewer_name"), (e.get("at") or "")[:16].replace("T", " ")) if x) +
                     (f"：{e['comment']}" if e.get("comment") else "") for e in events]
            self.caption.setText("\n".join(lines) + "\n" + self.caption.text())
        self.table.setRowCount(len(changes))
        for r, c in enumerate(changes):
            for col, text in enumerate((c.section, c.where, c.before, c.after)):
                self.table.setItem(r, col, QTableWidgetItem(text))
        self.table.resizeRowsToContents()

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.table.setHorizontalHeaderLabels([self.tr("部分"), self.tr("项目"), self.tr("上次"), self.tr("本次")])
