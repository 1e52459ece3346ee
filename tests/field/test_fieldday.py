"""The field day, end to end in CI: real PostgreSQL, real uvicorn, real SQCipher vaults, real PDFs and workbook."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.field.fieldday import PASSPHRASE, FieldDay, FieldDayFailed
from tests.pdftext import pdf_text
from fieldapp.vault import UnknownUser, Vault
from sync.server.storage import Scope

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def day(postgres, tmp_path_factory):
    """One played field day on the harness's PostgreSQL (shared by the tests of this module)."""
    lines: list[str] = []
    played = FieldDay(tmp_path_factory.mktemp("fieldday"), postgres.create_database("fieldday"), say=lines.append)
    played.lines = lines
    played.run()
    yield played
    played.close()


@pytest.mark.postgres
def test_field_day_every_visit_reaches_the_server_once(day):
    summary = day.check()
    assert summary["backend"] == "PostgreSQL"
    assert summary["visits_typed"] == 9 and summary["codes_verified"] == 18 and summary["ledger_rows"] == 11
    # independent look at what is on disk and on the server
    storage = day.server.storage
    visits = [r for r in storage.records(Scope("admin", day.place.county)) if r["entity"] == "visit"]
    assert set(day.typed) <= {r["entity_id"] for r in visits}
    devices = storage.list_devices()
    assert len(devices) == 4 and sum(1 for d in devices if d["revoked_at"]) == 1
    for name in ("office", "laptop_a", "laptop_b", "laptop_c"):
        head = (day.workdir / name / "vault.db").read_bytes()[:16]
        assert head != b"SQLite format 3\x00"                  # encrypted from the first byte
    for pdf in ("consent.pdf", "visit-records.pdf", "letters.pdf"):
        assert (day.workdir / "printouts" / pdf).read_bytes()[:5] == b"%PDF-"
    sheet_titles = load_workbook(day.workdir / "printouts" / "ledger.xlsx", read_only=True).sheetnames
    assert sheet_titles[0] == "汇总" and len(sheet_titles) == 4
    # the USB stick carries nothing readable about the households
    household = next(r for r in storage.records(Scope("admin", day.place.county)) if r["entity_id"] == day.conflict_household)
    for bundle in (day.workdir / "usb-stick").glob("*.fieldapp-bundle"):
        text = bundle.read_text(encoding="utf-8")
        assert household["fields"]["address"] not in text and day.conflict_household not in text
    # the lost laptop: nobody can unlock it with a passphrase any more
    lost = Vault.open(day.workdir / "laptop_c")
    assert lost.users() == []
    with pytest.raises(UnknownUser):
        lost.unlock("民政干部丁", PASSPHRASE)
    # the shared laptop: both local users saved visits, each under their own name in the audit log
    laptop_b = day.devices["laptop_b"].vault
    creators = {e["actor"] for e in laptop_b.audit_entries(limit=1000) if (e["action"], e["entity"]) == ("create", "visit")}
    assert creators == {"协理员乙", "网格员丙"}
    # the office printed: one audit entry per printed document
    prints = [e for e in day.devices["office"].vault.audit_entries(limit=1000) if e["action"] == "print"]
    assert len(prints) == 18
    # every step was narrated in both languages
    assert sum(1 for line in day.lines if line.startswith("[")) >= 15
    assert any("冲突" in line for line in day.lines) and any("conflict" in line for line in day.lines)


@pytest.mark.postgres
def test_field_day_check_notices_a_changed_visit(day):
    visit_id = next(iter(day.typed))
    original = day.typed[visit_id]
    day.typed[visit_id] = {**original, "remarks": "被改动的内容"}
    try:
        with pytest.raises(FieldDayFailed, match="differs on the server"):
            day.check()
    finally:
        day.typed[visit_id] = original


def test_fieldday_script_runs_on_the_embedded_server(tmp_path):
    out = subprocess.run([str(ROOT / "scripts" / "fieldday"), "--workdir", str(tmp_path / "day")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-3000:]
    assert "内置 SQLite" in out.stdout and "embedded SQLite" in out.stdout
    summary = json.loads(next(line for line in out.stdout.splitlines() if '"visits_typed"' in line).split("· ", 1)[1])
    assert summary["visits_typed"] == 9 and summary["backend"] == "SQLite"
    assert (tmp_path / "day" / "printouts" / "ledger.xlsx").exists()
    # by default the day is played in 松林县, not the demo county: nothing printed says 演示 or 990101
    printed = {pdf.name: pdf_text(pdf) for pdf in sorted((tmp_path / "day" / "printouts").glob("*.pdf"))}
    assert set(printed) >= {"consent.pdf", "letters.pdf", "visit-records.pdf"}
    assert "松林县城关镇人民政府" in printed["letters.pdf"] and "城关民政告〔" in printed["letters.pdf"]
    book = load_workbook(tmp_path / "day" / "printouts" / "ledger.xlsx", read_only=True)
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    book.close()
    assert any("柏树村" in c or "东街社区" in c for c in cells)
    for what, text in [*printed.items(), ("ledger.xlsx", "\n".join(cells)), ("output", out.stdout)]:
        assert "演示" not in text and "990101" not in text, what
