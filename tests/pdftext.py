"""The text of a PDF as a reader's viewer extracts it: poppler's ``pdftotext -layout``.

Poppler (poppler-utils, installed by scripts/_setup.sh) reads a page of these printouts in a few
milliseconds; pdfplumber (pdfminer, pure Python) took 0.2–0.3 s a page, 1.5–3.3 s a document of
6–18 pages (0.03–0.07 s with poppler). ``-layout`` keeps each printed line on one line of text,
as pdfplumber did; columns are separated by runs of spaces (``flat`` in printfixtures drops them).
``page_words`` gives each page's size and the box of every word on it (``pdftotext -bbox``), for
the checks that nothing is printed into a page's margins.
"""

from __future__ import annotations

import io
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

_XHTML = "{http://www.w3.org/1999/xhtml}"
OFF_PAGE = 300.0   # points around each page searched for words printed off it


def _pdf_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if isinstance(source, io.IOBase) or hasattr(source, "read"):
        source.seek(0)
        return source.read()
    return Path(source).read_bytes()


def page_texts(source) -> list[str]:
    """The text of each page of the PDF at *source* (a path, bytes or a binary file object)."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=_pdf_bytes(source),
                         capture_output=True, check=True, timeout=60).stdout.decode("utf-8")
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages   # pdftotext ends every page with a form feed


def pdf_text(source) -> str:
    """All text of the PDF at *source*, page after page."""
    return "\n".join(page_texts(source))


@dataclass(frozen=True)
class Word:
    text: str
    x0: float       # points from the page's left edge
    top: float      # points from the page's top edge
    x1: float
    bottom: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]


def page_words(source) -> list[Page]:
    """Every page of the PDF at *source* with the bounding box of each word printed on it, also of words
    drawn beyond the page's edges (pdftotext reads only what lies on a page, so each page is first given a
    media box OFF_PAGE points larger on every side; the boxes are given in the page's own coordinates)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import RectangleObject

    reader, writer, sizes = PdfReader(io.BytesIO(_pdf_bytes(source))), PdfWriter(), []
    for page in reader.pages:
        box = page.mediabox
        sizes.append((float(box.width), float(box.height)))
        grown = RectangleObject([float(box.left) - OFF_PAGE, float(box.bottom) - OFF_PAGE,
                                 float(box.right) + OFF_PAGE, float(box.top) + OFF_PAGE])
        page.mediabox = page.cropbox = grown
        writer.add_page(page)
    grown_pdf = io.BytesIO()
    writer.write(grown_pdf)
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], input=grown_pdf.getvalue(),
                         capture_output=True, check=True, timeout=60).stdout
    pages = []
    for (width, height), page in zip(sizes, ET.fromstring(out).iter(f"{_XHTML}page"), strict=True):
        words = [Word(w.text or "", float(w.get("xMin")) - OFF_PAGE, float(w.get("yMin")) - OFF_PAGE,
                      float(w.get("xMax")) - OFF_PAGE, float(w.get("yMax")) - OFF_PAGE)
                 for w in page.iter(f"{_XHTML}word")]
        pages.append(Page(width, height, words))
    return pages


def assert_inside_margins(source, x: float = 15, y: float = 10) -> None:
    """No word of the PDF at *source* reaches into the outer *x* points left and right, *y* top and bottom."""
    pages = page_words(source)
    assert pages and any(page.words for page in pages), "no text on any page"
    for number, page in enumerate(pages, 1):
        for w in page.words:
            assert x <= w.x0 and w.x1 <= page.width - x, f"page {number}: {w.text!r} at x {w.x0:.1f}–{w.x1:.1f}"
            assert y <= w.top and w.bottom <= page.height - y, f"page {number}: {w.text!r} at y {w.top:.1f}–{w.bottom:.1f}"
