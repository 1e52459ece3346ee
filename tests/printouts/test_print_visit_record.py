"""入户调查记录: the four sections as answered with the form's own labels, members table, signatures."""

from __future__ import annotations


from printouts import print_visit_records
from printfixtures import base_visit, big_visit, flat, pdf_text, pdffonts
from tests.pdftext import assert_inside_margins, page_texts


def test_visit_record_shows_the_four_sections_as_answered(ctx, tmp_path):
    out = tmp_path / "record.pdf"
    visit = base_visit()
    result = print_visit_records([visit], ctx, out)
    text = pdf_text(out)
    ftext = flat(text)
    assert "入户调查记录" in text
    assert "四个摸清入户走访调查表（第1版）" in ftext
    assert "演镇入调〔2026〕0001号" in ftext
    for heading in ("一、家庭基本情况", "二、家庭经济状况", "三、保障情况", "四、需要帮助解决的问题"):
        assert heading in text
    assert "2026年5月12日" in text  # visit date
    for m in visit["answers"]["members"]:
        assert m["name"] in ftext
    # option codes appear as the form's labels, amounts in yuan with two decimals
    assert "配偶" in text and "spouse" not in text
    assert "1800.00元" in ftext and "250.50元" in ftext and "3500.00元" in ftext
    assert "透析费用负担重" in ftext
    # a signature line for the representative and each visitor
    assert "家庭陈述人（户主）" in ftext
    assert "测试员甲" in text and "测试员乙" in text
    assert result.documents[0].doc_type == "visit_record"
    assert all(r["emb"] == "yes" for r in pdffonts(out))


def test_twelve_member_household_spans_pages_with_repeated_headers_inside_the_frame(ctx, tmp_path):
    out = tmp_path / "big.pdf"
    visit = big_visit(12)
    # 40 income rows: the income table cannot fit on one page and must break.
    visit["answers"]["incomes"] = [{"source": "farming", "amount_fen": 1000 + i, "note": f"第{i}块地"} for i in range(40)]
    result = print_visit_records([visit], ctx, out)
    assert result.pages >= 2
    text = pdf_text(out)
    assert f"第1页共{result.pages}页" in flat(text)
    assert f"第{result.pages}页共{result.pages}页" in flat(text)
    for m in visit["answers"]["members"]:
        assert m["id_number"] in flat(text)
    header_pages = sum(1 for page in page_texts(out) if "收入来源" in flat(page))
    assert header_pages >= 2  # the income table broke across pages and repeated its header
    assert_inside_margins(out)
    assert "第39块地" in flat(text) and "10.39元" in flat(text)


def test_a_draft_visit_record_says_it_is_a_draft(ctx, tmp_path):
    visit = base_visit()
    visit["status"] = "draft"
    out = tmp_path / "draft.pdf"
    print_visit_records([visit], ctx, out)
    assert "入户调查记录（草稿，未定稿）" in pdf_text(out)
