"""Expressions in form definitions (relevance, constraints, calculations, defaults).

Evaluated by ``simpleeval`` (a maintained safe-expression library) with a fixed whitelist
of functions below; no ``eval``, no parser of our own. Each expression is parsed once at
load time (:func:`compile_expression`) and evaluated many times: the UI re-validates on
every keystroke.

Repeat groups (members, incomes, …) reach expressions as :class:`Rows`, an opaque wrapper
that only the aggregate functions (``count``, ``count_where``, ``sum_of``…) can look into.
"""

from __future__ import annotations

import ast
import datetime as _dt
import threading
from dataclasses import dataclass

import simpleeval

from forms import idnumber
from forms.errors import ExpressionError, FormsError, IdNumberError
from forms.rules.income import per_capita_income_fen

__all__ = ["Rows", "CompiledExpression", "compile_expression", "FUNCTIONS"]


class Rows:
    """A repeat group's rows as seen by an expression: readable only through aggregate functions."""

    __slots__ = ("rows",)

    def __init__(self, rows):
        self.rows = rows or ()

    def __repr__(self) -> str:
        return f"Rows({len(self.rows)})"


def _rows(value):
    if isinstance(value, Rows):
        return value.rows
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return value
    raise TypeError("not a repeat group")


def _records(value):
    """The rows of a repeat group, each a mapping; a malformed row makes the aggregate unknown (TypeError)."""
    rows = _rows(value)
    if not all(isinstance(r, dict) for r in rows):
        raise TypeError("a row of the repeat group is not a mapping")
    return rows


def _matches(cell, codes) -> bool:
    if isinstance(cell, list):
        return any(c in codes for c in cell)
    return cell in codes


def count(rows) -> int:
    """Number of rows in a repeat group (or items in a list)."""
    return len(_rows(rows))


def count_where(rows, field: str, *codes) -> int:
    """Rows whose *field* equals one of *codes* (for a multiple choice: contains one)."""
    return sum(1 for r in _records(rows) if _matches(r.get(field), codes))


def count_at_least(rows, field: str, limit) -> int:
    """Rows whose numeric *field* is ≥ *limit* (unanswered rows are not counted)."""
    return sum(1 for r in _records(rows) if isinstance(r.get(field), int) and r[field] >= limit)


def count_below(rows, field: str, limit) -> int:
    """Rows whose numeric *field* is < *limit* (unanswered rows are not counted)."""
    return sum(1 for r in _records(rows) if isinstance(r.get(field), int) and r[field] < limit)


def sum_of(rows, field: str) -> int:
    """Sum of an integer *field* over the rows (unanswered cells count as 0)."""
    total = 0
    for r in _records(rows):
        v = r.get(field)
        if isinstance(v, int) and not isinstance(v, bool):
            total += v
    return total


def sum_where(rows, field: str, flag_field: str, flag_value) -> int:
    """Sum of integer *field* over rows whose *flag_field* equals *flag_value*."""
    total = 0
    for r in _records(rows):
        v = r.get(field)
        if r.get(flag_field) == flag_value and isinstance(v, int) and not isinstance(v, bool):
            total += v
    return total


def one_of(value, *codes) -> bool:
    """True when *value* is one of *codes*."""
    return value in codes


def has(values, code) -> bool:
    """True when the multiple-choice answer *values* contains *code* (False when unanswered)."""
    return isinstance(values, list) and code in values


def answered(value) -> bool:
    """True when a question has an answer (not None, not empty text or list)."""
    return value is not None and value != "" and value != [] and not (isinstance(value, Rows) and not value.rows)


def id_birth_date(value):
    """Birth date (ISO) inside a valid ID number, else None."""
    if not value:
        return None
    try:
        return idnumber.parse_id(value)[1].isoformat()
    except IdNumberError:
        return None


def id_sex(value):
    """Sex ("male"/"female") inside a valid ID number, else None."""
    if not value:
        return None
    try:
        return idnumber.parse_id(value)[2]
    except IdNumberError:
        return None


def age_on(birth_date, on_date):
    """Whole years of age on *on_date* (ISO dates); None when either is missing or malformed."""
    if not birth_date or not on_date:
        return None
    try:
        born = _dt.date.fromisoformat(birth_date)
        day = _dt.date.fromisoformat(on_date)
    except (TypeError, ValueError):
        return None
    return idnumber.whole_years(born, day)


CHINA_TZ = _dt.timezone(_dt.timedelta(hours=8), "CST")


def local_today() -> _dt.date:
    """Today in China Standard Time (UTC+8): visits are dated locally, servers often run on UTC."""
    return _dt.datetime.now(CHINA_TZ).date()


def today() -> str:
    """Today's date (China Standard Time) as YYYY-MM-DD."""
    return local_today().isoformat()


