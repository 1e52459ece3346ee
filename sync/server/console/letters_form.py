"""The 告知书模板 form: the county's letter-template document shown as form fields, and read back with
a check per field (Chinese messages next to the field), then by the printouts' own parser.

The document shape is printouts' ``fieldapp.letter_templates`` (docs/printouts.md, tests/county/letters.yaml).
Paragraph lists (letter bodies) are one paragraph per line; list fields (consent sources) one item per line.
"""

from __future__ import annotations

import copy

from printouts.templates import (APPEAL_NAMES, CONSENT_NAMES, DEFAULT_OVERDUE_BODY, DEFAULT_OVERDUE_DAYS, DEMO_PATH, LETTER_KINDS, LETTER_NAMES, SERIAL_KINDS,
                                 SERIAL_NAMES)
from printouts.textformat import check_placeholders, fill

LETTER_TITLES = {"visit_result": "入户走访结果及政策告知书", "review": "复核告知书", "referral": "转介告知书",
                 "change": "待遇变更告知书"}
SERIAL_LABELS = {"letter": "告知书文号", "consent": "授权书编号", "visit_record": "入户调查记录编号"}
CONSENT_FIELDS = (("title", "标题"), ("intro", "承诺段"), ("authorisation", "授权段"), ("validity", "有效期说明"),
                  ("copies", "份数说明"), ("minor_note", "未成年人说明"), ("default_assistance", "默认救助事项"))
LETTER_FIELDS = (("title", "标题"), ("greeting", "称呼"), ("body", "正文（每行一段）"), ("after_items", "事项表后的说明"),
                 ("no_items", "没有事项时的说明"))
MAX_TEXT = 600


def _lines(value) -> str:
    return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value or "")


def skeleton(areas: list[dict], hotline: str = "12349") -> dict:
    """A first template document for a county that has published none: the standard wording of the
    bundled document with this county's names instead of the demo's (no demo office, no demo phone)."""
    from forms.yamltext import safe_load

    doc = safe_load(DEMO_PATH.read_text(encoding="utf-8"))
    county = next((a for a in areas if a["level"] == "county"), None)
    county_name = county["name"] if county else "本县"
    doc["label"] = f"{county_name}民政局文书模板"
    doc["offices"] = {"default": {"short": county_name[:2], "address": "户籍所在地乡镇人民政府（街道办事处）社会救助窗口",
                                  "phone": hotline or "12349"}}
    doc["serial_schemes"].pop("townships", None)
    doc["appeal"]["review_body"] = f"{county_name}人民政府"
    for dep in doc["departments"].values():
        dep["name"] = dep["name"].replace("演示县", county_name)
        if dep["phone"].startswith("0999"):
            dep["phone"] = "12345"
    return doc


def form_values(doc: dict, townships: list[tuple[str, str]]) -> dict:
    """What the form shows for *doc*; *townships* are (code, name) of the county's townships."""
    offices_raw = doc.get("offices") or {}
    offices = [{"code": "default", "name": "默认（未单独填写的乡镇）", **_office(offices_raw.get("default"))}]
    offices += [{"code": code, "name": name, **_office(offices_raw.get(code))} for code, name in townships]
    schemes = doc.get("serial_schemes") or {}
    overrides = schemes.get("townships") or {}
    town_schemes = [{"code": code, "name": name, **{k: (overrides.get(code) or {}).get(k, "") for k in SERIAL_KINDS}}
                    for code, name in townships]
    appeal = doc.get("appeal") or {}
    consent = doc.get("consent") or {}
    letters = []
    for kind in LETTER_KINDS:
        lt = (doc.get("letters") or {}).get(kind) or {}
        letters.append({"kind": kind, "name": LETTER_TITLES[kind], "title": lt.get("title", ""),
                        "greeting": lt.get("greeting", ""), "body": _lines(lt.get("body")),
                        "after_items": lt.get("after_items", ""), "no_items": lt.get("no_items", ""),
                        "appeal": bool(lt.get("appeal")),
                        "overdue_body": _lines(lt.get("overdue_body") or list(DEFAULT_OVERDUE_BODY)),
                        "overdue_days": str(lt.get("overdue_days") or DEFAULT_OVERDUE_DAYS)})
    return {
        "label": str(doc.get("label") or ""), "offices": offices, "town_schemes": town_schemes,
        "schemes": {k: schemes.get(k, "") for k in SERIAL_KINDS},
        "appeal": {k: str(appeal.get(k, "")) for k in ("text", *APPEAL_NAMES)},
        "consent": {**{k: consent.get(k, "") for k, _ in CONSENT_FIELDS}, "sources": _lines(consent.get("sources"))},
        "household_items": [{"code": c, "what": i.get("what", ""), "where": i.get("where", "")}
                  for c, i in (doc.get("household_items") or {}).items() if isinstance(i, dict)],
        "departments": [{"code": c, "name": d.get("name", ""), "phone": str(d.get("phone", ""))}
                        for c, d in (doc.get("departments") or {}).items() if isinstance(d, dict)],
        "letters": letters,
    }


