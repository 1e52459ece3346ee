"""新增户 (主动发现) on a real county's laptop, and the policy panel with no reference data at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fieldapp.services import Services
from sync.server.areas import read_division_file
from tests import county
from tests.publishkit import receive
from tests.ui.helpers import PASSPHRASE, unlock

# The grabs are saved on every run (a window that cannot be grabbed fails); into docs/screenshots only
# with FIELDAPP_WRITE_SCREENSHOTS=1, so that a test run leaves the checkout clean.
SHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("FIELDAPP_WRITE_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / f"fieldapp-ui-screenshots-{os.getpid()}")


def visitor_laptop(tmp_path, fast_kdf) -> Services:
    """A visitor laptop of 城关镇 (东街社区, 柏树村) that received the county's area names but no reference data."""
    svc = Services(tmp_path / "laptop", kdf=fast_kdf)
    svc.create_vault("王芳", PASSPHRASE)
    svc.unlock("王芳", PASSPHRASE)
    rows = read_division_file(county.AREAS_CSV)
    receive(svc.vault, "areas", county.COUNTY, {"format": "fieldapp.areas", "county_code": county.COUNTY,
                                                "areas": [{"code": r.code, "name": r.name, "level": r.level,
                                                           "area_type": r.area_type} for r in rows]})
    svc.vault.set_sync_state("township_code", county.CHENGGUAN)
    svc.vault.set_sync_state("villages", json.dumps([county.DONGJIE, county.BAISHU]))
    svc.lock()
    return svc


def fill(dialog, village: str, name: str, number: str) -> None:
    dialog.village.setCurrentIndex(dialog.village.findData(village))
    dialog.head_name.setText(name)
    dialog.id_number.setText(number)


def test_a_visitor_creates_a_household_found_at_the_door_and_a_second_one_is_not_made(tmp_path, fast_kdf, qtbot,
                                                                                      window_factory):
    svc = visitor_laptop(tmp_path, fast_kdf)
    w = window_factory(svc)
    unlock(w, qtbot)
    head_id = county.id_number("19620418", 23)
    shots = {}

    def first(dialog):
        assert [dialog.village.itemText(i) for i in range(dialog.village.count())] == [
            "东街社区（510123001001）", "柏树村（510123001201）"]
        fill(dialog, county.BAISHU, "李秀英", head_id[:-1] + ("0" if head_id[-1] != "0" else "1"))
        assert "校验位" in dialog.id_hint.text()          # a mistyped last character is caught as it is typed
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.id_number.setText(head_id)
        assert "1962-04-18" in dialog.id_hint.text() and "女" not in dialog.id_hint.text()
        dialog.address.setText("柏树村三组 12 号")
        dialog.show()
        qtbot.waitExposed(dialog)
        shots["dialog"] = dialog.grab()
        dialog.create()

    with qtbot.waitSignal(w.changed, timeout=10000) as changed:
        w.new_household(first)
    qtbot.waitUntil(lambda: hasattr(w.tabs.currentWidget(), "household_id"), timeout=10000)
    assert changed.args[0].households == {w.tabs.currentWidget().household_id}
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert shots["dialog"].save(str(SHOTS / "ui-new-household.png"))
    tab = w.tabs.currentWidget()
    hid = tab.household_id
    row = svc.household_row(hid)
    assert (row.head_name, row.village_code, row.village_name, row.visit_status) == ("李秀英", county.BAISHU, "柏树村", "draft")
    assert row.id_masked.startswith("510123") and "*" in row.id_masked
    members = tab.editor.current_visit()["answers"]["members"]
    assert members[0]["name"] == "李秀英" and members[0]["relation"] == "head"
    assert tab.editor.current_visit()["answers"]["area_type"] == "rural"  # from the county's area table
    assert svc.vault.pending_count() >= 1  # it goes to the server at the next sync

    def again(dialog):  # the same person found again by a colleague: the existing household opens
        fill(dialog, county.DONGJIE, "李秀英", head_id.lower())
        dialog.create()

    w.new_household(again)
    qtbot.waitUntil(lambda: w.new_household_dialog.existing, timeout=10000)
    assert w.tabs.currentWidget().household_id == hid
    assert len(svc.household_rows()) == 1


