"""告知书: visit-result/policy notice, review notice, referral notice and change notice.

All wording comes from the county's template document; this module only lays it out.
ID numbers are masked: letters leave the office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping, Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from printouts.documents.base import Document, PrintContext, make_document
from printouts.documents.common import household_header, issuer_block, reference_note, zh_date
from printouts.errors import NothingToPrintError, VisitDataError
from printouts.layout import FRAME_WIDTH, grid_table, para
from printouts.textformat import fill
from printouts.visit import VisitView

LETTER_KINDS = ("visit_result", "review", "referral", "change")


@dataclass(frozen=True)
class Change:
    """One changed item of a change notice: what, before, after (already worded for print)."""

    item: str
    before: str
    after: str


def letter_values(visit: VisitView, ctx: PrintContext, extra: Mapping[str, Any]) -> dict[str, str]:
    """The names a letter template may use, filled for *visit* (dates as 2026年5月20日)."""
    office = ctx.office(visit.township_code)
    head = visit.head
    values = {
        "head_name": head.name if head else "", "address": visit.address,
        "visit_date": zh_date(visit.visit_date), "issue_date": zh_date(ctx.issue_date),
        "office": office.name, "office_address": office.address, "office_phone": office.phone,
        "hotline": ctx.hotline, "county": ctx.county_office(visit.village_code),
        "due_date": "", "effective_date": "", "review_was_due": "",
    }
    values.update({k: zh_date(v) for k, v in extra.items() if v})
    return values


def _field(s: Any, name: str) -> Any:
    return s.get(name) if isinstance(s, Mapping) else getattr(s, name, None)


def household_items(items: Mapping[str, Mapping[str, Any]], suggestions: Sequence[Any],
                    categories: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(what, where) the household may apply for: suggestions whose code the template lists, once
    each, except what its current *categories* already give it (the item's ``unless``)."""
    out: list[tuple[str, str]] = []
    has = set(categories or ())
    for s in suggestions:
        item = items.get(str(_field(s, "code") or ""))
        if not item or has & set(item.get("unless", ())):
            continue
        if (item["what"], item["where"]) not in out:
            out.append((item["what"], item["where"]))
    return out


def review_due_from(suggestions: Sequence[Any]) -> str | None:
    """The next review date the R7 suggestion computed, if any."""
    for s in suggestions:
        if _field(s, "code") == "review_schedule":
            return (_field(s, "figures") or {}).get("next_review_due")
    return None


def referral_rows(visit: VisitView, ctx: PrintContext) -> list[list[str]]:
    """One row per referred need: category, description, department, its phone, date referred."""
    labels, departments = ctx.labels(visit), ctx.templates.departments
    rows = []
    for n in visit.answers.get("needs") or []:
        if n.get("disposition") != "referred":
            continue
        dep = departments.get(str(n.get("department") or "other"), departments["other"])
        rows.append([labels.option("needs.category", n.get("category")), n.get("description") or "",
                     dep["name"], dep["phone"], zh_date(n.get("referred_on") or "")])
    if not rows:
        raise NothingToPrintError("该户没有已转介的需求，无需转介告知书")
    return rows


def build_letter(kind: str, visit: VisitView, ctx: PrintContext, *, suggestions: Sequence[Any] = (),
                 due_date: str | None = None, changes: Sequence[Change] = (), effective_date: str | None = None) -> Document:
    """One 告知书 of *kind* for *visit*.

    :param suggestions: the assessment's suggestions (objects or dicts with ``code``); the visit-result
        letter shows those the template lists, the review letter takes R7's due date when none is given.
    :param due_date: ISO date the review must be done by (review).
    :param changes: the changed items (change), with *effective_date*.
    """
    if kind not in LETTER_KINDS:
        raise ValueError(f"unknown letter kind {kind!r}")
    if kind == "review" and not due_date:
        due_date = review_due_from(suggestions)
    if kind == "review" and not due_date:
        raise VisitDataError("复核告知书需要复核截止日期")
    if kind == "change" and (not changes or not effective_date):
        raise VisitDataError("变更告知书需要变更事项和生效日期")
    t = ctx.templates.letters[kind]
    s = ctx.styles
    body, was_due = t.body, None
    if kind == "review" and str(due_date) < str(ctx.issue_date):
        # Overdue on the day printed: never ask for a date already past; say when it was due and give a new one.
        was_due = due_date
        due_date = (date.fromisoformat(str(ctx.issue_date)[:10]) + timedelta(days=t.overdue_days)).isoformat()
        body = t.overdue_body
    serial = ctx.serial("letter", visit.township_code)
    values = letter_values(visit, ctx, {"due_date": due_date, "effective_date": effective_date,
                                        "review_was_due": was_due})
    story = [para(t.title, s.title), para(serial, s.right), Spacer(1, 2 * mm),
             household_header(visit, s), Spacer(1, 4 * mm), para(fill(t.greeting, values), s.left)]
    content: dict[str, Any] = {"kind": kind, "head": values["head_name"], "address": visit.address}

    items_table = None
    if kind == "visit_result":
        shown = household_items(ctx.templates.household_items, suggestions, visit.answers.get("categories") or ())
        content["items"] = [list(x) for x in shown]
        if shown:
            items_table = grid_table(["序号", "可申请或需关注的事项", "申请（咨询）地点"],
                                     [[i, what, where] for i, (what, where) in enumerate(shown, 1)],
                                     [12 * mm, FRAME_WIDTH - 82 * mm, 70 * mm], s)
    elif kind == "referral":
        rows = referral_rows(visit, ctx)
        content["items"] = [r[:3] for r in rows]
        items_table = grid_table(["困难类别", "具体情况", "承办部门", "联系电话", "转介日期"], rows,
                                 [22 * mm, FRAME_WIDTH - 124 * mm, 44 * mm, 28 * mm, 30 * mm], s)
    elif kind == "change":
        content["items"] = [[c.item, c.before, c.after] for c in changes]
        content["effective_date"] = effective_date
        half = (FRAME_WIDTH - 40 * mm) / 2
        items_table = grid_table(["变更事项", "变更前", "变更后"], content["items"], [40 * mm, half, half], s)
    else:
        content["due_date"] = due_date
        if was_due:
            content["review_was_due"] = was_due

    if kind == "visit_result" and items_table is None:
        story.append(para(fill(t.no_items, values), s.body_indent))
    else:
        story += [para(fill(p, values), s.body_indent) for p in body]
        if items_table is not None:
            story += [Spacer(1, 2 * mm), items_table, Spacer(1, 2 * mm)]
        if t.after_items:
            story.append(para(fill(t.after_items, values), s.body_indent))
    if t.appeal:
        story.append(para(fill(ctx.templates.appeal_text, ctx.templates.appeal_values), s.body_indent))
    story.append(issuer_block(ctx.office(visit.township_code), ctx.issue_date, s))
    note = reference_note(ctx.reference, s)
    if note is not None:
        story.append(note)
    return make_document(ctx, f"letter_{kind}", serial, visit.household_id, visit.visit_id, content, story, t.title)