def _office(raw) -> dict:
    raw = raw if isinstance(raw, dict) else {}
    return {"short": raw.get("short", ""), "address": raw.get("address", ""), "phone": str(raw.get("phone", ""))}


class _Reader:
    """Reads posted fields and collects one Chinese problem per field name."""

    def __init__(self, form: dict):
        self.form, self.problems = form, {}

    def text(self, name: str, what: str, allowed=None, required: bool = True, limit: int = MAX_TEXT) -> str:
        value = str(self.form.get(name) or "").replace("\r", "").strip()
        if required and not value:
            self.problems[name] = f"{what}：不能为空"
        elif len(value) > limit:
            self.problems[name] = f"{what}：最多 {limit} 个字"
        elif allowed is not None:
            self.placeholders(name, what, value, allowed)
        return value

    def placeholders(self, name: str, what: str, value: str, allowed) -> None:
        try:
            check_placeholders(value, allowed)
        except ValueError as exc:
            self.problems[name] = f"{what}：{exc}"

    def paragraphs(self, name: str, what: str, allowed, required: bool = True) -> list[str]:
        lines = [ln.strip() for ln in str(self.form.get(name) or "").replace("\r", "").split("\n") if ln.strip()]
        if required and not lines:
            self.problems[name] = f"{what}：至少写一段"
        for line in lines:
            if len(line) > MAX_TEXT:
                self.problems[name] = f"{what}：每段最多 {MAX_TEXT} 个字"
            self.placeholders(name, what, line, allowed)
        return lines

    def number(self, name: str, what: str, low: int, high: int) -> int:
        raw = str(self.form.get(name) or "").strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.problems[name] = f"{what}：应为 {low}–{high} 的整数"
            return low
        return int(raw)

    def serial(self, name: str, what: str, required: bool = True) -> str:
        value = self.text(name, what, SERIAL_NAMES, required=required, limit=80)
        if value and name not in self.problems:
            if "{seq" not in value:
                self.problems[name] = f"{what}：必须含序号 {{seq}}（如 {{seq:03d}}）"
            else:
                try:
                    fill(value, {"township_short": "城关", "township_code": "000000000", "year": 2026, "seq": 1})
                except (ValueError, KeyError):
                    self.problems[name] = f"{what}：序号格式写法不对（如 {{seq:03d}} 表示三位数字 001）"
        return value


