"""Households: the list rows, coverage (两个全覆盖), needs and their dispositions, 无法入户, new households."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from fieldapp.core.catalog import Catalog
from fieldapp.core.derive import Deriver
from fieldapp.core.session import Session
from fieldapp.core.visits import Visits
from fieldapp.errors import AppError
from forms.expressions import local_today

# Flag order everywhere in the UI: child protection first (urgent), then the rest.
FLAG_ORDER = ("child_protection", "filing", "verify", "watch")
_STATUS = {"none": "not_visited", "draft": "draft", "final": "done"}


class HouseholdRow(NamedTuple):
    """One line of the household list (a tuple: cheap for 100,000 rows)."""

    household_id: str
    head_name: str
    id_masked: str
    village_code: str
    village_name: str
    address: str
    categories: tuple
    visit_status: str  # not_visited | draft | done | unreachable — "done": a final visit in the current campaign
    review_due: str  # ISO date or ""
    open_needs: int
    flags: tuple  # subset of FLAG_ORDER, in that order


@dataclass
class VillageCoverage:
    """Coverage figures of one village."""

    village_code: str
    village_name: str
    target: int = 0
    visited: int = 0
    drafts: int = 0
    overdue: int = 0
    open_needs: int = 0
    unreachable: int = 0     # roster targets closed as 无法入户 (0 without a roster)
    discovered: int = 0      # households found at the door (主动发现), not part of the target
    submitted: int = 0       # review state of the latest final visits (forms.coverage): 待审核
    returned: int = 0        # 已退回
    approved: int = 0        # 已审核通过
    review_overdue: int = 0  # 审核超期: 待审核 past the county's review deadline (forms.coverage.review_overdue)


@dataclass
class Coverage:
    """The 两个全覆盖 figures: per village, and needs by disposition."""

    villages: list = field(default_factory=list)
    needs_by_disposition: dict = field(default_factory=dict)
    review_deadline_days: int | None = None   # the county's deadline 审核超期 was counted with (None: none set)


class NeedNotFound(AppError):
    """The need to update is not (or no longer) in the household's current needs."""

    def __init__(self, need_id: str):
        super().__init__("need not found")
        self.need_id = need_id
        self.message_zh = "找不到这条需求，可能已被其他人修改。请关闭后重新打开这一户。"


def _split_codes(text: str, memo: dict) -> tuple:
    got = memo.get(text)
    if got is None:
        got = memo[text] = tuple(c for c in text.split(",") if c) if text else ()
    return got


def _order_flags(text: str, memo: dict) -> tuple:
    got = memo.get(text)
    if got is None:
        codes = [c for c in text.split(",") if c] if text else []
        got = memo[text] = tuple(sorted(codes, key=lambda c: FLAG_ORDER.index(c) if c in FLAG_ORDER else 99))
    return got


