"""QR codes for a print job, encoded by a helper process while the job is built and laid out.

segno is pure Python (~3 ms a code): in a 1,000-letter batch that is as much work as the
layout itself. Each code is known as soon as its document is built and only drawn when
the finished pages are decorated, so a second process (``python -I printouts/qrmatrix.py``:
segno and that one file; it is sent the code texts only, no keys, no household data)
encodes them meanwhile, streamed one by one. Small jobs, frozen apps, or any failure of
the helper: the codes are encoded here, lazily — same result, just slower.
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
    """Drawings (size, path operators) of a job's codes, added in order, fetched by index."""

    def __init__(self, codes: list[str] | None = None, parallel: bool = True, expected: int | None = None):
        self._codes: list[str] = []
        self._done: dict[int, tuple[int, str]] = {}
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._cond = threading.Condition()
        self._received = 0
        self._helper_done = False
        count = expected if expected is not None else len(codes or [])
        if parallel and count >= PARALLEL_MIN and (os.cpu_count() or 1) > 1 and not getattr(sys, "frozen", False):
            self._start()
        for code in codes or []:
            self.add(code)
        if codes is not None:
            self.end_of_codes()

    def _start(self) -> None:
        try:
            self._proc = subprocess.Popen([sys.executable, "-I", str(HELPER)], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("QR helper not started (%s); encoding in process", type(exc).__name__)
            return
        self._reader = threading.Thread(target=self._read, args=(self._proc,), name="qr-helper", daemon=True)
        self._reader.start()

    def _read(self, proc: subprocess.Popen) -> None:
        """Drain the helper's output as it comes (a full pipe would stall both processes)."""
        try:
            for raw in proc.stdout:
                drawing = _parse(raw.decode("ascii"))
                with self._cond:
                    self._done.setdefault(self._received, drawing)
                    self._received += 1
                    self._cond.notify_all()
        except (OSError, ValueError) as exc:
            log.warning("QR helper output unreadable (%s)", type(exc).__name__)
        with self._cond:
            self._helper_done = True  # no more lines will come (finished, failed or stopped)
            self._cond.notify_all()

    def add(self, code: str) -> None:
        """Queue the next document's code (index = number of codes added before it)."""
        self._codes.append(code)
        if self._proc is not None:
            try:
                self._proc.stdin.write(code.encode("utf-8") + b"\n")
                self._proc.stdin.flush()
            except (OSError, ValueError):
                self._stop_helper()

    def end_of_codes(self) -> None:
        """No more codes: let the helper finish."""
        if self._proc is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                self._stop_helper()

    def get(self, index: int) -> tuple[int, str]:
        """(modules per side, path operators) of code *index*: the helper's, else encoded here."""
        if self._proc is not None:
            with self._cond:
                while index not in self._done and not self._helper_done:
                    self._cond.wait()
        drawing = self._done.get(index)
        if drawing is None:
            drawing = self._done[index] = qrmatrix.qr_drawing(self._codes[index])
        return drawing

    def _stop_helper(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.kill()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join()
        proc.wait()
        with self._cond:
            self._helper_done = True
            self._cond.notify_all()

    def close(self) -> None:
        """Stop the helper (on cancel or error its pending work is dropped)."""
        self._stop_helper()


def _parse(line: str) -> tuple[int, str]:
    size, sep, ops = line.strip().partition(":")
    if not sep or not size.isdigit() or not ops:
        raise ValueError("malformed helper line")
    return int(size), ops
