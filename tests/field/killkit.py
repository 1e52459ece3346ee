"""Fork a worker, SIGKILL it at a random moment, collect the lines it acknowledged before dying.

The worker is a forked child of the test process (modules already imported: a round costs
milliseconds). It writes one line per acknowledged step to a pipe; a line cut by the kill is
ignored. Used by test_kills.py (sync, bundle export and draft autosave under SIGKILL).
"""

from __future__ import annotations

import os
import random
import signal
import time
import uuid
from typing import Callable

PASSPHRASE = "tea-leaf-river-42"


def open_checked(path, user: str, passphrase: str = PASSPHRASE):
    """The vault at *path* unlocked after a kill: SQLCipher's and SQLite's integrity checks and its audit chain must hold."""
    from fieldapp.vault import Vault

    vault = Vault.open(path)
    vault.unlock(user, passphrase)
    vault.check_integrity()
    vault.verify_audit()
    return vault


def make_visit(village: str, household_id: str | None = None, version: int = 1, **answers) -> dict:
    """A small valid-shaped visit (interchange format) whose ``version`` answer counts re-saves."""
    base = {"visit_date": "2026-05-12", "visitors": ["甲", "乙"], "village_code": village, "area_type": "rural",
            "address": f"断电测试{version}号", "version": version,
            "members": [{"member_id": "m-1", "name": "断电测试户", "relation": "head"}]}
    base.update(answers)
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": household_id or str(uuid.uuid4()), "visit_id": str(uuid.uuid4()), "status": "final",
            "answers": base}


def kill_round(worker: Callable[[Callable[[str], None]], None], rng: random.Random, low: float, high: float) -> list[str]:
    """Run *worker(ack)* in a forked child, SIGKILL it after uniform(low, high) seconds; return its complete lines."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.close(read_fd)
            worker(lambda line: os.write(write_fd, (line + "\n").encode()))
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    os.close(write_fd)
    time.sleep(rng.uniform(low, high))
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    chunks = []
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_fd)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the worker died by itself"
    text = b"".join(chunks).decode(errors="replace")
    complete = text.split("\n")[:-1]           # the last piece has no newline if the kill cut it
    return [line for line in complete if line]