def positive(value) -> int:
    """*value* if above zero, else 0 (per-capita income is never below zero)."""
    return value if isinstance(value, int) and value > 0 else 0


FUNCTIONS = {
    "count": count,
    "count_where": count_where,
    "count_at_least": count_at_least,
    "count_below": count_below,
    "sum_of": sum_of,
    "sum_where": sum_where,
    "one_of": one_of,
    "has": has,
    "answered": answered,
    "id_birth_date": id_birth_date,
    "id_sex": id_sex,
    "age_on": age_on,
    "positive": positive,
    "per_capita_income": per_capita_income_fen,  # R1, implemented once in forms.rules.income
    "len": len,
    "min": min,
    "max": max,
    "today": today,
}

_CONSTANTS = {"True": True, "False": False, "None": None}
_ALLOWED_NODES = (
    ast.Expression, ast.Expr, ast.Name, ast.Load, ast.Constant, ast.BoolOp, ast.And, ast.Or,
    ast.UnaryOp, ast.Not, ast.USub, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.FloorDiv,
    ast.Mod, ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot,
    ast.In, ast.NotIn, ast.IfExp, ast.Call,
)


# What evaluating a checked expression over half-typed answers raises, each meaning "not known yet": None or text
# where a number is expected (TypeError, ValueError), arithmetic on such values, a row or key not there yet, the
# engine's own errors and simpleeval's limits. Anything else (AttributeError, NameError …) is a bug and is raised.
EVALUATION_ERRORS = (FormsError, simpleeval.InvalidExpression, ArithmeticError, TypeError, ValueError, LookupError)


class _Scope:
    """Lookup of names for one evaluation: the row's answers shadow the visit's answers."""

    __slots__ = ("row", "answers")

    def __init__(self, answers, row):
        self.answers = answers
        self.row = row

    def __getitem__(self, key):
        row = self.row
        if row is not None and key in row:
            return row[key]
        if key in self.answers:
            return self.answers[key]
        if key in _CONSTANTS:
            return _CONSTANTS[key]
        return None  # an unanswered question reads as None


@dataclass(frozen=True)
class CompiledExpression:
    """An expression parsed once; ``names``/``functions`` are what it refers to (checked at load)."""

    source: str
    node: ast.AST
    names: frozenset
    functions: frozenset

    def evaluate(self, answers: dict, row: dict | None = None):
        """Evaluate against the visit's *answers* (and the current repeat *row*, if any)."""
        evaluator = _evaluator()
        evaluator.names = _Scope(answers, row)
        return evaluator.eval(self.source, previously_parsed=self.node)


class _Evaluator(simpleeval.SimpleEval):
    """simpleeval with our function whitelist; repeat groups are wrapped as Rows on the way in."""

    def _eval_name(self, node):
        value = self.names[node.id]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return Rows(value)
        return value


# Division is left out on purpose: money is divided only by per_capita_income() (half-up, integer).
_OPERATORS = {k: v for k, v in simpleeval.DEFAULT_OPERATORS.items() if k is not ast.Div and k is not ast.Pow}
_LOCAL = threading.local()  # one evaluator per thread: the server evaluates in worker threads


def _evaluator() -> _Evaluator:
    evaluator = getattr(_LOCAL, "evaluator", None)
    if evaluator is None:
        evaluator = _LOCAL.evaluator = _Evaluator(operators=_OPERATORS, functions=dict(FUNCTIONS), names={})
    return evaluator


def compile_expression(source: str) -> CompiledExpression:
    """Parse *source* once and list the names and functions it uses.

    :raises ExpressionError: syntax error, a construct outside the allowed subset, or an
        unknown function.
    """
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("expression is empty", "表达式为空")
    try:
        node = simpleeval.SimpleEval.parse(source)
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in expression {source!r}: {exc.msg}", "表达式语法错误") from None
    names, functions = set(), set()
    for sub in ast.walk(node):
        if not isinstance(sub, _ALLOWED_NODES):
            raise ExpressionError(
                f"{type(sub).__name__} is not allowed in expression {source!r}", "表达式中含有不允许的写法"
            )
        if isinstance(sub, ast.Call):
            if not isinstance(sub.func, ast.Name) or sub.keywords:
                raise ExpressionError(f"only plain function calls are allowed in {source!r}", "表达式中含有不允许的写法")
            if sub.func.id not in FUNCTIONS:
                raise ExpressionError(f"unknown function {sub.func.id!r} in {source!r}", "表达式中使用了未知函数")
            functions.add(sub.func.id)
        elif isinstance(sub, ast.Name) and sub.id not in _CONSTANTS:
            names.add(sub.id)
    names -= functions
    return CompiledExpression(source, node, frozenset(names), frozenset(functions))
