"""A county's areas in bulk, from the official 统计用区划代码 table (CSV in GB18030 or UTF-8, or .xlsx).

The table has a 12-digit 统计用区划代码 (counties and townships padded with zeros:
150203000000, 150203001000; 6- and 9-digit codes are accepted too), a 名称, and for villages a
城乡分类代码 (111–123 urban, 210 and 220 rural). :func:`read_division_file` reads and checks every
row (line numbers in every problem), :func:`import_areas` writes them (idempotent: a second
import only updates names) and publishes the area names to the laptops as the ``areas``
document. The CLI (``fieldapp-server areas import``) calls these functions (the web console has no import page yet).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from xml.etree.ElementTree import ParseError

from forms.places import county_of, township_of

__all__ = ["DivisionRow", "AreaFileError", "read_division_file", "parse_division_rows", "import_areas",
           "publish_area_names", "reference_gaps", "AREAS_DOCUMENT"]

AREAS_DOCUMENT = "areas"  # kind of the published document carrying the area names
# What openpyxl.load_workbook raises for a file that is not a readable workbook (openpyxl's own InvalidFileException
# is for a wrong file suffix, checked before); anything else is a bug and is not reported as a broken file.
UNREADABLE_XLSX = (OSError, zipfile.BadZipFile, KeyError, ValueError, ParseError)
URBAN_CODES = frozenset(str(n) for n in range(111, 124))
RURAL_CODES = frozenset({"210", "220"})
_CODE_HEADERS = ("统计用区划代码", "区划代码", "代码", "code")
_NAME_HEADERS = ("名称", "name")
_TYPE_HEADERS = ("城乡分类代码", "城乡分类", "urban_rural_code", "type")


@dataclass(frozen=True)
class DivisionRow:
    """One checked row: its line in the file, the short code (6, 9 or 12 digits), name, level and urban/rural."""

    line: int
    code: str
    name: str
    level: str  # county | township | village
    area_type: str | None  # urban | rural for villages


class AreaFileError(ValueError):
    """The division file cannot be imported; ``problems`` lists every bad row as "第 N 行：…"."""

    def __init__(self, name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{name}: {len(problems)} problem(s): " + "; ".join(problems[:5]))
        self.message_zh = f"区划文件“{name}”有 {len(problems)} 处问题，未导入任何区划：\n" + "\n".join(problems[:200])


def _cell(value) -> str:
    """A cell as text; Excel keeps long codes as numbers (150203001000 or 1.50203001E11)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().replace("\u3000", "").strip()


