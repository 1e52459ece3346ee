"""A repeat group (members, incomes, benefits, needs...): a table of rows plus an editor for the selected row."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from forms.display import answer_text as display_value
from fieldapp.ui.form_fields import make_field, next_focusable
from forms.expressions import local_today

PREFERRED_COLUMNS = {
    "members": ("name", "relation", "id_number", "sex", "age", "health", "disability_category"),
    "needs": ("category", "description", "disposition", "department"),
    "incomes": ("source", "amount_fen", "counted"),
    "benefits": ("type", "amount_fen", "period", "since"),
    "supporters": ("name", "relation", "obliged_to", "able_to_support"),
}


def is_row_id(question) -> bool:
    """Children like member_id / need_id: generated uuids, never typed or shown."""
    return bool(question.readonly and question.id.endswith("_id"))


class RepeatEditor(QWidget):
    """Edits a list of row dicts for one repeat question; emits ``edited`` on every change."""

    edited = Signal()

    def __init__(self, question, language: str, parent=None):
        super().__init__(parent)
        self.question = question
        self.language = language
        self.key = question.key
        self.rows: list[dict] = []
        self.auto: list[set] = []  # per row: keys whose value comes from a default expression
        self.calc_rows: list[dict] = []
        self.member_names: dict[str, str] = {}  # member_id → name, for member_refs columns and fields
        self._current = -1
        children = [c for c in question.children if not is_row_id(c)]
        preferred = [c for name in PREFERRED_COLUMNS.get(question.id, ()) for c in children if c.id == name]
        self.columns = preferred or [c for c in children if c.type != "repeat"][:4]

        self.title = QLabel(self)
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setText("✖ ⚠ 校验Xg")
        self.message.setMinimumHeight(self.message.sizeHint().height())  # one line reserved: no jump
        self.message.setText("")
        self.table = QTableWidget(0, len(self.columns), self)
        self.table.setObjectName(f"repeat_{question.key}")
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        # Tab leaves the table (to the row editor, then the next question) instead of walking its cells;
        # Up/Down choose the row, Enter/F2 edit it, Ctrl+Tab goes on to the question after the table.
        self.table.setTabKeyNavigation(False)
        self.table.installEventFilter(self)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda r, *_: self.select_row(r))
        self.add_button = QPushButton(self, objectName=f"add_{question.key}")
        self.remove_button = QPushButton(self, objectName=f"remove_{question.key}")
        self.up_button = QPushButton(self, objectName=f"up_{question.key}")
        self.down_button = QPushButton(self, objectName=f"down_{question.key}")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_row)
        self.up_button.clicked.connect(lambda: self.move_row(-1))
        self.down_button.clicked.connect(lambda: self.move_row(1))
        buttons = QHBoxLayout()
        buttons.addWidget(self.title)
        buttons.addStretch(1)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)

        self.detail = QWidget(self)
        self.detail.setObjectName(f"detail_{question.key}")
        dl = QVBoxLayout(self.detail)
        dl.setContentsMargins(16, 4, 0, 4)
        self.row_title = QLabel(self.detail)
        self.row_title.setStyleSheet("color: #1a56a0; font-weight: bold;")
        dl.addWidget(self.row_title)
        self.fields: dict[str, object] = {}
        self.sublists: dict[str, QLabel] = {}
        for child in children:
            if child.type == "repeat":
                lab = QLabel(self.detail)
                lab.setWordWrap(True)
                lab.setStyleSheet("color: #555;")
                self.sublists[child.id] = lab
                dl.addWidget(lab)
                continue
            w = make_field(child, language, self.detail)
            w.edited.connect(lambda c=child, w=w: self._field_edited(c, w))
            self.fields[child.id] = w
            dl.addWidget(w)
        QWidget.setTabOrder(self.down_button, self.table)  # Tab order as seen: buttons, table, row editor
        add = QShortcut(QKeySequence("Ctrl+Return"), self, self.add_row)  # a new row from anywhere in the group
        add.setContext(Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.add_row).setContext(Qt.WidgetWithChildrenShortcut)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 6)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.table)
        lay.addWidget(self.detail)
        self.detail.hide()
        self.retranslate(language)

    # --- keyboard ---
    def eventFilter(self, obj, event):
        if obj is self.table and event.type() == QEvent.KeyPress:
            key, mods = event.key(), event.modifiers()
            if key == Qt.Key_Tab and mods & Qt.ControlModifier:
                self.leave()
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter, Qt.Key_F2) and not mods & Qt.ControlModifier:
                if self._current < 0 and self.rows:
                    self.select_row(0)
                self.focus_row_editor()
                return True
        return super().eventFilter(obj, event)

    def focus_row_editor(self) -> bool:
        """Put the keyboard in the first field of the selected row; False if no row is selected."""
        if self._current < 0:
            return False
        first = next_focusable(self.detail, self.detail)
        if first is None:
            return False
        first.setFocus(Qt.TabFocusReason)
        return True

    def leave(self) -> None:
        """Move the keyboard to the question after this table."""
        nxt = next_focusable(self)
        if nxt is not None:
            nxt.setFocus(Qt.TabFocusReason)

    # --- data ---
    def set_rows(self, rows: list[dict], auto: list[set] | None = None) -> None:
        """Load rows (user-entered values) without emitting ``edited``."""
        self.rows = [dict(r) for r in rows]
        self.auto = auto or [set() for _ in self.rows]
        self.calc_rows = [dict(r) for r in self.rows]
        self._refresh_table()
        self.select_row(0 if self.rows else -1)

    def value(self) -> list[dict]:
        """The rows as typed (defaults and calculations are added by the form engine)."""
        return [dict(r) for r in self.rows]

    def set_calculated(self, calc_rows: list[dict]) -> None:
        """Show calculated and default values (age, sex from ID...) computed by the form engine."""
        self.calc_rows = [dict(r) if isinstance(r, dict) else {} for r in calc_rows]
        self._refresh_table()
        self._load_current(only_auto=True)

    def add_row(self) -> None:
        """Append a new row with its generated id and defaults; select it and focus its first field."""
        row = {c.id: c.default for c in self.question.children if c.default is not None}
        for c in self.question.children:
            if is_row_id(c):
                row[c.id] = str(uuid.uuid4())
        self.rows.append(row)
        self.auto.append(set())
        self.calc_rows.append(dict(row))
        self._refresh_table()
        self.edited.emit()
        self.table.setCurrentCell(len(self.rows) - 1, 0)
        self.select_row(len(self.rows) - 1)
        self.focus_row_editor()

    def remove_row(self) -> None:
        """Delete the selected row."""
        i = self._current
        if not 0 <= i < len(self.rows):
            return
        del self.rows[i], self.auto[i]
        if i < len(self.calc_rows):
            del self.calc_rows[i]
        self._refresh_table()
        self.select_row(min(i, len(self.rows) - 1))
        self.edited.emit()

    def move_row(self, step: int) -> None:
        """Move the selected row up (-1) or down (+1)."""
        i, j = self._current, self._current + step
        if not (0 <= i < len(self.rows) and 0 <= j < len(self.rows)):
            return
        for lst in (self.rows, self.auto, self.calc_rows):
            if len(lst) > max(i, j):
                lst[i], lst[j] = lst[j], lst[i]
        self._refresh_table()
        self.table.setCurrentCell(j, 0)
        self.select_row(j)
        self.edited.emit()

    def select_row(self, i: int) -> None:
        """Show row ``i`` in the detail editor."""
        self._current = i if 0 <= i < len(self.rows) else -1
        self.detail.setVisible(self._current >= 0)
        if self._current >= 0 and self.table.currentRow() != self._current:
            self.table.blockSignals(True)
            self.table.setCurrentCell(self._current, 0)
            self.table.blockSignals(False)
        self._load_current()

    def current_row(self) -> int:
        """Index of the row in the detail editor (-1 = none)."""
        return self._current

    def _load_current(self, only_auto: bool = False) -> None:
        i = self._current
        if i < 0:
            return
        row = self.rows[i]
        calc = self.calc_rows[i] if i < len(self.calc_rows) else row
        for cid, w in self.fields.items():
            q = w.question
            derived = q.is_calculated or q.default_expr is not None and (cid in self.auto[i] or cid not in row)
            if only_auto and not derived:
                continue
            w.set_value(calc.get(cid) if derived else row.get(cid))
        for cid, lab in self.sublists.items():
            lab.setText(self._history_text(cid, calc.get(cid) or row.get(cid) or []))
        self.row_title.setText(self._row_name(i))

    def _field_edited(self, child, widget) -> None:
        i = self._current
        if i < 0:
            return
        value = widget.value()
        if value is None or value == []:
            self.rows[i].pop(child.id, None)
        else:
            self.rows[i][child.id] = value
        self.auto[i].discard(child.id)
        if i < len(self.calc_rows):
            self.calc_rows[i][child.id] = value
        if child.id == "disposition" and value == "referred" and "referred_on" in self.fields \
                and not self.rows[i].get("referred_on"):
            # 转介日期: today unless typed (it is the day the need is handed over, so it does not follow later edits)
            today = local_today().isoformat()
            self.rows[i]["referred_on"] = today
            if i < len(self.calc_rows):
                self.calc_rows[i]["referred_on"] = today
            self.fields["referred_on"].set_value(today)
        self._refresh_row(i)
        self.edited.emit()

    def set_members(self, members: list) -> None:
        """The household's member rows, for fields that name members (a supporter's obliged_to)."""
        pairs = []
        for i, m in enumerate(members):
            if isinstance(m, dict) and isinstance(m.get("member_id"), str):
                pairs.append((m["member_id"], str(m.get("name") or self.tr("第 %1 位成员").replace("%1", str(i + 1)))))
        names = dict(pairs)
        changed = names != self.member_names
        self.member_names = names
        for w in self.fields.values():
            if hasattr(w, "set_members"):
                w.set_members(pairs)
        if changed:
            self._refresh_table()

    # --- relevance and problems ---
    def update_relevance(self, form, calc_answers: dict) -> None:
        """Hide the fields that do not apply to the selected row (skip logic)."""
        i = self._current
        if i < 0:
            return
        for w in self.fields.values():
            try:
                w.setVisible(form.is_relevant(w.question.key, calc_answers, i))
            except (IndexError, ValueError):
                w.setVisible(True)

    def set_problems(self, problems: list) -> None:
        """Show problems whose path is in this group: on the group, on rows, and next to fields of the selected row."""
        prefix = self.question.key
        own = [p for p in problems if _path(p) == prefix]
        rows_bad: dict[int, str] = {}
        for p in problems:
            idx = _row_index(_path(p), prefix)
            if idx is not None:
                sev = rows_bad.get(idx)
                rows_bad[idx] = "error" if (sev == "error" or _severity(p) == "error") else "warning"
        for r in range(self.table.rowCount()):
            color = {"error": QColor("#b00020"), "warning": QColor("#9a5b00")}.get(rows_bad.get(r))
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setForeground(color or self.palette().text().color())
        if own:
            p = own[0]
            self.message.setStyleSheet("color: #b00020;" if _severity(p) == "error" else "color: #9a5b00;")
            self.message.setText(("✖ " if _severity(p) == "error" else "⚠ ") + _message(p, self.language))
        else:
            self.message.setText("")
        i = self._current
        for cid, w in self.fields.items():
            mine = [p for p in problems if _path(p) == f"{prefix}[{i}].{cid}"]
            mine.sort(key=lambda p: _severity(p) != "error")
            w.set_problem(_severity(mine[0]) if mine else None, _message(mine[0], self.language) if mine else "")

    # --- display ---
    def _refresh_table(self) -> None:
        self.table.setRowCount(len(self.rows))
        # As tall as its rows (2 to 6 visible), so short lists don't waste the small screen.
        visible = min(max(len(self.rows), 2), 6)
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + 24 * visible + 6)
        for r in range(len(self.rows)):
            self._refresh_row(r)

    def _refresh_row(self, r: int) -> None:
        row = self.rows[r]
        calc = self.calc_rows[r] if r < len(self.calc_rows) else row
        for c, q in enumerate(self.columns):
            value = calc.get(q.id) if q.id in calc else row.get(q.id)
            text = display_value(q, value, self.language, member_names=self.member_names)
            if q.type == "notes" and len(text) > 24:
                text = text[:24] + "…"
            item = self.table.item(r, c)
            if item is None:
                item = QTableWidgetItem()
                self.table.setItem(r, c, item)
            item.setText(text)
        if r == self._current:
            self.row_title.setText(self._row_name(r))

    def _row_name(self, r: int) -> str:
        row = self.rows[r]
        name = row.get("name") or ""
        if name:
            return self.tr("第 %1 行：%2").replace("%1", str(r + 1)).replace("%2", name)
        return self.tr("第 %1 行").replace("%1", str(r + 1))

    def _history_text(self, cid: str, entries: list) -> str:
        if not entries:
            return ""
        head = self.tr("办理记录：")
        parts = []
        for e in entries[-5:]:
            if isinstance(e, dict):
                parts.append(f"{str(e.get('at', ''))[:16].replace('T', ' ')} {e.get('by', '')} "
                             f"{self._option_text('disposition', e.get('disposition'))} {e.get('note') or ''}".strip())
        return head + "；".join(parts)

    def _option_text(self, child_id: str, code) -> str:
        w = self.fields.get(child_id)
        return w.question.option_label(code, self.language) if (w is not None and code) else (code or "")

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate(self.language)
        super().changeEvent(e)

    def retranslate(self, language: str) -> None:
        """Texts in ``language`` (form labels from the definition, buttons through tr())."""
        self.language = language
        self.title.setText(self.question.label(language))
        self.table.setHorizontalHeaderLabels([q.label(language) for q in self.columns])
        self.add_button.setText(self.tr("添加"))
        self.add_button.setToolTip(self.tr("添加一行（Ctrl+Enter）"))
        self.table.setToolTip(self.tr("↑↓ 选择行，Enter 编辑该行，Tab 进入下一项，Ctrl+Enter 添加一行"))
        self.remove_button.setText(self.tr("删除"))
        self.up_button.setText(self.tr("上移"))
        self.down_button.setText(self.tr("下移"))
        for w in self.fields.values():
            w.retranslate(language)
        self._refresh_table()
        self._load_current()


def _path(p) -> str:
    return p.get("path", "") if isinstance(p, dict) else getattr(p, "path", "")


def _severity(p) -> str:
    return (p.get("severity") if isinstance(p, dict) else getattr(p, "severity", "error")) or "error"


def _message(p, language: str) -> str:
    if isinstance(p, dict):
        return p.get("message_en" if language == "en" else "message_zh") or p.get("message_zh", "")
    if language == "en" and getattr(p, "message_en", None):
        return p.message_en
    return getattr(p, "message_zh", "") or str(p)


def _row_index(path: str, prefix: str) -> int | None:
    if not path.startswith(prefix + "["):
        return None
    try:
        return int(path[len(prefix) + 1:path.index("]")])
    except ValueError:
        return None
