"""R9 verify flags, R10 filing flag, R12 watch list."""

from __future__ import annotations

from forms.rules.base import Facts, Suggestion, is_severely_disabled, member_label, rows, yuan
from forms.rules.income import income_class_of

__all__ = ["r9_verify", "r10_filing", "r12_watch_list"]


def r9_verify(facts: Facts) -> list:
    """R9: assets and spending that need checking (需核实)."""
    a, ref = facts.answers, facts.reference
    out = []

    def flag(code, zh, en, figures=None):
        out.append(Suggestion("R9", code, f"R9 需核实：{zh}", f"R9 verify: {en}", figures or {}))

    vehicles = rows(a.get("vehicles"))
    motor = [v for v in vehicles if v.get("kind") in ("motorcycle", "car", "other") and v.get("exempt") != "yes"]
    if motor:
        flag("vehicle", f"有 {len(motor)} 辆非生计/非残疾人代步机动车", f"{len(motor)} non-exempt vehicle(s)",
             {"count": len(motor), "kinds": [v.get("kind") for v in motor]})
    machinery = [v for v in vehicles if v.get("kind") == "large_farm_machinery"]
    if machinery:
        flag("large_machinery", f"有大型农机具 {len(machinery)} 台", f"{len(machinery)} large farm machine(s)",
             {"count": len(machinery)})
    role = a.get("business_role")
    if isinstance(role, str) and role and role != "none":
        role_zh = {"individual": "个体工商户", "company_shareholder": "企业股东", "company_officer": "企业法定代表人/高管"}
        flag("business", f"家庭成员为{role_zh.get(role, role)}", f"business role: {role}", {"business_role": role})
    homes = a.get("housing_count")
    if isinstance(homes, int) and not isinstance(homes, bool) and homes >= 2:
        flag("multiple_homes", f"拥有 {homes} 套住房", f"{homes} homes", {"housing_count": homes})
    savings = a.get("savings_fen")
    if isinstance(savings, int) and not isinstance(savings, bool) and ref.savings_threshold_fen is not None and savings > ref.savings_threshold_fen:
        flag("savings", f"存款及金融资产 {yuan(savings)} 元 > 核实线 {yuan(ref.savings_threshold_fen)} 元",
             f"savings {yuan(savings)} yuan > threshold {yuan(ref.savings_threshold_fen)} yuan",
             {"savings_fen": savings, "threshold_fen": ref.savings_threshold_fen})
    utilities = a.get("utility_total_fen")
    if isinstance(utilities, int) and ref.utility_threshold_fen is not None and utilities > ref.utility_threshold_fen:
        flag("utilities", f"月水电燃气通讯费 {yuan(utilities)} 元 > 核实线 {yuan(ref.utility_threshold_fen)} 元",
             f"utilities {yuan(utilities)} yuan a month > threshold {yuan(ref.utility_threshold_fen)} yuan",
             {"utility_total_fen": utilities, "threshold_fen": ref.utility_threshold_fen})
    if a.get("private_school") == "yes":
        flag("private_school", "子女就读高收费私立学校", "child in a high-fee private school")
    if a.get("overseas_travel") == "yes":
        flag("overseas_travel", "近一年有出国（境）旅游", "overseas travel in the past year")
    return out


def _may_apply_for_dibao(facts: Facts) -> bool:
    p, std = facts.answers.get("per_capita_income_fen"), facts.standard
    if p is not None and std is not None and facts.answers.get("assets_meet_rules") != "no":
        return income_class_of(p, std.monthly_fen) == "dibao_candidate"
    return False


def r10_filing(facts: Facts, single_person: bool = False) -> list:
    """R10: the household receives or may apply for dibao and a member is (a near relative of) staff."""
    receives = facts.on_dibao
    may_apply = _may_apply_for_dibao(facts) or single_person
    if not (receives or may_apply):
        return []
    related = [i for i, m in enumerate(facts.members) if m.get("staff_relative") == "yes"]
    if not related:
        return []
    who_zh = "、".join(member_label(i, facts.members[i])[0] for i in related)
    who_en = ", ".join(member_label(i, facts.members[i])[1] for i in related)
    status_zh = "享受低保" if receives else "可能申请低保"
    status_en = "receives dibao" if receives else "may apply for dibao"
    return [Suggestion(
        "R10", "filing_required",
        f"R10 家庭{status_zh}，{who_zh}为救助经办人员/村（居）委会成员或其近亲属 → 需备案",
        f"R10 household {status_en} and {who_en} is (a near relative of) assistance staff or a village committee member "
        f"→ must be filed",
        {"member_indexes": related, "member_ids": [facts.members[i].get("member_id") for i in related],
         "receives_dibao": receives, "may_apply": may_apply})]


def r12_watch_list(facts: Facts) -> list:
    """R12: low income, serious illness or severe disability, a major event or a refusal within a year."""
    reasons, zh, en = [], [], []
    p, std = facts.answers.get("per_capita_income_fen"), facts.standard
    low = "low_income" in facts.categories
    if p is not None and std is not None and income_class_of(p, std.monthly_fen) == "low_income_candidate":
        low = True
    if low:
        reasons.append("low_income")
        zh.append("低收入")
        en.append("low income")
    ill = [i for i, m in enumerate(facts.members) if m.get("health") == "serious_illness"]
    severe = [i for i, m in enumerate(facts.members)
              if is_severely_disabled(m) or m.get("health") == "severe_disability"]
    if ill:
        reasons.append("serious_illness")
        zh.append(f"{len(ill)} 人患重病")
        en.append(f"{len(ill)} seriously ill")
    if severe:
        reasons.append("severe_disability")
        zh.append(f"{len(severe)} 人重度残疾")
        en.append(f"{len(severe)} severely disabled")
    if facts.answers.get("major_event_within_year") == "yes":
        reasons.append("major_event")
        zh.append("近一年发生重大变故")
        en.append("major family event within a year")
    if facts.answers.get("refused_within_year") == "yes":
        reasons.append("refused")
        zh.append("近一年申请救助被拒")
        en.append("application refused within a year")
    if not reasons:
        return []
    return [Suggestion("R12", "watch_list", f"R12 {'、'.join(zh)} → 列为潜在救助对象/重点关注",
                       f"R12 {', '.join(en)} → add to the watch list", {"reasons": reasons})]