def test_the_panel_without_reference_data_explains_and_still_shows_r11(tmp_path, fast_kdf, qtbot, window_factory):
    svc = visitor_laptop(tmp_path, fast_kdf)
    w = window_factory(svc)
    unlock(w, qtbot)
    hid = svc.create_household(county.DONGJIE, "赵建国", county.id_number("19750102", 15), address="东街 8 号")
    visit = svc.open_household(hid)["latest"]
    visit.pop("meta", None)
    visit["answers"]["members"].append({"member_id": "00000000-0000-4000-8000-000000000077", "name": "赵小明",
                                        "id_number": county.id_number("20130509", 31), "relation": "child",
                                        "child_flags": ["no_guardian"]})
    visit["answers"]["incomes"] = [{"source": "wages", "amount_fen": 120000}]
    svc.save_visit(visit, final=False)
    w.model.update_row(svc.household_row(hid))
    w.open_household(hid)
    editor = w.tabs.currentWidget().editor
    assert "东街社区 东街 8 号" in w.tabs.currentWidget().header.text()   # the village by name before the address
    editor.reassess()
    texts = " ".join(editor.panel.suggestion_texts())
    assert "R11" in texts and "无人监护" in texts           # the child-protection alert never disappears
    assert "没有松林县（510123）在" in texts and "同步" in texts   # what is missing (by name) and what to do
    assert "收入分类未能进行" in texts
    assert "缺少本县低保标准" in editor.panel.headline.text()
    assert "演示" not in texts + editor.panel.headline.text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.wait(200)  # let the cards' layout settle before the grab
    assert w.tabs.currentWidget().grab().save(str(SHOTS / "ui-panel-no-reference.png"))


def test_printing_without_published_templates_names_what_is_missing(tmp_path, fast_kdf):
    from fieldapp.published import TemplatesMissing

    svc = visitor_laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    hid = svc.create_household(county.BAISHU, "周桂兰", county.id_number("19480921", 28), address="柏树村一组 1 号")
    try:
        svc.print_household("visit_result", hid, tmp_path / "letter.pdf")
        raise AssertionError("printing must stop without the county's templates")
    except TemplatesMissing as exc:
        assert "文书模板" in exc.message_zh and "文号规则" in exc.message_zh and "同步" in exc.hint_zh
    assert not (tmp_path / "letter.pdf").exists()
    assert svc.reference().is_empty and not svc.is_demo()  # nothing published, and no demo data stands in
    svc.lock()


def laptop_with_templates_only(tmp_path, fast_kdf):
    """The visitor laptop (unlocked) that received the county's letter templates but no reference data, with one
    household of 柏树村 visited on 2026-06-20."""
    svc = visitor_laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    receive(svc.vault, "templates", "letters", county.TEMPLATES)
    svc.published_changed()
    hid = svc.create_household(county.BAISHU, "周桂兰", county.id_number("19480921", 28), address="柏树村一组 1 号")
    visit = svc.open_household(hid)["latest"]
    visit.pop("meta", None)
    visit["answers"].update({"visit_date": "2026-06-20", "visitors": ["王芳", "李明"]})
    svc.save_visit(visit, final=True)
    return svc, hid


def test_printing_the_letter_from_the_household_says_what_is_missing(tmp_path, fast_kdf, qtbot, window_factory):
    from PySide6.QtWidgets import QMessageBox

    from tests.ui.helpers import open_household

    svc, hid = laptop_with_templates_only(tmp_path, fast_kdf)
    svc.lock()
    w = window_factory(svc)
    unlock(w, qtbot)
    tab = open_household(w, hid)
    tab.print_document("visit_result")
    qtbot.waitUntil(lambda: tab.findChild(QMessageBox, "errorBox") is not None, timeout=20000)
    text = tab.findChild(QMessageBox, "errorBox").text()
    assert "本机缺少：城关镇（510123001）的发文机关名称" in text and "社会救助服务热线" in text
    assert "请联网同步" in text and not hasattr(tab, "preview_dialog")


