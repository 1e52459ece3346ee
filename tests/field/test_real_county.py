"""A real county end to end: 松林县 (510123), set up through the CLI, not the demo.

A real ``fieldapp-server`` process on 127.0.0.1 (SQLite), real SQLCipher vaults on two visitor
laptops and a township office laptop, real PDFs and a real .xlsx. The county has its own code,
names, standards (changing on 2026-07-01), letter templates and office names, sharing nothing with
the demo data; nothing a user sees — screens, PDF text, workbook cells, server exports — may say
"演示" or carry the demo county code 990101.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from fieldapp.services import Services
from fieldapp.vault import FAST_KDF
from sync.server.cli import main as server_main
from tests import county
from tests.pdftext import pdf_text

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSPHRASE = "songlin county 2026"
FORBIDDEN = ("演示", "990101")


def server_cli(db: str, *args: str) -> dict | list:
    """``fieldapp-server --database DB ARGS`` (exit 0 asserted), its JSON output.

    Run in this process through the console script's own entry point (``sync.server.cli.main``: the same
    argument parsing and command code) rather than as a new interpreter: each process start cost about
    1.5 s of CPU, and the suite ran ~40 of these set-up commands. ``serve`` stays a real process, and
    tests/sync/test_server_cli_tls.py runs the admin commands as processes."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = server_main(["--database", db, *args])
    assert code == 0, err.getvalue()
    return json.loads(out.getvalue())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def county_server(tmp_path):
    """The county's server, set up as its administrator would: init, areas import, publish, then serve."""
    with run_county_server(tmp_path) as running:
        yield running


