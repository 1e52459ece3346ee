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
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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


def _put(ws, row: int, col: int, value: Any):
    cell = ws.cell(row=row, column=col, value=neutralise(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula, whatever the text
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
    ws = wb.create_sheet(title)
    _put(ws, 1, 1, f"工作台账　{group.name}（{group.code}）　共 {len(group.rows)} 户　导出日期 {issue_date}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    ws.row_dimensions[1].height = 22   # the 13-point title (LibreOffice does not grow a row of merged cells)
    if reference_note:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=REFERENCE_COLUMN - 1)
        note = _put(ws, 1, REFERENCE_COLUMN, reference_note)
        note.alignment = Alignment(horizontal="right", vertical="center")
        ws.merge_cells(start_row=1, start_column=REFERENCE_COLUMN, end_row=1, end_column=len(COLUMNS))
    else:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    for c, (_, header, width) in enumerate(COLUMNS, 1):
        cell = _put(ws, 2, c, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    wrap = Alignment(vertical="top", wrap_text=True)
    for r, row in enumerate(group.rows, 3):
        lines = 1
        for c, (key, _, width) in enumerate(COLUMNS, 1):
            cell = _put(ws, r, c, row.get(key))
            cell.alignment = wrap
            if key == "per_capita_yuan":
                cell.number_format = "0.00"
            if isinstance(cell.value, str):
                lines = max(lines, _wrapped_lines(cell.value, width))
        # Not every spreadsheet grows wrapped rows on open (LibreOffice keeps the default).
        ws.row_dimensions[r].height = 15 * lines + 3
    last = get_column_letter(len(COLUMNS))
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last}{max(2, len(group.rows) + 2)}"
    ws.print_title_rows = "2:2"
    _landscape_fit_width(ws)


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
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _summary_sheet(wb: Workbook, groups: Sequence[LedgerGroup], titles: list[str], group_label: str) -> None:
    ws = wb.active
    ws.title = "汇总"
    headers = [("代码", 16), (group_label, 28), ("走访户数", 10), ("困难诉求", 10), ("已转介", 10),
               ("待研究", 10), ("紧急", 8), ("工作表", 24)]
    for c, (h, w) in enumerate(headers, 1):
        cell = _put(ws, 1, c, h)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(c)].width = w
    for r, (g, title) in enumerate(zip(groups, titles), 2):
        values = [g.code, g.name, len(g.rows), sum(x["need_count"] for x in g.rows),
                  sum(x["referred"] for x in g.rows), sum(x["pending"] for x in g.rows),
                  sum(1 for x in g.rows if x["urgent"]), title]
        for c, v in enumerate(values, 1):
            _put(ws, r, c, v)
    ws.freeze_panes = "A2"
    _landscape_fit_width(ws)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(groups) + 1)}"


def write_ledger_xlsx(groups: Sequence[LedgerGroup], out: str | os.PathLike, issue_date: str,
                      group_by: str = "village", reference_note: str | None = None) -> str:
    """Write the workbook atomically to *out*; return its path.

    :param reference_note: which reference document the rows' assessments used
        (:func:`printouts.documents.common.reference_text`), in each sheet's title row
    """
    wb = Workbook()
    used = {"汇总"}
    titles = [_sheet_title(f"{g.code} {g.name}", used) for g in groups]
    _summary_sheet(wb, groups, titles, "村（社区）" if group_by == "village" else "乡镇（街道）")
    for g, title in zip(groups, titles):
        _group_sheet(wb, g, title, issue_date, reference_note)
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
