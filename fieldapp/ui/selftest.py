"""``fieldapp selftest``: start the real app, go through first run with demo data, save screenshots.

What an installer (and the clean-root package test) runs to see that an installation works on this
computer: the window opens on the display, the first-run screen appears, a demo vault is created in
the data folder and the household list fills. Prints one JSON line with what it saw; exit 0 if all
of it happened within the time limit.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard

PASSPHRASE = "selftest-passphrase-1"


def run_selftest(data_dir: str | Path | None, screenshots: str | Path, timeout: float = 180) -> int:
    """Drive first run in the real window; write ``firstrun.png`` and ``main.png`` into *screenshots*."""
    from fieldapp.ui.main import build_window, make_app, start_first_run

    started = time.perf_counter()
    out = Path(screenshots)
    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    window = build_window(data_dir, demo=False)
    result = {"data_dir": str(window.services.data_dir), "had_vault": window.services.has_vault(),
              "first_run_shown": False, "households": None, "platform": app.platformName(), "ok": False}
    if result["had_vault"]:
        print(json.dumps({**result, "error": "a vault already exists in this data folder"}, ensure_ascii=False))
        return 2
    window.show()

    def loaded(count: int) -> None:
        result["households"] = count
        QTimer.singleShot(300, finish)

    def finish() -> None:
        window.grab().save(str(out / "main.png"))
        result["ok"] = bool(result["first_run_shown"] and result["households"])
        app.quit()

    def drive() -> None:
        wizard = getattr(window, "first_run_wizard", None)
        if wizard is None or not wizard.isVisible():
            QTimer.singleShot(100, drive)
            return
        result["first_run_shown"] = True
        wizard.grab().save(str(out / "firstrun.png"))
        wizard.mode_page.demo.setChecked(True)
        wizard.next()
        wizard.user_page.name.setText("自检用户")
        wizard.user_page.pass1.setText(PASSPHRASE)
        wizard.user_page.pass2.setText(PASSPHRASE)
        wizard.button(QWizard.FinishButton).click()

    window.households_loaded.connect(loaded)
    QTimer.singleShot(0, lambda: start_first_run(window))
    QTimer.singleShot(200, drive)
    QTimer.singleShot(int(timeout * 1000), app.quit)
    app.exec()
    result["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_selftest(sys.argv[1] if len(sys.argv) > 1 else None, sys.argv[2] if len(sys.argv) > 2 else "."))
