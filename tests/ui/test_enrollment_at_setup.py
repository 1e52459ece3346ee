"""A code typed at set-up that the county server refuses is said at set-up, not hidden until the first sync;
without network the code is kept for the first sync — against a REAL server on 127.0.0.1."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from fieldapp.core.sync import EnrollmentCodeRejected
from fieldapp.ui.first_run_flow import create_from_choice
from fieldapp.ui.firstrun import FirstRunChoice
from tests.sync.conftest import VILLAGE_A, free_port
from tests.ui.helpers import PASSPHRASE
from tests.ui.test_sync_app import server  # noqa: F401 - the fixture: a real server on 127.0.0.1

WRONG_CODE = "WRON-GCOD-E234"


def test_a_mistyped_code_is_refused_when_the_vault_is_made_and_can_be_retyped(services_factory, server):
    svc = services_factory(with_vault=False)
    with pytest.raises(EnrollmentCodeRejected) as refused:
        svc.create_vault("王芳", PASSPHRASE, server_url=server.url, enrollment_code=WRONG_CODE)
    assert "登记码无效" in refused.value.message_zh and "重新输入登记码" in refused.value.hint_zh
    # The vault was made and opens; the wrong code is not kept to fail again at the first sync.
    svc.unlock("王芳", PASSPHRASE)
    status = svc.enrollment_status()
    assert not status["enrolled"] and not status["pending_code"] and status["server_url"] == server.url
    assert server.storage.list_devices() == []
    svc.sync_part.enroll(server.url, server.code(role="visitor", villages=(VILLAGE_A,)))
    assert svc.enrollment_status()["enrolled"] and len(server.storage.list_devices()) == 1


def test_without_network_at_setup_the_code_waits_for_the_first_sync(services_factory):
    svc = services_factory(with_vault=False)
    svc.create_vault("王芳", PASSPHRASE, server_url=f"http://127.0.0.1:{free_port()}", enrollment_code=WRONG_CODE)
    svc.unlock("王芳", PASSPHRASE)
    status = svc.enrollment_status()
    assert not status["enrolled"] and status["pending_code"]


def test_the_first_run_says_the_code_was_refused_and_still_opens_the_new_vault(services_factory, window_factory,
                                                                              qtbot, server):
    svc = services_factory(with_vault=False)
    w = window_factory(svc)
    choice = FirstRunChoice(mode="join", server_url=server.url, enrollment_code=WRONG_CODE,
                            user_name="王芳", passphrase=PASSPHRASE)   # the wizard found the server offline
    with qtbot.waitSignal(w.households_loaded, timeout=30000):
        create_from_choice(w, choice)
    qtbot.waitUntil(lambda: w.findChild(QMessageBox, "errorBox") is not None, timeout=10000)
    box = w.findChild(QMessageBox, "errorBox")
    assert "登记码无效" in box.text() and "重新输入登记码" in box.text()
    assert svc.is_unlocked() and svc.users() == ["王芳"]
    assert w.stack.currentWidget() is w.tabs
