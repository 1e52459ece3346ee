"""Switching the language switches the whole UI: Qt texts via QTranslator, form labels from the definition."""

from PySide6.QtCore import Qt

from tests.ui.helpers import open_household, unlock, start_new_visit


def test_switch_to_english_and_back(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=10)
    w = window_factory(svc)
    unlock(w, qtbot)
    tab = open_household(w, w.list_page.proxy.household_id(0))
    if tab.editor.read_only:
        start_new_visit(tab, qtbot)
    ed = tab.editor
    assert w.file_menu.title() == "文件" and ed.final_button.text() == "完成走访"

    w.apply_settings({"language": "en", "auto_lock_minutes": 10})
    qtbot.waitUntil(lambda: w.file_menu.title() == "File", timeout=3000)  # LanguageChange is delivered as an event

    assert w.file_menu.title() == "File" and w.lock_action.text() == "Lock"
    assert w.tabs.tabText(0) == "Households" and w.tabs.tabText(1) == "Coverage"
    assert w.model.headerData(0, Qt.Horizontal) == "Head"
    assert w.list_page.needs.text() == "Has open needs"
    assert ed.final_button.text() == "Finish visit" and ed.save_button.text() == "Save (Ctrl+S)"
    assert ed.sections.tabText(1).startswith("1. Household basics")  # from the form definition's English
    assert ed.fields["visit_date"].label.text().startswith("Visit date")
    assert ed.repeats["members"].add_button.text() == "Add"
    cat = next(r for r in w.model.rows() if "dibao_a" in r.categories)
    src = w.model.row_for(cat.household_id)
    assert "Dibao class A" in w.model.data(w.model.index(src, 4))
    assert tab.inner.tabText(1) == "Visits and changes"
    assert svc.load_settings()["language"] == "en"  # remembered for the next start

    w.lock()
    assert w.unlock_page.button.text() == "Unlock" and w.unlock_page.pass_label.text() == "Passphrase"

    w.apply_settings({"language": "zh"})
    qtbot.waitUntil(lambda: w.unlock_page.button.text() == "解锁", timeout=3000)
    assert w.unlock_page.button.text() == "解锁" and w.file_menu.title() == "文件"
