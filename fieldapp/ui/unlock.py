"""The unlock screen: pick your name, type your passphrase."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)


class UnlockPage(QWidget):
    """Centered card with user picker and passphrase; emits ``unlock_requested(user, passphrase)``."""

    unlock_requested = Signal(str, str)
    first_painted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("unlockPage")
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        card = QFrame(self)
        card.setObjectName("unlockCard")
        card.setFrameShape(QFrame.StyledPanel)
        card.setMaximumWidth(460)
        card.setMinimumWidth(420)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(28, 24, 28, 24)
        self.title = QLabel(card)
        f = QFont(self.font())
        f.setPointSize(f.pointSize() + 6)
        f.setBold(True)
        self.title.setFont(f)
        self.title.setAlignment(Qt.AlignCenter)
        self.subtitle = QLabel(card)
        self.subtitle.setAlignment(Qt.AlignCenter)
        self.subtitle.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        lay.addSpacing(12)
        form = QFormLayout()
        self.user = QComboBox(card)
        self.user.setObjectName("unlockUser")
        self.passphrase = QLineEdit(card)
        self.passphrase.setObjectName("unlockPassphrase")
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.user_label, self.pass_label = QLabel(card), QLabel(card)
        form.addRow(self.user_label, self.user)
        form.addRow(self.pass_label, self.passphrase)
        lay.addLayout(form)
        self.error = QLabel(card)
        self.error.setObjectName("unlockError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        lay.addWidget(self.error)
        self.button = QPushButton(card)
        self.button.setObjectName("unlockButton")
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        lay.addWidget(self.button)
        self.hint = QLabel(card)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        lay.addWidget(self.hint)
        row = QVBoxLayout()
        row.setAlignment(Qt.AlignHCenter)
        row.addWidget(card)
        outer.addLayout(row)
        outer.addStretch(3)
        self.button.clicked.connect(self._submit)
        self.passphrase.returnPressed.connect(self._submit)
        self.retranslate()

    def set_users(self, users: list[str], last: str | None = None) -> None:
        """Fill the user picker; preselect ``last``."""
        self.user.clear()
        self.user.addItems(users)
        if last and last in users:
            self.user.setCurrentText(last)

    def reset(self) -> None:
        """Clear the passphrase and message (after locking)."""
        self.passphrase.clear()
        self.error.hide()
        self.set_busy(False)
        self.passphrase.setFocus()

    def show_error(self, message: str) -> None:
        """Show why unlocking failed, under the passphrase field."""
        self.error.setText(message)
        self.error.show()
        self.set_busy(False)
        self.passphrase.selectAll()
        self.passphrase.setFocus()

    def set_busy(self, busy: bool) -> None:
        """Disable the form while the key is being derived."""
        self._busy = busy
        self.button.setEnabled(not busy)
        self.passphrase.setEnabled(not busy)
        self.user.setEnabled(not busy)
        self.button.setText(self.tr("正在解锁…") if busy else self.tr("解锁"))

    def _submit(self) -> None:
        if not self.button.isEnabled():
            return
        if not self.passphrase.text():
            self.show_error(self.tr("请输入密码。"))
            return
        self.error.hide()
        self.set_busy(True)
        self.unlock_requested.emit(self.user.currentText(), self.passphrase.text())

    def paintEvent(self, event):
        super().paintEvent(event)
        if not getattr(self, "_painted", False):
            self._painted = True
            self.first_painted.emit()

    def changeEvent(self, event):
        if event.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.title.setText(self.tr("四个摸清 入户走访"))
        self.subtitle.setText(self.tr("本机数据已加密。请选择您的姓名并输入密码。"))
        self.user_label.setText(self.tr("走访人员"))
        self.pass_label.setText(self.tr("密码"))
        self.hint.setText(self.tr("忘记密码？请联系乡镇经办人员，由县民政部门恢复数据。"))
        self.set_busy(getattr(self, "_busy", False))
