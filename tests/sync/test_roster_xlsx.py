"""The roster's own .xlsx reader gives exactly what openpyxl's ``iter_rows(values_only=True)`` gives, cell type by cell type."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from sync.server.roster_xlsx import first_sheet_rows
from tests.sync import roster_files as rf

ROWS = [
    ["汤阴县花名册", None, None],
    [],
    ["户主姓名", "户主身份证号", "保障金额", "家庭人口", "日期", "时间", "公式", "是否", "小数", "科学计数"],
    ["张建国", "410523195503120011", "1,200.00", 3, dt.date(2026, 4, 1), dt.datetime(2026, 4, 1, 9, 30), "=A4&B4",
     True, 1200.5, 4.10523e17],
    [None, None, None, None, None, None, None, False, -3, 0],
    ["李 秀 英", "  41052319550312001X ", "", "五", None, dt.time(8, 15), "=SUM(C4:C5)", None, None, 12],
]


def _trimmed(values) -> list:
    values = list(values)
    while values and values[-1] is None:
        values.pop()
    return values


def _openpyxl_rows(path) -> list[list]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()   # every row there is, whatever dimension the writer stored
        return [_trimmed(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _ours(path) -> list[list]:
    _target, rows = first_sheet_rows(path)
    assert [n for n, _ in rows] == list(range(1, len(rows) + 1))
    return [_trimmed(values) for _n, values in rows]


def _fill(ws) -> None:
    for row in ROWS:
        ws.append(row)
    ws.append([CellRichText(["红色", TextBlock(InlineFont(b=True), "加粗"), "尾"]), "41052319550312002X"])
    ws.append([])
    ws.append([None, None, None, None, None, None, None, None, None, None, None, "远处的格子"])


def _write_normal(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    _fill(ws)
    ws["E4"].number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def _write_write_only(path):
    wb = openpyxl.Workbook(write_only=True)
    _fill(wb.create_sheet("花名册"))
    wb.save(path)
    return path


@pytest.mark.parametrize("writer", [_write_normal, _write_write_only])
def test_every_cell_type_reads_as_openpyxl_reads_it(tmp_path, writer):
    path = writer(tmp_path / "sheet.xlsx")
    ours = _ours(path)
    assert ours == _openpyxl_rows(path)
    assert ours[3][:4] == ["张建国", "410523195503120011", "1,200.00", 3]
    assert ours[3][6] == "=A4&B4" and ours[3][7] is True and ours[3][8] == 1200.5
    assert isinstance(ours[3][4], dt.datetime) and ours[3][4].date() == dt.date(2026, 4, 1)
    assert ours[6][0] == "红色加粗尾"
    assert ours[8][11] == "远处的格子"


def test_openpyxl_writes_inline_strings_with_rich_text_runs(tmp_path):
    """The inline-string paths of the reader are the ones the test above goes through."""
    with zipfile.ZipFile(_write_write_only(tmp_path / "w.xlsx")) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    assert b't="inlineStr"' in xml and b"<r>" in xml


def test_a_libreoffice_saved_roster_reads_as_openpyxl_reads_it(tmp_path):
    source = rf.write_xlsx(tmp_path / "roster.xlsx")
    try:
        converted = rf.convert_with_libreoffice(source, tmp_path / "lo")
    except RuntimeError as exc:   # scripts/_setup.sh installs LibreOffice; CI has it
        pytest.skip(str(exc))
    with zipfile.ZipFile(converted) as zf:   # LibreOffice writes shared strings and a <dimension>
        xml = zf.read("xl/worksheets/sheet1.xml")
    assert b't="s"' in xml and b"<dimension" in xml
    ours = _ours(converted)
    assert ours == _openpyxl_rows(converted)
    assert any("张建国" in (v or "") for row in ours for v in row if isinstance(v, str))


def _rewrite_sheet(path, out, change) -> None:
    """A copy of the workbook at *path* with its first worksheet's XML passed through *change*."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, change(data) if item.filename == "xl/worksheets/sheet1.xml" else data)


def test_a_sheet_read_in_many_pieces_reads_as_openpyxl_reads_it(tmp_path, monkeypatch):
    import sync.server.roster_xlsx as reader

    path = _write_normal(tmp_path / "sheet.xlsx")
    monkeypatch.setattr(reader, "PIECE", 64)   # a cut after almost every row
    assert _ours(path) == _openpyxl_rows(path)


@pytest.mark.parametrize("piece", [64, 1 << 20])
@pytest.mark.parametrize("trap", [b"<!-- </row> -->", b"<!-- </sheetData> -->", b"<!-- <row r='99'> -->"])
def test_markup_that_could_mislead_the_cuts_loses_nothing(tmp_path, monkeypatch, trap, piece):
    """Comments holding row or sheet-end markup between rows: where a cut lands inside one, the piece is not
    well-formed and the sheet is read again by the streamed parser; either way every row is there."""
    import sync.server.roster_xlsx as reader

    path = _write_normal(tmp_path / "sheet.xlsx")
    odd = tmp_path / "odd.xlsx"
    _rewrite_sheet(path, odd, lambda xml: xml.replace(b"</row>", b"</row>" + trap, 3))
    monkeypatch.setattr(reader, "PIECE", piece)
    assert _ours(odd) == _openpyxl_rows(path)


def test_a_broken_worksheet_is_a_clear_error(tmp_path):
    from sync import errors
    from sync.server.roster_read import read_sheet

    path = _write_normal(tmp_path / "sheet.xlsx")
    broken = tmp_path / "broken.xlsx"
    _rewrite_sheet(path, broken, lambda xml: xml[: len(xml) // 2])
    with pytest.raises(errors.RosterUnreadable) as caught:
        read_sheet(broken)
    assert "无法读取花名册文件" in caught.value.message_zh
