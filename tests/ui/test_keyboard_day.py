"""A whole visit from the keyboard alone, in form order: from the search box to 完成走访.

Every step sends key events to whatever widget has the keyboard (Chinese text arrives as an
input-method commit, as from a real IME); nothing is set on a widget directly. The saved record
is read back from the real SQLCipher vault.
"""

import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QMessageBox

from forms.expressions import local_today
from forms.idnumber import check_char
from tests.ui.helpers import unlock

VILLAGE = "330110101001"  # a real-shaped county (330110), not the demo county


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


HEAD_ID = with_check("33011019780315201")  # sequence 201: odd → male, born 1978-03-15
SPOUSE_ID = with_check("33011019800720202")  # even → female


def focused():
    return QApplication.focusWidget()


def key(k, mods=Qt.NoModifier):
    w = focused()
    assert w is not None, "the keyboard went nowhere"
    QTest.keyClick(w, k, mods)


def type_in(text: str):
    """Type into the focused widget: ASCII key by key, Chinese as an input-method commit."""
    w = focused()
    if text.isascii():
        QTest.keyClicks(w, text)
        return
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(w, event)


def tab_to(target, limit: int = 40) -> int:
    """Press Tab until ``target`` has the keyboard; the number of presses (fails if unreachable)."""
    for n in range(limit + 1):
        if focused() is target:
            return n
        key(Qt.Key_Tab)
    raise AssertionError(f"Tab never reached {target.objectName()} (stuck on {focused().objectName()!r})")


def backtab_to(target, limit: int = 40) -> int:
    """Press Shift+Tab until ``target`` has the keyboard."""
    for n in range(limit + 1):
        if focused() is target:
            return n
        key(Qt.Key_Backtab, Qt.ShiftModifier)
    raise AssertionError(f"Shift+Tab never reached {target.objectName()} (stuck on {focused().objectName()!r})")


