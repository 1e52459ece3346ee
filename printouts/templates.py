"""Loading and checking the county's letter templates and serial schemes (reference data, YAML)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from forms.yamltext import safe_load
from printouts.errors import TemplateError
from printouts.textformat import check_placeholders

DEMO_PATH = Path(__file__).with_name("templates") / "letters.demo.yaml"
LETTER_KINDS = ("visit_result", "review", "referral", "change")
SERIAL_KINDS = ("letter", "consent", "visit_record")
LETTER_NAMES = (
    "head_name", "address", "visit_date", "issue_date", "office", "office_address",
    "office_phone", "hotline", "county", "due_date", "effective_date", "review_was_due",
)
# An overdue review (its date passed before the letter is printed): the wording when the template has none,
# and the days from the letter's date to the new deadline it gives.
DEFAULT_OVERDUE_BODY = (
    "根据社会救助动态管理的规定，您家享受的社会救助待遇需要定期复核。您家的复核原定于 {review_was_due} 前完成，目前尚未完成。"
    "请于 {due_date} 前配合工作人员完成家庭人口、收入和财产状况的复核，并如实申报家庭情况的变化。",
    "如有疑问，请拨打 {office_phone} 或社会救助服务热线 {hotline}。",
)
DEFAULT_OVERDUE_DAYS = 15
SERIAL_NAMES = ("township_short", "township_code", "year", "seq")
APPEAL_NAMES = ("review_days", "review_body", "litigation_months")
CONSENT_NAMES = ("assistance", "county")


@dataclass(frozen=True)
class OfficeDetails:
    """What letters need of a township office beyond the reference data: 文号 short name, address, phone."""

    code: str
    short: str
    address: str
    phone: str


@dataclass(frozen=True)
class Office:
    """An issuing township office: name (from the reference data), short name, address and phone."""

    code: str
    name: str
    short: str
    address: str
    phone: str


@dataclass(frozen=True)
class LetterTemplate:
    """Wording of one kind of 告知书."""

    kind: str
    title: str
    greeting: str
    body: tuple[str, ...]
    after_items: str
    no_items: str
    appeal: bool
    overdue_body: tuple[str, ...] = DEFAULT_OVERDUE_BODY  # review: when the due date has already passed
    overdue_days: int = DEFAULT_OVERDUE_DAYS  # review overdue: new deadline = letter date + this many days


@dataclass(frozen=True)
class LetterTemplates:
    """The whole county document: offices, serial schemes, appeal wording, consent and letters."""

    label: str
    offices: Mapping[str, OfficeDetails]
    serial_schemes: Mapping[str, str]
    township_schemes: Mapping[str, Mapping[str, str]]
    appeal_text: str
    appeal_values: Mapping[str, Any]
    consent: Mapping[str, Any]
    household_items: Mapping[str, Mapping[str, Any]]
    departments: Mapping[str, Mapping[str, str]]
    letters: Mapping[str, LetterTemplate]

    def office_details(self, township_code: str) -> OfficeDetails:
        """Short name, address and phone of *township_code* (9 digits), else the default entry."""
        return self.offices.get(township_code) or self.offices["default"]

    def serial_scheme(self, kind: str, township_code: str) -> str:
        """The 文号 pattern for *kind* in *township_code* (township override, else county default)."""
        return self.township_schemes.get(township_code, {}).get(kind) or self.serial_schemes[kind]


def _need(mapping: Any, key: str, where: str, kind: type | tuple = str) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise TemplateError(f"{where} 缺少 {key}")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise TemplateError(f"{where}.{key} 类型不对或为空")
    return value


def _checked(text: str, allowed, where: str) -> str:
    try:
        check_placeholders(text, allowed)
    except ValueError as exc:
        raise TemplateError(f"{where}：{exc}") from exc
    return text


def _office(code: str, raw: Any) -> OfficeDetails:
    where = f"offices.{code}"
    return OfficeDetails(code, _need(raw, "short", where), _need(raw, "address", where),
                         str(_need(raw, "phone", where, (str, int))))


def parse_templates(raw: Any) -> LetterTemplates:
    """Validate a parsed template document and return it typed; raise TemplateError with the path."""
    if not isinstance(raw, Mapping) or raw.get("document") != "fieldapp.letter_templates":
        raise TemplateError("不是 fieldapp.letter_templates 文档")
    if raw.get("version") != 1:
        raise TemplateError(f"不支持的模板版本 {raw.get('version')!r}")
    offices_raw = _need(raw, "offices", "", Mapping)
    offices = {str(code): _office(str(code), v) for code, v in offices_raw.items()}
    if "default" not in offices:
        raise TemplateError("offices 缺少 default")
    schemes_raw = _need(raw, "serial_schemes", "", Mapping)
    schemes = {k: _checked(_need(schemes_raw, k, "serial_schemes"), SERIAL_NAMES, f"serial_schemes.{k}") for k in SERIAL_KINDS}
    townships = {}
    for code, over in (schemes_raw.get("townships") or {}).items():
        if not isinstance(over, Mapping) or set(over) - set(SERIAL_KINDS):
            raise TemplateError(f"serial_schemes.townships.{code} 只能覆盖 {'、'.join(SERIAL_KINDS)}")
        townships[str(code)] = {k: _checked(str(v), SERIAL_NAMES, f"serial_schemes.townships.{code}.{k}") for k, v in over.items()}
    for where, scheme in [("", s) for s in schemes.values()] + [("", s) for o in townships.values() for s in o.values()]:
        if "{seq" not in scheme:
            raise TemplateError(f"文号规则必须含 {{seq}}：{scheme}")
    appeal = _need(raw, "appeal", "", Mapping)
    appeal_values = {k: _need(appeal, k, "appeal", (str, int)) for k in APPEAL_NAMES}
    consent = dict(_need(raw, "consent", "", Mapping))
    for k in ("title", "intro", "authorisation", "validity", "copies", "minor_note", "default_assistance"):
        _checked(_need(consent, k, "consent"), CONSENT_NAMES, f"consent.{k}")
    sources = _need(consent, "sources", "consent", list)
    if not sources or not all(isinstance(s, str) and s for s in sources):
        raise TemplateError("consent.sources 必须是非空的文字列表")
    letters = {}
    letters_raw = _need(raw, "letters", "", Mapping)
    for kind in LETTER_KINDS:
        lr = _need(letters_raw, kind, "letters", Mapping)
        where = f"letters.{kind}"
        body = _need(lr, "body", where, list)
        overdue = lr.get("overdue_body") or list(DEFAULT_OVERDUE_BODY)
        days = lr.get("overdue_days", DEFAULT_OVERDUE_DAYS)
        if not isinstance(overdue, list) or not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            raise TemplateError(f"{where}.overdue_body 必须是段落列表，overdue_days 必须是 1–365 的天数")
        letters[kind] = LetterTemplate(
            kind=kind,
            title=_need(lr, "title", where),
            greeting=_checked(_need(lr, "greeting", where), LETTER_NAMES, f"{where}.greeting"),
            body=tuple(_checked(str(p), LETTER_NAMES, f"{where}.body") for p in body),
            after_items=_checked(str(lr.get("after_items") or ""), LETTER_NAMES, f"{where}.after_items"),
            no_items=_checked(str(lr.get("no_items") or ""), LETTER_NAMES, f"{where}.no_items"),
            appeal=bool(lr.get("appeal", False)),
            overdue_body=tuple(_checked(str(p), LETTER_NAMES, f"{where}.overdue_body") for p in overdue),
            overdue_days=days,
        )
    items = {}
    for code, item in (_need(raw, "household_items", "", Mapping)).items():
        unless = (item.get("unless") or []) if isinstance(item, Mapping) else []
        if not isinstance(unless, list) or not all(isinstance(c, str) for c in unless):
            raise TemplateError(f"household_items.{code}.unless 必须是类别代码列表")
        items[str(code)] = {"what": _need(item, "what", f"household_items.{code}"),
                            "where": _need(item, "where", f"household_items.{code}"), "unless": tuple(unless)}
    departments = {}
    for code, dep in (_need(raw, "departments", "", Mapping)).items():
        departments[str(code)] = {"name": _need(dep, "name", f"departments.{code}"),
                                  "phone": str(_need(dep, "phone", f"departments.{code}", (str, int)))}
    return LetterTemplates(
        label=str(raw.get("label") or ""),
        offices=offices,
        serial_schemes=schemes,
        township_schemes=townships,
        appeal_text=_checked(_need(appeal, "text", "appeal"), APPEAL_NAMES, "appeal.text"),
        appeal_values=appeal_values,
        consent=consent,
        household_items=items,
        departments=departments,
        letters=letters,
    )


def load_templates(path: str | Path | None = None) -> LetterTemplates:
    """Load the letter templates from *path* (default: the bundled demo document)."""
    path = Path(path) if path else DEMO_PATH
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TemplateError(f"无法读取 {path}：{exc}") from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path} 不是有效的 YAML：{exc}") from exc
    return parse_templates(raw)
