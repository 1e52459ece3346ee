"""The pure merge (sync/merge.py): the issue's scenarios by hand, then hypothesis properties.

Changes are made the way a laptop makes them: edit a copy of the household's fields and let
``diff_fields`` turn the edit into a path-keyed change.
"""

from __future__ import annotations

import copy
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from forms.grain import legacy_row_id, shipped_grain
from sync.merge import diff_fields, merge

GRAIN = shipped_grain()
HH = "0b6f3c2e-0d5e-4c54-8d55-0a6f5f0e8a01"
VILLAGE = "320102003004"
HEALTH = ["healthy", "chronic", "serious_illness", "severe_disability"]


def mid(n: int) -> str:
    return str(uuid.UUID(int=n + 1, version=4))


def base_fields() -> dict:
    return {"village_code": VILLAGE, "address": "青石村五组 3 号", "phone": "13900000000",
            "members": [{"member_id": mid(i), "name": f"成员{i}", "relation": "head" if i == 0 else "child",
                         "health": "healthy"} for i in range(3)],
            "incomes": [{"income_id": mid(10), "source": "wages", "amount_fen": 150000}],
            "needs": [{"need_id": mid(20), "category": "medical", "disposition": "pending",
                       "history": [{"at": "2026-04-01T08:00:00+00:00", "by": "李四", "disposition": "pending"}]}]}


def change(fields: dict, base: int, entity="household") -> dict:
    return {"change_id": str(uuid.uuid4()), "entity": entity, "entity_id": HH, "household_id": HH,
            "village_code": VILLAGE, "base_revision": base, "fields": fields, "author": "x", "at": "2026-05-01T00:00:00+00:00"}


def synced_record() -> dict:
    """The household as the server holds it after one laptop (``seed``) created it."""
    return merge(None, change(diff_fields({}, base_fields(), GRAIN), 0), "seed", GRAIN).record


def edit(record: dict, fn) -> dict:
    """A laptop's change made from the record it last pulled: apply *fn* to a copy and diff."""
    before = copy.deepcopy(record["fields"])
    after = copy.deepcopy(before)
    fn(after)
    return change(diff_fields(before, after, GRAIN), record["revision"])


def run(record, *device_changes):
    hard = {}
    for device, ch in device_changes:
        result = merge(record, ch, device, GRAIN)
        record = result.record
        hard.update(result.hard)
    return record, hard


def test_office_refers_a_need_while_a_visitor_adds_another():
    rec = synced_record()

    def refer(f):
        n = f["needs"][0]
        n.update(disposition="referred", department="health", referred_on="2026-05-02")
        n["history"].append({"at": "2026-05-02T09:00:00+00:00", "by": "乡镇经办", "disposition": "referred"})

    office = edit(rec, refer)
    visitor = edit(rec, lambda f: f["needs"].append({"need_id": mid(21), "category": "housing", "disposition": "pending"}))
    out, hard = run(rec, ("office", office), ("visitor", visitor))
    assert hard == {}
    needs = out["fields"]["needs"]
    assert [n["need_id"] for n in needs] == [mid(20), mid(21)]
    assert needs[0]["disposition"] == "referred" and len(needs[0]["history"]) == 2


def test_two_visitors_edit_different_members_and_the_same_member_differently():
    rec = synced_record()
    a = edit(rec, lambda f: f["members"][1].update(health="serious_illness"))
    b = edit(rec, lambda f: f["members"][2].update(name="王小明"))
    out, hard = run(rec, ("a", a), ("b", b))
    assert hard == {}
    assert out["fields"]["members"][1]["health"] == "serious_illness"
    assert out["fields"]["members"][2]["name"] == "王小明"
    c = edit(out, lambda f: f["members"][1].update(health="healthy"))
    d = edit(out, lambda f: f["members"][1].update(health="chronic"))
    out2, hard = run(out, ("c", c), ("d", d))
    path = f"members/{mid(1)}/health"
    assert list(hard) == [path]
    assert hard[path]["server"] == "healthy" and hard[path]["device"] == "chronic" and hard[path]["server_device"] == "c"
    assert out2["fields"]["members"][1]["health"] == "healthy"


