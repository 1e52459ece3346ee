"""Running long work off the UI thread with progress and cancel (like Anki's CollectionOp).

The work function is plain Python: it receives a :class:`Progress` it may call to report
and to ask whether the user cancelled. Results and errors come back on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The user cancelled a long task; not an error to show."""


class Progress:
    """Thread-safe progress and cancel flag handed to the work function (no Qt inside)."""

    def __init__(self, emit: Callable[[int, int, str], None]):
        self._emit = emit
        self._cancel = threading.Event()

    def report(self, done: int, total: int, label: str = "") -> None:
        """Tell the UI how far the work is; raises Cancelled when the user pressed cancel."""
        self._emit(int(done), int(total), label)
        self.check()

    def check(self) -> None:
        """Raise Cancelled if the user asked to stop."""
        if self._cancel.is_set():
            raise Cancelled()

    @property
    def cancelled(self) -> bool:
        """True once the user asked to stop."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self._cancel.set()


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], signals: _Signals, progress: Progress, pass_progress: bool):
        super().__init__()
        self.setAutoDelete(True)
        self.fn, self.signals, self.progress, self.pass_progress = fn, signals, progress, pass_progress

    def run(self) -> None:  # runs on a pool thread
        try:
            result = self.fn(self.progress) if self.pass_progress else self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread, never swallowed
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


class Task(QObject):
    """One piece of work running on the pool; keeps its signals alive until it ends."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    errored = Signal(object)
    done = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._signals = _Signals()
        self.progress = Progress(self._signals.progress.emit)
        self.running = True
        self._signals.progress.connect(self.progressed, Qt.QueuedConnection)
        self._signals.finished.connect(self._on_finished, Qt.QueuedConnection)
        self._signals.failed.connect(self._on_failed, Qt.QueuedConnection)

    def cancel(self) -> None:
        """Ask the work to stop."""
        self.progress.cancel()

    def _on_finished(self, result: object) -> None:
        self.running = False
        self.succeeded.emit(result)
        self.done.emit()

    def _on_failed(self, exc: object) -> None:
        self.running = False
        if not isinstance(exc, Cancelled):
            self.errored.emit(exc)
        self.done.emit()


class TaskRunner(QObject):
    """Starts work on a thread pool; optionally shows a progress dialog with a cancel button."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[Task] = set()

    def run(
        self,
        fn: Callable[..., Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        progress_parent: QWidget | None = None,
        label: str = "",
        cancellable: bool = True,
        pass_progress: bool = False,
        show_after_ms: int = 400,
    ) -> Task:
        """Run ``fn`` (``fn(progress)`` if ``pass_progress``) off the UI thread; callbacks run on the UI thread."""
        task = Task()
        self._tasks.add(task)
        if on_success:
            task.succeeded.connect(on_success)
        if on_error:
            task.errored.connect(on_error)
        else:
            task.errored.connect(lambda exc: log.error("background task failed: %s", type(exc).__name__))
        if progress_parent is not None:
            self._attach_dialog(task, progress_parent, label, cancellable, show_after_ms)
        task.done.connect(lambda: self._forget(task))
        self.pool.start(_Job(fn, task._signals, task.progress, pass_progress))
        return task

    def _attach_dialog(self, task: Task, parent: QWidget, label: str, cancellable: bool, delay: int) -> None:
        dialog = QProgressDialog(label, self.tr("取消") if cancellable else "", 0, 0, parent)
        dialog.setWindowTitle(self.tr("请稍候"))
        dialog.setWindowModality(Qt.WindowModal)
        dialog.setMinimumDuration(delay)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(task.cancel)

        def on_progress(done: int, total: int, text: str) -> None:
            dialog.setMaximum(max(total, 0))
            dialog.setValue(min(done, total) if total else 0)
            if text:
                dialog.setLabelText(text)

        task.progressed.connect(on_progress)
        task.done.connect(dialog.close)
        task.done.connect(dialog.deleteLater)
        task.dialog = dialog  # type: ignore[attr-defined]

    def _forget(self, task: Task) -> None:
        # Dropped from Python only: deleting the QObject here could race the pool's queued signals.
        QTimer.singleShot(0, lambda: self._tasks.discard(task))

    def wait(self, msecs: int = 30000) -> bool:
        """Block until all running work ends (used at shutdown and in tests)."""
        return self.pool.waitForDone(msecs)
