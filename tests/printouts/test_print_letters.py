"""告知书: wording from the county templates, masked IDs, 文号 per township and year, appeal route."""

from __future__ import annotations

import pytest

from printouts import Change, LetterRequest, PrintCancelled, print_letters
from printouts.errors import VisitDataError
from printfixtures import base_visit, big_visit, flat, pdf_text, pdffonts, visit_with
from tests.pdftext import assert_inside_margins

# Shaped like forms' Suggestion.to_dict(); the letter picks by code, never prints staff messages.
SUGGESTIONS = [
    {"rule": "R1", "code": "per_capita_income", "message_zh": "R1 人均月收入 = … = 325.25 元"},
    {"rule": "R3", "code": "dibao_candidate", "message_zh": "R3 人均月收入 325.25 元 < 低保标准 … → 可能符合低保条件"},
    {"rule": "R9", "code": "verify_vehicle", "message_zh": "R9 需核实：家庭有非豁免车辆"},
    {"rule": "R4", "code": "single_person_member", "message_zh": "R4 第 2 位成员（患重病）… → 可单独申请低保（单人户）"},
    {"rule": "R4", "code": "single_person_member", "message_zh": "R4 第 3 位成员（患重病）… → 可单独申请低保（单人户）"},
    {"rule": "R7", "code": "review_schedule", "message_zh": "R7 …", "figures": {"next_review_due": "2026-11-20"}},
]


def test_visit_result_letter_lists_only_household_facing_suggestions(ctx, tmp_path):
    out = tmp_path / "result.pdf"
    visit = visit_with(categories=[])  # not yet on dibao
    result = print_letters("visit_result", [LetterRequest(visit, suggestions=SUGGESTIONS)], ctx, out)
    text = pdf_text(out)
    flat_text = flat(text)
    assert "入户走访结果及政策告知书" in text
    assert "演镇民救告〔2026〕001号" in text
    assert "王建国户：" in text
    assert "最低生活保障（低保）" in flat_text
    assert flat_text.count("单独申请低保（单人户）") == 1  # two members, one line
    assert "非豁免车辆" not in flat_text and "R1" not in flat_text and "325.25" not in flat_text
    assert "12349" in text
    assert "2026年5月12日" in text  # visit date, as a Chinese date
    assert "2026年5月20日" in text  # issue date
    assert "演示镇人民政府（盖章）" in text
    # The head's ID number is masked on letters.
    head_id = visit["answers"]["members"][0]["id_number"]
    assert head_id not in text
    assert head_id[:6] + "********" + head_id[-4:] in text
    assert "行政复议" not in text  # no appeal route on a policy notice
    assert result.documents[0].doc_type == "letter_visit_result"


def test_visit_result_without_suggestions_says_so(ctx, tmp_path):
    out = tmp_path / "none.pdf"
    print_letters("visit_result", [LetterRequest(base_visit(), suggestions=[SUGGESTIONS[0], SUGGESTIONS[2]])], ctx, out)
    assert "暂未发现需要申请的救助事项" in flat(pdf_text(out))


def test_review_letter_shows_due_date(ctx, tmp_path):
    out = tmp_path / "review.pdf"
    print_letters("review", [LetterRequest(base_visit(), due_date="2026-11-20")], ctx, out)
    text = flat(pdf_text(out))
    assert "社会救助复核告知书" in text and "2026年11月20日前" in text


def test_review_letter_takes_the_due_date_from_the_r7_suggestion(ctx, tmp_path):
    out = tmp_path / "review.pdf"
    print_letters("review", [LetterRequest(base_visit(), suggestions=SUGGESTIONS)], ctx, out)
    assert "2026年11月20日前" in flat(pdf_text(out))


