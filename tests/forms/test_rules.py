"""Rules R1–R12, table-driven, with figures worked by hand against the demo reference data.

Demo standards in force on 2026-05-12 (forms/reference/demo.yaml):
urban S = 760.00 yuan; rural S = 7,000.00 / 12 = 583.333… → 583.33 yuan (half-up).
1.5·S: urban 1,140.00; rural 874.995 → compared exactly as 2P < 3S (3S = 1,749.99 yuan).
"""

import datetime as dt

import pytest

import forms
from forms.reference import reference_from_dict
from tests.forms.visits import DEMO_RURAL_VILLAGE, member, visit

REF = forms.load_reference()


def assess(answers, **kw):
    return forms.assess(visit(answers), REF, **kw)


def single(p_fen, area="urban", **answers):
    """A one-person household whose per-capita income is exactly *p_fen*."""
    base = {
        "area_type": area,
        "village_code": DEMO_RURAL_VILLAGE if area == "rural" else "990101001001",
        "members": [member(1, "19700101", 11, "head")],
        "incomes": [{"source": "wages", "amount_fen": p_fen}] if p_fen else [],
    }
    base.update(answers)
    return base


# --- R1 per-capita income --------------------------------------------------------------

@pytest.mark.parametrize(
    "incomes, expenses, size, per_capita, expenditure_type",
    [
        ([("wages", 153600)], [], 3, 51200, False),  # 1,536.00 / 3 = 512.00
        ([("wages", 100000)], [], 3, 33333, False),  # 1,000.00 / 3 = 333.333… → 333.33
        ([("wages", 200000)], [], 3, 66667, False),  # 2,000.00 / 3 = 666.666… → 666.67
        ([("wages", 1)], [], 2, 1, False),  # 0.01 / 2 = 0.005 → 0.01 (half-up)
        ([("wages", 100000), ("basic_resident_pension", 20000), ("disability_living_subsidy", 10000),
          ("orphan_allowance", 5000), ("scholarship", 3000)], [], 2, 50000, False),  # only wages counted
        ([("wages", 60000), ("farming", 30000), ("family_support", 10000)], [], 2, 50000, False),
        ([("wages", 150000)], [("medical", 60000)], 3, 30000, True),  # (1,500 − 600) / 3 = 300.00
        ([("wages", 50000)], [("medical", 80000), ("education", 1000)], 2, 0, True),  # never below zero
        ([], [], 1, 0, False),
    ],
)
def test_r1_per_capita_income(incomes, expenses, size, per_capita, expenditure_type):
    members = [member(i, "19800101", 10 + i, "head" if i == 1 else "child") for i in range(1, size + 1)]
    result = assess({
        "members": members,
        "incomes": [{"source": s, "amount_fen": a} for s, a in incomes],
        "expenses": [{"kind": k, "amount_fen": a} for k, a in expenses],
    })
    assert result.per_capita_income_fen == per_capita
    assert result.expenditure_type is expenditure_type
    assert [s.code for s in result.by_rule("R1")] == ["per_capita_income"] + (["expenditure_type"] if expenditure_type else [])


def test_r1_sentence_shows_the_figures():
    r1 = assess({"expenses": [{"kind": "rent", "amount_fen": 30000}]}).by_rule("R1")
    assert r1[0].message_zh == "R1 人均月收入 =（计入收入 1536.00 元 − 刚性支出 300.00 元）÷ 3 人 = 412.00 元"
    assert r1[1].message_zh == "R1 家庭有刚性支出 300.00 元/月已扣除 → 属支出型困难家庭"


# --- R2 the standard in force ------------------------------------------------------------

@pytest.mark.parametrize(
    "area, on_date, standard_fen",
    [
        ("urban", "2026-05-12", 76000),
        ("rural", "2026-05-12", 58333),  # 7,000.00 / 12
        ("urban", "2025-07-01", 76000),  # first day of the new standard
        ("urban", "2025-06-30", 72000),  # the day before: the old one
        ("rural", "2025-06-30", 55000),  # 6,600.00 / 12
    ],
)
def test_r2_picks_the_standard_in_force_on_the_visit_date(area, on_date, standard_fen):
    result = assess(single(10000, area=area, visit_date=on_date))
    assert result.standard_fen == standard_fen
    assert result.by_rule("R2")[0].figures["standard_fen"] == standard_fen


def test_r2_rural_sentence_shows_the_division_by_twelve():
    r2 = assess(single(10000, area="rural")).by_rule("R2")[0]
    assert "年标准 7000.00 元 ÷ 12 = 583.33 元/人·月" in r2.message_zh
    assert "演示数据" in r2.message_zh


