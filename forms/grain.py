"""The grain of a household record for sync: repeat groups and their row ids, calculated answers.

A household record holds only what people typed. Calculated answers (``household_size``,
``per_capita_income_fen``, ``members[i].age``, ``incomes[i].counted`` …) are recomputed by
:meth:`FormDefinition.calculate` wherever they are shown, and are never stored or synced.
Every repeat row carries a stable id (its readonly ``*_id`` child: ``member_id``, ``need_id``,
``income_id`` …), so that the sync merge can work row by row. A readonly repeat inside a row
(a need's ``history``) is append-only.

:class:`Grain` is plain data; ``sync.merge`` works with it and knows nothing of forms.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field

__all__ = ["Grain", "grain_of", "shipped_grain", "strip_calculated", "calculated_paths", "with_row_ids",
           "legacy_row_id", "ROW_NOUNS", "describe_path"]

# Row ids given to rows recorded before rows had ids: the same on every laptop and on the server.
ROW_ID_NAMESPACE = uuid.UUID("5b0e7c52-6d1f-4b8e-9a51-3f3c9d0a1e11")

ROW_NOUNS = {
    "members": "第 {n} 位成员", "needs": "第 {n} 项诉求", "supporters": "第 {n} 位赡养（抚养、扶养）义务人",
    "incomes": "第 {n} 项收入", "expenses": "第 {n} 项刚性支出", "livestock": "第 {n} 项牲畜",
    "vehicles": "第 {n} 辆车辆/农机具", "benefits": "第 {n} 项已享受救助",
}


@dataclass(frozen=True)
class Grain:
    """Which top-level answers are repeat groups (with their row-id child), and what is calculated."""

    row_keys: dict = field(default_factory=dict)         # group -> id child, e.g. {"members": "member_id"}
    appended: dict = field(default_factory=dict)         # group -> frozenset of append-only children ("history")
    calculated: frozenset = frozenset()                  # calculated top-level ids
    row_calculated: dict = field(default_factory=dict)   # group -> frozenset of calculated children


EMPTY = Grain()


def grain_of(*forms) -> Grain:
    """The grain of one or more form definitions (the union, for several versions of one form)."""
    row_keys, appended, calculated, row_calc = {}, {}, set(), {}
    for form in forms:
        for q in form.top_level():
            if q.is_calculated:
                calculated.add(q.id)
            if not q.is_repeat:
                continue
            for c in q.children:
                if c.readonly and c.id.endswith("_id") and c.type != "repeat":
                    row_keys.setdefault(q.id, c.id)
                elif c.readonly and c.type == "repeat":
                    appended[q.id] = appended.get(q.id, frozenset()) | {c.id}
                if c.is_calculated:
                    row_calc[q.id] = row_calc.get(q.id, frozenset()) | {c.id}
    return Grain(row_keys, appended, frozenset(calculated), row_calc)


@functools.lru_cache(maxsize=None)
def shipped_grain() -> Grain:
    """The grain of every shipped version of ``four_clarifications`` (their union)."""
    from forms.loader import available_versions, load_form

    return grain_of(*(load_form("four_clarifications", v) for v in available_versions("four_clarifications")))


def strip_calculated(values: dict, grain: Grain) -> dict:
    """A copy of *values* (answers or household fields) without any calculated answer."""
    out = {}
    for name, value in values.items():
        if name in grain.calculated:
            continue
        drop = grain.row_calculated.get(name)
        if drop and isinstance(value, list):
            value = [{k: v for k, v in row.items() if k not in drop} if isinstance(row, dict) else row for row in value]
        out[name] = value
    return out


def calculated_paths(values: dict, grain: Grain) -> list[str]:
    """Where calculated answers appear in *values* (top-level names, ``group/<row>/child`` and ``group[i].child``)."""
    calculated, row_calculated = grain.calculated, grain.row_calculated
    if calculated.isdisjoint(values) and "/" not in "".join(values):   # no path names: only rows can hold one
        clean = True
        for group, drop in row_calculated.items():
            rows = values.get(group)
            if isinstance(rows, list):
                for row in rows:
                    if isinstance(row, dict) and not drop.isdisjoint(row):
                        clean = False
        if clean:
            return []      # the common case, checked on every pushed change
    found = []
    for name, value in values.items():
        if "/" not in name:
            if name in calculated:
                found.append(name)
                continue
            drop = row_calculated.get(name)
            if drop and isinstance(value, list):
                found += [f"{name}[{i}].{k}" for i, row in enumerate(value)
                          if isinstance(row, dict) and not drop.isdisjoint(row) for k in sorted(set(row) & drop)]
            continue
        top, _, rest = name.partition("/")
        if top in calculated:
            found.append(name)
            continue
        drop = row_calculated.get(top) or frozenset()
        if not drop:
            continue
        parts = rest.split("/")
        if len(parts) == 2 and parts[1] in drop:
            found.append(name)
        elif len(parts) == 1 and isinstance(value, dict):
            found += [f"{name}/{k}" for k in sorted(set(value) & drop)]
    return found


def legacy_row_id(household_id: str, group: str, index: int) -> str:
    """The id of row *index* of *group*, for a row recorded before rows had ids (deterministic)."""
    return str(uuid.uuid5(ROW_ID_NAMESPACE, f"{household_id}/{group}/{index}"))


def with_row_ids(values: dict, grain: Grain, household_id: str) -> dict:
    """*values* with an id in every repeat row that lacks one (a copy where something was added)."""
    out = values
    for group, key in grain.row_keys.items():
        rows = values.get(group)
        if not isinstance(rows, list) or all(not isinstance(r, dict) or r.get(key) for r in rows):
            continue
        if out is values:
            out = dict(values)
        out[group] = [dict(r, **{key: legacy_row_id(household_id, group, i)})
                      if isinstance(r, dict) and not r.get(key) else r for i, r in enumerate(rows)]
    return out


def describe_path(form, fields: dict, path: str, lang: str = "zh") -> str:
    """A path of the merge as people read it: ``members/<id>/health`` → "第 2 位成员 · 健康状况".

    :param form: the form definition whose labels are used
    :param fields: the household's fields (to find the row's position)
    """
    parts = path.split("/")
    try:
        q = form.question(parts[0])
    except (KeyError, LookupError):
        return path
    if len(parts) == 1:
        return q.label(lang)
    rows = fields.get(parts[0]) if isinstance(fields.get(parts[0]), list) else []
    key = next((c.id for c in q.children if c.readonly and c.id.endswith("_id")), None)
    position = next((i for i, r in enumerate(rows) if isinstance(r, dict) and key and r.get(key) == parts[1]), None)
    noun = ROW_NOUNS.get(parts[0], q.label(lang) + " 第 {n} 行")
    row_text = noun.format(n=position + 1) if position is not None else f"{q.label(lang)}（已删除的一行）"
    if len(parts) == 2:
        return row_text
    try:
        child = q.child(parts[2]).label(lang)
    except (KeyError, LookupError):
        child = parts[2]
    return f"{row_text} · {child}"


def describe_value(form, path: str, value, lang: str = "zh") -> str:
    """A value at *path* as short readable text (option labels, yuan for money; "（删除）" for a deleted row)."""
    if value is None:
        return "（删除）" if path.count("/") == 1 else "（未填）"
    parts = path.split("/")
    try:
        q = form.question(parts[0])
        if len(parts) == 3:
            q = q.child(parts[2])
    except (KeyError, LookupError):
        q = None
    if isinstance(value, dict):  # a whole row: its first few answers
        return "，".join(str(v) for k, v in value.items() if not k.endswith("_id") and v not in (None, "", []))[:60] or "（空行）"
    if q is not None and q.type in ("single", "yes_no", "yes_no_unknown"):
        return q.option_label(value, lang)
    if q is not None and q.type == "multi" and isinstance(value, list):
        return "、".join(q.option_label(v, lang) for v in value)
    if q is not None and q.type == "money" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value // 100}.{value % 100:02d} 元" if value >= 0 else str(value)
    if isinstance(value, list):
        return f"{len(value)} 项"
    return str(value)
