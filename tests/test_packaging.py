"""Every data file the packages read at run time is declared as package data, so a wheel install works."""

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_SUFFIXES = {".py", ".pyc"}


def test_every_data_file_is_declared_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = config["tool"]["setuptools"]["package-data"]
    undeclared = []
    for top in ("fieldapp", "forms", "sync", "printouts"):
        for path in (ROOT / top).rglob("*"):
            if not path.is_file() or path.suffix in SKIP_SUFFIXES or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(ROOT)
            covered = False
            for package, patterns in declared.items():
                pkg_dir = Path(*package.split("."))
                if pkg_dir in rel.parents:
                    inner = rel.relative_to(pkg_dir).as_posix()
                    covered |= any(fnmatch.fnmatch(inner, pattern) for pattern in patterns)
            if not covered:
                undeclared.append(str(rel))
    assert not undeclared, f"data files missing from [tool.setuptools.package-data]: {undeclared}"
