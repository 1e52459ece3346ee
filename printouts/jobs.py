"""Print jobs: the batch functions behind the package's API (consent forms, visit records, letters, the ledger).

Imported on first use through :mod:`printouts` (its names resolve lazily), so a process that only
reads letter templates or ledger rows (the county server's console) does not load reportlab,
openpyxl and XlsxWriter at start.
"""


from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from forms.places import township_of
from printouts.assessment import assess_visit
from printouts.documents.base import Document, PrintContext
from printouts.documents.common import reference_text
from printouts.documents.consent import build_consent
from printouts.documents.ledger_pdf import PAGESIZE as LEDGER_PAGESIZE
from printouts.documents.ledger_pdf import build_ledger_pdf_section
from printouts.documents.letters import LETTER_KINDS, Change, build_letter
from printouts.documents.visit_record import build_visit_record
from printouts.errors import NothingToPrintError, PrintCancelled
from printouts.ledger import LedgerOrderError, iter_ledger_groups, ledger_groups
from printouts.ledger_xlsx import write_ledger_xlsx
from printouts.qrcodes import QrMatrices
from printouts.render import Progress, RenderResult, render_pdf
from printouts.visit import read_visit



@dataclass(frozen=True)
class LetterRequest:
    """One letter to print: the visit and what the letter kind needs besides it."""

    visit: Mapping[str, Any]
    suggestions: Sequence[Any] | None = None  # None: run forms.assess on the visit
    due_date: str | None = None
    changes: Sequence[Change] = field(default_factory=tuple)
    effective_date: str | None = None


def _batch(items: Sequence[Any], build: Callable[[Any], list[Document]], ctx: PrintContext, out, title: str,
           progress: Progress | None) -> RenderResult:
    """Build and render one job; its serial numbers count only if the PDF is written."""
    try:
        result = _build_and_render(items, build, ctx, out, title, progress)
    except BaseException:
        ctx.discard_serials()
        raise
    if ctx.hold_serials:
        return replace(result, held_serials=ctx.hold_taken_serials())
    ctx.commit_serials()
    return result


def _build_and_render(items: Sequence[Any], build: Callable[[Any], list[Document]], ctx: PrintContext, out,
                      title: str, progress: Progress | None) -> RenderResult:
    total = 2 * len(items)
    docs: list[Document] = []
    skipped: list[tuple[str, str]] = []
    # QR codes are encoded by a helper process from the moment each document is built.
    qr = QrMatrices(parallel=True, expected=len(items))
    try:
        for i, item in enumerate(items):
            if progress is not None and progress(i, total) is False:
                raise PrintCancelled(f"cancelled at {i}/{total}")
            try:
                built = build(item)
            except NothingToPrintError as exc:  # one household with nothing to say does not stop a batch
                visit = getattr(item, "visit", item)
                skipped.append((str(visit.get("household_id") or ""), exc.message_zh))
                continue
            for doc in built:
                qr.add(doc.record.code)
            docs += built
        qr.end_of_codes()
        if not docs:
            raise NothingToPrintError(skipped[0][1] if skipped else "没有选中任何走访记录")
    except BaseException:
        qr.close()
        raise
    n_items, n_docs = len(items), max(1, len(docs))

    def layout_progress(done: int, _total: int):
        # render_pdf counts documents laid out (copies included); report them as items.
        return progress(n_items + (done - n_items) * n_items // n_docs, total)

    result = render_pdf(docs, out, ctx.styles.font, title=title, progress=layout_progress if progress else None,
                        done_before=n_items, total=total, qr=qr)
    return replace(result, skipped=tuple(skipped))


def print_consent(visits: Iterable[Mapping[str, Any]], ctx: PrintContext, out, *, copies: int = 1,
                  assistance: str | None = None, progress: Progress | None = None) -> RenderResult:
    """Consent forms (授权书) for one or many visits in one PDF; three copies each when *copies* = 3."""
    return _batch(list(visits), lambda v: build_consent(read_visit(v, ctx.forms_dir), ctx, assistance=assistance,
                                                        copies=copies), ctx, out, "家庭经济状况核对授权书", progress)


def print_visit_records(visits: Iterable[Mapping[str, Any]], ctx: PrintContext, out, *,
                        progress: Progress | None = None) -> RenderResult:
    """Visit records (入户调查记录) for one or many visits in one PDF."""
    return _batch(list(visits), lambda v: [build_visit_record(read_visit(v, ctx.forms_dir), ctx)], ctx, out,
                  "入户调查记录", progress)


def print_letters(kind: str, requests: Iterable[LetterRequest], ctx: PrintContext, out, *,
                  progress: Progress | None = None) -> RenderResult:
    """Letters (告知书) of one *kind* for many households in one PDF, one 文号 each."""
    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}; one of {', '.join(LETTER_KINDS)}")

    def build(req: LetterRequest) -> list[Document]:
        suggestions = req.suggestions
        if suggestions is None and kind in ("visit_result", "review"):
            suggestions = assess_visit(req.visit, ctx).suggestions
        return [build_letter(kind, read_visit(req.visit, ctx.forms_dir), ctx, suggestions=suggestions or (),
                             due_date=req.due_date, changes=req.changes, effective_date=req.effective_date)]

    return _batch(list(requests), build, ctx, out, ctx.templates.letters[kind].title, progress)


