"""The county publishes a new form version (v3) while visits recorded with v2 exist: a real ``fieldapp-server``
process on 127.0.0.1, real SQLCipher vaults of 松林县 (510123), the real editor, real PDFs.

After the next sync the laptop records new visits with v3 (its new question on screen and stored),
visits recorded with v2 still open as recorded, both print, and both travel to the office laptop.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests import county
from tests.field.test_real_county import ROOT, county_server, laptop, pdf_text, record_first_visit, server_cli  # noqa: F401

V2 = ROOT / "forms" / "definitions" / "four_clarifications.v2.yaml"


def write_v3(path: Path) -> Path:
    """v2 plus one question (取暖方式) in the visit section, as a county would add it."""
    form = yaml.safe_load(V2.read_text(encoding="utf-8"))
    form["version"] = 3
    form.setdefault("option_lists", {})["heating"] = [
        {"code": "coal", "zh": "燃煤", "en": "Coal"}, {"code": "electric", "zh": "电取暖", "en": "Electric"},
        {"code": "none", "zh": "无取暖", "en": "No heating"}]
    visit_section = next(s for s in form["sections"] if s["id"] == "visit")
    visit_section["questions"].append({"id": "heating", "type": "single", "options": "heating", "scope": "visit",
                                       "label": {"zh": "冬季取暖方式", "en": "Winter heating"}})
    path.write_text(yaml.safe_dump(form, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_a_newly_published_form_version_is_used_and_old_visits_still_open(tmp_path, county_server, qtbot,
                                                                         window_factory):
    db, url = county_server
    a = laptop(tmp_path, db, url, "laptop_a", "王芳", "visitor", (county.DONGJIE, county.BAISHU))
    office = laptop(tmp_path, db, url, "office", "张经办", "office")
    a.sync()
    assert a.form().version == 2
    old = a.create_household(county.DONGJIE, "赵建国", county.id_number("19750102", 15), address="东街 8 号")
    record_first_visit(a, old, "2026-06-20", ["王芳", "村委会成员"], remarks="v2 记录的走访")
    old_visit = a.open_household(old)["latest"]
    assert old_visit["form_version"] == 2
    a.sync()

    published = server_cli(db, "publish", "form", str(write_v3(tmp_path / "four_clarifications.v3.yaml")))
    assert published
    report = a.sync()
    assert report is not None
    assert a.form().version == 3 and "heating" in a.form().questions

    # A new household's visit uses v3, with its new question; saved and finished.
    new = a.create_household(county.BAISHU, "钱秀兰", county.id_number("19680305", 22), address="柏树村二组 4 号")
    visit = a.open_household(new)["latest"]
    assert visit["form_version"] == 3
    record_first_visit(a, new, "2026-07-02", ["王芳", "村委会成员"], heating="coal")
    saved = a.open_household(new)["latest"]
    assert (saved["form_version"], saved["answers"]["heating"]) == (3, "coal")
    # the next visit of the household recorded with v2 is a v3 visit too, starting from its answers
    nxt = a.new_visit(a.open_household(old)["household"])
    assert nxt["form_version"] == 3 and nxt["answers"]["address"] == "东街 8 号"

    # The v2 visit still reads as recorded, checks against v2, and prints; so does the v3 one.
    again = a.get_visit(old_visit["visit_id"])
    assert again["form_version"] == 2 and again["answers"]["remarks"] == "v2 记录的走访"
    assert not [p for p in a.validate(again) if p.severity == "error"]
    out = tmp_path / "print"
    out.mkdir()
    a.print_household("visit_record", old, out / "old.pdf")
    a.print_household("visit_record", new, out / "new.pdf")
    assert "赵建国" in pdf_text(out / "old.pdf") and "v2 记录的走访" in pdf_text(out / "old.pdf")
    assert "东街社区（510123001001）" in pdf_text(out / "old.pdf")  # the village by name, with its code
    new_text = pdf_text(out / "new.pdf")
    assert "钱秀兰" in new_text and "冬季取暖方式" in new_text and "燃煤" in new_text

    # Both go up and reach the office laptop, which has v3 too.
    a.sync()
    office.sync()
    assert office.form().version == 3
    got_old = office.get_visit(old_visit["visit_id"])
    got_new = office.get_visit(saved["visit_id"])
    assert got_old["form_version"] == 2 and got_new["form_version"] == 3 and got_new["answers"]["heating"] == "coal"

    # The app: the v2 visit opens read-only with the v2 form; a new visit's editor shows the new question.
    office.lock()
    from tests.ui.helpers import open_household, unlock, start_new_visit
    from tests.field.test_real_county import PASSPHRASE

    a.lock()
    w = window_factory(a)
    unlock(w, qtbot, PASSPHRASE)
    tab = open_household(w, old)
    assert tab.editor.read_only and tab.editor.form.version == 2 and "heating" not in tab.editor.fields
    assert tab.editor.fields["remarks"].value() == "v2 记录的走访"
    start_new_visit(tab, qtbot)
    assert tab.editor.form.version == 3 and "heating" in tab.editor.fields
    assert tab.editor.fields["heating"].isVisibleTo(tab.editor)
    tab.editor.set_answer("heating", "electric")
    tab.editor.set_answer("visitors", ["王芳", "村委会成员"])
    with qtbot.waitSignal(tab.editor.saved, timeout=20000):
        assert tab.editor.save()
    stored = a.vault.get_visit(tab.editor.visit["visit_id"], audit_view=False)
    assert (stored["form_version"], stored["answers"]["heating"]) == (3, "electric")
