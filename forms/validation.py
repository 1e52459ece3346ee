"""Validating one visit (interchange dict) against its form definition.

Returns every problem, each with its path (``members[2].id_number``, rows counted from 0),
severity (error blocks finalising, warning does not) and messages in Chinese and English.
Per-question checks come from the definition (type, required, options, constraints,
relevance); checks across questions that need Python (ID numbers against answered birth
date and sex, duplicates, reference data) live in :mod:`forms.crosschecks`.
"""

from __future__ import annotations

import datetime as _dt
import re

from forms import crosschecks, idnumber
from forms.definition import FormDefinition, Question, is_empty
from forms.errors import FormNotFoundError, IdNumberError
from forms.expressions import EVALUATION_ERRORS, local_today
from forms.interchange import envelope_problems
from forms.problems import ERROR, WARNING, Problem

__all__ = ["validate", "validate_answers", "has_errors"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_TYPE_ZH = {
    "text": "文字", "notes": "文字", "integer": "整数", "money": "金额（分）", "decimal": "数字（如 2.5）",
    "date": "日期（YYYY-MM-DD）", "time": "时间（HH:MM）", "datetime": "带时区的时间", "single": "选项",
    "multi": "选项列表", "yes_no": "是/否", "yes_no_unknown": "是/否/不清楚", "id_number": "身份证号",
    "phone": "电话号码", "text_list": "姓名列表", "boolean": "是/否", "repeat": "表格行列表",
    "member_refs": "家庭成员编号列表",
}


def has_errors(problems) -> bool:
    """True when any problem blocks finalising."""
    return any(p.severity == ERROR for p in problems)


def validate(visit: dict, form: FormDefinition | None = None, reference=None, lang: str = "zh") -> list:
    """Every problem of *visit* (an interchange dict), errors first, then in form order.

    :param form: the definition to check against; default: the form id/version the visit names.
    :param reference: optional :class:`forms.reference.Reference`; enables the checks that need
        the dibao standard and the list of villages.
    :param lang: kept for callers that pick the display language; every Problem carries both.
    """
    problems: list = []
    if not isinstance(visit, dict):
        return [Problem("", ERROR, "not_a_visit", "文件内容不是一条走访记录", "the document is not a visit record")]
    problems.extend(envelope_problems(visit))
    answers = visit.get("answers")
    if not isinstance(answers, dict):
        return problems
    if form is None:
        try:
            from forms.loader import load_form

            form = load_form(visit.get("form_id"), visit.get("form_version"))
        except (FormNotFoundError, TypeError):
            problems.append(Problem(
                "form_version", ERROR, "unknown_form_version",
                f"本机没有表单 {visit.get('form_id')} 第 {visit.get('form_version')} 版，请更新程序或表单定义",
                f"unknown form {visit.get('form_id')!r} version {visit.get('form_version')!r}",
            ))
            return problems
    elif (visit.get("form_id"), visit.get("form_version")) != (form.form_id, form.version):
        problems.append(Problem(
            "form_version", ERROR, "form_mismatch",
            f"走访记录属于 {visit.get('form_id')} 第 {visit.get('form_version')} 版，不能按第 {form.version} 版检查",
            f"visit is {visit.get('form_id')} v{visit.get('form_version')}, not {form.form_id} v{form.version}",
        ))
        return problems
    problems.extend(validate_answers(form, answers, reference))
    problems.sort(key=lambda p: 0 if p.severity == ERROR else 1)
    return problems


def validate_answers(form: FormDefinition, answers: dict, reference=None) -> list:
    """Problems in *answers* alone (no envelope), in form order."""
    problems: list = []
    calc = form.calculated_view(answers)
    today = local_today()
    for q in form.top_level():
        _check_question(form, q, answers.get(q.id), calc, None, q.id, problems, today)
    known = form.top_level_ids
    for key in answers:
        if key not in known:
            problems.append(Problem(key, WARNING, "unknown_question",
                                    f"表单第 {form.version} 版没有问题“{key}”，该答案将被忽略",
                                    f"form version {form.version} has no question {key!r}; the answer is ignored"))
    crosschecks.check(form, answers, calc, reference, problems)
    return problems


def _where_zh(form: FormDefinition, q: Question, path: str) -> str:
    """"家庭成员（第 3 行）· 公民身份号码" for members[2].id_number."""
    if q.parent is None:
        return f"“{q.text.zh}”"
    m = re.search(r"\[(\d+)\][^\[]*$", path)
    group = form.questions[q.parent]
    row = f"第 {int(m.group(1)) + 1} 行" if m else ""
    return f"{group.text.zh}（{row}）·“{q.text.zh}”"


def _check_question(form, q: Question, raw, calc: dict, row, path: str, problems: list, today) -> None:
    if q.calculate is not None:
        return  # computed, never typed: whatever a file carries here is recomputed
    value = raw
    if is_empty(value):
        if q.default_expr is not None:
            value = (row if row is not None else calc).get(q.id)
        if is_empty(value) and not (q.required or q.recommended):
            return  # nothing to report whether or not the question applies (the common case)
    add = problems.append
    relevant = form_relevant(q, calc, row)
    if not relevant:
        if not is_empty(raw):
            add(Problem(path, WARNING, "not_applicable", f"{_where_zh(form, q, path)}不适用于此情况，答案将不被采用",
                        f"{q.text.en} does not apply here; the answer will not be used"))
        return
    if is_empty(value):
        if q.required:
            add(Problem(path, ERROR, "required", f"{_where_zh(form, q, path)}必须填写", f"{q.text.en} is required"))
        elif q.recommended:
            add(Problem(path, WARNING, "recommended", f"{_where_zh(form, q, path)}尚未填写", f"{q.text.en} is not answered yet"))
        return
    if not _check_type(form, q, value, path, problems, today):
        return
    if q.type == "repeat":
        _check_rows(form, q, value, calc, path, problems, today)
    for c in q.constraints:
        # ``value`` shadows everything else: at the top level it is the only "row" name.
        scope = {"value": _expr_value(value)} if row is None else {**row, "value": _expr_value(value)}
        try:
            ok = c.expr.evaluate(calc, scope)
        except EVALUATION_ERRORS:  # a constraint over half-typed answers is not violated yet
            continue
        if not ok:
            add(Problem(path, c.severity, "constraint", f"{_where_zh(form, q, path)}：{c.message.zh}",
                        f"{q.text.en}: {c.message.en}"))


def form_relevant(q: Question, calc: dict, row) -> bool:
    """Relevance of *q* for the given (calculated) answers and row."""
    if q.relevant is None:
        return True
    try:
        return bool(q.relevant.evaluate(calc, row))
    except EVALUATION_ERRORS:  # undecidable relevance shows the question
        return True


def _expr_value(value):
    from forms.expressions import Rows

    if isinstance(value, list) and value and isinstance(value[0], dict):
        return Rows(value)
    return value


def _check_rows(form, group: Question, rows: list, calc: dict, path: str, problems: list, today) -> None:
    calc_rows = calc.get(group.id) if group.parent is None else None
    for i, row in enumerate(rows):
        row_path = f"{path}[{i}]"
        if not isinstance(row, dict):
            problems.append(Problem(row_path, ERROR, "type", f"“{group.text.zh}”第 {i + 1} 行格式不对",
                                    f"row {i + 1} of {group.text.en} is not an object"))
            continue
        calc_row = calc_rows[i] if isinstance(calc_rows, list) and i < len(calc_rows) else row
        for child in group.children:
            raw = row.get(child.id)
            if child.calculate is not None or (is_empty(raw) and child.default_expr is None
                                               and not (child.required or child.recommended)):
                continue  # the common case, skipped before building the path
            _check_question(form, child, raw, calc, calc_row, f"{row_path}.{child.id}", problems, today)
        for key in row:
            if key not in group.child_ids:
                problems.append(Problem(f"{row_path}.{key}", WARNING, "unknown_question",
                                        f"“{group.text.zh}”没有“{key}”这一项，该答案将被忽略",
                                        f"{group.text.en} has no field {key!r}; the answer is ignored"))


def _type_problem(q, path, where, problems) -> bool:
    problems.append(Problem(path, ERROR, "type", f"{where()}应为{_TYPE_ZH.get(q.type, q.type)}",
                            f"{q.text.en} must be a {q.type.replace('_', ' ')} value"))
    return False


def _check_type(form, q: Question, value, path: str, problems: list, today) -> bool:
    t = q.type
    add = problems.append

    def where():
        return _where_zh(form, q, path)

    if t in ("text", "notes", "phone", "id_number", "date", "time", "datetime", "decimal") and not isinstance(value, str):
        return _type_problem(q, path, where, problems)
    if t in ("integer", "money") and (not isinstance(value, int) or isinstance(value, bool)):
        return _type_problem(q, path, where, problems)
    if t == "boolean" and not isinstance(value, bool):
        return _type_problem(q, path, where, problems)
    if t in ("text", "notes"):
        if q.max_length is not None and len(value) > q.max_length:
            add(Problem(path, ERROR, "too_long", f"{where()}最多 {q.max_length} 个字", f"{q.text.en}: at most {q.max_length} characters"))
        if q.pattern is not None and not q.pattern.search(value):
            msg = q.pattern_message
            add(Problem(path, ERROR, "pattern", f"{where()}格式不对" + (f"：{msg.zh}" if msg else ""),
                        f"{q.text.en} has the wrong format" + (f": {msg.en}" if msg else "")))
    elif t in ("integer", "money"):
        low = q.min if q.min is not None else (0 if t == "money" else None)
        if low is not None and value < low:
            add(Problem(path, ERROR, "min", f"{where()}不能小于 {_num_zh(t, low)}", f"{q.text.en} must be at least {low}"))
        if q.max is not None and value > q.max:
            add(Problem(path, ERROR, "max", f"{where()}不能大于 {_num_zh(t, q.max)}", f"{q.text.en} must be at most {q.max}"))
    elif t == "decimal":
        if not _DECIMAL.match(value):
            add(Problem(path, ERROR, "type", f"{where()}应为数字，例如 2.5", f"{q.text.en} must be a number such as 2.5"))
    elif t == "date":
        if not _valid_date(value):
            add(Problem(path, ERROR, "type", f"{where()}不是有效日期（格式 YYYY-MM-DD）", f"{q.text.en} is not a valid date (YYYY-MM-DD)"))
            return False
    elif t == "time":
        if not _TIME.match(value):
            add(Problem(path, ERROR, "type", f"{where()}应为 24 小时制时间，例如 14:30", f"{q.text.en} must be a time such as 14:30"))
    elif t == "datetime":
        try:
            stamp = _dt.datetime.fromisoformat(value)
            if stamp.tzinfo is None:
                raise ValueError
        except ValueError:
            add(Problem(path, ERROR, "type", f"{where()}应为带时区的时间，例如 2026-05-12T06:30:00+00:00",
                        f"{q.text.en} must be an ISO timestamp with offset"))
    elif t in ("single", "yes_no", "yes_no_unknown"):
        if not isinstance(value, (str, int)) or isinstance(value, bool) or value not in q.code_set:
            add(Problem(path, ERROR, "not_option", f"{where()}的选项“{value}”不在选项表中",
                        f"{q.text.en}: {value!r} is not one of the options"))
            return False
    elif t == "multi":
        if not isinstance(value, list):
            return _type_problem(q, path, where, problems)
        bad = [v for v in value if not isinstance(v, (str, int)) or isinstance(v, bool) or v not in q.code_set]
        if bad:
            add(Problem(path, ERROR, "not_option", f"{where()}的选项“{bad[0]}”不在选项表中",
                        f"{q.text.en}: {bad[0]!r} is not one of the options"))
            return False
        if len(set(value)) != len(value):  # every item is a str/int code here
            add(Problem(path, WARNING, "duplicate_option", f"{where()}有重复选项", f"{q.text.en} repeats an option"))
    elif t == "id_number":
        try:
            idnumber.parse_id(value, on_date=today)
        except IdNumberError as exc:
            add(Problem(path, ERROR, exc.code, f"{where()}：{exc.message_zh}", f"{q.text.en}: {exc}"))
            return False
    elif t == "phone":
        digits = value.replace(" ", "")
        if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
            add(Problem(path, ERROR, "phone", f"{where()}不是有效电话号码（11 位手机号或带区号的固话）",
                        f"{q.text.en} is not a valid phone number (11-digit mobile or landline with area code)"))
    elif t == "text_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return _type_problem(q, path, where, problems)
        if any(not v.strip() for v in value):
            add(Problem(path, ERROR, "blank_entry", f"{where()}中有空白姓名", f"{q.text.en} has a blank entry"))
        if len({v.strip() for v in value}) != len(value):
            add(Problem(path, ERROR, "duplicate_entry", f"{where()}中有重复姓名", f"{q.text.en} lists someone twice"))
    elif t == "member_refs":
        # Which household members a row is about (by member_id); that they exist is a cross-check.
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return _type_problem(q, path, where, problems)
        if len(set(value)) != len(value):
            add(Problem(path, ERROR, "duplicate_entry", f"{where()}中同一成员选了两次", f"{q.text.en} lists a member twice"))
    elif t == "repeat":
        if not isinstance(value, list):
            return _type_problem(q, path, where, problems)
    if q.min_count is not None and isinstance(value, list) and len(value) < q.min_count:
        add(Problem(path, ERROR, "too_few", f"{where()}至少需要 {q.min_count} 项（现有 {len(value)} 项）",
                    f"{q.text.en} needs at least {q.min_count} (has {len(value)})"))
    return True


def _num_zh(t: str, n: int) -> str:
    if t == "money":
        from forms.money import fen_to_yuan_str

        return f"{fen_to_yuan_str(n)} 元"
    return str(n)


def _valid_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True

