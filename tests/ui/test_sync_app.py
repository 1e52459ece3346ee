"""Sync from the app against a REAL server on 127.0.0.1 (uvicorn, SQLite) with real SQLCipher vaults.

Covers: the status bar after a sync, a hard conflict resolved field by field by an office
user (server record and vault checked), visitors seeing conflicts read-only, a revoked
laptop locking, no network.
"""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from fieldapp import syncing
from fieldapp.vault import FAST_KDF, Vault
from sync.server.storage import Scope, open_storage
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, RunningServer, seed_areas
from tests.ui.helpers import PASSPHRASE, unlock


@pytest.fixture
def server(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path}/server.db")
    storage.migrate()
    seed_areas(storage)
    running = RunningServer(storage).start()
    yield running
    running.stop()
    storage.close()


def visit(household_id: str, **answers) -> dict:
    base = {"visit_date": "2026-05-12", "visitors": ["甲", "乙"], "village_code": VILLAGE_A, "area_type": "rural",
            "address": "东山村三组12号", "hukou_type": "agricultural", "phone": "13800000000",
            "members": [{"member_id": "m-1", "name": "王芳", "relation": "head", "id_number": ""}]}
    base.update(answers)
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": household_id, "visit_id": str(uuid.uuid4()), "status": "draft", "answers": base}


def app_services(services_factory, server, role="visitor"):
    """The app's Services over a new vault enrolled with the server (as the first-run wizard does)."""
    svc = services_factory()
    svc.unlock("张三", PASSPHRASE)
    villages = (VILLAGE_A,) if role == "visitor" else ()
    syncing.enroll(svc.vault, server.url, server.code(role=role, villages=villages))
    svc.lock()
    return svc


def other_laptop(tmp_path, server, name="laptop_b") -> Vault:
    vault = Vault.create(tmp_path / name, name, PASSPHRASE, None, kdf=FAST_KDF)
    syncing.enroll(vault, server.url, server.code())
    return vault


def unlock_settled(w, qtbot):
    """Unlock, then let the first status check (and the automatic sync it may start) finish."""
    with qtbot.waitSignal(w.status_checked, timeout=30000):
        unlock(w, qtbot)
    qtbot.waitUntil(lambda: not w.syncer.running, timeout=30000)
    w.runner.wait(20000)


def click_sync(w, qtbot):
    with qtbot.waitSignals([w.syncer.finished], timeout=60000, raising=True):
        w.status.sync_button.click()
    w.runner.wait(20000)
    qtbot.waitUntil(lambda: not w.syncer.running, timeout=20000)


def error_box(w):
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    return boxes[-1] if boxes else None


def test_sync_from_the_app_updates_the_status_bar(services_factory, window_factory, qtbot, server):
    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    for i in range(3):
        svc.save_visit(visit(str(uuid.uuid4()), address=f"东山村{i}组"), final=False)
    w.refresh_status(check_online=False)
    qtbot.waitUntil(lambda: w.status.pending.text() == "待同步 6 条", timeout=10000)  # household + visit each
    assert w.status.sync_button.isVisible() and w.status.sync_button.text() == "同步"

    shown = []
    with qtbot.waitSignal(w.syncer.finished, timeout=60000):
        w.status.sync_button.click()
        dlg = w.syncer.dialog  # the progress dialog counts what goes up and comes down
        assert dlg.isVisible()
        w.syncer.task.progressed.connect(lambda *_a: shown.append((dlg.push_label.text(), dlg.pull_label.text())))
    assert w.syncer.last_report.pushed == 6
    assert ("上传：6 / 6 条", "下载：0 条") in shown and shown[-1][1].startswith("下载：")
    qtbot.waitUntil(lambda: w.syncer.dialog is None, timeout=10000)
    qtbot.waitUntil(lambda: w.status.pending.text() == "待同步 0 条", timeout=10000)
    assert w.status.last_sync.text() != "上次同步：从未"
    assert "上传 6 条" in w.status.currentMessage()
    # its own six changes come back merged: not counted as news from other laptops
    assert w.syncer.last_report.pulled_own == w.syncer.last_report.pulled
    assert "收到其他电脑的更新 0 条" in w.status.currentMessage()
    assert len(server.storage.records(Scope("office", TOWNSHIP))) == 6
    # the online check (as the minute timer runs it) shows the server as reachable
    with qtbot.waitSignal(w.status_checked, timeout=10000):
        w.refresh_status()
    assert w.status.online.text() == "● 在线"


