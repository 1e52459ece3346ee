"""The interchange format for one household visit (docs/interchange.md).

Reading a visit file: :func:`parse_visit` (JSON text → dict, with line/column on errors),
:func:`check_shape` (the JSON Schema ``forms/interchange.schema.json``), and
:func:`read_visit` doing both plus checking that the form version is known here. Answers'
content is checked by :func:`forms.validate`, not by the schema.
"""

from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path

from forms.problems import ERROR, Problem
from forms.errors import (FormNotFoundError, MalformedJsonError, MalformedYamlError, UnknownFormVersionError, VisitFileError,
                          VisitShapeError)

__all__ = ["SCHEMA_PATH", "FORMAT", "FORMAT_VERSION", "new_envelope", "envelope_problems", "schema", "parse_visit", "check_shape", "answers_problems",
           "read_visit", "read_visit_file", "dump_visit", "read_json", "read_document", "json_nesting_exceeds",
           "value_nesting_exceeds", "MAX_FILE_DEPTH"]

SCHEMA_PATH = Path(__file__).resolve().parent / "interchange.schema.json"
FORMAT = "fieldapp.visit"
FORMAT_VERSION = 1
MAX_FILE_DEPTH = 64      # a form definition nests about 10 levels, a visit 6: deeper is no file of ours
_JSON_STRING = re.compile(rb'"[^"]*"')
_NOT_MARKS = bytes(b for b in range(256) if b not in b'"[]{}')
_AS_PARENS = bytes.maketrans(b"[]{}", b"()()")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_envelope(household_id: str, visit_id: str, status: str, answers: dict, *, form_id: str,
                 form_version: int, meta: dict | None = None) -> dict:
    """One visit in the interchange format (the only place that writes the envelope's keys)."""
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "form_id": form_id, "form_version": form_version,
           "household_id": household_id, "visit_id": visit_id, "status": status, "answers": answers}
    if meta is not None:
        doc["meta"] = meta
    return doc


def envelope_problems(doc) -> list[Problem]:
    """What is wrong with a visit's envelope (format, version, ids, status, answers); [] when it is sound."""
    if not isinstance(doc, dict):
        return [Problem("", ERROR, "envelope", "不是 fieldapp 走访记录（应为 JSON 对象）", "not a fieldapp visit (not an object)")]
    problems = []
    add = problems.append
    if doc.get("format") != FORMAT:
        add(Problem("format", ERROR, "envelope", "不是 fieldapp 走访记录（format 应为 fieldapp.visit）",
                    "not a fieldapp visit (format must be 'fieldapp.visit')"))
    if doc.get("format_version") != FORMAT_VERSION:
        shown = repr(doc.get("format_version"))[:40]
        add(Problem("format_version", ERROR, "envelope", f"不支持的文件格式版本 {shown}",
                    f"unsupported format_version {shown}"))
    for key in ("household_id", "visit_id"):
        value = doc.get(key)
        if not isinstance(value, str) or not _UUID.match(value):
            add(Problem(key, ERROR, "envelope", f"{key} 缺失或不是 UUID", f"{key} is missing or not a UUID"))
    if doc.get("status") not in ("draft", "final"):
        add(Problem("status", ERROR, "envelope", "status 应为 draft 或 final", "status must be 'draft' or 'final'"))
    if not isinstance(doc.get("answers"), dict):
        add(Problem("answers", ERROR, "envelope", "缺少 answers（答案）", "answers is missing or not an object"))
    return problems


@lru_cache(maxsize=1)
def schema() -> dict:
    """The interchange JSON Schema (draft 2020-12)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    import jsonschema   # 0.1–0.5 s to import: only when a file is checked, not at every start of the app

    return jsonschema.Draft202012Validator(schema())


@lru_cache(maxsize=1)
def _answers_validator():
    # jsonschema-rs (compiled): the sync server checks every pushed final visit, and the pure-Python
    # validator cost ~390 µs a visit there (push throughput fell to a third); this one ~6 µs.
    import jsonschema_rs

    return jsonschema_rs.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                        "$ref": "#/$defs/answers", "$defs": schema()["$defs"]})


def answers_problems(answers) -> list[str]:
    """Violations of the interchange schema's ``answers`` object alone (e.g. a visit sent by sync), by JSON path."""
    problems = []
    for e in _answers_validator().iter_errors(answers):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.instance_path).lstrip(".")
        problems.append((list(map(str, e.instance_path)), f"{path or '(answers)'}: {e.message}"))
    return [text for _, text in sorted(problems)]


