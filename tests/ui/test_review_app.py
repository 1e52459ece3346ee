"""Review in the real window: a returned visit at the top of the visitor's list, the comment next to the
field it names, the amendment sent back; the office laptop's queue approves the filtered list.

Real server on 127.0.0.1 (SQLite), real SQLCipher vaults, a non-demo county. With
``FIELDAPP_WRITE_SCREENSHOTS=1`` the visitor's window is saved as docs/screenshots/ui-review-returned.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sync.test_review_e2e import COUNTY, REFERENCE, TOWNSHIP, VILLAGE, final_visit
from tests.ui.helpers import PASSPHRASE, unlock, amend_visit

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def server(tmp_path):
    from sync.server.admin import add_area
    from sync.server.storage import open_storage
    from tests.sync.conftest import RunningServer

    storage = open_storage(f"sqlite:///{tmp_path}/server.db")
    storage.migrate()
    add_area(storage, COUNTY, "合江县")
    add_area(storage, TOWNSHIP, "福宝镇")
    add_area(storage, VILLAGE, "福宝村", "rural")
    storage.publish_document("reference", "hejiang", REFERENCE, "2026-05-01T00:00:00+00:00")
    running = RunningServer(storage).start()
    yield running
    running.stop()
    storage.close()


def laptop(server, tmp_path, name, user, role="visitor"):
    from fieldapp.services import Services
    from fieldapp.vault import FAST_KDF
    from forms.reference import reference_from_dict
    from sync.server.admin import issue_enrollment_code

    code = issue_enrollment_code(server.storage, role, TOWNSHIP, [VILLAGE] if role == "visitor" else [], 1)[0]
    svc = Services(tmp_path / name, kdf=FAST_KDF)
    svc.create_vault(user, PASSPHRASE, server_url=server.url, enrollment_code=code)
    svc._reference = reference_from_dict(REFERENCE, "hejiang")   # the county's data (issue 13 loads the published one)
    return svc


def test_returned_visit_on_the_visitors_laptop(server, tmp_path, window_factory, qtbot):
    visitor = laptop(server, tmp_path, "visitor", "李明")
    office = laptop(server, tmp_path, "office", "周主任", role="office")
    visitor.unlock("李明", PASSPHRASE)
    visit = final_visit(visitor)
    hid, vid = visit["household_id"], visit["visit_id"]
    visitor.sync()
    visitor.lock()
    office.unlock("周主任", PASSPHRASE)
    office.sync()
    office.reviews.return_visit(vid, "工资收入应填税后金额，请核实后修改", {"incomes": "核实工资：应为税后每月金额"})

    w = window_factory(visitor)
    unlock(w, qtbot)
    qtbot.waitUntil(lambda: not w.syncer.running, timeout=30000)
    w.runner.wait(20000)
    if not w.returned_panel.isVisible():     # an automatic sync after unlock may already have fetched it
        with qtbot.waitSignal(w.households_loaded, timeout=60000):
            w.sync_now()
    panel = w.returned_panel
    qtbot.waitUntil(panel.isVisible, timeout=10000)
    assert panel.list.count() == 1
    text = panel.list.item(0).text()
    assert "王芳" in text and "工资收入应填税后金额" in text and "周主任" in text
    # at the top of the list page, above the household table
    assert panel.mapTo(w, panel.rect().topLeft()).y() < w.list_page.table.mapTo(w, w.list_page.table.rect().topLeft()).y()

    if os.environ.get("FIELDAPP_WRITE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        w.grab().save(str(SHOTS / "ui-review-returned-list.png"))
    panel.list.setCurrentRow(0)
    panel.list.itemActivated.emit(panel.list.item(0))
    tab = w.tabs.currentWidget()
    assert tab.household_id == hid
    banner = tab.editor.findChild(type(panel.title), "reviewCommentBanner")
    assert banner is not None and "工资收入应填税后金额" in banner.text() and "需要修改：家庭月收入" in banner.text()
    note = tab.editor.findChild(type(panel.title), "reviewComment_incomes")
    assert note is not None and "应为税后每月金额" in note.text()
    # the comment sits right under the field it names
    incomes = tab.editor.repeats["incomes"]
    layout = incomes.parentWidget().layout()
    assert layout.indexOf(note) == layout.indexOf(incomes) + 1
    section = next(i for i, s in enumerate(tab.editor.form.sections) if any(q.id == "incomes" for q in s.questions))
    tab.editor.sections.setCurrentIndex(section)
    qtbot.wait(200)
    picture = w.grab()
    assert not picture.isNull() and picture.width() >= 1000
    if os.environ.get("FIELDAPP_WRITE_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        picture.save(str(SHOTS / "ui-review-returned.png"))

    # the amendment: a new visit linked to the returned one; 完成走访 sends it back for review
    amend_visit(tab, qtbot)
    assert not tab.editor.read_only
    assert tab.editor.findChild(type(panel.title), "reviewCommentBanner") is not None   # still shown while fixing
    tab.editor.set_answer("remarks", "已核实：工资为税后每月650元")
    with qtbot.waitSignal(w.changed, timeout=10000):
        assert tab.editor.finalise(confirm=False)
    w.tabs.setCurrentWidget(w.list_page)
    qtbot.waitUntil(lambda: not w.returned_panel.isVisible(), timeout=5000)
    history = visitor.reviews.history(hid)
    assert [h["review_state"] for h in history] == ["submitted", "returned"]
    assert history[0]["amends"] == vid

    # the office laptop's queue: the amendment, marked as re-submitted; approve the whole list
    visitor.sync()
    office.sync()
    from fieldapp.ui.review_view import ReviewDialog

    dialog = ReviewDialog(office, w.mutations)
    qtbot.addWidget(dialog)
    dialog.set_items(office.reviews.queue())
    assert dialog.table.rowCount() == 1 and "重新提交" in dialog.table.item(0, 0).text()
    assert "1" in dialog.approve_button.text()
    assert dialog.table.item(0, 4).text()           # the rules' suggestions beside the visit
    if os.environ.get("FIELDAPP_WRITE_SCREENSHOTS") == "1":
        dialog.show()
        qtbot.wait(200)
        dialog.grab().save(str(SHOTS / "ui-review-office.png"))
    with qtbot.waitSignal(dialog.reviewed, timeout=30000):
        with qtbot.waitSignal(w.changed, timeout=30000) as changed:
            dialog.approve_listed()
            dialog.approve_listed()                      # a second click while it runs: not sent twice
    assert changed.args[0].review and changed.args[0].visits == {history[0]["visit"]["visit_id"]}
    assert office.reviews.state(office.get_visit(history[0]["visit"]["visit_id"])) == "approved"
    office.lock()
