"""The consent form (授权书): every member with full ID, sign boxes, serial, embedded CJK font."""

from __future__ import annotations

import pytest

from printouts import print_consent
from printouts.templates import load_templates
from printfixtures import base_visit, big_visit, flat, need_tool, pdf_text, pdffonts
from tests.pdftext import assert_inside_margins, page_texts


def test_consent_lists_every_member_with_full_id_and_serial(ctx, tmp_path):
    out = tmp_path / "consent.pdf"
    visit = base_visit()
    result = print_consent([visit], ctx, out)

    text = pdf_text(out)
    assert "家庭经济状况核对授权书" in text
    for m in visit["answers"]["members"]:
        assert m["name"] in text
        assert m["id_number"] in text  # the consent form needs the FULL number
    assert "演镇核授〔2026〕0001号" in text
    for source in load_templates().consent["sources"]:
        assert source in flat(text)
    assert "调查人员签字" in text
    assert "由监护人代签" in text  # the 13-year-old signs through a guardian
    assert [d.doc_type for d in result.documents] == ["consent"]
    assert result.documents[0].serial == "演镇核授〔2026〕0001号"
    assert result.documents[0].household_id == visit["household_id"]
    assert result.pages == 1


def test_every_font_is_embedded(ctx, tmp_path):
    need_tool("pdffonts")
    out = tmp_path / "consent.pdf"
    print_consent([base_visit()], ctx, out)
    rows = pdffonts(out)
    assert rows, "the PDF uses no font at all"
    for row in rows:
        assert row["emb"] == "yes", row["line"]
        assert row["sub"] == "yes", row["line"]


def test_three_copies_share_one_serial(ctx, tmp_path):
    out = tmp_path / "consent3.pdf"
    result = print_consent([base_visit()], ctx, out, copies=3)
    text = pdf_text(out)
    assert "第 1 联（共 3 联）" in text and "第 3 联（共 3 联）" in text
    assert text.count("演镇核授〔2026〕0001号") >= 3
    assert {d.serial for d in result.documents} == {"演镇核授〔2026〕0001号"}
    assert result.pages == 3


def test_twelve_members_fit_inside_the_page_frame(ctx, tmp_path):
    out = tmp_path / "big.pdf"
    visit = big_visit(12)
    result = print_consent([visit], ctx, out)
    text = pdf_text(out)
    for m in visit["answers"]["members"]:
        assert m["id_number"] in text
    assert "阿卜杜热合曼" in text
    assert_inside_margins(out)
    if result.pages > 1:
        assert f"第1页共{result.pages}页" in flat(text)


def test_a_rare_character_prints_in_the_fallback_font(ctx, tmp_path):
    """生僻字: 䶮 (U+4DAE, CJK Extension A) is not in WenQuanYi Micro Hei; it prints in Hanazono Mincho."""
    visit = base_visit()
    visit["answers"]["members"][1]["name"] = "刘䶮"
    out = tmp_path / "rare.pdf"
    print_consent([visit], ctx, out)
    assert "刘䶮" in flat(pdf_text(out))
    fonts = {r["name"].split("+")[-1]: r for r in pdffonts(out)}
    assert any("Hana" in name for name in fonts), fonts      # the fallback font is embedded (subset)
    assert all(r["emb"] == "yes" for r in fonts.values())


def test_a_name_no_font_can_draw_is_an_error_not_boxes(ctx, tmp_path, monkeypatch):
    import printouts.fonts
    from printouts.errors import MissingGlyphError

    monkeypatch.setattr(printouts.fonts, "_fallbacks", [])  # a machine without the fallback font
    visit = base_visit()
    visit["answers"]["members"][1]["name"] = "刘䶮"
    with pytest.raises(MissingGlyphError) as err:
        print_consent([visit], ctx, tmp_path / "x.pdf")
    assert "䶮" in err.value.message_zh and "U+4DAE" in err.value.message_zh
    assert not (tmp_path / "x.pdf").exists()


def test_control_and_bidi_characters_are_dropped_not_printed(ctx, tmp_path):
    visit = base_visit()
    visit["answers"]["members"][1]["name"] = "\u202e李秀英\u202c"
    visit["answers"]["members"][2]["name"] = "王\x07小\x1b明"
    out = tmp_path / "c.pdf"
    print_consent([visit], ctx, out)
    text = pdf_text(out)
    assert "李秀英" in text and "王小明" in text
    assert "\u202e" not in text and "\x07" not in text


@pytest.mark.parametrize("members", [5, 6, 7, 12, 14])  # sizes whose signature lines used to fall alone onto a page
def test_the_signature_lines_never_stand_alone_on_a_page(ctx, tmp_path, members):
    out = tmp_path / f"c{members}.pdf"
    visit = big_visit(members)
    print_consent([visit], ctx, out)
    pages = page_texts(out)
    signed = [t for t in pages if "申请人（户主）签字" in flat(t)]
    assert signed
    for text in signed:
        assert any(m["id_number"] in text for m in visit["answers"]["members"])  # with members' rows to sign
        assert "调查人员签字" in flat(text)


def test_the_consent_form_records_the_reference_document_version(ctx, tmp_path):
    from dataclasses import replace

    ctx.reference = replace(ctx.reference, version=3)
    out = tmp_path / "consent.pdf"
    print_consent([base_visit()], ctx, out, copies=3)
    # on every copy, in the letters' wording
    assert flat(pdf_text(out)).count(flat("政策依据：参考数据 demo-2026 第 3 版")) == 3
