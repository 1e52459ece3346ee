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
        tab.start_new()
    ed = tab.editor
    ed.set_answer("visitors", ["王晓梅"])
    ed.recheck()
    ed.reassess()
    for i in range(ed.sections.count()):
        ed.sections.setCurrentIndex(i)
        if ed.section_ids[i] in ("basics",):
            ed.repeats["members"].select_row(len(ed.repeats["members"].rows) - 1)
        shot(f"visit-{i}-{ed.section_ids[i]}")
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
    w.runner.wait()
    svc.lock()
    return 0


if __name__ == "__main__":
    sys.exit(main())
