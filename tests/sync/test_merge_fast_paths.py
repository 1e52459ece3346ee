"""The push path's shortcuts give exactly what the general code gives.

``sync.merge.merge`` of a record the server has not seen takes a short path, and a stored record
is copied by structure instead of a JSON round trip; the JSON depth check and the calculated-answer
check run on every pushed change. Each is compared here with the general (or naive) computation.
"""

from __future__ import annotations

import copy
import json
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from forms.grain import calculated_paths, shipped_grain
from sync.merge import _new_record, merge
from sync.server.limits import json_depth_exceeds

GRAIN = shipped_grain()
HH = "6a1d1f0e-3c8b-4f7e-9e51-7b2d4c6a9f10"
VILLAGE = "510123104002"

ROW_VALUES = st.one_of(st.none(), st.sampled_from(["healthy", "chronic", "张三", ""]), st.integers(0, 10**6))


def row_strategy(key: str, extra: list[str]):
    """A repeat row: sometimes without its id, sometimes with a calculated child, sometimes a repeated id."""
    return st.fixed_dictionaries(
        {}, optional={key: st.sampled_from(["", "r1", "r2", str(uuid.UUID(int=7))]),
                      **{name: ROW_VALUES for name in extra}})


GROUPS = {"members": ("member_id", ["name", "health", "age", "relation"]),
          "incomes": ("income_id", ["source", "amount_fen", "counted"]),
          "needs": ("need_id", ["category", "disposition"])}

FIELDS = st.fixed_dictionaries({}, optional={
    "address": st.sampled_from(["松林县青石村 3 号", ""]),
    "village_code": st.sampled_from([VILLAGE, "510123104003", "bad"]),
    "household_size": st.integers(0, 9),                # calculated: never applied
    "per_capita_income_fen": st.integers(0, 10**7),     # calculated
    "savings_fen": st.one_of(st.none(), st.integers(0, 10**8)),
    **{group: st.one_of(st.none(), st.just("not rows"), st.lists(st.one_of(row_strategy(key, extra), st.just(3)),
                                                                 max_size=4))
       for group, (key, extra) in GROUPS.items()},
})


def household_change(fields: dict, entity: str = "household") -> dict:
    return {"change_id": str(uuid.uuid4()), "entity": entity, "entity_id": HH, "household_id": HH,
            "village_code": VILLAGE, "base_revision": 0, "fields": fields, "author": "走访员", "at": "2026-05-01T00:00:00+00:00"}


def outcome(result) -> tuple:
    return (json.dumps(result.record, sort_keys=True, ensure_ascii=False), json.dumps(result.applied, sort_keys=True),
            result.hard, result.concurrent, result.touched, result.status)


@settings(max_examples=300, deadline=None)
@given(fields=FIELDS, entity=st.sampled_from(["household", "visit"]))
def test_a_new_record_merges_as_the_general_path_merges_it(fields, entity):
    change = household_change(fields, entity)
    shortcut = merge(None, copy.deepcopy(change), "laptop-a", GRAIN)
    general = merge(_new_record(change), copy.deepcopy(change), "laptop-a", GRAIN)   # an empty stored record
    assert outcome(shortcut) == outcome(general)
    assert calculated_paths(shortcut.record["fields"], GRAIN) == [] or entity == "visit"


@settings(max_examples=150, deadline=None)
@given(first=FIELDS, second=FIELDS)
def test_merging_into_a_stored_record_leaves_that_record_as_it_was(first, second):
    """Neither the stored record nor the change that made it (whose rows it may share) is changed by later merges."""
    made = household_change(first)
    sent = json.dumps(made, sort_keys=True, ensure_ascii=False)
    stored = merge(None, made, "laptop-a", GRAIN).record
    before = json.dumps(stored, sort_keys=True, ensure_ascii=False)
    result = merge(stored, dict(household_change(second), base_revision=stored["revision"]), "laptop-b", GRAIN)
    again = merge(result.record, dict(household_change(second), base_revision=0), "laptop-c", GRAIN)
    assert json.dumps(stored, sort_keys=True, ensure_ascii=False) == before
    assert json.dumps(made, sort_keys=True, ensure_ascii=False) == sent
    assert again.record["revision"] >= result.record["revision"]
    if result.applied:
        assert result.record["revision"] == stored["revision"] + 1


def naive_depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((naive_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((naive_depth(v) for v in value), default=0)
    return 0


JSON = st.recursive(st.one_of(st.none(), st.integers(), st.text(max_size=3)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=2), inner, max_size=3)),
                    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(value=JSON, limit=st.integers(1, 8))
def test_the_depth_check_agrees_with_the_naive_depth(value, limit):
    assert json_depth_exceeds(value, limit) == (naive_depth(value) > limit)


def test_the_depth_check_refuses_a_deep_value_without_recursing_through_it():
    value: list = []
    for _ in range(200_000):      # far past Python's recursion limit
        value = [value]
    assert json_depth_exceeds({"answers": value})
    assert not json_depth_exceeds({"answers": [[{"a": [1]}]]})


def calculated_paths_reference(values: dict, grain) -> list[str]:
    """The calculated-answer search written plainly (as it was before the shortcut)."""
    found = []
    for name, value in values.items():
        top, _, rest = name.partition("/")
        if top in grain.calculated:
            found.append(name)
            continue
        drop = grain.row_calculated.get(top) or frozenset()
        if not drop:
            continue
        if rest:
            parts = rest.split("/")
            if len(parts) == 2 and parts[1] in drop:
                found.append(name)
            elif len(parts) == 1 and isinstance(value, dict):
                found += [f"{name}/{k}" for k in sorted(set(value) & drop)]
        elif isinstance(value, list):
            found += [f"{name}[{i}].{k}" for i, row in enumerate(value) if isinstance(row, dict)
                      for k in sorted(set(row) & drop)]
    return found


PATHS = st.sampled_from(["members/r1", "members/r1/age", "members/r1/health", "incomes/r2/counted", "needs/r3",
                         "household_size/x", "address"])


@settings(max_examples=300, deadline=None)
@given(fields=FIELDS, paths=st.dictionaries(PATHS, st.one_of(st.none(), st.fixed_dictionaries(
    {}, optional={"age": st.integers(0, 99), "counted": st.booleans(), "name": st.just("李四")})), max_size=3))
def test_the_calculated_answer_search_agrees_with_the_plain_one(fields, paths):
    for values in (fields, {**fields, **paths}):
        assert calculated_paths(values, GRAIN) == calculated_paths_reference(values, GRAIN)