def test_r2_on_date_overrides_the_visit_date():
    assert assess(single(10000), on_date=dt.date(2025, 1, 1)).standard_fen == 72000


@pytest.mark.parametrize("answers", [{"visit_date": "2024-06-30"}, {"village_code": "990199001001"}])
def test_r2_missing_standard_is_explained_never_zero(answers):
    result = assess(single(10000, **answers))
    assert result.standard_fen is None and result.income_class is None
    assert "dibao_standard" in result.missing_inputs
    r2 = result.by_rule("R2")[0]
    assert r2.code == "standard_missing" and "低保标准" in r2.message_zh and "同步" in r2.message_zh
    assert result.by_rule("R3")[0].code == "not_run"
    assert "低保标准" in result.standard_missing


# --- R3 income class -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "area, p, expected",
    [
        ("urban", 75999, "dibao_candidate"),
        ("urban", 76000, "low_income_candidate"),  # exactly S is low income
        ("urban", 113999, "low_income_candidate"),
        ("urban", 114000, "not_income_eligible"),  # exactly 1.5·S is not eligible
        ("rural", 58332, "dibao_candidate"),
        ("rural", 58333, "low_income_candidate"),  # exactly S
        ("rural", 87499, "low_income_candidate"),  # 2P = 1,749.98 < 3S = 1,749.99
        ("rural", 87500, "not_income_eligible"),  # 2P = 1,750.00 ≥ 3S
        ("urban", 0, "dibao_candidate"),
    ],
)
def test_r3_income_class_boundaries(area, p, expected):
    result = assess(single(p, area=area))
    assert result.per_capita_income_fen == p
    assert result.income_class == expected
    assert not result.asset_check_pending


@pytest.mark.parametrize(
    "p, assets, expected, pending",
    [
        (50000, "yes", "dibao_candidate", False),
        (50000, "no", "assets_not_eligible", False),
        (50000, "unknown", "dibao_candidate", True),
        (50000, None, "dibao_candidate", True),
        (90000, "no", "assets_not_eligible", False),
        (90000, "unknown", "low_income_candidate", True),
        (120000, "no", "not_income_eligible", False),
    ],
)
def test_r3_assets_answer(p, assets, expected, pending):
    result = assess(single(p, assets_meet_rules=assets))
    assert (result.income_class, result.asset_check_pending) == (expected, pending)


@pytest.mark.parametrize(
    "p, assets, sentence",
    [
        (51200, "yes", "R3 人均月收入 512.00 元 < 低保标准 760.00 元 → 可能符合低保条件"),
        (76000, "yes", "R3 低保标准 760.00 元 ≤ 人均月收入 760.00 元 < 1.5 倍标准 1140.00 元 → 可能符合低收入家庭条件"),
        (114000, "yes", "R3 人均月收入 1140.00 元 ≥ 1.5 倍低保标准 1140.00 元 → 收入不符合低保和低收入条件"),
        (51200, "unknown", "R3 人均月收入 512.00 元 < 低保标准 760.00 元 → 可能符合低保条件（财产情况待核查）"),
        (51200, "no", "R3 人均月收入 512.00 元 < 低保标准 760.00 元，但家庭财产不符合当地低保财产条件 → 不符合条件"),
    ],
)
def test_r3_sentences(p, assets, sentence):
    assert assess(single(p, assets_meet_rules=assets)).by_rule("R3")[0].message_zh == sentence


# --- R4 single-person household members ---------------------------------------------------------

CATEGORIES = ["vision", "hearing", "speech", "physical", "intellectual", "mental", "multiple"]


def _disabled_household(category, grade, p=50000, **extra):
    head = member(1, "19700101", 11, "head")
    other = member(2, "19720101", 22, "spouse", disability_category=category, disability_grade=grade, **extra)
    return {"members": [head, other], "incomes": [{"source": "wages", "amount_fen": p * 2}]}


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("grade, listed", [(1, True), (2, True), (4, False)])
def test_r4_grades_1_and_2_of_every_category(category, grade, listed):
    result = assess(_disabled_household(category, grade))
    assert [m["member_index"] for m in result.single_person_members] == ([1] if listed else [])


@pytest.mark.parametrize("category", CATEGORIES)
def test_r4_grade_3_only_intellectual_or_mental(category):
    result = assess(_disabled_household(category, 3))
    expected = [1] if category in ("intellectual", "mental") else []
    assert [m["member_index"] for m in result.single_person_members] == expected


