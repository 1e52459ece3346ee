"""The review API's messages (``/v1/reviews*``, :mod:`sync.server.app`); the rules are in :mod:`sync.review`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sync.review import MAX_COMMENT


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
    submitted: list[dict[str, Any]] = Field(default_factory=list)
    events: list[ReviewEvent]
    amends: str | None = None
    amended_by: list[str] = Field(default_factory=list)
