"""The demo-data generator: deterministic, plausible, valid ID numbers, loads into a vault."""

from __future__ import annotations

import datetime as dt

from fieldapp import demo


def test_same_seed_same_households_other_seed_different():
    a, b, c = list(demo.generate(50, seed=1)), list(demo.generate(50, seed=1)), list(demo.generate(50, seed=2))
    assert a == b and a != c


def check_char(first17):
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def test_members_are_plausible():
    visit_day = dt.date(2026, 5, 12)
    for visit in demo.generate(500, seed=7, visit_date=visit_day):
        a = visit["answers"]
        assert a["village_code"] in {v[0] for v in demo.VILLAGES}
        assert a["categories"] and len(a["visitors"]) == 2
        members = a["members"]
        assert 1 <= len(members) <= 6 and members[0]["relation"] == "head"
        head_birth = dt.date.fromisoformat(members[0]["birth_date"])
        for m in members:
            n = m["id_number"]
            assert len(n) == 18 and n[-1] == check_char(n[:17]) and n[:6] == demo.COUNTY_CODE
            assert n[6:14] == m["birth_date"].replace("-", "")
            assert (int(n[16]) % 2 == 1) == (m["sex"] == "male")
            born = dt.date.fromisoformat(m["birth_date"])
            if m["relation"] == "child":
                assert born > head_birth
            if m["relation"] == "parent":
                assert born < head_birth
            if m.get("child_flags"):
                assert (visit_day - born).days < 18 * 366
        for key in ("incomes", "expenses", "benefits"):
            assert all(isinstance(x["amount_fen"], int) and x["amount_fen"] >= 0 for x in a[key])


def test_some_households_have_needs_disabilities_and_child_protection_cases():
    visits = list(demo.generate(2000, seed=3))
    members = [m for v in visits for m in v["answers"]["members"]]
    assert any(v["answers"]["needs"] for v in visits)
    assert any(m.get("disability_grade") for m in members)
    assert 0 < sum(1 for m in members if m.get("child_flags")) < 100


def test_demo_households_load_and_are_searchable(vault):
    visits = list(demo.generate(200, seed=11))
    assert vault.save_visits(visits, batch_size=64) == 200
    rows = vault.household_rows()
    assert len(rows) == 200
    name = visits[17]["answers"]["members"][0]["name"]
    assert visits[17]["household_id"] in [r[0] for r in vault.search_households(name[:2], limit=1000)]


def test_demo_visits_pass_the_form_engine():
    validation = __import__("pytest").importorskip("forms.validation")
    for visit in demo.generate(300, seed=21):
        problems = validation.validate(visit)
        assert problems == [], [p.message_en for p in problems]
