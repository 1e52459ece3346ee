"""Visits: new and amended visits, validation, assessment, saving (with the derived values), history, differences."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from fieldapp.core.catalog import Catalog
from fieldapp.core.derive import Deriver
from fieldapp.core.session import Session
from forms.display import answer_text, is_blank as _empty
from forms.interchange import new_envelope
from fieldapp.errors import AppError


class VisitNotReady(AppError):
    """Finalising was refused: blocking problems remain (they are listed in ``problems``)."""

    def __init__(self, problems: list):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        first = "；".join(p.message_zh for p in errors[:3])
        super().__init__(f"{len(errors)} blocking problems")
        self.message_zh = f"还有 {len(errors)} 个问题需要改正才能完成走访：{first}"
        self.hint_zh = "请按红色提示逐项改正后再点“完成走访”。需要时可先保存，稍后再完成。"


@dataclass
class AnswerChange:
    """One difference between two visits, readable: where, what it was, what it is now."""

    section: str
    where: str
    before: str
    after: str


class Visits:
    """Everything about one visit; saving computes the derived values once and gives them to the vault."""

    def __init__(self, session: Session, catalog: Catalog, deriver: Deriver):
        self.session, self.catalog, self.deriver = session, catalog, deriver

    def open_household(self, household_id: str) -> dict:
        """A household (audited view), its autosaved draft if any, and its latest recorded visit."""
        v = self.session.v()
        household = v.get_household(household_id)
        draft = None
        for d in v.list_drafts():
            if d.get("household_id") == household_id:
                draft = v.get_draft(d["visit_id"])
                break
        latest = v.get_visit(household["visits"][0]["id"], audit_view=False) if household["visits"] else None
        return {"household": household, "draft": draft, "latest": latest}

    def latest_visit(self, household_id: str) -> dict | None:
        """The household's latest saved visit without its ``meta`` (as it is printed and assessed), or None."""
        v = self.session.v()
        h = v.get_household(household_id, audit_view=False)
        if not h["visits"]:
            return None
        visit = v.get_visit(h["visits"][0]["id"], audit_view=False)
        visit.pop("meta", None)
        return visit

    def _household_answers(self, fields: dict) -> dict:
        form = self.catalog.form()
        return {k: v for k, v in fields.items()
                if k in form.questions and form.questions[k].scope == "household" and not form.questions[k].is_calculated}

    def new_visit(self, household: dict) -> dict:
        """A new visit of ``household``: its current state prefilled, today's date, a fresh visit id."""
        answers = dict(self.catalog.form().new_answers())
        answers.update(self._household_answers(household.get("fields") or {}))
        answers = self.upgraded(answers, household.get("form_version") or 1)  # fields may come from an older form
        return self.envelope(household["id"], str(uuid.uuid4()), "draft", answers)

    def amend_visit(self, visit: dict) -> dict:
        """A new visit that starts from ``visit`` (final): the original stays in the history unchanged.

        The amendment is recorded with the latest form version, its answers upgraded to it. Household
        answers come from the household's current state, so that what changed since that visit (a need
        referred by the office, another laptop's edits) is not undone by saving it again.
        """
        from fieldapp.vault.errors import RecordNotFound

        answers = self.upgraded(json.loads(json.dumps(visit["answers"])), visit.get("form_version"))
        try:
            current = self.session.v().get_household(visit["household_id"], audit_view=False)["fields"]
        except RecordNotFound:  # a visit whose household is not here: start from the visit alone
            current = {}
        answers.update(json.loads(json.dumps(self._household_answers(current))))
        return self.envelope(visit["household_id"], str(uuid.uuid4()), "draft", answers)

    def upgraded(self, answers: dict, from_version) -> dict:
        """``answers`` recorded with form version ``from_version``, upgraded to the latest version."""
        from forms.versioning import upgrade_answers

        latest = self.catalog.form().version
        start = from_version if isinstance(from_version, int) and 0 < from_version < latest else latest
        return upgrade_answers(answers, [self.catalog.form(v) for v in range(start, latest + 1)])

    def envelope(self, household_id: str, visit_id: str, status: str, answers: dict) -> dict:
        """A visit of the latest form version in the interchange format."""
        form = self.catalog.form()
        return new_envelope(household_id, visit_id, status, answers, form_id=form.form_id, form_version=form.version)

    def save_draft(self, visit: dict) -> None:
        """Autosave what is typed (local, unsynced; survives a crash)."""
        self.session.v().save_draft(visit)

    def discard_draft(self, visit_id: str) -> None:
        """Throw away an autosaved draft."""
        self.session.v().discard_draft(visit_id)

    def validate(self, visit: dict) -> list:
        """Every problem of the visit (forms.Problem: path, severity, message_zh/en), errors first."""
        from forms.validation import validate

        return list(validate(visit, self.catalog.form(visit.get("form_version")), self.catalog.reference()))

    def assess(self, visit: dict):
        """The rules' suggestions (forms.Assessment); raises a forms error when reference data is missing."""
        return self.deriver.assess(visit)

    def save_visit(self, visit: dict, *, final: bool) -> dict:
        """Save the visit (draft or final) with its household and its derived values; final needs no blocking problems."""
        form = self.catalog.form(visit.get("form_version"))
        problems = self.validate(visit)
        if final and any(p.severity == "error" for p in problems):
            raise VisitNotReady(problems)
        record = dict(visit)
        record["status"] = "final" if final else "draft"
        try:
            record["answers"] = form.calculate(visit["answers"])
            derived = self.deriver.for_visit(record)
        except BaseException:   # a bug in the rules: what was typed is kept as a draft, and the error goes on
            self.save_draft(visit)
            raise
        return self.session.v().save_visit(record, derived)

    def get_visit(self, visit_id: str) -> dict:
        """One visit (interchange format)."""
        return self.session.v().get_visit(visit_id)

    def visit_history(self, household_id: str) -> list[dict]:
        """The household's visits, newest first, each with ``changes`` vs the visit before it."""
        v = self.session.v()
        h = v.get_household(household_id, audit_view=False)
        visits = [v.get_visit(x["id"], audit_view=False) for x in h["visits"]]
        out = []
        for i, visit in enumerate(visits):
            prev = visits[i + 1] if i + 1 < len(visits) else None
            out.append({"visit": visit, "changes": self.diff(prev, visit) if prev else []})
        return out

    def diff(self, before: dict, after: dict, language: str = "zh") -> list[AnswerChange]:
        """What changed from ``before`` to ``after``, in form order, readable (masked ID numbers)."""
        form = self.catalog.form(after.get("form_version"))
        a, b = form.calculate(before.get("answers") or {}), form.calculate(after.get("answers") or {})
        sections = {s.id: s.label(language) for s in form.sections}
        changes: list[AnswerChange] = []
        for q in form.top_level():
            old, new = a.get(q.id), b.get(q.id)
            if old == new or (_empty(old) and _empty(new)):
                continue
            sec = sections.get(q.section, "")
            if q.is_repeat:
                changes += _diff_rows(q, old or [], new or [], sec, language)
            else:
                changes.append(AnswerChange(sec, q.label(language), answer_text(q, old, language),
                                            answer_text(q, new, language)))
        return changes


