"""The cell values of an .xlsx roster's first worksheet, read in one pass of the sheet's XML.

``openpyxl.load_workbook(read_only=True)`` parses a worksheet that has no ``<dimension>`` element
(files written by openpyxl's write-only mode and some exporters) once in full just to size it, before
:meth:`iter_rows` parses it again; and it turns every cell through :meth:`WorkSheetParser.parse_cell`
(a dict per cell, coordinates parsed by regex, inline strings through the generic object model
``Text.from_tree``). Here the workbook parts openpyxl needs for values (shared strings, date styles, the
sheet list) are read by openpyxl's :class:`ExcelReader`; the worksheet's XML is parsed once, in pieces of
about 1 MB cut after a ``</row>`` (each piece parsed whole by the C parser, so no Python runs per XML
event), falling back to a streamed ``iterparse`` when the XML is laid out unusually. The cells a roster is
made of (shared strings, inline strings, formula-less numbers without a date style, ``t="str"`` text) are
read straight from their elements; every other cell (formulas, dates, booleans, errors) goes to openpyxl's
own :meth:`WorkSheetParser.parse_cell`, so values are what ``iter_rows(values_only=True)`` gives
(formulas as "=…" text, dates as datetimes); tests/sync/test_roster_xlsx.py compares the two.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import ParseError, fromstring, iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, ROW_TAG, VALUE_TAG, WorkSheetParser, _cast_number
from openpyxl.xml.constants import SHEET_MAIN_NS

_T = f"{{{SHEET_MAIN_NS}}}t"
_R = f"{{{SHEET_MAIN_NS}}}r"
_DIGITS = "0123456789"
_EMPTY_AS_NONE = frozenset(("n", "s", "str", "inlineStr", "b", "e", "d"))   # a cell with no child has no value


def _inline_text(child) -> str:
    """What ``Text.content`` of an ``<is>`` element is: its plain ``<t>`` and its rich-text runs' ``<t>`` (no phonetic runs)."""
    if len(child) == 1 and child[0].tag == _T:        # the usual inline string: one plain <t>
        return child[0].text or ""
    plain = child.find(_T)
    parts = [plain.text] if plain is not None and plain.text is not None else []
    for run in child.iterfind(_R):
        t = run.find(_T)
        if t is not None and t.text is not None:
            parts.append(t.text)
    return "".join(parts)


