"""Form v2 in the editor: a supporter is linked to members by ticking their names; R5 follows per member."""

import uuid

from PySide6.QtCore import QPoint, Qt

from forms.idnumber import check_char
from tests.forms.test_r5_per_member import county_reference
from tests.ui.helpers import PASSPHRASE, open_household, type_text, unlock

VILLAGE = "330110101001"


def idn(first17):
    return first17 + check_char(first17)


def seed(svc) -> str:
    svc.unlock("张三", PASSPHRASE)
    visit = svc.new_visit({"id": str(uuid.uuid4()), "fields": {}})
    assert visit["form_version"] >= 2
    people = [("沈阿婆", idn("33011019480301022"), "head"), ("张小军", idn("33011020160405031"), "grandchild"),
              ("张小红", idn("33011020180506042"), "grandchild")]
    visit["answers"].update({
        "village_code": VILLAGE, "area_type": "rural", "address": "仓前街道葛巷村5组18号",
        "visitors": ["王芳", "赵强"], "assets_meet_rules": "yes",
        "members": [{"member_id": str(uuid.uuid4()), "name": n, "id_number": i, "relation": r,
                     "labour_capacity": "none", "has_income_source": "no"} for n, i, r in people]})
    svc.save_visit(visit, final=False)
    svc.lock()
    return visit["household_id"]


def test_ticking_the_grandchildren_keeps_the_grandmother_a_tekun_candidate(services_factory, window_factory, qtbot):
    svc = services_factory()
    svc._reference = county_reference()  # this county's published standards (how they arrive is not tested here)
    hid = seed(svc)
    w = window_factory(svc)
    unlock(w, qtbot)
    ed = open_household(w, hid).editor
    ed.go_section(1)
    supporters = ed.repeats["supporters"]
    supporters.add_row()
    type_text(qtbot, supporters.fields["name"].input, "张伟")
    type_text(qtbot, supporters.fields["relation"].input, "父亲")
    able = supporters.fields["able_to_support"].input
    able.setCurrentIndex(able.findData("yes"))
    ed.recheck()
    boxes = supporters.fields["obliged_to"].boxes
    assert [b.text() for b in boxes] == ["沈阿婆", "张小军", "张小红"]
    # Not linked yet: the editor asks for the link, and he counts for everyone (no candidate at all).
    assert "对哪些家庭成员负有义务" in supporters.fields["obliged_to"].message.text()
    ed.reassess()
    assert not ed.assessment.tekun_candidates
    for b in boxes[1:]:
        qtbot.mouseClick(b, Qt.LeftButton, pos=QPoint(8, b.height() // 2))  # on its box
    ed.recheck()
    ed.reassess()
    assert [c["member_index"] for c in ed.assessment.tekun_candidates] == [0]
    assert any("第 1 位成员" in t and "只对其他成员负有义务" in t for t in ed.panel.suggestion_texts())
    col = [q.id for q in supporters.columns].index("obliged_to")
    assert supporters.table.item(0, col).text() == "张小军、张小红"
    with qtbot.waitSignal(ed.saved, timeout=10000):
        ed.save()
    saved = svc.vault.get_visit(ed.visit["visit_id"], audit_view=False)
    members = saved["answers"]["members"]
    assert saved["form_version"] >= 2
    assert saved["answers"]["supporters"][0]["obliged_to"] == [members[1]["member_id"], members[2]["member_id"]]
