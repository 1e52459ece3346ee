"""Loading form definitions: the shipped v1 form and every kind of authoring mistake."""

import copy
import shutil
from pathlib import Path

import pytest
import yaml

import forms
from forms.errors import DefinitionError, FormNotFoundError
from forms.loader import DEFINITIONS_DIR, build_form, load_form_file

V1 = DEFINITIONS_DIR / "four_clarifications.v1.yaml"
ARCH = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def raw_v1():
    return yaml.safe_load(V1.read_text(encoding="utf-8"))


def test_v1_covers_the_four_clarifications_and_visit_metadata():
    form = forms.load_form("four_clarifications", 1)
    assert (form.form_id, form.version) == ("four_clarifications", 1)
    assert [s.id for s in form.sections] == ["visit", "basics", "economy", "benefits_section", "needs_section"]
    assert form.sections[1].label("zh") == "一、家庭基本情况"
    assert len(form.content_hash) == 64
    types = {q.type for q in form}
    assert {"text", "notes", "integer", "money", "date", "single", "multi", "yes_no", "yes_no_unknown",
            "id_number", "phone", "repeat"} <= types
    for group in ("members", "incomes", "expenses", "benefits", "needs", "supporters"):
        assert form.question(group).is_repeat


def test_every_question_is_scoped_and_labelled_in_both_languages():
    form = forms.load_form("four_clarifications")
    for q in form.top_level():
        assert q.scope in ("visit", "household")
    visit_scoped = {q.id for q in form.top_level() if q.scope == "visit"}
    assert visit_scoped == {"visit_date", "visit_time", "visitors", "representative", "remarks", "temp_assistance_request_fen"}
    for q in form:
        assert q.label("zh") and q.label("en")
        for opt in q.options:
            assert opt.label("zh") and opt.label("en")


def test_v2_links_each_supporter_to_the_members_they_are_obliged_to():
    v1, v2 = forms.load_form("four_clarifications", 1), forms.load_form("four_clarifications", 2)
    assert set(v1.questions) <= set(v2.questions)  # v2 keeps every question of v1 (checked on load too)
    q = v2.question("supporters.obliged_to")
    assert q.type == "member_refs" and q.label("zh") == "对哪些家庭成员负有义务"


# Codes fixed by docs/architecture.md: the definition must use exactly these.
CONTRACT = {
    "categories": "dibao_a, dibao_b, tekun_institutional, tekun_home, orphan, unsupported_child, low_income, "
                  "disabled_hardship, elderly_hardship, poverty_alleviated, monitored, other_difficulty",
    "hardship_causes": "disability, serious_illness, lonely_elderly, single_parent, disaster, orphan, other",
    "housing_type": "owned, self_built, public_rental, private_rental, borrowed, makeshift",
    "business_role": "none, individual, company_shareholder, company_officer",
    "members.relation": "head, spouse, child, parent, child_in_law, sibling, grandparent, grandchild, other",
    "members.health": "healthy, chronic, serious_illness, severe_disability",
    "members.disability_category": "none, vision, hearing, speech, physical, intellectual, mental, multiple",
    "members.labour_capacity": "full, partial, none",
    "members.employment": "employed, flexible, migrant, farming, registered_unemployed, unregistered_unemployed, "
                          "retired, student, preschool, unable",
    "members.schooling": "preschool, primary, junior, senior, vocational_secondary, vocational_college, bachelor_plus, not_in_school",
    "members.child_flags": "no_guardian, guardian_unable, dropout, no_hukou",
    "incomes.source": "wages, farming, business, property, land_transfer, pension, family_support, other, "
                      "basic_resident_pension, disability_living_subsidy, severe_disability_care_subsidy, orphan_allowance, "
                      "elderly_care_allowance, disability_care_allowance, veterans, scholarship, award",
    "expenses.kind": "medical, education, rehabilitation, elderly_care, child_care, rent",
    "vehicles.kind": "motorcycle, car, other, large_farm_machinery",
    "benefits.type": "dibao, low_income, tekun, orphan_allowance, disability_living_subsidy, severe_disability_care_subsidy, "
                     "temporary_assistance, heating, price_subsidy, education, medical, housing, employment, other",
    "needs.category": "living, special_subsidy, elderly_care, mental_care, education, medical, housing, employment, "
                      "heating, legal_aid, other",
    "needs.disposition": "resolved_on_site, resolved, referred, pending",
    "needs.department": "education, hrss, housing, health, medical_insurance, emergency, justice, disabled_federation, "
                        "rural_revitalization, other",
    "income_rise_reason": "none, flexible_work, migrant_work, business_start, industry_support, dividends, employment_support",
}


@pytest.mark.parametrize("key", sorted(CONTRACT))
def test_option_codes_match_the_architecture_contract(key):
    form = forms.load_form("four_clarifications")
    assert list(form.question(key).codes) == [c.strip() for c in CONTRACT[key].split(",")]
    for code in form.question(key).codes:
        assert str(code) in ARCH.read_text(encoding="utf-8")


def test_counted_income_sources_match_the_option_markers():
    form = forms.load_form("four_clarifications")
    for opt in form.question("incomes.source").options:
        calc = form.calculate({"incomes": [{"source": opt.code, "amount_fen": 100}], "members": []})
        assert calc["incomes"][0]["counted"] is opt.attrs["counted"], opt.code


def test_defaults_and_initial_values_for_new_visits_and_rows():
    form = forms.load_form("four_clarifications")
    assert len(form.new_answers()["visit_date"]) == 10
    assert form.new_row("members") == {"ethnicity": "汉族", "disability_category": "none"}