def test_office_user_resolves_a_hard_conflict_field_by_field(services_factory, window_factory, qtbot, server,
                                                             tmp_path):
    office = app_services(services_factory, server, role="office")
    laptop = other_laptop(tmp_path, server)
    hid = str(uuid.uuid4())
    laptop.save_visit(visit(hid))
    syncing.sync_now(laptop)

    w = window_factory(office)
    unlock_settled(w, qtbot)
    click_sync(w, qtbot)  # the office laptop now has the household
    # both change the address and the phone offline; the other laptop syncs first
    laptop.save_visit(visit(hid, address="东山村四组1号", phone="13911111111"))
    syncing.sync_now(laptop)
    office.save_visit(visit(hid, address="东山村五组2号", phone="13922222222"), final=False)
    click_sync(w, qtbot)
    qtbot.waitUntil(lambda: w.status.conflicts_button.isVisible(), timeout=10000)
    assert w.status.conflicts_button.text() == "⚠ 冲突 1 处"

    w.status.conflicts_button.click()
    dlg = w.conflicts_dialog
    assert dlg.list.count() == 1 and "东山村" in dlg.list.item(0).text()
    assert dlg.resolve_button.isVisible() and dlg.resolve_button.isEnabled()
    shown = {f.field: (f.server_text, f.device_text) for f in dlg.current.fields}
    assert shown == {"address": ("东山村四组1号", "东山村五组2号"), "phone": ("13911111111", "13922222222")}
    dlg.choose("address", "edit", "东山村五组2号（新址）")  # typed by hand
    dlg.choose("phone", "device")  # the office's own value
    with qtbot.waitSignal(w.changed, timeout=60000) as changed:   # off the UI thread, reported once
        dlg.resolve_button.click()
        dlg.resolve_button.click()                                 # disabled meanwhile: no second resolution
    assert changed.args[0].households == {hid} and changed.args[0].conflicts
    qtbot.waitUntil(lambda: dlg.list.count() == 0, timeout=10000)

    record = next(r for r in server.storage.records(Scope("office", TOWNSHIP)) if r["entity_id"] == hid)
    assert record["fields"]["address"] == "东山村五组2号（新址）" and record["fields"]["phone"] == "13922222222"
    fields = office.vault.get_household(hid, audit_view=False)["fields"]
    assert fields["address"] == "东山村五组2号（新址）" and fields["phone"] == "13922222222"
    assert office.vault.list_conflicts() == []
    assert [s.conflict_id for s in office.conflicts()] == []
    syncing.sync_now(laptop)
    assert laptop.get_household(hid)["fields"]["address"] == "东山村五组2号（新址）"
    laptop.lock()


def test_office_user_resolves_a_row_level_conflict_naming_member_and_answer(services_factory, window_factory, qtbot,
                                                                           server, tmp_path):
    office = app_services(services_factory, server, role="office")
    laptop = other_laptop(tmp_path, server)
    hid = str(uuid.uuid4())
    two = [{"member_id": "m-1", "name": "王芳", "relation": "head", "health": "healthy"},
           {"member_id": "m-2", "name": "王小", "relation": "child", "health": "healthy"}]
    laptop.save_visit(visit(hid, members=two))
    syncing.sync_now(laptop)
    w = window_factory(office)
    unlock_settled(w, qtbot)
    click_sync(w, qtbot)
    # the same member's health, changed differently on both; a different member's name on the office only
    laptop.save_visit(visit(hid, members=[two[0], dict(two[1], health="serious_illness")]))
    syncing.sync_now(laptop)
    office.save_visit(visit(hid, members=[dict(two[0], name="王芳芳"), dict(two[1], health="chronic")]), final=False)
    click_sync(w, qtbot)
    qtbot.waitUntil(lambda: w.status.conflicts_button.isVisible(), timeout=10000)
    w.status.conflicts_button.click()
    dlg = w.conflicts_dialog
    [f] = dlg.current.fields
    assert (f.field, f.label, f.server_text, f.device_text) == ("members/m-2/health", "第 2 位成员 · 健康状况", "重病",
                                                                "体弱/慢性病")
    assert f.server_by.startswith("laptop_b ") and f.device_by.startswith("张三 ")
    assert "laptop_b" in dlg.table.cellWidget(0, 1).text()
    dlg.choose("members/m-2/health", "device")
    with qtbot.waitSignal(w.changed, timeout=60000) as changed:   # off the UI thread, reported once
        dlg.resolve_button.click()
        dlg.resolve_button.click()                                 # disabled meanwhile: no second resolution
    assert changed.args[0].households == {hid} and changed.args[0].conflicts
    qtbot.waitUntil(lambda: dlg.list.count() == 0, timeout=10000)
    record = next(r for r in server.storage.records(Scope("office", TOWNSHIP)) if r["entity_id"] == hid)
    assert [(m["name"], m["health"]) for m in record["fields"]["members"]] == [("王芳芳", "healthy"), ("王小", "chronic")]
    syncing.sync_now(laptop)
    assert laptop.get_household(hid)["fields"]["members"] == record["fields"]["members"]
    laptop.lock()


