""""Today" is one rule, in one place: the date in China (UTC+8), whatever the machine's time zone.

A county server often runs on UTC and a laptop's clock may be set to any zone; between 00:00 and
08:00 China time the machine's own date is still yesterday. A visit dated, a review counted overdue or
a letter issued on "yesterday" is wrong on paper. Every product module asks ``forms.expressions``.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("fieldapp", "forms", "printouts", "sync")
THE_ONE_PLACE = Path("forms/expressions.py")


def _today_calls(path: Path) -> list[int]:
    """Lines of ``<anything>.today()`` and of ``datetime.now()`` without a time zone in *path*."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "today" and not node.args:
                found.append(node.lineno)
            elif (node.func.attr == "now" and not node.args and not node.keywords
                  and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "datetime"):
                found.append(node.lineno)
    return found


def test_no_product_module_reads_the_machine_date():
    offenders = []
    for top in PRODUCT:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel == THE_ONE_PLACE:
                continue
            offenders += [f"{rel}:{line}" for line in _today_calls(path)]
    assert offenders == [], "use forms.expressions.local_today(): " + ", ".join(offenders)


def test_the_scan_finds_a_machine_date(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as dt\nfrom datetime import date, datetime\n"
                      "a = dt.date.today()\nb = date.today()\nc = dt.datetime.now()\n"
                      "d = dt.datetime.now(dt.timezone.utc)\n", encoding="utf-8")
    assert _today_calls(sample) == [3, 4, 5]


def _china_date() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()


def test_the_product_dates_in_china_time_whatever_the_machine_zone():
    """Under UTC-12 and UTC+14 (between them, one differs from China's date at any hour)."""
    probe = ("import datetime as dt\n"
             "from forms.expressions import today\n"
             "from fieldapp.ui.print_preview import suggested_file_name\n"
             "print(dt.date.today().isoformat(), today(), suggested_file_name('户').removesuffix('.pdf').split('_')[-1])\n")
    machine_dates = set()
    for zone in ("Etc/GMT+12", "Etc/GMT-14"):
        before = _china_date()
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT,
                             env={**os.environ, "TZ": zone, "QT_QPA_PLATFORM": "offscreen"}).stdout.split()
        after = _china_date()
        machine, forms_today, file_day = out
        machine_dates.add(machine)
        assert forms_today in (before, after) and file_day == forms_today, (zone, out)
    assert machine_dates - {_china_date()}, "one of the two zones must have disagreed with China's date"
