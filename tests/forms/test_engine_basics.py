"""The public API end to end: a valid visit, keystroke-style edits, threads, the docs' example."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import forms
from tests.forms.visits import member, visit

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_valid_visit_has_no_problems():
    assert forms.validate(visit(), reference=forms.load_reference()) == []


def test_assess_explains_the_income_class_with_figures():
    result = forms.assess(visit(), forms.load_reference())
    assert result.per_capita_income_fen == 51200
    assert result.income_class == "dibao_candidate"
    r3 = result.by_rule("R3")[0]
    assert r3.message_zh == "R3 人均月收入 512.00 元 < 低保标准 760.00 元 → 可能符合低保条件"
    assert result.to_dict()["income_class"]["value"] == "dibao_candidate"


def test_editing_the_same_answers_dict_in_place_is_seen_at_once():
    """The UI keeps one answers dict and edits it per keystroke: no stale calculation."""
    doc = visit()
    ref = forms.load_reference()
    assert forms.assess(doc, ref).per_capita_income_fen == 51200
    doc["answers"]["incomes"][0]["amount_fen"] = 300000
    assert forms.assess(doc, ref).per_capita_income_fen == 100000
    doc["answers"]["members"].append(member(4, "19500101", 41, "parent"))
    assert forms.assess(doc, ref).per_capita_income_fen == 75000
    doc["answers"]["members"][3]["id_number"] = "1101051949123100"
    assert [p.code for p in forms.validate(doc, reference=ref)] == ["id_length"]


def test_calculate_returns_a_private_copy():
    form = forms.load_form("four_clarifications")
    answers = visit()["answers"]
    first = form.calculate(answers)
    first["members"][0]["age"] = 999
    first["household_size"] = 0
    second = form.calculate(answers)
    assert second["members"][0]["age"] == 46 and second["household_size"] == 3


def test_threads_get_the_same_answers_as_one_thread():
    ref = forms.load_reference()
    docs = []
    for i in range(40):
        doc = visit({"incomes": [{"source": "wages", "amount_fen": 3000 * i}]})
        docs.append(doc)
    expected = [forms.assess(d, ref).per_capita_income_fen for d in docs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda d: (forms.validate(d, reference=ref), forms.assess(d, ref).per_capita_income_fen), docs * 5))
    assert [g[1] for g in got] == expected * 5
    assert all(g[0] == [] for g in got)


def test_the_example_in_interchange_md_is_a_valid_visit():
    text = (DOCS / "interchange.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text, re.S).group(1)
    doc = json.loads(block)
    problems = forms.validate(doc, reference=forms.load_reference())
    assert [p.code for p in problems] == ["recommended"]  # only the representative is missing
    assert forms.assess(doc, forms.load_reference()).income_class == "dibao_candidate"


def test_public_api_is_documented():
    for name in forms.__all__:
        obj = getattr(forms, name)
        assert (obj.__doc__ or "").strip(), name


def test_a_cached_calculation_shares_nothing_with_the_callers_answers():
    """Type, edit a row in place, then go back: the earlier result must not show the edit."""
    ref = forms.load_reference()
    doc = visit({"supporters": [{"name": "赡养人", "able_to_support": "no"}],
                 "members": [member(1, "19500101", 11, "head", labour_capacity="none", has_income_source="no")],
                 "incomes": []})
    assert forms.assess(doc, ref).tekun_candidates  # no able supporter
    doc["answers"]["supporters"][0]["able_to_support"] = "yes"
    assert not forms.assess(doc, ref).tekun_candidates
    again = json.loads(json.dumps(doc))  # a fresh copy with the same content as the first call
    again["answers"]["supporters"][0]["able_to_support"] = "no"
    assert forms.assess(again, ref).tekun_candidates
    assert not forms.assess(doc, ref).tekun_candidates
