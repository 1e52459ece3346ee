"""The 参考数据 page's form: a reference document shown as form fields, and the fields read back.

Amounts are typed in yuan ("760" or "760.50") and kept as integer fen; nothing is a float.
The document is then checked by the same loader the laptops use (``documents.check_document``).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from sync.server.console import errors

THRESHOLDS = (  # key, Chinese label, in yuan?
    ("temp_assistance_multiplier", "临时救助乡镇审批倍数 N（× 城市月低保标准）", False),
    ("county_approval_limit_fen", "县级审批上限（元）", True),
    ("savings_threshold_fen", "存款及理财核实线（元）", True),
    ("utility_threshold_fen", "月水电燃气通讯费核实线（元）", True),
)
BLANK_STANDARD_ROWS = 2
REVIEW_DEADLINE_MAX_DAYS = 365   # 审核期限: a county gives its townships days to weeks, never more than a year
REVIEW_DEADLINE_LABEL = "审核期限（天）"


def yuan(fen) -> str:
    """Integer fen as yuan text without trailing zeros (76000 → "760", 76050 → "760.5")."""
    if not isinstance(fen, int):
        return ""
    text = f"{Decimal(fen) / 100:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def to_fen(text: str, what: str) -> int:
    """Yuan text ("1,800.00", "760") as integer fen; InvalidInput naming *what* otherwise."""
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").replace("元", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise errors.InvalidInput(f"{what}：“{text[:20]}”不是金额") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise errors.InvalidInput(f"{what}：金额应为非负数，最多两位小数")
    return int(value * 100)


def skeleton(areas: list[dict]) -> dict:
    """A first reference document for a county that has published none: its areas, no standards yet."""
    counties = []
    for c in (a for a in areas if a["level"] == "county"):
        townships = []
        for t in (a for a in areas if a["level"] == "township" and a["parent_code"] == c["code"]):
            villages = [{"code": v["code"], "name": v["name"], "area_type": v["area_type"] or "rural"}
                        for v in areas if v["level"] == "village" and v["parent_code"] == t["code"]]
            townships.append({"code": t["code"], "name": t["name"], "office": f"{t['name']}人民政府", "villages": villages})
        counties.append({"code": c["code"], "name": c["name"], "office": f"{c['name']}民政局", "townships": townships})
    return {"reference_id": "", "label": {"zh": "", "en": ""}, "dibao_standards": [], "temp_assistance_multiplier": 3,
            "county_approval_limit_fen": 2000000, "savings_threshold_fen": 0, "utility_threshold_fen": 0, "hotline": "12349",
            "areas": counties}


def form_values(doc: dict) -> dict:
    """What the form shows for *doc*."""
    standards = [{"county_code": s.get("county_code", ""), "area_type": s.get("area_type", ""),
                  "effective_from": s.get("effective_from", ""),
                  "period": "annual" if s.get("annual_fen") is not None else "monthly",
                  "amount": yuan(s.get("annual_fen") if s.get("annual_fen") is not None else s.get("monthly_fen"))}
                 for s in doc.get("dibao_standards") or [] if isinstance(s, dict)]
    standards += [{"county_code": "", "area_type": "", "effective_from": "", "period": "monthly", "amount": ""}
                  for _ in range(BLANK_STANDARD_ROWS)]
    thresholds = [{"key": k, "label": label, "value": yuan(doc.get(k)) if in_yuan else str(doc.get(k, ""))}
                  for k, label, in_yuan in THRESHOLDS]
    offices = []
    for c in doc.get("areas") or []:
        offices.append({"code": c.get("code"), "name": c.get("name"), "office": c.get("office", "")})
        for t in c.get("townships") or []:
            offices.append({"code": t.get("code"), "name": t.get("name"), "office": t.get("office", "")})
    campaign = doc.get("campaign") or {}
    return {"reference_id": doc.get("reference_id", ""), "label_zh": (doc.get("label") or {}).get("zh", ""),
            "hotline": doc.get("hotline", ""), "standards": standards, "thresholds": thresholds, "offices": offices,
            "campaign_name": (campaign.get("name") or {}).get("zh", ""), "campaign_start": campaign.get("start", ""),
            "campaign_end": campaign.get("end", "") or "",
            "review_deadline_days": str(doc.get("review_deadline_days") or "")}


def document_from_form(base: dict, form: dict) -> dict:
    """The next version of the reference document: *base* with the posted fields applied."""
    doc = dict(base)
    doc["reference_id"] = str(form.get("reference_id") or "").strip()[:60] or base.get("reference_id") or "reference"
    doc["label"] = {"zh": str(form.get("label_zh") or "").strip()[:100], "en": (base.get("label") or {}).get("en", "")}
    doc.pop("demo", None)
    doc["hotline"] = str(form.get("hotline") or "").strip()[:30]
    for key, label, in_yuan in THRESHOLDS:
        raw = str(form.get(key) or "").strip()
        if in_yuan:
            doc[key] = to_fen(raw, label)
        else:
            if not raw.isdigit():
                raise errors.InvalidInput(f"{label}：应为正整数")
            doc[key] = int(raw)
    deadline = review_deadline(str(form.get("review_deadline_days") or ""))
    if deadline is None:
        doc.pop("review_deadline_days", None)
    else:
        doc["review_deadline_days"] = deadline
    doc["dibao_standards"] = _standards(form, base)
    offices = dict(zip(form.get("office_code[]", []), form.get("office_name[]", [])))
    areas = []
    for c in base.get("areas") or []:
        c = dict(c, office=offices.get(c.get("code"), c.get("office", "")).strip()[:60])
        c["townships"] = [dict(t, office=offices.get(t.get("code"), t.get("office", "")).strip()[:60])
                          for t in c.get("townships") or []]
        areas.append(c)
    doc["areas"] = areas
    name, start, end = (str(form.get(k) or "").strip() for k in ("campaign_name", "campaign_start", "campaign_end"))
    if name or start:
        doc["campaign"] = {"name": {"zh": name[:100], "en": ""}, "start": start, **({"end": end} if end else {})}
    else:
        doc.pop("campaign", None)
    return doc


def review_deadline(text: str) -> int | None:
    """The typed 审核期限 as whole days (1–365), None when left blank (no deadline: nothing is 审核超期)."""
    cleaned = unicodedata.normalize("NFKC", text).replace("天", "").strip()   # full-width ３０ from an IME is 30
    if not cleaned:
        return None
    if not (cleaned.isascii() and cleaned.isdigit()) or not 1 <= int(cleaned) <= REVIEW_DEADLINE_MAX_DAYS:
        raise errors.InvalidInput(f"{REVIEW_DEADLINE_LABEL}：“{text[:20]}”应为 1 至 {REVIEW_DEADLINE_MAX_DAYS} 之间的"
                                  "整数天数；不设期限请留空")
    return int(cleaned)


def _standards(form: dict, base: dict) -> list[dict]:
    """The posted dibao standard rows, each checked; InvalidInput listing every row's problem in Chinese."""
    counties = {c.get("code"): c for c in base.get("areas") or [] if isinstance(c, dict)}
    standards, problems, seen = [], [], {}
    rows = zip(*(form.get(f"{k}[]", []) for k in ("county_code", "area_type", "effective_from", "period", "amount")))
    for i, (county, area, start, period, amount) in enumerate(rows, 1):
        county, start, amount = county.strip(), start.strip(), amount.strip()
        if not (county or amount):
            continue
        where = f"低保标准第 {i} 行"
        if counties and county not in counties:
            problems.append(f"{where}：县代码“{county[:12]}”不是本县（应为 {'、'.join(sorted(counties))}）")
        if area not in ("urban", "rural"):
            problems.append(f"{where}：请选择城市或农村")
        try:
            date.fromisoformat(start)
        except ValueError:
            problems.append(f"{where}：生效日期应为“年-月-日”，如 2026-07-01")
        key = (county, area, start)
        if key in seen:
            problems.append(f"{where}与第 {seen[key]} 行重复（同一县、城乡、生效日期只能有一个标准）")
        seen.setdefault(key, i)
        try:
            fen = to_fen(amount, where) if amount else None
        except errors.InvalidInput as exc:
            problems.append(str(exc.detail))
            continue
        if not fen:
            problems.append(f"{where}：请填写大于 0 的金额")
            continue
        row = {"county_code": county, "area_type": area, "effective_from": start}
        row["annual_fen" if period == "annual" else "monthly_fen"] = fen
        standards.append(row)
    if not standards and not problems:
        problems.append("请至少填写一条低保标准（县、城市或农村、生效日期、金额）")
    for code, c in counties.items():
        kinds = {v.get("area_type") for t in c.get("townships") or [] for v in t.get("villages") or []}
        have = {s["area_type"] for s in standards if s["county_code"] == code}
        for kind, name in (("urban", "城市"), ("rural", "农村")):
            if standards and kind in kinds and kind not in have:
                problems.append(f"{c.get('name', code)}有{name}村（社区），请填写{name}低保标准")
    if problems:
        raise errors.InvalidInput("；".join(problems))
    return standards


