"""Documentation screenshots at 1366×768: ``xvfb-run -s "-screen 0 1366x768x24" python -m fieldapp.ui.screenshots``.

Builds a throw-away demo vault, drives the real window and saves ``docs/screenshots/ui-*.png``
with QWidget.grab(). Look at every picture afterwards: Chinese must render (no boxes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSPHRASE = "screenshot-demo-1"


def _settle(app, rounds: int = 8) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    for _ in range(rounds):
        loop = QEventLoop()
        QTimer.singleShot(40, loop.quit)
        loop.exec()
        app.processEvents()


def main(argv: list[str] | None = None) -> int:
    """Take every screenshot into ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from fieldapp.services import Services
    from fieldapp.ui.i18n import LanguageSwitcher
    from fieldapp.ui.main import make_app
    from fieldapp.ui.main_window import MainWindow
    from fieldapp.vault import FAST_KDF

    app = make_app()
    from fieldapp.ui.first_run_flow import run_first_run

    empty = MainWindow(Services(Path(tempfile.mkdtemp(prefix="fieldapp-shots-empty-"))),
                       LanguageSwitcher(app), demo=True)
    empty.resize(1366, 768)
    empty.show()
    run_first_run(empty)
    _settle(app)
    empty.first_run_wizard.grab().save(str(out / "ui-first-run.png"))
    empty.first_run_wizard.next()
    _settle(app)
    empty.first_run_wizard.grab().save(str(out / "ui-first-run-user.png"))
    empty.first_run_wizard.hide()
    empty.close()
    data = Path(tempfile.mkdtemp(prefix="fieldapp-shots-"))
    svc = Services(data, kdf=FAST_KDF)
    from fieldapp.services_demo import DemoServer

    svc.demo_server = DemoServer(data).start()  # as in `fieldapp demo`: the embedded local server
    svc.create_vault("王晓梅", PASSPHRASE, demo=True, households=400)
    svc.unlock("王晓梅", PASSPHRASE)
    svc.add_user("李建国", PASSPHRASE)
    svc.lock()
    languages = LanguageSwitcher(app)
    languages.set_language("zh")
    w = MainWindow(svc, languages, demo=True)
    w.resize(1366, 768)
    w.show()
    _settle(app)

    def shot(name: str, widget=None) -> None:
        _settle(app)
        (widget or w).grab().save(str(out / f"ui-{name}.png"))
        print("saved", out / f"ui-{name}.png")

    shot("unlock")
    w.unlock_page.passphrase.setText(PASSPHRASE)
    done = []
    w.households_loaded.connect(lambda n: done.append(n))
    w.unlock_page.button.click()
    while not done:
        _settle(app, 1)
    w.list_page.table.sortByColumn(8, __import__("PySide6.QtCore").QtCore.Qt.AscendingOrder)
    shot("households")
    w.list_page.show_only(review="overdue", open_needs_only=True)
    shot("households-filtered")
    w.list_page.show_only()

    w.tabs.setCurrentWidget(w.coverage_page)
    while w.coverage_page.report is None:
        _settle(app, 1)
    shot("coverage")

    # A household with a minor and needs shows the most: child protection flags come first.
    rows = sorted(w.model.rows(), key=lambda r: ("child_protection" not in r.flags, -r.open_needs))
    hid = rows[0].household_id
    # Give it a history: an amended visit where the phone and one member's health changed.
    latest = svc.open_household(hid)["latest"]
    amended = svc.amend_visit(latest)
    amended["answers"]["phone"] = "13900001234"
    member = amended["answers"]["members"][0]
    member["health"] = "chronic" if member.get("health") != "chronic" else "healthy"
    amended["answers"]["visit_date"] = amended["answers"].get("visit_date") or "2026-05-12"
    svc.save_visit(amended, final=False)
    w.tabs.setCurrentWidget(w.list_page)
    w.open_household(hid)
    tab = w.tabs.currentWidget()
    if tab.editor.read_only:
        shot("visit-finished")
        before = tab.editor
        tab.start_new()   # on the writer: wait for its editor
        while tab.editor is before:
            _settle(app, 1)
    ed = tab.editor
    ed.set_answer("visitors", ["王晓梅"])
    ed.recheck()
    ed.reassess()
    for i in range(ed.sections.count()):
        ed.sections.setCurrentIndex(i)
        if ed.section_ids[i] in ("basics",):
            ed.repeats["members"].select_row(len(ed.repeats["members"].rows) - 1)
        shot(f"visit-{i}-{ed.section_ids[i]}")
    # Form v2: a supporter living elsewhere, linked to the member they are obliged to (R5 per member).
    ed.sections.setCurrentIndex(1)
    sup = ed.repeats["supporters"]
    sup.add_row()
    sup.fields["name"].input.setText("张伟")
    sup.fields["name"].edited.emit()
    sup.fields["relation"].input.setText("儿子（在外务工）")
    sup.fields["relation"].edited.emit()
    ed.recheck()
    if sup.fields["obliged_to"].boxes:
        sup.fields["obliged_to"].boxes[0].setChecked(True)
    able = sup.fields["able_to_support"].input
    able.setCurrentIndex(able.findData("no"))
    ed.recheck()
    ed.reassess()
    _settle(app)
    ed.sections.currentWidget().ensureWidgetVisible(sup.fields["able_to_support"], 0, 20)
    ed.sections.currentWidget().ensureWidgetVisible(sup.title, 0, 20)
    shot("visit-supporters")
    ed.sections.setCurrentIndex(2)
    shot("assessment", ed.panel)
    tab.inner.setCurrentWidget(tab.history)
    shot("history")
    tab.inner.setCurrentWidget(tab.needs)
    shot("needs")
    ed.save_draft_now()
    languages.set_language("en")
    tab.inner.setCurrentIndex(0)
    ed.sections.setCurrentIndex(1)
    shot("visit-english")
    languages.set_language("zh")
    _sync_and_print_shots(app, w, svc, shot)
    w.runner.wait()
    svc.lock()
    svc.demo_server.stop()
    return 0


