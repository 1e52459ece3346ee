"""Serial numbers (文号): a per-township, per-year counter formatted by the county's scheme.

printouts keeps no state: the caller hands in a :class:`SerialCounter` (the app backs
it with its vault; :class:`MemoryCounter` serves the CLI and tests). A print job takes
numbers from a :class:`SerialSession` and commits them only once the PDF is written, so
a cancelled or failed batch leaves no gap in the 文号 sequence.

The in-app preview *holds* its numbers instead (:class:`HeldSerials`): they are committed
only when the previewed PDF is printed or saved, so a preview closed unprinted uses no
文号. If another job committed the same numbers meanwhile, the held ones are refused
(:class:`~printouts.errors.SerialsTaken`) rather than issued twice.
"""

from __future__ import annotations

from typing import Protocol

from printouts.errors import SerialSchemeError, SerialsTaken
from printouts.templates import LetterTemplates
from printouts.textformat import fill


class SerialCounter(Protocol):
    """The last sequence number used per (kind, township, year); the app persists it.

    A counter may also offer ``next_after(kind, township_code, year, last) -> int`` when its
    numbers are not simply consecutive (e.g. blocks handed to this device by a server).
    """

    def last_seq(self, kind: str, township_code: str, year: int) -> int:
        """The last number used for the key (0 when none yet)."""

    def commit(self, used: dict[tuple[str, str, int], int]) -> None:
        """Record new last numbers for the keys a print job used (one transaction)."""


class MemoryCounter:
    """A counter held in memory; the first number of every key is *start*."""

    def __init__(self, start: int = 1):
        self._start = start
        self._last: dict[tuple[str, str, int], int] = {}

    def last_seq(self, kind: str, township_code: str, year: int) -> int:
        """The last number committed for the key (start − 1 when none)."""
        return self._last.get((kind, township_code, year), self._start - 1)

    def commit(self, used: dict[tuple[str, str, int], int]) -> None:
        """Remember the new last numbers."""
        self._last.update(used)


class SerialSession:
    """Numbers handed out during one print job, committed to the counter only on success."""

    def __init__(self, counter: SerialCounter):
        self.counter = counter
        self.used: dict[tuple[str, str, int], int] = {}
        self.started: dict[tuple[str, str, int], int] = {}  # the counter's last number when the job began

    def next_seq(self, kind: str, township_code: str, year: int) -> int:
        """The next number for the key within this job."""
        key = (kind, township_code, year)
        last = self.used.get(key)
        if last is None:
            last = self.counter.last_seq(kind, township_code, year)
            self.started[key] = last
        # A counter may hand out numbers with gaps (blocks a server reserved for this device).
        next_after = getattr(self.counter, "next_after", None)
        nxt = next_after(kind, township_code, year, last) if next_after else last + 1
        self.used[key] = nxt
        return nxt

    def hold(self) -> "HeldSerials":
        """The numbers used so far, to be committed later (see :class:`HeldSerials`)."""
        held = HeldSerials({key: (self.started[key], last) for key, last in self.used.items()})
        self.used.clear()
        self.started.clear()
        return held

    def commit(self) -> None:
        """Write the numbers used back to the counter (after the PDF was written)."""
        if self.used:
            self.counter.commit(dict(self.used))
        self.used.clear()


class HeldSerials:
    """Numbers a previewed job printed on its pages but has not committed yet."""

    def __init__(self, ranges: dict[tuple[str, str, int], tuple[int, int]]):
        self.ranges = dict(ranges)  # key -> (counter's last number before the job, last number used)
        self.committed = False

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def commit(self, counter: SerialCounter) -> None:
        """Record the numbers as used (idempotent), unless another job has used them meanwhile.

        :raises SerialsTaken: the counter moved on since the preview was made: printing it would
            issue the same 文号 twice, so the preview must be made again
        """
        if self.committed or not self.ranges:
            self.committed = True
            return
        for (kind, township_code, year), (start, _last) in self.ranges.items():
            if counter.last_seq(kind, township_code, year) != start:
                raise SerialsTaken(f"{kind}/{township_code}/{year}: counter moved past {start}")
        counter.commit({key: last for key, (_start, last) in self.ranges.items()})
        self.committed = True


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


def next_serial(templates: LetterTemplates, counter: SerialSession, kind: str, township_code: str, year: int) -> str:
    """Take the next sequence number from the job's *counter* session and format it."""
    return format_serial(templates, kind, township_code, year, counter.next_seq(kind, township_code, year))