def test_an_income_and_an_expense_from_the_same_base_merge_and_nothing_calculated_is_stored():
    rec = synced_record()
    a = edit(rec, lambda f: f["incomes"].append({"income_id": mid(11), "source": "farming", "amount_fen": 30000,
                                                  "counted": True}))
    b = edit(rec, lambda f: f.update(expenses=[{"expense_id": mid(30), "kind": "medical", "amount_fen": 20000}],
                                      per_capita_income_fen=123))
    assert "per_capita_income_fen" not in b["fields"] and "counted" not in str(a["fields"])
    out, hard = run(rec, ("a", a), ("b", b))
    assert hard == {}
    assert [i["income_id"] for i in out["fields"]["incomes"]] == [mid(10), mid(11)]
    assert out["fields"]["expenses"][0]["amount_fen"] == 20000
    assert "per_capita_income_fen" not in out["fields"]


def test_a_row_deleted_on_one_laptop_and_edited_on_another_is_a_hard_conflict_on_the_row():
    rec = synced_record()
    a = edit(rec, lambda f: f["members"].pop(2))
    b = edit(rec, lambda f: f["members"][2].update(health="chronic"))
    out, hard = run(rec, ("a", a), ("b", b))
    assert list(hard) == [f"members/{mid(2)}"]
    assert hard[f"members/{mid(2)}"]["server"] is None and hard[f"members/{mid(2)}"]["device"]["health"] == "chronic"
    assert len(out["fields"]["members"]) == 2
    out, hard = run(rec, ("b", b), ("a", a))        # the other order: edit first, delete second
    assert list(hard) == [f"members/{mid(2)}"] and hard[f"members/{mid(2)}"]["device"] is None
    assert out["fields"]["members"][2]["health"] == "chronic"


def test_a_record_from_before_row_ids_is_upgraded_in_the_merge():
    legacy = {"entity": "household", "entity_id": HH, "household_id": HH, "village_code": VILLAGE, "revision": 4,
              "fields": {"members": [{"name": "甲", "age": 50}, {"name": "乙"}], "household_size": 2},
              "field_revs": {"members": [3, "old"], "household_size": [3, "old"]}}
    ch = change({f"members/{legacy_row_id(HH, 'members', 1)}/name": "乙丙"}, 4)
    result = merge(legacy, ch, "new", GRAIN)
    assert result.hard == {}
    assert result.record["fields"] == {"members": [{"name": "甲", "member_id": legacy_row_id(HH, "members", 0)},
                                                   {"name": "乙丙", "member_id": legacy_row_id(HH, "members", 1)}]}


def test_an_old_style_whole_list_is_merged_row_by_row():
    rec = synced_record()
    a = edit(rec, lambda f: f["members"][0].update(name="新名字"))
    whole = copy.deepcopy(rec["fields"]["members"]) + [{"member_id": mid(9), "name": "新成员", "relation": "other"}]
    out, hard = run(rec, ("a", a), ("old", change({"members": whole}, rec["revision"])))
    # A whole list cannot tell a stale answer from an edit: only that one answer conflicts, the new row applies.
    assert list(hard) == [f"members/{mid(0)}/name"]
    assert [m["name"] for m in out["fields"]["members"]] == ["新名字", "成员1", "成员2", "新成员"]


# ----------------------------------------------------------------------------- properties
OPS = st.lists(st.tuples(st.sampled_from(["health", "name", "add", "delete", "address", "phone", "need", "calc"]),
                         st.integers(0, 2), st.sampled_from(HEALTH)), max_size=6)


def apply_ops(fields: dict, ops, owner: str) -> None:
    """Edit household fields in place (the rows/fields an owner may touch are chosen by the caller)."""
    for kind, i, value in ops:
        members = fields["members"]
        if kind == "health" and i < len(members):
            members[i]["health"] = value
        elif kind == "name" and i < len(members):
            members[i]["name"] = f"{owner}{value}"
        elif kind == "add":
            members.append({"member_id": str(uuid.uuid4()), "name": f"{owner}新", "relation": "other", "age": 3})
        elif kind == "delete" and i < len(members):
            members.pop(i)
        elif kind in ("address", "phone"):
            fields[kind] = f"{owner}{value}"
        elif kind == "need":
            fields["needs"][0]["history"].append({"at": f"2026-05-0{i + 1}T00:00:00+00:00", "by": owner})
        elif kind == "calc":
            fields["household_size"] = len(members)
            fields["incomes"][0]["counted"] = True


