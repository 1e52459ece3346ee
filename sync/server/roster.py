"""The target roster (花名册): every row checked with its row number, rows grouped into households.

Pure functions over a :class:`~sync.server.roster_read.Sheet`: :func:`check_roster` says what each
row is and what is wrong with it (a :class:`RowProblem` per fault, with a specific ``code``), and
groups the accepted rows into :class:`RosterHousehold` s. Storing them is
:mod:`sync.server.roster_import`; nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from forms.errors import IdNumberError, InvalidAmountError
from forms.idnumber import from_cell
from forms.money import yuan_to_fen
from sync.server.roster_read import FIELD_LABELS_ZH, Sheet
from forms.places import township_of

ERROR, WARNING = "error", "warning"
RELATIONS = {"户主": "head", "本人": "head", "配偶": "spouse", "妻": "spouse", "夫": "spouse", "妻子": "spouse",
             "丈夫": "spouse", "子女": "child", "子": "child", "女": "child", "儿子": "child", "女儿": "child",
             "长子": "child", "次子": "child", "长女": "child", "次女": "child", "父母": "parent", "父亲": "parent",
             "母亲": "parent", "儿媳": "child_in_law", "女婿": "child_in_law", "儿媳/女婿": "child_in_law",
             "兄弟姐妹": "sibling", "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling",
             "祖父母": "grandparent", "外祖父母": "grandparent", "(外)祖父母": "grandparent", "祖父": "grandparent",
             "祖母": "grandparent", "孙子女": "grandchild", "(外)孙子女": "grandchild", "孙子": "grandchild",
             "孙女": "grandchild", "外孙": "grandchild", "外孙女": "grandchild", "其他": "other"}
BENEFIT_OF = {"dibao_a": "dibao", "dibao_b": "dibao", "tekun_institutional": "tekun", "tekun_home": "tekun",
              "low_income": "low_income", "orphan": "orphan_allowance", "unsupported_child": "orphan_allowance"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NAMESPACE = uuid.UUID("6f1c3a52-9d0e-4b8e-8f57-2c1d5b0a7e11")   # member ids stable across re-imports
_SPACE = re.compile(r"\s")
_CATEGORY_SEPARATORS = re.compile(r"[、,，;；/／|\s]+|和")


@dataclass(frozen=True)
class RowProblem:
    """One fault of one row: ``{"row", "column", "severity", "code", "message_zh"}``."""

    row: int
    column: str
    severity: str
    code: str
    message_zh: str

    def as_dict(self) -> dict:
        """As ``--json`` prints it."""
        return {"row": self.row, "column": self.column, "severity": self.severity, "code": self.code,
                "message_zh": self.message_zh}


@dataclass
class RosterHousehold:
    """One household as the roster describes it (key = household number, else the head's ID number)."""

    key: str
    household_no: str = ""
    village_code: str = ""
    area_type: str = ""
    address: str = ""
    phone: str = ""
    categories: list = field(default_factory=list)
    amount_fen: int | None = None
    stated_size: int | None = None
    head_id: str = ""
    members: list = field(default_factory=list)   # {"name", "id_number", "relation", "row"}
    rows: list = field(default_factory=list)

    def fields(self, campaign: str, since: str) -> dict:
        """The household record's fields the roster owns (members keep stable ids across imports)."""
        members = [{"member_id": str(uuid.uuid5(NAMESPACE, m["id_number"])), "name": m["name"],
                    "id_number": m["id_number"], "relation": m["relation"]} for m in self.members]
        out = {"village_code": self.village_code, "members": members, "categories": sorted(self.categories)}
        if self.area_type:
            out["area_type"] = self.area_type
        if self.address:
            out["address"] = self.address
        if self.phone:
            out["phone"] = self.phone
        if self.amount_fen is not None:
            kind = next((BENEFIT_OF[c] for c in sorted(self.categories) if c in BENEFIT_OF), "other")
            out["benefits"] = [{"type": kind, "amount_fen": self.amount_fen, "period": "monthly"}]
        out["roster"] = {"campaign": campaign, "since": since, "key": self.key, "household_no": self.household_no,
                         "stated_size": self.stated_size, "closed": False}
        return out


@dataclass
class RosterCheck:
    """What the checks made of a sheet."""

    households: list
    problems: list
    rejected_rows: list
    rows: int
    layout: str          # per_member | per_household
    header_row: int


@dataclass
class Villages:
    """The county's villages as the server knows them: by code, and by (township name, village name)."""

    by_code: dict        # code → {"code", "name", "area_type", "township_name"}
    by_name: dict        # village name → [codes]

    @classmethod
    def from_areas(cls, areas: list[dict]) -> "Villages":
        """From ``Storage.list_areas()`` rows."""
        names = {a["code"]: a["name"] for a in areas}
        by_code, by_name = {}, {}
        for a in areas:
            if a["level"] == "village":
                by_code[a["code"]] = dict(a, township_name=names.get(township_of(a["code"]), ""))
                by_name.setdefault(_fold(a["name"]), []).append(a["code"])
        return cls(by_code, by_name)

    def find(self, code, name, township) -> str | None:
        """The village code a row names, by its code or else its (unambiguous) name."""
        text = _text(code)
        if text:
            return text if text in self.by_code else None
        codes = self.by_name.get(_fold(name), []) if _text(name) else []
        if len(codes) > 1 and _text(township):
            codes = [c for c in codes if _fold(self.by_code[c]["township_name"]) == _fold(township)]
        return codes[0] if len(codes) == 1 else None


def _fold(value) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(value or "")))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not unicodedata.is_normalized("NFKC", text):   # full-width digits and brackets folded; most cells already are
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


