"""Every change the UI starts runs off the UI thread and reports once, through MainWindow.changed, what it changed;
the list and the open tab show the new state from that value — on a real county's laptop (松林县), real vault."""

from __future__ import annotations

import json
import threading

from PySide6.QtCore import QTimer

from tests import county
from tests.ui.helpers import PASSPHRASE, open_household, unlock
from tests.ui.test_new_household import visitor_laptop


def _laptop(tmp_path, fast_kdf, heads=(("赵建国", "19750102", 15), ("钱秀兰", "19680305", 22))):
    svc = visitor_laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    ids = [svc.create_household(county.DONGJIE, name, county.id_number(born, seq), address=f"东街 {i} 号")
           for i, (name, born, seq) in enumerate(heads, 1)]
    svc.lock()
    return svc, ids


def _window(svc, window_factory, qtbot):
    w = window_factory(svc)
    unlock(w, qtbot)
    seen = []
    w.changed.connect(seen.append)
    return w, seen


def _row(w, hid):
    return w.model.rows()[w.model.row_for(hid)]


def test_saving_and_finishing_a_visit_report_once_and_the_list_and_tab_follow(tmp_path, fast_kdf, window_factory, qtbot):
    svc, (hid, other) = _laptop(tmp_path, fast_kdf)
    w, seen = _window(svc, window_factory, qtbot)
    tab = open_household(w, hid)
    ed = tab.editor
    ed.fields["visitors"].set_value(["王芳", "李强"])
    ed._edited("visitors", ed.fields["visitors"].value())
    ed.fields["remarks"].set_value("屋顶漏雨")
    ed._edited("remarks", "屋顶漏雨")

    with qtbot.waitSignal(ed.saved, timeout=10000):
        assert ed.save()
        assert not ed.save()              # a second Ctrl+S while the first runs does nothing
    assert len(seen) == 1
    ch = seen[0]
    assert ch.households == {hid} and ch.visits == {ed.visit["visit_id"]} and ch.outbox and not ch.list
    assert set(ch.rows) == {hid} and set(ch.opened) == {hid}      # read once, on the worker
    assert _row(w, hid).visit_status == "draft"
    assert tab.latest["answers"]["remarks"] == "屋顶漏雨"         # the tab shows what was read back
    assert svc.vault.get_visit(ed.visit["visit_id"], audit_view=False)["answers"]["remarks"] == "屋顶漏雨"

    with qtbot.waitSignal(tab.editor.saved, timeout=10000):
        assert ed.finalise(confirm=False)
        assert not ed.finalise(confirm=False)    # a double click on 完成走访: one final record
    assert len(seen) == 2 and seen[1].households == {hid} and seen[1].review
    assert _row(w, hid).visit_status == "done" and _row(w, other).visit_status == "draft"
    assert tab.editor.read_only and tab.latest["status"] == "final"
    assert "走访已完成" in tab.banner.text()
    assert [v["status"] for v in svc.vault.get_household(hid, audit_view=False)["visits"]].count("final") == 1


def test_what_is_typed_while_a_save_runs_is_kept_and_autosaved(tmp_path, fast_kdf, window_factory, qtbot):
    svc, (hid, _other) = _laptop(tmp_path, fast_kdf)
    w, seen = _window(svc, window_factory, qtbot)
    ed = open_household(w, hid).editor
    ed.set_answer("remarks", "第一句")
    held, release = threading.Event(), threading.Event()

    def hold():   # a sync writing: it holds the vault's lock
        with svc.vault._lock:
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        assert ed.save()
        ed.set_answer("remarks", "第一句。第二句")   # typed while the save waits for the lock
        assert ed.fields["remarks"].value() == "第一句。第二句"
    finally:
        release.set()
        t.join(10)
    qtbot.waitUntil(lambda: not ed.saving, timeout=10000)
    assert len(seen) == 1
    assert svc.vault.get_visit(ed.visit["visit_id"], audit_view=False)["answers"]["remarks"] == "第一句"
    assert ed.dirty and ed.fields["remarks"].value() == "第一句。第二句"   # not lost, not marked saved
    ed.save_draft_now()
    qtbot.waitUntil(lambda: not ed.dirty, timeout=10000)
    assert svc.vault.get_draft(ed.visit["visit_id"])["answers"]["remarks"] == "第一句。第二句"


