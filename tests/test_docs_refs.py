"""Every test a document names exists: docs/security.md ties each claim to ``tests/…py::test_name``.

A renamed or deleted test would otherwise leave a claim that nothing shows any more.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?")
DOCS = sorted((ROOT / "docs").glob("*.md"))


def named_tests(doc: Path) -> set[tuple[str, str]]:
    return set(REFERENCE.findall(doc.read_text(encoding="utf-8")))


def test_the_security_page_names_its_tests():
    assert len([name for _, name in named_tests(ROOT / "docs" / "security.md") if name]) > 100


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_test_a_document_names_exists(doc):
    missing = []
    for file, name in sorted(named_tests(doc)):
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name and not re.search(rf"^\s*(async\s+)?def {re.escape(name)}\b", path.read_text(encoding="utf-8"), re.M):
            missing.append(f"{file}::{name}")
    assert missing == [], f"{doc.name} names tests that do not exist: {missing}"
