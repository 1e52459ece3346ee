"""Auto-lock after a number of idle minutes: any key or mouse input restarts the countdown."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

_ACTIVITY = {QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.MouseMove, QEvent.Wheel, QEvent.InputMethod,
             QEvent.TouchBegin}


class IdleWatcher(QObject):
    """Emits ``idle`` once the application had no user input for ``minutes``; 0 disables it."""

    idle = Signal()

    def __init__(self, app: QObject, minutes: float, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        app.installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        """Change the idle limit (0 = never lock)."""
        self.minutes = minutes
        self._timer.setInterval(max(int(minutes * 60_000), 1))
        self.restart()

    def restart(self) -> None:
        """Start counting again from now."""
        if self.minutes > 0:
            self._timer.start()
        else:
            self._timer.stop()

    def stop(self) -> None:
        """Stop counting (while locked)."""
        self._timer.stop()

    def eventFilter(self, obj, event):
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False
