"""Run as a separate process by the crash test: unlock, open a household, type, wait for autosave, keep running.

Usage: python -m tests.ui.typing_app DATA_DIR HOUSEHOLD_ID
Prints AUTOSAVED once the draft is on disk; the test then kills this process with SIGKILL.
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from PySide6.QtCore import QTimer

    from fieldapp.ui.main import build_window, make_app
    from tests.ui.helpers import PASSPHRASE

    data_dir, household_id = sys.argv[1], sys.argv[2]
    app = make_app()
    w = build_window(data_dir)
    w.show()

    def opened(_n):
        w.open_household(household_id)
        tab = w.tabs.currentWidget()
        if tab.editor.read_only:
            before = tab.editor
            tab.start_new()   # on the writer: wait for its editor
            while tab.editor is before:
                app.processEvents()
        ed = tab.editor
        ed.fields["visitors"].input.setText("王芳、赵强")
        ed.fields["visitors"].edited.emit()
        ed.fields["remarks"].input.setPlainText("屋里很冷，需要取暖")
        ed.go_section(1)  # a section change saves the draft at once
        members = ed.repeats["members"]
        members.add_row()
        members.fields["name"].input.setText("孙小美")
        members.fields["name"].edited.emit()

        def check():
            if ed.last_autosave and not ed.dirty:
                print("AUTOSAVED", ed.visit["visit_id"], flush=True)
                timer.stop()

        timer = QTimer(w, interval=100)
        timer.timeout.connect(check)
        timer.start()

    def ready():
        w.unlock_page.passphrase.setText(PASSPHRASE)
        w.unlock_page.button.click()

    w.households_loaded.connect(opened)
    w.unlock_ready.connect(ready)
    app.exec()


if __name__ == "__main__":
    main()
