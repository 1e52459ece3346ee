"""Serial numbers (文号): a per-township, per-year counter formatted by the county's scheme.

printouts keeps no state: the caller hands in a :class:`SerialCounter` (the app backs
it with its vault; :class:`MemoryCounter` serves the CLI and tests).
"""

from __future__ import annotations

from typing import Protocol

from printouts.errors import SerialSchemeError
from printouts.templates import LetterTemplates
from printouts.textformat import fill


class SerialCounter(Protocol):
    """Hands out the next sequence number for a (kind, township, year) key."""

    def next_seq(self, kind: str, township_code: str, year: int) -> int:
        """Return the next unused sequence number (1 for the first)."""


class MemoryCounter:
    """A counter held in memory, starting at *start* for every key."""

    def __init__(self, start: int = 1):
        self._start = start
        self._last: dict[tuple[str, str, int], int] = {}

    def next_seq(self, kind: str, township_code: str, year: int) -> int:
        """Return the next number for the key and remember it."""
        key = (kind, township_code, year)
        self._last[key] = self._last.get(key, self._start - 1) + 1
        return self._last[key]


def format_serial(templates: LetterTemplates, kind: str, township_code: str, year: int, seq: int) -> str:
    """Format one 文号 with the township's scheme for *kind*."""
    if seq < 1:
        raise SerialSchemeError(f"序号必须从 1 开始，得到 {seq}")
    office = templates.office_details(township_code)
    scheme = templates.serial_scheme(kind, township_code)
    try:
        return fill(scheme, {"township_short": office.short, "township_code": township_code, "year": year, "seq": seq})
    except (ValueError, KeyError) as exc:
        raise SerialSchemeError(f"{scheme}: {exc}") from exc


def next_serial(templates: LetterTemplates, counter: SerialCounter, kind: str, township_code: str, year: int) -> str:
    """Take the next sequence number from *counter* and format it."""
    return format_serial(templates, kind, township_code, year, counter.next_seq(kind, township_code, year))
