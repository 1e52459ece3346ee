"""A real county's reference data: no silent blank without it, and a mid-year standard change."""

from __future__ import annotations

import forms
from forms.reference import Reference, load_reference
from tests import county
from tests.forms.visits import member, visit


def county_visit(visit_date: str, village: str = county.DONGJIE, area: str = "urban", **answers) -> dict:
    members = [member(1, "19800101", 11, "head", employment="unable", labour_capacity="none", has_income_source="no"),
               member(2, "20120303", 31, "child", employment="student", schooling="primary", labour_capacity="none",
                      has_income_source="no", child_flags=["dropout"])]
    for m in members:
        m["id_number"] = county.id_number(m["id_number"][6:14], int(m["id_number"][14:17]))
    return visit({"visit_date": visit_date, "village_code": village, "area_type": area, "address": "城关镇东街 8 号",
                  "members": members, "incomes": [{"source": "wages", "amount_fen": 90000}],
                  "vehicles": [{"kind": "car", "exempt": "no"}], **answers})


def test_with_no_reference_at_all_r11_and_every_rule_not_needing_it_still_run():
    result = forms.assess(county_visit("2026-05-12"), Reference.none())
    assert result.urgent and result.by_rule("R11"), "R11 must never disappear because a standard is missing"
    assert [s.code for s in result.by_rule("R2")] == ["standard_missing"]
    r2 = result.by_rule("R2")[0].message_zh
    assert "510123" in r2 and "同步" in r2 and "县民政局" in r2
    assert [s.code for s in result.by_rule("R3")] == ["not_run"]
    assert result.income_class is None and result.standard_fen is None
    assert "dibao_standard" in result.missing_inputs
    assert result.by_rule("R5"), "a member with no labour capacity, no income source, a minor: tekun still suggested"
    assert "vehicle" in result.verify_flags  # R9 verify flags do not need the standard
    assert result.per_capita_income_fen == 45000  # R1 still computed
    assert "演示" not in " ".join(s.message_zh for s in result.suggestions)


def test_a_standard_changing_mid_year_assesses_each_visit_with_the_one_in_force():
    ref = load_reference(county.REFERENCE)
    before, after = forms.assess(county_visit("2026-06-30"), ref), forms.assess(county_visit("2026-07-01"), ref)
    assert (before.standard_fen, after.standard_fen) == (county.URBAN_BEFORE, county.URBAN_AFTER)
    assert before.by_rule("R2")[0].figures["effective_from"] == "2025-01-01"
    assert after.by_rule("R2")[0].figures["effective_from"] == "2026-07-01"
    rural = [forms.assess(county_visit(d, county.HEBA, "rural"), ref).standard_fen for d in ("2026-06-30", "2026-07-01")]
    assert rural == [county.RURAL_BEFORE, county.RURAL_AFTER]
    assert before.reference_id == "songlin-2026" and not before.demo_reference
    assert "（松林县（510123），2025-01-01 起）" in before.by_rule("R2")[0].message_zh   # the county by name
    assert "演示" not in before.by_rule("R2")[0].message_zh


def test_with_no_reference_a_dibao_household_still_gets_r4_r10_and_r12():
    """R4 on the known categories, R10 filing and R12 watch list need no standard: they run without one."""
    visit = county_visit("2026-05-12", categories=["dibao_a"], major_event_within_year="yes")
    visit["answers"]["members"][0].update(health="severe_disability", disability_category="physical",
                                          disability_grade=1, staff_relative="yes")
    result = forms.assess(visit, Reference.none())
    assert [s.code for s in result.by_rule("R3")] == ["not_run"] and result.standard_fen is None
    r4 = result.by_rule("R4")
    assert [s.figures["member_index"] for s in r4] == [0] and "severe_disability" in r4[0].figures["reasons"]
    r10 = result.by_rule("R10")
    assert r10 and r10[0].figures["receives_dibao"] and r10[0].figures["member_indexes"] == [0]
    r12 = result.by_rule("R12")
    assert r12 and {"severe_disability", "major_event"} <= set(r12[0].figures["reasons"])
    assert result.by_rule("R11"), "the child-protection alert stays as well"