@contextmanager
def run_county_server(folder: Path):
    """``(database URL, server URL)`` of a county server in *folder*, serving on a free port of 127.0.0.1."""
    db = f"sqlite:///{folder / 'songlin.db'}"
    server_cli(db, "init")
    imported = server_cli(db, "areas", "import", str(county.AREAS_CSV))
    assert imported["created"] == 8
    server_cli(db, "publish", "reference", str(county.REFERENCE), "--name", "songlin")
    server_cli(db, "publish", "templates", str(county.TEMPLATES), "--name", "letters")
    server_cli(db, "publish", "form", str(ROOT / "forms/definitions/four_clarifications.v1.yaml"))
    port = free_port()
    proc = subprocess.Popen([str(BIN / "fieldapp-server"), "--database", db, "serve", "--port", str(port),
                             "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            httpx.get(f"{url}/v1/hello", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"server did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
    try:
        yield db, url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def laptop(tmp_path, db, url, name, user, role, villages=()) -> Services:
    """A laptop set up from the first-run data (server address + one-time code), enrolled at once, unlocked."""
    args = ["code-issue", "--role", role, "--township", county.CHENGGUAN, "--label", f"城关镇-{user}"]
    if villages:
        args += ["--villages", ",".join(villages)]
    code = server_cli(db, *args)["code"]
    svc = Services(tmp_path / name, kdf=FAST_KDF)
    svc.create_vault(user, PASSPHRASE, server_url=url, enrollment_code=code)
    svc.unlock(user, PASSPHRASE)
    assert svc.sync_status(check_online=False)["enrolled"]
    return svc


def record_first_visit(svc, household_id, visit_date, visitors, **answers) -> dict:
    """The first visit of a new household, finalised through the app services; returns its assessment."""
    visit = svc.open_household(household_id)["latest"]
    visit.pop("meta", None)
    visit["answers"].update({"visit_date": visit_date, "visitors": visitors, **answers})
    svc.save_visit(visit, final=True)
    return svc.assess(visit)


def assert_clean(what: str, text: str) -> None:
    for word in FORBIDDEN:
        assert word not in text, f"{what} contains {word!r}"


def test_a_real_county_end_to_end(tmp_path, county_server, qtbot):
    db, url = county_server
    a = laptop(tmp_path, db, url, "laptop_a", "王芳", "visitor", (county.DONGJIE, county.BAISHU))
    b = laptop(tmp_path, db, url, "laptop_b", "李明", "visitor", (county.BAISHU,))
    office = laptop(tmp_path, db, url, "office", "张经办", "office")
    for svc in (a, b, office):
        svc.sync()
        ref = svc.reference()
        assert (ref.reference_id, ref.version, ref.demo) == ("songlin-2026", 1, False)
        assert svc.templates().label == "松林县民政局 2026 年文书模板"
    # 新增户 offers each laptop its own villages, by name: a visitor's enrolled ones, the office its township's
    assert [(c.code, c.name, c.area_type) for c in a.laptop_villages()] == [
        (county.DONGJIE, "东街社区", "urban"), (county.BAISHU, "柏树村", "rural")]
    assert [c.name for c in office.laptop_villages()] == ["东街社区", "西街社区", "柏树村"]
    devices = server_cli(db, "device-list")
    assert sorted(d["label"] for d in devices) == ["城关镇-张经办", "城关镇-李明", "城关镇-王芳"]
    assert {d["township_name"] for d in devices} == {"城关镇"}
    assert ["东街社区", "柏树村"] in [d["village_names"] for d in devices]

    # 主动发现: both visitors find households in 柏树村 before either syncs; a woman of laptop A's household
    # is also listed as a member of laptop B's — the server must flag that, never merge it.
    head_a, shared = county.id_number("19620418", 23), county.id_number("19900712", 44)
    h1 = a.create_household(county.BAISHU, "李秀英", head_a, address="柏树村三组 12 号")
    visit = a.open_household(h1)["latest"]
    visit.pop("meta", None)
    visit["answers"]["members"].append({"member_id": "6f1d1c52-0000-4000-8000-000000000001", "name": "陈小红",
                                        "id_number": shared, "relation": "child_in_law"})
    a.save_visit(visit, final=False)
    h2 = b.create_household(county.BAISHU, "陈国强", county.id_number("19581103", 17), address="柏树村五组 3 号")
    visit = b.open_household(h2)["latest"]
    visit.pop("meta", None)
    visit["answers"]["members"].append({"member_id": "6f1d1c52-0000-4000-8000-000000000002", "name": "陈小红",
                                        "id_number": shared, "relation": "child"})
    b.save_visit(visit, final=False)

    # Visits either side of the mid-year change (rural 7,200 → 7,560 yuan a year).
    before = record_first_visit(a, h1, "2026-06-20", ["王芳", "村委会成员"],
                                incomes=[{"source": "farming", "amount_fen": 90000}], assets_meet_rules="yes")
    after = record_first_visit(b, h2, "2026-07-02", ["李明", "村委会成员"],
                               incomes=[{"source": "farming", "amount_fen": 90000}], assets_meet_rules="yes")
    assert (before.standard_fen, after.standard_fen) == (county.RURAL_BEFORE, county.RURAL_AFTER)
    for result in (before, after):
        assert (result.reference_id, result.reference_version, result.demo_reference) == ("songlin-2026", 1, False)
        assert result.income_class == "dibao_candidate"
        assert_clean("assessment", json.dumps(result.to_dict(), ensure_ascii=False))

    for svc in (a, b, office):
        svc.sync()
    a.sync()
    # The same person found again on laptop B after the sync: the laptop opens the existing household.
    from fieldapp.households import HouseholdExists

    with pytest.raises(HouseholdExists) as caught:
        b.create_household(county.BAISHU, "李秀英", head_a)
    assert caught.value.household_id == h1
    with pytest.raises(HouseholdExists):  # a member who is not the head is found as well
        b.create_household(county.BAISHU, "陈小红", shared)
    assert len(b.household_rows()) == 2

    flags = office.duplicate_flags()
    assert len(flags) == 1 and sorted(h["household_id"] for h in flags[0]["households"]) == sorted([h1, h2])
    assert flags[0]["households"][0]["village_name"] == "柏树村" and "*" in flags[0]["id_masked"]
    assert {r.household_id: r.village_name for r in office.household_rows()} == {h1: "柏树村", h2: "柏树村"}
    assert [(v.village_code, v.village_name) for v in office.coverage().villages] == [(county.BAISHU, "柏树村")]
    # the office assesses the synced visits with the county's standard in force on each visit date
    for hid, standard in ((h1, county.RURAL_BEFORE), (h2, county.RURAL_AFTER)):
        synced = office.assess(office.open_household(hid)["latest"])
        assert (synced.standard_fen, synced.reference_id, synced.demo_reference) == (standard, "songlin-2026", False)

    # The office prints letters, consent forms and the ledger with the county's own templates and names.
    out = tmp_path / "print"
    out.mkdir()
    letters = office.print_batch("visit_result", [h1, h2], out / "letters.pdf").render
    consent = office.print_batch("consent", [h1, h2], out / "consent.pdf").render
    ledger = office.export_ledger(out / "ledger.xlsx")
    office.print_batch("visit_record", [h1, h2], out / "records.pdf")
    records = pdf_text(out / "records.pdf")
    assert "柏树村（510123001201）" in records and "陈小红" in records
    assert records.count("参考数据 songlin-2026 第 1 版") == 2
    assert_clean("visit records PDF", records)
    text = pdf_text(out / "letters.pdf")
    assert "松林县城关镇人民政府" in text and "0839-6123490" in text
    assert text.count("参考数据 songlin-2026 第 1 版") == 2  # each letter records the reference it used
    assert all(d.serial.startswith("城关民政告〔2026〕") for d in letters.documents) and len(letters.documents) == 2
    assert all(d.serial.startswith("城关核授〔2026〕") for d in consent.documents)
    assert_clean("letters PDF", text)
    assert_clean("consent PDF", pdf_text(out / "consent.pdf"))
    # the consent forms and the ledger record the reference document too, in the letters' words
    assert "".join(pdf_text(out / "consent.pdf").split()).count("政策依据：参考数据songlin-2026第1版") == 2
    assert "".join(pdf_text(out / "consent.pdf").split()).count("柏树村（510123001201）") == 2  # the village by name
    cells = []
    book = load_workbook(ledger.path, read_only=True)
    for sheet in book.worksheets:
        cells.append(sheet.title)
        cells += [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    book.close()
    workbook_text = "\n".join(cells)
    assert "柏树村" in workbook_text and "城关镇" in workbook_text and "李秀英" in workbook_text
    assert_clean("ledger workbook", workbook_text)
    assert "政策依据：参考数据 songlin-2026 第 1 版" in workbook_text

    # CLI parity: the same reference and templates from the command line.
    env = {**os.environ, "FIELDAPP_PASSPHRASE": PASSPHRASE}
    cli = subprocess.run([str(BIN / "fieldapp"), "--data-dir", str(tmp_path / "office"), "assess", "--household", h2],
                         capture_output=True, text=True, env=env, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assessed = json.loads(cli.stdout)
    assert assessed["standard"]["standard_fen"] == county.RURAL_AFTER and assessed["reference_version"] == 1
    cli = subprocess.run([str(BIN / "fieldapp"), "--data-dir", str(tmp_path / "office"), "print", "letter",
                          "--kind", "visit_result", "--household", h1, "-o", str(out / "cli-letter.pdf")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert "城关民政告〔2026〕003号" in cli.stdout  # the vault's 文号 counter continues
    assert "松林县城关镇人民政府" in pdf_text(out / "cli-letter.pdf")
    cli = subprocess.run([str(BIN / "fieldapp"), "--data-dir", str(tmp_path / "office"), "print", "ledger", "--household", h1,
                          "--household", h2, "-o", str(out / "cli-ledger.xlsx")], capture_output=True, text=True, env=env,
                         timeout=120)
    assert cli.returncode == 0, cli.stderr
    book = load_workbook(out / "cli-ledger.xlsx", read_only=True)
    cli_cells = "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    book.close()
    assert "柏树村" in cli_cells and "陈国强" in cli_cells and "政策依据：参考数据 songlin-2026 第 1 版" in cli_cells
    assert_clean("CLI ledger", cli_cells)

    # The server's own exports.
    export = subprocess.run([str(BIN / "fieldapp-server"), "--database", db, "export", county.CHENGGUAN],
                            capture_output=True, text=True, timeout=120)
    assert export.returncode == 0 and h1 in export.stdout
    assert_clean("server export", export.stdout)
    assert_clean("device list", json.dumps(devices, ensure_ascii=False))
    assert_clean("areas", json.dumps(server_cli(db, "area-list"), ensure_ascii=False))

    # What the office sees on screen.
    office.lock()
    texts = screen_texts(office, qtbot, h1)
    assert "柏树村" in texts and "李秀英" in texts
    status = texts.split("登记状态::", 1)[1]
    assert "已加入县级服务器" in status and "（城关镇）" in status and "县民政局" in status
    coverage = texts.split("覆盖率::", 1)[1].split("::", 1)[0].split("|")
    assert coverage[0] == "柏树村"  # the coverage table names the village, not its code
    # 工具 → 疑似重复户: the office sees the server's flag, with both households and the village's name
    flagged = texts.split("疑似重复户::", 1)[1]
    assert "以下家庭的成员身份证号相同，系统没有合并" in flagged and shared not in flagged
    assert flags[0]["id_masked"] in flagged and "李秀英 · 柏树村三组 12 号（柏树村）" in flagged
    assert "陈国强 · 柏树村五组 3 号（柏树村）" in flagged
    assert_clean("screen", texts)
    for svc in (a, b):
        svc.lock()


def screen_texts(svc, qtbot, household_id) -> str:
    """Every text on the office's main window: list, coverage, one household's editor and its panel."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit

    from fieldapp.ui.i18n import LanguageSwitcher
    from fieldapp.ui.main import make_app
    from fieldapp.ui.main_window import MainWindow
    from tests.ui.helpers import unlock

    app = make_app()
    w = MainWindow(svc, LanguageSwitcher(app))
    w.resize(1366, 768)
    qtbot.addWidget(w)
    w.show()
    unlock(w, qtbot, PASSPHRASE)
    model = w.model
    cells = [str(model.index(r, c).data() or "") for r in range(model.rowCount()) for c in range(model.columnCount())]
    w.tabs.setCurrentWidget(w.coverage_page)
    w.open_household(household_id)
    tab = w.tabs.currentWidget()
    tab.editor.reassess()
    texts = cells + [w.windowTitle()]
    for widget in w.findChildren(QLabel) + w.findChildren(QAbstractButton):
        texts.append(widget.text())
    # the household's place in its header: an address that starts with its village's name is shown once
    assert "柏树村三组 12 号" in tab.header.text() and "柏树村 柏树村" not in tab.header.text()
    texts += [e.text() for e in w.findChildren(QLineEdit)]
    texts += tab.editor.panel.suggestion_texts()
    w.runner.wait(10000)
    w.tabs.setCurrentWidget(w.coverage_page)
    table = w.coverage_page.table
    qtbot.waitUntil(lambda: table.rowCount() > 0, timeout=10000)
    coverage = [table.item(r, c).text() for r in range(table.rowCount()) for c in range(table.columnCount())
                if table.item(r, c) is not None]
    texts.append("覆盖率::" + "|".join(coverage) + "::" + w.coverage_page.summary.text())
    w.show_duplicates(lambda box: texts.append("疑似重复户::" + box.windowTitle() + "\n" + box.text()))

    def enrollment_status(dialog):   # 工具 → 加入县级服务器: where this laptop stands, then closed
        texts.append("登记状态::" + dialog.status.text())
        dialog.reject()

    w.open_enrollment(enrollment_status)
    svc.lock()
    return "\n".join(texts)
