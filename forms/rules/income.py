"""R1 per-capita income, R2 the standard in force, R3 income class, R6 gradual exit."""

from __future__ import annotations

from forms.money import div_half_up, mul_ratio_half_up
from forms.rules.base import Facts, Suggestion, yuan

__all__ = ["per_capita_income_fen", "standard_missing_suggestion", "r1_per_capita", "r2_standard", "r3_income_class", "r6_gradual_exit",
           "income_class_of", "EMPLOYMENT_REASONS", "POVERTY_ALLEVIATION_REASONS"]


def per_capita_income_fen(counted_income_fen, rigid_expense_fen, household_size):
    """R1: (counted income − rigid expenses) ÷ household size, half-up to the fen, never below 0.

    None when the household size is unknown or zero. Also used by the form's calculation of
    ``per_capita_income_fen``, so the formula lives only here.
    """
    if not isinstance(household_size, int) or household_size <= 0:
        return None
    net = (counted_income_fen or 0) - (rigid_expense_fen or 0)
    return div_half_up(max(net, 0), household_size)


def r1_per_capita(facts: Facts) -> list:
    """R1: explain the per-capita monthly income and whether the household is expenditure-type."""
    p = facts.answers.get("per_capita_income_fen")
    if p is None:
        return []
    income, rigid, size = facts.get("counted_income_fen", 0), facts.get("rigid_expense_fen", 0), facts.get("household_size", 0)
    figures = {"counted_income_fen": income, "rigid_expense_fen": rigid, "household_size": size, "per_capita_income_fen": p}
    out = [Suggestion(
        "R1", "per_capita_income",
        f"R1 人均月收入 =（计入收入 {yuan(income)} 元 − 刚性支出 {yuan(rigid)} 元）÷ {size} 人 = {yuan(p)} 元",
        f"R1 per-capita monthly income = ({yuan(income)} counted income − {yuan(rigid)} rigid expenses) ÷ {size} = {yuan(p)} yuan",
        figures)]
    if rigid > 0:
        out.append(Suggestion(
            "R1", "expenditure_type",
            f"R1 家庭有刚性支出 {yuan(rigid)} 元/月已扣除 → 属支出型困难家庭",
            f"R1 rigid expenses of {yuan(rigid)} yuan a month were deducted → expenditure-type household",
            {"rigid_expense_fen": rigid}))
    return out


def _county_zh(facts: Facts, code: str) -> str:
    """The county as a user knows it: 松林县（510123） when the reference data names it, else 县 510123."""
    county = facts.reference.county(code) if hasattr(facts.reference, "county") else None
    return f"{county.name}（{code}）" if county is not None and county.name else f"县 {code}"


def r2_standard(facts: Facts) -> list:
    """R2: name the dibao standard in force (county, urban/rural, date) and where it came from."""
    s = facts.standard
    if s is None:
        return [standard_missing_suggestion(facts)] if facts.standard_missing is not None else []
    area_zh = "城市" if s.area_type == "urban" else "农村"
    figures = {"standard_fen": s.monthly_fen, "county_code": s.county_code, "area_type": s.area_type,
               "effective_from": s.effective_from.isoformat(), "on_date": facts.on_date.isoformat()}
    if s.annual_fen is not None:
        figures["annual_fen"] = s.annual_fen
        zh = (f"R2 {area_zh}低保标准（{_county_zh(facts, s.county_code)}，{s.effective_from.isoformat()} 起）年标准 {yuan(s.annual_fen)} 元 ÷ 12"
              f" = {yuan(s.monthly_fen)} 元/人·月")
        en = (f"R2 {s.area_type} dibao standard (county {s.county_code}, from {s.effective_from.isoformat()}): "
              f"{yuan(s.annual_fen)} yuan a year ÷ 12 = {yuan(s.monthly_fen)} yuan per person per month")
    else:
        zh = f"R2 {area_zh}低保标准（{_county_zh(facts, s.county_code)}，{s.effective_from.isoformat()} 起）{yuan(s.monthly_fen)} 元/人·月"
        en = (f"R2 {s.area_type} dibao standard (county {s.county_code}, from {s.effective_from.isoformat()}): "
              f"{yuan(s.monthly_fen)} yuan per person per month")
    if getattr(facts.reference, "demo", False):
        zh += "（演示数据）"
        en += " (demo data)"
    return [Suggestion("R2", "standard", zh, en, figures)]


def standard_missing_suggestion(facts: Facts) -> Suggestion:
    """R2 when no standard is in force: what is missing and what to do, in plain words."""
    exc = facts.standard_missing
    area_zh = "城市" if exc.area_type == "urban" else "农村"
    figures = {"county_code": exc.county_code, "area_type": exc.area_type, "on_date": str(exc.on_date),
               "reference_id": getattr(facts.reference, "reference_id", "")}
    where_zh = _county_zh(facts, exc.county_code)
    zh = (f"R2 本机没有{where_zh}在 {exc.on_date} 适用的{area_zh}低保标准，"
          "收入类提示（R3 收入分类、R4 按收入判断的单人户、R6 渐退期、R8 临时救助审批）暂时无法给出。"
          "请联网同步，获取县民政局发布的参考数据；同步后仍没有，请联系县民政局发布本县的低保标准。"
          "其他提示（如未成年人保护、特困、需核实、需备案）照常显示。")
    en = (f"R2 this laptop has no {exc.area_type} dibao standard of county {exc.county_code} in force on {exc.on_date}: "
          "the income rules (R3 income class, R4 by income, R6 gradual exit, R8 approval level) could not run. "
          "Sync to receive the county's published reference data, or ask the county civil-affairs office to publish it. "
          "The other rules (child protection, tekun, verify, filing) still run.")
    return Suggestion("R2", "standard_missing", zh, en, figures)


