"""Page layout shared by every document: A4 frame, styles, tables, per-document page footers.

Several documents can share one PDF (batch printing). Each document begins with a
:class:`DocumentStart` marker; the canvas defers its page decorations (page numbers
"第 x 页 共 y 页", serial number, QR code) until the whole PDF is laid out, so each
document is numbered on its own.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from xml.sax.saxutils import escape

from printouts.errors import MissingGlyphError
from printouts.fonts import fallback_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = MARGIN_RIGHT = 20 * mm
MARGIN_TOP = 30 * mm  # room for the QR code above the frame on a document's first page
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
QR_SIZE = 22 * mm


class Styles:
    """Paragraph styles in the registered CJK font (wrapping anywhere, as Chinese needs)."""

    def __init__(self, font: str):
        base = dict(fontName=font, wordWrap="CJK")
        self.font = font
        self.title = ParagraphStyle("title", fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4 * mm, **base)
        self.subtitle = ParagraphStyle("subtitle", fontSize=11, leading=16, alignment=TA_CENTER, spaceAfter=3 * mm, **base)
        self.heading = ParagraphStyle("heading", fontSize=12.5, leading=18, spaceBefore=3 * mm, spaceAfter=1.5 * mm,
                                      keepWithNext=1, **base)
        self.body = ParagraphStyle("body", fontSize=10.5, leading=16, **base)
        self.body_indent = ParagraphStyle("body_indent", parent=self.body, firstLineIndent=21)
        self.small = ParagraphStyle("small", fontSize=9, leading=12.5, **base)
        self.caption = ParagraphStyle("caption", parent=self.small, keepWithNext=1)  # stays with its table
        self.cell = ParagraphStyle("cell", fontSize=9.5, leading=12.5, **base)
        self.cell_head = ParagraphStyle("cell_head", fontSize=9.5, leading=12.5, alignment=TA_CENTER, **base)
        self.cell_small = ParagraphStyle("cell_small", fontSize=8, leading=10.5, **base)
        self.cell_small_head = ParagraphStyle("cell_small_head", fontSize=8, leading=10.5, alignment=TA_CENTER, **base)
        self.right = ParagraphStyle("right", parent=self.body, alignment=TA_RIGHT)
        self.left = ParagraphStyle("left", parent=self.body, alignment=TA_LEFT)


_ASCII_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_frag_templates: dict[int, tuple[ParagraphStyle, object]] = {}


_coverage: dict[str, frozenset[int]] = {}


def printable(text: str) -> str:
    """*text* without control and format characters (bell, escape, bidi overrides such as U+202E):
    they have no glyph, and a bidi override would reorder what is printed. Tabs become spaces."""
    if text.isprintable():
        return text
    return "".join(" " if ch == "\t" else ch for ch in text
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))


def _covered(font_name: str) -> frozenset[int]:
    covered = _coverage.get(font_name)
    if covered is None:
        face = getattr(pdfmetrics.getFont(font_name), "face", None)
        covered = _coverage[font_name] = frozenset(getattr(face, "charToGlyph", {}) or ())
    return covered


def missing_glyphs(text: str, font_name: str) -> set[str]:
    """Characters of *text* that *font_name* cannot draw (none for a standard PDF font, which has no cmap)."""
    covered = _covered(font_name)
    if not covered:  # a standard PDF font: nothing we print uses one
        return set()
    return {ch for ch in text if ord(ch) not in covered and not ch.isspace()}


def check_glyphs(text: str, font_name: str) -> set[str]:
    """The characters of *text* to print in a fallback font (生僻字); raise MissingGlyphError if some
    character is in no font at all (never print boxes)."""
    missing = missing_glyphs(text, font_name)
    if missing:
        left = {ch for ch in missing if _fallback_for(ch) is None}
        if left:
            raise MissingGlyphError("".join(sorted(left)), font_name)
    return missing


def _fallback_for(ch: str) -> str | None:
    for name, covered in fallback_fonts():
        if ord(ch) in covered:
            return name
    return None


def _with_fallbacks(text: str, rare: set[str]) -> str:
    """Paragraph markup for *text* (escaped) with each rare character in its fallback font."""
    out = []
    for ch in text:
        if ch in rare:
            out.append(f'<font name="{_fallback_for(ch)}">{escape(ch)}</font>')
        else:
            out.append("<br/>" if ch == "\n" else escape(ch))
    return "".join(out)


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: user data never becomes markup.

    Single-line text skips reportlab's markup parser (a third of a batch's time): the
    paragraph gets one fragment cloned from the style's, with whitespace collapsed as
    the parser would. Text with line breaks goes through the parser, escaped.
    """
    s = printable("" if text is None else str(text))
    rare = check_glyphs(s, style.fontName)
    if rare:
        return Paragraph(_with_fallbacks(s, rare), style)
    if "\n" in s or not s.strip():
        return Paragraph(escape(s).replace("\n", "<br/>"), style)
    cached = _frag_templates.get(id(style))
    if cached is None or cached[0] is not style:
        cached = _frag_templates[id(style)] = (style, Paragraph("x", style).frags[0])
    clean = _ASCII_SPACE.sub(" ", s).strip()
    return Paragraph(clean, style, frags=[cached[1].clone(text=clean)])


