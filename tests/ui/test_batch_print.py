"""Batch printing from the app: one real PDF per job, cancel leaves nothing, preview page N of M, Qt printing."""

from __future__ import annotations

import re
from collections import Counter

from pypdf import PdfReader

from tests.pdftext import pdf_text
from tests.ui.helpers import unlock


def _text(path) -> str:
    return re.sub(r"\s+", "", pdf_text(path))


def test_village_letters_in_one_pdf_with_preview(services_factory, window_factory, qtbot, tmp_path):
    svc = services_factory(demo=True, households=24)
    w = window_factory(svc)
    unlock(w, qtbot)
    village, _n = Counter(r.village_code for r in w.model.rows()).most_common(1)[0]
    heads = [r.head_name for r in w.model.rows() if r.village_code == village]
    out = tmp_path / "letters.pdf"

    job = w.batch_print("visit_result", village=village, out=str(out))
    with qtbot.waitSignal(job.finished, timeout=120000):
        pass
    assert out.exists() and not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("*.tmp"))
    text = _text(out)
    assert "走访结果及政策告知书" in text
    missing = [h for h in heads if h not in text]
    assert missing == [] and len(heads) >= 2
    assert len(job.result.render.documents) == len(heads)
    entries = [e for e in svc.vault.audit_entries(limit=200) if e["action"] == "print"]
    assert {e["entity_id"] for e in entries} == {r.household_id for r in w.model.rows() if r.village_code == village}

    # the preview opens on page 1 of N and pages on
    pages = len(PdfReader(out).pages)
    dlg = job.preview_dialog
    assert dlg.isVisible() and dlg.page_label.text() == f"第 1 页，共 {pages} 页"
    assert not dlg.prev_button.isEnabled() and dlg.image.pixmap().width() > 500
    dlg.next_button.click()
    assert dlg.page_label.text() == f"第 2 页，共 {pages} 页"
    dlg.reject()  # closing releases pdfium's document


def test_cancelled_batch_leaves_no_file(services_factory, window_factory, qtbot, tmp_path):
    svc = services_factory(demo=True, households=40)
    w = window_factory(svc)
    unlock(w, qtbot)
    out = tmp_path / "consent.pdf"
    job = w.batch_print("consent", household_ids=[r.household_id for r in w.model.rows()], out=str(out))
    job.cancel()  # as the progress dialog's 取消 does
    qtbot.waitUntil(lambda: not job.task.running, timeout=120000)
    w.runner.wait(20000)
    assert job.result is None
    assert not out.exists() and list(tmp_path.glob("consent*")) == []
    assert w.status.currentMessage() == "已取消打印，没有生成文件。"
    assert not any(e["action"] == "print" for e in svc.vault.audit_entries(limit=50))


def test_preview_prints_every_page_through_qt(services_factory, window_factory, qtbot, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    svc = services_factory(demo=True, households=6)
    w = window_factory(svc)
    unlock(w, qtbot)
    ids = [r.household_id for r in w.model.rows()][:3]
    job = w.batch_print("consent", household_ids=ids)  # no file: the PDF stays in memory for the preview
    with qtbot.waitSignal(job.finished, timeout=120000):
        pass
    dlg = job.preview_dialog
    pages = len(dlg.pages)
    assert pages >= 3 and dlg.page_label.text() == f"第 1 页，共 {pages} 页"

    printer = QPrinter(QPrinter.HighResolution)  # a real QPrinter writing PDF stands in for the paper printer
    printer.setOutputFormat(QPrinter.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    with qtbot.waitSignal(dlg.printed, timeout=20000) as blocker:
        assert dlg.print_pages(printer) is None           # the batch's 文号 are committed on the writer first
    assert blocker.args == [pages]
    assert len(PdfReader(printed).pages) == pages
    saved = dlg.save_pdf(str(tmp_path / "saved.pdf"))     # already committed: written at once
    assert "家庭经济状况核对授权书" in _text(saved)
    outputs = [e["detail"].get("output") for e in svc.vault.audit_entries(limit=50) if e["action"] in ("print", "export")]
    assert "printer" in outputs and "pdf" in outputs
    dlg.reject()
