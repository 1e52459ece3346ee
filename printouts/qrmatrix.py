"""QR module matrices (segno only), and a tiny stdin→stdout encoder run as a helper process.

Run by path (``python printouts/qrmatrix.py``) it reads one code text per line and writes
one line per code: ``<size>:<hex of the modules, row by row>``. Kept free of any other
import of ours so the helper starts fast and runs nothing but this file.
"""

from __future__ import annotations

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


def pack(matrix: list[bytes]) -> str:
    """One line for a matrix: its size and its modules as hex."""
    bits = "".join("".join("1" if v else "0" for v in row) for row in matrix)
    return f"{len(matrix)}:{int('1' + bits, 2):x}"


def unpack(line: str) -> list[bytes]:
    """The matrix written by :func:`pack`."""
    size_text, hex_text = line.strip().split(":", 1)
    size = int(size_text)
    bits = bin(int(hex_text, 16))[3:]  # drop "0b1" (the leading 1 keeps leading zeros)
    if len(bits) != size * size:
        raise ValueError("matrix line has the wrong length")
    return [bytes(1 if b == "1" else 0 for b in bits[r * size:(r + 1) * size]) for r in range(size)]


def serve() -> int:
    """Encode every code line of stdin to a matrix line on stdout."""
    out = sys.stdout
    for line in sys.stdin.buffer:
        out.write(pack(qr_matrix(line.rstrip(b"\n").decode("utf-8"))) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve())
