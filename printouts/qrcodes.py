"""QR codes for a print job, encoded by a helper process while the pages are laid out.

segno is pure Python (~3 ms a code): a 1,000-letter batch would spend a third of its
time there. The codes are known before layout starts and only drawn when the finished
pages are decorated, so a second process (``python printouts/qrmatrix.py``: segno and
that one file, no keys, no data but the code texts) encodes them meanwhile. Small jobs,
frozen apps, or any failure of the helper: the codes are encoded here, lazily — same
result, just slower.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from printouts import qrmatrix

log = logging.getLogger(__name__)

# Below this many documents a helper process costs more than it saves (~0.2 s to start).
PARALLEL_MIN = 100
HELPER = Path(qrmatrix.__file__).resolve()


class QrMatrices:
    """Drawing (size, path operators) of the i-th code on demand; from the helper when one runs."""

    def __init__(self, codes: list[str], parallel: bool = True):
        self._codes = codes
        self._done: dict[int, tuple[int, str]] = {}
        self._proc: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None
        self._output: list[bytes] = []
        if parallel and len(codes) >= PARALLEL_MIN and (os.cpu_count() or 1) > 1 and not getattr(sys, "frozen", False):
            self._start()

    def _start(self) -> None:
        try:
            self._proc = subprocess.Popen([sys.executable, "-I", str(HELPER)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("QR helper not started (%s); encoding in process", type(exc).__name__)
            return
        data = "".join(code + "\n" for code in self._codes).encode("utf-8")

        def talk() -> None:  # communicate() both feeds stdin and drains stdout: no pipe deadlock
            try:
                out, _ = self._proc.communicate(data)
                self._output.append(out)
            except (OSError, ValueError):
                pass

        self._thread = threading.Thread(target=talk, name="qr-helper", daemon=True)
        self._thread.start()

    def _collect(self) -> None:
        self._thread.join()
        proc, self._proc, self._thread = self._proc, None, None
        try:
            lines = self._output[0].decode("ascii").splitlines() if self._output else []
            if proc.returncode != 0 or len(lines) != len(self._codes):
                raise ValueError(f"helper exit {proc.returncode}, {len(lines)}/{len(self._codes)} codes")
            self._done = {i: _parse(line) for i, line in enumerate(lines)}
        except ValueError as exc:
            log.warning("QR helper failed (%s); encoding in process", exc)

    def get(self, index: int) -> tuple[int, str]:
        """(modules per side, path operators) of code *index*."""
        if self._thread is not None:
            self._collect()
        if index not in self._done:
            self._done[index] = qrmatrix.qr_drawing(self._codes[index])
        return self._done[index]

    def close(self) -> None:
        """Stop the helper (on cancel or error: its pending work is dropped)."""
        if self._proc is not None:
            self._proc.kill()
            if self._thread is not None:
                self._thread.join()
            self._proc.wait()
            self._proc = self._thread = None


def _parse(line: str) -> tuple[int, str]:
    size, sep, ops = line.partition(":")
    if not sep or not size.isdigit() or not ops:
        raise ValueError("malformed helper line")
    return int(size), ops