def test_r4_serious_illness_and_sentence():
    answers = _disabled_household("none", None)
    answers["members"][1].pop("disability_grade")
    answers["members"][1].update(health="serious_illness", illness_type="尿毒症")
    r4 = assess(answers).by_rule("R4")
    assert [s.figures["reasons"] for s in r4] == [["serious_illness"]]
    assert r4[0].message_zh == "R4 第 2 位成员（患重病）所在家庭为低保或低收入家庭 → 可单独申请低保（单人户）"


@pytest.mark.parametrize(
    "p, categories, listed",
    [(50000, [], True), (100000, [], True), (114000, [], False), (114000, ["dibao_a"], True), (114000, ["low_income"], True)],
)
def test_r4_only_in_low_income_or_dibao_families(p, categories, listed):
    answers = _disabled_household("physical", 1, p=p)
    answers["categories"] = categories
    assert bool(assess(answers).single_person_members) is listed


# --- R5 tekun candidates -------------------------------------------------------------------------

def _tekun(birth, **fields):
    person = member(1, birth, 11, "head", labour_capacity="none", has_income_source="no")
    person.update({k: v for k, v in fields.items() if v is not None})
    for key in [k for k, v in fields.items() if v is None]:
        person.pop(key, None)
    return {"members": [person], "incomes": []}


@pytest.mark.parametrize(
    "birth, fields, candidate",
    [
        ("19660512", {}, True),  # exactly 60 on 2026-05-12
        ("19660513", {}, False),  # 59, turns 60 tomorrow
        ("19700101", {"disability_category": "physical", "disability_grade": 2}, True),
        ("19700101", {"disability_category": "mental", "disability_grade": 3}, True),
        ("19700101", {"disability_category": "physical", "disability_grade": 3}, False),
        ("20080513", {}, True),  # 17
        ("20080512", {}, False),  # exactly 18, not in school
        ("20080512", {"schooling": "senior"}, True),  # 18 still in high school continues
        ("20070101", {"schooling": "vocational_secondary"}, True),  # 19 in secondary vocational
        ("20070101", {"schooling": "vocational_college"}, False),  # 19 in college does not
        ("19500101", {"labour_capacity": "partial"}, False),
        ("19500101", {"has_income_source": "yes"}, False),
        ("19500101", {"has_income_source": None}, False),
    ],
)
def test_r5_tekun_candidates(birth, fields, candidate):
    answers = _tekun(birth, **fields)
    assert bool(assess(answers).tekun_candidates) is candidate


@pytest.mark.parametrize("able, candidate, pending", [("yes", False, False), ("no", True, False), ("unknown", True, True)])
def test_r5_supporters(able, candidate, pending):
    answers = _tekun("19500101")
    answers["supporters"] = [{"name": "赡养人", "relation": "子", "monthly_income_fen": 300000, "able_to_support": able}]
    found = assess(answers).tekun_candidates
    assert bool(found) is candidate
    if found:
        assert found[0]["supporter_check_pending"] is pending


def test_r5_sentence():
    r5 = assess(_tekun("19500101")).by_rule("R5")[0]
    assert r5.message_zh.startswith("R5 第 1 位成员（76 周岁老年人）无劳动能力、无收入来源")
    assert r5.figures["reasons"] == ["elderly"]


# --- R6 gradual exit -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "reason, poverty, window, code",
    [
        ("flexible_work", "no", (3, 6), "gradual_exit"),
        ("migrant_work", "no", (3, 6), "gradual_exit"),
        ("business_start", "no", (3, 6), "gradual_exit"),
        ("industry_support", "yes", (None, 12), "gradual_exit"),
        ("dividends", "yes", (None, 12), "gradual_exit"),
        ("employment_support", "yes", (None, 12), "gradual_exit"),
        ("industry_support", "no", (None, None), "no_gradual_exit"),
        ("none", "no", (None, None), "no_gradual_exit"),
        ("flexible_work", "yes", (3, 6), "gradual_exit"),
    ],
)
def test_r6_dibao_household_just_reaching_s_with_each_reason(reason, poverty, window, code):
    result = assess(single(76000, categories=["dibao_a"], income_rise_reason=reason, registered_poverty=poverty,
                           last_verified="2026-01-10"))
    assert result.per_capita_income_fen == 76000  # exactly S
    r6 = result.by_rule("R6")
    assert [s.code for s in r6] == [code]
    assert (result.gradual_exit["months_min"], result.gradual_exit["months_max"]) == window


def test_r6_poverty_alleviated_category_counts_like_registration():
    result = assess(single(80000, categories=["dibao_b", "poverty_alleviated"], income_rise_reason="dividends"))
    assert result.gradual_exit["months_max"] == 12


