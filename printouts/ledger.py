"""工作台账 rows: one per visited household with findings, needs and dispositions, grouped by place.

Shared by the workbook (:mod:`printouts.ledger_xlsx`) and the PDF (:mod:`printouts.documents.ledger_pdf`).
ID numbers are masked: the ledger is exported and passed around.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping

from printouts.assessment import assess_visit
from forms.idnumber import mask
from forms.places import township_of
from printouts.visit import read_visit

# Suggestions that are the same for every household or shown in their own column.
NOT_FINDINGS = {"per_capita_income", "standard"}

COLUMNS = (  # (key, header, width in characters for the workbook)
    ("no", "序号", 6), ("township", "乡镇（街道）", 14), ("village", "村（社区）", 18), ("head", "户主", 12),
    ("id_number", "公民身份号码", 21), ("address", "家庭住址", 30), ("size", "人口", 6),
    ("categories", "现有救助类别", 16), ("visit_date", "走访日期", 12), ("visitors", "走访人员", 16),
    ("per_capita_yuan", "人均月收入（元）", 12), ("findings", "走访发现（系统提示，仅供参考）", 50),
    ("needs", "困难诉求", 32), ("dispositions", "办理情况", 28), ("status", "记录状态", 9),
    ("review", "审核状态", 10),
)
STATUS_ZH = {"final": "已完成", "draft": "草稿"}
REVIEW_ZH = {"submitted": "待审核", "approved": "已审核通过", "returned": "已退回"}   # as sync.review.STATE_LABELS_ZH


@dataclass(frozen=True)
class LedgerGroup:
    """One sheet / one PDF section: a village or a township with its rows."""

    code: str
    name: str
    rows: tuple[dict[str, Any], ...]


def _row(raw: Mapping[str, Any], ctx, review_states: Mapping[str, str] | None = None) -> dict[str, Any]:
    visit = read_visit(raw, getattr(ctx, "forms_dir", None), shared=True)   # only read here: no copy of the answers
    labels = ctx.labels(visit)
    answers = visit.answers
    assessment = assess_visit(raw, ctx)
    township = ctx.reference.township(visit.township_code)
    village = ctx.reference.village(visit.village_code)
    needs, dispositions = [], []
    for n in answers.get("needs") or []:
        category = labels.option("needs.category", n.get("category"))
        needs.append(f"{category}：{n.get('description') or ''}".rstrip("："))
        disp = labels.option("needs.disposition", n.get("disposition"))
        if n.get("disposition") == "referred":
            disp += f" {labels.option('needs.department', n.get('department'))} {n.get('referred_on') or ''}".rstrip()
        if n.get("outcome"):
            disp += f"（{n['outcome']}）"
        dispositions.append(f"{category}：{disp}")
    fen = assessment.per_capita_income_fen
    head = visit.head
    return {
        "township_code": visit.township_code, "village_code": visit.village_code,
        "township": township.name if township else visit.township_code,
        "village": village.name if village else visit.village_code,
        "head": head.name if head else "", "id_number": mask(head.id_number) if head else "",
        "address": visit.address, "size": len(visit.members),
        "categories": labels.options("categories", answers.get("categories")),
        "visit_date": visit.visit_date, "visitors": "、".join(visit.visitors),
        "per_capita_yuan": (Decimal(fen) / 100) if isinstance(fen, int) else None,
        "findings": "\n".join(s.message_zh for s in assessment.suggestions if s.code not in NOT_FINDINGS),
        "needs": "\n".join(needs), "dispositions": "\n".join(dispositions),
        "status": STATUS_ZH.get(visit.status, visit.status), "household_id": visit.household_id,
        "review": _review_label(visit, review_states),
        "visit_id": visit.visit_id, "urgent": bool(assessment.urgent),
        "referred": sum(1 for n in answers.get("needs") or [] if n.get("disposition") == "referred"),
        "pending": sum(1 for n in answers.get("needs") or [] if n.get("disposition") == "pending"),
        "need_count": len(answers.get("needs") or []),
    }


def _review_label(visit, review_states: Mapping[str, str] | None) -> str:
    if review_states is None or visit.status != "final":
        return ""
    return REVIEW_ZH.get(review_states.get(visit.visit_id, "submitted"), "")


def ledger_groups(visits: Iterable[Mapping[str, Any]], ctx, group_by: str = "village",
                  review_states: Mapping[str, str] | None = None) -> list[LedgerGroup]:
    """Rows for *visits* grouped per village (or per township), ordered by code, then visit date.

    :param review_states: ``{visit_id: submitted | approved | returned}`` (the review state the server
        keeps); a final visit not in it is 待审核. None: the ledger leaves 审核状态 empty (no review in use).
    """
    if group_by not in ("village", "township"):
        raise ValueError("group_by must be 'village' or 'township'")
    groups: dict[str, list[dict]] = {}
    names: dict[str, str] = {}
    for raw in visits:
        row = _row(raw, ctx, review_states)
        code = row[f"{group_by}_code"]
        groups.setdefault(code, []).append(row)
        names[code] = row[group_by]
    return [_group(code, names[code], groups[code]) for code in sorted(groups)]


def _group(code: str, name: str, rows: list[dict]) -> LedgerGroup:
    rows = sorted(rows, key=lambda r: (r["visit_date"], r["head"], r["visit_id"]))   # the same order whatever came first
    for i, r in enumerate(rows, 1):
        r["no"] = i
    return LedgerGroup(code, name, tuple(rows))


class LedgerOrderError(ValueError):
    """A visit of a group :func:`iter_ledger_groups` had already finished (its place is out of order)."""


def iter_ledger_groups(placed: Iterable[tuple[str, Mapping[str, Any]]], ctx, group_by: str = "village",
                       review_states: Mapping[str, str] | None = None,
                       early: Iterable[Mapping[str, Any]] = ()) -> Iterator[LedgerGroup]:
    """The groups of :func:`ledger_groups`, one at a time, from ``(village code, visit)`` pairs in village-code order.

    The village code is where the visit is kept (the server's record); a group is finished, and yielded, once
    the places have passed it, so only the groups still open are in memory. Each row is grouped by its own
    answers as in :func:`ledger_groups`: a visit whose group was already yielded raises :class:`LedgerOrderError`
    (the caller then reads such visits first and passes them as *early*: each joins its own group from the start),
    so the result is always the same as that function's.
    """
    if group_by not in ("village", "township"):
        raise ValueError("group_by must be 'village' or 'township'")
    open_groups: dict[str, list[dict]] = {}
    names: dict[str, str] = {}
    for raw in early:   # visits read ahead (kept out of their group's place): in their own groups from the start
        row = _row(raw, ctx, review_states)
        open_groups.setdefault(row[f"{group_by}_code"], []).append(row)
        names[row[f"{group_by}_code"]] = row[group_by]
    done = None   # the last group yielded: every group after it is still to come
    for place, raw in placed:
        here = place if group_by == "village" else township_of(place)
        for code in sorted(c for c in open_groups if c < here):
            yield _group(code, names.pop(code), open_groups.pop(code))
            done = code
        row = _row(raw, ctx, review_states)
        code = row[f"{group_by}_code"]
        if done is not None and code <= done:
            raise LedgerOrderError(code)
        open_groups.setdefault(code, []).append(row)
        names[code] = row[group_by]
    for code in sorted(open_groups):
        yield _group(code, names[code], open_groups[code])
