"""Background work reports back on the UI thread; cancel stops it; errors show in plain Chinese."""

import logging
import threading

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from fieldapp.ui.errors import show_error, user_message
from fieldapp.ui.tasks import Cancelled, TaskRunner


class _Friendly(Exception):
    message_zh = "密码不正确。"
    hint_zh = "请检查大小写后重试。"


def test_result_arrives_on_ui_thread(qtbot):
    runner = TaskRunner()
    seen = {}

    def work():
        seen["worker"] = threading.current_thread()
        return 42

    with qtbot.waitSignal(runner.run(work, on_success=lambda r: seen.update(r=r, ui=threading.current_thread())).done):
        pass
    assert seen["r"] == 42
    assert seen["ui"] is threading.main_thread() and seen["worker"] is not threading.main_thread()


def test_cancel_stops_work_and_is_not_an_error(qtbot):
    runner = TaskRunner()
    started = threading.Event()
    errors, results, steps = [], [], []

    def work(progress):
        for i in range(1000):
            started.set()
            progress.report(i, 1000)
            steps.append(i)
            threading.Event().wait(0.005)
        return "finished"

    task = runner.run(work, pass_progress=True, on_success=results.append, on_error=errors.append)
    started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: not task.running, timeout=5000)
    assert results == [] and errors == [] and len(steps) < 1000


def test_errors_from_below_show_their_chinese_message(qtbot):
    text, ref = user_message(_Friendly())
    assert ref is None and "密码不正确。" in text and "请检查大小写" in text


def test_unexpected_error_logged_without_its_message(qtbot, caplog):
    caplog.set_level(logging.ERROR)
    try:
        raise RuntimeError("王芳 11010519491231002X")
    except RuntimeError as exc:
        parent = QWidget()
        qtbot.addWidget(parent)
        ref = show_error(parent, exc)
    assert ref and len(ref) == 6
    assert ref in caplog.text and "RuntimeError" in caplog.text
    assert "王芳" not in caplog.text and "11010519491231002X" not in caplog.text
    box = parent.findChild(QMessageBox, "errorBox")
    assert ref in box.text() and "参考编号" in box.text()
