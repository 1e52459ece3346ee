"""The PDF text helpers the printouts tests rely on (tests/pdftext.py) see what is printed, and where."""

from __future__ import annotations

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.pdftext import assert_inside_margins, page_texts, page_words, pdf_text


def _pdf(path, placements) -> bytes:
    """A two-page A4 PDF with Helvetica words at (x, y-from-top) on the pages given."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for page in (0, 1):
        for on_page, text, x, top in placements:
            if on_page == page:
                c.setFont("Helvetica", 12)
                c.drawString(x, A4[1] - top, text)
        c.showPage()
    c.save()
    return path.read_bytes()


def test_text_comes_page_by_page_and_from_bytes_as_from_a_file(tmp_path):
    data = _pdf(tmp_path / "a.pdf", [(0, "first page", 100, 100), (1, "second page", 100, 100)])
    assert [t.strip() for t in page_texts(tmp_path / "a.pdf")] == ["first page", "second page"]
    assert pdf_text(data) == pdf_text(tmp_path / "a.pdf")


def test_word_boxes_are_where_the_words_were_drawn(tmp_path):
    _pdf(tmp_path / "a.pdf", [(1, "here", 200, 300)])
    first, second = page_words(tmp_path / "a.pdf")
    assert (round(first.width), round(first.height)) == (595, 842) and first.words == []
    (word,) = second.words
    assert word.text == "here" and abs(word.x0 - 200) < 1 and word.top < 300 < word.bottom


# in the left, right, top and bottom margin, partly off the page, wholly off it on each side
@pytest.mark.parametrize("x, top", [(5, 400), (550, 400), (300, 5), (300, 839), (580, 400), (700, 400), (-80, 400),
                                    (300, -20), (300, 900)])
def test_a_word_in_a_margin_is_found(tmp_path, x, top):
    _pdf(tmp_path / "a.pdf", [(0, "inside", 100, 100), (1, "margin", x, top)])
    with pytest.raises(AssertionError, match="page 2: 'margin'"):
        assert_inside_margins(tmp_path / "a.pdf")


def test_words_inside_pass(tmp_path):
    _pdf(tmp_path / "a.pdf", [(0, "inside", 100, 100), (1, "also inside", 300, 700)])
    assert_inside_margins(tmp_path / "a.pdf")