class _SheetReader:
    """The rows of one worksheet: ``(row number, [values…])`` with values at their 0-based column."""

    def __init__(self, src, shared_strings, wb):
        self.src, self.shared = src, shared_strings
        self.date_styles = frozenset(wb._date_formats)
        # the cells read here only for what openpyxl does with them (formulas, dates, booleans, errors)
        self.fallback = WorkSheetParser(src, shared_strings, data_only=False, epoch=wb.epoch,
                                        date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        self.columns: dict[str, int] = {}

    def _column(self, ref: str) -> int:
        letters = ref.rstrip(_DIGITS)
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = column_index_from_string(letters)
        return column

    def _value(self, cell, row_number: int, previous_column: int):
        kind = cell.get("t")
        if cell.find(FORMULA_TAG) is None:
            if kind == "s":
                text = cell.findtext(VALUE_TAG)
                return self.shared[int(text)] if text else None
            if kind == "inlineStr":
                child = cell.find(INLINE_STRING)
                return _inline_text(child) if child is not None else None
            if kind == "str":
                return cell.findtext(VALUE_TAG) or None
            if kind is None or kind == "n":
                text = cell.findtext(VALUE_TAG)
                if not text:
                    return None
                style = cell.get("s")
                if not style or int(style) not in self.date_styles:
                    return _cast_number(text)
        parser = self.fallback
        parser.row_counter, parser.col_counter = row_number, previous_column
        return parser.parse_cell(cell)["value"]

    def _row(self, element, number: int) -> list:
        values: list = []
        column = 0
        shared = self.shared
        for cell in element:
            ref = cell.get("r")
            kind = cell.get("t")
            only = cell[0] if len(cell) == 1 else None   # a roster's cells: one <v> or one <is>, no formula
            if only is None:
                value = None if len(cell) == 0 and (kind is None or kind in _EMPTY_AS_NONE) else \
                    self._value(cell, number, column)
            elif kind == "inlineStr" and only.tag == INLINE_STRING:
                value = only[0].text or "" if len(only) == 1 and only[0].tag == _T else _inline_text(only)
            elif kind == "s" and only.tag == VALUE_TAG:
                value = shared[int(only.text)] if only.text else None
            else:
                value = self._value(cell, number, column)
            column = self._column(ref) if ref else column + 1
            if column < 1:
                continue
            if column == len(values) + 1:
                values.append(value)
                continue
            if column > len(values):
                values.extend([None] * (column - 1 - len(values)))
                values.append(value)
            else:
                values[column - 1] = value
        return values

    def _rows_of(self, elements):
        number = 0
        for element in elements:
            r = element.get("r")
            if r is None:
                number += 1
            else:
                try:
                    number = int(r)
                except ValueError:   # as openpyxl: "3.0" is row 3, anything else is an error
                    value = float(r)
                    if not value.is_integer():
                        raise ValueError(f"{r} is not a valid row number") from None
                    number = int(value)
            values = self._row(element, number)
            element.clear()
            yield number, values

    def rows(self, src) -> list[tuple[int, list]]:
        """Every row of the worksheet XML *src* (a binary file), in file order."""
        return list(self._rows_of(_streamed_rows(src)))

    def rows_in_pieces(self, src) -> list[tuple[int, list]] | None:
        """The same rows, parsed in pieces of about 1 MB (each ``<row>`` whole): no Python per XML event, so
        about 40% less than :meth:`rows`. None when the XML is not laid out as spreadsheet writers lay it
        out (then :meth:`rows` reads it)."""
        try:
            return list(self._rows_of(_pieced_rows(src)))
        except _Unusual:
            return None


class _Unusual(Exception):
    """The worksheet XML is not in the layout :func:`_pieced_rows` reads."""


def _streamed_rows(src):
    for _event, element in iterparse(src):
        if element.tag == ROW_TAG:
            yield element


_WORKSHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet[\s>]")
_SHEETDATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\s*>")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
_SHEETDATA_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>")
PIECE = 1 << 20


def _pieced_rows(src):
    """The ``<row>`` elements of a worksheet, each piece of rows cut after a ``</row>`` and parsed whole.

    A piece is the rows between two cuts inside a copy of the document's own ``<worksheet …>`` start
    tag (its namespace declarations). A cut that fell inside a comment or CDATA section would leave a
    piece that is not well-formed XML: that, and anything else unexpected, raises :class:`_Unusual`
    before any row of that piece is used.
    """
    buffer = b""
    while (found := _SHEETDATA.search(buffer)) is None:
        chunk = src.read(PIECE)
        if not chunk or len(buffer) > 16 * PIECE:
            raise _Unusual("no <sheetData>")
        buffer += chunk
    head = _WORKSHEET.search(buffer, 0, found.start())
    if head is None:
        raise _Unusual("no <worksheet>")
    close = buffer.index(b">", head.start())
    root_open, buffer = buffer[head.start():close + 1], buffer[found.end():]
    if root_open.endswith(b"/>") or b"<" in root_open[1:]:
        raise _Unusual("odd <worksheet> tag")
    root_close = b"</" + root_open[1:head.end() - head.start() - 1] + b">"
    done = False
    while not done:
        chunk = src.read(PIECE)
        buffer += chunk
        end = _SHEETDATA_END.search(buffer)
        if end is not None:
            piece, done = buffer[:end.start()], True
        elif not chunk:
            raise _Unusual("no </sheetData>")
        else:
            last = None
            for last in _ROW_END.finditer(buffer, max(0, len(buffer) - PIECE - 64)):
                pass
            if last is None:
                continue
            piece, buffer = buffer[:last.end()], buffer[last.end():]
        try:
            root = fromstring(root_open + piece + root_close)
        except ParseError as exc:
            raise _Unusual(str(exc)) from None
        if any(element.tag != ROW_TAG for element in root):
            raise _Unusual("not only rows in <sheetData>")
        yield from list(root)


def first_sheet_rows(path: Path) -> tuple[str, list[tuple[int, list]]]:
    """(the worksheet's path in the archive, [(row number, [values…]), …]) of the first worksheet.

    Row numbers count from 1 and rows missing from the file come back empty, as ``iter_rows`` yields them.
    :raises ValueError, KeyError, OSError, zipfile.BadZipFile: as ``openpyxl.load_workbook`` does
    """
    reader = ExcelReader(str(path), read_only=True, data_only=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        target = next((rel.target for _sheet, rel in reader.parser.find_sheets()
                       if rel.target in reader.valid_files and "chartsheet" not in rel.Type), None)
        if target is None:
            raise ValueError("the workbook has no worksheet")
        rows: list[tuple[int, list]] = []
        with reader.archive.open(target) as src:
            sheet = _SheetReader(src, reader.shared_strings, reader.wb)
            found = sheet.rows_in_pieces(src)
        if found is None:
            with reader.archive.open(target) as src:
                found = sheet.rows(src)
        for number, values in found:
            while len(rows) + 1 < number:    # rows missing from the file
                rows.append((len(rows) + 1, []))
            if len(rows) + 1 > number:       # out of order: openpyxl skips these too
                continue
            rows.append((number, values))
        return target, rows
    finally:
        reader.archive.close()
