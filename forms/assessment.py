"""The assessment of one visit: every rule R1–R12 run once, gathered into one explained result."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from forms import rules
from forms.definition import FormDefinition
from forms.errors import FormNotFoundError, MissingStandardError, UnknownFormVersionError
from forms.expressions import local_today
from forms.places import county_of, is_village_code
from forms.rules.base import Facts, codes, rows

__all__ = ["Assessment", "assess", "build_facts"]


@dataclass
class Assessment:
    """What the rules suggest for one visit; every field's explanation is in ``suggestions``."""

    form_id: str
    form_version: int
    on_date: str
    reference_id: str
    demo_reference: bool
    reference_version: int | None = None  # version of the published reference document used (None: a file)
    standard_missing: str | None = None  # Chinese explanation when no dibao standard was in force
    standard_fen: int | None = None
    per_capita_income_fen: int | None = None
    counted_income_fen: int | None = None
    rigid_expense_fen: int | None = None
    household_size: int | None = None
    expenditure_type: bool = False
    income_class: str | None = None
    asset_check_pending: bool = False
    single_person_members: list = field(default_factory=list)
    tekun_candidates: list = field(default_factory=list)
    gradual_exit: dict | None = None
    review: dict | None = None
    temp_assistance: dict | None = None
    verify_flags: list = field(default_factory=list)
    filing_required: bool = False
    child_protection: list = field(default_factory=list)
    urgent: bool = False
    watch_list: dict | None = None
    missing_inputs: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)

    def by_rule(self, rule: str) -> list:
        """The suggestions of one rule ("R3")."""
        return [s for s in self.suggestions if s.rule == rule]

    def to_dict(self) -> dict:
        """JSON-ready dict: each derived value next to the rule id and explanation behind it."""
        def explained(rule):
            found = self.by_rule(rule)
            return [{"rule": s.rule, "code": s.code, "message_zh": s.message_zh, "message_en": s.message_en}
                    for s in found]

        def items(rule):
            return [{"rule": s.rule, "code": s.code, **s.figures, "message_zh": s.message_zh,
                     "message_en": s.message_en} for s in self.by_rule(rule)]

        def one(rule, code=None):
            found = [s for s in self.by_rule(rule) if code is None or s.code == code]
            if not found:
                return None
            s = found[0]
            return {"rule": s.rule, "code": s.code, **s.figures, "message_zh": s.message_zh, "message_en": s.message_en}

        return {
            "form_id": self.form_id,
            "form_version": self.form_version,
            "on_date": self.on_date,
            "reference_id": self.reference_id,
            "demo_reference": self.demo_reference,
            "reference_version": self.reference_version,
            "standard_missing": self.standard_missing,
            "missing_inputs": list(self.missing_inputs),
            "standard": one("R2"),
            "per_capita_income_fen": self.per_capita_income_fen,
            "per_capita": one("R1", "per_capita_income"),
            "expenditure_type": {"value": self.expenditure_type, "explanation": explained("R1")[1:] or None},
            "income_class": {"value": self.income_class, "asset_check_pending": self.asset_check_pending,
                             "explanation": explained("R3")},
            "single_person_members": items("R4"),
            "tekun_candidates": items("R5"),
            "gradual_exit": one("R6"),
            "review": one("R7", "review_schedule"),
            "temp_assistance": one("R8"),
            "verify_flags": items("R9"),
            "filing": {"required": self.filing_required, "explanation": explained("R10")},
            "child_protection": {"urgent": self.urgent, "members": items("R11")},
            "watch_list": one("R12"),
            "suggestions": [s.to_dict() for s in self.suggestions],
        }


