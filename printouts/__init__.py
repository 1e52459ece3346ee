"""Printed documents rendered with reportlab: consent forms, visit records, letters and the ledger.

No Qt, no vault: callers pass interchange visits (``fieldapp.visit`` dicts), a signing key
and a serial counter, and get back the PDF plus a record of what was printed for their
audit log. See docs/printouts.md.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from printouts.documents.base import Document, PrintContext, PrintedDocument
from printouts.documents.consent import build_consent
from printouts.errors import PrintoutError
from printouts.fonts import find_cjk_font, register_cjk_font
from printouts.labels import Labels
from printouts.render import Progress, RenderResult, render_pdf
from printouts.serials import MemoryCounter, SerialCounter, format_serial
from printouts.signing import VerifiedCode, content_digest, key_id, verify_code
from printouts.templates import LetterTemplates, load_templates
from printouts.visit import VisitView, read_visit

__all__ = [
    "PrintContext", "PrintedDocument", "RenderResult", "Labels", "LetterTemplates", "MemoryCounter",
    "SerialCounter", "VerifiedCode", "VisitView", "PrintoutError", "Progress",
    "print_consent", "render_documents", "verify_code", "content_digest", "key_id", "load_templates",
    "format_serial", "find_cjk_font", "register_cjk_font", "read_visit",
]


def render_documents(documents: list[Document], ctx: PrintContext, out, title: str,
                     progress: Progress | None = None) -> RenderResult:
    """Render already-built documents into one PDF at *out* (path, or None for bytes)."""
    return render_pdf(documents, out, ctx.styles.font, title=title, progress=progress)


def print_consent(visits: Iterable[Mapping[str, Any]], ctx: PrintContext, out, *, copies: int = 1,
                  assistance: str | None = None, progress: Progress | None = None) -> RenderResult:
    """Consent forms (授权书) for one or many visits in one PDF; three copies each when *copies* = 3."""
    docs: list[Document] = []
    for raw in visits:
        docs += build_consent(read_visit(raw), ctx, assistance=assistance, copies=copies)
    return render_documents(docs, ctx, out, "家庭经济状况核对授权书", progress)
