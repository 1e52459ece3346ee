"""工作台账: workbook with frozen header, filters, widths, one sheet per village; formula injection
neutralised; converts with LibreOffice; PDF with repeated header rows."""

from __future__ import annotations

import subprocess

import openpyxl
import pytest

from printouts import export_ledger_xlsx, print_ledger
from printouts.ledger_xlsx import neutralise
from printfixtures import base_visit, big_visit, flat, need_tool, pdf_text, pdffonts, visit_with
from tests.pdftext import assert_inside_margins, page_texts

HOSTILE_ADDRESS = '=HYPERLINK("http://example.invalid/x","点击")'


def _visits():
    hostile = visit_with(village_code="990101002201", address=HOSTILE_ADDRESS)
    hostile["household_id"] = "0b9f1c2e-0000-4000-8000-000000000002"
    hostile["answers"]["members"][0]["name"] = "+1+1"
    hostile["answers"]["needs"][0]["description"] = "@SUM(A1:A9)"
    hostile["answers"]["needs"][1]["description"] = "-2+3"
    hostile["answers"]["visitors"] = ["\tcmd", "测试员乙"]
    big = big_visit()
    big["household_id"] = "0b9f1c2e-0000-4000-8000-000000000003"
    return [base_visit(), hostile, big]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_risky_text_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


def test_harmless_values_are_unchanged():
    assert neutralise("王建国") == "王建国"
    assert neutralise(12) == 12
    assert neutralise("a=b") == "a=b"


def test_workbook_has_a_summary_and_one_frozen_filtered_sheet_per_village(ctx, tmp_path):
    out = tmp_path / "ledger.xlsx"
    result = export_ledger_xlsx(_visits(), ctx, out)
    assert result.groups == ("990101001201", "990101002201")
    assert len(result.household_ids) == 3

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "汇总"
    summary = wb["汇总"]
    assert [summary.cell(2, c).value for c in (1, 3)] == ["990101001201", 2]
    assert [summary.cell(3, c).value for c in (1, 3)] == ["990101002201", 1]
    ws = wb[wb.sheetnames[1]]
    assert "演示镇桃园村" in ws.title
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:P4"
    assert ws["A2"].value == "序号" and ws["E2"].value == "公民身份号码"
    assert ws.column_dimensions["L"].width == 50
    assert ws.row_dimensions[4].height > 60  # the big household's long address and findings wrap
    heads = {ws.cell(r, 4).value for r in (3, 4)}
    assert heads == {"王建国", "欧阳子轩"}
    ids = [ws.cell(r, 5).value for r in (3, 4)]
    assert all("********" in i for i in ids)  # masked in the ledger
    amounts = {ws.cell(r, 4).value: ws.cell(r, 11).value for r in (3, 4)}
    assert str(amounts["王建国"]) == "162.63"  # from the real assessment (R1)
    assert ws.cell(3, 11).number_format == "0.00"


def test_formula_injection_is_stored_as_text(ctx, tmp_path):
    out = tmp_path / "ledger.xlsx"
    export_ledger_xlsx(_visits(), ctx, out)
    ws = openpyxl.load_workbook(out)[openpyxl.load_workbook(out).sheetnames[2]]
    row = {ws.cell(2, c).value: ws.cell(3, c) for c in range(1, 16)}
    assert row["家庭住址"].value == "'" + HOSTILE_ADDRESS
    assert row["户主"].value == "'+1+1"
    assert row["走访人员"].value == "'\tcmd、测试员乙"
    for cell in row.values():
        assert cell.data_type != "f", cell.coordinate
    # the needs cell starts with the category label, so its text is harmless as is
    assert "@SUM(A1:A9)" in row["困难诉求"].value


def test_libreoffice_converts_the_workbook_without_evaluating_injected_text(ctx, tmp_path):
    soffice = need_tool("soffice")
    out = tmp_path / "ledger.xlsx"
    export_ledger_xlsx(_visits(), ctx, out)
    profile = tmp_path / "lo-profile"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "ledger.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000
    text = flat(pdf_text(pdf))
    assert "工作台账" in text and "王建国" in text
    assert "HYPERLINK" in text  # shown as text, not turned into a link


