"""The cell values of an .xlsx roster's first worksheet, read in one pass with openpyxl's own sheet parser.

``openpyxl.load_workbook(read_only=True)`` parses a worksheet that has no ``<dimension>`` element
(files written by openpyxl's write-only mode and some exporters) once in full just to size it, before
:meth:`iter_rows` parses it again; and it turns every inline string through its generic object model
(``Text.from_tree``), several times slower than the cell itself. Here the workbook parts openpyxl needs for
values (shared strings, date styles, the sheet list) are read by openpyxl's :class:`ExcelReader`, the
worksheet is parsed once by its :class:`WorkSheetParser`, and inline strings take the text of their
``<t>`` runs directly (what ``Text.content`` returns: the plain text plus the rich-text runs, no phonetic
runs). Values are what ``iter_rows(values_only=True)`` gives (formulas as "=…" text, dates as datetimes).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import coordinate_to_tuple
from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

_T = f"{{{SHEET_MAIN_NS}}}t"
_R_T = f"{{{SHEET_MAIN_NS}}}r/{_T}"


class _Parser(WorkSheetParser):
    def parse_cell(self, element):
        if element.get("t") != "inlineStr" or element.find(FORMULA_TAG) is not None:
            return super().parse_cell(element)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        child = element.find(INLINE_STRING)
        value, data_type = None, "inlineStr"
        if child is not None:
            plain = child.find(_T)
            parts = [plain.text] if plain is not None and plain.text is not None else []
            parts += [t.text for t in child.iterfind(_R_T) if t.text is not None]
            value, data_type = "".join(parts), "s"
        return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": 0}


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
        wb = reader.wb
        rows: list[tuple[int, list]] = []
        with reader.archive.open(target) as src:
            parser = _Parser(src, reader.shared_strings, data_only=False, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            for number, cells in parser.parse():
                while len(rows) + 1 < number:    # rows missing from the file
                    rows.append((len(rows) + 1, []))
                if len(rows) + 1 > number:       # out of order: openpyxl skips these too
                    continue
                values = [None] * cells[-1]["column"] if cells else []
                for cell in cells:
                    if cell["column"] >= 1:
                        values[cell["column"] - 1] = cell["value"]
                rows.append((number, values))
        return target, rows
    finally:
        reader.archive.close()