@pytest.mark.parametrize("p, categories", [(75999, ["dibao_a"]), (90000, []), (90000, ["low_income"])])
def test_r6_not_applicable(p, categories):
    assert assess(single(p, categories=categories, income_rise_reason="flexible_work")).gradual_exit is None


def test_r6_sentence():
    r6 = assess(single(76000, categories=["dibao_a"], income_rise_reason="migrant_work")).by_rule("R6")[0]
    assert r6.message_zh == ("R6 低保家庭人均月收入 760.00 元已达到低保标准 760.00 元，收入增加原因：外出务工"
                             " → 可给予 3–6 个月渐退期")


# --- R7 review schedule ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "categories, member_fields, last, klass, months, due",
    [
        (["dibao_a"], {"labour_capacity": "none", "employment": "unable"}, "2025-11-30", "A", 12, "2026-11-30"),
        (["dibao_a"], {"labour_capacity": "full", "employment": "flexible"}, "2025-11-30", "B", 6, "2026-05-30"),
        (["dibao_b"], {"labour_capacity": "partial", "employment": "migrant"}, "2025-08-31", "B", 6, "2026-02-28"),
        (["dibao_b"], {"labour_capacity": "full", "employment": "employed"}, "2025-06-15", "A", 12, "2026-06-15"),
        (["tekun_home"], {"labour_capacity": "none"}, "2025-12-01", "tekun", 12, "2026-12-01"),
        (["dibao_a"], {"labour_capacity": "none"}, None, "A", 12, "2027-05-12"),  # no last verification: from the visit
    ],
)
def test_r7_review_class_and_next_due(categories, member_fields, last, klass, months, due):
    answers = single(30000, categories=categories)
    answers["members"][0].update(member_fields)
    if last:
        answers["last_verified"] = last
    review = assess(answers).review
    assert (review["review_class"], review["interval_months"], review["next_review_due"]) == (klass, months, due)


def test_r7_business_income_is_unstable():
    answers = single(0, categories=["dibao_a"], incomes=[{"source": "business", "amount_fen": 30000}])
    assert assess(answers).review["review_class"] == "B"


def test_r7_info_compared_twice_a_year_and_class_change_suggested():
    answers = single(30000, categories=["dibao_a"], last_verified="2025-12-31")
    answers["members"][0].update(employment="flexible", labour_capacity="full")
    result = assess(answers)
    assert result.review["info_check_due"] == "2026-06-30"
    assert [s.code for s in result.by_rule("R7")] == ["review_schedule", "review_class_change"]


def test_r7_not_for_households_not_on_assistance():
    assert assess(single(30000)).review is None


# --- R8 temporary assistance approval level ----------------------------------------------------------

@pytest.mark.parametrize(
    "amount, level",
    [
        (228000, "township"),  # exactly 3 × 760.00 = 2,280.00
        (228001, "county"),
        (2000000, "county"),  # exactly 20,000.00
        (2000001, "county_leading_group"),
        (1, "township"),
    ],
)
@pytest.mark.parametrize("area", ["urban", "rural"])
def test_r8_levels_use_the_urban_standard(amount, level, area):
    result = assess(single(30000, area=area), temp_amount_fen=amount)
    assert result.temp_assistance["level"] == level
    assert result.temp_assistance["township_limit_fen"] == 228000


def test_r8_amount_from_the_visit_answer_and_sentence():
    r8 = assess(single(30000, temp_assistance_request_fen=300000)).by_rule("R8")[0]
    assert r8.message_zh == "R8 临时救助金额 3000.00 元 > 2280.00 元且 ≤ 20000.00 元 → 县级民政部门审批"


def test_r8_needs_an_urban_standard():
    doc = {"hotline": "12349", "temp_assistance_multiplier": 3, "county_approval_limit_fen": 2000000,
           "savings_threshold_fen": 1, "utility_threshold_fen": 1,
           "dibao_standards": [{"county_code": "990101", "area_type": "rural", "effective_from": "2020-01-01",
                                "annual_fen": 600000}]}
    ref = reference_from_dict(doc)
    r8 = forms.assess(visit(single(30000, area="rural")), ref, temp_amount_fen=100).by_rule("R8")
    assert [s.code for s in r8] == ["not_run"] and "城市低保标准" in r8[0].message_zh
    assert forms.assess(visit(single(30000, area="rural")), ref).temp_assistance is None


