"""Smaller things from the day-of-visits trial: 转介日期 defaults to today, the panel title of a finished
visit, English without raw codes or Chinese separators, one term each for 登记码 and 密码."""

import re
from pathlib import Path

from forms.expressions import local_today
from forms.rules.people import r5_tekun
from tests.ui.helpers import choose, open_household, unlock, start_new_visit

UI = Path(__file__).resolve().parents[2] / "fieldapp"


def test_referring_a_need_fills_today_as_the_referral_date(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=6)
    w = window_factory(svc)
    unlock(w, qtbot)
    tab = open_household(w, w.list_page.proxy.household_id(0))
    if tab.editor.read_only:
        start_new_visit(tab, qtbot)
    ed = tab.editor
    ed.go_section(4)
    needs = ed.repeats["needs"]
    needs.add_row()
    choose(needs.fields["category"].input, "housing")
    choose(needs.fields["disposition"].input, "referred")
    ed.recheck()
    today = local_today().isoformat()
    assert needs.fields["referred_on"].isVisible() and needs.fields["referred_on"].input.text() == today
    assert needs.rows[-1]["referred_on"] == today
    # A date typed before choosing 转介 is kept.
    needs.add_row()
    needs.fields["referred_on"].set_value("2026-01-05")
    needs._field_edited(needs.fields["referred_on"].question, needs.fields["referred_on"])
    choose(needs.fields["disposition"].input, "referred")
    assert needs.rows[-1]["referred_on"] == "2026-01-05"


def test_a_finished_visit_s_panel_does_not_claim_to_follow_typing(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=6)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    ed = open_household(w, hid).editor
    assert ed.read_only
    assert ed.panel.title.text() == "政策提示（按已保存的走访）"


def test_english_suggestions_have_no_raw_codes():
    class Facts:
        answers = {"supporters": []}
        members = [{"member_id": "m1", "age": 70, "labour_capacity": "none", "has_income_source": "no",
                    "disability_category": "physical", "disability_grade": 1}]

    [s] = r5_tekun(Facts())
    assert "severely disabled" in s.message_en and "severe_disability" not in s.message_en
    assert "、" not in s.message_en and "；" not in s.message_en


def test_one_term_for_the_enrollment_code_and_the_password():
    texts = "".join(p.read_text(encoding="utf-8") for p in UI.rglob("*.py"))
    assert "注册码" not in texts and "口令" not in texts
    assert "登记码" in texts and "密码" in texts
    assert not re.search(r"不会上传", texts)  # the demo syncs with its own embedded server
