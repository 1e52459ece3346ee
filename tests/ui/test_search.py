"""Instant search in the household list: Chinese name fragments, address fragments, ID numbers."""

from fieldapp.vault.projection import head_of, members_of
from tests.ui.helpers import unlock


def _type_and_wait(w, qtbot, text):
    box = w.list_page.search
    box.setText(text)  # Chinese can't go through keyClicks; setText fires textChanged like typing
    qtbot.waitUntil(lambda: w.list_page.current_filter().household_ids is not None, timeout=10000)


def test_search_by_name_fragment_address_and_id_number(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=60)
    w = window_factory(svc)
    unlock(w, qtbot)
    assert w.list_page.proxy.rowCount() == 60
    hid = w.list_page.proxy.household_id(5)
    h = svc.vault.get_household(hid, audit_view=False)
    head = head_of(members_of(h["fields"]))

    _type_and_wait(w, qtbot, head["name"][1:])  # given name only: a 1–2 character fragment
    shown = [w.list_page.proxy.household_id(r) for r in range(w.list_page.proxy.rowCount())]
    assert hid in shown and len(shown) < 60
    assert set(shown) == set(svc.search(head["name"][1:]))  # exactly the vault's answer, any member's name

    w.list_page.search.clear()
    qtbot.waitUntil(lambda: w.list_page.proxy.rowCount() == 60, timeout=5000)

    _type_and_wait(w, qtbot, head["id_number"])
    assert [w.list_page.proxy.household_id(r) for r in range(w.list_page.proxy.rowCount())] == [hid]
    # The full number was searched, yet the list shows it masked.
    shown_id = w.list_page.proxy.data(w.list_page.proxy.index(0, 1))
    assert "*" in shown_id and shown_id != head["id_number"] and shown_id[-4:] == head["id_number"][-4:]

    address_part = h["fields"]["address"][-6:]
    w.list_page.search.setText("")
    qtbot.waitUntil(lambda: w.list_page.proxy.rowCount() == 60, timeout=5000)
    _type_and_wait(w, qtbot, address_part)
    shown = [w.list_page.proxy.household_id(r) for r in range(w.list_page.proxy.rowCount())]
    assert hid in shown
    for r in range(len(shown)):
        assert address_part in w.list_page.proxy.data(w.list_page.proxy.index(r, 3))


def test_filters_combine_with_search_and_count_label(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=60)
    w = window_factory(svc)
    unlock(w, qtbot)
    page = w.list_page
    village = page.village.itemData(1)
    page.village.setCurrentIndex(1)
    expected = sum(1 for r in w.model.rows() if r.village_code == village)
    assert page.proxy.rowCount() == expected and f"显示 {expected} / 共 60 户" == page.count.text()
    page.status.setCurrentIndex(page.status.findData("done"))
    assert page.proxy.rowCount() == sum(1 for r in w.model.rows() if r.village_code == village and r.visit_status == "done")
