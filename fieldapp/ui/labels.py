"""Texts for codes shown in lists and filters, through Qt's translation system.

Option codes of the form (categories, dispositions …) are worded by the form definition itself
(its zh/en labels), never by a copy here; the rest are the list's own words.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QT_TRANSLATE_NOOP

from fieldapp.services import FORM_ID
from forms import load_form


def _t(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def list_sep() -> str:
    """The separator of a list of words: 、 in Chinese, ", " in English."""
    return QCoreApplication.translate("Labels", "、")


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


def _language() -> str:
    # LanguageSwitcher.set_language sets the default locale together with the translators.
    return "en" if QLocale().language() == QLocale.English else "zh"


def form_option_label(list_name: str, code: str) -> str:
    """The published form's own label of an option code (categories, dispositions …) in the UI language."""
    options = load_form(FORM_ID).option_lists.get(list_name, ())
    return next((o.label(_language()) for o in options if o.code == code), code)


def category_label(code: str) -> str:
    """Text of an assistance category, as the form definition words it."""
    return form_option_label("categories", code)


def disposition_label(code: str) -> str:
    """Text of a need's disposition, as the form definition words it."""
    return form_option_label("dispositions", code)


def category_codes() -> tuple[str, ...]:
    """The assistance categories of the published form, in its order."""
    return tuple(o.code for o in load_form(FORM_ID).option_lists.get("categories", ()))


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
