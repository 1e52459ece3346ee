"""The status bar: online/offline, pending changes, last sync, sync and print buttons if available."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar


class AppStatusBar(QStatusBar):
    """Shows sync state; the sync button only appears when the sync package provides it."""

    sync_clicked = Signal()
    conflicts_clicked = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("appStatusBar")
        self.online = QLabel(self, objectName="statusOnline")
        self.pending = QLabel(self, objectName="statusPending")
        self.last_sync = QLabel(self, objectName="statusLastSync")
        self.user = QLabel(self, objectName="statusUser")
        self.recovery = QLabel(self, objectName="statusRecovery")
        self.sync_button = QPushButton(self, objectName="syncButton")
        self.sync_button.clicked.connect(self.sync_clicked)
        self.sync_button.hide()
        self.conflicts_button = QPushButton(self, objectName="conflictsButton")
        self.conflicts_button.setFlat(True)
        self.conflicts_button.setStyleSheet("color: #b3261e;")
        self.conflicts_button.clicked.connect(self.conflicts_clicked)
        self.conflicts_button.hide()
        for w in (self.user, self.online, self.pending, self.last_sync, self.recovery):
            self.addPermanentWidget(w)
        self.addPermanentWidget(self.conflicts_button)
        self.addPermanentWidget(self.sync_button)
        self._state = {"online": None, "pending": 0, "last_sync": None, "user": "", "conflicts": 0, "recoverable": None}
        self.retranslate()

    def set_state(self, *, online: bool | None = None, pending: int | None = None, last_sync: str | None = None,
                  user: str | None = None, conflicts: int | None = None, recoverable: bool | None = None) -> None:
        """Update what is shown; None leaves a value unchanged."""
        for key, value in (("online", online), ("pending", pending), ("last_sync", last_sync), ("user", user),
                           ("conflicts", conflicts), ("recoverable", recoverable)):
            if value is not None:
                self._state[key] = value
        signed_in = bool(self._state["user"])  # nothing about the data shows while locked
        for w in (self.online, self.pending, self.last_sync):
            w.setVisible(signed_in)
        self.recovery.setVisible(signed_in and self._state["recoverable"] is not None)
        self.conflicts_button.setVisible(signed_in and self._state["conflicts"] > 0)
        self.sync_button.setVisible(signed_in)
        self.retranslate()

    def changeEvent(self, e):
        if e.type() == QEvent.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    def retranslate(self) -> None:
        """Set every text in the current language."""
        s = self._state
        self.online.setText(self.tr("● 在线") if s["online"] else self.tr("○ 离线"))
        self.online.setStyleSheet("color: #1b7f3b;" if s["online"] else "color: #666;")
        self.pending.setText(self.tr("待同步 %1 条").replace("%1", str(s["pending"])))
        self.last_sync.setText(self.tr("上次同步：%1").replace("%1", s["last_sync"] or self.tr("从未")))
        self.user.setText(self.tr("当前用户：%1").replace("%1", s["user"]) if s["user"] else "")
        self.sync_button.setText(self.tr("同步"))
        self.recovery.setText(self.tr("县局可恢复") if s["recoverable"] else self.tr("⚠ 县局不能恢复本机数据"))
        self.recovery.setToolTip(self.tr("电脑丢失或忘记密码时，县民政局能否用恢复密钥取回本机数据；详见“工具 → 加入县级服务器”。"))
        self.recovery.setStyleSheet("color: #666;" if s["recoverable"] else "color: #9a5b00;")
        self.conflicts_button.setText(self.tr("⚠ 冲突 %1 处").replace("%1", str(s["conflicts"])))