CELL_PADDING = 3


def cell(value: object, style: ParagraphStyle, width: float):
    """A table cell: plain text when it fits on one line (cheap to lay out), else a wrapping paragraph."""
    if isinstance(value, Flowable):
        return value
    s = printable("" if value is None else str(value))
    if check_glyphs(s, style.fontName):  # rare characters need a paragraph with fallback fonts
        return para(s, style)
    if "\n" not in s and stringWidth(s, style.fontName, style.fontSize) <= width - 2 * CELL_PADDING - 1:
        return s
    return para(s, style)


def grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    styles: Styles,
    row_heights: float | None = None,
    small: bool = False,
) -> Table:
    """A ruled table whose header row repeats on every page it spans; cells wrap."""
    head_style, cell_style = (styles.cell_small_head, styles.cell_small) if small else (styles.cell_head, styles.cell)
    data = [[cell(h, head_style, w) for h, w in zip(header, widths)]]
    for row in rows:
        data.append([cell(c, cell_style, w) for c, w in zip(row, widths)])
    heights = None
    if row_heights:
        heights = [None] + [row_heights] * len(rows)
    table = Table(data, colWidths=list(widths), rowHeights=heights, repeatRows=1, splitByRow=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.font),  # plain-string cells
                ("FONTSIZE", (0, 0), (-1, -1), cell_style.fontSize),
                ("LEADING", (0, 0), (-1, -1), cell_style.leading),
                ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def field_table(pairs: Sequence[tuple[str, object]], styles: Styles, columns: int = 2, width: float = FRAME_WIDTH) -> Table:
    """Label/value pairs laid out in *columns* pairs per row, ruled, wrapping long values."""
    label_w = 28 * mm
    value_w = width / columns - label_w
    data, row = [], []
    for label, value in pairs:
        row += [cell(label, styles.cell_head, label_w), cell(value, styles.cell, value_w)]
        if len(row) == 2 * columns:
            data.append(row)
            row = []
    if row:
        row += [""] * (2 * columns - len(row))
        data.append(row)
    table = Table(data, colWidths=[label_w, value_w] * columns, splitByRow=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ("FONTSIZE", (0, 0), (-1, -1), styles.cell.fontSize),
                ("LEADING", (0, 0), (-1, -1), styles.cell.leading),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ]
            + [("BACKGROUND", (2 * i, 0), (2 * i, -1), colors.HexColor("#F4F4F4")) for i in range(columns)]
            + [("ALIGN", (2 * i, 0), (2 * i, -1), "CENTER") for i in range(columns)]
        )
    )
    return table


