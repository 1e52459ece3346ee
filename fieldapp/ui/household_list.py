"""The household list page: filter bar, instant search, the table."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from fieldapp.ui.household_filter import FLAG_ORDER, VISIT_STATUSES, HouseholdFilter
from fieldapp.ui.household_model import HouseholdProxy, HouseholdTableModel
from fieldapp.ui.labels import category_codes, list_label

SEARCH_DEBOUNCE_MS = 250


class HouseholdListPage(QWidget):
    """Filters + search box + table; emits ``open_household(id)`` and ``search_requested(text)``."""

    open_household = Signal(str)
    search_requested = Signal(str)
    new_household_requested = Signal()

    def __init__(self, model: HouseholdTableModel, parent=None):
        super().__init__(parent)
        self.setObjectName("householdListPage")
        self.model = model
        self.proxy = HouseholdProxy(self)
        self.proxy.setSourceModel(model)
        self._villages: list[tuple[str, str]] = []
        self._search_ids: frozenset | None = None
        self._truncated = False
        self.search_limit = 20000  # the window asks the vault for at most this many matches

        self.search = QLineEdit(self)
        self.search.setObjectName("householdSearch")
        self.search.setClearButtonEnabled(True)
        self.village = QComboBox(self, objectName="filterVillage")
        self.category = QComboBox(self, objectName="filterCategory")
        self.status = QComboBox(self, objectName="filterStatus")
        self.review = QComboBox(self, objectName="filterReview")
        self.flag = QComboBox(self, objectName="filterFlag")
        self.needs = QCheckBox(self, objectName="filterNeeds")
        self.count = QLabel(self, objectName="householdCount")
        for combo in (self.village, self.category, self.status, self.review, self.flag):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
            combo.currentIndexChanged.connect(self._apply_filter)
        self.needs.toggled.connect(self._apply_filter)

        bar1 = QHBoxLayout()
        self.search_label = QLabel(self)
        bar1.addWidget(self.search_label)
        bar1.addWidget(self.search, 1)
        bar1.addWidget(self.count)
        self.new_household = QPushButton(self, objectName="newHouseholdButton")
        self.new_household.clicked.connect(self.new_household_requested)
        bar1.addWidget(self.new_household)
        bar2 = QHBoxLayout()
        for w in (self.village, self.category, self.status, self.review, self.flag, self.needs):
            bar2.addWidget(w)
        bar2.addStretch(1)

        self.table = QTableView(self, objectName="householdTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(8, Qt.AscendingOrder)  # flags: urgent child-protection cases on top
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.Interactive)
        hh.setStretchLastSection(True)
        for col, width in enumerate((80, 170, 110, 230, 170, 70, 90, 80)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(lambda idx: self.open_household.emit(self.proxy.household_id(idx.row())))
        self.table.activated.connect(lambda idx: self.open_household.emit(self.proxy.household_id(idx.row())))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(bar1)
        lay.addLayout(bar2)
        lay.addWidget(self.table, 1)

        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._emit_search)
        self.search.installEventFilter(self)
        self.proxy.filtered.connect(self._show_count)
        self.retranslate()

    # --- inputs from the window ---
    def set_villages(self, villages: list[tuple[str, str]]) -> None:
        """Villages for the filter: (code, name) pairs."""
        self._villages = list(villages)
        self._fill_villages()

    def set_search_result(self, text: str, household_ids: list[str] | None) -> None:
        """Show only these households (None = search cleared); ignored if the box changed since."""
        if text != self.search.text().strip():
            return
        self._search_ids = None if household_ids is None else frozenset(household_ids)
        self._truncated = household_ids is not None and len(household_ids) >= self.search_limit
        self._apply_filter()

    def show_only(self, **criteria) -> None:
        """Set filters from elsewhere (coverage click-through): village_code, visit_status, review, open_needs_only."""
        widgets = {"village_code": self.village, "visit_status": self.status, "review": self.review,
                   "category": self.category, "flag": self.flag}
        for combo in widgets.values():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
        self.needs.blockSignals(True)
        self.needs.setChecked(bool(criteria.get("open_needs_only")))
        for key, value in criteria.items():
            combo = widgets.get(key)
            if combo is not None:
                i = combo.findData(value)
                combo.setCurrentIndex(max(i, 0))
        for combo in widgets.values():
            combo.blockSignals(False)
        self.needs.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._search_ids = None
        self._apply_filter()

    def select_household(self, household_id: str) -> None:
        """Select a household's row if visible."""
        src = self.model.row_for(household_id)
        if src is None:
            return
        p = self.proxy.mapFromSource(self.model.index(src, 0))
        if p.isValid():
            self.table.selectionModel().select(p, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
            self.table.scrollTo(p)

    def eventFilter(self, obj, event):
        # Down or Enter in the search box goes to the list (its first row selected): Enter then opens it.
        if obj is self.search and event.type() == QEvent.KeyPress and not event.modifiers() & Qt.ControlModifier \
                and event.key() in (Qt.Key_Down, Qt.Key_Return, Qt.Key_Enter):
            if event.key() != Qt.Key_Down:
                self._emit_search()
            self.focus_list()
            return True
        return super().eventFilter(obj, event)

    def focus_list(self) -> None:
        """Put the keyboard in the table, on the selected row (or the first one)."""
        self.table.setFocus()
        if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    # --- internals ---
    def _emit_search(self) -> None:
        self._debounce.stop()
        text = self.search.text().strip()
        if not text:
            self.set_search_result("", None)
        else:
            self.search_requested.emit(text)

    def current_filter(self) -> HouseholdFilter:
        """The filter the bar shows."""
        return HouseholdFilter(
            village_code=self.village.currentData() or "",
            category=self.category.currentData() or "",
            visit_status=self.status.currentData() or "",
            review=self.review.currentData() or "",
            open_needs_only=self.needs.isChecked(),
            flag=self.flag.currentData() or "",
            household_ids=self._search_ids,
        )

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.current_filter())

    def _show_count(self, shown: int) -> None:
        total = self.model.rowCount()
        text = self.tr("显示 %1 / 共 %2 户").replace("%1", f"{shown:,}").replace("%2", f"{total:,}")
        if self._truncated and self._search_ids is not None:
            text += self.tr("（找到的户太多，只显示一部分，请多输入几个字）")
        self.count.setText(text)

    def _fill(self, combo: QComboBox, all_text: str, items: list[tuple[str, str]]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(all_text, "")
        for code, text in items:
            combo.addItem(text, code)
        i = combo.findData(current)
        combo.setCurrentIndex(max(i, 0))
        combo.blockSignals(False)

    def _fill_villages(self) -> None:
        self._fill(self.village, self.tr("全部村（社区）"), [(c, n or c) for c, n in self._villages])

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.search_label.setText(self.tr("查找"))
        self.search.setPlaceholderText(self.tr("输入姓名、地址或身份证号（可只输入一部分）"))
        self._fill_villages()
        self._fill(self.category, self.tr("全部类别"), [(c, list_label("category", c)) for c in category_codes()])
        self._fill(self.status, self.tr("全部走访状态"), [(s, list_label("visit_status", s)) for s in VISIT_STATUSES])
        self._fill(self.review, self.tr("复核：全部"), [("overdue", self.tr("复核已逾期")), ("due30", self.tr("30 天内到期"))])
        self._fill(self.flag, self.tr("全部标记"), [(f, list_label("flag", f)) for f in FLAG_ORDER])
        self.needs.setText(self.tr("有未解决需求"))
        self.new_household.setText(self.tr("新增户（主动发现）…"))
        self.model.relabel()
        self._show_count(self.proxy.rowCount())
