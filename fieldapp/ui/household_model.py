"""The household list as Qt models: a table over row tuples and a filtering/sorting proxy.

The source model only displays; the proxy keeps a Python list mapping its rows to source
rows, computed by :mod:`household_filter` (list comprehensions and ``sorted`` with a key),
because QSortFilterProxyModel would call back into Python for every comparison — seconds
for 100,000 rows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (QAbstractProxyModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex,
                            Qt, Signal)
from PySide6.QtGui import QBrush, QColor

from fieldapp.ui.household_filter import (CHILD_PROTECTION, COLUMNS, HouseholdFilter, HouseholdRow, matching_rows,
                                          sort_key)

from fieldapp.ui.labels import list_label, list_sep
from forms.expressions import local_today

HouseholdIdRole = Qt.UserRole + 1
LabelFn = Callable[[str, str], str]  # (kind, code) -> text shown


class HouseholdTableModel(QAbstractTableModel):
    """All households as rows; ``set_rows`` replaces them, ``update_row`` changes one in place."""

    def __init__(self, labels: LabelFn | None = None, parent=None):
        super().__init__(parent)
        self._rows: list[HouseholdRow] = []
        self._row_of: dict[str, int] | None = None
        self.labels: LabelFn = labels or list_label

    # --- data in ---
    def set_rows(self, rows: list) -> None:
        """Replace every row (a reset: used after unlock or a sync)."""
        self.beginResetModel()
        self._rows = rows if (not rows or isinstance(rows[0], HouseholdRow)) else [HouseholdRow(*r) for r in rows]
        self._row_of = None
        self.endResetModel()

    def update_row(self, row: HouseholdRow) -> None:
        """Replace or append one household's row; emits dataChanged for a known one."""
        i = self.row_for(row.household_id)
        if i is None:
            n = len(self._rows)
            self.beginInsertRows(QModelIndex(), n, n)
            self._rows.append(row)
            if self._row_of is not None:
                self._row_of[row.household_id] = n
            self.endInsertRows()
            return
        self._rows[i] = row
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def row_for(self, household_id: str) -> int | None:
        """Source row of a household, or None."""
        if self._row_of is None:
            self._row_of = {r[0]: i for i, r in enumerate(self._rows)}
        return self._row_of.get(household_id)

    def rows(self) -> list[HouseholdRow]:
        """The rows as given (do not mutate)."""
        return self._rows

    def relabel(self) -> None:
        """Texts changed (language switch): repaint every cell."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))
        self.headerDataChanged.emit(Qt.Horizontal, 0, len(COLUMNS) - 1)

    # --- Qt model interface ---
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return self.display(r, col)
        if role == HouseholdIdRole:
            return r[0]
        if role == Qt.ForegroundRole and col == 8 and CHILD_PROTECTION in r[10]:
            return QBrush(QColor("#b00020"))
        if role == Qt.ForegroundRole and col == 6 and r[8] and r[8] < _today_iso():
            return QBrush(QColor("#b00020"))
        if role == Qt.TextAlignmentRole and col == 7:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def display(self, r: HouseholdRow, col: int) -> str:
        """The text of column ``col`` for row ``r``."""
        name = COLUMNS[col]
        if name == "categories":
            return list_sep().join(self.labels("category", c) for c in r.categories)
        if name == "visit_status":
            return self.labels("visit_status", r.visit_status)
        if name == "flags":
            return list_sep().join(self.labels("flag", f) for f in r.flags)
        if name == "open_needs":
            return str(r.open_needs) if r.open_needs else ""
        if name == "village_name":
            return r.village_name or r.village_code
        return r[HouseholdRow._fields.index(name)]

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.labels("column", COLUMNS[section])
        return None


def _today_iso() -> str:
    return local_today().isoformat()


class HouseholdProxy(QAbstractProxyModel):
    """Filters and sorts a HouseholdTableModel with a Python row mapping."""

    filtered = Signal(int)  # number of rows shown

    def __init__(self, parent=None):
        super().__init__(parent)
        self._map: list[int] = []
        self._inverse: dict[int, int] | None = None
        self._filter = HouseholdFilter()
        self._sort_column = -1
        self._sort_order = Qt.AscendingOrder

    def setSourceModel(self, model: HouseholdTableModel) -> None:
        old = self.sourceModel()
        if old is not None:
            old.modelReset.disconnect(self.refresh)
            old.dataChanged.disconnect(self._source_changed)
            old.rowsInserted.disconnect(self.refresh)
            old.headerDataChanged.disconnect(self.headerDataChanged)
        super().setSourceModel(model)
        model.modelReset.connect(self.refresh)
        model.dataChanged.connect(self._source_changed)
        model.rowsInserted.connect(self.refresh)
        model.headerDataChanged.connect(self.headerDataChanged)
        self.refresh()

    # --- what to show ---
    def set_filter(self, f: HouseholdFilter) -> None:
        """Show only rows passing ``f``."""
        self._filter = f
        self.refresh()

    def filter(self) -> HouseholdFilter:
        """The filter in force."""
        return self._filter

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        self.refresh()

    def refresh(self) -> None:
        """Recompute which source rows show and in what order."""
        src = self.sourceModel()
        rows = src.rows() if src is not None else []
        self.beginResetModel()
        mapping = matching_rows(rows, self._filter)
        if self._sort_column >= 0:
            key = sort_key(self._sort_column)
            mapping.sort(key=lambda i: key(rows[i]), reverse=self._sort_order == Qt.DescendingOrder)
        self._map = mapping
        self._inverse = None
        self.endResetModel()
        self.filtered.emit(len(mapping))

    def household_id(self, proxy_row: int) -> str:
        """The household shown at ``proxy_row``."""
        return self.sourceModel().rows()[self._map[proxy_row]][0]

    def _source_changed(self, top_left, bottom_right, roles=()) -> None:
        # A single changed household: repaint it where it is (no re-sort, so the row doesn't jump).
        for src_row in range(top_left.row(), bottom_right.row() + 1):
            p = self.mapFromSource(self.sourceModel().index(src_row, 0))
            if p.isValid():
                self.dataChanged.emit(self.index(p.row(), 0), self.index(p.row(), self.columnCount() - 1), roles)

    # --- QAbstractProxyModel interface ---
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._map)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def index(self, row, column, parent=QModelIndex()):
        if parent.isValid() or not (0 <= row < len(self._map)) or not (0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, index=QModelIndex()):
        return QModelIndex()

    def mapToSource(self, proxy_index):
        if not proxy_index.isValid():
            return QModelIndex()
        return self.sourceModel().index(self._map[proxy_index.row()], proxy_index.column())

    def mapFromSource(self, source_index):
        if not source_index.isValid():
            return QModelIndex()
        if self._inverse is None:
            self._inverse = {s: p for p, s in enumerate(self._map)}
        p = self._inverse.get(source_index.row())
        return QModelIndex() if p is None else self.createIndex(p, source_index.column())

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        return self.sourceModel().data(self.mapToSource(index), role)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal:
            return self.sourceModel().headerData(section, orientation, role)
        if role == Qt.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index):
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable if index.isValid() else Qt.NoItemFlags
