"""The mouse wheel scrolls and never changes an answer; messages don't move the fields; the ID box shows 18 digits."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox

from forms.idnumber import check_char
from tests.ui.helpers import open_household, type_text, unlock, start_new_visit


def wheel(widget, steps: int = -3) -> None:
    """A real wheel event over the middle of ``widget`` (negative = scroll down), as a touchpad sends it."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    glob = QPointF(widget.mapToGlobal(pos.toPoint()))
    for _ in range(abs(steps)):
        ev = QWheelEvent(pos, glob, QPoint(0, 0), QPoint(0, 120 if steps > 0 else -120), Qt.NoButton,
                         Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(widget, ev)


def editor(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=6)
    w = window_factory(svc)
    unlock(w, qtbot)
    tab = open_household(w, w.list_page.proxy.household_id(0))
    if tab.editor.read_only:
        start_new_visit(tab, qtbot)
    return svc, tab.editor


def test_the_wheel_over_unfocused_fields_scrolls_and_changes_nothing(services_factory, window_factory, qtbot):
    _svc, ed = editor(services_factory, window_factory, qtbot)
    ed.go_section(2)  # 二、家庭经济状况: the long page of the trial
    scroll = ed.sections.currentWidget()
    ed.set_answer("housing_type", "borrowed")
    ed.set_answer("assets_meet_rules", "yes")
    ed.recheck()
    before = dict(ed.answers())
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0  # the page is longer than the screen
    bar.setValue(0)
    ed.next_button.setFocus()
    combos = [f.input for f in ed.fields.values() if isinstance(f.input, QComboBox) and f.isVisible()]
    assert {ed.fields["housing_type"].input, ed.fields["assets_meet_rules"].input} <= set(combos)
    positions = []
    for combo in combos:
        scroll.ensureWidgetVisible(combo)
        start = bar.value()
        wheel(combo, -2)
        positions.append((start, bar.value()))
        assert not combo.hasFocus()
    assert ed.answers() == before  # 借住 stays 借住, 是 stays 是: R3 does not flip
    assert ed.fields["housing_type"].value() == "borrowed" and ed.fields["assets_meet_rules"].value() == "yes"
    assert any(after > start for start, after in positions if start < bar.maximum())  # the page scrolled instead
    # Even a focused combo is not changed by the wheel (only keys, clicks and the open list change it).
    combo = ed.fields["housing_type"].input
    combo.setFocus()
    wheel(combo, -3)
    assert ed.fields["housing_type"].value() == "borrowed"
    # The same for the combos in a table's row editor.
    members = ed.repeats["members"]
    ed.go_section(-1)
    members.select_row(0)
    relation = members.fields["relation"].input
    was = relation.currentData()
    wheel(relation, -3)
    wheel(relation, 3)
    assert relation.currentData() == was and ed.answers() == before


def test_a_message_appearing_does_not_move_the_fields_below(services_factory, window_factory, qtbot):
    _svc, ed = editor(services_factory, window_factory, qtbot)
    members = ed.repeats["members"]
    ed.go_section(1)
    members.select_row(0)
    id_field = members.fields["id_number"]
    below = members.fields["relation"]
    qtbot.waitUntil(lambda: below.isVisible(), timeout=3000)
    id_field.input.clear()
    type_text(qtbot, id_field.input, "11010519491231002X")
    ed.recheck()
    QApplication.processEvents()
    assert not id_field.has_message()
    y_before = below.mapTo(ed, QPoint(0, 0)).y()
    id_field.input.clear()
    type_text(qtbot, id_field.input, "110105194912310021")  # wrong check character
    ed.recheck()
    QApplication.processEvents()
    assert id_field.has_message() and "校验" in id_field.message.text()
    assert below.mapTo(ed, QPoint(0, 0)).y() == y_before
    id_field.input.clear()
    type_text(qtbot, id_field.input, "11010519491231002X")
    ed.recheck()
    QApplication.processEvents()
    assert not id_field.has_message() and below.mapTo(ed, QPoint(0, 0)).y() == y_before


def test_the_id_number_box_shows_all_18_characters(services_factory, window_factory, qtbot):
    _svc, ed = editor(services_factory, window_factory, qtbot)
    ed.go_section(1)
    members = ed.repeats["members"]
    members.select_row(0)
    box = members.fields["id_number"].input
    number = "33011019780315201" + check_char("33011019780315201")
    box.setText(number)
    box.setCursorPosition(len(number))  # typed to the end: the first digit must still be visible
    QApplication.processEvents()
    needed = box.fontMetrics().horizontalAdvance(number)
    assert box.width() - 12 >= needed
    assert box.cursorRect().right() < box.width()
