"""The in-memory form definition: sections, questions, options, and the engine over them.

Built by :mod:`forms.loader` from a definition file; immutable once built. Questions inside
a repeat group have a qualified id (``members.age``); ``FormDefinition.questions`` maps
every qualified id to its question, in display order.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from functools import cached_property

from forms.expressions import EVALUATION_ERRORS, CompiledExpression

__all__ = ["Label", "Option", "Constraint", "Question", "Section", "FormDefinition", "QUESTION_TYPES", "EMPTY"]

QUESTION_TYPES = (
    "text", "notes", "integer", "money", "decimal", "date", "time", "datetime", "single",
    "multi", "yes_no", "yes_no_unknown", "id_number", "phone", "text_list", "boolean", "repeat",
    "member_refs",
)
CHOICE_TYPES = ("single", "multi", "yes_no", "yes_no_unknown")
EMPTY = (None, "", [])


def is_empty(value) -> bool:
    """True for an unanswered question (None, empty text, empty list)."""
    return value is None or value == "" or value == []


@dataclass(frozen=True)
class Label:
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str = "zh") -> str:
        """The text in *lang* ("zh" or "en")."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Option:
    """One choice of a single/multiple-choice question; ``attrs`` holds extra markers (``counted``)."""

    code: object
    text: Label
    attrs: dict = field(default_factory=dict, compare=False)

    def label(self, lang: str = "zh") -> str:
        """The option's label in *lang*."""
        return self.text.get(lang)


@dataclass(frozen=True)
class Constraint:
    """A condition on a question's ``value``; when it is false the message is shown."""

    expr: CompiledExpression
    message: Label
    severity: str = "error"


@dataclass(frozen=True, eq=False)
class Question:
    """One question (or repeat group, whose ``children`` are the questions of each row)."""

    id: str
    key: str  # qualified id: "members.age" inside a repeat, "village_code" at the top
    type: str
    text: Label
    section: str
    scope: str  # "visit" or "household"
    hint: Label | None = None
    required: bool = False
    recommended: bool = False
    readonly: bool = False
    options: tuple = ()
    option_list: str | None = None
    relevant: CompiledExpression | None = None
    constraints: tuple = ()
    default: object = None
    default_expr: CompiledExpression | None = None  # derived while unanswered (sex from the ID number)
    initial_expr: CompiledExpression | None = None  # initial value of a new visit/row (today())
    calculate: CompiledExpression | None = None
    min: int | None = None
    max: int | None = None
    min_count: int | None = None
    max_length: int | None = None
    pattern: object = None  # compiled re.Pattern
    pattern_message: Label | None = None
    parent: str | None = None  # qualified id of the enclosing repeat group
    children: tuple = ()
    code_set: frozenset = frozenset()  # option codes, for fast membership tests
    child_ids: frozenset = frozenset()  # ids of a repeat group's questions

    def label(self, lang: str = "zh") -> str:
        """The question's label in *lang*."""
        return self.text.get(lang)

    def option(self, code):
        """The :class:`Option` with *code*, or None."""
        for opt in self.options:
            if opt.code == code:
                return opt
        return None

    def option_label(self, code, lang: str = "zh") -> str:
        """The label of the option *code* (the code itself when unknown)."""
        opt = self.option(code)
        return opt.label(lang) if opt else str(code)

    @property
    def codes(self) -> tuple:
        """The option codes, in display order."""
        return tuple(o.code for o in self.options)

    @property
    def is_repeat(self) -> bool:
        """True for a repeat group."""
        return self.type == "repeat"

    @property
    def is_calculated(self) -> bool:
        """True when the value is always computed (``calculate``), never typed."""
        return self.calculate is not None

    def child(self, child_id: str) -> "Question":
        """The question *child_id* inside this repeat group."""
        for q in self.children:
            if q.id == child_id:
                return q
        raise KeyError(f"{self.key}.{child_id}")


@dataclass(frozen=True, eq=False)
class Section:
    """A section of the form (visit metadata, then the four clarifications)."""

    id: str
    text: Label
    questions: tuple  # top-level questions in display order

    def label(self, lang: str = "zh") -> str:
        """The section's label in *lang*."""
        return self.text.get(lang)


