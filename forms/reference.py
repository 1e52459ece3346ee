"""Reference data: dibao standards, thresholds, hotline, offices and places (R2, R8, R9).

A YAML (or JSON) document set by county civil affairs; the clearly labelled demo set is
``forms/reference/demo.yaml``. The format is described in docs/forms.md. Money is integer
fen; a rural standard published per year (``annual_fen``) is divided by 12, half-up.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from forms.errors import MissingStandardError, ReferenceDataError, ReferenceFileNotFoundError
from forms.money import div_half_up
from forms.places import is_village_code, township_of
from forms.yamltext import safe_load

__all__ = ["DEMO_PATH", "DibaoStandard", "Village", "Township", "County", "Reference", "load_reference", "reference_from_dict"]

DEMO_PATH = Path(__file__).resolve().parent / "reference" / "demo.yaml"
AREA_TYPES = ("urban", "rural")


@dataclass(frozen=True)
class Campaign:
    """The current special campaign (专项行动): visits from ``start`` on count towards its coverage."""

    name_zh: str
    name_en: str
    start: _dt.date
    end: _dt.date | None


@dataclass(frozen=True)
class DibaoStandard:
    """One published dibao standard: yuan per person per month, as fen, from a date on."""

    county_code: str
    area_type: str
    effective_from: _dt.date
    monthly_fen: int
    annual_fen: int | None = None  # when published per year (rural); monthly_fen = annual / 12 half-up


@dataclass(frozen=True)
class Village:
    """A village or community (村/社区) with its 12-digit code."""

    code: str
    name: str
    area_type: str
    township_code: str
    county_code: str


@dataclass(frozen=True)
class Township:
    """A township or street office (乡镇/街道) with its villages."""

    code: str
    name: str
    office: str
    villages: tuple


@dataclass(frozen=True)
class County:
    """A county (县/区) with its civil-affairs office name and townships."""

    code: str
    name: str
    office: str
    townships: tuple


@dataclass(frozen=True, eq=False)
class Reference:
    """A loaded reference-data document."""

    reference_id: str
    demo: bool
    label_zh: str
    label_en: str
    standards: tuple
    temp_assistance_multiplier: int
    county_approval_limit_fen: int
    savings_threshold_fen: int
    utility_threshold_fen: int
    hotline: str
    counties: tuple
    source: str = ""
    campaign: Campaign | None = None
    letters_require_approval: bool = False     # print visit-result / referral letters only for approved visits
    _villages: dict = field(default_factory=dict, repr=False)
    version: int | None = None  # version of the published document (None: read from a file)
    review_deadline_days: int | None = None   # days a finished visit may wait for 审核 (None: no deadline set)

    @classmethod
    def none(cls) -> "Reference":
        """No reference data at all (nothing published yet): no standards, no places, no hotline."""
        return cls(reference_id="", demo=False, label_zh="尚未收到参考数据", label_en="no reference data yet",
                   standards=(), temp_assistance_multiplier=0, county_approval_limit_fen=0, savings_threshold_fen=None,
                   utility_threshold_fen=None, hotline="", counties=(), source="")  # no thresholds: R9 skips them

    @property
    def is_empty(self) -> bool:
        """True when no reference document stands behind this (:meth:`none`, perhaps with published area names)."""
        return not self.standards and not self.reference_id

    def standard(self, county_code: str, area_type: str, on_date: _dt.date) -> DibaoStandard:
        """The standard in force for *county_code* / *area_type* on *on_date* (latest start ≤ date).

        :raises MissingStandardError: none published for that county, area type and date.
        """
        best = None
        for s in self.standards:
            if s.county_code == county_code and s.area_type == area_type and s.effective_from <= on_date:
                if best is None or s.effective_from > best.effective_from:
                    best = s
        if best is None:
            raise MissingStandardError(county_code, area_type, on_date.isoformat())
        return best

    def village(self, code: str) -> Village | None:
        """The village with 12-digit *code*, or None when the document does not list it."""
        return self._villages.get(code)

    def villages(self) -> list:
        """Every village listed, in document order."""
        return list(self._villages.values())

    def county(self, code: str) -> County | None:
        """The county with 6-digit *code*, or None."""
        return next((c for c in self.counties if c.code == code), None)

    def township(self, code: str) -> Township | None:
        """The township with 9-digit *code*, or None."""
        for c in self.counties:
            for t in c.townships:
                if t.code == code:
                    return t
        return None


def load_reference(path=None) -> Reference:
    """Load reference data from *path* (YAML or JSON); None loads the labelled demo set.

    :raises ReferenceFileNotFoundError: the file is missing or unreadable.
    :raises ReferenceDataError: the document is malformed (every problem listed).
    """
    target = Path(path) if path is not None else DEMO_PATH
    try:
        stat = target.stat()
    except OSError as exc:
        raise ReferenceFileNotFoundError(str(target), f"cannot read file: {exc.strerror}") from None
    return _load_cached(str(target.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load_cached(path: str, _mtime: int, _size: int) -> Reference:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ReferenceFileNotFoundError(path, f"cannot read file: {exc.strerror}") from None
    try:
        document = json.loads(text) if path.endswith(".json") else safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ReferenceDataError(Path(path).name, [f"not valid YAML/JSON: {exc}"]) from None
    return reference_from_dict(document, source=Path(path).name)


def reference_from_dict(document, source: str = "<reference>") -> Reference:
    """Check a parsed reference document and build a :class:`Reference` (all problems listed).

    :raises ReferenceDataError: anything missing or malformed.
    """
    problems: list[str] = []
    if not isinstance(document, dict):
        raise ReferenceDataError(source, ["the document must be a mapping"])

    def integer(key, minimum=0):
        value = document.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            problems.append(f"{key}: missing or not an integer ≥ {minimum}")
            return 0
        return value

    label = document.get("label") or {}
    standards = []
    raw_standards = document.get("dibao_standards")
    if not isinstance(raw_standards, list) or not raw_standards:
        problems.append("dibao_standards: missing or empty")
        raw_standards = []
    seen = set()
    for i, raw in enumerate(raw_standards):
        where = f"dibao_standards[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        county = str(raw.get("county_code", ""))
        area = raw.get("area_type")
        start = raw.get("effective_from")
        if isinstance(start, str):
            try:
                start = _dt.date.fromisoformat(start)
            except ValueError:
                start = None
        if not (len(county) == 6 and county.isdigit()):
            problems.append(f"{where}.county_code: must be 6 digits")
        if area not in AREA_TYPES:
            problems.append(f"{where}.area_type: must be urban or rural")
        if not isinstance(start, _dt.date) or isinstance(start, _dt.datetime):
            problems.append(f"{where}.effective_from: must be a date YYYY-MM-DD")
            continue
        monthly, annual = raw.get("monthly_fen"), raw.get("annual_fen")
        if (monthly is None) == (annual is None):
            problems.append(f"{where}: give exactly one of monthly_fen or annual_fen")
            continue
        amount = monthly if monthly is not None else annual
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            problems.append(f"{where}: the amount must be a positive integer number of fen")
            continue
        if (county, area, start) in seen:
            problems.append(f"{where}: two standards for {county} {area} from {start}")
        seen.add((county, area, start))
        monthly_fen = monthly if monthly is not None else div_half_up(annual, 12)
        standards.append(DibaoStandard(county, area, start, monthly_fen, annual))

    counties, villages = _areas(document.get("areas") or [], problems)
    campaign = _campaign(document.get("campaign"), problems)
    letters_require_approval = document.get("letters_require_approval", False)
    if not isinstance(letters_require_approval, bool):
        problems.append("letters_require_approval: must be true or false")
    review_deadline = document.get("review_deadline_days")
    if review_deadline is not None and (not isinstance(review_deadline, int) or isinstance(review_deadline, bool)
                                        or review_deadline < 1):
        problems.append("review_deadline_days: must be a whole number of days ≥ 1")
        review_deadline = None
    hotline = str(document.get("hotline", "")).strip()
    if not hotline:
        problems.append("hotline: missing")
    ref = Reference(
        reference_id=str(document.get("reference_id", source)),
        demo=bool(document.get("demo", False)),
        label_zh=str(label.get("zh", "")) if isinstance(label, dict) else "",
        label_en=str(label.get("en", "")) if isinstance(label, dict) else "",
        standards=tuple(standards),
        temp_assistance_multiplier=integer("temp_assistance_multiplier", 1),
        county_approval_limit_fen=integer("county_approval_limit_fen", 1),
        savings_threshold_fen=integer("savings_threshold_fen"),
        utility_threshold_fen=integer("utility_threshold_fen"),
        hotline=hotline,
        counties=tuple(counties),
        source=source,
        campaign=campaign,
        letters_require_approval=letters_require_approval is True,
        _villages=villages,
        review_deadline_days=review_deadline,
    )
    if problems:
        raise ReferenceDataError(source, problems)
    return ref


def _date(value):
    """A date from YAML (already a date) or an ISO string; None when it is neither."""
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime) else None


def _campaign(raw, problems: list) -> Campaign | None:
    """The optional ``campaign`` section: name (zh/en), start and optional end date."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append("campaign: must be a mapping with name, start and end")
        return None
    name = raw.get("name") if isinstance(raw.get("name"), dict) else {}
    start, end = _date(raw.get("start")), _date(raw.get("end")) if raw.get("end") is not None else None
    if start is None:
        problems.append("campaign.start: must be a date YYYY-MM-DD")
        return None
    if raw.get("end") is not None and end is None:
        problems.append("campaign.end: must be a date YYYY-MM-DD")
        return None
    if end is not None and end < start:
        problems.append("campaign.end: before campaign.start")
        return None
    return Campaign(str(name.get("zh", "")), str(name.get("en", "")), start, end)


