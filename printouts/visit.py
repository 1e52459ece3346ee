"""A read-only view of one interchange visit (``fieldapp.visit``) as the documents need it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from printouts.errors import VisitDataError

ADULT_AGE = 18


@dataclass(frozen=True)
class Member:
    """One household member as printed."""

    member_id: str
    name: str
    id_number: str
    relation: str
    age: int | None
    answers: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def is_minor(self) -> bool:
        """True when the member is under 18 on the visit date (a guardian signs)."""
        return self.age is not None and self.age < ADULT_AGE


@dataclass(frozen=True)
class VisitView:
    """The parts of a visit every document uses, plus the raw answers."""

    household_id: str
    visit_id: str
    form_id: str
    form_version: int
    status: str
    answers: Mapping[str, Any]
    members: tuple[Member, ...]

    @property
    def visit_date(self) -> str:
        """The visit date, ISO (YYYY-MM-DD), or '' when not recorded."""
        return str(self.answers.get("visit_date") or "")

    @property
    def head(self) -> Member | None:
        """The household head (relation ``head``), else the first member."""
        for m in self.members:
            if m.relation == "head":
                return m
        return self.members[0] if self.members else None

    @property
    def village_code(self) -> str:
        """The 12-digit village code."""
        return str(self.answers.get("village_code") or "")

    @property
    def township_code(self) -> str:
        """The 9-digit township code (county code + township) derived from the village code."""
        return self.village_code[:9]

    @property
    def address(self) -> str:
        """The household's address as recorded."""
        return str(self.answers.get("address") or "")

    @property
    def visitors(self) -> list[str]:
        """The visitors' names, in the order recorded."""
        return [str(v) for v in self.answers.get("visitors") or []]


def _age_on(id_number: str, on: str, given: Any) -> int | None:
    if isinstance(given, int):
        return given
    digits = id_number.strip()
    if len(digits) != 18 or not on:
        return None
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
        when = date.fromisoformat(on)
    except ValueError:
        return None
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def _with_calculated(doc: Mapping[str, Any], answers: Mapping[str, Any]) -> Mapping[str, Any]:
    """The answers with their calculated values (household size, per-capita income, ages …) recomputed.

    Records hold only typed answers; the form engine computes the rest, the same way everywhere.
    """
    from forms.errors import FormsError
    from forms.loader import load_form

    try:
        form = load_form(str(doc.get("form_id") or "four_clarifications"), int(doc.get("form_version") or 1))
    except (FormsError, ValueError, TypeError):
        return answers
    return form.calculate(dict(answers))


def read_visit(doc: Mapping[str, Any]) -> VisitView:
    """Check *doc* is a ``fieldapp.visit`` interchange dict and return its printable view."""
    if not isinstance(doc, Mapping) or doc.get("format") != "fieldapp.visit":
        raise VisitDataError("不是 fieldapp.visit 格式的走访文件")
    if doc.get("format_version") != 1:
        raise VisitDataError(f"不支持的格式版本 {doc.get('format_version')!r}")
    answers = doc.get("answers")
    if not isinstance(answers, Mapping):
        raise VisitDataError("缺少 answers")
    answers = _with_calculated(doc, answers)
    for key in ("household_id", "visit_id"):
        if not doc.get(key):
            raise VisitDataError(f"缺少 {key}")
    visit_date = str(answers.get("visit_date") or "")
    members = []
    for i, m in enumerate(answers.get("members") or []):
        if not isinstance(m, Mapping) or not m.get("name"):
            raise VisitDataError(f"第 {i + 1} 名家庭成员缺少姓名")
        members.append(
            Member(
                member_id=str(m.get("member_id") or i),
                name=str(m["name"]),
                id_number=str(m.get("id_number") or ""),
                relation=str(m.get("relation") or ""),
                age=_age_on(str(m.get("id_number") or ""), visit_date, m.get("age")),
                answers=m,
            )
        )
    return VisitView(
        household_id=str(doc["household_id"]),
        visit_id=str(doc["visit_id"]),
        form_id=str(doc.get("form_id") or "four_clarifications"),
        form_version=int(doc.get("form_version") or 1),
        status=str(doc.get("status") or ""),
        answers=answers,
        members=tuple(members),
    )