@dataclass(frozen=True, eq=False)
class FormDefinition:
    """A loaded, checked form definition (one version of one form)."""

    form_id: str
    version: int
    text: Label
    content_hash: str
    sections: tuple
    questions: dict  # qualified id → Question, display order
    option_lists: dict  # name → tuple[Option]
    renames: dict  # old qualified id (previous version) → new qualified id
    calc_order: tuple  # calculated questions, dependencies first
    default_order: tuple  # questions with default_expr, dependencies first
    source: str = ""
    _calc_cache: dict = field(default_factory=dict, repr=False, compare=False)
    _calc_lock: object = field(default_factory=threading.Lock, repr=False, compare=False)

    def __iter__(self):
        return iter(self.questions.values())

    def __len__(self) -> int:
        return len(self.questions)

    def label(self, lang: str = "zh") -> str:
        """The form's title in *lang*."""
        return self.text.get(lang)

    def display_name(self, lang: str = "zh") -> str:
        """Title with version, e.g. "四个摸清入户走访调查表（第1版）" — shown next to old answers."""
        if lang == "en":
            return f"{self.text.en} (version {self.version})"
        return f"{self.text.zh}（第{self.version}版）"

    def question(self, key) -> Question:
        """The question with qualified id *key* ("members.age") or the Question itself."""
        if isinstance(key, Question):
            return key
        try:
            return self.questions[key]
        except KeyError:
            raise KeyError(f"form {self.form_id} v{self.version} has no question {key!r}") from None

    def top_level(self) -> tuple:
        """Top-level questions in display order (repeat groups hold their own children)."""
        return self._top_level

    @cached_property
    def _top_level(self) -> tuple:
        return tuple(q for q in self.questions.values() if q.parent is None)

    @cached_property
    def top_level_ids(self) -> frozenset:
        """Ids of the top-level questions (the keys a visit's answers may have)."""
        return frozenset(q.id for q in self._top_level)

    def options(self, key) -> tuple:
        """The options of question *key* (an empty tuple for non-choice questions)."""
        return self.question(key).options

    # --- engine -------------------------------------------------------------------

    def is_relevant(self, question, answers: dict, index: int | None = None) -> bool:
        """Whether *question* applies given the (calculated) *answers*; *index* picks the repeat row.

        Pass answers from :meth:`calculate` so that calculated values (age…) are there.
        """
        q = self.question(question)
        if q.parent is None:
            return _relevant(q, answers, None)
        if index is None:
            raise ValueError(f"{q.key} is inside a repeat group: give the row index")
        rows = answers.get(q.parent.split(".")[0]) or []
        if q.parent.count(".") or not 0 <= index < len(rows):
            raise IndexError(f"no row {index} in {q.parent}")
        return _relevant(q, answers, rows[index])

    def calculate(self, answers: dict) -> dict:
        """A copy of *answers* with defaults-from-expressions and calculated values filled in.

        The input is not modified. Calculations run dependencies first; a calculation that
        fails on bad input yields None rather than an exception.
        """
        return copy.deepcopy(self.calculated_view(answers))

    def calculated_view(self, answers: dict) -> dict:
        """Like :meth:`calculate` but possibly shared with other callers: never modify the result.

        The UI validates and assesses the same answers on every keystroke; the result is kept
        for the last few distinct answer sets (keyed by their JSON text), so the second caller
        does not recompute it.
        """
        try:
            key = json.dumps(answers, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):  # not JSON data (e.g. date objects): compute, do not cache
            return self._compute(answers)
        cached = self._calc_cache.get(key)
        if cached is None:
            # Computed on a private copy parsed back from the key: the caller may edit its
            # answers in place later, and a cached result must not share rows with them.
            cached = self._compute(json.loads(key))
            with self._calc_lock:
                if len(self._calc_cache) >= 32:
                    self._calc_cache.clear()
                self._calc_cache[key] = cached
        return cached

    def _compute(self, answers: dict) -> dict:
        result = dict(answers)
        copied = set()
        for q in self.default_order + self.calc_order:
            if q.parent is None:
                if q.calculate is not None:
                    result[q.id] = _safe_eval(q.calculate, result, None)
                elif is_empty(result.get(q.id)):
                    value = _safe_eval(q.default_expr, result, None)
                    if value is not None:
                        result[q.id] = value
                continue
            group = q.parent
            rows = result.get(group)
            if not isinstance(rows, list):
                continue
            if group not in copied:
                rows = result[group] = [dict(r) if isinstance(r, dict) else r for r in rows]
                copied.add(group)
            for row in rows:
                if not isinstance(row, dict):
                    continue
                if q.calculate is not None:
                    row[q.id] = _safe_eval(q.calculate, result, row)
                elif is_empty(row.get(q.id)):
                    value = _safe_eval(q.default_expr, result, row)
                    if value is not None:
                        row[q.id] = value
        return result

    def new_answers(self) -> dict:
        """Answers for a brand-new visit: literal defaults and initial expressions (today's date)."""
        answers = {}
        for q in self.top_level():
            if q.initial_expr is not None:
                answers[q.id] = _safe_eval(q.initial_expr, {}, None)
            elif q.default is not None:
                answers[q.id] = q.default
        return answers

    def new_row(self, group: str) -> dict:
        """A new row for repeat group *group* with its literal defaults (ids are the caller's)."""
        row = {}
        for c in self.question(group).children:
            if c.initial_expr is not None:
                row[c.id] = _safe_eval(c.initial_expr, {}, None)
            elif c.default is not None:
                row[c.id] = c.default
        return row


def _safe_eval(expr: CompiledExpression, answers: dict, row):
    try:
        return expr.evaluate(answers, row)
    except EVALUATION_ERRORS:  # a calculation over half-typed answers is simply unknown
        return None


def _relevant(q: Question, answers: dict, row) -> bool:
    if q.relevant is None:
        return True
    try:
        return bool(q.relevant.evaluate(answers, row))
    except EVALUATION_ERRORS:  # undecidable relevance shows the question rather than hiding it
        return True
