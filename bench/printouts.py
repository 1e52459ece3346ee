"""Benchmark: 1,000 notification letters (告知书) in one PDF — time and size per page.

Target: ≤ 5 s and ≤ 15 KB per page on average for 1,000 visit-result letters (each with
its household table, items table, signed QR code, embedded subset CJK font).
Baseline measured in the same run — the limit: plain reportlab canvas drawing the SAME
text lines in the same embedded font, without our templates, tables or QR codes.
The QR codes (segno, pure Python) are also timed on their own, as they are a fixed cost;
in a batch they are encoded by a helper process during layout (its CPU is reported apart).

    .venv/bin/python bench/printouts.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

import forms  # noqa: E402
import printouts  # noqa: E402
from fieldapp.demo import generate  # noqa: E402
from forms.idnumber import mask  # noqa: E402
from printouts.documents.common import zh_date  # noqa: E402
from printouts.documents.letters import household_items, letter_values  # noqa: E402
from printouts.qrmatrix import qr_matrix  # noqa: E402
from printouts.signing import sign_code  # noqa: E402
from printouts.textformat import fill  # noqa: E402
from printouts.visit import read_visit  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_KB_PER_PAGE = 15.0


def letter_lines(req, ctx, serial: str) -> list[tuple[str, float]]:
    """The text of one visit-result letter as (line, font size), as our template prints it."""
    visit = read_visit(req.visit)
    t = ctx.templates.letters["visit_result"]
    values = letter_values(visit, ctx, {})
    head = visit.head
    office = ctx.office(visit.township_code)
    lines = [(t.title, 18), (serial, 10.5),
             (f"户主 {head.name}  公民身份号码 {mask(head.id_number)}", 9.5),
             (f"家庭住址 {visit.address}  家庭人口 {len(visit.members)} 人", 9.5),
             (fill(t.greeting, values), 10.5)]
    items = household_items(ctx.templates.household_items, req.suggestions, visit.answers.get("categories") or ())
    if items:
        lines += [(fill(p, values), 10.5) for p in t.body]
        lines += [(f"{i} {what} {where}", 9.5) for i, (what, where) in enumerate(items, 1)]
        lines.append((fill(t.after_items, values), 10.5))
    else:
        lines.append((fill(t.no_items, values), 10.5))
    lines += [(office.name + "（盖章）", 10.5), (zh_date(ctx.issue_date), 10.5),
              (f"办理地点：{office.address}　联系电话：{office.phone}", 9)]
    return lines


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break *text* into lines no wider than *width* (character by character, as CJK allows)."""
    out, line, used = [], "", 0.0
    for ch in text:
        w = stringWidth(ch, font, size)
        if used + w > width and line:
            out.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    return out + [line] if line else out


def baseline(all_lines: list[list[tuple[str, float]]], font: str) -> tuple[float, int]:
    """Plain canvas: every letter's lines drawn top to bottom, one page per letter. Returns (s, bytes)."""
    start = time.perf_counter()
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=A4, initialFontName=font)
    width = A4[0] - 40 * mm
    for lines in all_lines:
        y = A4[1] - 30 * mm
        for text, size in lines:
            canv.setFont(font, size)
            for part in wrap(text, font, size, width):
                canv.drawString(20 * mm, y, part)
                y -= size * 1.5
        canv.showPage()
    canv.save()
    return time.perf_counter() - start, len(buf.getvalue())


def children_cpu() -> float:
    """CPU seconds used by finished child processes (the QR helper)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    """Run ours and the baseline on the same letters; print medians, ratios and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (< 30 s): 200 letters, 2 rounds")
    args = parser.parse_args()
    count, rounds = (200, 2) if args.quick else (1000, 3)

    reference = forms.load_reference()
    visits = list(generate(count))
    requests = [printouts.LetterRequest(v, suggestions=forms.assess(v, reference).suggestions) for v in visits]
    key = Ed25519PrivateKey.generate()
    ctx = printouts.PrintContext(signing_key=key, reference=reference, issue_date="2026-05-20")
    font = ctx.styles.font  # font registration is a one-off, not timed

    ours, ours_cpu, helper_cpu, sizes, pages = [], [], [], [], 0
    for _ in range(rounds):
        ctx.counter = printouts.MemoryCounter()
        cpu0, kids0, t0 = time.process_time(), children_cpu(), time.perf_counter()
        result = printouts.print_letters("visit_result", requests, ctx, None)
        ours.append(time.perf_counter() - t0)
        ours_cpu.append(time.process_time() - cpu0)
        helper_cpu.append(children_cpu() - kids0)
        sizes.append(len(result.data))
        pages = result.pages
    serials = [d.serial for d in result.documents]

    all_lines = [letter_lines(r, ctx, s) for r, s in zip(requests, serials)]
    base, base_sizes = [], []
    for _ in range(rounds):
        seconds, size = baseline(all_lines, font)
        base.append(seconds)
        base_sizes.append(size)

    codes = [sign_code(key, "letter_visit_result", s, "2026-05-20", "A" * 22) for s in serials]
    t0 = time.perf_counter()
    for code in codes:
        qr_matrix(code)
    qr_seconds = time.perf_counter() - t0

    ours_s, base_s = statistics.median(ours), statistics.median(base)
    kb_page = statistics.median(sizes) / 1024 / pages
    base_kb_page = statistics.median(base_sizes) / 1024 / count
    scale = 1000 / count  # the target is stated for 1,000 letters
    print(f"letters: {count}, pages: {pages}, rounds: {rounds} (medians; ours per round: "
          + ", ".join(f"{x:.2f}" for x in ours) + " s)")
    print(f"ours:     {ours_s:7.2f} s wall ({statistics.median(ours_cpu):.2f} s CPU + {statistics.median(helper_cpu):.2f} s "
          f"in the QR helper), {ours_s / count * 1000:6.2f} ms/letter, {kb_page:5.2f} KB/page")
    print(f"baseline: {base_s:7.2f} s wall, {base_s / count * 1000:6.2f} ms/letter, {base_kb_page:5.2f} KB/page "
          f"(plain canvas, same text, no tables/QR)")
    print(f"ratio ours/baseline: {ours_s / base_s:.2f}x time, {kb_page / base_kb_page:.2f}x size")
    print(f"QR codes alone (segno): {qr_seconds:.2f} s = {qr_seconds / ours_s:.0%} of ours")
    projected = ours_s * scale
    print(f"per 1,000 letters: {projected:.2f} s (target ≤ {TARGET_SECONDS} s), {kb_page:.2f} KB/page (target ≤ {TARGET_KB_PER_PAGE})")
    print(f"RESULT letters={count} seconds={ours_s:.2f} seconds_per_1000={projected:.2f} cpu_seconds={statistics.median(ours_cpu):.2f} "
          f"helper_cpu_seconds={statistics.median(helper_cpu):.2f} kb_per_page={kb_page:.2f} baseline_seconds={base_s:.2f} baseline_kb_per_page={base_kb_page:.2f} "
          f"ratio_time={ours_s / base_s:.2f} qr_seconds={qr_seconds:.2f} "
          f"meets_time={'yes' if projected <= TARGET_SECONDS else 'no'} meets_size={'yes' if kb_page <= TARGET_KB_PER_PAGE else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
