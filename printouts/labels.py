"""Chinese labels of the form's questions and option codes, as the printouts show them.

The labels come from the form definition (``forms.load_form``) so that a printout says
exactly what the form said; :meth:`Labels.option` falls back to the code itself, so a
code missing from the definition is visible rather than silently blank.
"""

from __future__ import annotations

from typing import Any, Mapping


class Labels:
    """Question and option labels in Chinese, looked up by question id and option code."""

    def __init__(self, questions: Mapping[str, str], options: Mapping[str, Mapping[str, str]], source: str = ""):
        self._questions = dict(questions)
        self._options = {q: dict(opts) for q, opts in options.items()}
        self.source = source

    def question(self, qid: str) -> str:
        """The label of question *qid* (``members.relation`` for member fields)."""
        return self._questions.get(qid, qid)

    def option(self, qid: str, code: Any) -> str:
        """The label of option *code* of question *qid*; the code itself if unknown."""
        if code is None or code == "":
            return ""
        return self._options.get(qid, {}).get(str(code), str(code))

    def options(self, qid: str, codes: Any) -> str:
        """Labels of a multi-choice answer joined with 、."""
        if not codes:
            return ""
        if isinstance(codes, str):
            codes = [codes]
        return "、".join(self.option(qid, c) for c in codes)

    def has_options(self, qid: str) -> bool:
        """True when the definition lists options for *qid*."""
        return bool(self._options.get(qid))


def labels_from_form(form: Any) -> Labels:
    """Labels of a ``forms`` FormDefinition: every question (qualified id) and its options in Chinese."""
    questions, options = {}, {}
    for q in form.questions.values():
        questions[q.key] = q.label("zh")
        if q.options:
            options[q.key] = {str(o.code): o.label("zh") for o in q.options}
    return Labels(questions, options, source=f"{form.form_id} v{form.version}")


def labels_for(form_id: str, version: int, definitions_dir=None) -> Labels:
    """Labels of the form version a visit was recorded with (``forms.load_form``, cached there).

    :param definitions_dir: shipped + county-published versions (None: the shipped ones)
    """
    from forms.loader import load_form

    form = load_form(form_id, version, definitions_dir=definitions_dir)
    key = (form_id, version, str(definitions_dir or ""))
    cached = _cache.get(key)
    if cached is None or cached[0] is not form:
        cached = _cache[key] = (form, labels_from_form(form))
    return cached[1]


_cache: dict[tuple[str, int, str], tuple[Any, Labels]] = {}