def categories_of(text) -> tuple[list[str], str, list[str]]:
    """Category codes, the urban/rural hint and the parts that map to no code, from text like 城市低保A类、残疾."""
    codes, area, unknown = [], "", []
    for part in _CATEGORY_SEPARATORS.split(_text(text)):
        if not part:
            continue
        if part.startswith(("城市", "城镇")):
            area = "urban"
        elif part.startswith("农村"):
            area = "rural"
        got = _category(part.upper())
        if got:
            codes.append(got)
        else:
            unknown.append(part)
    return sorted(set(codes)), area, unknown


def _category(part: str) -> str | None:
    if "低保" in part:
        return "dibao_b" if "B" in part or "乙" in part else "dibao_a"
    if "特困" in part or "五保" in part:
        return "tekun_institutional" if "集中" in part else "tekun_home"
    for word, code in (("事实无人抚养", "unsupported_child"), ("孤儿", "orphan"), ("低收入", "low_income"),
                       ("低边", "low_income"), ("残疾", "disabled_hardship"), ("老年", "elderly_hardship"),
                       ("老人", "elderly_hardship"), ("脱贫", "poverty_alleviated"), ("兜底", "poverty_alleviated"),
                       ("监测", "monitored"), ("其他困难", "other_difficulty"), ("困难家庭", "other_difficulty")):
        if word in part:
            return code
    return None


def amount_fen(value) -> int:
    """A roster amount (1800, 1800.5, "1,800.00", "¥1200", "1200元") as integer fen.

    :raises InvalidAmountError: not an amount of money
    """
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
    return yuan_to_fen(value)


def _formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


