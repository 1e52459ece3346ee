"""Build the translations: ``python -m fieldapp.ui.i18n_tool`` runs Qt's lupdate and lrelease.

``lupdate`` collects every tr()/translate()/QT_TRANSLATE_NOOP string of fieldapp/ui into
``i18n/fieldapp_en.ts`` (keeping existing English); ``lrelease`` compiles it to
``fieldapp_en.qm``, which is committed. Prints how many strings still lack English.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

UI = Path(__file__).resolve().parent
TS = UI / "i18n" / "fieldapp_en.ts"
QM = UI / "i18n" / "fieldapp_en.qm"


def _tool(name: str) -> str:
    here = Path(sys.executable).with_name(name)
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PySide6 (it ships {name})")
    return found


def untranslated(ts: Path = TS) -> list[str]:
    """Source strings of ``ts`` that have no English yet."""
    root = ET.parse(ts).getroot()
    return [m.findtext("source") for m in root.iter("message")
            if (m.find("translation").get("type") == "unfinished" or not (m.findtext("translation") or "").strip())
            and m.find("translation").get("type") != "vanished"]


def main() -> int:
    """Update the .ts from the sources and compile the .qm."""
    sources = sorted(str(p) for p in UI.glob("*.py"))
    subprocess.run([_tool("pyside6-lupdate"), *sources, "-no-obsolete", "-source-language", "zh_CN",
                    "-target-language", "en", "-ts", str(TS)], check=True)
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True)
    gaps = UI / "i18n" / "qt_gaps_zh_CN.ts"  # Qt's own strings its Chinese translation lacks (hand-written)
    subprocess.run([_tool("pyside6-lrelease"), str(gaps), "-qm", str(gaps.with_suffix(".qm"))], check=True)
    missing = untranslated()
    print(f"{len(missing)} strings without English" + (": " + ", ".join(missing[:10]) if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
