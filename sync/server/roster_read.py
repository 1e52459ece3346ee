"""Reading a county's roster sheet as it comes: .xlsx or CSV (GB18030 or UTF-8), title rows, merged cells.

:func:`read_sheet` returns the rows under the header row it found, with the spreadsheet's own row
numbers, and which column holds which field (Chinese headers mapped by :data:`HEADERS`, or by a
saved mapping for other layouts). Nothing here judges the values: that is :mod:`sync.server.roster`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from sync import errors

# Field → the header texts counties use for it (compared after :func:`header_key`).
HEADERS: dict[str, tuple[str, ...]] = {
    "household_no": ("户编号", "户号", "家庭编号", "户编码"),
    "head_name": ("户主姓名", "户主"),
    "head_id": ("户主身份证号", "户主身份证号码", "户主证件号码", "户主公民身份号码"),
    "member_name": ("成员姓名", "家庭成员姓名", "姓名", "家庭成员"),
    "relation": ("与户主关系", "与户主的关系", "关系"),
    "member_id": ("成员身份证号", "成员身份证号码", "身份证号", "身份证号码", "公民身份号码", "证件号码"),
    "village_code": ("村（社区）代码", "村(社区)代码", "村代码", "村（居）代码", "村社区代码", "区划代码", "村级区划代码"),
    "village_name": ("村（社区）", "村（社区）名称", "村(社区)", "村名", "村（居）", "村社区", "所属村（社区）"),
    "township_name": ("乡镇（街道）", "乡镇", "街道", "乡镇街道", "所属乡镇（街道）"),
    "category": ("救助类别", "保障类别", "类别", "救助类型", "人员类别"),
    "household_size": ("家庭人口", "家庭人口数", "保障人口", "保障人数", "家庭人数"),
    "amount": ("保障金额", "月保障金额", "救助金额", "保障金额（元）", "月保障金（元）", "金额（元）"),
    "address": ("家庭住址", "住址", "地址", "家庭地址", "现住址"),
    "phone": ("联系电话", "电话", "手机号", "联系方式"),
}
FIELD_LABELS_ZH = {field: names[0] for field, names in HEADERS.items()}
HEADER_SCAN_ROWS = 30


def header_key(text) -> str:
    """A header cell compared loosely: full-width folded, spaces, line breaks and marks like * removed."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*＊:：]", "", folded)


@dataclass
class Sheet:
    """The data rows of a roster and where each field is."""

    rows: list[tuple[int, list]]             # (row number as the user sees it, cell values)
    header_row: int
    columns: dict[str, int]                  # field → 0-based column
    headers: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def value(self, cells: list, name: str):
        """The cell of *name* in a row (None when the column is absent or the row is short)."""
        i = self.columns.get(name)
        return cells[i] if i is not None and i < len(cells) else None


def load_mapping(path: str | Path | None) -> dict[str, str]:
    """A saved column mapping ``{"field": "header text", ...}`` (JSON or YAML), or {} for none."""
    if not path:
        return {}
    from forms.errors import VisitError
    from forms.interchange import read_document

    try:
        data = read_document(Path(path).read_bytes(), Path(path).name if str(path).endswith(".json") else "mapping.yaml")
    except VisitError as exc:
        raise errors.RosterUnreadable(str(exc)[:200], f"列对应文件无法读取：{exc.message_zh}") from None
    data = data.get("columns", data) if isinstance(data, dict) else None
    if not isinstance(data, dict) or any(k not in HEADERS or not isinstance(v, str) for k, v in data.items()):
        raise errors.RosterUnreadable("bad mapping file", "列对应文件格式不正确：应为 字段: 表头文字，字段为 "
                                      + "、".join(HEADERS))
    return data




