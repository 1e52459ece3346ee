"""The real server as its own process (``fieldapp-server serve`` on a free 127.0.0.1 port).

Used where the process itself is under test: its log (no tracebacks), its peak memory, its
command-line options (``--trusted-proxy``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sync.memstore import MemoryStore
from sync.client import SyncClient, enroll
from sync.server.admin import issue_enrollment_code
from sync.server.storage import open_storage
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, Laptop, free_port, seed_areas

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """A migrated SQLite database with the test county, served by a child process."""

    def __init__(self, folder: Path, *options: str):
        self.folder = folder
        self.database = f"sqlite:///{folder}/server.db"
        self.storage = open_storage(self.database)
        self.storage.migrate()
        seed_areas(self.storage)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "server.log"
        self._log = open(self.log_path, "wb")
        cli = [sys.executable, "-c", "from sync.server.cli import main; main()"]
        self.proc = subprocess.Popen([*cli, "--database", self.database, "serve", "--port", str(self.port),
                                      "--log-level", "info", *options], stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=folder, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        deadline = time.time() + 60
        while True:
            try:
                httpx.get(self.url + "/v1/hello", timeout=2)
                break
            except httpx.TransportError:
                if time.time() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("server did not start: " + self.log())
                time.sleep(0.1)

    def laptop(self, role="visitor", villages=(VILLAGE_A,)) -> Laptop:
        """An enrolled in-memory laptop."""
        code = issue_enrollment_code(self.storage, role, TOWNSHIP, list(villages) if role == "visitor" else [], 1.0)[0]
        store = MemoryStore()
        enroll(store, self.url, code)
        return Laptop(store, SyncClient(store))

    def log(self) -> str:
        """Everything the server process wrote so far."""
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def reset_peak_memory(self) -> None:
        """Start measuring the process's peak resident memory afresh (Linux clear_refs)."""
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def peak_memory(self) -> int:
        """Peak resident memory in bytes since the last reset (VmHWM)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM")

    def memory(self) -> int:
        """Current resident memory in bytes (VmRSS)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        """Stop the child process (SIGTERM, then SIGKILL) and close the storage."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        self.storage.close()
