"""R7 review schedule and R8 temporary-assistance approval level."""

from __future__ import annotations

import datetime as _dt

from forms.errors import MissingStandardError
from forms.rules.base import Facts, Suggestion, add_months, rows, yuan

__all__ = ["r7_review", "r8_approval_level", "review_class_of", "UNSTABLE_EMPLOYMENT"]

UNSTABLE_EMPLOYMENT = ("flexible", "migrant")
INFO_CHECK_MONTHS = 6  # households on assistance get their information compared at least twice a year


def review_class_of(facts: Facts) -> str:
    """"B" when some member can work and an income source is unstable (flexible/migrant work, business), else "A"."""
    members = facts.members
    can_work = any(m.get("labour_capacity") in ("full", "partial") for m in members)
    unstable = any(m.get("employment") in UNSTABLE_EMPLOYMENT for m in members)
    unstable = unstable or any(r.get("source") == "business" for r in rows(facts.answers.get("incomes")))
    unstable = unstable or facts.answers.get("business_role") == "individual"
    return "B" if can_work and unstable else "A"


def r7_review(facts: Facts) -> list:
    """R7: tekun and dibao A every 12 months, dibao B every 6; next review = last verification + interval."""
    if not (facts.on_dibao or facts.on_tekun):
        return []
    if facts.on_dibao:
        klass = review_class_of(facts)
        months = 6 if klass == "B" else 12
        kind_zh = f"低保 {klass} 类"
        kind_en = f"dibao class {klass}"
        why_zh = "（有劳动能力成员且收入来源不稳定）" if klass == "B" else "（家庭情况相对稳定）"
        why_en = " (a member can work and income is unstable)" if klass == "B" else " (stable situation)"
    else:
        klass, months, kind_zh, kind_en, why_zh, why_en = "tekun", 12, "特困供养", "tekun", "", ""
    last_raw = facts.answers.get("last_verified")
    try:
        last = _dt.date.fromisoformat(last_raw) if isinstance(last_raw, str) else None
    except ValueError:
        last = None
    base, base_note_zh, base_note_en = last, "上次核查", "last verification"
    if base is None:
        base, base_note_zh, base_note_en = facts.on_date, "本次走访（未填上次核查日期）", "this visit (no last verification given)"
    due = add_months(base, months)
    info_due = add_months(base, INFO_CHECK_MONTHS)
    current = "dibao_b" if "dibao_b" in facts.categories else "dibao_a" if "dibao_a" in facts.categories else None
    figures = {"review_class": klass, "interval_months": months, "based_on": base.isoformat(),
               "last_verified": last.isoformat() if last else None, "next_review_due": due.isoformat(),
               "info_check_due": info_due.isoformat(), "current_category": current}
    out = [Suggestion(
        "R7", "review_schedule",
        f"R7 建议按{kind_zh}管理{why_zh}，每 {months} 个月复核：{base_note_zh} {base.isoformat()} + {months} 个月 → "
        f"下次复核 {due.isoformat()}；家庭信息至少每半年比对一次（{info_due.isoformat()} 前）",
        f"R7 suggested {kind_en}{why_en}, reviewed every {months} months: {base_note_en} {base.isoformat()} + {months} "
        f"months → next review {due.isoformat()}; information compared at least twice a year (by {info_due.isoformat()})",
        figures)]
    if klass in ("A", "B") and current and current != f"dibao_{klass.lower()}":
        out.append(Suggestion(
            "R7", "review_class_change",
            f"R7 现为低保 {current[-1].upper()} 类，按本次情况建议调整为 {klass} 类",
            f"R7 currently dibao class {current[-1].upper()}; this visit suggests class {klass}",
            {"current_category": current, "suggested": f"dibao_{klass.lower()}"}))
    return out


def r8_approval_level(facts: Facts) -> list:
    """R8: ≤ N × urban monthly standard → township; ≤ county limit (20,000 yuan) → county; above → leading group."""
    amount = facts.temp_amount_fen
    if amount is None or facts.county_code is None:
        return []  # without a village code there is no county standard: listed in missing_inputs
    ref = facts.reference
    try:
        urban = ref.standard(facts.county_code, "urban", facts.on_date)
    except MissingStandardError:
        return [Suggestion("R8", "not_run",
                           f"R8 临时救助金额 {yuan(amount)} 元的审批层级未能判断：缺少本县城市低保标准（见 R2）",
                           f"R8 the approval level of {yuan(amount)} yuan could not be found: no urban dibao standard "
                           "of the county (see R2)", {"amount_fen": amount, "level": None, "missing": "dibao_standard"})]
    n = ref.temp_assistance_multiplier
    township_limit = urban.monthly_fen * n
    county_limit = ref.county_approval_limit_fen
    figures = {"amount_fen": amount, "multiplier": n, "urban_standard_fen": urban.monthly_fen,
               "township_limit_fen": township_limit, "county_limit_fen": county_limit}
    if amount <= township_limit:
        level, zh, en = "township", f"≤ {n} 倍城市低保标准 {yuan(township_limit)} 元 → 乡镇（街道）审批", \
            f"≤ {n} × urban standard = {yuan(township_limit)} yuan → township approves"
    elif amount <= county_limit:
        level, zh, en = "county", f"> {yuan(township_limit)} 元且 ≤ {yuan(county_limit)} 元 → 县级民政部门审批", \
            f"> {yuan(township_limit)} and ≤ {yuan(county_limit)} yuan → county civil affairs approves"
    else:
        level, zh, en = "county_leading_group", f"> {yuan(county_limit)} 元 → 报县级困难群众基本生活保障工作协调机制（领导小组）一事一议", \
            f"> {yuan(county_limit)} yuan → county leading group decides case by case"
    figures["level"] = level
    return [Suggestion("R8", f"approval_{level}", f"R8 临时救助金额 {yuan(amount)} 元 {zh}",
                       f"R8 temporary assistance of {yuan(amount)} yuan {en}", figures)]
