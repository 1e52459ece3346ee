"""Filling county-editable wording safely: only named placeholders, no attribute or index access.

Template text comes from reference data, not code, so ``str.format`` on it must not
reach attributes (``{x.__class__}``) or items (``{x[0]}``); only ``{name}`` and
``{name:format_spec}`` with a known name are accepted.
"""

from __future__ import annotations

from string import Formatter
from typing import Iterable, Mapping

_FORMATTER = Formatter()


def placeholders(text: str) -> list[str]:
    """The placeholder names used in *text*; raise ValueError on anything but plain names."""
    names = []
    for _, name, spec, conv in _FORMATTER.parse(text):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"占位符 {{{name}}} 只能是简单名称")
        if conv:
            raise ValueError(f"占位符 {{{name}!{conv}}} 不允许转换")
        if spec and "{" in spec:
            raise ValueError(f"占位符 {{{name}}} 的格式不允许嵌套")
        names.append(name)
    return names


def check_placeholders(text: str, allowed: Iterable[str]) -> None:
    """Raise ValueError if *text* is malformed or uses a name outside *allowed*."""
    allowed = set(allowed)
    unknown = [n for n in placeholders(text) if n not in allowed]
    if unknown:
        raise ValueError("未知占位符：" + "、".join("{" + n + "}" for n in unknown) + "；可用：" + "、".join(sorted(allowed)))


def fill(text: str, values: Mapping[str, object]) -> str:
    """Substitute ``{name}`` / ``{name:spec}`` in *text* from *values* (names checked at load)."""
    out = []
    for literal, name, spec, _ in _FORMATTER.parse(text):
        out.append(literal)
        if name is not None:
            out.append(format(values[name], spec or ""))
    return "".join(out)
