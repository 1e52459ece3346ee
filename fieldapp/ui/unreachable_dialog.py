"""无法入户: record that a target household could not be visited, with a reason, a note and the visitors."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QVBoxLayout)

from fieldapp.ui.errors import show_error
from forms.coverage import REASON_LABELS_ZH, REASONS


class UnreachableDialog(QDialog):
    """Reason (迁出, 死亡, 查无此户, 拒绝入户, 长期外出), a note, and the visitors; a refusal needs the second one."""

    def __init__(self, services, household_id: str, visitor: str = "", parent=None, *, mutations):
        super().__init__(parent)
        self.setObjectName("unreachableDialog")
        self.services, self.household_id, self.mutations = services, household_id, mutations
        self.result_status: dict | None = None
        self.setWindowTitle(self.tr("无法入户"))
        self.reason = QComboBox(self, objectName="unreachableReason")
        for code in REASONS:
            self.reason.addItem(REASON_LABELS_ZH[code], code)
        self.note = QPlainTextEdit(self, objectName="unreachableNote")
        self.note.setPlaceholderText(self.tr("情况说明（必填），例如：2025年随子女迁往郑州，邻居证实"))
        self.visitor1 = QLineEdit(visitor, self, objectName="unreachableVisitor1")
        self.visitor2 = QLineEdit(self, objectName="unreachableVisitor2")
        self.visitor2.setPlaceholderText(self.tr("拒绝入户时必填"))
        form = QFormLayout()
        form.addRow(self.tr("原因"), self.reason)
        form.addRow(self.tr("情况说明"), self.note)
        form.addRow(self.tr("走访人员"), self.visitor1)
        form.addRow(self.tr("第二名走访人员"), self.visitor2)
        hint = QLabel(self.tr("记录后，该户在覆盖情况中计为“无法入户”，不再计为未走访。"), self, wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("记录"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        buttons.accepted.connect(self.record)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(buttons)

    def record(self) -> None:
        """Save off the UI thread; a missing reason, note or second visitor is shown in Chinese and the dialog stays."""
        from fieldapp.ui.changes import Changes

        hid, reason, note = self.household_id, self.reason.currentData(), self.note.toPlainText()
        visitors = [self.visitor1.text(), self.visitor2.text()]

        def work() -> Changes:
            status = self.services.mark_unreachable(hid, reason, note, visitors)
            return Changes(households={hid}, outbox=True, result=status)

        def done(changes: Changes) -> None:
            self.result_status = changes.result
            self.accept()

        def failed(exc) -> None:   # every error reaches the user with its message_zh; what was typed stays
            self.ok_button.setEnabled(True)
            show_error(self, exc)

        if self.mutations.run(f"unreachable:{hid}", work, on_done=done, on_error=failed) is not None:
            self.ok_button.setEnabled(False)
