"""The ledger as an Excel workbook: a summary sheet, then one sheet per village or township.

Written with XlsxWriter in its constant-memory mode: each row goes to disk as it is written (strings in
line, no shared-string table), so a county's ledger takes the memory of one group's rows, not of the workbook.

Every text cell is neutralised against formula injection: a value starting with
``= + - @``, a tab or a carriage return is written as text with a leading apostrophe,
so Excel, WPS and LibreOffice never evaluate it (and text is only ever written as a string, never as a formula).
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from printouts.ledger import COLUMNS, LedgerGroup

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def neutralise(value: Any) -> Any:
    """A cell value safe from formula injection: risky text gets a leading apostrophe; control chars go."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = _LONE_SURROGATE.sub("\ufffd", value)   # not encodable as UTF-8: Excel would refuse the whole file
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _put(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """*value* at (*row*, *col*) (0-based): text as a string (never a formula), numbers as numbers, None blank."""
    value = neutralise(value)
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)   # kept only with a format, as an empty styled cell
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _width(ws, col: int, chars: float) -> None:
    """Column *col* *chars* characters wide, stored as that width (7 pixels a character at the default font)."""
    ws.set_column_pixels(col, col, round(chars * 7))


def _sheet_title(name: str, used: set[str]) -> str:
    base = _LONE_SURROGATE.sub("_", _SHEET_FORBIDDEN.sub("_", name)).strip("'")[:28] or "sheet"
    title, n = base, 2
    while title in used:
        title, n = f"{base[:26]}_{n}", n + 1
    used.add(title)
    return title


HEADER_FILL = "#DDDDDD"


# The title row: the title spans the columns before 走访发现; the reference note spans the rest.
REFERENCE_COLUMN = next(c for c, (key, _, _) in enumerate(COLUMNS, 1) if key == "findings")


class _Formats:
    """The workbook's few cell formats, made once (XlsxWriter shares a format between cells)."""

    def __init__(self, wb):
        self.title = wb.add_format({"bold": True, "font_size": 13})
        self.note = wb.add_format({"align": "right", "valign": "vcenter"})
        self.header = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "pattern": 1, "align": "center",
                                     "valign": "vcenter", "text_wrap": True})
        self.summary_header = wb.add_format({"bold": True, "bg_color": HEADER_FILL, "pattern": 1})
        self.wrap = wb.add_format({"valign": "top", "text_wrap": True})
        self.money = wb.add_format({"valign": "top", "text_wrap": True, "num_format": "0.00"})


def _group_sheet(wb, formats: _Formats, group: LedgerGroup, title: str, issue_date: str, reference_note: str | None) -> None:
    """One group's sheet, row by row (constant-memory mode: a row is final once the next one starts)."""
    ws = wb.add_worksheet(title)
    for c, (_, _, width) in enumerate(COLUMNS):
        _width(ws, c, width)
    last = len(COLUMNS) - 1
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(1, len(group.rows) + 1), last)
    ws.repeat_rows(1)
    _landscape_fit_width(ws)
    ws.set_row(0, 22)   # the 13-point title (LibreOffice does not grow a row of merged cells)
    heading = neutralise(f"工作台账　{group.name}（{group.code}）　共 {len(group.rows)} 户　导出日期 {issue_date}")
    if reference_note:
        ws.merge_range(0, 0, 0, REFERENCE_COLUMN - 2, heading, formats.title)
        ws.merge_range(0, REFERENCE_COLUMN - 1, 0, last, neutralise(reference_note), formats.note)
    else:
        ws.merge_range(0, 0, 0, last, heading, formats.title)
    for c, (_, header, _) in enumerate(COLUMNS):
        _put(ws, 1, c, header, formats.header)
    cell_formats = [formats.money if key == "per_capita_yuan" else formats.wrap for key, _, _ in COLUMNS]
    for r, row in enumerate(group.rows, 2):
        values = [neutralise(row.get(key)) for key, _, _ in COLUMNS]
        lines = max([1] + [_wrapped_lines(v, width) for v, (_, _, width) in zip(values, COLUMNS) if isinstance(v, str)])
        # Not every spreadsheet grows wrapped rows on open (LibreOffice keeps the default).
        ws.set_row(r, 15 * lines + 3)
        for c, (value, fmt) in enumerate(zip(values, cell_formats)):
            _put(ws, r, c, value, fmt)


