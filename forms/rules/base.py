"""What every rule reads: the Suggestion it returns and the Facts of one visit.

Facts are computed once per assessment (calculated answers, visit date, the household's
categories, the standard in force) so that each rule stays a short, plain function.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass, field

from forms.money import fen_to_yuan_str

__all__ = ["Suggestion", "Facts", "rows", "codes", "yuan", "add_months", "is_severely_disabled", "severe_disability_zh",
           "DIBAO_CATEGORIES", "TEKUN_CATEGORIES"]

DIBAO_CATEGORIES = ("dibao_a", "dibao_b")
TEKUN_CATEGORIES = ("tekun_institutional", "tekun_home")


@dataclass(frozen=True)
class Suggestion:
    """A rule's explained suggestion for staff (never a decision)."""

    rule: str  # "R3"
    code: str  # machine-readable outcome, e.g. "dibao_candidate"
    message_zh: str
    message_en: str
    figures: dict = field(default_factory=dict)
    urgent: bool = False

    def message(self, lang: str = "zh") -> str:
        """The sentence in *lang* ("zh" or "en")."""
        return self.message_en if lang == "en" else self.message_zh

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"rule": self.rule, "code": self.code, "message_zh": self.message_zh,
                "message_en": self.message_en, "figures": dict(self.figures), "urgent": self.urgent}


def rows(value) -> list:
    """The dict rows of a repeat answer; anything else (half-typed, malformed) reads as no rows."""
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def codes(value) -> list:
    """The codes of a multiple-choice answer; anything malformed reads as none."""
    return [c for c in value if isinstance(c, str)] if isinstance(value, list) else []


def yuan(fen: int) -> str:
    """Fen as a yuan figure for sentences: 51200 → "512.00"."""
    return fen_to_yuan_str(fen)


def add_months(day: _dt.date, months: int) -> _dt.date:
    """*day* plus whole *months*, clamped to the month's last day (Aug 31 + 6 → Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return _dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_severely_disabled(member: dict) -> bool:
    """R4's severe disability: grade 1–2 of any category, or grade 3 intellectual or mental."""
    category = member.get("disability_category")
    grade = member.get("disability_grade")
    if not isinstance(category, str) or category in ("", "none") or not isinstance(grade, int):
        return False
    return grade in (1, 2) or (grade == 3 and category in ("intellectual", "mental"))


_CATEGORY_ZH = {"vision": "视力", "hearing": "听力", "speech": "言语", "physical": "肢体",
                "intellectual": "智力", "mental": "精神", "multiple": "多重"}
_GRADE_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}


def severe_disability_zh(member: dict) -> str:
    """"肢体一级残疾" for a member (empty when no disability)."""
    category, grade = member.get("disability_category"), member.get("disability_grade")
    if not isinstance(category, str) or category in ("", "none") or not isinstance(grade, int):
        return ""
    return f"{_CATEGORY_ZH.get(category, category)}{_GRADE_ZH.get(grade, '?')}级残疾"


def member_label(index: int, member: dict) -> tuple:
    """("第 2 位成员", "member 2") — rules never print names or ID numbers."""
    return f"第 {index + 1} 位成员", f"member {index + 1}"


@dataclass
class Facts:
    """The inputs every rule reads, computed once from a visit and the reference data."""

    answers: dict  # calculated answers (form.calculate)
    reference: object  # forms.reference.Reference
    on_date: _dt.date
    county_code: str | None
    area_type: str | None
    categories: frozenset
    members: list
    standard: object = None  # DibaoStandard in force, or None when inputs are missing
    missing_inputs: tuple = ()
    temp_amount_fen: int | None = None
    standard_missing: object = None  # MissingStandardError when the reference has no standard in force

    @property
    def on_dibao(self) -> bool:
        """The household currently receives dibao (category or a dibao benefit)."""
        if self.categories & set(DIBAO_CATEGORIES):
            return True
        return any(b.get("type") == "dibao" for b in rows(self.answers.get("benefits")))

    @property
    def on_tekun(self) -> bool:
        """The household is supported as tekun."""
        return bool(self.categories & set(TEKUN_CATEGORIES)) or any(
            b.get("type") == "tekun" for b in rows(self.answers.get("benefits")))

    def get(self, key, default=None):
        """A calculated answer."""
        value = self.answers.get(key)
        return default if value is None else value
