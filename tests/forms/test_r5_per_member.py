"""R5 per member (form v2): a supporter counts only for the members they are obliged to.

The household of the issue: a grandmother of 78 raising her two grandchildren; their father
works away and can support his children, but he owes the grandmother (his late wife's mother)
nothing. Only the children are covered by an able supporter: she is still a tekun candidate.
Reference data of a real-shaped county (330110), not the demo county.
"""

from pathlib import Path

import yaml

import forms
from forms.reference import reference_from_dict
from forms.validation import validate
from forms.versioning import upgrade_answers
from tests.forms.visits import id_number, uid

VILLAGE = "330110101001"
DEMO_YAML = Path(forms.__file__).resolve().parent / "reference" / "demo.yaml"


def county_reference():
    """The shape of the demo file with a real county's codes and names (no demo flag)."""
    text = DEMO_YAML.read_text(encoding="utf-8").replace("990101", "330110").replace("演示", "余杭")
    doc = yaml.safe_load(text)
    doc["demo"] = False
    doc["reference_id"] = "330110-2026"
    return reference_from_dict(doc)


REF = county_reference()
GRANDMOTHER, BOY, GIRL = uid(1001), uid(1002), uid(1003)


def household(supporters, version=2):
    def person(mid, name, birth, seq, relation, **more):
        row = {"member_id": mid, "name": name, "id_number": id_number(birth, seq, "330110"), "relation": relation,
               "health": "healthy", "labour_capacity": "none", "has_income_source": "no"}
        row.update(more)
        return row

    answers = {
        "visit_date": "2026-05-12", "visitors": ["王芳", "赵强"], "village_code": VILLAGE, "area_type": "rural",
        "address": "仓前街道葛巷村5组18号", "assets_meet_rules": "yes",
        "members": [person(GRANDMOTHER, "沈阿婆", "19480301", 22, "head"),
                    person(BOY, "张小军", "20160405", 31, "grandchild", schooling="primary"),
                    person(GIRL, "张小红", "20180506", 42, "grandchild", schooling="preschool")],
        "supporters": supporters,
        "incomes": [],
    }
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications",
            "form_version": version, "household_id": uid(1), "visit_id": uid(2), "status": "draft",
            "answers": answers}


FATHER = {"name": "张伟", "relation": "父亲（在外务工）", "monthly_income_fen": 650000, "able_to_support": "yes",
          "obliged_to": [BOY, GIRL]}


def tekun(visit):
    return {s["member_id"]: s for s in forms.assess(visit, REF).tekun_candidates}


def test_the_grandmother_stays_a_candidate_when_only_her_grandchildren_s_father_can_support():
    visit = household([FATHER])
    assert not [p for p in validate(visit, reference=REF) if p.severity == "error"]
    found = tekun(visit)
    assert set(found) == {GRANDMOTHER}  # the children have an able supporter; she has none
    r5 = forms.assess(visit, REF).by_rule("R5")[0]
    assert r5.message_zh.startswith("R5 第 1 位成员（78 周岁老年人）无劳动能力、无收入来源")
    assert "没有登记对其负有义务的义务人" in r5.message_zh
    assert "第 1 位义务人有能力，但只对其他成员负有义务，不影响本人" in r5.message_zh
    assert found[GRANDMOTHER]["able_supporters_of_others"] == [1]


def test_a_supporter_obliged_to_her_decides_for_her_only():
    uncle = {"name": "沈建华", "relation": "儿子", "monthly_income_fen": 800000, "able_to_support": "yes",
             "obliged_to": [GRANDMOTHER]}
    assert set(tekun(household([uncle]))) == {BOY, GIRL}
    unable = dict(uncle, able_to_support="no", monthly_income_fen=0)
    found = tekun(household([FATHER, unable]))
    assert set(found) == {GRANDMOTHER}
    assert "对其负有义务的第 2 位义务人无赡养（抚养、扶养）能力" in forms.assess(household([FATHER, unable]), REF) \
        .by_rule("R5")[0].message_zh
    unknown = dict(uncle, able_to_support="unknown")
    found = tekun(household([FATHER, unknown]))
    assert found[GRANDMOTHER]["supporter_check_pending"] is True


def test_an_unlinked_supporter_counts_for_everyone_as_version_1_recorded():
    father_v1 = {k: v for k, v in FATHER.items() if k != "obliged_to"}
    assert tekun(household([father_v1], version=1)) == {}
    assert tekun(household([father_v1], version=2)) == {}
    problems = validate(household([father_v1]), reference=REF)
    assert any(p.path == "supporters[0].obliged_to" and p.severity == "warning" for p in problems)


def test_a_link_to_a_member_no_longer_in_the_household_is_an_error():
    gone = dict(FATHER, obliged_to=[BOY, uid(4242)])
    problems = validate(household([gone]), reference=REF)
    bad = [p for p in problems if p.path == "supporters[0].obliged_to" and p.severity == "error"]
    assert bad and "已不在家庭成员中" in bad[0].message_zh


def test_v1_answers_upgrade_to_v2():
    v1, v2 = forms.load_form("four_clarifications", 1), forms.load_form("four_clarifications", 2)
    father_v1 = {k: v for k, v in FATHER.items() if k != "obliged_to"}
    three = household([father_v1], version=1)["answers"]
    up = upgrade_answers(three, [v1, v2])
    assert up["supporters"] == [father_v1]  # several members: who he is obliged to is for the visitor to say
    assert not [p for p in validate({**household([]), "answers": up}, reference=REF) if p.severity == "error"]
    alone = dict(three, members=three["members"][:1])
    up = upgrade_answers(alone, [v1, v2])
    assert up["supporters"] == [dict(father_v1, obliged_to=[GRANDMOTHER])]  # one member: the only possible link
    assert alone["supporters"] == [father_v1]  # the v1 answers themselves are not changed