def test_review_letter_without_due_date_is_refused(ctx, tmp_path):
    with pytest.raises(VisitDataError):
        print_letters("review", [LetterRequest(base_visit(), suggestions=[])], ctx, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_referral_letter_names_the_department_per_need(ctx, tmp_path):
    out = tmp_path / "referral.pdf"
    print_letters("referral", [LetterRequest(base_visit())], ctx, out)
    text = flat(pdf_text(out))
    assert "困难需求转介告知书" in text
    assert "演示县医疗保障局" in text and "0999-00000105" in text
    assert "透析费用负担重" in text
    assert "孩子上学交通不便" not in text  # pending, not referred


def test_change_letter_carries_the_appeal_route(ctx, tmp_path):
    out = tmp_path / "change.pdf"
    req = LetterRequest(base_visit(), changes=[Change("低保金（每月）", "620.00 元", "480.00 元")],
                        effective_date="2026-06-01")
    print_letters("change", [req], ctx, out)
    text = flat(pdf_text(out))
    assert "社会救助待遇变更告知书" in text
    assert "620.00元" in text and "480.00元" in text and "2026年6月1日起" in text
    assert "60日内向演示县人民政府申请行政复议" in text
    assert "6个月内依法向人民法院提起行政诉讼" in text


def test_batch_numbers_letters_per_township_and_puts_all_in_one_pdf(ctx, tmp_path):
    out = tmp_path / "batch.pdf"
    xiang = visit_with(village_code="990101002201", address="演示县演示乡柳树村 8 号")
    reqs = [LetterRequest(base_visit(), due_date="2026-11-20"), LetterRequest(xiang, due_date="2026-11-20"),
            LetterRequest(big_visit(), due_date="2026-11-20")]
    seen = []
    result = print_letters("review", reqs, ctx, out, progress=lambda done, total: seen.append((done, total)))
    text = pdf_text(out)
    assert [d.serial for d in result.documents] == ["演镇民救告〔2026〕001号", "演乡民告〔2026〕001号",
                                                   "演镇民救告〔2026〕002号"]
    for d in result.documents:
        assert d.serial in text
    assert result.pages == 3
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(r["emb"] == "yes" for r in pdffonts(out))


def test_cancelling_a_batch_writes_nothing_and_uses_no_serial(ctx, tmp_path):
    out = tmp_path / "cancel.pdf"
    reqs = [LetterRequest(base_visit(), due_date="2026-11-20")] * 5
    with pytest.raises(PrintCancelled):
        print_letters("review", reqs, ctx, out, progress=lambda done, total: done < 7)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    # the next job starts where the cancelled one started: no gap in the 文号 sequence
    result = print_letters("review", reqs[:1], ctx, tmp_path / "ok.pdf")
    assert result.documents[0].serial == "演镇民救告〔2026〕001号"
    result = print_letters("review", reqs[:1], ctx, tmp_path / "ok2.pdf")
    assert result.documents[0].serial == "演镇民救告〔2026〕002号"


def test_visit_result_letter_from_the_real_assessment(ctx, tmp_path):
    """No suggestions given: the letter runs forms.assess and shows the household-facing items."""
    out = tmp_path / "assessed.pdf"
    print_letters("visit_result", [LetterRequest(visit_with(categories=[]))], ctx, out)
    text = flat(pdf_text(out))
    # per-capita 162.63 < 583.33 (R3), a seriously ill member (R4), a child without income (R5)
    assert "最低生活保障（低保）" in text
    assert "单独申请低保（单人户）" in text
    assert "特困人员救助供养" in text
    assert "162.63" not in text  # staff figures stay in the office


def test_a_household_already_on_dibao_is_not_told_to_apply_for_it(ctx, tmp_path):
    out = tmp_path / "on-dibao.pdf"
    print_letters("visit_result", [LetterRequest(base_visit())], ctx, out)  # categories: dibao_b
    text = flat(pdf_text(out))
    assert "最低生活保障（低保）" not in text
    assert "单独申请低保（单人户）" in text  # a member may still apply alone (R4)


def test_review_letter_from_the_real_assessment_uses_r7_due_date(ctx, tmp_path):
    out = tmp_path / "review.pdf"
    print_letters("review", [LetterRequest(base_visit())], ctx, out)
    # dibao class B: last verified 2025-11-20 + 6 months
    assert "2026年5月20日前" in flat(pdf_text(out))


def test_referral_batch_skips_households_without_referrals(ctx, tmp_path):
    none_referred = visit_with(needs=[])
    none_referred["household_id"] = "0b9f1c2e-0000-4000-8000-00000000000a"
    out = tmp_path / "referrals.pdf"
    result = print_letters("referral", [LetterRequest(base_visit()), LetterRequest(none_referred)], ctx, out)
    assert [d.household_id for d in result.documents] == [base_visit()["household_id"]]
    assert result.skipped == (("0b9f1c2e-0000-4000-8000-00000000000a", "无需打印：该户没有已转介的需求，无需转介告知书"),)
    assert result.documents[0].serial == "演镇民救告〔2026〕001号"


def test_nothing_to_print_at_all_is_a_clear_error(ctx, tmp_path):
    from printouts import NothingToPrintError

    with pytest.raises(NothingToPrintError) as err:
        print_letters("referral", [LetterRequest(visit_with(needs=[]))], ctx, tmp_path / "x.pdf")
    assert "转介" in err.value.message_zh
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("kind", ["visit_result", "review", "referral", "change"])
def test_long_names_and_addresses_stay_inside_the_page(kind, ctx, tmp_path):
    visit = big_visit()
    visit["answers"]["members"][0]["name"] = "阿卜杜热合曼·买买提艾力·吐尔逊托合提·艾山江"
    visit["answers"]["needs"][0]["description"] = "透析" * 120  # a very long free-text need
    req = LetterRequest(visit, due_date="2026-11-20", effective_date="2026-06-01",
                        changes=[Change("低保金（每月）" * 5, "620.00 元", "480.00 元（因家庭成员外出务工收入增加）" * 3)])
    out = tmp_path / f"{kind}.pdf"
    print_letters(kind, [req], ctx, out)
    text = flat(pdf_text(out))
    assert "阿卜杜热合曼·买买提艾力·吐尔逊托合提·艾山江户" in text
    assert_inside_margins(out)


def test_a_preview_holds_its_serials_until_printed(ctx, tmp_path):
    """In-app preview: the 文号 are on the pages but used only when the preview is printed or saved."""
    import io
    from dataclasses import replace

    from printouts import SerialsTaken

    preview_ctx = replace(ctx, hold_serials=True)
    reqs = [LetterRequest(base_visit(), due_date="2026-11-20")] * 2
    first = print_letters("review", reqs, preview_ctx, None)
    assert [d.serial for d in first.documents] == ["演镇民救告〔2026〕001号", "演镇民救告〔2026〕002号"]
    assert "演镇民救告〔2026〕002号" in flat(pdf_text(io.BytesIO(first.data)))
    # closed unprinted: the next preview shows the same numbers again
    again = print_letters("review", reqs, preview_ctx, None)
    assert [d.serial for d in again.documents] == [d.serial for d in first.documents]
    again.held_serials.commit(ctx.counter)  # printed: now they are used
    again.held_serials.commit(ctx.counter)  # printing the same preview twice uses nothing more
    assert print_letters("review", reqs[:1], ctx, tmp_path / "next.pdf").documents[0].serial == "演镇民救告〔2026〕003号"
    # the older preview's numbers were issued meanwhile: it is refused, never printed with a duplicate
    with pytest.raises(SerialsTaken) as err:
        first.held_serials.commit(ctx.counter)
    assert "重新生成" in err.value.message_zh
    (key,) = first.held_serials.ranges
    assert ctx.counter.last_seq(*key) == 3


def test_an_overdue_review_notice_never_asks_for_a_date_already_past(signing_key, tmp_path):
    """Issue 17: "请于 2026年8月21日 前…" on a letter dated 2026-12-01. The notice says it was due and gives
    a new deadline: the letter's date + the template's overdue_days (15 in these templates)."""
    from printouts import MemoryCounter, PrintContext, load_templates

    late = PrintContext(templates=load_templates(), signing_key=signing_key, counter=MemoryCounter(),
                        issue_date="2026-12-01")
    out = tmp_path / "overdue.pdf"
    print_letters("review", [LetterRequest(base_visit(), due_date="2026-08-21")], late, out)
    text = flat(pdf_text(out))
    assert "复核原定于2026年8月21日前完成，目前尚未完成" in text
    assert "请于2026年12月16日前配合工作人员" in text
    assert "请于2026年8月21日前" not in text
    assert "2026年12月1日" in text  # the letter's own date
    # Due later than the letter's date: the usual wording, the date as given.
    print_letters("review", [LetterRequest(base_visit(), due_date="2026-12-20")], late, tmp_path / "ok.pdf")
    ok = flat(pdf_text(tmp_path / "ok.pdf"))
    assert "请于2026年12月20日前" in ok and "原定于" not in ok


def test_the_overdue_wording_and_days_come_from_the_templates(signing_key, tmp_path):
    import yaml

    from printouts import MemoryCounter, PrintContext
    from printouts.templates import DEMO_PATH, parse_templates

    raw = yaml.safe_load(DEMO_PATH.read_text(encoding="utf-8"))
    raw["letters"]["review"]["overdue_body"] = ["复核已过期（应于{review_was_due}前），请务必于{due_date}前到村委会复核。"]
    raw["letters"]["review"]["overdue_days"] = 30
    late = PrintContext(templates=parse_templates(raw), signing_key=signing_key, counter=MemoryCounter(),
                        issue_date="2026-12-01")
    print_letters("review", [LetterRequest(base_visit(), due_date="2026-08-21")], late, tmp_path / "o.pdf")
    assert "复核已过期（应于2026年8月21日前），请务必于2026年12月31日前到村委会复核。" in flat(pdf_text(tmp_path / "o.pdf"))