@dataclass(frozen=True)
class ExportResult:
    """A ledger workbook written: where, and which households it holds (for the audit log)."""

    path: str
    doc_type: str
    groups: tuple[str, ...]
    household_ids: tuple[str, ...]


def export_ledger_xlsx(visits: Iterable[Mapping[str, Any]], ctx: PrintContext, out, *,
                       group_by: str = "village", review_states: Mapping[str, str] | None = None) -> ExportResult:
    """The ledger (工作台账) as an .xlsx workbook: a summary sheet and one sheet per village or township.

    :param review_states: ``{visit_id: state}`` for the 审核状态 column (see :func:`printouts.ledger.ledger_groups`)
    """
    groups = ledger_groups(visits, ctx, group_by, review_states)
    path = write_ledger_xlsx(groups, out, ctx.issue_date, group_by, reference_text(ctx.reference))
    return ExportResult(path, "ledger_xlsx", tuple(g.code for g in groups),
                        tuple(r["household_id"] for g in groups for r in g.rows))


def export_ledger_xlsx_placed(placed: Callable[[], Iterable[tuple[str, Mapping[str, Any]]]], ctx: PrintContext, out, *,
                              group_by: str = "village", review_states: Mapping[str, str] | None = None) -> ExportResult:
    """:func:`export_ledger_xlsx` of ``(village code, visit)`` pairs in village-code order (the server's records),
    streamed: one group's rows in memory at a time. *placed* is called to read the visits; again only if a
    visit's own answers put it in a group already written (a visit kept under another village than its answers
    name, or one without a village): then the visits kept out of their group's place are read first, held (only
    they), and written with their own group, the rest streamed as before, so the workbook is the same as
    :func:`export_ledger_xlsx`'s either way and memory stays bounded by one group plus those visits.
    """
    seen: list = []
    try:
        path = write_ledger_xlsx(iter_ledger_groups(placed(), ctx, group_by, review_states), out, ctx.issue_date,
                                 group_by, reference_text(ctx.reference), seen=seen)
    except LedgerOrderError:
        seen = []
        misplaced = [v for place, v in placed() if _own_group(v, group_by) != _own_group(place, group_by, placed=True)]
        ids = {v["visit_id"] for v in misplaced}
        rest = ((place, v) for place, v in placed() if v["visit_id"] not in ids)
        path = write_ledger_xlsx(iter_ledger_groups(rest, ctx, group_by, review_states, early=misplaced), out,
                                 ctx.issue_date, group_by, reference_text(ctx.reference), seen=seen)
    return ExportResult(path, "ledger_xlsx", tuple(code for code, _ in seen), tuple(h for _, ids in seen for h in ids))


def _own_group(visit_or_place, group_by: str, *, placed: bool = False) -> str:
    """The group code of a visit as the ledger's rows group it (its answers' village, ``VisitView.village_code``),
    or, with *placed*, of the village code it is kept under."""
    code = visit_or_place if placed else str((visit_or_place.get("answers") or {}).get("village_code") or "")
    return code if group_by == "village" else township_of(code)


def print_ledger(visits: Iterable[Mapping[str, Any]], ctx: PrintContext, out, *, group_by: str = "village",
                 progress: Progress | None = None, review_states: Mapping[str, str] | None = None) -> RenderResult:
    """The ledger as a landscape PDF, one section (own page numbers and code) per village or township."""
    groups = ledger_groups(visits, ctx, group_by, review_states)
    docs = [build_ledger_pdf_section(g, ctx) for g in groups]
    return render_pdf(docs, out, ctx.styles.font, title="工作台账", progress=progress, pagesize=LEDGER_PAGESIZE)