def document_from_form(base: dict, form: dict) -> tuple[dict, dict[str, str]]:
    """The next template document (*base* with the posted fields) and the problems per field name."""
    r = _Reader(form)
    doc = copy.deepcopy(base)
    doc["document"], doc["version"] = "fieldapp.letter_templates", 1
    doc["label"] = r.text("label", "模板名称", limit=100)
    shown = set(form.get("office_code[]", []))
    # entries of townships the form does not list (not registered on this server) are kept as they were
    offices = {code: v for code, v in (base.get("offices") or {}).items() if code not in shown}
    rows = zip(*(form.get(f"office_{k}[]", []) for k in ("code", "short", "address", "phone")))
    for i, (code, short, address, phone) in enumerate(rows):
        code = str(code).strip()[:12]
        values = [str(v).strip() for v in (short, address, phone)]
        if code != "default" and not any(values):
            continue      # this township uses the default entry
        missing = [w for w, v in zip(("文号简称", "窗口地址", "窗口电话"), values) if not v]
        if missing:
            r.problems[f"office_{i}"] = f"{'默认' if code == 'default' else code}：请填写{'、'.join(missing)}" + (
                "" if code == "default" else "，或三项都留空以使用默认")
        if len(values[0]) > 10 or len(values[1]) > 100 or len(values[2]) > 30:
            r.problems[f"office_{i}"] = f"{code}：简称最多 10 字，地址最多 100 字，电话最多 30 字"
        offices[code] = {"short": values[0], "address": values[1], "phone": values[2]}
    doc["offices"] = offices
    schemes = {k: r.serial(f"serial_{k}", SERIAL_LABELS[k]) for k in SERIAL_KINDS}
    townships = {}
    rows = zip(*(form.get(f"scheme_{k}[]", []) for k in ("code", *SERIAL_KINDS)))
    for i, (code, *values) in enumerate(rows):
        over = {}
        for k, v in zip(SERIAL_KINDS, values):
            form[f"scheme_{i}_{k}"] = v
            if str(v).strip():
                over[k] = r.serial(f"scheme_{i}_{k}", f"{code} {SERIAL_LABELS[k]}")
        if over:
            townships[str(code).strip()[:12]] = over
    doc["serial_schemes"] = {**schemes, **({"townships": townships} if townships else {})}
    doc["appeal"] = {"text": r.text("appeal_text", "复议诉讼告知", APPEAL_NAMES),
                     "review_days": r.number("appeal_review_days", "申请复议期限（日）", 1, 365),
                     "review_body": r.text("appeal_review_body", "复议机关", limit=60),
                     "litigation_months": r.number("appeal_litigation_months", "起诉期限（月）", 1, 24)}
    consent = dict(doc.get("consent") or {})
    for k, what in CONSENT_FIELDS:
        consent[k] = r.text(f"consent_{k}", f"授权书{what}", CONSENT_NAMES)
    consent["sources"] = r.paragraphs("consent_sources", "授权书核对信息（每行一项）", ())
    doc["consent"] = consent
    items = dict(doc.get("household_items") or {})
    for code, what, where in zip(form.get("item_code[]", []), form.get("item_what[]", []), form.get("item_where[]", [])):
        if code in items:
            form[f"item_{code}_what"], form[f"item_{code}_where"] = what, where
            items[code] = {**items[code], "what": r.text(f"item_{code}_what", f"事项 {code}", limit=100),
                           "where": r.text(f"item_{code}_where", f"事项 {code} 的申请地点", limit=100)}
    doc["household_items"] = items
    departments = dict(doc.get("departments") or {})
    for code, name, phone in zip(form.get("dep_code[]", []), form.get("dep_name[]", []), form.get("dep_phone[]", [])):
        if code in departments:
            form[f"dep_{code}_name"], form[f"dep_{code}_phone"] = name, phone
            departments[code] = {"name": r.text(f"dep_{code}_name", f"部门 {code} 名称", limit=60),
                                 "phone": r.text(f"dep_{code}_phone", f"部门 {code} 电话", limit=30)}
    doc["departments"] = departments
    letters = dict(doc.get("letters") or {})
    for kind in LETTER_KINDS:
        name = LETTER_TITLES[kind]
        lt = dict(letters.get(kind) or {})
        lt["title"] = r.text(f"{kind}_title", f"{name}标题", limit=60)
        lt["greeting"] = r.text(f"{kind}_greeting", f"{name}称呼", LETTER_NAMES, limit=60)
        lt["body"] = r.paragraphs(f"{kind}_body", f"{name}正文", LETTER_NAMES)
        for key, what in (("after_items", "事项表后的说明"), ("no_items", "没有事项时的说明")):
            value = r.text(f"{kind}_{key}", f"{name}{what}", LETTER_NAMES, required=False)
            if value:
                lt[key] = value
            else:
                lt.pop(key, None)
        lt["appeal"] = form.get(f"{kind}_appeal") == "yes"
        if kind == "review":
            lt["overdue_body"] = r.paragraphs("review_overdue_body", "复核逾期时的正文", LETTER_NAMES)
            lt["overdue_days"] = r.number("review_overdue_days", "逾期后新的复核期限（天）", 1, 365)
        letters[kind] = lt
    doc["letters"] = letters
    return doc, r.problems


def changes_between(old: dict | None, new: dict) -> list[tuple[str, str, str]]:
    """(what, before, after) of the parts that differ, for the preview page."""
    old = old or {}
    out = []
    parts = (("label", "模板名称"), ("offices", "乡镇窗口"), ("serial_schemes", "文号规则"), ("appeal", "复议诉讼告知"),
             ("consent", "授权书"), ("household_items", "可申请事项"), ("departments", "转介部门"))
    for key, what in parts:
        if old.get(key) != new.get(key):
            before, after = old.get(key), new.get(key)
            out.append((what, before if isinstance(before, str) else "", after if isinstance(after, str) else "有改动"))
    for kind in LETTER_KINDS:
        if (old.get("letters") or {}).get(kind) != (new.get("letters") or {}).get(kind):
            out.append((LETTER_TITLES[kind], "", "有改动"))
    return out
