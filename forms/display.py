"""An answer as the text a person reads: the one rule shared by the app's screens and the printouts."""

from __future__ import annotations

from typing import Any

from forms.idnumber import mask
from forms.money import fen_to_yuan_str

__all__ = ["is_blank", "answer_text"]


def is_blank(value: Any) -> bool:
    """True for an unanswered value."""
    return value is None or value == "" or value == [] or value == {}


def answer_text(question: Any, value: Any, language: str = "zh", *, blank: str = "—", mask_ids: bool = True,
                member_names: dict | None = None) -> str:
    """*value* of *question* (a forms Question) as text: option labels, yuan with two decimals, lists, counts.

    :param blank: what an unanswered value shows ("—" on screen, "" on paper where a line is drawn).
    :param mask_ids: ID numbers as 110105********002X (screens); False only where the task needs the number.
    :param member_names: member_id → name for answers naming household members (``member_refs``); without it
        such an answer shows how many members it names.
    """
    if is_blank(value):
        return blank
    zh = language == "zh"
    qtype = question.type
    if qtype in ("single", "yes_no", "yes_no_unknown"):
        return question.option_label(value, language)
    if qtype == "multi":
        values = value if isinstance(value, (list, tuple)) else [value]
        return "、".join(question.option_label(v, language) for v in values) if zh else \
            ", ".join(question.option_label(v, language) for v in values)
    if qtype == "money":
        if isinstance(value, bool) or not isinstance(value, int):
            return str(value)
        return fen_to_yuan_str(value) + (" 元" if zh else " yuan")
    if qtype == "boolean":
        return ("是" if value else "否") if zh else ("Yes" if value else "No")
    if qtype == "text_list":
        if not isinstance(value, (list, tuple)):
            return str(value)
        return ("、" if zh else ", ").join(str(v) for v in value)
    if qtype == "id_number":
        return mask(str(value)) if mask_ids else str(value)
    if qtype == "member_refs":
        if not isinstance(value, list):
            return blank
        if member_names is None:
            return f"{len(value)} 人" if zh else f"{len(value)} member(s)"
        gone = "（已不在本户）" if zh else "(no longer in the household)"
        return ("、" if zh else ", ").join(str(member_names.get(v) or gone) for v in value)
    if qtype == "repeat":
        if not isinstance(value, list):
            return blank
        return f"{len(value)} 项" if zh else f"{len(value)} rows"
    return str(value)
