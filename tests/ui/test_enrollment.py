"""Enrollment a person can finish: the code is checked at once, a wrong one is retyped, the server's
fingerprint is compared, plain http:// to another computer needs a clear yes, and the laptop says whether
the county office can recover it — against a REAL server on 127.0.0.1."""

from __future__ import annotations

from sync.keys import fingerprint
from sync.server.admin import set_office_key
from tests.sync.conftest import VILLAGE_A
from tests.ui.helpers import PASSPHRASE, unlock
from tests.ui.test_first_run import start_first_run
from tests.ui.test_sync_app import server  # noqa: F401 - the fixture: a real server on 127.0.0.1


def join_server_page(services_factory, window_factory, url: str | None = None):
    """The first-run wizard on a laptop without a vault, at its server page (join a county server), *url* typed."""
    svc = services_factory(with_vault=False)
    w = window_factory(svc)
    start_first_run(w)
    wizard = w.first_run_wizard
    wizard.mode_page.join.setChecked(True)
    wizard.next()
    page = wizard.server_page
    if url is not None:
        page.url.setText(url)
    return svc, w, wizard, page


def check_code_in_dialog(dialog, qtbot, server) -> None:
    """工具 → 加入县级服务器: the server's address and a fresh visitor code typed, checked with the server."""
    dialog.form.url.setText(server.url)
    dialog.form.code.setText(server.code(role="visitor", villages=(VILLAGE_A,)))
    with qtbot.waitSignal(dialog.form.check_done, timeout=30000):
        dialog.try_enroll()


def test_a_wrong_code_is_said_at_once_and_retyped_then_the_fingerprint_is_confirmed(services_factory, window_factory,
                                                                                    qtbot, server, tmp_path):
    from fieldapp.vault.crypto import DEFAULT_SUITE

    _private, public = DEFAULT_SUITE.generate_recipient_keypair()
    set_office_key(server.storage, server.app.state.keys, public)
    svc, w, wizard, page = join_server_page(services_factory, window_factory, server.url)
    page.code.setText("WRON-GCOD-E234")
    with qtbot.waitSignal(page.form.check_done, timeout=30000):
        wizard.next()                        # asked off the UI thread: the busy bar shows meanwhile
        assert page.form.busy.isVisible() and not page.code.isEnabled()
    assert wizard.currentPage() is page
    assert "登记码无效" in page.form.result.text() and "重新输入" in page.form.result.text()
    assert page.code.isEnabled() and not page.form.busy.isVisible()    # retype possible
    page.code.setText(server.code(role="visitor", villages=(VILLAGE_A,)))
    with qtbot.waitSignal(page.form.check_done, timeout=30000):
        wizard.next()
    assert wizard.currentPage() is page  # enrolled: the fingerprint must be compared first
    shown = page.form.result.text()
    assert fingerprint(server.app.state.keys.signing_public) in shown
    assert "县民政局可以恢复" in shown
    wizard.next()
    assert wizard.currentPage() is page and "核对服务器指纹" in page.form.result.text()
    page.form.confirm.setChecked(True)
    wizard.next()
    assert wizard.currentPage() is wizard.user_page
    wizard.user_page.name.setText("王芳")
    wizard.user_page.pass1.setText(PASSPHRASE)
    wizard.user_page.pass2.setText(PASSPHRASE)
    with qtbot.waitSignal(w.households_loaded, timeout=30000):
        wizard.accept()
    st = svc.enrollment_status()
    assert st["enrolled"] and st["recoverable"] and st["fingerprint"] == fingerprint(server.app.state.keys.signing_public)
    qtbot.waitUntil(lambda: w.status.recovery.isVisible(), timeout=20000)
    assert w.status.recovery.text() == "县局可恢复"
    assert len(server.storage.list_devices()) == 1


