"""Form versions: what a new version may change, renames, and reading answers of old versions.

A new version of a form may add questions and options. It may not change a question's
type, remove a question or an option, or move a question in or out of a repeat group:
answers recorded under the old version must stay readable. A question may be renamed by
listing it in the new version's ``renames`` (old qualified id → new qualified id);
:func:`upgrade_answers` applies those maps version by version.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms.definition import FormDefinition
from forms.errors import FormNotFoundError, IncompatibleVersionError, UnknownFormVersionError

__all__ = ["check_compatible", "upgrade_answers", "RecordedVisit", "open_visit", "map_key"]


def map_key(key: str, renames: dict) -> str:
    """The id *key* (of the previous version) has in the version whose ``renames`` is given."""
    if key in renames:
        return renames[key]
    if "." in key:
        group, rest = key.split(".", 1)
        if group in renames:
            return f"{renames[group]}.{rest}"
    return key


def check_compatible(old: FormDefinition, new: FormDefinition) -> None:
    """Refuse a *new* version that old answers could not survive (every problem listed).

    :raises IncompatibleVersionError: type changed, question or option removed, moved
        between repeat groups, or the version number did not increase.
    """
    problems = []
    if new.form_id != old.form_id:
        problems.append(f"form id changed from {old.form_id!r} to {new.form_id!r}")
    if new.version <= old.version:
        problems.append(f"version {new.version} must be greater than {old.version}")
    for key, q in old.questions.items():
        new_key = map_key(key, new.renames)
        target = new.questions.get(new_key)
        if target is None:
            problems.append(f"{key}: question of v{old.version} is missing in v{new.version} "
                            f"(keep it, or map its new id in 'renames')")
            continue
        if target.type != q.type:
            problems.append(f"{key}: type changed from {q.type} to {target.type} — refused; add a new question instead")
        expected_parent = map_key(q.parent, new.renames) if q.parent else None
        if target.parent != expected_parent:
            problems.append(f"{key}: moved from {q.parent or 'the top level'} to {target.parent or 'the top level'}")
        removed = [c for c in q.codes if c not in target.codes]
        if removed:
            problems.append(f"{key}: option(s) {removed} removed — old answers would become invalid")
    if problems:
        raise IncompatibleVersionError(new.source or f"{new.form_id} v{new.version}", problems)


def upgrade_answers(answers: dict, forms_by_version: list) -> dict:
    """Rename answer keys from the first form in *forms_by_version* to the last (a new dict).

    :param forms_by_version: consecutive FormDefinitions, oldest first (e.g. [v1, v2, v3]).
    """
    result = dict(answers)
    for form in forms_by_version[1:]:
        step = _STEPS.get((form.form_id, form.version))
        if step is not None:
            result = step(result)
        if not form.renames:
            continue
        upgraded = {}
        for key, value in result.items():
            new_key = map_key(key, form.renames)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                value = [_rename_row(row, key, new_key, form.renames) for row in value]
            upgraded[new_key] = value
        result = upgraded
    return result


def _link_supporters(answers: dict) -> dict:
    """four_clarifications v1 → v2: supporters gain ``obliged_to`` (the members they are obliged to).

    Version 1 did not say whom a supporter is obliged to. With one member the link is certain and
    is made; with several it is left for the visitor to choose (the editor asks for it, and until
    then R5 counts the supporter for every member, as version 1 did).
    """
    members = [m for m in answers.get("members") or [] if isinstance(m, dict)]
    supporters = answers.get("supporters")
    if len(members) != 1 or not isinstance(members[0].get("member_id"), str) or not isinstance(supporters, list):
        return answers
    only = members[0]["member_id"]
    linked = [dict(s, obliged_to=[only]) if isinstance(s, dict) and not s.get("obliged_to") else s for s in supporters]
    return {**answers, "supporters": linked}


# Upgrades that renames cannot express, by (form id, the version upgraded to).
_STEPS = {("four_clarifications", 2): _link_supporters}


def _rename_row(row, old_group: str, new_group: str, renames: dict):
    if not isinstance(row, dict):
        return row
    out = {}
    for field, value in row.items():
        mapped = renames.get(f"{old_group}.{field}")
        out[mapped.split(".", 1)[1] if mapped and mapped.startswith(new_group + ".") else field] = value
    return out


@dataclass(frozen=True)
class RecordedVisit:
    """A visit read under the form version it was recorded with (shown as such in the UI)."""

    form: FormDefinition
    answers: dict

    @property
    def version_label_zh(self) -> str:
        """"按《四个摸清入户走访调查表（第1版）》记录"."""
        return f"按《{self.form.display_name('zh')}》记录"

    @property
    def version_label_en(self) -> str:
        """"Recorded with Four clarifications home-visit form (version 1)"."""
        return f"Recorded with {self.form.display_name('en')}"


def open_visit(visit: dict, definitions_dir=None) -> RecordedVisit:
    """The form version *visit* was recorded under, with its answers as recorded.

    :raises UnknownFormVersionError: this installation lacks that form version.
    """
    from forms.loader import load_form

    try:
        form = load_form(visit.get("form_id"), visit.get("form_version"), definitions_dir)
    except (FormNotFoundError, TypeError):
        raise UnknownFormVersionError(visit.get("form_id"), visit.get("form_version")) from None
    return RecordedVisit(form, dict(visit.get("answers") or {}))