def test_the_ui_thread_keeps_running_while_a_save_waits_for_a_sync_holding_the_vault(tmp_path, fast_kdf,
                                                                                     window_factory, qtbot):
    svc, (hid, _other) = _laptop(tmp_path, fast_kdf)
    w, seen = _window(svc, window_factory, qtbot)
    ed = open_household(w, hid).editor
    ed.set_answer("remarks", "锁住时保存")
    held, release = threading.Event(), threading.Event()

    def hold():
        with svc.vault._lock:
            held.set()
            release.wait(60)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        ed.save()                                          # returns at once: the save waits on the writer
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=20000)   # the event loop kept running meanwhile
        assert ed.saving and not seen                      # and the save is still waiting for the lock
        ed.set_answer("representative", "户主本人")           # typing still works
    finally:
        release.set()
        t.join(10)
        timer.stop()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=10000)
    assert seen[0].households == {hid}


def test_adding_a_user_runs_argon2id_off_the_ui_thread(tmp_path, fast_kdf, window_factory, qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from fieldapp.ui.users import AddUserDialog

    svc, _ids = _laptop(tmp_path, fast_kdf)
    w, seen = _window(svc, window_factory, qtbot)

    def fill(dlg):
        dlg.name.setText("李强")
        dlg.pass1.setText("another pass 9")
        dlg.pass2.setText("another pass 9")
        dlg._check()
        return QDialog.Accepted

    monkeypatch.setattr(AddUserDialog, "exec", fill)
    held, release = threading.Event(), threading.Event()

    def hold():
        with svc.vault._lock:
            held.set()
            release.wait(60)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        w.add_user()
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=20000)
        assert not seen and svc.users() == ["王芳"]
    finally:
        release.set()
        t.join(10)
        timer.stop()
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=30000)
    assert seen[0].users and not seen[0].households
    assert sorted(svc.users()) == ["李强", "王芳"]
    assert "李强" in w.user_added_box.text()


def test_a_need_disposition_reports_its_household_and_the_views_follow(tmp_path, fast_kdf, window_factory, qtbot):
    svc, (hid, other) = _laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    visit = svc.open_household(hid)["latest"]
    visit.pop("meta", None)
    visit["answers"]["visitors"] = ["王芳", "李强"]
    visit["answers"]["needs"] = [{"need_id": "00000000-0000-4000-8000-0000000000a1", "category": "housing",
                                  "description": "屋顶漏雨", "disposition": "pending"}]
    svc.save_visit(visit, final=True)
    svc.lock()
    w, seen = _window(svc, window_factory, qtbot)
    assert _row(w, hid).open_needs == 1
    tab = open_household(w, hid)
    tab.inner.setCurrentWidget(tab.needs)
    view = tab.needs
    view.table.setCurrentCell(0, 0)
    view.disposition.setCurrentIndex(view.disposition.findData("resolved"))
    view.note.setText("已修缮")
    with qtbot.waitSignal(w.changed, timeout=10000):
        view.apply.click()
    assert len(seen) == 1 and seen[0].households == {hid}
    assert _row(w, hid).open_needs == 0                       # the list row from the changes
    assert view.needs[0]["disposition"] == "resolved"         # the needs view from the household read back
    assert "已修缮" in json.dumps(tab.household["fields"]["needs"], ensure_ascii=False)


def test_importing_reports_the_whole_list_once(tmp_path, fast_kdf, window_factory, qtbot):
    svc, (hid, _other) = _laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    fresh = svc.open_household(hid)["latest"]
    svc.lock()
    fresh.pop("meta", None)
    import uuid

    new_hid = str(uuid.uuid4())
    fresh = {**fresh, "household_id": new_hid, "visit_id": str(uuid.uuid4())}
    fresh["answers"] = {**fresh["answers"], "members": [{**fresh["answers"]["members"][0], "name": "孙德福",
                                                          "member_id": str(uuid.uuid4()),
                                                          "id_number": county.id_number("19590811", 41)}]}
    path = tmp_path / "visits.json"
    path.write_text(json.dumps([fresh], ensure_ascii=False), encoding="utf-8")
    w, seen = _window(svc, window_factory, qtbot)
    with qtbot.waitSignal(w.households_loaded, timeout=20000):
        w.import_file(str(path))
    assert len(seen) == 1 and seen[0].list and seen[0].result["imported"] == 1
    assert w.model.row_for(new_hid) is not None and _row(w, new_hid).head_name == "孙德福"
