"""Settings: language, auto-lock minutes, the data folder (shown, not editable here)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout

from fieldapp.ui.i18n import LANGUAGES


class SettingsDialog(QDialog):
    """Edits ``{"language": "zh"|"en", "auto_lock_minutes": int}``; ``values()`` returns them."""

    def __init__(self, values: dict, data_dir: str, parent=None):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.language = QComboBox(self, objectName="settingsLanguage")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(values.get("language", "zh")), 0))
        self.minutes = QSpinBox(self, objectName="settingsAutoLock")
        self.minutes.setRange(0, 240)
        self.minutes.setValue(int(values.get("auto_lock_minutes", 10)))
        self.folder = QLabel(data_dir, self, objectName="settingsDataDir")
        self.folder.setWordWrap(True)
        self.folder.setTextInteractionFlags(self.folder.textInteractionFlags() | self.folder.textInteractionFlags().TextSelectableByMouse)
        self.labels = [QLabel(self), QLabel(self), QLabel(self)]
        form = QFormLayout()
        form.addRow(self.labels[0], self.language)
        form.addRow(self.labels[1], self.minutes)
        form.addRow(self.labels[2], self.folder)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.retranslate()

    def values(self) -> dict:
        """The settings as chosen."""
        return {"language": self.language.currentData(), "auto_lock_minutes": self.minutes.value()}

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        self.setWindowTitle(self.tr("设置"))
        self.labels[0].setText(self.tr("界面语言"))
        self.labels[1].setText(self.tr("无操作自动锁定（分钟，0 为不锁定）"))
        self.labels[2].setText(self.tr("数据文件夹"))
