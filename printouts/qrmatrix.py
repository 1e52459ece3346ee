"""QR module matrices (segno only), drawn as PDF path operators; and a stdin→stdout encoder.

Run by path (``python printouts/qrmatrix.py``) it reads one code text per line and writes
one line per code: ``<size>:<path operators>`` (see :func:`path_ops`). Kept free of any
other import of ours so the helper starts fast and runs nothing but this file.
"""

from __future__ import annotations

import re
import sys

import segno

# Codes are ~190 bytes: version 10 at error level M holds 213. Fixing the version and the
# mask spares segno its search (4x faster in a 1,000-letter batch); both are valid choices
# under ISO/IEC 18004, and longer codes move up a version.
QR_MIN_VERSION = 10


class CodeTooLongError(ValueError):
    """The text does not fit in any QR version."""


def qr_matrix(text: str, border: int = 1) -> list[bytes]:
    """The QR code of *text* (error level M) as rows of 0/1 module bytes with a *border*-module quiet zone."""
    for version in range(QR_MIN_VERSION, 41):
        try:
            qr = segno.make(text, error="m", version=version, mask=0, boost_error=False, micro=False)
            break
        except segno.DataOverflowError:
            continue
    else:
        raise CodeTooLongError("code too long for a QR code")
    width = len(qr.matrix[0]) + 2 * border
    blank = bytes(width)
    pad = bytes(border)
    return [blank] * border + [pad + bytes(row) + pad for row in qr.matrix] + [blank] * border


_DARK_RUN = re.compile(rb"\x01+")


def path_ops(matrix: list[bytes]) -> str:
    """PDF operators filling the dark modules, in module units with the origin at the bottom left.

    One ``re`` per horizontal run of dark modules, integer coordinates: a version-10 code is
    a few hundred short operators. The caller scales and places them with a ``cm``.
    """
    n = len(matrix)
    ops = []
    for r, row in enumerate(matrix):
        y = n - r - 1
        ops += [f"{m.start()} {y} {m.end() - m.start()} 1 re" for m in _DARK_RUN.finditer(bytes(row))]
    return " ".join(ops)


def qr_drawing(text: str) -> tuple[int, str]:
    """(modules per side, path operators) of the QR code of *text*."""
    matrix = qr_matrix(text)
    return len(matrix), path_ops(matrix)


def serve() -> int:
    """Encode every code line of stdin to a ``size:operators`` line on stdout."""
    out = sys.stdout
    for line in sys.stdin.buffer:
        size, ops = qr_drawing(line.rstrip(b"\n").decode("utf-8"))
        out.write(f"{size}:{ops}\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
