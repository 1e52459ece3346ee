"""Review (审核) on the laptop: what came back to the visitor, the office's approve / return, letter gating.

The UI and the CLI reach it as ``services.reviews``. The review
state is the server's: a visitor laptop shows the events it pulled (or read from a USB
receipt); an office laptop approves and returns on the server (:mod:`fieldapp.reviewing`)
and then pulls the events like everyone else. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldapp.core.catalog import Catalog
from fieldapp.core.households import Households
from fieldapp.core.session import Session
from fieldapp.core.visits import Visits
from sync.review import APPROVED, RETURNED, STATE_LABELS_ZH, SUBMITTED, field_of
from fieldapp.errors import AppError


class LetterNeedsApproval(AppError):
    """The county's reference data print letters only for approved visits, and this visit is not approved."""

    message_zh = "这一户的走访记录尚未审核通过：县民政局设定告知书只在乡镇审核通过后打印。"
    hint_zh = "请等乡镇经办机构审核通过并同步后再打印；已退回的走访请先修改后重新提交。"
    message_en = "The county prints letters only for approved visits, and this household's visit is not approved yet."

    def __init__(self, household_ids: list[str] | None = None):
        super().__init__(self.message_en)
        self.household_ids = household_ids or []


@dataclass(frozen=True)
class ReturnedVisit:
    """A visit the township office sent back, with what to fix."""

    visit_id: str
    household_id: str
    comment: str
    field_comments: dict = field(default_factory=dict)
    reviewer_name: str = ""
    at: str = ""

    def comments_for(self, question_id: str) -> list[str]:
        """The office's comments on one question (a comment on ``members[1].id_number`` belongs to ``members``)."""
        return [text for path, text in sorted(self.field_comments.items()) if field_of(path) == question_id]


LETTER_KINDS = ("visit_result", "referral")     # what "letters only for approved visits" covers


