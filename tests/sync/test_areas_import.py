"""``fieldapp-server areas import``: a county's division codes in bulk, from the official table's shape."""

from __future__ import annotations

import json

import openpyxl
import pytest

from sync.server import cli
from sync.server.areas import AreaFileError, import_areas, read_division_file
from sync.server.storage import open_storage

ROWS = [
    ("统计用区划代码", "城乡分类代码", "名称"),
    ("510123000000", "", "松林县"),
    ("510123001000", "", "城关镇"),
    ("510123001001", "111", "东街社区"),
    ("510123001201", "220", "柏树村"),
    ("510123002000", "", "石桥乡"),
    ("510123002201", "210", "河坝村"),
    ("510123002202", "220", "杨柳村"),
]


def write_csv(path, rows, encoding="gb18030", title=True):
    lines = (["2025年统计用区划代码和城乡划分代码（松林县）"] if title else []) + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def run(capsys, db, *argv):
    code = cli.main(["--database", db, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'server.db'}"


def test_a_gb18030_csv_with_a_title_row_imports_every_level(tmp_path, capsys, db):
    code, out, err = run(capsys, db, "areas", "import", str(write_csv(tmp_path / "areas.csv", ROWS)))
    assert code == 0, err
    assert json.loads(out)["created"] == 7
    code, out, _ = run(capsys, db, "area-list")
    areas = {a["code"]: a for a in json.loads(out)}
    assert areas["510123"]["name"] == "松林县" and areas["510123"]["level"] == "county"
    assert areas["510123001"]["name"] == "城关镇" and areas["510123001"]["parent_code"] == "510123"
    assert areas["510123001001"]["area_type"] == "urban" and areas["510123002201"]["area_type"] == "rural"


def test_reimport_is_idempotent_and_updates_names(tmp_path, capsys, db):
    path = write_csv(tmp_path / "areas.csv", ROWS, encoding="utf-8")
    assert run(capsys, db, "areas", "import", str(path))[0] == 0
    code, out, _ = run(capsys, db, "areas", "import", str(path))
    again = json.loads(out)
    assert (again["created"], again["updated"], again["unchanged"], again["published"]) == (0, 0, 7, [])
    renamed = [r if r[0] != "510123002202" else ("510123002202", "220", "杨柳湾村") for r in ROWS]
    code, out, _ = run(capsys, db, "areas", "import", str(write_csv(tmp_path / "b.csv", renamed)))
    result = json.loads(out)
    assert (result["created"], result["updated"]) == (0, 1)
    assert result["published"][0]["version"] == 2  # the laptops receive the new names
    names = {a["code"]: a["name"] for a in json.loads(run(capsys, db, "area-list")[1])}
    assert names["510123002202"] == "杨柳湾村" and len(names) == 7


def test_an_xlsx_with_numeric_codes_and_short_codes(tmp_path, capsys, db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["松林县区划"])
    sheet.append(["名称", "统计用区划代码", "城乡分类代码"])
    sheet.append(["松林县", "510123", None])
    sheet.append(["城关镇", 510123001000, None])  # Excel keeps the code as a number
    sheet.append(["柏树村", 510123001201, 220])
    book.save(tmp_path / "areas.xlsx")
    code, out, err = run(capsys, db, "areas", "import", str(tmp_path / "areas.xlsx"))
    assert code == 0, err
    areas = {a["code"]: a for a in json.loads(run(capsys, db, "area-list")[1])}
    assert set(areas) == {"510123", "510123001", "510123001201"} and areas["510123001201"]["area_type"] == "rural"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(tmp_path, capsys, db):
    rows = ROWS + [("510123003201", "220", "无乡村"),      # its township is nowhere
                   ("510123001202", "999", "错类村"),      # not an urban/rural code
                   ("51012300120", "220", "短码村"),       # 11 digits
                   ("510123001201", "220", "柏树村")]      # the same code twice
    code, out, err = run(capsys, db, "areas", "import", str(write_csv(tmp_path / "bad.csv", rows)))
    assert code == 1 and out == ""
    assert "第 10 行" in err and "所属乡镇 510123003" in err
    assert "第 11 行" in err and "城乡分类代码“999”无效" in err
    assert "第 12 行" in err and "应为 12 位数字" in err
    assert "第 13 行" in err and "与第 6 行重复" in err
    assert json.loads(run(capsys, db, "area-list")[1]) == []


def test_a_village_file_may_lean_on_townships_already_on_the_server(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}")
    storage.migrate()
    import_areas(storage, write_csv(tmp_path / "a.csv", ROWS[:3]))
    result = import_areas(storage, write_csv(tmp_path / "b.csv", [ROWS[0], ROWS[4]]))
    assert result["created"] == 1
    with pytest.raises(AreaFileError) as caught:
        read_division_file(write_csv(tmp_path / "c.csv", [ROWS[0], ROWS[6]]))
    assert "所属乡镇 510123002" in caught.value.message_zh
    storage.close()


def test_code_issue_label_names_the_laptop_and_lists_show_area_names(tmp_path, capsys, db):
    run(capsys, db, "areas", "import", str(write_csv(tmp_path / "areas.csv", ROWS)))
    code, out, err = run(capsys, db, "code-issue", "--role", "visitor", "--township", "510123001",
                         "--villages", "510123001201", "--label", "城关镇-王芳")
    assert code == 0, err
    issued = json.loads(out)
    assert issued["label"] == "城关镇-王芳" and issued["township_name"] == "城关镇" and issued["village_names"] == ["柏树村"]
    assert len(issued["server_fingerprint"]) == 19  # four groups of four hex digits, for the enrollment sheet


def test_publishing_reference_data_says_what_the_laptops_will_miss(tmp_path, capsys, db):
    import yaml

    from tests import county

    run(capsys, db, "areas", "import", str(county.AREAS_CSV))
    code, out, err = run(capsys, db, "publish", "reference", str(county.REFERENCE), "--name", "songlin")
    assert code == 0 and json.loads(out)["version"] == 1 and "注意" not in err   # the county's full document
    partial = yaml.safe_load(county.REFERENCE.read_text(encoding="utf-8"))
    partial["areas"][0]["townships"][1]["office"] = ""
    partial["dibao_standards"] = [s for s in partial["dibao_standards"] if s["area_type"] == "urban"]
    (tmp_path / "partial.yaml").write_text(yaml.safe_dump(partial, allow_unicode=True), encoding="utf-8")
    code, out, err = run(capsys, db, "publish", "reference", str(tmp_path / "partial.yaml"), "--name", "songlin")
    assert code == 0 and json.loads(out)["version"] == 2, err                   # published all the same
    assert "乡镇 石桥乡（510123002）没有发文机关名称" in err
    assert "城关镇" not in err and "县 松林县" not in err   # nothing said of what is there