@settings(max_examples=120, deadline=None)
@given(a_ops=OPS, b_ops=OPS)
def test_disjoint_changes_give_the_same_record_in_either_order(a_ops, b_ops):
    rec = synced_record()

    def a_edit(f):   # A: members 0 and 1, address, and adds; never deletes what B edits
        apply_ops(f, [(k, min(i, 1), v) for k, i, v in a_ops if k not in ("phone", "delete")], "A")

    def b_edit(f):   # B: member 2 (also its deletion), phone, and adds
        ops = [(k, 2, v) for k, i, v in b_ops if k not in ("address",)]
        ops = [op for op in ops if op[0] != "delete"] + [op for op in ops if op[0] == "delete"][:1]
        apply_ops(f, ops, "B")

    a, b = edit(rec, a_edit), edit(rec, b_edit)
    ab, hard_ab = run(rec, ("A", a), ("B", b))
    ba, hard_ba = run(rec, ("B", b), ("A", a))
    assert hard_ab == {} and hard_ba == {}
    assert ab["fields"] == ba["fields"]
    # no applied change is lost: what each laptop typed is in the merged record
    for ch, device in ((a, "A"), (b, "B")):
        mine = merge(rec, ch, device, GRAIN).record["fields"]
        for path in ch["fields"]:
            if path.endswith("/history"):   # append-only: the union holds every entry
                assert all(e in lookup(ab["fields"], path) for e in lookup(mine, path)), path
            else:
                assert lookup(ab["fields"], path) == lookup(mine, path), path
    assert not calculated_in(ab["fields"])
    # row order is stable: the rows both laptops knew keep their order, and the added rows come after them
    known = [m["member_id"] for m in rec["fields"]["members"]]
    merged = [m["member_id"] for m in ab["fields"]["members"]]
    kept = [m for m in merged if m in known]
    assert kept == [m for m in known if m in kept] and merged[:len(kept)] == kept


@settings(max_examples=120, deadline=None)
@given(ops=OPS, other=OPS, first=st.sampled_from(HEALTH), second=st.sampled_from(HEALTH))
def test_a_hard_conflict_keeps_the_server_value_and_records_both(ops, other, first, second):
    rec = synced_record()
    a = edit(rec, lambda f: (apply_ops(f, [(k, 0, v) for k, i, v in ops if k not in ("delete", "phone")], "A"),
                             f["members"][1].update(health=first)))
    b = edit(rec, lambda f: (apply_ops(f, [(k, 2, v) for k, i, v in other if k not in ("delete", "address")], "B"),
                             f["members"][1].update(health=second)))
    out, hard = run(rec, ("A", a), ("B", b))
    path = f"members/{mid(1)}/health"
    if first == second or first == "healthy" or second == "healthy":
        assert path not in hard        # the same value, or one laptop did not change it
    else:
        assert set(hard) == {path}
        assert hard[path]["server"] == first and hard[path]["device"] == second
        assert out["fields"]["members"][1]["health"] == first
    assert not calculated_in(out["fields"])


def lookup(fields: dict, path: str):
    parts = path.split("/")
    value = fields.get(parts[0])
    if len(parts) == 1:
        return value
    key = GRAIN.row_keys[parts[0]]
    row = next((r for r in value or [] if r.get(key) == parts[1]), None)
    if len(parts) == 2 or row is None:
        return None if row is None else {k: v for k, v in row.items()}
    return row.get(parts[2])


def calculated_in(fields: dict) -> bool:
    from forms.grain import calculated_paths

    return bool(calculated_paths(fields, GRAIN))


def test_calculated_answers_sent_anyway_are_never_applied():
    rec = synced_record()
    raw = change({"household_size": 9, "per_capita_income_fen": 1, f"members/{mid(0)}/age": 70,
                  f"incomes/{mid(10)}/counted": False, "incomes": [{"income_id": mid(12), "source": "wages",
                                                                    "amount_fen": 1, "counted": True}]}, rec["revision"])
    out = merge(rec, raw, "x", GRAIN)
    assert not calculated_in(out.record["fields"])
    assert [i["income_id"] for i in out.record["fields"]["incomes"]] == [mid(12)]   # the whole list replaced the old one
