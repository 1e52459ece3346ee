"""The one coverage rule (两个全覆盖) every side uses."""

import pytest

from forms.coverage import (HouseholdFacts, UnreachableIncomplete, facts_from_fields, summarise, target_state,
                            unreachable_status)

C, SINCE = "2026专项行动", "2026-04-01"
V1, V2, V3 = "410523100201", "410523100202", "410523101201"


def on_roster(village, **kw):
    return HouseholdFacts(village, roster_campaign=C, **kw)


def test_states_of_a_target_household():
    assert target_state(on_roster(V1), C, SINCE) == "not_visited"
    assert target_state(on_roster(V1, last_final_visit="2026-04-02"), C, SINCE) == "visited"
    assert target_state(on_roster(V1, last_final_visit="2025-11-02"), C, SINCE) == "not_visited"   # an older campaign
    assert target_state(on_roster(V1, unreachable_campaign=C, unreachable_reason="moved_out"), C, SINCE) == "unreachable"
    assert target_state(on_roster(V1, roster_closed=True, last_final_visit="2026-04-02"), C, SINCE) is None


def test_households_found_at_the_door_are_counted_apart_and_never_change_the_target():
    found = HouseholdFacts(V1, last_final_visit="2026-05-01")
    assert target_state(found, C, SINCE) == "discovered"
    assert target_state(HouseholdFacts(V1), C, SINCE) is None
    report = summarise([on_roster(V1), found], C, SINCE)
    v = report.villages[V1]
    assert (v.target, v.not_visited, v.discovered) == (1, 1, 1)


def test_summary_per_village_township_and_county_with_the_headline_rate():
    facts = [on_roster(V1, last_final_visit="2026-04-03"), on_roster(V1), on_roster(V2, unreachable_campaign=C,
             unreachable_reason="refused"), on_roster(V3, last_final_visit="2026-06-30"),
             HouseholdFacts(V3, last_final_visit="2026-05-05")]
    report = summarise(facts, C, SINCE).as_dict()
    assert [(v["code"], v["target"], v["visited"], v["not_visited"]) for v in report["villages"]] == [
        (V1, 2, 1, 1), (V2, 1, 0, 0), (V3, 1, 1, 0)]
    town = report["townships"][0]
    assert town["code"] == V1[:9] and town["unreachable"]["refused"] == 1 and town["rate_permille"] == 666
    county = report["counties"][0]
    assert (county["target"], county["visited"], county["unreachable_total"], county["discovered"]) == (4, 2, 1, 1)


def test_facts_from_synced_fields():
    fields = {"roster": {"campaign": C, "closed": False},
              "target_status": {"campaign": C, "state": "unreachable", "reason": "deceased"}}
    assert target_state(facts_from_fields(V1, fields, None), C, SINCE) == "unreachable"
    assert target_state(facts_from_fields(V1, {"roster": "garbage"}, "2026-05-01"), C, SINCE) == "discovered"


def test_unreachable_needs_a_reason_a_note_and_for_a_refusal_the_second_visitor():
    ok = unreachable_status(C, "moved_out", "2025年迁往郑州", ["王芳"], by="王芳")
    assert ok["state"] == "unreachable" and ok["reason"] == "moved_out" and ok["visitors"] == ["王芳"]
    with pytest.raises(UnreachableIncomplete):
        unreachable_status(C, "moved", "x", ["王芳"], by="王芳")
    with pytest.raises(UnreachableIncomplete) as exc:
        unreachable_status(C, "moved_out", "  ", ["王芳"], by="王芳")
    assert "说明" in exc.value.message_zh
    with pytest.raises(UnreachableIncomplete) as exc:
        unreachable_status(C, "refused", "不开门", ["王芳"], by="王芳")
    assert "第二名" in exc.value.message_zh
    assert unreachable_status(C, "refused", "不开门", ["王芳", "李强"], by="王芳")["visitors"] == ["王芳", "李强"]


def test_review_counts_are_added_at_every_level_and_printed():
    from forms.coverage import HouseholdFacts, report_lines, summarise

    v1, v2, other = "510522101201", "510522101202", "510522102201"
    households = [HouseholdFacts(v1, "行动", last_final_visit="2026-05-01"),
                  HouseholdFacts(v2, "行动"), HouseholdFacts(other, "行动", last_final_visit="2026-05-02")]
    reviews = {v1: {"submitted": 1, "returned": 2, "approved": 3}, v2: {"approved": 1},
               "510522999201": {"submitted": 9}}     # a village outside the report is left out
    report = summarise(households, "行动", "2026-04-01", reviews)
    assert report.villages[v1].reviews == {"submitted": 1, "returned": 2, "approved": 3}
    assert report.villages[v2].reviews == {"submitted": 0, "returned": 0, "approved": 1}
    assert report.villages[other].reviews == {"submitted": 0, "returned": 0, "approved": 0}
    assert report.townships["510522101"].reviews == {"submitted": 1, "returned": 2, "approved": 4}
    assert report.counties["510522"].reviews == {"submitted": 1, "returned": 2, "approved": 4}
    data = report.as_dict()
    assert data["counties"][0]["reviews"] == {"submitted": 1, "returned": 2, "approved": 4}
    assert f"村 {v1}：目标 1，已走访 1" in "\n".join(report_lines(data))
    assert "，待审核 1，已退回 2，已审核通过 3" in next(line for line in report_lines(data) if v1 in line)
    # without review counts every figure is zero and the rest is unchanged
    assert summarise(households, "行动", "2026-04-01").villages[v1].reviews == {"submitted": 0, "returned": 0, "approved": 0}
