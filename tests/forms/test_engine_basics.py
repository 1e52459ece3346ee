"""First end-to-end checks of the public API: a valid visit validates clean and assesses."""

import forms
from tests.forms.visits import visit


def test_valid_visit_has_no_problems():
    assert forms.validate(visit(), reference=forms.load_reference()) == []


def test_assess_explains_the_income_class_with_figures():
    result = forms.assess(visit(), forms.load_reference())
    assert result.per_capita_income_fen == 51200
    assert result.income_class == "dibao_candidate"
    r3 = result.by_rule("R3")[0]
    assert r3.message_zh == "R3 人均月收入 512.00 元 < 低保标准 760.00 元 → 可能符合低保条件"
    assert result.to_dict()["income_class"]["value"] == "dibao_candidate"
