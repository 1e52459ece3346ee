"""Checking a parsed form definition and building the FormDefinition (every problem, located).

Problems are collected, not raised one by one, so that an author fixes a file in one pass:
``sections[1].questions[8].questions[12] (members.disability_grade).relevant: unknown question …``.
"""

from __future__ import annotations

import hashlib
import json
import re

from forms.definition import CHOICE_TYPES, QUESTION_TYPES, Constraint, FormDefinition, Label, Option, Question, Section
from forms.errors import DefinitionError, ExpressionError
from forms.expressions import compile_expression

__all__ = ["build_form", "content_hash", "ID_PATTERN"]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_ID = ID_PATTERN
_QUESTION_KEYS = {
    "id", "type", "scope", "label", "hint", "required", "recommended", "readonly", "options",
    "relevant", "constraints", "default", "default_expr", "initial_expr", "calculate", "min", "max", "min_count",
    "max_length", "pattern", "pattern_message", "questions",
}
_TOP_KEYS = {"form_id", "version", "title", "option_lists", "sections", "renames"}
_NUMERIC = ("integer", "money")


def content_hash(document) -> str:
    """SHA-256 of the definition's canonical JSON form (key order and YAML layout do not matter)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_form(document, source: str = "<definition>") -> FormDefinition:
    """Check a parsed definition document and build the FormDefinition.

    :raises DefinitionError: listing every problem found, each with its location.
    """
    return _Builder(document, source).build()


class _Builder:
    def __init__(self, document, source: str):
        self.doc = document
        self.source = source
        self.problems: list[str] = []
        self.option_lists: dict = {}
        self.questions: dict = {}  # key → Question (display order)
        self.raw: dict = {}  # key → (location, raw dict)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    # --- top level --------------------------------------------------------------------

    def build(self) -> FormDefinition:
        doc = self.doc
        if not isinstance(doc, dict):
            raise DefinitionError(self.source, ["the document must be a mapping with form_id, version, title, sections"])
        for key in sorted(set(doc) - _TOP_KEYS):
            self.problem(key, "unknown top-level key")
        form_id = doc.get("form_id")
        if not isinstance(form_id, str) or not _ID.match(form_id):
            self.problem("form_id", "missing or not a lower-case identifier")
        version = doc.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.problem("version", "missing or not a positive integer")
        title = self.label(doc.get("title"), "title", required=True)
        self.build_option_lists(doc.get("option_lists", {}))
        sections = self.build_sections(doc.get("sections"))
        renames = doc.get("renames") or {}
        if not isinstance(renames, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in renames.items()):
            self.problem("renames", "must map old question ids to new question ids")
            renames = {}
        for old, new in renames.items():
            if new not in self.questions:
                self.problem(f"renames.{old}", f"renamed to unknown question {new!r}")
        self.check_expressions()
        calc_order = self.order([q for q in self.questions.values() if q.calculate is not None], "calculate")
        default_order = self.order([q for q in self.questions.values() if q.default_expr is not None], "default_expr")
        if self.problems:
            raise DefinitionError(self.source, self.problems)
        return FormDefinition(
            form_id=form_id, version=version, text=title, content_hash=content_hash(doc),
            sections=tuple(sections), questions=dict(self.questions), option_lists=self.option_lists,
            renames=dict(renames), calc_order=tuple(calc_order), default_order=tuple(default_order),
            source=self.source,
        )

    def label(self, raw, where: str, required: bool = False) -> Label | None:
        if raw is None:
            if required:
                self.problem(where, "missing label (needs zh and en)")
            return None
        if not isinstance(raw, dict):
            self.problem(where, "label must be a mapping with zh and en")
            return None
        zh, en = raw.get("zh"), raw.get("en")
        for lang, text in (("zh", zh), ("en", en)):
            if not isinstance(text, str) or not text.strip():
                self.problem(where, f"missing {lang} text")
        extra = set(raw) - {"zh", "en"}
        if extra:
            self.problem(where, f"unknown language key(s) {sorted(extra)}")
        return Label(str(zh or ""), str(en or ""))

    def build_option_lists(self, raw) -> None:
        if not isinstance(raw, dict):
            self.problem("option_lists", "must be a mapping of list name to options")
            return
        for name, options in raw.items():
            self.option_lists[name] = self.options(options, f"option_lists.{name}")

    def options(self, raw, where: str) -> tuple:
        if not isinstance(raw, list) or not raw:
            self.problem(where, "option list is empty or not a list")
            return ()
        built, seen = [], set()
        for i, opt in enumerate(raw):
            loc = f"{where}[{i}]"
            if not isinstance(opt, dict) or "code" not in opt:
                self.problem(loc, "option needs a code, zh and en")
                continue
            code = opt["code"]
            if not isinstance(code, (str, int)) or isinstance(code, bool) or code == "":
                self.problem(loc, f"option code {code!r} must be text or an integer")
                continue
            if code in seen:
                self.problem(loc, f"duplicate option code {code!r}")
            seen.add(code)
            text = self.label({"zh": opt.get("zh"), "en": opt.get("en")}, loc)
            attrs = {k: v for k, v in opt.items() if k not in ("code", "zh", "en")}
            for key, value in attrs.items():
                if value is None:  # YAML reads `en: A, b` in a flow mapping as en: A plus a key "b"
                    self.problem(loc, f"option attribute {key!r} has no value (an unquoted comma in a label?)")
            built.append(Option(code, text, attrs))
        return tuple(built)

    def build_sections(self, raw) -> list:
        if not isinstance(raw, list) or not raw:
            self.problem("sections", "missing or empty")
            return []
        sections, seen = [], set()
        for i, sec in enumerate(raw):
            loc = f"sections[{i}]"
            if not isinstance(sec, dict):
                self.problem(loc, "section must be a mapping")
                continue
            sid = sec.get("id")
            if not isinstance(sid, str) or not _ID.match(sid):
                self.problem(loc, "section id missing or not a lower-case identifier")
            elif sid in seen:
                self.problem(loc, f"duplicate section id {sid!r}")
            else:
                seen.add(sid)
            text = self.label(sec.get("label"), f"{loc}.label", required=True)
            qs = self.build_questions(sec.get("questions"), f"{loc}.questions", str(sid), parent=None, scope=None)
            sections.append(Section(str(sid), text, tuple(qs)))
        return sections

    # --- questions ----------------------------------------------------------------------

    def build_questions(self, raw, where: str, section: str, parent: Question | None, scope) -> list:
        if not isinstance(raw, list) or not raw:
            self.problem(where, "needs at least one question")
            return []
        built = []
        for i, rq in enumerate(raw):
            q = self.build_question(rq, f"{where}[{i}]", section, parent, scope)
            if q is not None:
                built.append(q)
        return built

    def build_question(self, rq, loc: str, section: str, parent, scope):
        if not isinstance(rq, dict):
            self.problem(loc, "question must be a mapping")
            return None
        qid = rq.get("id")
        if not isinstance(qid, str) or not _ID.match(qid):
            self.problem(loc, f"question id {qid!r} missing or not a lower-case identifier")
            return None
        key = f"{parent.key}.{qid}" if parent else qid
        base, loc = loc, f"{loc} ({key})"
        if key in self.questions or key in self.raw:
            self.problem(loc, f"duplicate question id {key!r}")
            return None
        for k in sorted(set(rq) - _QUESTION_KEYS):
            self.problem(loc, f"unknown key {k!r}")
        qtype = rq.get("type")
        if qtype not in QUESTION_TYPES:
            self.problem(loc, f"unknown type {qtype!r} (one of {', '.join(QUESTION_TYPES)})")
            qtype = "text"
        if parent is None:
            scope = rq.get("scope")
            if scope not in ("visit", "household"):
                self.problem(loc, "scope must be 'visit' or 'household'")
        elif "scope" in rq:
            self.problem(loc, "questions inside a repeat group take the group's scope")
        text = self.label(rq.get("label"), f"{loc}.label", required=True)
        hint = self.label(rq.get("hint"), f"{loc}.hint") if "hint" in rq else None
        options, option_list = self.question_options(rq, qtype, loc)
        flags = {}
        for flag in ("required", "recommended", "readonly"):
            value = rq.get(flag, False)
            if not isinstance(value, bool):
                self.problem(loc, f"{flag} must be true or false")
                value = False
            flags[flag] = value
        numbers = {}
        for name in ("min", "max", "min_count", "max_length"):
            value = rq.get(name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                self.problem(loc, f"{name} must be an integer")
                value = None
            numbers[name] = value
        if (numbers["min"] is not None or numbers["max"] is not None) and qtype not in _NUMERIC:
            self.problem(loc, "min/max apply only to integer and money questions")
        if numbers["min_count"] is not None and qtype not in ("repeat", "multi", "text_list", "member_refs"):
            self.problem(loc, "min_count applies only to repeat groups, multiple choice and lists")
        pattern = None
        if "pattern" in rq:
            try:
                pattern = re.compile(str(rq["pattern"]))
            except re.error as exc:
                self.problem(loc, f"pattern does not compile: {exc}")
        pattern_message = self.label(rq.get("pattern_message"), f"{loc}.pattern_message") if "pattern_message" in rq else None
        relevant = self.expression(rq.get("relevant"), f"{loc}.relevant")
        calculate = self.expression(rq.get("calculate"), f"{loc}.calculate")
        default_expr = self.expression(rq.get("default_expr"), f"{loc}.default_expr")
        initial_expr = self.expression(rq.get("initial_expr"), f"{loc}.initial_expr")
        if initial_expr is not None and initial_expr.names:
            self.problem(f"{loc}.initial_expr", "an initial value cannot depend on other answers (use default_expr)")
        if calculate is not None and (default_expr is not None or initial_expr is not None or "default" in rq):
            self.problem(loc, "a calculated question cannot also have a default")
        if calculate is not None and flags["required"]:
            self.problem(loc, "a calculated question cannot be required")
        default = rq.get("default")
        if default is not None:
            self.check_default(default, qtype, options, loc)
        constraints = self.constraints(rq.get("constraints"), loc)
        if qtype == "repeat" and (parent is not None and parent.parent is not None):
            self.problem(loc, "repeat groups nest at most two deep")
        q = Question(
            id=qid, key=key, type=qtype, text=text, section=section, scope=scope or "household", hint=hint,
            options=options, option_list=option_list, relevant=relevant, constraints=constraints,
            default=default, default_expr=default_expr, initial_expr=initial_expr, calculate=calculate, pattern=pattern,
            pattern_message=pattern_message, parent=parent.key if parent else None,
            code_set=frozenset(o.code for o in options), **flags, **numbers,
        )
        self.questions[key] = q
        self.raw[key] = loc
        if qtype == "repeat":
            children = self.build_questions(rq.get("questions"), f"{base}.questions", section, q, scope)
            object.__setattr__(q, "children", tuple(children))
            object.__setattr__(q, "child_ids", frozenset(c.id for c in children))
            # keep display order: the group, then its children (already inserted after it)
        elif "questions" in rq:
            self.problem(loc, "only repeat groups have questions")
        if (q.calculate is not None or q.default_expr is not None) and parent is not None and parent.parent is not None:
            self.problem(loc, "calculations are supported at the top level and one repeat level deep")
        return q

    def question_options(self, rq, qtype: str, loc: str):
        raw = rq.get("options")
        if qtype in ("yes_no", "yes_no_unknown"):
            raw = raw or qtype
        if qtype not in CHOICE_TYPES:
            if raw is not None:
                self.problem(loc, f"options given for a {qtype} question")
            return (), None
        if raw is None:
            self.problem(loc, "option list missing")
            return (), None
        if isinstance(raw, str):
            if raw not in self.option_lists:
                self.problem(loc, f"unknown option list {raw!r}")
                return (), raw
            return self.option_lists[raw], raw
        return self.options(raw, f"{loc}.options"), None

    def check_default(self, default, qtype: str, options, loc: str) -> None:
        codes = {o.code for o in options}
        if qtype in ("single", "yes_no", "yes_no_unknown") and default not in codes:
            self.problem(loc, f"default {default!r} is not one of the options")
        elif qtype == "multi" and not (isinstance(default, list) and set(default) <= codes):
            self.problem(loc, "default of a multiple choice must be a list of option codes")
        elif qtype in ("integer", "money") and (not isinstance(default, int) or isinstance(default, bool)):
            self.problem(loc, "default must be an integer")
        elif qtype in ("text", "notes") and not isinstance(default, str):
            self.problem(loc, "default must be text")

    def expression(self, source, where: str):
        if source is None:
            return None
        try:
            return compile_expression(source if isinstance(source, str) else "")
        except ExpressionError as exc:
            self.problem(where, str(exc))
            return None

    def constraints(self, raw, loc: str) -> tuple:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(f"{loc}.constraints", "must be a list")
            return ()
        built = []
        for i, rc in enumerate(raw):
            where = f"{loc}.constraints[{i}]"
            if not isinstance(rc, dict):
                self.problem(where, "constraint must be a mapping with expr and message")
                continue
            expr = self.expression(rc.get("expr"), f"{where}.expr")
            if rc.get("expr") is None:
                self.problem(where, "missing expr")
            message = self.label(rc.get("message"), f"{where}.message", required=True)
            severity = rc.get("severity", "error")
            if severity not in ("error", "warning"):
                self.problem(where, "severity must be 'error' or 'warning'")
            for k in sorted(set(rc) - {"expr", "message", "severity"}):
                self.problem(where, f"unknown key {k!r}")
            if expr is not None and message is not None:
                built.append(Constraint(expr, message, severity))
        return tuple(built)

    # --- cross-question checks ------------------------------------------------------------

    def scope_names(self, q: Question) -> set:
        names = {k for k, v in self.questions.items() if v.parent is None}
        parent = q.parent
        while parent is not None:
            names |= {c.id for c in self.questions[parent].children}
            parent = self.questions[parent].parent
        return names

    def check_expressions(self) -> None:
        for key, q in self.questions.items():
            loc = self.raw[key]
            scope = self.scope_names(q)
            checks = [("relevant", q.relevant), ("calculate", q.calculate), ("default_expr", q.default_expr)]
            checks += [(f"constraints[{i}].expr", c.expr) for i, c in enumerate(q.constraints)]
            for what, expr in checks:
                if expr is None:
                    continue
                if what == "default_expr":
                    for name in sorted(expr.names):
                        target = self.resolve(q, name)
                        if target is not None and target.calculate is not None:
                            self.problem(f"{loc}.{what}", f"a default cannot read the calculated question {name!r}")
                allowed = scope | {"value"} if what.startswith("constraints") else scope
                for name in sorted(expr.names - allowed):
                    self.problem(f"{loc}.{what}", f"unknown question {name!r} referenced in {expr.source!r}")

    def resolve(self, q: Question, name: str):
        """The question a name in *q*'s expressions refers to (row fields shadow top level)."""
        parent = q.parent
        while parent is not None:
            group = self.questions[parent]
            for c in group.children:
                if c.id == name:
                    return c
            parent = group.parent
        top = self.questions.get(name)
        return top if top is not None and top.parent is None else None

    def order(self, computed: list, what: str) -> list:
        """Topological order of computed questions: what each one reads is computed first."""
        computed_keys = {q.key for q in computed}
        deps: dict = {}
        for q in computed:
            expr = q.calculate if what == "calculate" else q.default_expr
            found = set()
            for name in expr.names:
                target = self.resolve(q, name)
                if target is None:
                    continue
                if target.key in computed_keys and target.key != q.key:
                    found.add(target.key)
                if target.type == "repeat":  # reading a group reads every computed cell inside it
                    found |= {k for k in computed_keys if k.startswith(target.key + ".")}
                if target.key == q.key:
                    self.problem(self.raw[q.key], f"{what} refers to itself")
            deps[q.key] = found
        ordered, state = [], {}

        def visit(key, trail):
            if state.get(key) == "done":
                return
            if state.get(key) == "active":
                self.problem(self.raw[key], f"{what} cycle: {' → '.join(trail + [key])}")
                return
            state[key] = "active"
            for dep in sorted(deps.get(key, ())):
                visit(dep, trail + [key])
            state[key] = "done"
            ordered.append(self.questions[key])

        for q in computed:
            visit(q.key, [])
        return ordered
