"""Texts for codes shown in lists and filters, through Qt's translation system.

Form options (categories, dispositions...) come from the form definition when it is loaded
(its own zh/en labels); these translated fall-backs cover the list before a form is loaded.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP


def _t(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def column_label(name: str) -> str:
    """Header of a household-list column."""
    text = {
        "head_name": QT_TRANSLATE_NOOP("Labels", "户主"),
        "id_masked": QT_TRANSLATE_NOOP("Labels", "身份证号"),
        "village_name": QT_TRANSLATE_NOOP("Labels", "村（社区）"),
        "address": QT_TRANSLATE_NOOP("Labels", "地址"),
        "categories": QT_TRANSLATE_NOOP("Labels", "救助类别"),
        "visit_status": QT_TRANSLATE_NOOP("Labels", "走访状态"),
        "review_due": QT_TRANSLATE_NOOP("Labels", "下次复核"),
        "open_needs": QT_TRANSLATE_NOOP("Labels", "未解决需求"),
        "flags": QT_TRANSLATE_NOOP("Labels", "标记"),
    }.get(name)
    return _t(text) if text else name


def visit_status_label(code: str) -> str:
    """Text of a visit status."""
    text = {
        "not_visited": QT_TRANSLATE_NOOP("Labels", "未走访"),
        "draft": QT_TRANSLATE_NOOP("Labels", "草稿"),
        "done": QT_TRANSLATE_NOOP("Labels", "已走访"),
        "unreachable": QT_TRANSLATE_NOOP("Labels", "无法入户")}.get(code)
    return _t(text) if text else code


def flag_label(code: str) -> str:
    """Text of a household flag."""
    text = {
        "child_protection": QT_TRANSLATE_NOOP("Labels", "儿童保护（紧急）"),
        "filing": QT_TRANSLATE_NOOP("Labels", "需备案"),
        "verify": QT_TRANSLATE_NOOP("Labels", "需核实"),
        "watch": QT_TRANSLATE_NOOP("Labels", "重点关注")}.get(code)
    return _t(text) if text else code


def category_label(code: str) -> str:
    """Fallback text of an assistance category."""
    text = {
        "dibao_a": QT_TRANSLATE_NOOP("Labels", "低保A类"),
        "dibao_b": QT_TRANSLATE_NOOP("Labels", "低保B类"),
        "tekun_institutional": QT_TRANSLATE_NOOP("Labels", "特困（集中供养）"),
        "tekun_home": QT_TRANSLATE_NOOP("Labels", "特困（分散供养）"),
        "orphan": QT_TRANSLATE_NOOP("Labels", "孤儿"),
        "unsupported_child": QT_TRANSLATE_NOOP("Labels", "事实无人抚养儿童"),
        "low_income": QT_TRANSLATE_NOOP("Labels", "低收入家庭"),
        "disabled_hardship": QT_TRANSLATE_NOOP("Labels", "困难残疾人"),
        "elderly_hardship": QT_TRANSLATE_NOOP("Labels", "困难老年人"),
        "poverty_alleviated": QT_TRANSLATE_NOOP("Labels", "兜底保障脱贫人口"),
        "monitored": QT_TRANSLATE_NOOP("Labels", "监测对象"),
        "other_difficulty": QT_TRANSLATE_NOOP("Labels", "其他困难家庭"),
    }.get(code)
    return _t(text) if text else code


def disposition_label(code: str) -> str:
    """Fallback text of a need's disposition."""
    text = {
        "resolved_on_site": QT_TRANSLATE_NOOP("Labels", "当场解决"),
        "resolved": QT_TRANSLATE_NOOP("Labels", "已解决"),
        "referred": QT_TRANSLATE_NOOP("Labels", "已转介"),
        "pending": QT_TRANSLATE_NOOP("Labels", "待研究")}.get(code)
    return _t(text) if text else code


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
