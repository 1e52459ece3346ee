"""Conflicts from sync: the list, and a field-by-field choose/merge view for township office users.

A hard conflict keeps two values of a field (the server's and the one another laptop sent);
an office user chooses, per field, the server's value, the submitted value, or types one; the
choice is sent with ``Services.resolve_conflict`` (off the UI thread). Visitor laptops see the
same list read-only: the township office resolves conflicts.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QRadioButton, QSplitter, QTableWidget,
                               QVBoxLayout, QWidget)

CHOICES = ("server", "device", "edit")


class ConflictsDialog(QDialog):
    """Open hard conflicts of this laptop's area; office users resolve them field by field."""

    resolved = Signal(str)  # conflict id

    def __init__(self, services, mutations, parent=None):
        super().__init__(parent, objectName="conflictsDialog")
        self.services, self.mutations = services, mutations
        self.can_resolve = services.can_resolve_conflicts()
        self.items = []
        self.current = None
        self.choices: list[tuple] = []  # per field row: (ConflictField, QButtonGroup, QLineEdit)
        self.resize(1100, 560)
        lay = QVBoxLayout(self)
        self.note = QLabel(self, objectName="conflictsNote")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        split = QSplitter(self)
        self.list = QListWidget(split, objectName="conflictList")
        self.list.currentRowChanged.connect(self._show)
        right = QWidget(split)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel(right, objectName="conflictHeading")
        self.heading.setWordWrap(True)
        self.table = QTableWidget(0, 5, right, objectName="conflictFields")
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        rl.addWidget(self.heading)
        rl.addWidget(self.table)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([300, 800])
        lay.addWidget(split, 1)
        self.buttons = QDialogButtonBox(self)
        self.resolve_button = self.buttons.addButton("", QDialogButtonBox.AcceptRole)
        self.resolve_button.setObjectName("resolveButton")
        self.resolve_button.clicked.connect(self.resolve_current)
        self.resolve_button.setVisible(self.can_resolve)
        self.close_button = self.buttons.addButton("", QDialogButtonBox.RejectRole)
        self.close_button.clicked.connect(self.reject)
        lay.addWidget(self.buttons)
        self.retranslate()
        self.reload()

    # --- list ---
    def reload(self) -> None:
        """Re-read the open conflicts from the vault."""
        self.items = self.services.conflicts()
        self.list.clear()
        for c in self.items:
            item = QListWidgetItem(f"{c.household}\n{'、'.join(f.label for f in c.fields)}")
            item.setData(Qt.UserRole, c.conflict_id)
            self.list.addItem(item)
        if self.items:
            self.list.setCurrentRow(0)
        else:
            self._show(-1)

    def _show(self, row: int) -> None:
        self.current = self.items[row] if 0 <= row < len(self.items) else None
        self.table.setRowCount(0)
        self.choices = []
        self.resolve_button.setEnabled(self.current is not None and self.can_resolve)
        if self.current is None:
            self.heading.setText(self.tr("没有待处理的冲突。"))
            return
        c = self.current
        who = self.tr("本机") if c.from_this_device else self.tr("另一台电脑")
        self.heading.setText(self.tr("户：%1　　后提交的一方：%2").replace("%1", c.household).replace("%2", who))
        self.table.setRowCount(len(c.fields))
        for r, f in enumerate(c.fields):
            self.table.setCellWidget(r, 0, QLabel(f.label, self.table))
            group = QButtonGroup(self.table)
            cells = []
            for i, (choice, text, by) in enumerate(((CHOICES[0], f.server_text, f.server_by),
                                                    (CHOICES[1], f.device_text, f.device_by))):
                b = QRadioButton(f"{text}\n{by}" if by else text, self.table, objectName=f"choice_{f.field}_{choice}")
                group.addButton(b, i)
                cells.append(b)
            edit_choice = QRadioButton(self.tr("手动填写："), self.table, objectName=f"choice_{f.field}_edit")
            group.addButton(edit_choice, 2)
            editor = QLineEdit(self.table, objectName=f"edit_{f.field}")
            editor.setText("" if f.server_value is None else str(f.server_value))
            editor.setEnabled(False)
            edit_choice.setEnabled(f.editable)
            edit_choice.toggled.connect(editor.setEnabled)
            cells[0].setChecked(True)
            for col, w in enumerate((cells[0], cells[1], edit_choice), start=1):
                w.setEnabled(w.isEnabled() and self.can_resolve)
                self.table.setCellWidget(r, col, w)
            editor.setReadOnly(not self.can_resolve)
            self.table.setCellWidget(r, 4, editor)
            self.choices.append((f, group, editor))
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()

    # --- choosing ---
    def choose(self, field: str, choice: str, text: str | None = None) -> None:
        """Pick ``server`` / ``device`` / ``edit`` (with ``text``) for a field (what a click does; used by tests)."""
        for f, group, editor in self.choices:
            if f.field == field:
                group.button(CHOICES.index(choice)).setChecked(True)
                if text is not None:
                    editor.setText(text)
                return
        raise KeyError(field)

    def chosen_fields(self) -> dict:
        """The values chosen for every field of the shown conflict."""
        out = {}
        for f, group, editor in self.choices:
            choice = CHOICES[max(group.checkedId(), 0)]
            if choice == "server":
                out[f.field] = f.server_value
            elif choice == "device":
                out[f.field] = f.device_value
            else:
                text = editor.text().strip()
                like = f.server_value if f.server_value is not None else f.device_value
                if isinstance(like, int):
                    try:
                        out[f.field] = int(text)
                        continue
                    except ValueError:
                        pass
                out[f.field] = text
        return out

    def resolve_current(self) -> None:
        """Send the choices of the shown conflict to the server (off the UI thread), then refresh."""
        if self.current is None or not self.can_resolve:
            return
        conflict_id, fields = self.current.conflict_id, self.chosen_fields()
        household_id = self.current.household_id
        self.resolve_button.setEnabled(False)
        from fieldapp.ui.changes import Changes
        from fieldapp.ui.errors import show_error

        def work() -> Changes:
            notice = self.services.resolve_conflict(conflict_id, fields)
            # The resolution is followed by a sync (what else came down is news too): the whole list.
            return Changes(households={household_id} if household_id else (), conflicts=True, list=True,
                           synced=True, result=notice)

        def done(_changes) -> None:
            self.reload()
            self.resolved.emit(conflict_id)

        def failed(exc) -> None:
            self.resolve_button.setEnabled(True)
            show_error(self, exc, self.tr("冲突没有处理成功"))

        self.mutations.run(f"resolve:{conflict_id}", work, on_done=done, on_error=failed, progress_parent=self,
                           label=self.tr("正在提交处理结果…"))

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.setWindowTitle(self.tr("同步冲突"))
        if self.can_resolve:
            self.note.setText(self.tr("两台电脑在离线时改了同一户的同一项内容。请逐项选择保留哪个值，或手动填写，"
                                      "然后点“保存处理结果”。处理结果会同步到所有电脑。"))
        else:
            self.note.setText(self.tr("两台电脑在离线时改了同一户的同一项内容。冲突由乡镇经办机构处理，"
                                      "本机只能查看；处理后会在下次同步时自动更新。"))
        self.table.setHorizontalHeaderLabels([self.tr("项目"), self.tr("服务器上的值"), self.tr("后提交的值"),
                                              self.tr("手动填写"), self.tr("填写的值")])
        self.resolve_button.setText(self.tr("保存处理结果"))
        self.close_button.setText(self.tr("关闭"))
