"""两个全覆盖: the one rule that turns households into coverage figures (laptop, office laptop and server).

A household is a *target* of a campaign when the county's roster (花名册) names it for that
campaign and has not closed it. A target is 已走访 once it has a final visit dated on or after
the campaign's start; otherwise 无法入户 when a reason was recorded; otherwise 未走访. A household
not on the roster with a final visit in the campaign was found at the door (主动发现): it is
counted apart and never changes the target. Each side only gathers the facts per household
(:class:`HouseholdFacts`); :func:`target_state` and :func:`summarise` do the rest.

Household fields involved (synced like any other field):

- ``roster``: ``{"campaign", "since", "key", "closed", ...}`` written by the server's roster import;
- ``target_status``: ``{"campaign", "state": "unreachable", "reason", "note", "visitors", "by", "at"}``
  written on a laptop when a target household could not be visited (:func:`unreachable_status`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Iterable

from forms.errors import FormsError
from forms.places import county_of, township_of

__all__ = ["summarise_groups", "review_overdue", "review_deadline_days", "count_reviews", "REVIEW_OVERDUE_LABEL_ZH", "REVIEW_STATES", "REVIEW_LABELS_ZH", "REASONS", "REASON_LABELS_ZH", "STATE_LABELS_ZH", "HouseholdFacts", "CoverageCounts", "CoverageReport",
           "facts_from_fields", "target_state", "summarise", "unreachable_status", "UnreachableIncomplete",
           "report_lines"]

REASONS = ("moved_out", "deceased", "no_such_household", "refused", "away_long_term")
REASON_LABELS_ZH = {"moved_out": "迁出", "deceased": "死亡", "no_such_household": "查无此户", "refused": "拒绝入户",
                    "away_long_term": "长期外出"}
REVIEW_STATES = ("submitted", "returned", "approved")
REVIEW_LABELS_ZH = {"submitted": "待审核", "returned": "已退回", "approved": "已审核通过"}
REVIEW_OVERDUE_LABEL_ZH = "审核超期"
STATE_LABELS_ZH = {"not_visited": "未走访", "visited": "已走访", "unreachable": "无法入户", "discovered": "主动发现"}


class UnreachableIncomplete(FormsError):
    """无法入户 was recorded without what it needs: a known reason, a note, and for a refusal two visitors."""

    code = "unreachable_incomplete"


@dataclass(frozen=True)
class HouseholdFacts:
    """What the rule needs to know of one household, however the side stores it."""

    village_code: str
    roster_campaign: str = ""        # the campaign whose roster names it ("" = not on a roster)
    roster_closed: bool = False
    last_final_visit: str = ""       # ISO date of its latest final visit ("" = none)
    unreachable_campaign: str = ""   # the campaign of a recorded 无法入户 ("" = none)
    unreachable_reason: str = ""


def facts_from_fields(village_code: str, fields: dict, last_final_visit: str | None) -> HouseholdFacts:
    """The facts of a household from its synced fields (``roster``, ``target_status``) and its latest final visit."""
    roster = fields.get("roster") if isinstance(fields.get("roster"), dict) else {}
    status = fields.get("target_status") if isinstance(fields.get("target_status"), dict) else {}
    unreachable = status.get("state") == "unreachable"
    return HouseholdFacts(
        village_code=str(village_code or ""), roster_campaign=str(roster.get("campaign") or ""),
        roster_closed=bool(roster.get("closed")), last_final_visit=str(last_final_visit or ""),
        unreachable_campaign=str(status.get("campaign") or "") if unreachable else "",
        unreachable_reason=str(status.get("reason") or "") if unreachable else "")


def target_state(facts: HouseholdFacts, campaign: str, since: str) -> str | None:
    """``not_visited`` | ``visited`` | ``unreachable`` | ``discovered``, or None when it does not count.

    :param campaign: the campaign's name as the roster import wrote it
    :param since: the campaign's start, ISO date: earlier final visits belong to another campaign
    """
    visited = bool(facts.last_final_visit) and facts.last_final_visit >= since
    if facts.roster_campaign == campaign and campaign:
        if facts.roster_closed:
            return None
        if visited:
            return "visited"
        if facts.unreachable_campaign == campaign and facts.unreachable_reason in REASONS:
            return "unreachable"
        return "not_visited"
    return "discovered" if visited else None


@dataclass
class CoverageCounts:
    """The figures of one area: targets and what became of them, discovered households apart."""

    code: str
    target: int = 0
    visited: int = 0
    unreachable: dict = field(default_factory=lambda: {r: 0 for r in REASONS})
    not_visited: int = 0
    discovered: int = 0
    reviews: dict = field(default_factory=lambda: {r: 0 for r in REVIEW_STATES})
    review_overdue: int = 0   # of the 待审核 (submitted) ones, those past the county's review deadline

    @property
    def unreachable_total(self) -> int:
        """Targets closed as 无法入户, every reason together."""
        return sum(self.unreachable.values())

    @property
    def rate_permille(self) -> int:
        """(visited + 无法入户) per thousand targets, rounded down (0 when there is no target)."""
        return (1000 * (self.visited + self.unreachable_total)) // self.target if self.target else 0

    def add(self, state: str, reason: str = "", n: int = 1) -> None:
        """Count one household (or *n* with the same facts) in *state*."""
        if state == "discovered":
            self.discovered += n
            return
        self.target += n
        if state == "visited":
            self.visited += n
        elif state == "unreachable":
            self.unreachable[reason] = self.unreachable.get(reason, 0) + n
        else:
            self.not_visited += n

    def add_counts(self, other: "CoverageCounts") -> None:
        """Add another area's counts (a village's into its township's and county's), reviews and 审核超期 included."""
        self.target += other.target
        self.visited += other.visited
        self.not_visited += other.not_visited
        self.discovered += other.discovered
        for reason, n in other.unreachable.items():
            self.unreachable[reason] = self.unreachable.get(reason, 0) + n
        for state, n in other.reviews.items():
            self.reviews[state] = self.reviews.get(state, 0) + n
        self.review_overdue += other.review_overdue

    def add_reviews(self, counts: dict) -> None:
        """Add one village's review counts (待审核 / 已退回 / 已审核通过 of its households' latest final visits)."""
        for state in REVIEW_STATES:
            self.reviews[state] = self.reviews.get(state, 0) + int((counts or {}).get(state, 0) or 0)
        self.review_overdue += int((counts or {}).get("overdue", 0) or 0)

    def as_dict(self) -> dict:
        """Plain JSON-able figures (what ``--json`` prints and the web console shows)."""
        return {"code": self.code, "target": self.target, "visited": self.visited,
                "unreachable": dict(self.unreachable), "unreachable_total": self.unreachable_total,
                "not_visited": self.not_visited, "discovered": self.discovered, "rate_permille": self.rate_permille,
                "reviews": dict(self.reviews), "review_overdue": self.review_overdue}


@dataclass
class CoverageReport:
    """Coverage of one campaign per village, township and county."""

    campaign: str
    since: str
    villages: dict = field(default_factory=dict)
    townships: dict = field(default_factory=dict)
    counties: dict = field(default_factory=dict)
    review_deadline_days: int | None = None   # the deadline 审核超期 was counted with (None: none set)

    def as_dict(self) -> dict:
        """The whole report as plain JSON-able data (``review_deadline_days`` only when a deadline was set)."""
        return {"campaign": self.campaign, "since": self.since,
                **({"review_deadline_days": self.review_deadline_days} if self.review_deadline_days else {}),
                "villages": [c.as_dict() for _, c in sorted(self.villages.items())],
                "townships": [c.as_dict() for _, c in sorted(self.townships.items())],
                "counties": [c.as_dict() for _, c in sorted(self.counties.items())]}


def review_deadline_days(reference: dict | None) -> int | None:
    """The county's review deadline (days a finished visit may wait for 审核) from its published reference data,
    ``review_deadline_days``; None when the county set none (then nothing is counted overdue)."""
    value = (reference or {}).get("review_deadline_days") if isinstance(reference, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def review_overdue(state: str, visit_date: str, today: _dt.date, deadline_days: int | None) -> bool:
    """审核超期: a visit still awaiting review (``submitted``, 待审核) whose visit date is more than *deadline_days*
    days before *today*. Approved and returned visits are never overdue; without a deadline nothing is."""
    if state != "submitted" or not deadline_days:
        return False
    try:
        done = _dt.date.fromisoformat(str(visit_date)[:10])
    except ValueError:
        return False
    return (today - done).days > deadline_days


def count_reviews(groups: Iterable[tuple[str, str, str, int]], today: _dt.date,
                  deadline_days: int | None) -> dict[str, dict[str, int]]:
    """Per village, ``{"submitted", "returned", "approved", "overdue"}`` of households' latest final visits.

    :param groups: ``(village code, review state, visit date, how many households)`` of the latest final visits
        (a laptop reads them from its vault); :func:`review_overdue` decides each group's 审核超期
    """
    out: dict[str, dict[str, int]] = {}
    for village, state, visit_date, n in groups:
        counts = out.setdefault(village or "", {"submitted": 0, "approved": 0, "returned": 0, "overdue": 0})
        state = state if state in REVIEW_STATES else "submitted"
        counts[state] += int(n)
        if review_overdue(state, visit_date, today, deadline_days):
            counts["overdue"] += int(n)
    return out


def summarise(households: Iterable[HouseholdFacts], campaign: str, since: str,
              reviews: dict | None = None) -> CoverageReport:
    """Coverage per village (12 digits), township (first 9) and county (first 6) of one campaign.

    :param reviews: per village code, ``{"submitted", "returned", "approved"}`` counts of its households' latest
        final visits (the laptop from its vault, the server from its review storage); they are added to the
        villages of the report (and summed into their township and county), villages outside it are left out
    """
    return summarise_groups(((facts, 1) for facts in households), campaign, since, reviews)


def summarise_groups(groups: Iterable[tuple[HouseholdFacts, int]], campaign: str, since: str,
                     reviews: dict | None = None) -> CoverageReport:
    """:func:`summarise` of households given as (facts, how many households have exactly these facts).

    The server groups identical facts in its database and passes each group once (``coverage_facts.py``).
    """
    report = CoverageReport(campaign, since)
    for facts, n in groups:
        state = target_state(facts, campaign, since)
        if state is None or n <= 0:
            continue
        code = facts.village_code
        for level, key in ((report.villages, code), (report.townships, township_of(code)), (report.counties, county_of(code))):
            counts = level.get(key)
            if counts is None:
                counts = level[key] = CoverageCounts(key)
            counts.add(state, facts.unreachable_reason, n)
    for code, counts in sorted((reviews or {}).items()):
        if code not in report.villages:
            continue
        for level, key in ((report.villages, code), (report.townships, township_of(code)), (report.counties, county_of(code))):
            level[key].add_reviews(counts)
    return report


def unreachable_status(campaign: str, reason: str, note: str, visitors: list[str], by: str,
                       at: _dt.datetime | None = None) -> dict:
    """The ``target_status`` field of a household that could not be visited, after checking it is complete.

    :raises UnreachableIncomplete: unknown reason, an empty note, or a refusal (拒绝入户) with fewer than two visitors
    """
    if reason not in REASONS:
        raise UnreachableIncomplete(f"unknown reason {reason!r}", "请选择无法入户的原因（迁出、死亡、查无此户、拒绝入户、长期外出）")
    if not str(note or "").strip():
        raise UnreachableIncomplete("a note is required", "请填写无法入户的情况说明")
    names = [str(v).strip() for v in visitors or [] if str(v).strip()]
    if reason == "refused" and len(set(names)) < 2:
        raise UnreachableIncomplete("a refusal needs the second visitor", "拒绝入户需要两名走访人员共同确认，请填写第二名走访人员")
    if not names:
        raise UnreachableIncomplete("the visitor is required", "请填写走访人员")
    when = (at or _dt.datetime.now(_dt.timezone.utc)).isoformat(timespec="seconds")
    return {"campaign": campaign, "state": "unreachable", "reason": reason, "note": str(note).strip(),
            "visitors": names, "by": by, "at": when}


def report_lines(report: dict) -> list[str]:
    """A report (:meth:`CoverageReport.as_dict`) as the Chinese lines both command lines print."""
    deadline = report.get("review_deadline_days")
    lines = [f"{report['campaign']}（{report['since']} 起）"
             + (f"，审核期限 {deadline} 天（待审核超过 {deadline} 天计为{REVIEW_OVERDUE_LABEL_ZH}）" if deadline else "")]
    for level, rows in (("县", report["counties"]), ("乡镇", report["townships"]), ("村", report["villages"])):
        for c in rows:
            closed = "，".join(f"{REASON_LABELS_ZH[r]} {n}" for r, n in c["unreachable"].items() if n)
            lines.append(f"{level} {c['code']}：目标 {c['target']}，已走访 {c['visited']}，无法入户 {c['unreachable_total']}"
                         f"{'（' + closed + '）' if closed else ''}，未走访 {c['not_visited']}，主动发现 {c['discovered']}，"
                         f"覆盖率 {c['rate_permille'] / 10:.1f}%"
                         + "".join(f"，{REVIEW_LABELS_ZH[r]} {c.get('reviews', {}).get(r, 0)}" for r in REVIEW_STATES)
                         + (f"，{REVIEW_OVERDUE_LABEL_ZH} {c.get('review_overdue', 0)}" if report.get("review_deadline_days")
                            else ""))
    return lines
