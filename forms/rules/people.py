"""R4 single-person household members, R5 tekun candidates, R11 child protection."""

from __future__ import annotations

from forms.rules.base import Facts, Suggestion, codes, is_severely_disabled, member_label, rows, severe_disability_zh
from forms.rules.income import income_class_of

__all__ = ["r4_single_person", "r5_tekun", "r11_child_protection", "is_minor_for_tekun", "SCHOOLING_CONTINUES"]

# A person of 18+ still in compulsory education, high school or secondary vocational school
# continues to count as a minor for R5.
SCHOOLING_CONTINUES = ("primary", "junior", "senior", "vocational_secondary")


def _low_income_or_dibao_family(facts: Facts) -> bool:
    p, std = facts.answers.get("per_capita_income_fen"), facts.standard
    if p is not None and std is not None and facts.answers.get("assets_meet_rules") != "no":
        if income_class_of(p, std.monthly_fen) in ("dibao_candidate", "low_income_candidate"):
            return True
    return facts.on_dibao or "low_income" in facts.categories


def r4_single_person(facts: Facts) -> list:
    """R4: in a low-income or dibao(-candidate) family, list members who may apply for dibao alone."""
    if not _low_income_or_dibao_family(facts):
        return []
    out = []
    for i, m in enumerate(facts.members):
        reasons_zh, reasons = [], []
        if is_severely_disabled(m):
            reasons_zh.append(severe_disability_zh(m))
            reasons.append("severe_disability")
        if m.get("health") == "serious_illness":
            reasons_zh.append("患重病")
            reasons.append("serious_illness")
        if not reasons:
            continue
        who_zh, who_en = member_label(i, m)
        out.append(Suggestion(
            "R4", "single_person_member",
            f"R4 {who_zh}（{'、'.join(reasons_zh)}）所在家庭为低保或低收入家庭 → 可单独申请低保（单人户）",
            f"R4 {who_en} ({', '.join(r.replace('_', ' ') for r in reasons)}) lives in a low-income or dibao family "
            f"→ may apply for dibao alone (single-person household)",
            {"member_index": i, "member_id": m.get("member_id"), "reasons": reasons}))
    return out


def is_minor_for_tekun(member: dict) -> bool:
    """R5's minor: under 18, or 18+ and still in compulsory education, high school or secondary vocational."""
    age = member.get("age")
    if not isinstance(age, int):
        return False
    return age < 18 or member.get("schooling") in SCHOOLING_CONTINUES


def r5_tekun(facts: Facts) -> list:
    """R5: no labour capacity, no income source, no able supporter, and elderly / severely disabled / minor."""
    supporters = rows(facts.answers.get("supporters"))
    if any(s.get("able_to_support") == "yes" for s in supporters):
        return []
    supporter_unknown = any(s.get("able_to_support") not in ("no", "yes") for s in supporters)
    out = []
    for i, m in enumerate(facts.members):
        if m.get("labour_capacity") != "none" or m.get("has_income_source") != "no":
            continue
        age = m.get("age")
        reasons, reasons_zh = [], []
        if isinstance(age, int) and age >= 60:
            reasons.append("elderly")
            reasons_zh.append(f"{age} 周岁老年人")
        if is_severely_disabled(m):
            reasons.append("severe_disability")
            reasons_zh.append(severe_disability_zh(m))
        if is_minor_for_tekun(m):
            reasons.append("minor")
            reasons_zh.append(f"未成年人（{age} 周岁）" if age < 18 else f"{age} 周岁仍在校就读")
        if not reasons:
            continue
        who_zh, who_en = member_label(i, m)
        note_zh = "；赡养（抚养、扶养）义务人能力待核实" if supporter_unknown else ""
        note_en = "; supporters' ability still to be checked" if supporter_unknown else ""
        out.append(Suggestion(
            "R5", "tekun_candidate",
            f"R5 {who_zh}（{'、'.join(reasons_zh)}）无劳动能力、无收入来源、无有能力的法定义务人 → 可能符合特困供养条件{note_zh}",
            f"R5 {who_en} ({', '.join(reasons)}) has no labour capacity, no income source and no supporter able to "
            f"support → may qualify for tekun support{note_en}",
            {"member_index": i, "member_id": m.get("member_id"), "age": age, "reasons": reasons,
             "supporter_check_pending": supporter_unknown}))
    return out


_FLAG_ZH = {"no_guardian": "无人监护", "guardian_unable": "监护人无力监护", "dropout": "辍学", "no_hukou": "户口缺失"}
_FLAG_EN = {"no_guardian": "no guardian", "guardian_unable": "guardian unable to care", "dropout": "dropped out of school",
            "no_hukou": "no household registration"}


def r11_child_protection(facts: Facts) -> list:
    """R11: a minor with no guardian, an unable guardian, dropped out or without hukou → urgent referral."""
    out = []
    for i, m in enumerate(facts.members):
        flags = [f for f in codes(m.get("child_flags")) if f in _FLAG_ZH]
        age = m.get("age")
        if not flags or (isinstance(age, int) and age >= 18):
            continue
        who_zh, who_en = member_label(i, m)
        out.append(Suggestion(
            "R11", "child_protection",
            f"R11 紧急：{who_zh}为未成年人，{'、'.join(_FLAG_ZH[f] for f in flags)} → 立即转介未成年人保护",
            f"R11 URGENT: {who_en} is a minor ({', '.join(_FLAG_EN[f] for f in flags)}) → refer to child protection now",
            {"member_index": i, "member_id": m.get("member_id"), "age": age, "flags": flags}, urgent=True))
    return out