def json_nesting_exceeds(data: bytes, max_depth: int) -> bool:
    """Whether JSON text *data* nests lists/objects deeper than *max_depth*, judged before parsing.

    Strings are removed first; then each pass drops the innermost pairs of brackets (one level),
    all at C speed (bench/json_depth.py): what is left after *max_depth* passes was nested deeper.
    """
    if data.count(b"[") + data.count(b"{") <= max_depth:
        return False
    # escapes out (an escaped backslash first), then only quotes and brackets, then the strings out:
    # adjacent quotes hold nothing structural between them, so dropping them first leaves few strings
    marks = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_MARKS).replace(b'""', b"")
    nesting = _JSON_STRING.sub(b"", marks).translate(_AS_PARENS)
    for _ in range(max_depth):
        if not nesting:
            return False
        nesting = nesting.replace(b"()", b"")
    return b"(" in nesting and b")" in nesting


def value_nesting_exceeds(value, max_depth: int) -> bool:
    """Whether parsed *value* nests lists/objects deeper than *max_depth*.

    It runs on every pushed change, so it is a tight recursion over the containers only; it never
    descends more than *max_depth* + 1 levels, so Python's recursion limit is never reached.
    """
    return isinstance(value, (dict, list)) and _deeper(value, 1, max_depth)


def _deeper(item, depth: int, max_depth: int) -> bool:
    if depth > max_depth:
        return True
    for child in (item.values() if isinstance(item, dict) else item):
        if isinstance(child, (dict, list)) and _deeper(child, depth + 1, max_depth):
            return True
    return False


def read_json(data, source: str = "<json>", max_depth: int = MAX_FILE_DEPTH):
    """Every JSON file a user hands us: text or bytes (UTF-8, a BOM allowed) → value, nesting checked first.

    :raises MalformedJsonError: not UTF-8, not JSON (with line and column), or nested deeper than *max_depth*.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if json_nesting_exceeds(data, max_depth):
        raise MalformedJsonError(source, f"nested deeper than {max_depth} levels")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedJsonError(source, f"not UTF-8 text ({exc.reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedJsonError(source, exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise MalformedJsonError(source, "nested too deeply") from None


def read_document(data, source: str = "<document>", max_depth: int = MAX_FILE_DEPTH):
    """A JSON or YAML file (by *source*'s suffix) → JSON value; YAML dates become ISO text, as documents travel.

    :raises MalformedJsonError, MalformedYamlError: unreadable, or nested deeper than *max_depth*.
    """
    if not str(source).lower().endswith((".yaml", ".yml")):
        return read_json(data, source, max_depth)
    import yaml

    from forms.yamltext import safe_load

    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        value = safe_load(text)
    except UnicodeDecodeError as exc:
        raise MalformedYamlError(source, f"not UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise MalformedYamlError(source, str(exc).splitlines()[0][:200]) from None
    except RecursionError:
        raise MalformedYamlError(source, "nested too deeply") from None
    if value_nesting_exceeds(value, max_depth):
        raise MalformedYamlError(source, f"nested deeper than {max_depth} levels")
    return json.loads(json.dumps(value, ensure_ascii=False,
                                 default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


def parse_visit(text, source: str = "<visit>") -> dict:
    """Parse JSON *text* (str or UTF-8 bytes) into a dict (:func:`read_json`).

    :raises MalformedJsonError: not JSON (with line and column), not UTF-8, or nested too deeply.
    """
    return read_json(text, source)


def check_shape(document, source: str = "<visit>") -> None:
    """Check *document* against the interchange schema.

    :raises VisitShapeError: listing every violation with its JSON path.
    """
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        problems = []
        for e in errors:
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path).lstrip(".")
            problems.append(f"{path or '(document)'}: {e.message}")
        raise VisitShapeError(source, problems)


def read_visit(text, source: str = "<visit>", definitions_dir=None) -> dict:
    """Parse, shape-check and check the form version of a visit document.

    :raises MalformedJsonError, VisitShapeError, UnknownFormVersionError: as named.
    """
    document = parse_visit(text, source)
    check_shape(document, source)
    from forms.loader import load_form

    try:
        load_form(document["form_id"], document["form_version"], definitions_dir)
    except FormNotFoundError:
        raise UnknownFormVersionError(document["form_id"], document["form_version"]) from None
    return document


def read_visit_file(path, definitions_dir=None) -> dict:
    """:func:`read_visit` on a file path, or standard input when *path* is "-"."""
    if str(path) == "-":
        return read_visit(sys.stdin.buffer.read(), "<stdin>", definitions_dir)
    target = Path(path)
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise VisitFileError(str(target), exc.strerror or str(exc)) from None
    return read_visit(data, target.name, definitions_dir)


def dump_visit(document: dict) -> str:
    """The visit as UTF-8 JSON text (Chinese kept readable, keys in a stable order)."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
