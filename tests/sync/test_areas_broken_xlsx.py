"""A broken .xlsx given to ``areas import`` is said to be unreadable (the names openpyxl raises), nothing imported."""

from __future__ import annotations

import zipfile

import pytest

from sync.server.areas import AreaFileError, read_division_file


def _not_a_zip(path):
    path.write_bytes(b"\x00\x01 this is not a workbook " * 40)


def _zip_without_a_workbook(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "区划代码")


def _broken_xml(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types><unclosed")
        z.writestr("xl/workbook.xml", "<workbook")


def _truncated(path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["统计用区划代码", "名称"])
    book.active.append(["510123000000", "某某县"])
    book.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("make", [_not_a_zip, _zip_without_a_workbook, _broken_xml, _truncated])
def test_a_broken_xlsx_is_reported_as_unreadable(tmp_path, make):
    path = tmp_path / "区划.xlsx"
    make(path)
    with pytest.raises(AreaFileError) as refused:
        read_division_file(path)
    assert "不是可读取的 .xlsx 文件" in " ".join(refused.value.problems) and "区划.xlsx" in refused.value.message_zh