def read_sheet(path: str | Path, mapping: dict[str, str] | None = None) -> Sheet:
    """The rows of the roster at *path* (.xlsx, or .csv/.txt in UTF-8 or GB18030) below its header row.

    :raises errors.RosterUnreadable: not a readable sheet, or no row looks like the header
    """
    path = Path(path)
    if path.suffix.lower() in (".xls", ".et", ".ods", ".wps", ".numbers"):
        raise errors.RosterUnreadable(f"unsupported format {path.suffix}",
                                      f"“{path.name}”是旧版或其他格式的表格：请在 Excel/WPS 中另存为 .xlsx（或 CSV）后再导入")
    try:
        raw = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    except errors.RosterUnreadable:
        raise
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, ParseError) as exc:
        raise errors.RosterUnreadable(f"{type(exc).__name__}: {exc}"[:300],
                                      f"无法读取花名册文件“{path.name}”：请确认是 .xlsx 或 CSV 文件且未损坏") from None
    return _find_header(raw, mapping or {}, path.name)


def _csv_rows(path: Path) -> list[tuple[int, list]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise errors.RosterUnreadable("neither UTF-8 nor GB18030",
                                          f"“{path.name}”既不是 UTF-8 也不是 GB18030 编码的 CSV 文件") from None
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    return [(n, [c if c != "" else None for c in row]) for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)]


def _xlsx_rows(path: Path) -> list[tuple[int, list]]:
    from sync.server.roster_xlsx import first_sheet_rows

    # Values only, in one pass of openpyxl's sheet parser (see roster_xlsx); every row there is, whatever
    # dimension the writer stored, numbered from 1 with gap rows. Without data_only a formula cell's value
    # is its text "=…", which the checks name as formula text.
    sheet_path, rows = first_sheet_rows(path)
    merged = _merged_ranges(path, sheet_path)
    if merged:
        _fill_merged(rows, merged)
    return rows


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_ranges(path: Path, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """(first column, first row, last column, last row), 1-based, of every merged range of the sheet."""
    if not sheet_path:
        return []
    found, tail = [], b""
    with zipfile.ZipFile(path) as zf, zf.open(sheet_path.lstrip("/")) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            matches = list(_MERGE_REF.finditer(buf))
            found += [(_col(m[1]), int(m[2]), _col(m[3]), int(m[4])) for m in matches]
            cut = matches[-1].end() if matches else 0
            tail = buf[max(cut, len(buf) - 200):]
    return found


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _fill_merged(rows: list[tuple[int, list]], merged: list[tuple[int, int, int, int]]) -> None:
    """Give every cell of a merged range the value of its top-left cell (how a reader sees the sheet)."""
    by_number = {n: cells for n, cells in rows}
    for c1, r1, c2, r2 in merged:
        top = by_number.get(r1)
        value = top[c1 - 1] if top is not None and c1 - 1 < len(top) else None
        for r in range(r1, r2 + 1):
            cells = by_number.get(r)
            if cells is None:
                continue
            if len(cells) < c2:
                cells.extend([None] * (c2 - len(cells)))
            for c in range(c1 - 1, c2):
                cells[c] = value


def _find_header(raw: list[tuple[int, list]], mapping: dict[str, str], name: str) -> Sheet:
    wanted: dict[str, str] = {}
    for fld, names in HEADERS.items():
        for text in names:
            wanted.setdefault(header_key(text), fld)
    for fld, text in mapping.items():
        wanted = {k: v for k, v in wanted.items() if v != fld}
        wanted[header_key(text)] = fld
    best = None
    for index, (number, cells) in enumerate(raw[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        for i, cell in enumerate(cells):
            fld = wanted.get(header_key(cell)) if cell is not None else None
            if fld and fld not in columns:
                columns[fld] = i
        has_person = any(k in columns for k in ("head_name", "member_name")) and any(
            k in columns for k in ("head_id", "member_id"))
        if has_person and (best is None or len(columns) >= len(best[2])):
            best = (index, number, columns, cells)
    if best is None:
        raise errors.RosterUnreadable(
            "no header row", f"在“{name}”的前 {HEADER_SCAN_ROWS} 行中找不到表头（需要姓名和身份证号两列，"
            "如“户主姓名”“户主身份证号”）。表头写法不同时请用 --mapping 指定列对应")
    index, number, columns, cells = best
    headers = [str(c).strip() if c is not None else "" for c in cells]
    unmapped = [h for i, h in enumerate(headers) if h and i not in columns.values()]
    data = [(n, cells) for n, cells in raw[index + 1:] if any(c is not None and str(c).strip() for c in cells)]
    return Sheet(rows=data, header_row=number, columns=columns, headers=headers, unmapped=unmapped)
