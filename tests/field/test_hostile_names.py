"""Hostile names (very long, control characters, RTL override, HTML, spreadsheet formulas) typed on a laptop
travel through the vault, the server and the office into the UI list and editor, the PDFs and the Excel
ledger: nothing breaks, nothing is interpreted, the formula stays text.

The ledger's neutralise() itself is unit-tested in tests/printouts/test_print_ledger.py::test_formula_injection_is_stored_as_text;
this follows the same text end to end.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openpyxl import load_workbook

import printouts
from fieldapp import syncing
from fieldapp.services import Services
from fieldapp.vault import FAST_KDF, Vault
from tests.pdftext import pdf_text
from tests.ui.conftest import fast_kdf, window_factory  # noqa: F401  (pytest fixtures by import)
from tests.ui.helpers import PASSPHRASE, open_household, unlock

ROOT = Path(__file__).resolve().parents[2]
FORMULA = "=cmd|' /C calc'!A0"
HTML = "<b>粗</b><script>alert(1)</script>&amp;"
RTL = "\u202e王芳\u202c"
LONG = "欧阳" + "长" * 300
CONTROL = "李\x07四\x1b[31m"
HOSTILE = [FORMULA, HTML, RTL, LONG, CONTROL, "@SUM(A1:A9)", "+1+1"]


def hostile_visit() -> dict:
    """A valid visit from docs/examples whose members and address carry the hostile texts."""
    visit = json.loads((ROOT / "docs/examples/R3-dibao-candidate.json").read_text(encoding="utf-8"))
    visit = copy.deepcopy(visit)
    visit["household_id"], visit["visit_id"] = str(uuid.uuid4()), str(uuid.uuid4())
    template = visit["answers"]["members"][-1]
    members = [visit["answers"]["members"][0]]
    members[0]["name"] = FORMULA
    for name in HOSTILE[1:]:
        m = {k: v for k, v in template.items() if k not in ("id_number", "birth_date", "sex", "age")}
        m.update(member_id=str(uuid.uuid4()), name=name, relation="other")
        members.append(m)
    visit["answers"]["members"] = members
    visit["answers"]["address"] = HTML + LONG
    visit["answers"]["remarks"] = CONTROL + FORMULA
    visit["answers"]["representative"] = RTL
    return visit


@pytest.fixture
def synced(server, tmp_path):
    """The hostile visit saved through the app on a laptop, synced, and pulled by the township office."""
    laptop_dir, office_dir = tmp_path / "laptop", tmp_path / "office"
    for where, role in ((laptop_dir, "visitor"), (office_dir, "office")):
        vault = Vault.create(where, "张三", PASSPHRASE, None, kdf=FAST_KDF)
        syncing.enroll(vault, server.url, server.code(role=role, villages=("990101001201",), township="990101001"))
        vault.lock()
    svc = Services(laptop_dir, kdf=FAST_KDF)
    svc.unlock("张三", PASSPHRASE)
    visit = hostile_visit()
    visit["answers"]["village_code"] = "990101001201"
    saved = svc.save_visit(visit, final=False)
    syncing.sync_now(svc.vault)
    svc.lock()
    office = Vault.open(office_dir)
    office.unlock("张三", PASSPHRASE)
    syncing.sync_now(office)
    stored = office.get_visit(saved["visit_id"], audit_view=False)
    office.lock()
    return svc, stored


@pytest.fixture
def server(tmp_path, request):
    """A real server on SQLite with the demo township (the text's path is the same on PostgreSQL)."""
    from tests.sync.conftest import RunningServer, make_storage
    from sync.server.admin import add_area

    storage = make_storage("sqlite", tmp_path, request)
    for code, name, kind in (("990101", "演示县", None), ("990101001", "演示镇", None), ("990101001201", "桃园村", "rural")):
        add_area(storage, code, name, kind)
    running = RunningServer(storage).start()
    yield running
    running.stop()
    storage.close()


def test_hostile_names_arrive_unchanged_at_the_office(synced):
    _, stored = synced
    names = [m["name"] for m in stored["answers"]["members"]]
    assert names == HOSTILE                       # not stripped, escaped or reordered on the way
    assert stored["answers"]["address"] == HTML + LONG


def test_the_list_and_editor_show_hostile_names_as_plain_text(synced, window_factory, qtbot):
    svc, stored = synced
    w = window_factory(svc)
    unlock(w, qtbot)
    proxy = w.list_page.proxy
    rows = [r for r in range(proxy.rowCount()) if proxy.household_id(r) == stored["household_id"]]
    assert len(rows) == 1
    shown = [proxy.data(proxy.index(rows[0], c)) for c in range(proxy.columnCount())]
    assert FORMULA in shown                       # the head's name, as typed
    assert any(isinstance(s, str) and s.startswith(HTML) for s in shown)
    tab = open_household(w, stored["household_id"])
    editor = tab.editor
    assert [r.get("name") for r in editor.repeats["members"].rows] == HOSTILE
    assert editor.fields["representative"].value() == RTL
    w.grab()                                      # paints the window with these texts without raising
    assert w.isVisible()


def test_pdfs_print_hostile_names_literally(synced, tmp_path):
    _, stored = synced
    visit = {k: v for k, v in stored.items() if k != "meta"}
    key = Ed25519PrivateKey.generate()
    ctx = printouts.PrintContext(signing_key=key, issue_date="2026-05-20")
    results = [printouts.print_consent([visit], ctx, tmp_path / "consent.pdf"),
               printouts.print_visit_records([visit], ctx, tmp_path / "record.pdf"),
               printouts.print_letters("visit_result", [printouts.LetterRequest(visit)], ctx, tmp_path / "letter.pdf"),
               printouts.print_ledger([visit], ctx, tmp_path / "ledger.pdf")]
    text = pdf_text(tmp_path / "record.pdf").replace("\n", "")
    assert "<script>" in text and "&amp;" in text          # shown, not parsed as markup
    assert "cmd|" in text and "calc" in text
    for result in results:
        assert result.pages >= 1 and Path(result.path).read_bytes()[:5] == b"%PDF-"
        for doc in result.documents:
            printouts.verify_code(doc.code, [key.public_key()])


def test_the_excel_ledger_keeps_formulas_as_text(synced, tmp_path):
    _, stored = synced
    visit = {k: v for k, v in stored.items() if k != "meta"}
    ctx = printouts.PrintContext(signing_key=Ed25519PrivateKey.generate(), issue_date="2026-05-20")
    out = printouts.export_ledger_xlsx([visit], ctx, tmp_path / "ledger.xlsx")
    wb = load_workbook(out.path)
    ws = wb[wb.sheetnames[1]]
    header = {ws.cell(2, c).value: c for c in range(1, ws.max_column + 1)}
    head = ws.cell(3, header["户主"])
    assert head.value == "'" + FORMULA and head.data_type == "s"
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert "\x07" not in cell.value and "\x1b" not in cell.value   # illegal in XML: removed, file opens
    assert ws.cell(3, header["家庭住址"]).value.startswith(HTML)