def income_class_of(p: int, s: int) -> str:
    """R3 by income alone: P < S dibao; S ≤ P < 1.5·S low income; else not eligible (2P < 3S, exact)."""
    if p < s:
        return "dibao_candidate"
    if 2 * p < 3 * s:
        return "low_income_candidate"
    return "not_income_eligible"


def r3_income_class(facts: Facts) -> list:
    """R3: classify by income against S and 1.5·S, then apply the asset answer."""
    p, std = facts.answers.get("per_capita_income_fen"), facts.standard
    if std is None and facts.standard_missing is not None:
        return [Suggestion("R3", "not_run", "R3 收入分类未能进行：缺少本县低保标准（见 R2）",
                           "R3 income class could not run: the county's dibao standard is missing (see R2)",
                           {"income_class": None, "missing": "dibao_standard"})]
    if p is None or std is None:
        return []
    s = std.monthly_fen
    s15 = mul_ratio_half_up(s, 3, 2)
    assets = facts.answers.get("assets_meet_rules")
    assets = assets if assets in ("yes", "no", "unknown") else "unknown"
    by_income = income_class_of(p, s)
    figures = {"per_capita_income_fen": p, "standard_fen": s, "low_income_limit_fen": s15,
               "assets_meet_rules": assets, "income_class": by_income}
    if by_income == "dibao_candidate":
        zh = f"R3 人均月收入 {yuan(p)} 元 < 低保标准 {yuan(s)} 元"
        en = f"R3 per-capita monthly income {yuan(p)} yuan < dibao standard {yuan(s)} yuan"
        result_zh, result_en = "可能符合低保条件", "may qualify for dibao"
    elif by_income == "low_income_candidate":
        zh = f"R3 低保标准 {yuan(s)} 元 ≤ 人均月收入 {yuan(p)} 元 < 1.5 倍标准 {yuan(s15)} 元"
        en = f"R3 dibao standard {yuan(s)} ≤ per-capita monthly income {yuan(p)} < 1.5 × standard {yuan(s15)} yuan"
        result_zh, result_en = "可能符合低收入家庭条件", "may qualify as a low-income family"
    else:
        zh = f"R3 人均月收入 {yuan(p)} 元 ≥ 1.5 倍低保标准 {yuan(s15)} 元"
        en = f"R3 per-capita monthly income {yuan(p)} yuan ≥ 1.5 × dibao standard {yuan(s15)} yuan"
        return [Suggestion("R3", "not_income_eligible", f"{zh} → 收入不符合低保和低收入条件",
                           f"{en} → not eligible by income", figures)]
    if assets == "no":
        figures["income_class"] = "assets_not_eligible"
        return [Suggestion("R3", "assets_not_eligible", f"{zh}，但家庭财产不符合当地低保财产条件 → 不符合条件",
                           f"{en}, but assets do not meet the local rules → not eligible", figures)]
    if assets != "yes":
        figures["asset_check_pending"] = True
        return [Suggestion("R3", by_income, f"{zh} → {result_zh}（财产情况待核查）",
                           f"{en} → {result_en} (pending asset check)", figures)]
    return [Suggestion("R3", by_income, f"{zh} → {result_zh}", f"{en} → {result_en}", figures)]


EMPLOYMENT_REASONS = ("flexible_work", "migrant_work", "business_start")
POVERTY_ALLEVIATION_REASONS = ("industry_support", "dividends", "employment_support")
_REASON_ZH = {"flexible_work": "灵活就业", "migrant_work": "外出务工", "business_start": "自主创业",
              "industry_support": "产业帮扶", "dividends": "资产收益分红", "employment_support": "就业帮扶",
              "none": "其他原因"}


def r6_gradual_exit(facts: Facts) -> list:
    """R6: a dibao household whose P reached S keeps benefits for a window set by why income rose."""
    p, std = facts.answers.get("per_capita_income_fen"), facts.standard
    if p is None or std is None or not facts.on_dibao or p < std.monthly_fen:
        return []
    s = std.monthly_fen
    reason = facts.answers.get("income_rise_reason")
    reason = reason if isinstance(reason, str) and reason else "none"
    alleviated = facts.answers.get("registered_poverty") == "yes" or "poverty_alleviated" in facts.categories
    head = f"R6 低保家庭人均月收入 {yuan(p)} 元已达到低保标准 {yuan(s)} 元，收入增加原因：{_REASON_ZH.get(reason, reason)}"
    head_en = f"R6 dibao household's per-capita income {yuan(p)} yuan has reached the standard {yuan(s)} yuan; reason: {reason}"
    figures = {"per_capita_income_fen": p, "standard_fen": s, "income_rise_reason": reason,
               "poverty_alleviated": alleviated}
    if reason in POVERTY_ALLEVIATION_REASONS and alleviated:
        figures.update(months_min=None, months_max=12)
        return [Suggestion("R6", "gradual_exit", f"{head}（已脱贫户）→ 可给予最长 12 个月渐退期",
                           f"{head_en} (poverty-alleviated household) → gradual exit of up to 12 months", figures)]
    if reason in EMPLOYMENT_REASONS:
        figures.update(months_min=3, months_max=6)
        return [Suggestion("R6", "gradual_exit", f"{head} → 可给予 3–6 个月渐退期",
                           f"{head_en} → gradual exit of 3–6 months", figures)]
    figures.update(months_min=None, months_max=None)
    return [Suggestion("R6", "no_gradual_exit", f"{head} → 不属于渐退情形，建议按规定核查后办理退出",
                       f"{head_en} → no gradual-exit window applies; review for exit", figures)]