class Households:
    """The households of the unlocked vault as the list, the coverage page and the office's need work see them."""

    def __init__(self, session: Session, catalog: Catalog, visits: Visits, deriver: Deriver):
        self.session, self.catalog, self.visits, self.deriver = session, catalog, visits, deriver

    # ------------------------------------------------------------------ the list
    def rows(self) -> list[HouseholdRow]:
        """Every household as a list row (masked ID numbers, flags child-protection first)."""
        v = self.session.v()
        raw = v.household_rows()
        cat_memo: dict = {}
        flag_memo: dict = {}
        since = self.catalog.campaign_start()  # first: it notices newly pulled documents (names included)
        names = self.catalog.village_names
        status = _STATUS
        new = tuple.__new__  # 3× faster than HouseholdRow(...) for 100,000 rows
        rows = [
            new(HouseholdRow, (r[0], r[1] or "", r[2] or "", r[3] or "", names.get(r[3], ""), r[4] or "",
                               cat_memo.get(r[5]) or _split_codes(r[5], cat_memo),
                               "not_visited" if r[6] == "final" and (r[10] or "") < since else status.get(r[6], "not_visited"),
                               r[7] or "", r[8] or 0, flag_memo.get(r[9]) or _order_flags(r[9], flag_memo)))
            for r in raw
        ]
        unreachable = v.unreachable_ids()   # 无法入户 (few): shown instead of 未走访
        if unreachable:
            rows = [r._replace(visit_status="unreachable") if r.visit_status == "not_visited" and r.household_id
                    in unreachable else r for r in rows]
        return rows

    def _visit_status(self, status: str, last_visit_date: str | None) -> str:
        """List status of a household: a final visit before the campaign started does not count as done."""
        if status == "final" and (last_visit_date or "") < self.catalog.campaign_start():
            return "not_visited"
        return _STATUS.get(status, "not_visited")

    def row(self, household_id: str) -> HouseholdRow:
        """One household's list row (after it changed)."""
        from fieldapp.vault.projection import project

        self.catalog.check()
        h = self.session.v().get_household(household_id, audit_view=False)
        p = project(h["fields"], h["flags"])
        flags = tuple(sorted(set(h["flags"]) | set(p.flags), key=lambda c: FLAG_ORDER.index(c) if c in FLAG_ORDER else 99))
        status = self._visit_status(h["visit_status"], h.get("last_visit_date"))
        target = h["fields"].get("target_status")
        if status == "not_visited" and isinstance(target, dict) and target.get("state") == "unreachable":
            status = "unreachable"
        return HouseholdRow(h["id"], p.head_name, p.head_id_masked, h["village_code"] or "",
                            self.catalog.area_name(h["village_code"] or ""), p.address, tuple(h["categories"]),
                            status, h["review_due"] or "", h["open_needs"], flags)

    def caption(self, household_id: str) -> str:
        """户主 · 地址 of a household (a short id when it is not on this laptop)."""
        from fieldapp.vault.errors import RecordNotFound

        try:
            row = self.row(household_id)
        except RecordNotFound:  # a household outside this laptop: show its id
            return household_id[:8]
        return " · ".join(x for x in (row.head_name, row.address) if x) or household_id[:8]

    def villages(self, rows: list[HouseholdRow] | None = None) -> list[tuple[str, str]]:
        """(code, name) of every village that has households (from ``rows`` if given), sorted by code."""
        codes = sorted({r.village_code for r in rows} if rows is not None
                       else {r[3] for r in self.session.v().household_rows()})
        return [(c, self.catalog.village_names.get(c, c)) for c in codes if c]

    def search(self, text: str, limit: int = 20000) -> list[str]:
        """Household ids whose member names, address or ID numbers contain ``text``."""
        return [r[0] for r in self.session.v().search_households(text, limit=limit)]

    # ------------------------------------------------------------------ coverage
    def coverage(self, rows: list[HouseholdRow] | None = None, today: dt.date | None = None) -> Coverage:
        """Per-village target vs visited, drafts, overdue reviews and open needs; needs by disposition.

        :param rows: the list rows the UI already holds (read from the vault when None)
        """
        today = today or local_today()   # China's date (visits are dated locally)
        today_iso = today.isoformat()
        names = self.catalog.village_names
        per: dict[str, VillageCoverage] = {}
        for r in (rows if rows is not None else self.rows()):
            code = r.village_code
            v = per.get(code)
            if v is None:
                v = per[code] = VillageCoverage(code, r.village_name or names.get(code, ""))
            v.target += 1
            if r.visit_status == "done":
                v.visited += 1
            elif r.visit_status == "draft":
                v.drafts += 1
            if r.review_due and r.review_due < today_iso:
                v.overdue += 1
            if r.open_needs:
                v.open_needs += 1
        reference = self.catalog.reference_or_none()
        targets = self.target_coverage(today)
        if targets is not None:   # a roster is here: targets and visited follow the campaign's rule (forms.coverage)
            for code, counts in targets.villages.items():
                v = per.get(code) or per.setdefault(code, VillageCoverage(code, names.get(code, "")))
                v.target, v.visited = counts.target, counts.visited
                v.unreachable, v.discovered = counts.unreachable_total, counts.discovered
                v.submitted, v.returned, v.approved = (counts.reviews[k] for k in ("submitted", "returned", "approved"))
                v.review_overdue = counts.review_overdue
            for code, v in per.items():
                if code not in targets.villages:
                    v.target = v.visited = 0
        else:   # no roster yet: the review figures of the households here, by the same rule
            from fieldapp.targets import review_counts

            for code, counts in review_counts(self.session.v(), reference, today).items():
                if code in per:
                    v = per[code]
                    v.submitted, v.returned, v.approved, v.review_overdue = (
                        counts[k] for k in ("submitted", "returned", "approved", "overdue"))
        return Coverage(villages=[per[c] for c in sorted(per)], needs_by_disposition=self.session.v().needs_by_disposition(),
                        review_deadline_days=getattr(reference, "review_deadline_days", None))

    def target_coverage(self, today: dt.date | None = None):
        """The campaign's coverage (forms.coverage.CoverageReport) of this laptop's households; None without a roster."""
        from fieldapp.targets import coverage_report

        return coverage_report(self.session.v(), self.catalog.reference_or_none(), today)

    def mark_unreachable(self, household_id: str, reason: str, note: str, visitors: list[str]) -> dict:
        """Record 无法入户 for a target household (reason, note; a refusal needs the second visitor)."""
        from fieldapp.targets import mark_unreachable

        v = self.session.v()
        result = mark_unreachable(v, household_id, reason, note, visitors, self.catalog.reference_or_none())
        self.deriver.complete_pending(v)
        return result

    # ------------------------------------------------------------------ needs (office work)
    def needs(self, household_id: str) -> list[dict]:
        """The household's needs (current state) with their disposition history."""
        h = self.session.v().get_household(household_id, audit_view=False)
        return [n for n in (h["fields"].get("needs") or []) if isinstance(n, dict)]

    def update_need(self, household_id: str, need_id: str, *, disposition: str, department: str | None = None,
                    referred_on: str | None = None, outcome: str | None = None, note: str = "") -> dict:
        """Record a need's new disposition (office work): an amendment of the household's need row with its
        history entry. Recorded visits (a final one too) stay as they were recorded."""
        v = self.session.v()
        h = v.get_household(household_id, audit_view=False)
        need = next((n for n in h["fields"].get("needs") or [] if isinstance(n, dict) and n.get("need_id") == need_id), None)
        if need is None:
            raise NeedNotFound(need_id)
        row = f"needs/{need_id}"
        changes = {f"{row}/disposition": disposition}
        if disposition == "referred":
            changes[f"{row}/department"] = department
            changes[f"{row}/referred_on"] = referred_on or need.get("referred_on") or local_today().isoformat()
        else:
            changes[f"{row}/department"] = None
            changes[f"{row}/referred_on"] = None
        if outcome is not None:
            changes[f"{row}/outcome"] = outcome
        entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "by": v.user,
                 "disposition": disposition}
        if disposition == "referred" and department:
            entry["department"] = department
        if note:
            entry["note"] = note
        history = need.get("history") if isinstance(need.get("history"), list) else []
        changes[f"{row}/history"] = history + [entry]
        changes = {p: val for p, val in changes.items() if need.get(p.rsplit("/", 1)[1]) != val}
        result = v.amend_household(household_id, changes, reason="need_disposition")
        self.deriver.complete_pending(v)
        return result

    # ------------------------------------------------------------------ new households (主动发现)
    def laptop_villages(self) -> list:
        """The villages this laptop may create households in (``fieldapp.households.VillageChoice``)."""
        from fieldapp import households

        return households.laptop_villages(self)

    def create_household(self, village_code: str, head_name: str, id_number: str, **details) -> str:
        """Create a household found during visits (draft first visit); raises HouseholdExists for a known ID number."""
        from fieldapp import households

        return households.create_household(self, village_code, head_name, id_number, **details)

    def duplicate_flags(self) -> list[dict]:
        """Office laptops: households sharing a member's ID number, as flagged by the server at the last sync."""
        from fieldapp import households

        return households.duplicate_flags(self)
