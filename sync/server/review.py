"""Review (审核) operations on the server: approve, approve in bulk, return with a comment, the queue, history.

Plain functions over a :class:`sync.server.storage.Storage`: the sync API (office laptops),
the admin CLI (county) and the web console all call these same functions. Who may review:
a township office its own township, the county any township; a visitor device never
(``REVIEW_NOT_ALLOWED``). Every action is an append-only row in ``review_events`` — the
server's record of who reviewed what and when — and is logged.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from sync import errors
from sync.review import APPROVED, RETURNED, STATE_LABELS_ZH, comment_problems, review_state
from sync.server.storage import Scope, Storage

log = logging.getLogger("fieldapp.server.review")

MAX_BULK = 1000        # visits approved in one call
COUNTY_REVIEWER = "county-admin"


@dataclass(frozen=True)
class Reviewer:
    """Who reviews: the area they may review, an id for the record (device id or county admin), a name."""

    scope: Scope
    reviewer_id: str
    role: str            # office | county
    name: str = ""


def reviewer_for_device(device: dict, name: str = "") -> Reviewer:
    """The reviewer an enrolled device acts as; only township office devices review.

    :raises errors.ReviewNotAllowed: a visitor device
    """
    if device.get("role") != "office":
        raise errors.ReviewNotAllowed(f"device role {device.get('role')!r}")
    return Reviewer(Scope("office", device["township_code"]), device["device_id"], "office", (name or "")[:80])


def county_reviewer(county_code: str = "", name: str = "") -> Reviewer:
    """The county (admin CLI, console): every township under *county_code* ("" = all)."""
    return Reviewer(Scope("admin", county_code), COUNTY_REVIEWER, "county", (name or "")[:80])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def approve(storage: Storage, reviewer: Reviewer, visit_ids: list[str], *, now: str | None = None) -> dict:
    """Approve these visits (审核通过) in one transaction.

    Visits that are no longer waiting (another reviewer was quicker, or a draft) are skipped and
    reported; an unknown visit or one outside the reviewer's area refuses the whole call.
    Returns ``{"approved": [events], "skipped": [{"visit_id", "code", "message_zh"}]}``.
    """
    if not visit_ids:
        return {"approved": [], "skipped": []}
    if len(visit_ids) > MAX_BULK:
        raise errors.BatchTooLarge(f"at most {MAX_BULK} visits per approval")
    events, skipped = storage.reviews.record(
        reviewer.scope, [{"visit_id": v, "action": APPROVED} for v in visit_ids], reviewer.reviewer_id, reviewer.role,
        reviewer.name, now or _now(), skip_not_pending=len(visit_ids) > 1)
    log.info("review: %d visits approved by %s reviewer (%d skipped)", len(events), reviewer.role, len(skipped))
    return {"approved": events, "skipped": skipped}


def return_visit(storage: Storage, reviewer: Reviewer, visit_id: str, comment: str,
                 field_comments: dict[str, str] | None = None, *, now: str | None = None) -> dict:
    """Return a visit to its visitor (退回) with a comment naming what to fix, optionally per field.

    :param field_comments: ``{question id or answer path: comment}`` shown next to those fields
    :raises errors.ReviewCommentRequired: no comment, or an empty per-field comment
    """
    problems = comment_problems(comment, field_comments)
    if problems:
        raise errors.ReviewCommentRequired("; ".join(problems))
    clean = {k.strip(): v.strip() for k, v in (field_comments or {}).items()}
    events, _ = storage.reviews.record(
        reviewer.scope, [{"visit_id": visit_id, "action": RETURNED, "comment": comment.strip(), "field_comments": clean}],
        reviewer.reviewer_id, reviewer.role, reviewer.name, now or _now())
    log.info("review: a visit returned by %s reviewer", reviewer.role)
    return events[0]


def history(storage: Storage, reviewer: Reviewer, visit_id: str) -> dict:
    """A visit's review: ``{"visit_id", "state", "state_zh", "submitted", "events", "amends", "amended_by"}``.

    ``submitted`` is the push that made the visit final (``{"seq", "device_id", "author", "at"}``; the
    change log keeps it), ``events`` every approval or return.

    ``amends`` is the returned visit this one amends; ``amended_by`` the visits amending it.
    """
    found = storage.reviews.visits(reviewer.scope, [visit_id])
    if visit_id not in found:
        if storage.reviews.visits(Scope("admin", ""), [visit_id]):
            raise errors.OutsideArea("visit outside the reviewer's area")
        raise errors.VisitNotFound(visit_id)
    visit = found[visit_id]
    events = storage.reviews.events_of([visit_id])
    state = review_state(events)
    submitted = storage.reviews.submissions(visit_id)
    return {"visit_id": visit_id, "household_id": visit["household_id"], "state": state,
            "state_zh": STATE_LABELS_ZH[state], "submitted": submitted[:1], "events": events,
            "amends": visit["fields"].get("amends"),
            "amended_by": storage.reviews.amended_by(visit["household_id"], visit_id)}


def queue(storage: Storage, reviewer: Reviewer, *, village_code: str | None = None, limit: int = 500,
          details: bool = True, after: int = -1) -> list[dict]:
    """The visits waiting for review (待审核) in the reviewer's area, oldest first, each with what helps decide.

    Each item: ``visit_id``, ``household_id``, ``village_code``, ``visit_date``, ``visitors``,
    ``head_name``, ``amends`` (the returned visit it amends, if any), ``suggestions`` (the rules'
    suggestions, 中文) and ``problems`` (warnings of the form check, ``{"path", "message_zh"}``).
    Suggestions need the county's published reference data; without it ``suggestions`` is empty
    and ``suggestions_note`` says why. ``seq`` orders the queue: pass the last item's as *after* for the
    next page.
    """
    rows = storage.reviews.pending(reviewer.scope, village_code, limit, after)
    content = storage.reviews.latest_document("reference") if details and rows else None
    reference = _reference_of(content)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return [_checked_item(r, reference, digest, details) for r in rows]


_CHECKED: "OrderedDict[tuple, dict]" = OrderedDict()   # (visit id, revision, reference) → its queue item
_CHECKED_MAX = 20_000
_CHECKED_LOCK = threading.Lock()   # the app serves requests from several threads


def _checked_item(row: dict, reference, reference_digest: str, details: bool) -> dict:
    """:func:`_queue_item`, remembered per visit revision and reference data in this process: checking a visit
    (form validation and the rules' suggestions) costs about 10 ms, and the queue shows the same visits
    again and again until they are reviewed. A new revision or newly published reference data is checked anew."""
    if not details:
        return _queue_item(row, reference, details)
    key = (row["entity_id"], row.get("revision"), reference_digest)
    with _CHECKED_LOCK:
        held = _CHECKED.get(key)
        if held is not None:
            _CHECKED.move_to_end(key)
    if held is None:
        held = _queue_item(row, reference, details)
        with _CHECKED_LOCK:
            _CHECKED[key] = held
            while len(_CHECKED) > _CHECKED_MAX:
                _CHECKED.popitem(last=False)
    item = copy.deepcopy(held)
    item["seq"] = row.get("updated_seq")   # the row's place in the queue now, not when it was checked
    return item


def _published_reference(storage: Storage):
    return _reference_of(storage.reviews.latest_document("reference"))


def _reference_of(content):
    if content is None:
        return None
    from forms.errors import FormsError
    from forms.reference import reference_from_dict

    try:
        return reference_from_dict(content, "<published reference>")
    except FormsError as exc:  # a document that loads no more (an older engine's) must not hide the queue
        log.warning("published reference data unusable for review suggestions: %s", type(exc).__name__)
        return None


def _queue_item(row: dict, reference, details: bool) -> dict:
    fields = row["fields"]
    answers = fields.get("answers") if isinstance(fields.get("answers"), dict) else {}
    members = answers.get("members") if isinstance(answers.get("members"), list) else []
    head = next((m for m in members if isinstance(m, dict) and m.get("relation") == "head"), None)
    item = {"visit_id": row["entity_id"], "household_id": row["household_id"], "village_code": row["village_code"],
            "visit_date": answers.get("visit_date"), "visitors": answers.get("visitors") or [],
            "head_name": (head or {}).get("name") or "", "amends": fields.get("amends"),
            "suggestions": [], "problems": [], "suggestions_note": "", "seq": row.get("updated_seq")}
    if not details:
        return item
    visit = {"format": "fieldapp.visit", "format_version": 1, "form_id": fields.get("form_id"), "form_version": fields.get("form_version"), "status": "final",
             "household_id": row["household_id"], "visit_id": row["entity_id"], "answers": answers}
    from forms.errors import FormsError
    from forms.validation import validate

    try:
        item["problems"] = [{"path": p.path, "severity": p.severity, "message_zh": p.message_zh}
                            for p in validate(visit, None, reference)]
    except FormsError as exc:  # an unknown form version is a problem to show, not a crash
        item["problems"] = [{"path": "", "severity": "error", "message_zh": f"无法检查此走访记录（{type(exc).__name__}）"}]
    if reference is None:
        item["suggestions_note"] = "县民政局尚未发布参考数据（低保标准等），无法给出建议。"
        return item
    from forms.assessment import assess

    try:
        item["suggestions"] = [s.message_zh for s in assess(visit, reference).suggestions]
    except FormsError as exc:  # e.g. no dibao standard for this county yet
        item["suggestions_note"] = f"无法给出建议：{getattr(exc, 'message_zh', type(exc).__name__)}"
    return item