class _Row:
    """One row's values and the faults found in it."""

    def __init__(self, number: int, cells: list, sheet: Sheet, problems: list):
        self.number, self.cells, self.sheet, self.problems = number, cells, sheet, problems
        self.rejected = False

    def raw(self, name: str):
        return self.sheet.value(self.cells, name)

    def fault(self, name: str, severity: str, code: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, FIELD_LABELS_ZH.get(name, name), severity, code, message))
        if severity == ERROR:
            self.rejected = True

    def text(self, name: str) -> str:
        value = self.raw(name)
        if _formula(value) and not (name == "phone" and re.fullmatch(r"\+?[\d\- ]+", str(value))):
            self.fault(name, ERROR, "formula_text", f"“{str(value)[:20]}”以 = + - @ 开头，会被表格当作公式，请删去开头符号或改为文字")
            return ""
        return _text(value)

    def id_number(self, name: str) -> str:
        value = self.raw(name)
        if value is None or _text(value) == "":
            self.fault(name, ERROR, "id_missing", "身份证号为空")
            return ""
        if _formula(value):
            self.fault(name, ERROR, "formula_text", "身份证号一栏是公式或以 = + - @ 开头，请填写身份证号本身")
            return ""
        try:
            number, notes = from_cell(value)
        except IdNumberError as exc:
            self.fault(name, ERROR, exc.code, exc.message_zh)
            return ""
        if "converted_15" in notes:
            self.fault(name, WARNING, "id_converted_15", f"15 位旧身份证号已转换为 18 位：{number}")
        return number


def check_roster(sheet: Sheet, villages: Villages, known_people: dict[str, str] | None = None,
                 household_of_key: dict[str, str] | None = None) -> RosterCheck:
    """Check every row and group the accepted ones into households.

    :param known_people: ID number → household id of every person already on the server
    :param household_of_key: roster key → household id of this campaign's earlier imports (a person
        already in the household the roster row updates is not "in another household")
    """
    known_people, household_of_key = known_people or {}, household_of_key or {}
    per_member = "member_name" in sheet.columns and ("head_id" in sheet.columns or "household_no" in sheet.columns)
    problems: list[RowProblem] = []
    households: dict[str, RosterHousehold] = {}
    pending_members: list[tuple[str, _Row, dict]] = []
    seen_ids: dict[str, int] = {}
    rejected: set[int] = set()
    for number, cells in sheet.rows:
        row = _Row(number, cells, sheet, problems)
        if per_member:
            name, relation_text = row.text("member_name"), row.text("relation")
            own = "member_id" if "member_id" in sheet.columns and (_text(row.raw("member_id")) or relation_text != "户主") else "head_id"
            person_id = row.id_number(own)
            if own == "head_id" or _text(row.raw("head_id")) == _text(row.raw(own)):
                head_id = person_id
            else:
                head_id = row.id_number("head_id") if "head_id" in sheet.columns and _text(row.raw("head_id")) else ""
            household_no = row.text("household_no")
            # a text already in RELATIONS has no space or full-width bracket left to fold (it is NFKC already)
            relation = RELATIONS.get(relation_text) or RELATIONS.get(_fold(relation_text).replace("（", "(").replace("）", ")"))
            is_head = relation == "head" or (bool(head_id) and head_id == person_id and not relation_text)
            if relation_text and relation is None:
                row.fault("relation", WARNING, "relation_unknown", f"与户主关系“{relation_text}”无法识别，记为“其他”")
            relation = "head" if is_head else (relation if relation and relation != "head" else "other")
            key = household_no or head_id or (person_id if is_head else "")
            if not key and not row.rejected:
                row.fault("head_id", ERROR, "head_id_missing", "缺少户主身份证号（或户编号），无法确定属于哪一户")
        else:
            name, person_id = row.text("head_name") or row.text("member_name"), row.id_number(
                "head_id" if "head_id" in sheet.columns else "member_id")
            relation, is_head, household_no = "head", True, row.text("household_no")
            key = household_no or person_id
        if not name:
            row.fault("member_name" if per_member else "head_name", ERROR, "name_missing", "姓名为空")
        if person_id:
            if person_id in seen_ids:
                row.fault("member_id", ERROR, "person_duplicate", f"同一人在文件中出现两次（第 {seen_ids[person_id]} 行已有此身份证号）")
            else:
                seen_ids[person_id] = number
        member = {"name": name, "id_number": person_id, "relation": relation, "row": number}
        if is_head:
            household = _household_of(row, key, household_no, person_id, villages)
            if row.rejected:
                rejected.add(number)
                continue
            if key in households:
                row.fault("head_id", ERROR, "head_duplicate", "这一户已经有户主（同一户编号或户主身份证号出现了两个户主）")
                rejected.add(number)
                continue
            household.members.append(member)
            household.rows.append(number)
            households[key] = household
        else:
            if row.rejected:
                rejected.add(number)
                continue
            pending_members.append((key, row, member))
    for key, row, member in pending_members:
        household = households.get(key)
        if household is None:
            row.fault("head_id", ERROR, "head_missing", "这名成员的户主不在文件中（或户主那一行有错被拒收）")
            rejected.add(row.number)
            continue
        household.members.append(member)
        household.rows.append(row.number)
    for household in list(households.values()):
        mine = household_of_key.get(household.key) or known_people.get(household.head_id)
        for m in list(household.members):
            other = known_people.get(m["id_number"])
            if other and other != mine:
                problems.append(RowProblem(m["row"], FIELD_LABELS_ZH["member_id"], ERROR, "person_in_other_household",
                                           "此人已在服务器上的另一户中登记，请核实后再导入"))
                rejected.add(m["row"])
                household.members.remove(m)
                household.rows.remove(m["row"])
        if not any(m["relation"] == "head" for m in household.members):
            for m in household.members:
                problems.append(RowProblem(m["row"], FIELD_LABELS_ZH["head_id"], ERROR, "head_missing",
                                           "这名成员的户主不在文件中（或户主那一行有错被拒收）"))
                rejected.add(m["row"])
            del households[household.key]
            continue
        if household.stated_size is not None and per_member and household.stated_size != len(household.members):
            problems.append(RowProblem(min(household.rows), FIELD_LABELS_ZH["household_size"], WARNING,
                                       "household_size_mismatch",
                                       f"家庭人口填写为 {household.stated_size}，文件中有 {len(household.members)} 名成员"))
    problems.sort(key=lambda p: (p.row, p.severity != ERROR, p.code))
    return RosterCheck(households=list(households.values()), problems=problems, rejected_rows=sorted(rejected),
                       rows=len(sheet.rows), layout="per_member" if per_member else "per_household",
                       header_row=sheet.header_row)


