"""The needs of a household with their disposition and history; office staff record what was done."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from forms.expressions import local_today


class NeedsView(QWidget):
    """Table of needs; the selected need's disposition can be changed with a note (kept in its history)."""

    update_requested = Signal(str, dict)  # need_id, {"disposition", "department", "outcome", "note"}

    def __init__(self, form, parent=None):
        super().__init__(parent)
        self.setObjectName("needsView")
        self.form = form
        self.language = "zh"
        self.needs: list[dict] = []
        self.group = form.question("needs")
        self.table = QTableWidget(0, 6, self, objectName="needsTable")
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.currentCellChanged.connect(lambda r, *_: self._select(r))
        self.box = QGroupBox(self)
        self.disposition = QComboBox(self.box, objectName="needDisposition")
        self.department = QComboBox(self.box, objectName="needDepartment")
        self.outcome = QLineEdit(self.box, objectName="needOutcome")
        self.note = QLineEdit(self.box, objectName="needNote")
        self.history = QLabel(self.box, wordWrap=True, objectName="needHistory")
        self.history.setStyleSheet("color: #444;")
        self.apply = QPushButton(self.box, objectName="needApply")
        self.apply.clicked.connect(self._apply)
        self.disposition.currentIndexChanged.connect(self._toggle_department)
        self.labels = [QLabel(self.box) for _ in range(4)]
        form_l = QFormLayout(self.box)
        for lab, w in zip(self.labels, (self.disposition, self.department, self.outcome, self.note)):
            form_l.addRow(lab, w)
        form_l.addRow(self.history)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.apply)
        form_l.addRow(row)
        self.empty = QLabel(self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.empty)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.box)
        self.retranslate()

    def set_needs(self, needs: list[dict], language: str = "zh") -> None:
        """Show the household's current needs."""
        self.needs, self.language = needs, language
        self._fill_combos()
        self.table.setRowCount(len(needs))
        g = self.group
        for r, n in enumerate(needs):
            cells = (g.child("category").option_label(n.get("category"), language) if n.get("category") else "",
                     n.get("description") or "",
                     g.child("disposition").option_label(n.get("disposition"), language) if n.get("disposition") else "",
                     g.child("department").option_label(n.get("department"), language) if n.get("department") else "",
                     n.get("referred_on") or "", n.get("outcome") or "")
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.empty.setVisible(not needs)
        self.box.setVisible(bool(needs))
        if needs:
            self.table.setCurrentCell(0, 0)
            self._select(0)

    def _fill_combos(self) -> None:
        for combo, child in ((self.disposition, "disposition"), (self.department, "department")):
            combo.blockSignals(True)
            combo.clear()
            if child == "department":
                combo.addItem("", None)
            for opt in self.group.child(child).options:
                combo.addItem(opt.label(self.language), opt.code)
            combo.blockSignals(False)

    def _select(self, r: int) -> None:
        if not 0 <= r < len(self.needs):
            return
        n = self.needs[r]
        self.disposition.setCurrentIndex(max(self.disposition.findData(n.get("disposition")), 0))
        self.department.setCurrentIndex(max(self.department.findData(n.get("department")), 0))
        self.outcome.setText(n.get("outcome") or "")
        self.note.clear()
        self._toggle_department()
        lines = []
        for e in n.get("history") or []:
            if isinstance(e, dict):
                disp = self.group.child("disposition").option_label(e.get("disposition"), self.language) \
                    if e.get("disposition") else ""
                dept = self.group.child("department").option_label(e.get("department"), self.language) \
                    if e.get("department") else ""
                lines.append(f"{str(e.get('at', ''))[:16].replace('T', ' ')}  {e.get('by', '')}  {disp} {dept}  "
                             f"{e.get('note') or ''}")
        self.history.setText(self.tr("办理记录：") + ("\n" + "\n".join(lines) if lines else self.tr("暂无")))

    def _toggle_department(self) -> None:
        self.department.setEnabled(self.disposition.currentData() == "referred")

    def _apply(self) -> None:
        r = self.table.currentRow()
        if not 0 <= r < len(self.needs):
            return
        self.update_requested.emit(self.needs[r].get("need_id", ""), {
            "disposition": self.disposition.currentData(),
            "department": self.department.currentData() if self.disposition.currentData() == "referred" else None,
            "referred_on": local_today().isoformat() if self.disposition.currentData() == "referred" else None,
            "outcome": self.outcome.text().strip() or None,
            "note": self.note.text().strip(),
        })

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        g = self.group
        self.table.setHorizontalHeaderLabels([g.child(c).label(self.language) for c in
                                              ("category", "description", "disposition", "department", "referred_on",
                                               "outcome")])
        self.box.setTitle(self.tr("更新办理情况"))
        for lab, text in zip(self.labels, (self.tr("办理方式"), self.tr("转介部门"), self.tr("办理结果"), self.tr("说明"))):
            lab.setText(text)
        self.apply.setText(self.tr("保存办理情况"))
        self.empty.setText(self.tr("这一户没有登记需要帮助解决的问题。"))
