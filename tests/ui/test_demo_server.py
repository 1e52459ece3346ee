"""Demo mode (`fieldapp demo`): the app starts its own sync server on 127.0.0.1 and the first 同步 works."""

from __future__ import annotations

import time

from fieldapp.vault import FAST_KDF
from sync.server.storage import Scope, open_storage
from tests.ui.helpers import PASSPHRASE, unlock


def test_demo_mode_syncs_with_its_embedded_server(tmp_path, qtbot):
    from fieldapp.services_demo import DEMO_TOWNSHIP
    from fieldapp.ui.main import build_window

    started = time.perf_counter()
    w = build_window(tmp_path / "demo", demo=True, kdf=FAST_KDF)
    assert time.perf_counter() - started < 5  # the server starts in the background: the window does not wait
    server = w.services.demo_server
    qtbot.addWidget(w)
    try:
        w.show()
        w.services.create_vault("演示用户", PASSPHRASE, demo=True, households=12)
        unlock(w, qtbot)
        assert w.model.rowCount() == 12
        assert all(r.village_code.startswith(DEMO_TOWNSHIP[0]) for r in w.model.rows())
        qtbot.waitUntil(lambda: w.status.sync_button.isVisible(), timeout=5000)
        with qtbot.waitSignal(w.syncer.finished, timeout=120000):
            w.status.sync_button.click()
        assert w.syncer.last_report.pushed + w.syncer.last_report.duplicates == 24  # 12 households + 12 visits
        qtbot.waitUntil(lambda: w.status.pending.text() == "待同步 0 条", timeout=20000)
        assert server.process.poll() is None and server.database.exists()
        storage = open_storage(server.database_url)
        try:
            households = [r for r in storage.records(Scope("office", DEMO_TOWNSHIP[0])) if r["entity"] == "household"]
        finally:
            storage.close()
        assert sorted(r["entity_id"] for r in households) == sorted(r.household_id for r in w.model.rows())
        # Enrolment handed the demo county's office recovery key to the vault: the demo is recoverable.
        demo_pub = (tmp_path / "demo" / "demo-office-key.pub").read_bytes()
        assert w.services.vault.office_public_key().strip() == demo_pub.strip()
    finally:
        w.runner.wait(20000)
        if w.services.is_unlocked():
            w.services.lock()
        server.stop()
    assert server.process.poll() is not None  # stopped with the app


def test_server_ends_with_the_app_even_when_the_app_is_killed(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    script = (
        "import sys, time\n"
        "from fieldapp.services_demo import DemoServer\n"
        "s = DemoServer(sys.argv[1]).start()\n"
        "s.wait_ready()\n"
        "print(s.process.pid, flush=True)\n"
        "time.sleep(600)\n")
    app = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "demo")], stdout=subprocess.PIPE, text=True)
    try:
        child = int(app.stdout.readline())
        os.kill(child, 0)  # the server runs
        app.send_signal(signal.SIGKILL)  # no clean shutdown: power cut, task manager
        app.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if not _running(child):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the demo server outlived the app")
    finally:
        if app.poll() is None:
            app.kill()


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's PID 1 may never reap an orphan)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