def test_plain_http_to_another_computer_needs_a_clear_yes(services_factory, window_factory, qtbot):
    svc, w, wizard, page = join_server_page(services_factory, window_factory, "http://10.20.30.40:8700")
    page.code.setText("ABCD-EFGH-JKLM")
    assert page.form.insecure_ok.isVisible()
    wizard.next()
    assert wizard.currentPage() is page and "不加密" in page.form.result.text()
    page.url.setText("http://127.0.0.1:9")  # loopback is fine without a warning
    assert not page.form.insecure_ok.isVisible()


def test_a_code_refused_at_the_first_sync_is_retyped_from_tools(services_factory, window_factory, qtbot, server):
    svc = services_factory()
    svc.unlock("张三", PASSPHRASE)
    svc.keep_pending_enrollment(server.url, "WRON-GCOD-E234")  # typed at first run while offline
    from fieldapp.services_sync import EnrollmentCodeRejected

    try:
        svc.sync()
        raise AssertionError("a wrong code must be refused")
    except EnrollmentCodeRejected as exc:
        assert "登记码无效" in exc.message_zh and "工具" in exc.hint_zh
    svc.lock()
    w = window_factory(svc)
    unlock(w, qtbot)

    def retype(dialog):
        assert "尚未核对成功" in dialog.status.text() and "无法恢复" in dialog.status.text()
        assert dialog.form.url.text() == server.url
        dialog.form.code.setText(server.code(role="visitor", villages=(VILLAGE_A,)))
        with qtbot.waitSignal(dialog.form.check_done, timeout=30000):
            dialog.try_enroll()
        assert fingerprint(server.app.state.keys.signing_public) in dialog.form.result.text()
        assert not svc.enrollment_status()["enrolled"]   # not before the fingerprint was compared
        assert "请核对下面的服务器指纹" in dialog.status.text()
        dialog.form.confirm.setChecked(True)
        dialog.try_enroll()

    w.open_enrollment(retype)
    assert w.enroll_dialog.result() == w.enroll_dialog.DialogCode.Accepted
    st = svc.enrollment_status()
    assert st["enrolled"] and not st["pending_code"]
    assert "已加入县级服务器" in w.enroll_dialog.status.text()


def test_the_ui_keeps_running_while_the_server_is_slow_and_the_check_can_be_cancelled(services_factory,
                                                                                      window_factory, qtbot):
    import socket

    from PySide6.QtCore import QTimer

    silent = socket.socket()        # accepts the connection and never answers: a server that hangs
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        svc, w, wizard, page = join_server_page(services_factory, window_factory, url)
        page.code.setText("ABCD-EFGH-JKLM")
        ticks = []
        timer = QTimer(interval=10)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start()
        wizard.next()
        assert page.form.checking and page.form.busy.isVisible() and page.form.busy_label.text() == "正在向服务器核对登记码…"
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=20000)     # the event loop runs while the server is asked
        assert page.form.checking and wizard.currentPage() is page
        page.form.cancel_button.click()
        timer.stop()
        assert not page.form.checking and page.code.isEnabled() and "已取消" in page.form.result.text()
        page.code.setText("WXYZ-EFGH-JKLM")                            # retype possible at once
        assert page.code.text() == "WXYZ-EFGH-JKLM" and page.form.enrollment is None
    finally:
        silent.close()


def test_an_expired_or_used_code_is_said_at_once_and_a_new_one_is_typed(services_factory, window_factory, qtbot,
                                                                        server):
    svc, w, wizard, page = join_server_page(services_factory, window_factory, server.url)
    used = server.code(role="visitor", villages=(VILLAGE_A,))
    for code, said in ((server.code(role="visitor", villages=(VILLAGE_A,), hours=-1), "登记码已过期"),
                       (used, None)):
        if said is None:  # the same sheet used on another laptop first
            from fieldapp.enrollment import enroll_now

            enroll_now(server.url, used)
            said = "登记码已被使用过"
        page.code.setText(code)
        with qtbot.waitSignal(page.form.check_done, timeout=30000):
            wizard.next()
        assert wizard.currentPage() is page and said in page.form.result.text() and "重新输入" in page.form.result.text()
        assert page.code.isEnabled() and not page.form.confirm.isVisible()
    page.code.setText(server.code(role="visitor", villages=(VILLAGE_A,)))
    with qtbot.waitSignal(page.form.check_done, timeout=30000):
        wizard.next()
    assert fingerprint(server.app.state.keys.signing_public) in page.form.result.text()
    assert len(server.storage.list_devices()) == 2  # the other laptop and this one; the expired code made none


