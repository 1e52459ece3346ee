"""Print actions appear when the printouts package is installed and write a real PDF, audited."""

from pypdf import PdfReader

from tests.ui.helpers import open_household, unlock


def test_print_visit_record_of_open_household(services_factory, window_factory, qtbot, tmp_path):
    svc = services_factory(demo=True, households=8)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    tab = open_household(w, hid)
    assert tab.print_button.isVisible() and tab.print_actions["consent"].text() == "家庭经济状况核对授权书"
    out = tmp_path / "record.pdf"
    tab.print_document("visit_record", str(out))
    qtbot.waitUntil(lambda: hasattr(tab, "printed"), timeout=60000)
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "入户调查记录" in text and tab.printed.pages >= 1
    assert any(e["action"] == "print" and e["entity_id"] == hid for e in svc.vault.audit_entries(limit=20))


def test_print_menu_opens_the_preview(services_factory, window_factory, qtbot):
    svc = services_factory(demo=True, households=4)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    tab = open_household(w, hid)
    tab.print_actions["visit_result"].trigger()  # no file asked for: the letter opens in the preview
    qtbot.waitUntil(lambda: getattr(tab, "preview_dialog", None) is not None, timeout=60000)
    dlg = tab.preview_dialog
    assert dlg.isVisible() and dlg.page_label.text() == f"第 1 页，共 {tab.printed.pages} 页"
    assert tab.printed.data[:5] == b"%PDF-"
    dlg.reject()  # closing releases pdfium's document


def _preview(tab, qtbot, kind="visit_result"):
    before = getattr(tab, "preview_dialog", None)
    tab.print_actions[kind].trigger()
    qtbot.waitUntil(lambda: getattr(tab, "preview_dialog", None) not in (None, before), timeout=60000)
    return tab.preview_dialog, tab.printed.documents[0].serial


def test_a_closed_preview_uses_no_serial_and_a_stale_one_is_refused(services_factory, window_factory, qtbot, tmp_path):
    """文号 on a preview are used only when it is printed or saved; never issued twice."""
    from PySide6.QtWidgets import QMessageBox

    svc = services_factory(demo=True, households=4)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = next(r.household_id for r in w.model.rows() if r.visit_status == "done")
    tab = open_household(w, hid)
    first, serial = _preview(tab, qtbot)
    first.reject()  # looked at, not printed
    second, again = _preview(tab, qtbot)
    assert again == serial  # the closed preview used no number
    saved = tmp_path / "letter.pdf"
    with qtbot.waitSignal(second.saved, timeout=20000) as blocker:
        assert second.save_pdf(str(saved)) is None      # the 文号 are committed on the writer first
    assert blocker.args == [str(saved)]
    assert serial in "".join("".join(p.extract_text().split()) for p in PdfReader(saved).pages)
    second.reject()
    third, next_serial = _preview(tab, qtbot)
    assert next_serial != serial  # saved: the number is used, the next preview takes the next one
    # Another job issues third's number while third is still open: third must not print it again.
    other = svc.print_household("visit_result", hid, None)
    assert other.documents[0].serial == next_serial
    svc.commit_print_serials(other.held_serials)
    stale = tmp_path / "stale.pdf"
    assert third.save_pdf(str(stale)) is None
    qtbot.waitUntil(lambda: third.findChild(QMessageBox, "errorBox") is not None, timeout=20000)
    assert not stale.exists()
    box = third.findChild(QMessageBox, "errorBox")
    assert box is not None and "文号" in box.text() and "重新生成" in box.text()
    box.close()
    third.reject()
