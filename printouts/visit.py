"""A read-only view of one interchange visit (``fieldapp.visit``) as the documents need it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from printouts.errors import VisitDataError
from forms.idnumber import age_on
from forms.interchange import envelope_problems
from forms.places import township_of

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
        return township_of(self.village_code)

    @property
    def address(self) -> str:
        """The household's address as recorded."""
        return str(self.answers.get("address") or "")

    @property
    def visitors(self) -> list[str]:
        """The visitors' names, in the order recorded."""
        return [str(v) for v in self.answers.get("visitors") or []]


def _with_calculated(doc: Mapping[str, Any], answers: Mapping[str, Any], forms_dir=None, shared: bool = False) -> Mapping[str, Any]:
    """The answers with their calculated values (household size, per-capita income, ages …) recomputed.

    Records hold only typed answers; the form engine computes the rest, the same way everywhere.
    """
    from forms.errors import FormsError
    from forms.loader import load_form

    try:
        form = load_form(str(doc.get("form_id") or "four_clarifications"), int(doc.get("form_version") or 1),
                         definitions_dir=forms_dir)
    except (FormsError, ValueError, TypeError):
        return answers
    return form.calculated_view(dict(answers)) if shared else form.calculate(dict(answers))


def read_visit(doc: Mapping[str, Any], forms_dir=None, *, shared: bool = False) -> VisitView:
    """Check *doc* is a ``fieldapp.visit`` interchange dict and return its printable view.

    :param forms_dir: shipped + county-published form versions (``PrintContext.forms_dir``)
    :param shared: the view's answers may be the form engine's cached calculation (``calculated_view``), not
        a copy: for a caller that only reads them (the ledger, a row per visit of a county)
    """
    problems = envelope_problems(dict(doc) if isinstance(doc, Mapping) else doc)
    if problems:
        raise VisitDataError(problems[0].message_zh)
    answers = _with_calculated(doc, doc["answers"], forms_dir, shared)
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
                age=m["age"] if isinstance(m.get("age"), int) else age_on(str(m.get("id_number") or ""), visit_date),
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