def pick(code):
    """In the focused combo box, press Home, then Down until the option ``code`` is shown."""
    combo = focused()
    assert isinstance(combo, QComboBox)
    if combo.currentData() != code:
        key(Qt.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == code:
            return
        key(Qt.Key_Down)
    assert combo.currentData() == code, code


def answer_boxes_after_modal(qtbot, keys=(Qt.Key_Return,)):
    """Answer the next modal dialog with keys (it is opened by a blocking call)."""
    def press():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(50, press)
            return
        for k in keys:
            QTest.keyClick(box.focusWidget() or box, k)
    QTimer.singleShot(50, press)


def seed_household(svc) -> str:
    """A household known only by its village (as a roster line gives it): no visit recorded yet."""
    svc.unlock("张三", "correct horse 42")
    visit = svc.new_visit({"id": str(uuid.uuid4()), "fields": {}})
    visit["answers"]["village_code"] = VILLAGE
    svc.save_visit(visit, final=False)
    svc.lock()
    return visit["household_id"]


def test_a_whole_visit_from_the_keyboard(services_factory, window_factory, qtbot):
    svc = services_factory()
    hid = seed_household(svc)
    w = window_factory(svc)
    unlock(w, qtbot)

    # The search box: Down goes to the list, Enter opens the household.
    w.list_page.search.setFocus()
    qtbot.waitUntil(lambda: focused() is w.list_page.search, timeout=3000)
    key(Qt.Key_Down)
    assert focused() is w.list_page.table
    assert w.list_page.proxy.household_id(w.list_page.table.currentIndex().row()) == hid
    key(Qt.Key_Return)
    tab = w.tabs.currentWidget()
    assert getattr(tab, "household_id", None) == hid
    ed = tab.editor
    assert not ed.read_only

    # Section 走访信息: the keyboard starts in 走访日期 (today), no Tab needed.
    assert focused() is ed.fields["visit_date"].input
    assert ed.fields["visit_date"].input.text() == local_today().isoformat()
    key(Qt.Key_Tab)
    type_in("09:30")
    key(Qt.Key_Return)  # Enter moves on like Tab
    assert focused() is ed.fields["visitors"].input
    type_in("王芳、赵强")
    key(Qt.Key_Tab)
    type_in("刘建国")
    assert tab_to(ed.fields["remarks"].input) == 2
    type_in("户主在家")
    key(Qt.Key_Tab)  # from 备注 to the buttons, never into the policy panel
    assert focused() in (ed.prev_button, ed.next_button, ed.save_button, ed.final_button)
    key(Qt.Key_PageDown, Qt.ControlModifier)

    # Section 一: household basics, then the members table and its row editor.
    assert ed.sections.currentIndex() == 1
    assert focused() is ed.fields["village_code"].input
    key(Qt.Key_Tab)
    pick("rural")
    key(Qt.Key_Tab)
    type_in("仓前街道葛巷村5组18号")
    key(Qt.Key_Tab)
    type_in("13905710000")
    key(Qt.Key_Tab)
    pick("agricultural")
    key(Qt.Key_Tab)
    assert isinstance(focused(), QCheckBox) and focused().property("code") == "dibao_a"
    key(Qt.Key_Space)  # 低保（A类）
    members = ed.repeats["members"]
    tab_to(members.add_button)  # through the other check boxes and 是否建档立卡户
    key(Qt.Key_Space)
    assert members.current_row() == 0 and focused() is members.fields["name"].input
    type_in("刘建国")
    key(Qt.Key_Tab)
    type_in(HEAD_ID)
    tab_to(members.fields["relation"].input)
    pick("head")
    tab_to(members.fields["labour_capacity"].input)
    pick("full")
    key(Qt.Key_Return, Qt.ControlModifier)  # Ctrl+Enter: the next member
    assert members.current_row() == 1 and focused() is members.fields["name"].input
    type_in("陈秀英")
    key(Qt.Key_Tab)
    type_in(SPOUSE_ID)
    tab_to(members.fields["relation"].input)
    pick("spouse")
    tab_to(members.fields["health"].input)
    pick("serious_illness")
    qtbot.waitUntil(members.fields["illness_type"].isVisible, timeout=3000)  # skip logic: 重病病种 appears
    key(Qt.Key_Tab)
    assert focused() is members.fields["illness_type"].input
    type_in("尿毒症")
    # Back in the table, Up/Down choose a row and Enter edits it; Ctrl+Tab leaves the table.
    backtab_to(members.table)
    key(Qt.Key_Up)
    assert members.current_row() == 0
    key(Qt.Key_Return)
    assert focused() is members.fields["name"].input and members.fields["name"].input.text() == "刘建国"
    backtab_to(members.table)
    key(Qt.Key_Tab, Qt.ControlModifier)
    supporters = ed.repeats["supporters"]
    assert focused() is supporters.add_button
    key(Qt.Key_PageDown, Qt.ControlModifier)

    # Section 二 starts with a table: its 添加 has the keyboard.
    assert ed.sections.currentIndex() == 2
    incomes = ed.repeats["incomes"]
    assert focused() is incomes.add_button
    key(Qt.Key_Space)
    pick("wages")
    key(Qt.Key_Tab)
    type_in("1200")
    key(Qt.Key_Tab)  # 说明 — then out of the table to the next question
    key(Qt.Key_Tab)
    assert focused() is ed.repeats["expenses"].add_button
    tab_to(ed.fields["housing_type"].input)
    pick("self_built")
    tab_to(ed.fields["assets_meet_rules"].input)
    pick("yes")
    key(Qt.Key_PageDown, Qt.ControlModifier)
    assert ed.sections.currentIndex() == 3
    key(Qt.Key_PageDown, Qt.ControlModifier)

    # Section 四: one need, referred to housing.
    assert ed.sections.currentIndex() == 4
    needs = ed.repeats["needs"]
    assert focused() is needs.add_button
    key(Qt.Key_Space)
    pick("housing")
    key(Qt.Key_Tab)
    type_in("屋顶漏雨")
    key(Qt.Key_Tab)
    pick("referred")
    qtbot.waitUntil(needs.fields["department"].isVisible, timeout=3000)
    key(Qt.Key_Tab)
    assert focused() is needs.fields["department"].input
    pick("housing")

    # 完成走访 from the keyboard; the confirmation is answered with Enter (Yes).
    tab_to(ed.final_button, limit=20)
    answer_boxes_after_modal(qtbot)
    with qtbot.waitSignal(ed.saved, timeout=15000) as saved:
        key(Qt.Key_Space)
    assert saved.args == ["final"]
    assert not [b for b in w.findChildren(QMessageBox) if b.isVisible()]

    record = svc.vault.get_visit(ed.visit["visit_id"], audit_view=False)
    a = record["answers"]
    assert record["status"] == "final"
    assert a["visit_date"] == local_today().isoformat() and a["visit_time"] == "09:30"
    assert a["visitors"] == ["王芳", "赵强"] and a["representative"] == "刘建国" and a["remarks"] == "户主在家"
    assert (a["area_type"], a["address"], a["phone"], a["hukou_type"]) == \
        ("rural", "仓前街道葛巷村5组18号", "13905710000", "agricultural")
    assert a["categories"] == ["dibao_a"]
    assert [(m["name"], m["id_number"], m["relation"], m["sex"]) for m in a["members"]] == \
        [("刘建国", HEAD_ID, "head", "male"), ("陈秀英", SPOUSE_ID, "spouse", "female")]
    assert a["members"][0]["labour_capacity"] == "full" and a["members"][0]["birth_date"] == "1978-03-15"
    assert a["members"][1]["health"] == "serious_illness" and a["members"][1]["illness_type"] == "尿毒症"
    assert [(i["source"], i["amount_fen"]) for i in a["incomes"]] == [("wages", 120000)]
    assert (a["housing_type"], a["assets_meet_rules"]) == ("self_built", "yes")
    [need] = a["needs"]
    assert (need["category"], need["description"], need["disposition"], need["department"]) == \
        ("housing", "屋顶漏雨", "referred", "housing")


def test_after_a_dialog_closes_the_keyboard_is_back_and_ctrl_l_locks(  # regression guard (offscreen)
        services_factory, window_factory, qtbot):
    svc = services_factory()
    hid = seed_household(svc)
    w = window_factory(svc)
    unlock(w, qtbot)
    w.open_household(hid)
    ed = w.tabs.currentWidget().editor
    assert focused() is ed.fields["visit_date"].input
    from fieldapp.ui.errors import show_error

    show_error(w, ValueError("测试"))
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    QTest.keyClick(box, Qt.Key_Escape)  # the user closes it from the keyboard
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: focused() is not None and focused().window() is w, timeout=3000)
    assert focused() is ed.fields["visit_date"].input  # where the user was
    with qtbot.waitSignal(w.locked, timeout=10000):
        key(Qt.Key_L, Qt.ControlModifier)
