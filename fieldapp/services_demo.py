"""Demo mode's embedded county server: ``fieldapp-server serve`` on 127.0.0.1 over a SQLite file in the demo folder.

The server runs in a child process (its imports and requests never compete with the UI for
the GIL) started from a background thread, so the unlock screen never waits for it. The demo
vault is enrolled with a one-time code issued through the server's admin functions, for the
demo township, so that pressing 同步 in a fresh demo works.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from fieldapp.errors import AppError

log = logging.getLogger("fieldapp.demo_server")

DEMO_COUNTY = ("990101", "演示县")
DEMO_TOWNSHIP = ("990101001", "演示镇")
STATE_NAME = "demo-server.json"
DB_NAME = "demo-server.db"
# The demo county office's recovery key pair, kept in the demo folder so that a newcomer can try
# `fieldapp --data-dir <demo folder> recover --office-key <demo folder>/demo-office-key.key`.
# A real county keeps its private key offline (docs/security.md); this one guards fake data only.
OFFICE_KEY_NAME = "demo-office-key"


class DemoServerUnavailable(AppError):
    """The embedded demo server did not start."""

    message_zh = "演示用的本机同步服务器没有启动，暂时无法演示同步。"
    hint_zh = "请关闭程序后重新运行 ./scripts/start；演示数据不受影响。"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class DemoServer:
    """The demo's local sync server: ``start()`` returns at once; ``stop()`` ends the child process."""

    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.database = self.data_dir / DB_NAME
        self.port = self._choose_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.prepared = threading.Event()  # database migrated, demo areas present
        self.ready = threading.Event()  # answering on the port
        self.error: BaseException | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None

    def _choose_port(self) -> int:
        # The same port as last time if possible: the demo vault remembers the server address.
        state = self.data_dir / STATE_NAME
        try:
            port = int(json.loads(state.read_text("utf-8"))["port"])
            if _port_free(port):
                return port
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            pass
        port = _free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"port": port}), "utf-8")
        return port

    @property
    def database_url(self) -> str:
        """The server's database (SQLite in the demo folder)."""
        return f"sqlite:///{self.database.resolve()}"

    def start(self) -> "DemoServer":
        """Prepare the database and start the server process, in a background thread."""
        self._thread = threading.Thread(target=self._run, name="demo-server", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._prepare()
            self.prepared.set()
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            with open(self.data_dir / "demo-server.log", "ab") as logfile:  # no personal data: ids and codes only
                # stdin stays an open pipe: when the app ends, even killed, the child sees EOF and exits.
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "fieldapp.services_demo", self.database_url, str(self.port)],
                    stdin=subprocess.PIPE, stdout=logfile, stderr=subprocess.STDOUT, env=env)
            self._wait_answering(timeout=60)
            self.ready.set()
        except BaseException as exc:  # noqa: BLE001 - reported to whoever waits for the server
            log.error("demo server did not start: %s", type(exc).__name__)
            self.error = exc
            self.prepared.set()
            self.ready.set()

    def _prepare(self) -> None:
        from sync.server.admin import add_area
        from sync.server.storage import open_storage

        from fieldapp import demo

        self.data_dir.mkdir(parents=True, exist_ok=True)
        storage = open_storage(self.database_url)
        try:
            storage.migrate()
            add_area(storage, *DEMO_COUNTY)
            add_area(storage, *DEMO_TOWNSHIP)
            for code, name, area_type in demo.VILLAGES:
                if code.startswith(DEMO_TOWNSHIP[0]):
                    add_area(storage, code, name, area_type)
            if storage.office_key() is None:
                self._set_demo_office_key(storage)
        finally:
            storage.close()

    def _set_demo_office_key(self, storage) -> None:
        """Give the demo county an office recovery key, handed to the demo laptop when it enrolls."""
        from sync.server.admin import set_office_key
        from sync.server.keystore import load_or_create_server_keys

        from fieldapp.vault.crypto import DEFAULT_SUITE
        from fieldapp.vault.keyfile import atomic_write

        private_pem, public_pem = DEFAULT_SUITE.generate_recipient_keypair()
        atomic_write(self.data_dir / f"{OFFICE_KEY_NAME}.key", private_pem)
        atomic_write(self.data_dir / f"{OFFICE_KEY_NAME}.pub", public_pem)
        set_office_key(storage, load_or_create_server_keys(storage), public_pem)

    def _wait_answering(self, timeout: float) -> None:
        import http.client  # the standard library's: httpx costs 0.2 s of imports while the UI starts

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stopping:
            if self.process.poll() is not None:
                raise DemoServerUnavailable(f"server exited with {self.process.returncode}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1.0)
            try:
                conn.request("GET", "/v1/hello")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.1)
        raise DemoServerUnavailable("server did not answer")

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until the server answers; raises DemoServerUnavailable if it could not start."""
        if not self.ready.wait(timeout) or self.error is not None:
            raise DemoServerUnavailable("not ready")

    def issue_code(self) -> str:
        """A one-time office enrollment code for the demo township (the demo laptop is the township office)."""
        from sync.server.admin import issue_enrollment_code
        from sync.server.storage import open_storage

        if not self.prepared.wait(60) or self.error is not None:
            raise DemoServerUnavailable("database not prepared")
        storage = open_storage(self.database_url)
        try:
            return issue_enrollment_code(storage, "office", DEMO_TOWNSHIP[0], [], valid_hours=24 * 365)[0]
        finally:
            storage.close()

    def prepare_vault(self, vault) -> None:
        """Before a sync: point the demo vault at this server (its port may have changed), with a code if not enrolled."""
        from sync import store as st

        self.wait_ready()
        if vault.get_sync_state(st.STATE_DEVICE_ID) and vault.get_sync_state(st.STATE_DEVICE_KEYS):
            if vault.get_sync_state(st.STATE_SERVER_URL) != self.url:
                vault.set_sync_state(st.STATE_SERVER_URL, self.url)
            return
        if not vault.get_sync_state("pending_enrollment_code") or vault.get_sync_state("pending_server_url") != self.url:
            vault.set_sync_state("pending_server_url", self.url)
            vault.set_sync_state("pending_enrollment_code", self.issue_code())

    def stop(self) -> None:
        """Stop the server process (called when the app quits)."""
        self._stopping = True
        proc = self.process
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.close()  # the child's watchdog exits on EOF
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=10)


def _serve_child(database_url: str, port: int) -> int:
    """The child process: exit as soon as the app's end of stdin closes, else serve."""
    from sync.server.cli import main

    def watchdog() -> None:
        sys.stdin.buffer.read()  # returns at EOF: the app quit or died
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    return main(["--database", database_url, "serve", "--host", "127.0.0.1", "--port", str(port)])


if __name__ == "__main__":  # pragma: no cover - run by DemoServer as a child process
    sys.exit(_serve_child(sys.argv[1], int(sys.argv[2])))
