"""Turning one answer into the text a printout shows, by the question's type in the form definition."""

from __future__ import annotations

from typing import Any

from printouts.documents.common import yuan

HIDDEN_CHILDREN = {"member_id", "need_id", "history"}


def is_blank(value: Any) -> bool:
    """True for an unanswered value."""
    return value is None or value == "" or value == [] or value == {}


def answer_text(question: Any, value: Any, member_names: dict | None = None) -> str:
    """The printed text of *value* for *question* (a forms Question): labels, yuan, lists.

    :param member_names: member_id → name, for questions that name household members (``member_refs``).
    """
    if is_blank(value):
        return ""
    qtype = question.type
    if qtype in ("single", "yes_no", "yes_no_unknown"):
        return question.option_label(value, "zh")
    if qtype == "multi":
        values = value if isinstance(value, (list, tuple)) else [value]
        return "、".join(question.option_label(v, "zh") for v in values)
    if qtype == "money":
        return yuan(value)
    if qtype == "boolean":
        return "是" if value else "否"
    if qtype == "text_list":
        return "、".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    if qtype == "member_refs":
        if not isinstance(value, list):
            return ""
        names = member_names or {}
        return "、".join(str(names.get(v) or "（已不在本户）") for v in value)
    if qtype == "repeat":
        return f"{len(value)} 项" if isinstance(value, list) else ""
    return str(value)
