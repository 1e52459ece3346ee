"""Expressions over half-typed answers: what they expectedly raise means "not known yet"; a bug is raised."""

from __future__ import annotations

import pytest

import forms
from forms import expressions


def _answers(**extra):
    return {"visit_date": "2026-05-12", "members": [
        {"member_id": "m-1", "relation": "head", "name": "赵建国", "birth_date": "not a date yet"},
        {"member_id": "m-2", "relation": "child", "name": "赵小明"}], **extra}


def test_half_typed_answers_give_unknown_values_not_errors():
    form = forms.load_form("four_clarifications")
    calc = form.calculate(_answers())
    assert calc["members"][0].get("age") is None and calc["members"][1].get("age") is None
    assert calc["household_size"] == 2
    assert forms.validate({"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications",
                           "form_version": form.version, "household_id": "h-1", "visit_id": "v-1",
                           "status": "draft", "answers": _answers()}, form) is not None


def test_a_bug_inside_an_expression_function_is_raised_not_read_as_unknown(monkeypatch):
    form = forms.load_form("four_clarifications")
    evaluator = expressions._evaluator()

    def count_with_a_bug(rows):
        return rows.lenght   # AttributeError: a programming error, not a half-typed answer

    monkeypatch.setitem(evaluator.functions, "count", count_with_a_bug)
    form._calc_cache.clear()
    with pytest.raises(AttributeError):
        form.calculate(_answers())


@pytest.mark.parametrize("error", [TypeError, ValueError, ZeroDivisionError, KeyError, IndexError])
def test_the_expected_kinds_are_the_listed_ones(error):
    assert issubclass(error, expressions.EVALUATION_ERRORS)
    assert not issubclass(AttributeError, expressions.EVALUATION_ERRORS)
    assert not issubclass(NameError, expressions.EVALUATION_ERRORS)
