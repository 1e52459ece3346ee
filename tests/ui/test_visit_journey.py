"""Record a whole visit through the real editor: members, income, benefits, needs, then finalise."""

from PySide6.QtWidgets import QMessageBox

from forms.idnumber import check_char
from tests.ui.helpers import choose, open_household, type_text, unlock, start_new_visit

NEW_ID_17 = "11010519800101123"  # sequence 123: odd → male
NEW_ID = NEW_ID_17 + check_char(NEW_ID_17)


def test_record_full_visit_to_finalisation(services_factory, window_factory, qtbot, monkeypatch):
    svc = services_factory(demo=True, households=30)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = w.list_page.proxy.household_id(0)
    tab = open_household(w, hid)
    if tab.editor.read_only:
        start_new_visit(tab, qtbot)
    ed = tab.editor
    before_members = len(ed.repeats["members"].rows)

    # Section 0: visit information — the visitors are required, two of them to finalise.
    type_text(qtbot, ed.fields["visitors"].input, "王芳")
    ed.recheck()
    assert any(p.path == "visitors" and p.severity == "error" for p in ed.problems)
    assert ed.fields["visitors"].message.isVisible() and "至少需要 2" in ed.fields["visitors"].message.text()
    type_text(qtbot, ed.fields["visitors"].input, "、赵强")
    type_text(qtbot, ed.fields["representative"].input, "户主本人")

    # Section 1: add a member by ID number; sex, birth date and age follow from it.
    ed.go_section(1)
    members = ed.repeats["members"]
    members.add_row()
    assert members.current_row() == before_members
    type_text(qtbot, members.fields["name"].input, "钱多多")
    type_text(qtbot, members.fields["id_number"].input, NEW_ID)
    choose(members.fields["relation"].input, "grandchild")
    choose(members.fields["health"].input, "serious_illness")
    ed.recheck()
    assert members.fields["sex"].value() == "male"
    assert members.fields["birth_date"].value() == "1980-01-01"
    assert members.fields["age"].value() >= 45
    assert members.fields["illness_type"].isVisible()  # skip logic: shown only for a serious illness
    choose(members.fields["health"].input, "healthy")
    ed.recheck()
    assert not members.fields["illness_type"].isVisible()
    # A wrong check character is reported next to the field, in Chinese.
    members.fields["id_number"].input.clear()
    type_text(qtbot, members.fields["id_number"].input, NEW_ID_17 + ("0" if NEW_ID[-1] != "0" else "1"))
    ed.recheck()
    assert members.fields["id_number"].message.isVisible() and "校验" in members.fields["id_number"].message.text()
    members.fields["id_number"].input.clear()
    type_text(qtbot, members.fields["id_number"].input, NEW_ID)

    # Section 2: income in yuan with two decimals, stored as fen.
    ed.go_section(1)
    incomes = ed.repeats["incomes"]
    incomes.add_row()
    choose(incomes.fields["source"].input, "wages")
    type_text(qtbot, incomes.fields["amount_fen"].input, "1234.5")

    # Section 3: a benefit; section 4: a need.
    ed.go_section(1)
    benefits = ed.repeats["benefits"]
    benefits.add_row()
    choose(benefits.fields["type"].input, "medical")
    type_text(qtbot, benefits.fields["amount_fen"].input, "300")
    choose(benefits.fields["period"].input, "one_off")
    ed.go_section(1)
    needs = ed.repeats["needs"]
    needs.add_row()
    choose(needs.fields["category"].input, "housing")
    needs.fields["description"].input.setPlainText("屋顶漏雨，需要危房改造")
    choose(needs.fields["disposition"].input, "referred")
    ed.recheck()
    assert needs.fields["department"].isVisible()
    choose(needs.fields["department"].input, "housing")
    ed.recheck()
    assert ed.assessment is not None and ed.panel.suggestion_texts()  # the live panel shows suggestions

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    errors = [p for p in ed.problems if p.severity == "error"]
    assert not errors, [(p.path, p.message_zh) for p in errors]
    with qtbot.waitSignal(ed.saved, timeout=10000):
        assert ed.finalise()

    # What is on disk: a final visit with the typed answers, money in fen, the derived fields.
    h = svc.vault.get_household(hid, audit_view=False)
    visit = svc.vault.get_visit(h["visits"][0]["id"], audit_view=False)
    a = visit["answers"]
    assert visit["status"] == "final" and a["visitors"] == ["王芳", "赵强"]
    new = [m for m in a["members"] if m.get("id_number") == NEW_ID][0]
    assert (new["name"], new["sex"], new["birth_date"], new["relation"]) == ("钱多多", "male", "1980-01-01", "grandchild")
    assert {"source": "wages", "amount_fen": 123450}.items() <= [i for i in a["incomes"] if i.get("source") == "wages"][-1].items()
    assert any(b["type"] == "medical" and b["amount_fen"] == 30000 for b in a["benefits"])
    need = [n for n in a["needs"] if n.get("description") == "屋顶漏雨，需要危房改造"][0]
    assert need["disposition"] == "referred" and need["department"] == "housing" and len(need["need_id"]) == 36
    # The list row was updated in place and the tab now shows the finished visit read-only.
    row = w.model.rows()[w.model.row_for(hid)]
    assert row.visit_status == "done"
    assert tab.editor.read_only and tab.amend_button.isVisible()


def test_finalise_refused_with_one_visitor(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=10)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = w.list_page.proxy.household_id(0)
    tab = open_household(w, hid)
    if tab.editor.read_only:
        start_new_visit(tab, qtbot)
    ed = tab.editor
    type_text(qtbot, ed.fields["visitors"].input, "王芳")
    assert not ed.finalise(confirm=False)
    box = ed.findChild(QMessageBox, "finaliseRefused")
    assert box is not None and "走访人员" in box.text()
    assert svc.vault.get_household(hid, audit_view=False)["visits"][0]["id"] != ed.visit["visit_id"]