# --- R9 verify flags ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "answers, flags",
    [
        ({"vehicles": [{"kind": "car", "exempt": "no"}]}, ["vehicle"]),
        ({"vehicles": [{"kind": "motorcycle", "exempt": "yes"}]}, []),
        ({"vehicles": [{"kind": "large_farm_machinery"}]}, ["large_machinery"]),
        ({"business_role": "company_shareholder"}, ["business"]),
        ({"business_role": "none"}, []),
        ({"housing_count": 2}, ["multiple_homes"]),
        ({"housing_count": 1}, []),
        ({"savings_fen": 4000000}, []),  # exactly the threshold is fine
        ({"savings_fen": 4000001}, ["savings"]),
        ({"utility_electricity_fen": 30000, "utility_telecom_fen": 20000}, []),  # 500.00 exactly
        ({"utility_electricity_fen": 30000, "utility_telecom_fen": 20001}, ["utilities"]),
        ({"private_school": "yes"}, ["private_school"]),
        ({"overseas_travel": "yes"}, ["overseas_travel"]),
        ({"overseas_travel": "no", "private_school": "no"}, []),
    ],
)
def test_r9_verify_flags(answers, flags):
    assert assess(single(30000, **answers)).verify_flags == flags


# --- R10 filing ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "p, categories, staff, filing",
    [
        (90000, ["dibao_a"], "yes", True),  # receives dibao
        (50000, [], "yes", True),  # may apply (dibao candidate)
        (90000, [], "yes", False),  # low income only
        (50000, [], "no", False),
        (130000, [], "yes", False),
    ],
)
def test_r10_filing(p, categories, staff, filing):
    answers = single(p, categories=categories)
    answers["members"][0]["staff_relative"] = staff
    result = assess(answers)
    assert result.filing_required is filing
    if filing:
        assert "需备案" in result.by_rule("R10")[0].message_zh


# --- R11 child protection ------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["no_guardian", "guardian_unable", "dropout", "no_hukou"])
def test_r11_each_flag_on_a_minor_is_urgent(flag):
    answers = single(30000)
    answers["members"].append(member(2, "20120101", 21, "child", child_flags=[flag], labour_capacity="none"))
    result = assess(answers)
    assert result.urgent
    assert result.child_protection[0]["flags"] == [flag]
    assert result.by_rule("R11")[0].message_zh.startswith("R11 紧急：第 2 位成员为未成年人")
    assert flag not in result.by_rule("R11")[0].message_en  # English names the flag in words, not as a code


def test_r11_not_for_an_adult():
    answers = single(30000)
    answers["members"].append(member(2, "20080512", 21, "child", child_flags=["dropout"]))  # exactly 18
    assert not assess(answers).urgent


# --- R12 watch list -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "answers, member_fields, reasons",
    [
        ({}, {}, None),
        ({"major_event_within_year": "yes"}, {}, ["major_event"]),
        ({"refused_within_year": "yes"}, {}, ["refused"]),
        ({"categories": ["low_income"]}, {}, ["low_income"]),
        ({}, {"health": "serious_illness"}, ["serious_illness"]),
        ({}, {"disability_category": "hearing", "disability_grade": 1}, ["severe_disability"]),
        ({}, {"health": "severe_disability"}, ["severe_disability"]),
    ],
)
def test_r12_watch_list(answers, member_fields, reasons):
    data = single(130000, **answers)  # above 1.5·S: not low income by figures
    data["members"][0].update(member_fields)
    watch = assess(data).watch_list
    assert (watch["reasons"] if watch else None) == reasons


def test_r12_low_income_by_figures():
    assert assess(single(90000)).watch_list["reasons"] == ["low_income"]


# --- the assessment as JSON ------------------------------------------------------------------------------------

def test_assessment_json_names_rule_and_explanation_for_each_part():
    import json

    answers = single(76000, categories=["dibao_a"], income_rise_reason="flexible_work", temp_assistance_request_fen=100000)
    data = json.loads(json.dumps(assess(answers).to_dict(), ensure_ascii=False))
    assert data["per_capita_income_fen"] == 76000
    assert data["income_class"]["value"] == "low_income_candidate"
    assert data["income_class"]["explanation"][0]["rule"] == "R3"
    assert data["gradual_exit"]["rule"] == "R6" and data["gradual_exit"]["months_max"] == 6
    assert data["review"]["rule"] == "R7" and data["review"]["next_review_due"]
    assert data["temp_assistance"]["level"] == "township"
    assert data["child_protection"] == {"urgent": False, "members": []}
    assert all(s["message_zh"].startswith(s["rule"]) for s in data["suggestions"])


def test_half_typed_visit_is_assessed_as_far_as_possible():
    answers = single(30000, village_code=None, area_type=None)
    result = assess(answers, temp_amount_fen=100000)
    assert result.missing_inputs == ["village_code", "area_type"]
    assert result.income_class is None and result.temp_assistance is None
    assert result.per_capita_income_fen == 30000  # R1 needs no reference data