def _household_of(row: _Row, key: str, household_no: str, head_id: str, villages: Villages) -> RosterHousehold:
    """The household-level columns of a head's row, checked."""
    h = RosterHousehold(key=key, household_no=household_no, head_id=head_id)
    code = villages.find(row.text("village_code"), row.text("village_name"), row.text("township_name"))
    if code is None:
        shown = _text(row.raw("village_code")) or _text(row.raw("village_name"))
        row.fault("village_code" if "village_code" in row.sheet.columns else "village_name", ERROR, "village_unknown",
                  f"村（社区）“{shown}”不在本县的区划中（或同名村不止一个，请填写村代码）" if shown else "缺少村（社区）")
    else:
        h.village_code = code
        h.area_type = villages.by_code[code].get("area_type") or ""
    cats, area, unknown = categories_of(row.text("category"))
    if unknown:
        row.fault("category", ERROR, "category_unknown", f"救助类别“{'、'.join(unknown)}”对应不到任何类别代码")
    h.categories = cats
    if area and not h.area_type:
        h.area_type = area
    h.address, h.phone = row.text("address"), row.text("phone")
    raw_amount = row.raw("amount")
    if raw_amount is not None and _text(raw_amount):
        try:
            h.amount_fen = amount_fen(raw_amount)
        except InvalidAmountError:
            row.fault("amount", ERROR, "amount_invalid", f"保障金额“{_text(raw_amount)[:20]}”不是金额（例如 1800 或 1,800.00）")
    raw_size = _text(row.raw("household_size"))
    if raw_size:
        if raw_size.isdigit() and 0 < int(raw_size) < 100:
            h.stated_size = int(raw_size)
        else:
            row.fault("household_size", WARNING, "household_size_invalid", f"家庭人口“{raw_size[:10]}”不是人数，已忽略")
    return h
