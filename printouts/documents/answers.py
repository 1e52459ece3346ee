"""Turning one answer into the text a printout shows: forms' rule, with paper's blank and full ID numbers."""

from __future__ import annotations

from typing import Any

from forms.display import answer_text as _answer_text
from forms.display import is_blank

__all__ = ["HIDDEN_CHILDREN", "is_blank", "answer_text"]

HIDDEN_CHILDREN = {"member_id", "need_id", "history"}


def answer_text(question: Any, value: Any, member_names: dict | None = None) -> str:
    """The printed text of *value* for *question* (a forms Question): labels, yuan, lists; blank when unanswered.

    :param member_names: member_id → name, for questions that name household members (``member_refs``).
    """
    return _answer_text(question, value, "zh", blank="", mask_ids=False, member_names=member_names or {})
