"""The server refuses malformed visit changes (a broken or hostile client) and stores nothing of the batch."""

from __future__ import annotations

import uuid

import pytest

from sync import errors
from sync.server.storage import Scope
from tests.sync.conftest import TOWNSHIP, VILLAGE_A


def visit_change(hid: str, **fields) -> dict:
    return {"change_id": str(uuid.uuid4()), "entity": "visit", "entity_id": str(uuid.uuid4()), "household_id": hid,
            "village_code": VILLAGE_A, "base_revision": 0, "fields": fields, "author": "t", "at": "2026-05-12T08:00:00+00:00"}


GOOD_ANSWERS = {"visit_date": "2026-05-12", "village_code": VILLAGE_A, "address": "东村1号",
                "members": [{"member_id": "m-1", "name": "王芳", "relation": "head", "id_number": None}]}


@pytest.mark.parametrize("fields, says", [
    ({"status": "final", "answers": {**GOOD_ANSWERS, "members": [{"name": 42}]}}, "answers.members[0].name"),
    ({"status": "final", "answers": {**GOOD_ANSWERS, "visit_date": "12/05/2026"}}, "answers.visit_date"),
    ({"status": "done", "answers": GOOD_ANSWERS}, "status must be draft or final"),
    ({"status": "draft", "answers": "not an object"}, "answers must be an object"),
    ({"status": "draft", "form_version": "1"}, "form_version must be an integer"),
    ({"status": "draft", "secret_field": 1}, "unknown visit field 'secret_field'"),
    ({"status": "draft", "answers": {**GOOD_ANSWERS, "household_size": 1}}, "calculated answer answers.household_size"),
    ({"status": "final", "answers": {**GOOD_ANSWERS, "incomes": [{"source": "wages", "amount_fen": 1, "counted": True}]}},
     "calculated answer answers.incomes[0].counted"),
])
def test_malformed_visit_changes_are_refused_with_the_reason(server, fields, says):
    laptop = server.laptop()
    hid = str(uuid.uuid4())
    good = visit_change(hid, household_id=hid, form_id="four_clarifications", form_version=1, status="final",
                        answers=GOOD_ANSWERS)
    bad = visit_change(hid, **fields)
    with pytest.raises(errors.ChangeInvalid) as err:
        laptop.client._call("POST", "/v1/push", {"changes": [good, bad]})
    assert says in str(err.value.detail) and "change 2" in str(err.value.detail)
    assert "仍保存在本机" in err.value.message_zh
    assert server.storage.change_log(Scope("office", TOWNSHIP)) == []       # the whole batch refused


def test_drafts_may_hold_half_typed_answers_and_final_visits_that_fit_are_stored(server):
    laptop = server.laptop()
    hid = str(uuid.uuid4())
    draft = visit_change(hid, household_id=hid, status="draft", answers={**GOOD_ANSWERS, "visit_date": ""})
    final = visit_change(hid, household_id=hid, form_id="four_clarifications", form_version=1, status="final",
                         answers=GOOD_ANSWERS)
    answer = laptop.client._call("POST", "/v1/push", {"changes": [draft, final]})
    assert [v["status"] for v in answer["accepted"]] == ["applied", "applied"]


@pytest.mark.parametrize("fields, says", [
    ({"address": "东村1号", "per_capita_income_fen": 120000}, "calculated answer per_capita_income_fen"),
    ({"members/m-1/age": 40}, "calculated answer members/m-1/age"),
    ({"members/m-2": {"member_id": "m-2", "name": "李", "age": 3}}, "calculated answer members/m-2/age"),
    ({"members": [{"member_id": "m-1", "name": "王芳", "age": 40}]}, "calculated answer members[0].age"),
])
def test_a_household_change_carrying_a_calculated_answer_is_refused(server, fields, says):
    laptop = server.laptop()
    hid = str(uuid.uuid4())
    bad = dict(visit_change(hid), entity="household", entity_id=hid, fields=fields)
    with pytest.raises(errors.ChangeInvalid) as err:
        laptop.client._call("POST", "/v1/push", {"changes": [bad]})
    assert says in str(err.value.detail) and "change 1" in str(err.value.detail)
    assert server.storage.records(Scope("admin", "")) == []
