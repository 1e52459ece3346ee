"""After the app is killed mid-edit (SIGKILL), reopening the household brings back the autosaved draft."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.ui.helpers import open_household, unlock, start_new_visit

ROOT = Path(__file__).resolve().parents[2]


def test_draft_survives_sigkill_and_reopens(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=12)
    svc.unlock("张三", "correct horse 42")
    hid = svc.household_rows()[3].household_id
    members_before = len(svc.vault.get_household(hid, audit_view=False)["fields"]["members"])
    svc.lock()

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.ui.typing_app", str(svc.data_dir), hid], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.startswith("AUTOSAVED") or proc.poll() is not None:
                break
        assert line.startswith("AUTOSAVED"), proc.stderr.read() if proc.poll() is not None else "no autosave"
        visit_id = line.split()[1]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    w = window_factory(svc)
    unlock(w, qtbot)
    tab = open_household(w, hid)
    assert tab.recovered and tab.banner.isVisible() and "已恢复" in tab.banner.text()
    ed = tab.editor
    assert ed.visit["visit_id"] == visit_id and not ed.read_only
    assert ed.fields["visitors"].value() == ["王芳", "赵强"]
    assert ed.fields["remarks"].value() == "屋里很冷，需要取暖"
    names = [r.get("name") for r in ed.repeats["members"].rows]
    assert len(names) == members_before + 1 and names[-1] == "孙小美"


def test_discarding_a_recovered_draft_shows_the_saved_visit(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=6)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    tab = open_household(w, hid)
    start_new_visit(tab, qtbot)
    tab.editor.set_answer("remarks", "临时记录")
    tab.editor.save_draft_now()          # off the UI thread, on the one writer
    draft_id = tab.editor.visit["visit_id"]
    qtbot.waitUntil(lambda: not tab.editor.dirty, timeout=10000)
    assert svc.vault.get_draft(draft_id) is not None
    with qtbot.waitSignal(w.changed, timeout=10000) as changed:
        tab.discard_draft(confirm=False)
    assert changed.args[0].households == {hid}
    assert svc.vault.get_draft(draft_id) is None
    assert tab.editor.read_only and tab.editor.visit["visit_id"] != draft_id
