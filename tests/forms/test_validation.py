"""Validating visits: paths, severities, zh/en messages, ID agreement, relevance and warnings."""

import pytest

import forms
from tests.forms.visits import id_number, member, uid, visit

REF = forms.load_reference()


def problems(answers=None, reference=REF, **envelope):
    return forms.validate(visit(answers, **envelope), reference=reference)


def by_path(found):
    return {p.path: p for p in found}


def test_every_problem_of_a_bad_visit_is_reported_with_its_path():
    bad = {
        "visitors": ["协理员甲"],
        "address": "",
        "area_type": "suburb",
        "members": [
            member(1, "19800101", 11, "head"),
            {**member(2, "19820202", 22, "spouse"), "id_number": "110105194912310021"},
            {**member(3, "20150303", 31, "child"), "disability_category": "vision"},
        ],
        "incomes": [{"source": "lottery", "amount_fen": -5}],
    }
    found = by_path(problems(bad))
    assert found["visitors"].code == "too_few"
    assert found["address"].code == "required"
    assert found["area_type"].code == "not_option"
    assert found["members[1].id_number"].code == "id_checksum"
    assert found["members[2].disability_grade"].code == "required"
    assert found["incomes[0].source"].code == "not_option"
    assert found["incomes[0].amount_fen"].code == "min"
    assert all(p.severity == "error" for p in found.values())


def test_messages_name_the_row_and_the_question_in_chinese_and_english():
    found = by_path(problems({"members": [member(1, "19800101", 11, "head"),
                                          {**member(2, "19820202", 22, "spouse"), "id_number": "1101051949123100"}]}))
    p = found["members[1].id_number"]
    assert p.message_zh == "家庭成员（第 2 行）·“公民身份号码”：身份证号应为 18 位，现为 16 位"
    assert p.message_en.startswith("Resident ID number: ID number must have 18 characters")
    assert p.message("en") == p.message_en


def test_errors_come_before_warnings():
    found = problems({"representative": None, "address": None})
    severities = [p.severity for p in found]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert {"error", "warning"} <= set(severities)


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("birth_date", "1980-01-02", "id_birth_date_mismatch"),
        ("sex", "female", "id_sex_mismatch"),
    ],
)
def test_answered_birth_date_and_sex_must_agree_with_the_id(field, value, code):
    head = member(1, "19800101", 11, "head", **{field: value})  # seq 011 → male, born 1980-01-01
    found = by_path(problems({"members": [head]}))
    assert found[f"members[0].{field}"].code == code
    assert found[f"members[0].{field}"].severity == "error"


def test_agreeing_birth_date_and_sex_and_lower_case_x_are_fine():
    number = id_number("19491231", 2, area="110105")
    assert number.endswith("X")
    head = member(1, "19491231", 2, "head", birth_date="1949-12-31", sex="female")
    head["id_number"] = number.lower()
    assert problems({"members": [head]}) == []


def test_duplicate_id_numbers_and_member_ids():
    a = member(1, "19800101", 11, "head")
    b = {**member(2, "19820202", 22, "spouse"), "id_number": a["id_number"], "member_id": a["member_id"]}
    found = by_path(problems({"members": [a, b]}))
    assert found["members[1].id_number"].code == "duplicate_id_number"
    assert found["members[1].member_id"].code == "duplicate_member_id"


def test_exactly_one_household_head():
    found = by_path(problems({"members": [member(1, "19800101", 11, "spouse")]}))
    assert found["members"].code == "constraint"
    assert "有且只有一位户主" in found["members"].message_zh


def test_child_flags_apply_only_to_minors():
    adult = member(2, "20080512", 21, "child", child_flags=["dropout"])  # exactly 18 on 2026-05-12
    child = member(3, "20080513", 31, "child", child_flags=["dropout"])  # 17
    found = by_path(problems({"members": [member(1, "19800101", 11, "head"), adult, child]}))
    assert found["members[1].child_flags"].code == "not_applicable"
    assert found["members[1].child_flags"].severity == "warning"
    assert "members[2].child_flags" not in found


def test_disability_grade_only_asked_when_a_category_is_chosen():
    form = forms.load_form("four_clarifications")
    answers = form.calculate(visit()["answers"])
    assert not form.is_relevant("members.disability_grade", answers, index=0)
    answers["members"][0]["disability_category"] = "hearing"
    assert form.is_relevant("members.disability_grade", answers, index=0)