def build_facts(form: FormDefinition, visit: dict, reference, on_date=None, temp_amount_fen=None) -> Facts:
    """Compute the Facts the rules read; a standard not published is noted in ``standard_missing``."""
    answers = form.calculated_view(visit.get("answers") or {})
    if on_date is None:
        try:
            on_date = _dt.date.fromisoformat(answers.get("visit_date") or "")
        except (TypeError, ValueError):
            on_date = local_today()
    elif isinstance(on_date, str):
        on_date = _dt.date.fromisoformat(on_date)
    village = answers.get("village_code")
    county = county_of(village) if is_village_code(village) else None
    area = answers.get("area_type") if answers.get("area_type") in ("urban", "rural") else None
    missing = []
    if county is None:
        missing.append("village_code")
    if area is None:
        missing.append("area_type")
    if not answers.get("members"):
        missing.append("members")
    categories = frozenset(codes(answers.get("categories")))
    members = rows(answers.get("members"))
    if temp_amount_fen is None:
        requested = answers.get("temp_assistance_request_fen")
        temp_amount_fen = (requested if isinstance(requested, int) and not isinstance(requested, bool) and requested >= 0
                           else None)
    if temp_amount_fen is not None and county is None:
        missing.append("village_code")
    standard, standard_missing = None, None
    if county and area:
        try:
            standard = reference.standard(county, area, on_date)
        except MissingStandardError as exc:
            # No silent blank: the income rules say they could not run, every other rule still runs.
            standard_missing = exc
            missing.append("dibao_standard")
    return Facts(answers=answers, reference=reference, on_date=on_date, county_code=county, area_type=area,
                 categories=categories, members=members, standard=standard, missing_inputs=tuple(dict.fromkeys(missing)),
                 temp_amount_fen=temp_amount_fen, standard_missing=standard_missing)


def assess(visit: dict, reference, on_date=None, temp_amount_fen: int | None = None, form: FormDefinition | None = None) -> Assessment:
    """Run R1–R12 over *visit* (interchange dict) with *reference* data.

    :param on_date: date the standard must be in force (default: the visit date).
    :param temp_amount_fen: temporary-assistance amount for R8 (default: the visit's
        ``temp_assistance_request_fen`` answer, if any).
    A reference without the dibao standard for the county, urban/rural and date is never a silent
    zero: R2/R3 (and R8 when asked) say in plain Chinese what is missing and that they could not
    run, ``missing_inputs`` lists ``dibao_standard``, and every rule not needing it (R4 on known
    categories, R5, R7, R9–R12) still runs.
    :raises UnknownFormVersionError: the visit names a form version this installation lacks.
    """
    if form is None:
        from forms.loader import load_form

        try:
            form = load_form(visit.get("form_id"), visit.get("form_version"))
        except (FormNotFoundError, TypeError):
            raise UnknownFormVersionError(visit.get("form_id"), visit.get("form_version")) from None
    facts = build_facts(form, visit, reference, on_date, temp_amount_fen)
    a = facts.answers
    result = Assessment(form_id=form.form_id, form_version=form.version, on_date=facts.on_date.isoformat(),
                        reference_id=reference.reference_id, demo_reference=reference.demo,
                        reference_version=getattr(reference, "version", None),
                        missing_inputs=list(facts.missing_inputs))
    if facts.standard_missing is not None:
        result.standard_missing = facts.standard_missing.message_zh
    result.standard_fen = facts.standard.monthly_fen if facts.standard else None
    result.per_capita_income_fen = a.get("per_capita_income_fen")
    result.counted_income_fen = a.get("counted_income_fen")
    result.rigid_expense_fen = a.get("rigid_expense_fen")
    result.household_size = a.get("household_size")
    result.expenditure_type = bool(a.get("expenditure_type"))
    out = result.suggestions
    out += rules.r1_per_capita(facts)
    out += rules.r2_standard(facts)
    r3 = rules.r3_income_class(facts)
    out += r3
    if r3:
        result.income_class = r3[0].figures.get("income_class")
        result.asset_check_pending = bool(r3[0].figures.get("asset_check_pending"))
    r4 = rules.r4_single_person(facts)
    out += r4
    result.single_person_members = [s.figures for s in r4]
    r5 = rules.r5_tekun(facts)
    out += r5
    result.tekun_candidates = [s.figures for s in r5]
    r6 = rules.r6_gradual_exit(facts)
    out += r6
    result.gradual_exit = r6[0].figures if r6 else None
    r7 = rules.r7_review(facts)
    out += r7
    result.review = r7[0].figures if r7 else None
    r8 = rules.r8_approval_level(facts)
    out += r8
    result.temp_assistance = r8[0].figures if r8 else None
    r9 = rules.r9_verify(facts)
    out += r9
    result.verify_flags = [s.code for s in r9]
    r10 = rules.r10_filing(facts, single_person=bool(r4))
    out += r10
    result.filing_required = bool(r10)
    r11 = rules.r11_child_protection(facts)
    out += r11
    result.child_protection = [s.figures for s in r11]
    result.urgent = bool(r11)
    r12 = rules.r12_watch_list(facts)
    out += r12
    result.watch_list = r12[0].figures if r12 else None
    return result