def posted_values(base: dict, form: dict) -> dict:
    """What the form shows again after a refused preview: what was typed, nothing lost."""
    values = form_values(base)
    for key in ("reference_id", "label_zh", "hotline", "campaign_name", "campaign_start", "campaign_end",
                "review_deadline_days"):
        values[key] = str(form.get(key) or "")[:100]
    rows = zip(*(form.get(f"{k}[]", []) for k in ("county_code", "area_type", "effective_from", "period", "amount")))
    values["standards"] = [{"county_code": c, "area_type": a, "effective_from": e, "period": p, "amount": m}
                           for c, a, e, p, m in rows]
    for t in values["thresholds"]:
        t["value"] = str(form.get(t["key"]) or "")[:30]
    offices = dict(zip(form.get("office_code[]", []), form.get("office_name[]", [])))
    for o in values["offices"]:
        o["office"] = offices.get(o["code"], o["office"])
    return values


def changes_between(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(what, before, after) for the preview: the fields whose values differ."""
    out = []
    for key in ("reference_id", "hotline", *(k for k, _, _ in THRESHOLDS), "review_deadline_days"):
        if old.get(key) != new.get(key):
            out.append((key, str(old.get(key, "")), str(new.get(key, ""))))
    if old.get("dibao_standards") != new.get("dibao_standards"):
        out.append(("dibao_standards", f"{len(old.get('dibao_standards') or [])} 条", f"{len(new.get('dibao_standards') or [])} 条"))
    if old.get("areas") != new.get("areas"):
        out.append(("areas", "", "办公室名称有改动"))
    if old.get("campaign") != new.get("campaign"):
        out.append(("campaign", str((old.get("campaign") or {}).get("start", "")), str((new.get("campaign") or {}).get("start", ""))))
    return out