@pytest.mark.parametrize(
    "answers, path, code",
    [
        ({"visit_date": "2026-02-30"}, "visit_date", "type"),
        ({"visit_date": "2999-01-01"}, "visit_date", "constraint"),
        ({"visit_time": "25:00"}, "visit_time", "type"),
        ({"phone": "12345"}, "phone", "phone"),
        ({"village_code": "99010100100"}, "village_code", "pattern"),
        ({"categories": ["dibao_a", "dibao_b"]}, "categories", "constraint"),
        ({"housing_count": "two"}, "housing_count", "type"),
        ({"land_mu": "2,5"}, "land_mu", "type"),
        ({"savings_fen": 12.5}, "savings_fen", "type"),
        ({"registered_poverty": True}, "registered_poverty", "not_option"),
        ({"visitors": ["甲", "甲"]}, "visitors", "duplicate_entry"),
        ({"needs": [{"need_id": uid(9), "category": "medical", "disposition": "referred"}]}, "needs[0].department", "required"),
        ({"needs": [{"need_id": uid(9), "category": "medical", "history": [{"at": "2026-05-12 10:00", "by": "甲"}]}]},
         "needs[0].history[0].at", "type"),
    ],
)
def test_type_and_constraint_errors(answers, path, code):
    found = by_path(problems(answers))
    assert found[path].code == code


@pytest.mark.parametrize("phone", ["13800138000", "010-12345678", "0571 87654321"])
def test_valid_phone_numbers(phone):
    assert "phone" not in by_path(problems({"phone": phone}))


def test_unknown_answers_are_warnings_not_errors():
    found = by_path(problems({"favourite_colour": "red", "members": [{**member(1, "19800101", 11, "head"), "shoe": 42}]}))
    assert found["favourite_colour"].severity == "warning"
    assert found["members[0].shoe"].code == "unknown_question"


def test_calculated_values_in_a_file_are_not_trusted_or_reported():
    doc = {"household_size": 99, "per_capita_income_fen": 1}
    assert problems(doc) == []
    form = forms.load_form("four_clarifications")
    assert form.calculate(visit(doc)["answers"])["household_size"] == 3


# --- warnings that need reference data -------------------------------------------------------------------

def _dibao_single(p):
    return {"categories": ["dibao_a"], "last_verified": "2026-01-01", "income_rise_reason": "none",
            "members": [member(1, "19700101", 11, "head")], "incomes": [{"source": "wages", "amount_fen": p}]}


@pytest.mark.parametrize("p, warned", [(113999, False), (114000, True), (200000, True)])
def test_on_dibao_but_income_at_least_one_and_a_half_standard_is_a_warning(p, warned):
    found = by_path(problems(_dibao_single(p)))
    assert ("per_capita_income_fen" in found) is warned
    if warned:
        assert found["per_capita_income_fen"].severity == "warning"
        assert "1.5 倍低保标准 1140.00 元" in found["per_capita_income_fen"].message_zh


def test_reference_checks_are_skipped_without_reference():
    assert problems(_dibao_single(200000), reference=None) == []


def test_unknown_village_and_area_type_mismatch():
    found = by_path(problems({"village_code": "990101001999"}))
    assert found["village_code"].code == "unknown_village"
    found = by_path(problems({"area_type": "rural"}))  # 东街社区 is urban in the demo data
    assert found["area_type"].code == "area_type_mismatch"


def test_missing_standard_is_reported_not_silent():
    found = by_path(problems({"visit_date": "2020-01-01"}))
    assert found["village_code"].code == "missing_standard"


# --- the envelope ------------------------------------------------------------------------------------------

def test_envelope_problems():
    found = by_path(problems(format="other", status="done", household_id="x"))
    assert {"format", "status", "household_id"} <= set(found)


def test_unknown_form_version_is_one_clear_problem():
    found = problems(form_version=99)
    assert [(p.path, p.code) for p in found] == [("form_version", "unknown_form_version")]
    assert "第 99 版" in found[0].message_zh


def test_not_a_dict():
    assert forms.validate([1, 2])[0].code == "not_a_visit"
