"""Unlocking through the real unlock screen: right and wrong passphrase, and locking again."""

from PySide6.QtCore import Qt

from tests.ui.conftest import PASSPHRASE


def test_wrong_passphrase_shows_chinese_message_and_stays_locked(services_factory, window_factory, qtbot):
    svc = services_factory()
    w = window_factory(svc)
    page = w.unlock_page
    qtbot.waitUntil(lambda: page.user.count() == 1, timeout=10000)
    assert page.user.currentText() == "张三"
    page.passphrase.setText("not the passphrase")
    qtbot.mouseClick(page.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.error.isVisible(), timeout=10000)
    assert "密码不正确" in page.error.text()
    assert w.stack.currentWidget() is page and not svc.is_unlocked()
    assert page.button.isEnabled()


def test_right_passphrase_opens_household_list_and_ctrl_l_locks(services_factory, window_factory, qtbot):
    svc = services_factory()
    w = window_factory(svc)
    page = w.unlock_page
    qtbot.waitUntil(lambda: page.user.count() == 1, timeout=10000)
    page.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(w.households_loaded, timeout=10000):
        qtbot.keyClick(page.passphrase, Qt.Key_Return)
    assert w.stack.currentWidget() is w.tabs and svc.is_unlocked()
    assert "张三" in w.status.user.text()
    qtbot.keyClick(w.list_page.table, Qt.Key_L, Qt.ControlModifier)
    qtbot.waitUntil(lambda: w.stack.currentWidget() is page, timeout=5000)
    assert not svc.is_unlocked() and w.model.rowCount() == 0 and page.passphrase.text() == ""


def test_tampered_vault_file_is_named_in_plain_chinese(services_factory, window_factory, qtbot):
    svc = services_factory()
    db = svc.data_dir / "vault.db"
    data = bytearray(db.read_bytes())
    for i in range(4096, min(len(data), 4096 * 3)):
        data[i] ^= 0x5A  # scramble the first pages after the header
    db.write_bytes(bytes(data))
    w = window_factory(svc)
    page = w.unlock_page
    qtbot.waitUntil(lambda: page.user.count() == 1, timeout=10000)
    page.passphrase.setText(PASSPHRASE)
    qtbot.mouseClick(page.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.error.isVisible(), timeout=10000)
    assert "损坏" in page.error.text() and "vault.db" in page.error.text()
    assert "Traceback" not in page.error.text() and not svc.is_unlocked()
