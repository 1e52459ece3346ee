"""Rendering documents into one PDF: page decorations, progress reporting and cancellation."""

from __future__ import annotations

import io
from functools import partial
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.platypus import PageBreak
from reportlab.platypus.doctemplate import LayoutError

from printouts.documents.base import Document, PrintedDocument
from printouts.errors import PrintCancelled, TextTooLongError
from printouts.qrcodes import QrMatrices
from printouts.layout import DocumentStart, canvas_maker, make_doc_template

# progress(done, total) is called as documents are laid out; returning False cancels.
Progress = Callable[[int, int], "bool | None"]


@dataclass(frozen=True)
class RenderResult:
    """The PDF written and what it contains (for the audit log)."""

    path: str | None
    pages: int
    documents: tuple[PrintedDocument, ...]
    data: bytes | None = None
    skipped: tuple[tuple[str, str], ...] = ()  # (household_id, reason_zh) given nothing to print
    held_serials: Any = None  # HeldSerials of a preview job (PrintContext.hold_serials), else None


def render_pdf(documents: Sequence[Document], target: str | os.PathLike | None, font_name: str,
               title: str = "fieldapp", progress: Progress | None = None, done_before: int = 0,
               total: int | None = None, pagesize=A4, parallel_qr: bool = True,
               qr: QrMatrices | None = None) -> RenderResult:
    """Lay out *documents* one after another (each from a new page) into one PDF.

    :param target: file path (written atomically; nothing is left on cancel), or None to return bytes.
    :param progress: called with (units done, total units); return False to cancel.
    :param done_before: units already reported by the caller (building the documents).
    :param parallel_qr: let a helper process encode the QR codes of a large job during layout.
    :param qr: the job's QR codes already queued (in document order) while it was built; closed here.
    """
    total = len(documents) + done_before if total is None else total

    def report(done: int) -> None:
        if progress is not None and progress(done_before + done, total) is False:
            raise PrintCancelled(f"cancelled at {done_before + done}/{total}")

    report(0)
    if qr is None:
        qr = QrMatrices([doc.record.code for doc in documents], parallel=parallel_qr)
    try:
        story, markers = [], []
        for i, doc in enumerate(documents):
            if i:
                story.append(PageBreak())
            label = f"{doc.title}　编号：{doc.record.serial}"
            marker = DocumentStart(i, label, partial(qr.get, i), on_drawn=report if progress else None)
            markers.append(marker)
            story.append(marker)
            story.extend(doc.story)
        buffer = io.BytesIO()
        template = make_doc_template(buffer, font_name, title, pagesize=pagesize)
        try:
            template.build(story, canvasmaker=canvas_maker(font_name))
        except LayoutError as exc:   # a cell taller than a page: reportlab cannot split it
            raise TextTooLongError(str(exc).splitlines()[0][:200]) from None
    finally:
        qr.close()
    report(len(documents))
    records = tuple(replace(d.record, pages=m.page_count) for d, m in zip(documents, markers))
    pages = sum(m.page_count for m in markers)
    data = buffer.getvalue()
    if target is None:
        return RenderResult(None, pages, records, data)
    path = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=".fieldapp-print-", suffix=".pdf", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return RenderResult(str(path), pages, records)