def test_visitor_sees_conflicts_read_only(services_factory, window_factory, qtbot, server, tmp_path):
    visitor = app_services(services_factory, server)
    laptop = other_laptop(tmp_path, server)
    hid = str(uuid.uuid4())
    laptop.save_visit(visit(hid))
    syncing.sync_now(laptop)
    w = window_factory(visitor)
    unlock_settled(w, qtbot)
    click_sync(w, qtbot)
    laptop.save_visit(visit(hid, address="甲"))
    syncing.sync_now(laptop)
    visitor.save_visit(visit(hid, address="乙"), final=False)
    click_sync(w, qtbot)
    dlg = w.show_conflicts()
    assert dlg.list.count() == 1
    assert not dlg.resolve_button.isVisible()
    assert "乡镇经办机构处理" in dlg.note.text()
    assert not dlg.table.cellWidget(0, 2).isEnabled()  # no choosing on a visitor laptop
    laptop.lock()


def test_revoked_laptop_is_told_and_locks(services_factory, window_factory, qtbot, server):
    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    svc.save_visit(visit(str(uuid.uuid4())), final=False)
    server.storage.revoke_device(svc.vault.get_sync_state("device_id"), "2026-05-12T00:00:00+00:00")
    with qtbot.waitSignal(w.syncer.failed, timeout=60000):
        w.status.sync_button.click()
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.unlock_page, timeout=10000)
    box = w.revoked_box
    assert box.isVisible() and "已被县民政局注销" in box.text() and "乡镇经办机构可以用县级密钥恢复" in box.text()
    assert not svc.is_unlocked() and w.model.rowCount() == 0
    assert svc.users() == []  # every local wrap destroyed: nobody can unlock here any more


def test_no_network_is_said_plainly(services_factory, window_factory, qtbot, server):
    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    server.stop()
    with qtbot.waitSignal(w.syncer.failed, timeout=60000):
        w.status.sync_button.click()
    qtbot.waitUntil(lambda: error_box(w) is not None, timeout=10000)
    assert "无法连接县服务器" in error_box(w).text() and "数据已安全保存在本机" in error_box(w).text()
    assert svc.is_unlocked()  # nothing else happens: work goes on offline
    QApplication.processEvents()


def test_a_save_syncs_by_itself_when_the_server_answers(services_factory, window_factory, qtbot, server):
    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    hid = str(uuid.uuid4())
    from fieldapp.ui.changes import Changes

    def save():   # what Ctrl+S in a household tab runs
        svc.save_visit(visit(hid), final=False)
        return Changes(households={hid}, outbox=True)

    seen = []
    w.changed.connect(seen.append)
    with qtbot.waitSignal(w.syncer.finished, timeout=60000):
        w.mutations.run(f"visit:{hid}", save)
    # once for the save (its household), once for the sync it started (the list, said through the same signal)
    assert [c.households for c in seen] == [{hid}, set()] and seen[1].synced and seen[1].list
    assert seen[1].result.pushed >= 1
    assert w.syncer.dialog is None  # automatic: no dialog in the way, a note in the status bar
    qtbot.waitUntil(lambda: w.status.pending.text() == "待同步 0 条", timeout=10000)
    assert any(r["entity_id"] == hid for r in server.storage.records(Scope("office", TOWNSHIP)))


@pytest.mark.parametrize("laptop, words", [
    ("clock_2h_ahead", "校准电脑时间"),
    ("newer_than_server", "县服务器的软件版本过旧"),
    ("older_than_server", "版本过旧，请先更新软件"),
])
def test_clock_and_version_problems_are_explained(services_factory, window_factory, qtbot, server, monkeypatch,
                                                  laptop, words):
    import time as _time

    import sync.client

    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    if laptop == "clock_2h_ahead":  # the laptop's clock, as the client reads it
        real = _time.time
        monkeypatch.setattr(sync.client.time, "time", lambda: real() + 7200)
    elif laptop == "newer_than_server":
        monkeypatch.setattr(sync.client, "PROTOCOL_VERSION", 99)
    else:
        monkeypatch.setattr(sync.client, "PROTOCOL_VERSION", 0)
    with qtbot.waitSignal(w.syncer.failed, timeout=60000):
        w.status.sync_button.click()
    qtbot.waitUntil(lambda: error_box(w) is not None, timeout=10000)
    assert words in error_box(w).text()
    assert svc.is_unlocked()


def test_english_ui_gets_the_english_sync_message(services_factory, window_factory, qtbot, server):
    svc = app_services(services_factory, server)
    w = window_factory(svc)
    unlock_settled(w, qtbot)
    w.languages.set_language("en")
    qtbot.waitUntil(lambda: w.status.sync_button.text() == "Sync", timeout=5000)  # LanguageChange is posted
    assert w.sync_action.text() == "Sync now"
    server.stop()
    with qtbot.waitSignal(w.syncer.failed, timeout=60000):
        w.status.sync_button.click()
    qtbot.waitUntil(lambda: error_box(w) is not None, timeout=10000)
    assert error_box(w).text() == "The server cannot be reached."
    assert error_box(w).windowTitle() == "Sync did not finish"
