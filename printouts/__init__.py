"""Printed documents rendered with reportlab: consent forms, visit records, letters and the ledger.

No Qt, no vault: callers pass interchange visits (``fieldapp.visit`` dicts), a signing key
and a serial counter, and get back the PDF plus a record of what was printed for their
audit log. Batch functions report progress as (done, total) work units — building, then
laying out each document — and cancel when the callback returns False. See docs/printouts.md.
"""

from __future__ import annotations

import importlib

__all__ = [
    "PrintContext", "PrintedDocument", "RenderResult", "Labels", "LetterTemplates", "MemoryCounter",
    "SerialCounter", "HeldSerials", "SerialsTaken", "VerifiedCode", "VisitView", "PrintoutError", "PrintCancelled",
    "NothingToPrintError", "Progress", "LetterRequest", "Change", "LETTER_KINDS",
    "print_consent", "print_visit_records", "print_letters", "export_ledger_xlsx", "export_ledger_xlsx_placed",
    "print_ledger", "ExportResult", "verify_code", "content_digest", "key_id",
    "load_templates", "format_serial", "find_cjk_font", "register_cjk_font", "read_visit",
]

# Where each name of the package lives. They resolve on first use (PEP 562): the batch functions and the
# documents need reportlab, openpyxl and XlsxWriter (0.5 s of CPU to import), which a process that only
# reads templates or ledger rows (the county server's console at start, ``fieldapp-server`` commands) never
# loads. ``printouts.jobs`` holds the batch functions.
_HOMES = {
    "printouts.jobs": ("LetterRequest", "ExportResult", "print_consent", "print_visit_records", "print_letters",
                       "export_ledger_xlsx", "export_ledger_xlsx_placed", "print_ledger"),
    "printouts.documents.base": ("Document", "PrintContext", "PrintedDocument"),
    "printouts.documents.letters": ("LETTER_KINDS", "Change"),
    "printouts.errors": ("NothingToPrintError", "PrintCancelled", "PrintoutError", "SerialsTaken"),
    "printouts.fonts": ("find_cjk_font", "register_cjk_font"),
    "printouts.labels": ("Labels",),
    "printouts.ledger": ("LedgerOrderError", "iter_ledger_groups", "ledger_groups"),
    "printouts.render": ("Progress", "RenderResult", "render_pdf"),
    "printouts.serials": ("HeldSerials", "MemoryCounter", "SerialCounter", "format_serial"),
    "printouts.signing": ("VerifiedCode", "content_digest", "key_id", "verify_code"),
    "printouts.templates": ("LetterTemplates", "load_templates"),
    "printouts.visit": ("VisitView", "read_visit"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str):
    """A name of the package (imported from its module on first use) or one of its submodules."""
    module = _HOME_OF.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif not name.startswith("__"):
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME_OF))