class DocumentStart(Flowable):
    """Zero-size marker opening one document: tells the canvas whose pages follow.

    *qr_matrix* is called when the first page is decorated (after layout), so the matrix
    can be computed meanwhile.
    """

    def __init__(self, index: int, footer_label: str, qr_matrix: Callable[[], object] | None = None,
                 on_drawn: Callable[[int], None] | None = None):
        super().__init__()
        self.index, self.footer_label, self.qr_matrix, self.on_drawn = index, footer_label, qr_matrix, on_drawn
        self.width = self.height = 0
        self.page_count = 0

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        canv = self.canv
        canv._fa_doc = self  # the DeferredCanvas reads this when the page is shown
        if self.on_drawn:
            self.on_drawn(self.index)


class DeferredCanvas(Canvas):
    """A canvas that decorates pages once all are laid out: per-document page numbers, serial, QR."""

    def __init__(self, *args, font_name: str = "Helvetica", **kwargs):
        # The initial font is referenced by every page's preamble: make it the embedded one,
        # otherwise an unembedded Helvetica appears in the font list.
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = font_name
        super().__init__(*args, **kwargs)
        self._fa_font = font_name
        self._fa_doc = None
        self._fa_pages: list[tuple[dict, object, bool]] = []
        self._fa_first = True

    def showPage(self):
        """Keep the finished page's state; it is decorated and emitted in :meth:`save`."""
        doc = self._fa_doc
        first = bool(self._fa_pages) is False or self._fa_pages[-1][1] is not doc
        self._fa_pages.append((dict(self.__dict__), doc, first))
        self._startPage()

    def save(self):
        """Decorate every kept page now that each document's page count is known, then write."""
        counts: dict[int, int] = {}
        for _, doc, _ in self._fa_pages:
            counts[id(doc)] = counts.get(id(doc), 0) + 1
        seen: dict[int, int] = {}
        pages = self._fa_pages
        self._fa_pages = []
        for _, doc, _ in pages:
            if doc is not None:
                doc.page_count = counts[id(doc)]
        for state, doc, first in pages:
            self.__dict__.update(state)
            seen[id(doc)] = seen.get(id(doc), 0) + 1
            self._decorate(doc, seen[id(doc)], counts[id(doc)], first)
            Canvas.showPage(self)
        Canvas.save(self)

    def _decorate(self, doc, page_no: int, page_count: int, first: bool) -> None:
        width, height = self._pagesize
        self.saveState()
        self.setFont(self._fa_font, 8.5)
        y = MARGIN_BOTTOM - 9 * mm
        if doc is not None and doc.footer_label:
            self.drawString(MARGIN_LEFT, y, doc.footer_label)
        if page_count > 1:
            self.drawRightString(width - MARGIN_RIGHT, y, f"第 {page_no} 页 共 {page_count} 页")
        if first and doc is not None and doc.qr_matrix is not None:
            draw_qr(self, doc.qr_matrix(), width - MARGIN_RIGHT - QR_SIZE, height - MARGIN_TOP + 3 * mm, QR_SIZE)
        self.restoreState()


def draw_qr(canv: Canvas, drawing: tuple[int, str], x: float, y: float, size: float) -> None:
    """Draw a QR code given as (modules per side, path operators in module units) at *x*, *y*."""
    n, ops = drawing
    canv.addLiteral(f"q 0 g {size / n:.4f} 0 0 {size / n:.4f} {x:.2f} {y:.2f} cm {ops} f Q")


def frame_width(pagesize=A4) -> float:
    """Width of the text frame on a page of *pagesize*."""
    return pagesize[0] - MARGIN_LEFT - MARGIN_RIGHT


def make_doc_template(target, font_name: str, title: str, author: str = "fieldapp", pagesize=A4) -> BaseDocTemplate:
    """Document template (A4 portrait unless *pagesize*) with one frame inside the margins."""
    page_width, page_height = pagesize
    doc = BaseDocTemplate(
        target,
        pagesize=pagesize,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=author,
        creator="fieldapp printouts",
    )
    frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, page_width - MARGIN_LEFT - MARGIN_RIGHT,
                  page_height - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc._fa_font = font_name
    return doc


def canvas_maker(font_name: str):
    """The canvasmaker for BaseDocTemplate.build: a DeferredCanvas using *font_name*."""

    def make(*args, **kwargs):
        return DeferredCanvas(*args, font_name=font_name, **kwargs)

    return make