def test_plain_http_goes_on_only_after_the_warning_is_confirmed(services_factory, window_factory, qtbot, server):
    """The address is http:// to another computer: refused until 我明白 is ticked, then the server is asked.
    (The form's enroll call is given: it records the address asked and enrolls with the real server on 127.0.0.1,
    so the test needs no other computer.)"""
    from fieldapp.enrollment import enroll_now

    svc, w, wizard, page = join_server_page(services_factory, window_factory)
    asked = []

    def enroll(url, code):
        asked.append(url)
        return enroll_now(server.url, code)

    page.url.setText("http://10.20.30.40:8700/")
    page.code.setText(server.code(role="visitor", villages=(VILLAGE_A,)))
    assert not page.form.check(enroll) and "不加密" in page.form.result.text() and asked == []
    page.form.insecure_ok.setChecked(True)
    with qtbot.waitSignal(page.form.check_done, timeout=30000):
        assert not page.form.check(enroll)   # asked now, off the UI thread
    assert asked == ["http://10.20.30.40:8700"]
    assert fingerprint(server.app.state.keys.signing_public) in page.form.result.text()
    page.form.confirm.setChecked(True)
    assert page.form.check(enroll)
    page.url.setText("http://10.20.30.40:8701")  # another address: the warning must be confirmed again
    assert page.form.insecure_ok.isVisible() and not page.form.insecure_ok.isChecked()


def test_closing_the_tools_dialog_without_confirming_the_fingerprint_leaves_the_laptop_unenrolled(
        services_factory, window_factory, qtbot, server):
    svc = services_factory()
    w = window_factory(svc)
    unlock(w, qtbot)

    def check_then_close(dialog):
        check_code_in_dialog(dialog, qtbot, server)
        assert fingerprint(server.app.state.keys.signing_public) in dialog.form.result.text()
        dialog.try_enroll()                      # 登记 without ticking the box: asked to compare first
        assert "核对服务器指纹" in dialog.form.result.text() and dialog.result() != dialog.DialogCode.Accepted
        dialog.reject()                          # the fingerprint did not match the sheet: closed

    w.open_enrollment(check_then_close)
    st = svc.enrollment_status()
    assert not st["enrolled"] and not st["fingerprint"]   # no server key pinned, nothing will sync
    assert svc.vault.get_sync_state("server_url") is None


def test_joining_another_server_from_tools_clears_what_the_earlier_server_left(services_factory, window_factory,
                                                                              qtbot, server):
    """A laptop moved to another county server: the earlier server's CA certificate and office key do not stay."""
    from sync import store as st

    svc = services_factory()
    svc.unlock("张三", PASSPHRASE)
    svc.vault.set_sync_state(st.STATE_CA_CERT, "-----BEGIN CERTIFICATE----- (the earlier county's CA)")
    svc.vault.set_sync_state(st.STATE_OFFICE_KEY, '{"version": 7, "public_key_pem": "an earlier office key"}')
    svc.lock()
    w = window_factory(svc)
    unlock(w, qtbot)

    def join(dialog):
        check_code_in_dialog(dialog, qtbot, server)
        dialog.form.confirm.setChecked(True)
        dialog.try_enroll()

    w.open_enrollment(join)
    assert svc.enrollment_status()["enrolled"]
    assert svc.vault.get_sync_state(st.STATE_CA_CERT) is None and svc.vault.get_sync_state(st.STATE_OFFICE_KEY) is None
    assert svc.vault.get_sync_state(st.STATE_SERVER_URL) == server.url
