"""R4 single-person household members, R5 tekun candidates, R11 child protection."""

from __future__ import annotations

from forms.rules.base import Facts, Suggestion, codes, is_severely_disabled, member_label, rows, severe_disability_zh
from forms.rules.income import income_class_of

__all__ = ["r4_single_person", "r5_tekun", "supporters_of", "r11_child_protection", "is_minor_for_tekun", "SCHOOLING_CONTINUES"]

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
            f"R4 {who_en} ({', '.join({'severe_disability': 'severely disabled'}.get(r, r.replace('_', ' ')) for r in reasons)}) lives in a low-income or dibao family "
            f"→ may apply for dibao alone (single-person household)",
            {"member_index": i, "member_id": m.get("member_id"), "reasons": reasons}))
    return out


def is_minor_for_tekun(member: dict) -> bool:
    """R5's minor: under 18, or 18+ and still in compulsory education, high school or secondary vocational."""
    age = member.get("age")
    if not isinstance(age, int):
        return False
    return age < 18 or member.get("schooling") in SCHOOLING_CONTINUES


def supporters_of(member: dict, supporters: list) -> list:
    """The obliged supporters (赡养/抚养/扶养义务人) of *member*, as (row number, supporter) pairs.

    A supporter names the members they are obliged to in ``obliged_to`` (member ids, form v2). A
    supporter who names nobody (recorded with form v1, or not yet linked) counts for every member,
    as version 1 recorded them: no suggestion then rests on a link nobody made.
    """
    mid = member.get("member_id") if isinstance(member.get("member_id"), str) else None
    out = []
    for n, s in enumerate(supporters, 1):
        linked = [x for x in s.get("obliged_to") or [] if isinstance(x, str)] if isinstance(s.get("obliged_to"), list) else []
        if not linked or (mid and mid in linked):
            out.append((n, s))
    return out


def r5_tekun(facts: Facts) -> list:
    """R5, per member: no labour capacity, no income source, no supporter able to support *them*,
    and elderly / severely disabled / minor. A supporter obliged only to other members does not count."""
    supporters = rows(facts.answers.get("supporters"))
    out = []
    for i, m in enumerate(facts.members):
        if m.get("labour_capacity") != "none" or m.get("has_income_source") != "no":
            continue
        own = supporters_of(m, supporters)
        if any(s.get("able_to_support") == "yes" for _n, s in own):
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
        unknown = [n for n, s in own if s.get("able_to_support") not in ("no", "yes")]
        unable = [n for n, s in own if s.get("able_to_support") == "no"]
        others_able = [n for n, s in enumerate(supporters, 1)
                       if s.get("able_to_support") == "yes" and all(n != k for k, _s in own)]
        why_zh, why_en = _supporters_explained(unable, unknown, others_able)
        out.append(Suggestion(
            "R5", "tekun_candidate",
            f"R5 {who_zh}（{'、'.join(reasons_zh)}）无劳动能力、无收入来源、无有能力的法定义务人 → 可能符合特困供养条件{why_zh}",
            f"R5 {who_en} ({', '.join(_REASON_EN[r] for r in reasons)}) has no labour capacity, no income source and no supporter able to "
            f"support them → may qualify for tekun support{why_en}",
            {"member_index": i, "member_id": m.get("member_id"), "age": age, "reasons": reasons,
             "supporter_check_pending": bool(unknown), "supporters_unable": unable, "supporters_unknown": unknown,
             "able_supporters_of_others": others_able}))
    return out


_REASON_EN = {"elderly": "elderly", "severe_disability": "severely disabled", "minor": "minor"}


def _nth(numbers: list) -> str:
    return "、".join(f"第 {n} 位" for n in numbers)


def _supporters_explained(unable: list, unknown: list, others_able: list) -> tuple:
    """The clause saying which supporters were weighed for this member (义务人 counted by row)."""
    zh, en = [], []
    if unable:
        zh.append(f"对其负有义务的{_nth(unable)}义务人无赡养（抚养、扶养）能力")
        en.append(f"supporter(s) {', '.join(map(str, unable))} obliged to them cannot support")
    if not unable and not unknown and others_able:
        zh.append("没有登记对其负有义务的义务人")
        en.append("no supporter obliged to them is recorded")
    if others_able:
        zh.append(f"{_nth(others_able)}义务人有能力，但只对其他成员负有义务，不影响本人")
        en.append(f"supporter(s) {', '.join(map(str, others_able))} can support but are obliged to other members only")
    if unknown:
        zh.append("赡养（抚养、扶养）义务人能力待核实")
        en.append("supporters' ability still to be checked")
    if not zh:
        return "", ""
    return "；" + "；".join(zh), "; " + "; ".join(en)


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
