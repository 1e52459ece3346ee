"""Changes the server refused, in the app (issue 19), against a REAL server on 127.0.0.1 with real SQLCipher vaults.

The visitor sees ``⚠ 被拒收 N 条`` in the status bar and the reason in Chinese under 工具 → 被拒收的记录,
opens the household, fixes it, presses 重新发送: it syncs and the count goes. The township office laptop
sees the same changes in its list (which laptop, which household, why) until they are fixed.
"""

from __future__ import annotations

import uuid

from fieldapp import syncing
from fieldapp.ui.set_aside_view import open_set_aside_dialog
from sync.server.storage import Scope
from tests.sync.conftest import OTHER_VILLAGE, VILLAGE_A
from tests.ui.test_sync_app import app_services, click_sync, server, unlock_settled, visit  # noqa: F401 (fixture)

ALL = Scope("admin", "")


def saved_by_an_older_program(vault, monkeypatch, doc) -> None:
    import fieldapp.vault.records as records

    with monkeypatch.context() as m:
        m.setattr(records, "check_entry", lambda *a, **k: None)
        vault.save_visit(doc)


def test_the_visitor_sees_why_fixes_and_resends_and_the_office_sees_it_meanwhile(
        services_factory, window_factory, qtbot, server, tmp_path, monkeypatch):
    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    hid = str(uuid.uuid4())
    bad = visit(hid, village_code=OTHER_VILLAGE, address="西山村一组")
    saved_by_an_older_program(svc.vault, monkeypatch, bad)
    svc.save_visit(visit(str(uuid.uuid4()), address="东山村好的户"), final=False)
    click_sync(w, qtbot)
    qtbot.waitUntil(lambda: w.set_aside_button.isVisible(), timeout=10000)
    assert w.set_aside_button.text() == "⚠ 被拒收 2 条"
    assert hid not in {r["household_id"] for r in server.storage.records(ALL)}

    w.set_aside_button.click()
    dlg = w.set_aside_dialog
    assert dlg.isVisible() and dlg.table.rowCount() == 2 and not dlg.office_table.isVisible()
    reasons = {dlg.table.item(r, 2).text() for r in range(2)}
    assert all("村（社区）代码不在本电脑负责的范围内" in text for text in reasons)
    assert "已单独保存、没有丢失" in dlg.intro.text()

    dlg.open_selected()
    assert hid in {e.household_id for e in w.editors()}
    fixed = visit(hid, address="西山村一组")
    fixed["visit_id"] = bad["visit_id"]
    fixed["answers"]["members"] = bad["answers"]["members"]
    svc.save_visit(fixed, final=False)

    dlg = open_set_aside_dialog(w)
    with qtbot.waitSignal(w.syncer.finished, timeout=60000):
        dlg.retry_button.click()
    w.runner.wait(20000)
    qtbot.waitUntil(lambda: not w.syncer.running, timeout=20000)
    qtbot.waitUntil(lambda: not w.set_aside_button.isVisible(), timeout=10000)
    assert dlg.table.rowCount() == 0 and "没有被县服务器拒收" in dlg.intro.text()
    assert server.storage.records(ALL) and {r["village_code"] for r in server.storage.records(ALL)
                                            if r["household_id"] == hid} == {VILLAGE_A}
    assert server.storage.set_aside.listed(ALL) == []


def test_the_office_laptop_lists_what_its_township_laptops_set_aside(services_factory, window_factory, qtbot, server,
                                                                     tmp_path, monkeypatch):
    from fieldapp.vault import FAST_KDF, Vault
    from tests.ui.helpers import PASSPHRASE

    laptop = Vault.create(tmp_path / "visitor", "李四", PASSPHRASE, None, kdf=FAST_KDF)
    syncing.enroll(laptop, server.url, server.code(), label="东山村-李四")
    hid = str(uuid.uuid4())
    bad = visit(hid, village_code=OTHER_VILLAGE)
    saved_by_an_older_program(laptop, monkeypatch, bad)
    syncing.sync_now(laptop)

    office = app_services(services_factory, server, role="office")
    w = window_factory(office)
    unlock_settled(w, qtbot)
    click_sync(w, qtbot)
    assert not w.set_aside_button.isVisible()          # the office laptop itself holds nothing aside
    dlg = open_set_aside_dialog(w)
    assert dlg.office_table.isVisible() and dlg.office_table.rowCount() == 2
    assert {dlg.office_table.item(r, 0).text() for r in range(2)} == {"东山村-李四"}
    assert all("村（社区）代码" in dlg.office_table.item(r, 3).text() for r in range(2))
    dlg.close()

    fixed = visit(hid)
    fixed["visit_id"] = bad["visit_id"]
    fixed["answers"]["members"] = bad["answers"]["members"]
    laptop.save_visit(fixed)
    syncing.retry_set_aside(laptop)
    syncing.sync_now(laptop)
    click_sync(w, qtbot)
    assert open_set_aside_dialog(w).office_table.rowCount() == 0
    laptop.lock()