def _read_rows(path: Path) -> list[list[str]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except UNREADABLE_XLSX as exc:   # not a zip, a zip without a workbook, broken XML inside
            raise AreaFileError(path.name, [f"不是可读取的 .xlsx 文件：{type(exc).__name__}"]) from None
        try:
            return [[_cell(c) for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise AreaFileError(path.name, ["文件既不是 UTF-8 也不是 GB18030 编码"])
    sample = text[:4096]
    dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def _find(header: list[str], names: tuple) -> int | None:
    for i, cell in enumerate(header):
        if cell.replace(" ", "").lower() in names:
            return i
    return None


def read_division_file(path, known: dict | None = None) -> list[DivisionRow]:
    """Read and check a division table (.csv or .xlsx) in the 统计用区划代码 shape.

    :param known: areas already on the server by code (a township's county may be there already)

    :raises AreaFileError: unreadable, no code/name columns, or bad rows (each with its line number).
    """
    path = Path(path)
    try:
        rows = _read_rows(path)
    except OSError as exc:
        raise AreaFileError(path.name, [f"无法读取文件：{exc.strerror}"]) from None
    return parse_division_rows(rows, path.name, known)


def parse_division_rows(rows: list[list[str]], name: str = "<areas>", known: dict | None = None) -> list[DivisionRow]:
    """Check raw table rows (first recognised header row, then data); *known* = areas already on the server.

    :raises AreaFileError: every bad row, with its line number (1 = the file's first line).
    """
    header_at, cols = None, None
    for i, row in enumerate(rows[:20]):  # a title row or two may come first
        code_col, name_col = _find(row, _CODE_HEADERS), _find(row, _NAME_HEADERS)
        if code_col is not None and name_col is not None:
            header_at, cols = i, (code_col, name_col, _find(row, _TYPE_HEADERS))
            break
    if cols is None:
        raise AreaFileError(name, ["找不到表头：需要“统计用区划代码”和“名称”两列（村/社区还需要“城乡分类代码”）"])
    problems: list[str] = []
    out: list[DivisionRow] = []
    seen: dict[str, int] = {}
    code_col, name_col, type_col = cols
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(row):
            continue
        raw = row[code_col] if code_col < len(row) else ""
        title = row[name_col] if name_col < len(row) else ""
        kind = row[type_col] if type_col is not None and type_col < len(row) else ""
        where = f"第 {i} 行"
        if not (raw.isdigit() and len(raw) in (6, 9, 12)):
            problems.append(f"{where}：区划代码“{raw}”应为 12 位数字（或 6/9 位）")
            continue
        code = raw
        if len(code) == 12 and code.endswith("000000"):
            code = county_of(code)
        elif len(code) == 12 and code.endswith("000"):
            code = township_of(code)
        if len(code) == 6 and code.endswith("00"):
            continue  # a province or city row of the national table: not a county's own area
        if not title:
            problems.append(f"{where}：{raw} 没有名称")
            continue
        level = {6: "county", 9: "township", 12: "village"}[len(code)]
        area_type = None
        if level == "village":
            if kind in URBAN_CODES:
                area_type = "urban"
            elif kind in RURAL_CODES:
                area_type = "rural"
            else:
                problems.append(f"{where}：{raw}（{title}）的城乡分类代码“{kind}”无效：111–123 为城镇，210、220 为乡村")
                continue
        if code in seen:
            problems.append(f"{where}：区划代码 {raw} 与第 {seen[code]} 行重复")
            continue
        seen[code] = i
        out.append(DivisionRow(i, code, title, level, area_type))
    present = set(seen) | set(known or {})
    for r in out:
        parent = {"county": None, "township": county_of(r.code), "village": township_of(r.code)}[r.level]
        if parent is not None and parent not in present:
            what = "所属县" if r.level == "township" else "所属乡镇"
            problems.append(f"第 {r.line} 行：{r.code}（{r.name}）的{what} {parent} 不在文件中，也未在服务器上建立")
    if problems:
        raise AreaFileError(name, sorted(problems, key=lambda p: int(p.split(" ")[1]) if p.startswith("第 ") else 0))
    return out


def import_areas(storage, path, now: str | None = None) -> dict:
    """Create or update every area of a division file; publish the names when anything changed.

    Idempotent: the same file again changes nothing and publishes nothing.
    :returns: {"created", "updated", "unchanged", "counties", "published"} counts and versions
    :raises AreaFileError: nothing is written when any row is bad
    """
    known = {a["code"]: a for a in storage.list_areas()}
    rows = read_division_file(path, known)
    created = updated = unchanged = 0
    parent_of = {"county": lambda c: None, "township": county_of, "village": township_of}
    for r in sorted(rows, key=lambda r: len(r.code)):  # counties, then townships, then villages
        old = known.get(r.code)
        if old is not None and old["name"] == r.name and (old.get("area_type") or None) == r.area_type:
            unchanged += 1
            continue
        storage.add_area(r.code, r.level, r.name, parent_of[r.level](r.code), r.area_type)
        created, updated = (created + 1, updated) if old is None else (created, updated + 1)
    counties = sorted({county_of(r.code) for r in rows})
    published = []
    if created or updated:
        published = [publish_area_names(storage, county, now) for county in counties]
    return {"created": created, "updated": updated, "unchanged": unchanged, "counties": counties,
            "published": published}


def publish_area_names(storage, county_code: str, now: str | None = None) -> dict:
    """Publish the names of *county_code*'s areas (code, name, level, urban/rural) as the ``areas`` document."""
    areas = [{"code": a["code"], "name": a["name"], "level": a["level"], "area_type": a.get("area_type")}
             for a in storage.list_areas() if a["code"].startswith(county_code)]
    when = now or datetime.now(timezone.utc).isoformat(timespec="seconds")
    return storage.publish_document(AREAS_DOCUMENT, county_code,
                                    {"format": "fieldapp.areas", "county_code": county_code, "areas": areas}, when)


def reference_gaps(content, areas: list[dict]) -> list[str]:
    """What a (checked) reference document lacks for the server's *areas*, in the words the laptops will use:
    a township without its issuing office (its letters cannot print), no hotline, a county without a dibao
    standard (the income rules cannot run). Empty when nothing is missing."""
    from forms.reference import reference_from_dict

    ref = reference_from_dict(content, "reference")
    gaps: list[str] = []
    with_standards = {s.county_code for s in ref.standards}
    covered = {c.code for c in ref.counties} | with_standards   # a document per county: only its own areas
    for area in areas:
        if covered and area["code"][:6] not in covered:
            continue
        where = f"{area.get('name') or ''}（{area['code']}）"
        if area.get("level") == "county" and area["code"] not in with_standards:
            gaps.append(f"县 {where}没有低保标准（dibao_standards）：收入类提示（R3、R4、R6、R8）无法给出")
        elif area.get("level") == "township":
            township = ref.township(area["code"])
            if township is None or not township.office:
                gaps.append(f"乡镇 {where}没有发文机关名称（areas 中的 office）：这个乡镇的告知书无法打印")
    if not ref.hotline:
        gaps.append("没有社会救助服务热线（hotline）：告知书无法打印")
    return gaps