def _row_key(group, row: dict, index: int):
    for c in group.children:
        if c.readonly and c.id.endswith("_id") and row.get(c.id):
            return row[c.id]
    return index


def _row_name(group, row: dict, index: int, language: str) -> str:
    for name in ("name", "category", "source", "type", "kind"):
        if row.get(name):
            try:
                child = group.child(name)
                return answer_text(child, row[name], language)
            except KeyError:
                return str(row[name])
    return (f"第 {index + 1} 行" if language == "zh" else f"row {index + 1}")


def _diff_rows(group, old_rows: list, new_rows: list, section: str, language: str) -> list[AnswerChange]:
    old = {_row_key(group, r, i): (i, r) for i, r in enumerate(old_rows) if isinstance(r, dict)}
    new = {_row_key(group, r, i): (i, r) for i, r in enumerate(new_rows) if isinstance(r, dict)}
    label = group.label(language)
    added_zh, removed_zh = ("新增", "删除") if language == "zh" else ("added", "removed")
    out: list[AnswerChange] = []
    for key, (i, row) in new.items():
        name = _row_name(group, row, i, language)
        if key not in old:
            out.append(AnswerChange(section, f"{label} · {name}", "—", added_zh))
            continue
        before = old[key][1]
        for c in group.children:
            if c.type == "repeat" or (c.readonly and c.id.endswith("_id")):
                continue
            x, y = before.get(c.id), row.get(c.id)
            if x != y and not (_empty(x) and _empty(y)):
                out.append(AnswerChange(section, f"{label} · {name} · {c.label(language)}",
                                        answer_text(c, x, language), answer_text(c, y, language)))
    for key, (i, row) in old.items():
        if key not in new:
            out.append(AnswerChange(section, f"{label} · {_row_name(group, row, i, language)}", removed_zh, "—"))
    return out
