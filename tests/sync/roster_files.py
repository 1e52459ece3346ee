"""Roster files as counties send them, each holding the traps the import must name (non-demo county 410523)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

from forms.idnumber import check_char
from sync.server.admin import add_area

COUNTY, TOWN_A, TOWN_B = "410523", "410523100", "410523101"
VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "410523100201", "410523100202", "410523101201"


def make_id(birth: str, seq: int, area: str = COUNTY) -> str:
    """A valid 18-character ID number."""
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_char(first17)


def seed_county(storage) -> None:
    """The county, two townships and three villages (official-style names, no demo data)."""
    add_area(storage, COUNTY, "汤阴县")
    add_area(storage, TOWN_A, "菜园镇")
    add_area(storage, VILLAGE_A1, "东关村", "rural")
    add_area(storage, VILLAGE_A2, "西岗村", "rural")
    add_area(storage, TOWN_B, "城关镇")
    add_area(storage, VILLAGE_B1, "北关社区", "urban")


HEAD1, SPOUSE1, CHILD1 = make_id("19650312", 11), make_id("19680705", 22), make_id("19950101", 31)
HEAD2 = next(i for i in (make_id("19480101", s) for s in range(1, 200)) if i.endswith("X"))   # ends in X: written as x
MEMBER2 = make_id("19500202", 24)
OLD15 = COUNTY + "520606" + "019"          # 15-digit first-generation number of someone born 1952-06-06
HEAD3 = COUNTY + "19520606" + "019" + check_char(COUNTY + "19520606" + "019")
ORPHAN_HEAD = make_id("19700101", 51)
EXCEL_ID = make_id("19900101", 61)
BAD_CHECK = make_id("19710101", 71)[:17] + ("1" if not make_id("19710101", 71).endswith("1") else "2")
HEADS_OK = {k: make_id(b, s) for k, b, s in (("v", "19600101", 81), ("c", "19610101", 91), ("a", "19620101", 101),
                                              ("f", "19630101", 111), ("o", "19640101", 121))}
OTHER_PERSON = make_id("19750101", 131)    # already in another household on the server
FULLWIDTH = MEMBER2.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
HEADERS = ["户主姓名", "户主身份证号", "成员姓名", "与户主关系", "成员身份证号", "村（社区）代码", "村（社区）",
           "救助类别", "家庭人口", "保障金额", "家庭住址", "联系电话"]


def rows() -> list[tuple[str, list]]:
    """(what the row is, cells) for every data row, in order; the header is at sheet row 3."""
    h2 = HEAD2.lower() if HEAD2.endswith("X") else HEAD2
    return [
        ("h1 head", ["张建国", HEAD1, "张建国", "户主", HEAD1, VILLAGE_A1, "东关村", "农村低保A类", 3, "1,800.00", "东关村三组12号", "13900000001"]),
        ("h1 spouse", ["张建国", HEAD1, "李秀英", "配偶", SPOUSE1, VILLAGE_A1, "东关村", None, None, None, None, None]),
        ("h1 child", ["张建国", HEAD1, "张伟", "子女", CHILD1, VILLAGE_A1, "东关村", None, None, None, None, None]),
        ("h2 head lower x", ["王桂兰", h2, "王桂兰", "户主", h2, VILLAGE_A1, "东关村", "农村特困（分散供养）", 2, "¥1200", "东关村五组3号", None]),
        ("h2 member full-width", ["王桂兰", h2, "王明", "兄弟姐妹", FULLWIDTH, VILLAGE_A1, "东关村", None, None, None, None, None]),
        ("h3 head 15-digit, village by name", ["刘长河", OLD15, "刘长河", "户主", OLD15, None, "西岗村", "低收入家庭", 1, "600", "西岗村一组", None]),
        ("head_missing", ["赵不在", ORPHAN_HEAD, "赵小明", "子女", make_id("20050101", 52), VILLAGE_A2, "西岗村", None, None, None, None, None]),
        ("id_excel_number", ["孙海", "EXCEL", "孙海", "户主", "EXCEL", VILLAGE_A2, "西岗村", "农村低保B类", 1, "900", "西岗村二组", None]),
        ("id_checksum", ["周强", BAD_CHECK, "周强", "户主", BAD_CHECK, VILLAGE_A2, "西岗村", "农村低保A类", 1, "900", "西岗村二组", None]),
        ("village_unknown", ["吴军", HEADS_OK["v"], "吴军", "户主", HEADS_OK["v"], "410523999999", None, "农村低保A类", 1, "900", "某村", None]),
        ("category_unknown", ["郑华", HEADS_OK["c"], "郑华", "户主", HEADS_OK["c"], VILLAGE_B1, "北关社区", "优抚对象", 1, "900", "北关街1号", None]),
        ("amount_invalid", ["冯丽", HEADS_OK["a"], "冯丽", "户主", HEADS_OK["a"], VILLAGE_B1, "北关社区", "城市低保A类", 1, "约一千元", "北关街2号", None]),
        ("person_duplicate", ["张建国", HEAD1, "李秀英", "配偶", SPOUSE1, VILLAGE_A1, "东关村", None, None, None, None, None]),
        ("formula_text", ["=HYPERLINK(\"http://x\",\"陈\")", HEADS_OK["f"], "=HYPERLINK(\"http://x\",\"陈\")", "户主", HEADS_OK["f"], VILLAGE_B1, "北关社区", "城市低保A类", 1, "900", "北关街3号", None]),
        ("h4 head", ["褚明", HEADS_OK["o"], "褚明", "户主", HEADS_OK["o"], VILLAGE_B1, "北关社区", "城市低保B类、残疾", 2, "1500", "北关街4号", "0372-5550001"]),
        ("person_in_other_household", ["褚明", HEADS_OK["o"], "褚芳", "配偶", OTHER_PERSON, VILLAGE_B1, "北关社区", None, None, None, None, None]),
    ]


EXPECTED_CODES = {"head_missing": "head_missing", "id_excel_number": "id_excel_number", "id_checksum": "id_checksum",
                  "village_unknown": "village_unknown", "category_unknown": "category_unknown",
                  "amount_invalid": "amount_invalid", "person_duplicate": "person_duplicate",
                  "formula_text": "formula_text", "person_in_other_household": "person_in_other_household"}
FIRST_DATA_ROW = 4


def write_xlsx(path: Path) -> Path:
    """The roster as openpyxl writes it: a merged title row, a blank row, the header, merged household cells."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["汤阴县2026年社会救助对象花名册"])
    ws.merge_cells("A1:L1")
    ws.append(["填报单位：汤阴县民政局"])
    ws.append(HEADERS)
    for _what, cells in rows():
        values = list(cells)
        if values[1] == "EXCEL":
            values[1] = values[4] = int(EXCEL_ID[:15] + "000")   # what Excel keeps of a number typed into a number cell
        ws.append(values)
    # 张建国's household: name, head ID, village and address merged down over its three rows (a common layout).
    for col in "AB":
        ws.merge_cells(f"{col}4:{col}6")
    for r in range(4, 4 + len(rows())):
        for col in "BE":
            if isinstance(ws[f"{col}{r}"].value, str):
                ws[f"{col}{r}"].number_format = "@"
    wb.save(path)
    return path


def convert_with_libreoffice(source: Path, out_dir: Path) -> Path:
    """The same sheet opened and saved by LibreOffice Calc (what a county office's WPS/Calc produces)."""
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    if exe is None:
        raise RuntimeError("LibreOffice is not installed (scripts/_setup.sh installs libreoffice-calc)")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=180)
    return out_dir / source.name


def write_csv_gb18030(path: Path) -> Path:
    """The roster saved as CSV in GB18030, the way Excel on a Chinese Windows saves it (numbers as 4.10523E+17)."""
    lines = [["汤阴县2026年社会救助对象花名册"], [], HEADERS]
    for _what, cells in rows():
        values = ["" if v is None else str(v) for v in cells]
        if values[1] == "EXCEL":
            values[1] = values[4] = f"{int(EXCEL_ID):.5E}"
        lines.append(values)
    with path.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows(lines)
    return path
