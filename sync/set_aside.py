"""Set-aside reports (issue 19): what a laptop tells the county about changes the server refused.

A change the server refuses on its own (a poison pill) is set aside on the laptop while
everything else syncs. So that the township office sees it too, the laptop reports its whole
current list at every sync (``POST /v1/set-aside``) and in every USB bundle (``set_aside`` in the
payload); the server keeps the newest list per device. A fixed and resent change drops out of
the next list, so its report disappears. Only metadata crosses: ids, the error code and the
server's message — never the answers themselves.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sync.protocol import UUID_PATTERN

MAX_REPORTED = 1000        # set-aside changes per report (a laptop with more has a bigger problem)
MAX_MESSAGE = 300


class SetAsideItem(BaseModel):
    """One set-aside change as reported: no answer values, only what the office needs to act."""

    model_config = ConfigDict(extra="forbid")

    change_id: str = Field(pattern=UUID_PATTERN)
    entity: str = Field(pattern=r"^(household|visit)$")
    household_id: str = Field(min_length=1, max_length=80)
    visit_id: str | None = Field(default=None, max_length=80)
    village_code: str | None = Field(default=None, max_length=20)   # as the laptop has it: maybe the cause
    code: str = Field(pattern=r"^[A-Z_]{1,40}$")
    message: str = Field(default="", max_length=MAX_MESSAGE)
    set_aside_at: str = Field(min_length=1, max_length=40)


class SetAsideReport(BaseModel):
    """A laptop's whole current list of set-aside changes (empty: none any more)."""

    model_config = ConfigDict(extra="forbid")

    items: list[SetAsideItem] = Field(max_length=MAX_REPORTED)


class SetAsideStored(BaseModel):
    """How many reported changes the server now holds for the device."""

    stored: int


class SetAsideEntry(SetAsideItem):
    """A stored report row as the office sees it: which laptop, which household, why."""

    device_id: str
    device_label: str = ""
    township_code: str
    reported_at: str


def report_items(changes: list[dict]) -> list[dict]:
    """The report of a vault's :meth:`set_aside_changes`: metadata of each change, bounded, no answer values."""
    items = []
    for change in changes[:MAX_REPORTED]:
        why = change.get("set_aside") or {}
        village = change.get("village_code")
        items.append({"change_id": change["change_id"], "entity": change["entity"],
                      "household_id": str(change["household_id"])[:80],
                      "visit_id": change["entity_id"] if change["entity"] == "visit" else None,
                      "village_code": str(village)[:20] if village is not None else None,
                      "code": str(why.get("code") or "CHANGE_INVALID")[:40],
                      "message": clean_text(why.get("reason", ""))[:MAX_MESSAGE],
                      "set_aside_at": str(why.get("at") or change.get("at") or "")[:40] or "unknown"})
    return items


def clean_text(text: str) -> str:
    """The server's message as it can travel (no NUL, no lone surrogates)."""
    return str(text).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
