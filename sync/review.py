"""The review (审核) of a final visit: its states and the one rule that derives them — pure, no I/O.

待审核 (submitted) → 已审核通过 (approved) or 已退回 (returned, with a comment naming what to fix,
optionally per field) → the visitor's amendment, a new visit linked to the returned one, is
待审核 again. The events are the server's (append-only); laptops receive them by pull and in
USB receipts, and every side derives the state from them with :func:`review_state`.
"""

from __future__ import annotations

SUBMITTED, APPROVED, RETURNED = "submitted", "approved", "returned"
ACTIONS = (APPROVED, RETURNED)
STATE_LABELS_ZH = {SUBMITTED: "待审核", APPROVED: "已审核通过", RETURNED: "已退回"}
MAX_COMMENT = 2000            # characters of a return's comment
MAX_FIELD_COMMENTS = 100      # fields named in one return
MAX_FIELD_NAME = 120


def review_state(events: list[dict]) -> str:
    """The state a visit is in after its review *events* (oldest first): the newest action, else submitted."""
    for event in reversed(events or []):
        if event.get("action") in ACTIONS:
            return event["action"]
    return SUBMITTED


def comment_problems(comment: str, field_comments: dict | None) -> list[str]:
    """Why a return's comment cannot be stored (empty: it can); a return must say what to fix."""
    problems = []
    if not isinstance(comment, str) or not comment.strip():
        problems.append("comment is required")
    elif len(comment) > MAX_COMMENT:
        problems.append(f"comment over {MAX_COMMENT} characters")
    field_comments = field_comments or {}
    if not isinstance(field_comments, dict) or len(field_comments) > MAX_FIELD_COMMENTS:
        return problems + ["field_comments must be an object of at most 100 fields"]
    for name, text in field_comments.items():
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_FIELD_NAME:
            problems.append("a field comment needs a field name")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_COMMENT:
            problems.append(f"the comment on {str(name)[:40]!r} is empty or too long")
    return problems


def field_of(path: str) -> str:
    """The top-level question id of an answer path: ``members[2].id_number`` → ``members``."""
    return path.split("[", 1)[0].split(".", 1)[0]

