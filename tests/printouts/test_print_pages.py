"""What lands on paper: the printed QR code is the signed code, and pages render the same on a
machine with no fonts installed (everything needed is embedded)."""

from __future__ import annotations

import os
import shutil
import subprocess

from PIL import Image
from reportlab.lib.units import mm

from printouts import LetterRequest, print_consent, print_letters, verify_code
from printouts.layout import MARGIN_RIGHT, MARGIN_TOP, PAGE_HEIGHT, PAGE_WIDTH, QR_SIZE
from printouts.qrmatrix import qr_matrix
from printfixtures import base_visit, big_visit, need_tool

DPI = 300


def _render(pdf, stem, env=None, dpi=DPI, page=1) -> Image.Image:
    need_tool("pdftoppm")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile", str(pdf), str(stem)],
                   check=True, env=env, capture_output=True, timeout=120)
    return Image.open(f"{stem}.png").convert("L")


def test_the_printed_qr_code_is_the_signed_code(ctx, signing_key, tmp_path):
    pdf = tmp_path / "letter.pdf"
    result = print_letters("review", [LetterRequest(base_visit(), due_date="2026-11-20")], ctx, pdf)
    code = result.documents[0].code
    assert verify_code(code, [signing_key.public_key()])
    expected = qr_matrix(code)
    n = len(expected)
    image = _render(pdf, tmp_path / "page")
    px = DPI / 72.0
    left = (PAGE_WIDTH - MARGIN_RIGHT - QR_SIZE) * px
    top = (PAGE_HEIGHT - (PAGE_HEIGHT - MARGIN_TOP + 3 * mm + QR_SIZE)) * px
    module = QR_SIZE * px / n
    seen = [[1 if image.getpixel((int(left + (c + 0.5) * module), int(top + (r + 0.5) * module))) < 128 else 0
             for c in range(n)] for r in range(n)]
    assert seen == [list(row) for row in expected]


def test_pages_render_identically_without_any_system_font(ctx, tmp_path):
    pdf = tmp_path / "consent.pdf"
    print_consent([big_visit()], ctx, pdf)
    empty = tmp_path / "fonts.conf"
    empty.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                     f'<cachedir>{tmp_path}/fc-cache</cachedir></fontconfig>', encoding="utf-8")
    bare = dict(os.environ, FONTCONFIG_FILE=str(empty))
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list"], env=bare, capture_output=True, text=True)
        assert listed.stdout.strip() == ""  # really no font visible to poppler
    with_fonts = _render(pdf, tmp_path / "with", dpi=60)
    without = _render(pdf, tmp_path / "without", env=bare, dpi=60)
    assert with_fonts.size == without.size
    assert with_fonts.tobytes() == without.tobytes()
    # and the page is not blank: Chinese text drew dark pixels
    assert sum(1 for v in without.tobytes() if v < 128) > 5000


def test_a_qr_reader_reads_every_documents_code_back(ctx, signing_key, tmp_path):
    from printouts.scan import read_codes_from_pdf

    need_tool("pdftoppm")
    pdf = tmp_path / "consent3.pdf"
    result = print_consent([base_visit(), big_visit()], ctx, pdf, copies=3)
    codes = read_codes_from_pdf(pdf)
    assert codes == [d.code for d in result.documents]  # one per copy, in page order (first pages only)
    assert {verify_code(c, [signing_key.public_key()]).serial for c in codes} == {
        "演镇核授〔2026〕0001号", "演镇核授〔2026〕0002号"}