def test_ledger_pdf_sections_per_village_with_repeated_header(ctx, tmp_path):
    out = tmp_path / "ledger.pdf"
    visits = _visits() + [big_visit() for _ in range(6)]
    result = print_ledger(visits, ctx, out)
    assert [d.doc_type for d in result.documents] == ["ledger", "ledger"]
    assert result.pages >= 3
    text = pdf_text(out)
    assert "工作台账演示镇桃园村" in flat(text) and "工作台账演示乡柳树村" in flat(text)
    assert "162.63" in text and "2026-05-12" in text
    first = result.documents[0]
    assert f"第1页共{first.pages}页" in flat(text)
    pages_with_header = sum(1 for page in page_texts(out) if "公民身份号码" in flat(page))
    assert pages_with_header == result.pages
    assert_inside_margins(out, y=0)
    assert all(r["emb"] == "yes" for r in pdffonts(out))


def test_grouping_by_township_puts_villages_of_one_township_on_one_sheet(ctx, tmp_path):
    from printfixtures import visit_with as vw

    visits = [base_visit(), vw(village_code="990101001001", address="演示镇东街社区 3 号"),
              vw(village_code="990101002201", address="演示乡柳树村 8 号")]
    result = export_ledger_xlsx(visits, ctx, tmp_path / "t.xlsx", group_by="township")
    assert result.groups == ("990101001", "990101002")
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert wb["汇总"].cell(1, 2).value == "乡镇（街道）"
    assert [wb["汇总"].cell(r, 3).value for r in (2, 3)] == [2, 1]
    first = wb[wb.sheetnames[1]]
    assert {first.cell(r, 3).value for r in (3, 4)} == {"演示镇桃园村", "演示镇东街社区"}


def test_the_ledger_shows_each_visits_review_state(ctx, tmp_path):
    visits = _visits()
    for i, v in enumerate(visits):
        v["visit_id"] = f"5d0c6a1e-0000-4000-8000-00000000000{i}"
    states = {visits[0]["visit_id"]: "approved", visits[1]["visit_id"]: "returned"}   # the third: never reviewed
    export_ledger_xlsx(visits, ctx, tmp_path / "ledger.xlsx", review_states=states)
    wb = openpyxl.load_workbook(tmp_path / "ledger.xlsx")
    shown = {}
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.cell(2, 16).value == "审核状态"
        for r in range(3, ws.max_row + 1):
            shown[ws.cell(r, 4).value] = ws.cell(r, 16).value
    assert sorted(shown.values()) == sorted(["已审核通过", "已退回", "待审核"])
    assert shown["'+1+1"] == "已退回"        # the second visit's head (neutralised in the workbook)
    pdf = tmp_path / "ledger.pdf"
    print_ledger(visits, ctx, pdf, review_states=states)
    text = pdf_text(pdf)
    assert "审核状态" in text.replace("\n", "") and "已退回" in text and "待审核" in text


def test_the_ledger_records_the_reference_document_version(ctx, tmp_path):
    from dataclasses import replace

    ctx.reference = replace(ctx.reference, version=2)
    line = "政策依据：参考数据 demo-2026 第 2 版"
    print_ledger(_visits(), ctx, tmp_path / "ledger.pdf")
    assert flat(pdf_text(tmp_path / "ledger.pdf")).count(flat(line)) == 2  # one per village section

    export_ledger_xlsx(_visits(), ctx, tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "ledger.xlsx")
    for ws in wb.worksheets[1:]:
        assert ws["L1"].value == line  # in the title row, over 走访发现
        assert ws["A1"].value.startswith("工作台账")
        assert {str(r) for r in ws.merged_cells.ranges} == {"A1:K1", "L1:P1"}
        assert ws.freeze_panes == "A3" and ws["A2"].value == "序号"