def test_a_letter_without_reference_data_names_what_is_missing_instead_of_printing_a_blank(tmp_path, fast_kdf):
    """Templates arrived but no reference data: the letter would name no office, no hotline and say "nothing to
    apply for" without the income rules having run — it is refused, naming each missing item; after the county's
    reference data arrives the same letter prints with the county's office and hotline."""
    from fieldapp.core.printing import LETTER_KINDS, LetterReferenceMissing
    from printouts.documents.letters import LETTER_KINDS as PRINTED_LETTERS
    from tests.pdftext import pdf_text

    assert LETTER_KINDS == PRINTED_LETTERS  # every letter kind is checked

    svc, hid = laptop_with_templates_only(tmp_path, fast_kdf)
    for print_it in (lambda: svc.print_household("visit_result", hid, tmp_path / "letter.pdf"),
                     lambda: svc.print_batch("visit_result", [hid], tmp_path / "letter.pdf")):
        try:
            print_it()
            raise AssertionError("a letter without the county's reference data must not print")
        except LetterReferenceMissing as exc:
            assert "城关镇（510123001）的发文机关名称" in exc.message_zh
            assert "松林县（510123）2026-06-20 适用的农村低保标准" in exc.message_zh
            assert "社会救助服务热线" in exc.message_zh and "同步" in exc.hint_zh
        assert not (tmp_path / "letter.pdf").exists()
    svc.print_household("consent", hid, tmp_path / "consent.pdf")  # the consent form needs none of these
    assert "周桂兰" in pdf_text(tmp_path / "consent.pdf")

    receive(svc.vault, "reference", "songlin", county.REFERENCE)
    svc.published_changed()
    svc.print_household("visit_result", hid, tmp_path / "letter.pdf")
    text = pdf_text(tmp_path / "letter.pdf")
    assert "松林县城关镇人民政府" in text and "0839-6123490" in text and "演示" not in text
    svc.lock()


def test_a_household_is_not_created_outside_the_laptops_villages_without_a_name_or_with_a_bad_id(tmp_path, fast_kdf):
    from fieldapp.households import HeadNameMissing, VillageNotOnLaptop
    from forms.errors import IdNumberError

    svc = visitor_laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    good = county.id_number("19700101", 13)
    for call, error, said in (
            (lambda: svc.create_household(county.HEBA, "孙立", good), VillageNotOnLaptop, "不在本机负责的范围内"),
            (lambda: svc.create_household(county.BAISHU, "  ", good), HeadNameMissing, "户主姓名"),
            (lambda: svc.create_household(county.BAISHU, "孙立", good[:-1] + ("1" if good[-1] != "1" else "2")),
             IdNumberError, "校验位")):
        try:
            call()
            raise AssertionError(f"{error.__name__} expected")
        except error as exc:
            assert said in exc.message_zh
    assert svc.household_rows() == [] and svc.vault.pending_count() == 0   # nothing was saved
    svc.lock()


def test_documents_this_version_cannot_read_are_said_and_the_laptop_goes_on(tmp_path, fast_kdf, qtbot,
                                                                                     window_factory):
    """The county's server is newer and published reference data and a form version in shapes this laptop cannot
    read: the laptop still unlocks, records visits with the form versions it has and shows R11; the panel says
    which documents cannot be used and what to do."""
    from tests.publishkit import as_json

    svc = visitor_laptop(tmp_path, fast_kdf)
    svc.unlock("王芳", PASSPHRASE)
    newer = as_json(county.REFERENCE)
    newer["dibao_standards"][0]["monthly_fen"] = {"amount": 81000, "unit": "fen"}   # a field of a later format
    receive(svc.vault, "reference", "songlin", newer)
    form = as_json(Path(__file__).resolve().parents[2] / "forms" / "definitions" / "four_clarifications.v2.yaml")
    form["version"] = 3
    form["sections"][0]["questions"].append({"id": "photo", "type": "photo", "scope": "visit",
                                             "label": {"zh": "照片", "en": "Photo"}})   # a type of a later app
    receive(svc.vault, "form", "four_clarifications", form, version=3)
    svc.published_changed()
    assert svc.reference().is_empty and "songlin" in svc.reference_problem().message_zh
    assert svc.form().version == 2   # the versions this app can read are used
    hid = svc.create_household(county.DONGJIE, "赵建国", county.id_number("19750102", 15), address="东街 8 号")
    visit = svc.open_household(hid)["latest"]
    visit.pop("meta", None)
    visit["answers"]["members"].append({"member_id": "00000000-0000-4000-8000-000000000078", "name": "赵小明",
                                        "id_number": county.id_number("20130509", 31), "relation": "child",
                                        "child_flags": ["dropout"]})
    visit["answers"]["visitors"] = ["王芳", "李明"]
    svc.save_visit(visit, final=True)                      # saving is not blocked by the document
    svc.lock()
    w = window_factory(svc)
    unlock(w, qtbot)
    w.open_household(hid)
    editor = w.tabs.currentWidget().editor
    editor.reassess()
    assert "R11" in " ".join(editor.panel.suggestion_texts())
    notice = editor.panel.notice.text()
    assert editor.panel.notice.isVisibleTo(editor.panel)
    assert "参考数据“songlin”第 1 版在本机无法使用" in notice and "升级" in notice
    assert "表单“four_clarifications”第 3 版在本机无法使用" in notice
