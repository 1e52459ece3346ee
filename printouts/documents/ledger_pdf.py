"""工作台账 as a PDF: landscape A4, one section per village or township, header repeated on every page."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from printouts.documents.base import Document, PrintContext, make_document
from printouts.documents.common import reference_note
from printouts.layout import frame_width, grid_table, para
from printouts.ledger import LedgerGroup

DOC_TYPE = "ledger"
PAGESIZE = landscape(A4)
PDF_COLUMNS = (  # key, header, relative width
    ("no", "序号", 0.55), ("village", "村（社区）", 1.4), ("head", "户主", 1.3), ("id_number", "公民身份号码", 2.6),
    ("address", "家庭住址", 2.8), ("size", "人口", 0.55), ("visit_date", "走访日期", 1.6),
    ("per_capita_yuan", "人均月收入（元）", 1.2), ("findings", "走访发现（系统提示）", 5.0),
    ("needs", "困难诉求", 2.8), ("dispositions", "办理情况", 2.2), ("review", "审核状态", 1.5),
)


def build_ledger_pdf_section(group: LedgerGroup, ctx: PrintContext) -> Document:
    """One group's ledger table with a title; serial is the group code and export date."""
    s = ctx.styles
    width = frame_width(PAGESIZE)
    total = sum(w for _, _, w in PDF_COLUMNS)
    widths = [width * w / total for _, _, w in PDF_COLUMNS]
    rows = [[("" if r.get(k) is None else (f"{r[k]:.2f}" if k == "per_capita_yuan" else r[k])) for k, _, _ in PDF_COLUMNS]
            for r in group.rows]
    title = f"工作台账　{group.name}"
    serial = f"台账-{group.code}-{ctx.issue_date}"
    story = [para(title, s.title), para(f"代码 {group.code}　共 {len(group.rows)} 户　导出日期 {ctx.issue_date}", s.subtitle)]
    note = reference_note(ctx.reference, s)
    if note is not None:
        story.append(note)
    story += [Spacer(1, 2 * mm), grid_table([h for _, h, _ in PDF_COLUMNS], rows, widths, s, small=True)]
    content = {"group": group.code, "households": [r["household_id"] for r in group.rows]}
    return make_document(ctx, DOC_TYPE, serial, "", "", content, story, "工作台账")