def _wait(app, condition, seconds: float = 120) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("screenshot step did not finish")
        _settle(app, 1)


def _sync_once(app, w) -> None:
    _wait(app, lambda: not w.syncer.running)
    before = w.syncer.last_report
    w.sync_now()
    _wait(app, lambda: w.syncer.last_report is not before and not w.syncer.running)
    w.runner.wait()
    _settle(app)


def _sync_and_print_shots(app, w, svc, shot) -> None:
    """Status bar after a real sync, a real hard conflict in the merge view, a batch print preview."""
    from fieldapp import syncing
    from fieldapp.vault import FAST_KDF, Vault

    for tab in w.editors():
        w._close_tab(w.tabs.indexOf(tab))
    w.tabs.setCurrentWidget(w.list_page)
    _sync_once(app, w)
    shot("status-synced")

    # A second office laptop and this one change the same household offline: a hard conflict.
    other = Vault.create(Path(tempfile.mkdtemp(prefix="fieldapp-shots-other-")), "乡镇经办", PASSPHRASE, None,
                         kdf=FAST_KDF)
    syncing.enroll(other, svc.demo_server.url, svc.demo_server.issue_code())
    syncing.sync_now(other)
    hid = w.model.rows()[0].household_id
    latest = svc.open_household(hid)["latest"]
    theirs = svc.amend_visit(latest)
    theirs["answers"].update(address=theirs["answers"].get("address", "") + "（新门牌 8 号）", phone="13700001111")
    other.save_visit(theirs)
    syncing.sync_now(other)
    mine = svc.amend_visit(latest)
    mine["answers"].update(address=mine["answers"].get("address", "") + "（搬到东头 3 号）", phone="13500002222")
    svc.save_visit(mine, final=False)
    _sync_once(app, w)
    dlg = w.show_conflicts()
    dlg.resize(1300, 520)
    dlg.choose("phone", "device")
    _settle(app)
    shot("conflicts", dlg)
    dlg.reject()
    other.lock()

    village = w.model.rows()[0].village_code
    job = w.batch_print("visit_result", village=village)
    _wait(app, lambda: job.result is not None or not job.task.running)
    _wait(app, lambda: job.preview_dialog is not None)
    job.preview_dialog.resize(1000, 740)
    _settle(app)
    shot("print-preview", job.preview_dialog)
    job.preview_dialog.reject()


if __name__ == "__main__":
    sys.exit(main())