_NARROW = re.compile("[^\u2e80-\U0010ffff]")   # what is left after removing these is the wide (CJK …) characters


def _wrapped_lines(text: str, width_chars: float) -> int:
    """Lines *text* takes in a column *width_chars* wide (a Chinese character counts two)."""
    total = 0
    for line in text.split("\n"):
        units = len(line) + len(_NARROW.sub("", line))   # one per character, one more per wide one
        total += max(1, math.ceil(units / max(1.0, width_chars - 1)))
    return total


def _landscape_fit_width(ws) -> None:
    """Print on A4 landscape, scaled so all columns fit one page wide."""
    ws.set_landscape()
    ws.set_paper(9)   # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.75, right=0.75, top=1, bottom=1)   # inches, as the workbook always had (openpyxl's defaults)
    ws.set_header("", {"margin": 0.5})
    ws.set_footer("", {"margin": 0.5})


SUMMARY_HEADERS = (("代码", 16), (None, 28), ("走访户数", 10), ("困难诉求", 10), ("已转介", 10), ("待研究", 10),
                   ("紧急", 8), ("工作表", 24))


def _summary_sheet(wb, formats: _Formats, group_label: str):
    """The 汇总 sheet, first in the workbook; its rows are written once every group is."""
    ws = wb.add_worksheet("汇总")
    for c, (h, w) in enumerate(SUMMARY_HEADERS):
        _width(ws, c, w)
        _put(ws, 0, c, h or group_label, formats.summary_header)
    ws.freeze_panes(1, 0)
    _landscape_fit_width(ws)
    return ws


def _summary_values(g: LedgerGroup, title: str) -> list:
    return [g.code, g.name, len(g.rows), sum(x["need_count"] for x in g.rows), sum(x["referred"] for x in g.rows),
            sum(x["pending"] for x in g.rows), sum(1 for x in g.rows if x["urgent"]), title]


def write_ledger_xlsx(groups: Iterable[LedgerGroup], out: str | os.PathLike, issue_date: str,
                      group_by: str = "village", reference_note: str | None = None,
                      seen: list | None = None) -> str:
    """Write the workbook atomically to *out*; return its path.

    *groups* is read once, in order (a list or :func:`printouts.ledger.iter_ledger_groups`): each group's
    sheet goes to disk as it is written, so only the group being written is in memory.

    :param reference_note: which reference document the rows' assessments used
        (:func:`printouts.documents.common.reference_text`), in each sheet's title row
    :param seen: if given, each written group's code and household ids are appended as ``(code, ids)``
    """
    path = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=".fieldapp-ledger-", suffix=".xlsx", dir=path.parent or ".")
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "tmpdir": str(path.parent or "."), "strings_to_formulas": False,
                                       "strings_to_urls": False, "strings_to_numbers": False})   # text stays text
        formats = _Formats(wb)
        used = {"汇总"}
        summary = _summary_sheet(wb, formats, "村（社区）" if group_by == "village" else "乡镇（街道）")
        totals = []
        for g in groups:
            title = _sheet_title(f"{g.code} {g.name}", used)
            _group_sheet(wb, formats, g, title, issue_date, reference_note)
            totals.append(_summary_values(g, title))
            if seen is not None:
                seen.append((g.code, tuple(r["household_id"] for r in g.rows)))
        for r, values in enumerate(totals, 1):
            for c, v in enumerate(values):
                _put(summary, r, c, v)
        summary.autofilter(0, 0, max(0, len(totals)), len(SUMMARY_HEADERS) - 1)
        wb.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(path)