def _areas(raw, problems: list) -> tuple:
    counties, villages = [], {}
    if not isinstance(raw, list):
        problems.append("areas: must be a list of counties")
        return counties, villages
    for i, c in enumerate(raw):
        where = f"areas[{i}]"
        if not isinstance(c, dict) or not (len(str(c.get("code", ""))) == 6 and str(c.get("code")).isdigit()):
            problems.append(f"{where}.code: a county needs a 6-digit code")
            continue
        townships = []
        townships_raw = c.get("townships") or []
        if not isinstance(townships_raw, list):
            problems.append(f"{where}.townships: must be a list")
            townships_raw = []
        for j, t in enumerate(townships_raw):
            tw = f"{where}.townships[{j}]"
            tcode = str(t.get("code", "")) if isinstance(t, dict) else ""
            if not (len(tcode) == 9 and tcode.startswith(str(c["code"]))):
                problems.append(f"{tw}.code: a township code is the county code + 3 digits")
                continue
            vs = []
            villages_raw = t.get("villages") or []
            if not isinstance(villages_raw, list):
                problems.append(f"{tw}.villages: must be a list")
                villages_raw = []
            for k, v in enumerate(villages_raw):
                vw = f"{tw}.villages[{k}]"
                vcode = str(v.get("code", "")) if isinstance(v, dict) else ""
                if not (is_village_code(vcode) and township_of(vcode) == tcode):
                    problems.append(f"{vw}.code: a village code is the township code + 3 digits")
                    continue
                if v.get("area_type") not in AREA_TYPES:
                    problems.append(f"{vw}.area_type: must be urban or rural")
                    continue
                village = Village(vcode, str(v.get("name", "")), v["area_type"], tcode, str(c["code"]))
                vs.append(village)
                villages[vcode] = village
            townships.append(Township(tcode, str(t.get("name", "")), str(t.get("office", "")), tuple(vs)))
        counties.append(County(str(c["code"]), str(c.get("name", "")), str(c.get("office", "")), tuple(townships)))
    return counties, villages
