"""Texts for codes shown in lists and filters, through Qt's translation system.

Form options (categories, dispositions...) come from the form definition when it is loaded
(its own zh/en labels); these translated fall-backs cover the list before a form is loaded.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def column_label(name: str) -> str:
    """Header of a household-list column."""
    return {
        "head_name": _t("户主"), "id_masked": _t("身份证号"), "village_name": _t("村（社区）"),
        "address": _t("地址"), "categories": _t("救助类别"), "visit_status": _t("走访状态"),
        "review_due": _t("下次复核"), "open_needs": _t("未解决需求"), "flags": _t("标记"),
    }.get(name, name)


def visit_status_label(code: str) -> str:
    """Text of a visit status."""
    return {"not_visited": _t("未走访"), "draft": _t("草稿"), "done": _t("已走访")}.get(code, code)


def flag_label(code: str) -> str:
    """Text of a household flag."""
    return {"child_protection": _t("儿童保护（紧急）"), "filing": _t("需备案"), "verify": _t("需核实"),
            "watch": _t("重点关注")}.get(code, code)


def category_label(code: str) -> str:
    """Fallback text of an assistance category."""
    return {
        "dibao_a": _t("低保A类"), "dibao_b": _t("低保B类"), "tekun_institutional": _t("特困（集中供养）"),
        "tekun_home": _t("特困（分散供养）"), "orphan": _t("孤儿"), "unsupported_child": _t("事实无人抚养儿童"),
        "low_income": _t("低收入家庭"), "disabled_hardship": _t("困难残疾人"), "elderly_hardship": _t("困难老年人"),
        "poverty_alleviated": _t("兜底保障脱贫人口"), "monitored": _t("监测对象"), "other_difficulty": _t("其他困难家庭"),
    }.get(code, code)


def disposition_label(code: str) -> str:
    """Fallback text of a need's disposition."""
    return {"resolved_on_site": _t("当场解决"), "resolved": _t("已解决"), "referred": _t("已转介"),
            "pending": _t("待研究")}.get(code, code)


CATEGORY_CODES = ("dibao_a", "dibao_b", "tekun_institutional", "tekun_home", "orphan", "unsupported_child",
                  "low_income", "disabled_hardship", "elderly_hardship", "poverty_alleviated", "monitored",
                  "other_difficulty")


def list_label(kind: str, code: str) -> str:
    """Label function for the household model: (kind, code) -> text."""
    if kind == "column":
        return column_label(code)
    if kind == "visit_status":
        return visit_status_label(code)
    if kind == "flag":
        return flag_label(code)
    if kind == "category":
        return category_label(code)
    if kind == "disposition":
        return disposition_label(code)
    return code
