"""Render every document type to docs/screenshots/print-<doc>.png (not a test; run by hand).

    .venv/bin/python tests/printouts/screenshots.py

Pages are rasterised by pdftoppm -r 60 with an EMPTY fontconfig, i.e. as on a machine
with no fonts installed: what shows is only what the PDF embeds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

import printouts  # noqa: E402
from printouts import Change, LetterRequest, MemoryCounter, PrintContext  # noqa: E402
from printfixtures import base_visit, big_visit, visit_with  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def rasterise(pdf: Path, name: str, env: dict, pages: int = 1) -> list[Path]:
    """pdftoppm -r 60 -png, first *pages* pages, to docs/screenshots/print-<name>[-pN].png."""
    written = []
    for page in range(1, pages + 1):
        target = OUT / (f"print-{name}.png" if page == 1 else f"print-{name}-p{page}.png")
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(pdf), str(target.with_suffix(""))], check=True, env=env)
        written.append(target)
    return written


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="fieldapp-shots-"))
    conf = tmp / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<cachedir>{tmp}/fc</cachedir></fontconfig>', encoding="utf-8")
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    ctx = PrintContext(signing_key=Ed25519PrivateKey.generate(), counter=MemoryCounter(), issue_date="2026-05-20")
    big = big_visit(12)
    rare = base_visit()
    rare["answers"]["members"][1]["name"] = "刘䶮"  # 䶮 (CJK Extension A) prints in the fallback font
    jobs = [
        ("consent-rare-name", lambda p: printouts.print_consent([rare], ctx, p), 1),
        ("consent", lambda p: printouts.print_consent([big], ctx, p), 2),
        ("visit-record", lambda p: printouts.print_visit_records([big], ctx, p), 3),
        ("letter-visit-result", lambda p: printouts.print_letters("visit_result", [LetterRequest(base_visit())], ctx, p), 1),
        ("letter-review", lambda p: printouts.print_letters("review", [LetterRequest(big)], ctx, p), 1),
        ("letter-referral", lambda p: printouts.print_letters("referral", [LetterRequest(base_visit())], ctx, p), 1),
        ("letter-change", lambda p: printouts.print_letters("change", [LetterRequest(
            base_visit(), changes=[Change("低保金（每月）", "620.00 元", "480.00 元"),
                                   Change("保障类别", "低保 B 类", "低保 A 类")], effective_date="2026-06-01")], ctx, p), 1),
        ("ledger", lambda p: printouts.print_ledger(
            [base_visit(), big, visit_with(village_code="990101002201", address="演示县演示乡柳树村 8 号")], ctx, p), 1),
    ]
    for name, make, pages in jobs:
        pdf = tmp / f"{name}.pdf"
        result = make(pdf)
        for path in rasterise(pdf, name, env, min(pages, result.pages)):
            print(path.relative_to(ROOT))
    xlsx = tmp / "ledger.xlsx"
    printouts.export_ledger_xlsx([base_visit(), big], ctx, xlsx)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(xlsx)], check=True, capture_output=True, timeout=240)
    for path in rasterise(tmp / "ledger.pdf", "ledger-xlsx", env, 2):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