def test_calculations_fill_sex_birth_date_age_and_household_counts():
    form = forms.load_form("four_clarifications")
    from tests.forms.visits import member

    answers = {"visit_date": "2026-05-12", "members": [
        member(1, "19660512", 11, "head", disability_category="physical", disability_grade=2),
        member(2, "20080513", 22, "child", employment="student", health="serious_illness", labour_capacity="none"),
    ]}
    calc = form.calculate(answers)
    assert [(m["sex"], m["birth_date"], m["age"]) for m in calc["members"]] == [
        ("male", "1966-05-12", 60), ("female", "2008-05-13", 17)]
    assert (calc["household_size"], calc["elderly_count"], calc["minor_count"], calc["student_count"],
            calc["disabled_count"], calc["seriously_ill_count"], calc["labour_count"]) == (2, 1, 1, 1, 1, 1, 1)
    assert "age" not in answers["members"][0]  # the input is not modified


def test_load_form_is_cached_and_versions_listed():
    latest = max(forms.available_versions("four_clarifications"))
    assert forms.load_form("four_clarifications") is forms.load_form("four_clarifications", latest)
    assert forms.available_versions("four_clarifications")[:2] == [1, 2]
    with pytest.raises(FormNotFoundError):
        forms.load_form("four_clarifications", 7)
    with pytest.raises(FormNotFoundError):
        forms.load_form("no_such_form")


# --- authoring mistakes: every problem, with its location ---------------------------------------

def _problems(mutate):
    doc = raw_v1()
    mutate(doc)
    with pytest.raises(DefinitionError) as caught:
        build_form(doc, "test.yaml")
    return caught.value.problems


def _q(doc, section, qid):
    for q in doc["sections"][section]["questions"]:
        if q["id"] == qid:
            return q
    raise KeyError(qid)


def test_unknown_question_in_an_expression_is_located():
    def mutate(d):
        grade = next(q for q in _q(d, 1, "members")["questions"] if q["id"] == "disability_grade")
        grade["relevant"] = "disabilty_category != 'none'"

    found = _problems(mutate)
    assert found == ["sections[1].questions[8].questions[12] (members.disability_grade).relevant: "
                     "unknown question 'disabilty_category' referenced in \"disabilty_category != 'none'\""]


def test_many_mistakes_are_all_reported_at_once():
    def mutate(d):
        d["sections"][0]["questions"].append(copy.deepcopy(d["sections"][0]["questions"][0]))  # duplicate visit_date
        _q(d, 1, "area_type").pop("options")  # option list missing
        _q(d, 1, "hukou_type")["options"] = "hukou_kinds"  # unknown option list
        _q(d, 1, "phone")["type"] = "telephone"  # unknown type
        _q(d, 1, "address")["scope"] = "village"  # bad scope
        _q(d, 1, "address")["label"] = {"zh": "家庭住址"}  # English missing
        _q(d, 1, "household_size")["calculate"] = "open('x')"  # unknown function
        _q(d, 1, "labour_count")["calculate"] = "count(members"  # syntax error
        _q(d, 1, "categories")["constraints"][0]["severity"] = "fatal"
        d["option_lists"]["sex"].append({"code": "male", "zh": "男", "en": "Male"})  # duplicate code
        _q(d, 2, "housing_count")["relevant"] = "__import__('os')"
        _q(d, 2, "savings_fen")["colour"] = "red"

    found = "\n".join(_problems(mutate))
    for fragment in [
        "duplicate question id 'visit_date'",
        "(area_type): option list missing",
        "unknown option list 'hukou_kinds'",
        "unknown type 'telephone'",
        "(address): scope must be 'visit' or 'household'",
        "(address).label: missing en text",
        "unknown function 'open'",
        "syntax error in expression 'count(members'",
        "severity must be 'error' or 'warning'",
        "option_lists.sex[2]: duplicate option code 'male'",
        "(savings_fen): unknown key 'colour'",
        "(housing_count).relevant",
    ]:
        assert fragment in found, fragment


def test_calculation_cycles_are_refused():
    def mutate(d):
        _q(d, 1, "household_size")["calculate"] = "labour_count + 1"
        _q(d, 1, "labour_count")["calculate"] = "household_size - 1"

    found = _problems(mutate)
    assert any("calculate cycle" in p for p in found)


def test_expressions_cannot_divide_or_reach_attributes():
    def mutate(d):
        _q(d, 1, "household_size")["calculate"] = "count(members) / 2"
        _q(d, 1, "labour_count")["calculate"] = "members.__class__"

    found = "\n".join(_problems(mutate))
    assert "Div is not allowed" in found
    assert "Attribute is not allowed" in found


def test_broken_yaml_reports_the_line(tmp_path):
    bad = tmp_path / "four_clarifications.v1.yaml"
    bad.write_text("form_id: x\nsections: [\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_form_file(bad)
    assert "line" in caught.value.problems[0]
    assert caught.value.message_zh.startswith("表单定义")


def test_file_name_must_match_the_declared_version(tmp_path):
    target = tmp_path / "four_clarifications.v2.yaml"
    shutil.copy(V1, target)
    with pytest.raises(DefinitionError) as caught:
        load_form_file(target)
    assert "file name says four_clarifications v2" in caught.value.problems[0]


def test_an_unquoted_comma_in_an_option_label_is_reported():
    text = V1.read_text(encoding="utf-8").replace('en: "Tekun, institutional care"', "en: Tekun, institutional care")
    with pytest.raises(DefinitionError) as err:
        build_form(yaml.safe_load(text))
    assert "option_lists.categories[2]: option attribute 'institutional care' has no value" in str(err.value)


def test_english_option_labels_keep_their_commas():
    categories = {o.code: o for o in forms.load_form("four_clarifications", 1).option_lists["categories"]}
    assert categories["tekun_home"].label("en") == "Tekun, support at home"