class Review:
    """Review (审核) of the visits in the unlocked vault."""

    def __init__(self, session: Session, catalog: Catalog, visits: Visits, households: Households):
        self.session, self.catalog, self.visits, self.households = session, catalog, visits, households

    def _v(self):
        return self.session.v()

    # ------------------------------------------------------------------ what the visitor sees
    def returned(self) -> list[ReturnedVisit]:
        """Returned visits not amended yet, newest first: the top of the visitor's list."""
        return [_returned(e) for e in self._v().open_returns()]

    def returned_by_household(self) -> dict[str, ReturnedVisit]:
        """The open return of each household that has one."""
        out: dict[str, ReturnedVisit] = {}
        for item in self.returned():
            out.setdefault(item.household_id, item)
        return out

    def return_of(self, visit_id: str) -> ReturnedVisit | None:
        """The open return of this visit, or of the returned visit it amends (the editor shows it)."""
        links = self._v().amendment_links()
        wanted = {visit_id, links.get(visit_id, "")}
        return next((r for r in self.returned() if r.visit_id in wanted), None)

    def state(self, visit: dict) -> str | None:
        """``submitted`` | ``approved`` | ``returned`` of a saved visit (None for a draft)."""
        if visit.get("status") != "final":
            return None
        return self._v().review_states(visit.get("household_id")).get(visit["visit_id"], SUBMITTED)

    def states(self, household_id: str) -> dict[str, str]:
        """Review state of each final visit of a household, by visit id."""
        h = self._v().get_household(household_id, audit_view=False)
        known = self._v().review_states(household_id)
        return {x["id"]: known.get(x["id"], SUBMITTED) for x in h["visits"] if x["status"] == "final"}

    def caption(self, household_id: str) -> str:
        """户主 · 地址 of a household (its id when it is not on this laptop)."""
        return self.households.caption(household_id)

    @staticmethod
    def label(state: str | None) -> str:
        """The Chinese label of a state (草稿 for a visit not finished)."""
        return STATE_LABELS_ZH.get(state or "", "草稿")

    def history(self, household_id: str) -> list[dict]:
        """The household's visits newest first, each with its review state, events and amendment links."""
        v = self._v()
        links = v.amendment_links(household_id)
        amended_by: dict[str, list[str]] = {}
        for new, old in links.items():
            amended_by.setdefault(old, []).append(new)
        out = []
        for item in self.visits.visit_history(household_id):
            visit = item["visit"]
            vid = visit["visit_id"]
            out.append({**item, "review_state": self.state(visit), "review_events": v.review_events(vid),
                        "amends": links.get(vid), "amended_by": sorted(amended_by.get(vid, []))})
        return out

    def amend(self, visit: dict) -> dict:
        """A new visit that amends *visit* (returned or final): linked to it, sent for review on 完成走访."""
        new = self.visits.amend_visit(visit)
        self._v().link_amendment(new["visit_id"], visit["visit_id"])
        new["amends"] = visit["visit_id"]
        return new

    def link_if_returned(self, visit: dict) -> dict:
        """A new visit of a household with an open return amends that return too (it goes back for review)."""
        open_return = self.returned_by_household().get(visit["household_id"])
        if open_return is not None:
            self._v().link_amendment(visit["visit_id"], open_return.visit_id)
            visit["amends"] = open_return.visit_id
        return visit

    # ------------------------------------------------------------------ ledger and coverage
    def ledger_states(self) -> dict[str, str]:
        """``{visit_id: approved | returned}`` for ``printouts.export_ledger_xlsx(review_states=…)``."""
        return self._v().review_states()

    def counts_by_village(self) -> dict[str, dict[str, int]]:
        """Per village code: households whose latest final visit is submitted / approved / returned (coverage)."""
        return self._v().review_counts_by_village()

    # ------------------------------------------------------------------ letters
    def letters_allowed(self, household_ids: list[str]) -> tuple[list[str], list[str]]:
        """(allowed, not approved): with the county's ``letters_require_approval``, only approved latest visits."""
        if not getattr(self.catalog.reference(), "letters_require_approval", False):
            return list(household_ids), []
        v = self._v()
        allowed, refused = [], []
        for hid in household_ids:
            h = v.get_household(hid, audit_view=False)
            latest = h["visits"][0] if h["visits"] else None
            ok = latest is not None and v.review_states(hid).get(latest["id"]) == APPROVED
            (allowed if ok or latest is None else refused).append(hid)
        return allowed, refused

    def check_letter(self, kind: str, household_ids: list[str]) -> list[str]:
        """The households a letter of *kind* may print for; raises when none may.

        :raises LetterNeedsApproval: every household's latest visit lacks the approval the county requires
        """
        if kind not in LETTER_KINDS:
            return list(household_ids)
        allowed, refused = self.letters_allowed(household_ids)
        if refused and not allowed:
            raise LetterNeedsApproval(refused)
        return allowed

    # ------------------------------------------------------------------ the office laptop
    def can_review(self) -> bool:
        """True on a township office laptop (enrolled as office)."""
        return self._v().get_sync_state("role") == "office"

    def queue(self, village_code: str | None = None) -> list[dict]:
        """The township's visits waiting for review (network), with suggestions and problems."""
        from fieldapp import reviewing

        return reviewing.queue(self._v(), village_code)

    def approve(self, visit_ids: list[str]) -> dict:
        """Approve visits on the server (bulk), audit here, pull the events; ``{"approved", "skipped"}``."""
        from fieldapp import reviewing

        return reviewing.approve(self._v(), visit_ids)

    def return_visit(self, visit_id: str, comment: str, field_comments: dict | None = None) -> dict:
        """Return a visit on the server with a comment (and per field), audit here, pull the events."""
        from fieldapp import reviewing

        return reviewing.return_visit(self._v(), visit_id, comment, field_comments or {})


def _returned(event: dict) -> ReturnedVisit:
    return ReturnedVisit(event["visit_id"], event["household_id"], event.get("comment") or "",
                         dict(event.get("field_comments") or {}), event.get("reviewer_name") or "", event.get("at") or "")


ReviewServices = Review   # the earlier name

__all__ = ["LetterNeedsApproval", "ReturnedVisit", "Review", "ReviewServices", "RETURNED", "APPROVED", "SUBMITTED"]
