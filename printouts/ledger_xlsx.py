"""The ledger as an Excel workbook (openpyxl): a summary sheet, then one sheet per village or township.

Every text cell is neutralised against formula injection: a value starting with
``= + - @``, a tab or a carriage return is written as text with a leading apostrophe,
so Excel, WPS and LibreOffice never evaluate it.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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


def _cell(ws, value: Any, style=None) -> Cell:
    """A write-only cell with *value* neutralised, styled as the *style* template cell (styles are shared, not hashed per cell)."""
    cell = Cell(ws, row=1, column=1, value=neutralise(value), style_array=None if style is None else style._style)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    return cell


def _template(ws, font=None, fill=None, alignment=None, number_format=None) -> Cell:
    """A cell carrying one combination of styles, set once through openpyxl's own style registry."""
    cell = Cell(ws, row=1, column=1)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _sheet_title(name: str, used: set[str]) -> str:
    base = _LONE_SURROGATE.sub("_", _SHEET_FORBIDDEN.sub("_", name)).strip("'")[:28] or "sheet"
    title, n = base, 2
    while title in used:
        title, n = f"{base[:26]}_{n}", n + 1
    used.add(title)
    return title


HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")


# The title row: the title spans the columns before 走访发现; the reference note spans the rest.
REFERENCE_COLUMN = next(c for c, (key, _, _) in enumerate(COLUMNS, 1) if key == "findings")


def _group_sheet(wb: Workbook, group: LedgerGroup, title: str, issue_date: str, reference_note: str | None) -> None:
    """One group's sheet, written row by row (write-only workbook: a row is final once appended)."""
    ws = wb.create_sheet(title)
    for c, (_, _, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    last = get_column_letter(len(COLUMNS))
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{max(2, len(group.rows) + 2)}"
    ws.print_title_rows = "2:2"
    _landscape_fit_width(ws)
    title_row = [_cell(ws, f"工作台账　{group.name}（{group.code}）　共 {len(group.rows)} 户　导出日期 {issue_date}",
                       _template(ws, font=Font(bold=True, size=13)))]
    ws.row_dimensions[1].height = 22   # the 13-point title (LibreOffice does not grow a row of merged cells)
    if reference_note:
        ws.merged_cells.add(f"A1:{get_column_letter(REFERENCE_COLUMN - 1)}1")
        title_row += [None] * (REFERENCE_COLUMN - 2)
        title_row.append(_cell(ws, reference_note, _template(ws, alignment=Alignment(horizontal="right", vertical="center"))))
        ws.merged_cells.add(f"{get_column_letter(REFERENCE_COLUMN)}1:{last}1")
    else:
        ws.merged_cells.add(f"A1:{last}1")
    ws.append(title_row)
    header = _template(ws, font=Font(bold=True), fill=HEADER_FILL,
                       alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    ws.append([_cell(ws, h, header) for _, h, _ in COLUMNS])
    wrap = Alignment(vertical="top", wrap_text=True)
    plain, money = _template(ws, alignment=wrap), _template(ws, alignment=wrap, number_format="0.00")
    styles = [money if key == "per_capita_yuan" else plain for key, _, _ in COLUMNS]
    for r, row in enumerate(group.rows, 3):
        cells, lines = [], 1
        for (key, _, width), style in zip(COLUMNS, styles):
            cell = _cell(ws, row.get(key), style)
            if isinstance(cell.value, str):
                lines = max(lines, _wrapped_lines(cell.value, width))
            cells.append(cell)
        # Not every spreadsheet grows wrapped rows on open (LibreOffice keeps the default).
        ws.row_dimensions[r].height = 15 * lines + 3
        ws.append(cells)
        del ws.row_dimensions[r]   # written with the row: not kept for the rest of the sheet


def _wrapped_lines(text: str, width_chars: float) -> int:
    """Lines *text* takes in a column *width_chars* wide (a Chinese character counts two)."""
    total = 0
    for line in text.split("\n"):
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)
        total += max(1, math.ceil(units / max(1.0, width_chars - 1)))
    return total


def _landscape_fit_width(ws) -> None:
    """Print on A4 landscape, scaled so all columns fit one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


SUMMARY_HEADERS = (("代码", 16), (None, 28), ("走访户数", 10), ("困难诉求", 10), ("已转介", 10), ("待研究", 10),
                   ("紧急", 8), ("工作表", 24))


def _summary_sheet(wb: Workbook, group_label: str):
    """The 汇总 sheet, first in the workbook; its rows are appended once every group is written."""
    ws = wb.create_sheet("汇总")
    header = _template(ws, font=Font(bold=True), fill=HEADER_FILL)
    for c, (_, w) in enumerate(SUMMARY_HEADERS, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = "A2"
    _landscape_fit_width(ws)
    ws.append([_cell(ws, h or group_label, header) for h, _ in SUMMARY_HEADERS])
    return ws


def _summary_values(g: LedgerGroup, title: str) -> list:
    return [g.code, g.name, len(g.rows), sum(x["need_count"] for x in g.rows), sum(x["referred"] for x in g.rows),
            sum(x["pending"] for x in g.rows), sum(1 for x in g.rows if x["urgent"]), title]


def write_ledger_xlsx(groups: Iterable[LedgerGroup], out: str | os.PathLike, issue_date: str,
                      group_by: str = "village", reference_note: str | None = None,
                      seen: list[LedgerGroup] | None = None) -> str:
    """Write the workbook atomically to *out*; return its path.

    *groups* is read once, in order (a list or :func:`printouts.ledger.iter_ledger_groups`): each group's
    sheet is streamed to disk (openpyxl's write-only mode), so only the group being written is in memory.

    :param reference_note: which reference document the rows' assessments used
        (:func:`printouts.documents.common.reference_text`), in each sheet's title row
    :param seen: if given, each written group's code and household ids are appended as ``(code, ids)``
    """
    wb = Workbook(write_only=True)
    used = {"汇总"}
    summary = _summary_sheet(wb, "村（社区）" if group_by == "village" else "乡镇（街道）")
    totals = []
    for g in groups:
        title = _sheet_title(f"{g.code} {g.name}", used)
        _group_sheet(wb, g, title, issue_date, reference_note)
        totals.append(_summary_values(g, title))
        if seen is not None:
            seen.append((g.code, tuple(r["household_id"] for r in g.rows)))
    for values in totals:
        summary.append([_cell(summary, v) for v in values])
    summary.auto_filter.ref = f"A1:{get_column_letter(len(SUMMARY_HEADERS))}{max(1, len(totals) + 1)}"
    path = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=".fieldapp-ledger-", suffix=".xlsx", dir=path.parent or ".")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(path)
