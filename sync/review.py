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


# --- the API's messages (sync/server/app.py, sync/client.py) -------------------------------------
from typing import Any  # noqa: E402

from pydantic import BaseModel, ConfigDict, Field  # noqa: E402


class ReviewEvent(BaseModel):
    """One approval or return, as stored and as pulled."""

    review_seq: int
    event_id: str
    visit_id: str
    household_id: str
    village_code: str
    township_code: str
    action: str
    comment: str
    field_comments: dict[str, str]
    reviewer: str
    reviewer_role: str
    reviewer_name: str
    at: str


class ReviewPage(BaseModel):
    """Review events after a cursor in the device's area."""

    events: list[ReviewEvent]
    cursor: int
    more: bool


class ApproveRequest(BaseModel):
    """Approve these visits (bulk approval of a filtered list)."""

    model_config = ConfigDict(extra="forbid")
    visit_ids: list[str] = Field(min_length=1, max_length=1000)
    reviewer_name: str = Field(default="", max_length=80)


class ApproveResponse(BaseModel):
    """What was approved, and which visits were skipped because they were no longer waiting."""

    approved: list[ReviewEvent]
    skipped: list[dict[str, str]]


class ReturnRequest(BaseModel):
    """Return one visit with a comment (required) and optional comments per field."""

    model_config = ConfigDict(extra="forbid")
    visit_id: str = Field(min_length=1, max_length=64)
    comment: str = Field(max_length=MAX_COMMENT)
    field_comments: dict[str, str] = Field(default_factory=dict)
    reviewer_name: str = Field(default="", max_length=80)


class QueueItem(BaseModel):
    """A visit waiting for review with the rules' suggestions and the form check's problems."""

    visit_id: str
    household_id: str
    village_code: str
    visit_date: Any = None
    visitors: list[Any] = Field(default_factory=list)
    head_name: str = ""
    amends: str | None = None
    suggestions: list[str] = Field(default_factory=list)
    problems: list[dict[str, str]] = Field(default_factory=list)
    suggestions_note: str = ""


class ReviewHistory(BaseModel):
    """A visit's review state and every event, with the amendment links."""

    visit_id: str
    household_id: str
    state: str
    state_zh: str
    events: list[ReviewEvent]
    amends: str | None = None
    amended_by: list[str] = Field(default_factory=list)
