"""Every file in docs/examples/ validates and assesses as its name promises."""

from pathlib import Path

import pytest

import forms
from forms import interchange
from forms.errors import MalformedJsonError, UnknownFormVersionError, VisitShapeError

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
REF = forms.load_reference()

# file → (rule, suggestion code that must appear, a figure check on the assessment)
VALID = {
    "R1-expenditure-type.json": ("R1", "expenditure_type", lambda a: a.per_capita_income_fen == 53333),  # (2,700 − 1,100) / 3
    "R2-rural-standard.json": ("R2", "standard", lambda a: a.standard_fen == 58333),
    "R3-dibao-candidate.json": ("R3", "dibao_candidate", lambda a: a.per_capita_income_fen == 51200),
    "R4-single-person-member.json": ("R4", "single_person_member",
                                     lambda a: [m["member_index"] for m in a.single_person_members] == [1, 2]),
    "R5-tekun-candidate.json": ("R5", "tekun_candidate", lambda a: a.tekun_candidates[0]["age"] == 78),
    "R6-gradual-exit.json": ("R6", "gradual_exit", lambda a: (a.gradual_exit["months_min"], a.gradual_exit["months_max"]) == (3, 6)),
    "R7-review-class-b.json": ("R7", "review_schedule", lambda a: a.review["next_review_due"] == "2026-06-01"),
    "R8-temporary-assistance-county.json": ("R8", "approval_county", lambda a: a.temp_assistance["amount_fen"] == 500000),
    "R9-verify-flags.json": ("R9", "vehicle", lambda a: a.verify_flags == [
        "vehicle", "business", "multiple_homes", "savings", "utilities", "overseas_travel"]),
    "R10-filing.json": ("R10", "filing_required", lambda a: a.filing_required and a.income_class == "dibao_candidate"),
    "R11-child-protection.json": ("R11", "child_protection", lambda a: a.urgent and a.child_protection[0]["flags"] == ["dropout", "guardian_unable"]),
    "R12-watch-list.json": ("R12", "watch_list", lambda a: a.watch_list["reasons"] == ["serious_illness", "refused"]),
}

# file → expected (path, code) errors, or the exception reading it raises
INVALID = {
    "invalid-id-checksum.json": [("members[0].id_number", "id_checksum")],
    "invalid-id-disagrees-with-answers.json": [("members[0].birth_date", "id_birth_date_mismatch"), ("members[0].sex", "id_sex_mismatch")],
    "invalid-missing-required.json": [("visitors", "too_few"), ("area_type", "required"), ("members[0].disability_grade", "required")],
    "invalid-no-household-head.json": [("members", "constraint")],
    "invalid-malformed.json": MalformedJsonError,
    "invalid-not-a-visit.json": VisitShapeError,
    "invalid-unknown-form-version.json": UnknownFormVersionError,
}


def test_every_example_is_covered_and_every_rule_has_one():
    names = {p.name for p in EXAMPLES.glob("*.json")}
    assert names == set(VALID) | set(INVALID)
    assert {rule for rule, _, _ in VALID.values()} == {f"R{i}" for i in range(1, 13)}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_example(name):
    rule, code, check = VALID[name]
    doc = interchange.read_visit_file(EXAMPLES / name)
    errors = [p for p in forms.validate(doc, reference=REF) if p.severity == "error"]
    assert errors == []
    result = forms.assess(doc, REF)
    assert code in [s.code for s in result.by_rule(rule)]
    assert check(result)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_example(name):
    expected = INVALID[name]
    if isinstance(expected, type):
        with pytest.raises(expected) as caught:
            interchange.read_visit_file(EXAMPLES / name)
        assert caught.value.message_zh
        return
    doc = interchange.read_visit_file(EXAMPLES / name)
    errors = [(p.path, p.code) for p in forms.validate(doc, reference=REF) if p.severity == "error"]
    assert errors == expected
