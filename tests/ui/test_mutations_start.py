"""The last UI writes on the writer: the amendment link (修改这次走访, 新走访 after a review return) and the
print preview's 文号 commit run off the UI thread, report once through MainWindow.changed, and the UI keeps
processing events while a sync holds the vault — a real county's laptop (松林县), real vault, real PDFs."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager

from PySide6.QtCore import QTimer

from tests.ui.helpers import open_household
from tests.ui.test_mutations import _laptop, _window
from tests.ui.test_printing import _preview


def _return(svc, hid: str) -> str:
    """The township office returned the household's visit (as a sync brings it down)."""
    from tests.ui.helpers import PASSPHRASE

    svc.unlock("王芳", PASSPHRASE)
    vid = svc.open_household(hid)["latest"]["visit_id"]
    svc.vault.record_reviews([{"event_id": str(uuid.uuid4()), "review_seq": 1, "visit_id": vid, "household_id": hid,
                               "action": "returned", "comment": "家庭收入请核实", "reviewer_name": "周主任",
                               "reviewer_role": "office", "at": "2026-05-20T09:00:00+08:00"}], 1)
    svc.lock()
    return vid


@contextmanager
def _vault_held(svc):
    """Another thread (a sync writing) holds the vault's lock; yields a list the UI's event loop ticks into."""
    held, release = threading.Event(), threading.Event()

    def hold():
        with svc.vault._lock:
            held.set()
            release.wait(60)

    t = threading.Thread(target=hold)
    t.start()
    assert held.wait(10)
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        yield ticks
    finally:
        release.set()
        t.join(10)
        timer.stop()


def test_amending_links_on_the_writer_while_a_sync_holds_the_vault(tmp_path, fast_kdf, window_factory, qtbot):
    svc, (hid, _other) = _laptop(tmp_path, fast_kdf)
    returned = _return(svc, hid)
    w, seen = _window(svc, window_factory, qtbot)
    tab = open_household(w, hid)
    before = tab.editor
    with _vault_held(svc) as ticks:
        assert tab.amend() is not None               # returns at once: the link waits on the writer
        assert tab.amend() is None                   # a double click starts one amendment
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=20000)   # the event loop kept running meanwhile
        assert tab.editor is before and not seen      # still waiting for the vault
    qtbot.waitUntil(lambda: tab.editor is not before, timeout=20000)
    assert len(seen) == 1
    new_id = tab.editor.visit["visit_id"]
    assert seen[0].visits == {new_id} and seen[0].review and not seen[0].households
    assert new_id != returned and tab.editor.visit["amends"] == returned and not tab.editor.read_only
    assert "正在修改已完成的走访" in tab.banner.text()
    assert svc.vault.amendment_links(hid) == {new_id: returned}    # on disk


def test_a_new_visit_after_a_return_is_linked_on_the_writer(tmp_path, fast_kdf, window_factory, qtbot):
    svc, (hid, other) = _laptop(tmp_path, fast_kdf)
    returned = _return(svc, hid)
    w, seen = _window(svc, window_factory, qtbot)
    tab = open_household(w, hid)
    before = tab.editor
    with _vault_held(svc) as ticks:
        assert tab.start_new() is not None
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=20000)
        assert tab.editor is before and not seen
    qtbot.waitUntil(lambda: tab.editor is not before, timeout=20000)
    new_id = tab.editor.visit["visit_id"]
    assert len(seen) == 1 and seen[0].visits == {new_id} and seen[0].review
    assert tab.editor.visit["amends"] == returned and svc.vault.amendment_links(hid) == {new_id: returned}

    # a household without an open return: a plain new visit, nothing linked, nothing to refresh
    tab2 = open_household(w, other)
    before = tab2.editor
    assert tab2.start_new() is not None
    qtbot.waitUntil(lambda: tab2.editor is not before, timeout=20000)
    assert len(seen) == 2 and not seen[1].visits and not seen[1].review
    assert "amends" not in tab2.editor.visit and svc.vault.amendment_links(other) == {}


def test_the_preview_commits_its_serials_on_the_writer_while_a_sync_holds_the_vault(services_factory, window_factory,
                                                                                      qtbot, tmp_path):
    from tests.ui.helpers import unlock

    svc = services_factory(demo=True, households=4)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    tab = open_household(w, hid)
    dlg, serial = _preview(tab, qtbot)
    seen = []
    w.changed.connect(seen.append)
    target = tmp_path / "letter.pdf"
    with _vault_held(svc) as ticks:
        assert dlg.save_pdf(str(target)) is None      # returns at once: the 文号 wait on the writer
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=20000)
        assert not target.exists() and not seen
    with qtbot.waitSignal(dlg.saved, timeout=20000):
        pass
    assert target.read_bytes()[:5] == b"%PDF-" and len(seen) == 1
    dlg.reject()
    again, next_serial = _preview(tab, qtbot)
    assert next_serial != serial                      # the number is used: the next preview takes the next one
    again.reject()
