"""The campaign's target households on a laptop: coverage by the one rule in ``forms.coverage``, and 无法入户.

A visitor laptop holds its villages, an office laptop its township: the same rule over the
households each holds gives the figures of those areas, and they agree with the server's.
"""

from __future__ import annotations

import json
from collections import Counter

from forms.coverage import CoverageReport, HouseholdFacts, count_reviews, summarise, unreachable_status
from forms.expressions import local_today


def _obj(text) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _facts(vault) -> list[tuple[HouseholdFacts, dict]]:
    out = []
    for village, roster_text, status_text, last_final in vault.coverage_rows():
        roster, status = _obj(roster_text), _obj(status_text)
        unreachable = status.get("state") == "unreachable"
        out.append((HouseholdFacts(
            village_code=village or "", roster_campaign=str(roster.get("campaign") or ""),
            roster_closed=bool(roster.get("closed")), last_final_visit=last_final or "",
            unreachable_campaign=str(status.get("campaign") or "") if unreachable else "",
            unreachable_reason=str(status.get("reason") or "") if unreachable else ""), roster))
    return out


def current_campaign(vault, reference=None) -> tuple[str, str] | None:
    """(name, start) of the campaign this laptop's roster households belong to, or None without a roster.

    The reference data's campaign wins when the roster has households of it; else the campaign
    most roster households name. Its start is the one the server's roster import recorded.
    """
    facts = _facts(vault)
    return _campaign_of(facts, reference)


def _campaign_of(facts, reference) -> tuple[str, str] | None:
    counts = Counter(f.roster_campaign for f, _ in facts if f.roster_campaign)
    if not counts:
        return None
    ref = getattr(reference, "campaign", None) if reference is not None else None
    name = ref.name_zh if ref is not None and getattr(ref, "name_zh", "") in counts else counts.most_common(1)[0][0]
    since = next((str(r.get("since") or "") for f, r in facts if f.roster_campaign == name and r.get("since")), "")
    if not since and ref is not None and getattr(ref, "start", None):
        since = ref.start.isoformat()
    return name, since


def coverage_report(vault, reference=None, today=None) -> CoverageReport | None:
    """Coverage of the current campaign over the households on this laptop (None when it holds no roster).

    审核超期 is counted by the console's rule (``forms.coverage.review_overdue``) with the county's published
    ``review_deadline_days``, so the laptop and the console give the same figure for the same households.

    :param today: the date overdue reviews are counted on (default: today in China, ``local_today``)
    """
    facts = _facts(vault)
    chosen = _campaign_of(facts, reference)
    if chosen is None:
        return None
    report = summarise((f for f, _ in facts), *chosen, review_counts(vault, reference, today))
    report.review_deadline_days = review_deadline(reference)
    return report


def review_deadline(reference) -> int | None:
    """The county's review deadline in days from its published reference data (None: none set)."""
    return getattr(reference, "review_deadline_days", None) if reference is not None else None


def review_counts(vault, reference=None, today=None) -> dict[str, dict[str, int]]:
    """Per village: 待审核 / 已退回 / 已审核通过 of the households' latest final visits, and 审核超期 by the console's rule."""
    return count_reviews(vault.review_groups_by_village(), today or local_today(), review_deadline(reference))


def mark_unreachable(vault, household_id: str, reason: str, note: str, visitors: list[str], reference=None) -> dict:
    """Record that a target household could not be visited (无法入户), synced like any change; returns the status.

    :raises forms.coverage.UnreachableIncomplete: no known reason, no note, or a refusal without the second visitor
    """
    household = vault.get_household(household_id, audit_view=False)
    roster = household["fields"].get("roster") if isinstance(household["fields"].get("roster"), dict) else {}
    chosen = current_campaign(vault, reference)
    campaign = str(roster.get("campaign") or (chosen[0] if chosen else ""))
    status = unreachable_status(campaign, reason, note, visitors, by=vault.user)
    vault.update_household_fields(household_id, {"target_status": status})
    return status
