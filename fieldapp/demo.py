"""Demo data: realistic FAKE households in the interchange format, deterministic by seed.

Every name is drawn at random from common characters; ID numbers use the demo county
code 990101 (outside GB/T 2260, so never a real person's number) with a valid check
character; places are the demo county's villages from ``forms/reference/demo.yaml``.
Fast enough for the 100,000-household benchmarks (one ``random.Random`` and plain dicts).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Iterator

from forms.idnumber import check_char
from forms.interchange import new_envelope

COUNTY_CODE = "990101"
# (village code, village name, urban/rural) — the demo villages of forms/reference/demo.yaml.
VILLAGES = (
    ("990101001001", "演示镇东街社区", "urban"),
    ("990101001002", "演示镇西街社区", "urban"),
    ("990101001201", "演示镇桃园村", "rural"),
    ("990101002201", "演示乡柳树村", "rural"),
    ("990101002202", "演示乡石桥村", "rural"),
    ("990101002203", "演示乡河湾村", "rural"),
)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
MALE_GIVEN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国志文博成东亮海峰"
FEMALE_GIVEN = "芳娜秀英敏静丽艳娟霞玲桂兰萍红梅燕琳凤洁雪慧莉倩婷颖琴云莲真环珍玉翠淑春月"
VISITORS = ("协理员甲", "协理员乙", "网格员丙", "民政干部丁")
STREET_PARTS = ("一组", "二组", "三组", "四组", "五组", "六组", "东巷", "西巷", "前街", "后街")


def fake_id_number(rng: random.Random, birth: dt.date, sex: str) -> str:
    """A valid-checksum ID number in the demo county (never a real person's)."""
    seq = rng.randrange(0, 500) * 2 + (1 if sex == "male" else 0)
    seq = max(seq, 1) if sex == "male" else seq
    first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def _cum(weights) -> list[int]:
    out, total = [], 0
    for w in weights:
        total += w
        out.append(total)
    return out


_HEALTH = (("healthy", "chronic", "serious_illness", "severe_disability"), _cum((60, 25, 8, 7)))
_MARITAL_SINGLE = (("widowed", "divorced", "unmarried"), _cum((60, 25, 15)))
_SELF_CARE = (("full", "partial", "none"), _cum((60, 30, 10)))
_SHAPES = (("single_elderly", "elderly_couple", "family", "single_parent", "three_generations", "orphan"),
           _cum((18, 14, 34, 12, 20, 2)))
_NEED_COUNT = ((0, 1, 2, 3), _cum((40, 35, 18, 7)))
_DISPOSITIONS = (("pending", "referred", "resolved", "resolved_on_site"), _cum((35, 30, 25, 10)))
_ASSETS = (("yes", "unknown", "no"), _cum((85, 10, 5)))
_MAIN_CATEGORIES = (("dibao_a", "dibao_b", "tekun_home", "tekun_institutional", "low_income", "poverty_alleviated",
                     "monitored", "other_difficulty"), _cum((34, 17, 8, 1, 24, 5, 7, 4)))


class _Maker:
    """State of one generator run."""

    def __init__(self, seed: int, visit_date: dt.date):
        self.rng = random.Random(seed)
        self.visit_date = visit_date
        self.today = visit_date  # the date of the visit being generated: ages are exact on it

    def pick(self, table) -> str:
        values, cum = table
        return self.rng.choices(values, cum_weights=cum)[0]

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def surname(self) -> str:
        r = self.rng
        return r.choice(COMPOUND_SURNAMES) if r.random() < 0.01 else r.choice(SURNAMES)

    def given(self, sex: str) -> str:
        pool = MALE_GIVEN if sex == "male" else FEMALE_GIVEN
        return "".join(self.rng.choice(pool) for _ in range(self.rng.choice((1, 2, 2))))

    def birth(self, age: int) -> dt.date:
        year = self.today.year - age
        day = self.rng.randrange(0, 365)
        born = dt.date(year, 1, 1) + dt.timedelta(days=day)
        # Keep the exact age on the visit date.
        if (self.today.month, self.today.day) < (born.month, born.day):
            born = dt.date(year - 1, born.month, min(born.day, 28))
        return born

    def member(self, relation: str, age: int, sex: str, surname: str) -> dict:
        r = self.rng
        born = self.birth(age)
        m = {
            "member_id": self.uuid(), "name": surname + self.given(sex), "id_number": fake_id_number(r, born, sex),
            "sex": sex, "birth_date": born.isoformat(), "relation": relation,
            "ethnicity": "汉族" if r.random() < 0.92 else r.choice(("回族", "满族", "蒙古族", "土家族", "苗族")),
            "marital_status": "unmarried" if age < 22 else self.pick(_MARITAL_SINGLE),
            "health": self.pick(_HEALTH),
            "disability_category": "none", "labour_capacity": "full", "self_care": "full",
            "has_income_source": "no", "staff_relative": "yes" if r.random() < 0.01 else "no",
        }
        if m["health"] == "serious_illness":
            m["illness_type"] = r.choice(("尿毒症", "恶性肿瘤", "脑卒中后遗症", "重症精神疾病"))
        if m["health"] == "severe_disability" or r.random() < 0.05:
            m["disability_category"] = r.choice(("vision", "hearing", "speech", "physical", "intellectual", "mental", "multiple"))
            m["disability_grade"] = 1 if m["health"] == "severe_disability" and r.random() < 0.5 else r.choice((1, 2, 3, 4))
        if age < 16:
            m["labour_capacity"], m["employment"] = "none", ("preschool" if age < 6 else "student")
            m["schooling"] = "preschool" if age < 6 else ("primary" if age < 12 else "junior")
            if r.random() < 0.01:
                m["child_flags"] = [r.choice(("no_guardian", "guardian_unable", "dropout", "no_hukou"))]
        elif age < 22 and r.random() < 0.7:
            m["employment"], m["schooling"] = "student", r.choice(("senior", "vocational_secondary", "vocational_college", "bachelor_plus"))
        elif age >= 60:
            m["employment"] = r.choice(("retired", "farming", "unable"))
            m["labour_capacity"] = r.choice(("partial", "none"))
            m["self_care"] = self.pick(_SELF_CARE)
        else:
            m["employment"] = r.choice(("employed", "flexible", "migrant", "farming", "registered_unemployed", "unregistered_unemployed"))
            m["has_income_source"] = "yes" if m["employment"] in ("employed", "flexible", "migrant", "farming") else "no"
        if m["health"] in ("serious_illness", "severe_disability"):
            m["labour_capacity"] = "none" if r.random() < 0.6 else "partial"
        return m

    def members(self) -> list[dict]:
        r = self.rng
        shape = self.pick(_SHAPES)
        surname = self.surname()
        head_sex = r.choice(("male", "male", "female"))
        other = "female" if head_sex == "male" else "male"
        out: list[dict] = []
        if shape == "orphan":
            age = r.randint(66, 85)
            out.append(self.member("head", age, head_sex, surname))
            out.append(self.member("grandchild", r.randint(4, 15), r.choice(("male", "female")), surname))
            return out, shape
        head_age = r.randint(60, 88) if shape in ("single_elderly", "elderly_couple") else r.randint(28, 58)
        out.append(self.member("head", head_age, head_sex, surname))
        if shape in ("elderly_couple", "family", "three_generations"):
            out.append(self.member("spouse", max(20, head_age + r.randint(-5, 5)), other, self.surname()))
        if shape in ("family", "single_parent", "three_generations"):
            for _ in range(r.randint(1, 3)):
                age = head_age - r.randint(20, 36)
                if age >= 0:
                    out.append(self.member("child", age, r.choice(("male", "female")), surname))
        if shape == "three_generations":
            parent_age = min(95, head_age + r.randint(22, 34))
            out.append(self.member("parent", parent_age, r.choice(("male", "female")), surname))
        out = out[:6]
        if any(m["relation"] == "spouse" for m in out):
            for m in out:
                if m["relation"] in ("head", "spouse"):
                    m["marital_status"] = "married"
        return out, shape

    def money(self, low_yuan: int, high_yuan: int) -> int:
        return self.rng.randint(low_yuan, high_yuan) * 100

    def household(self) -> dict:
        r = self.rng
        code, name, area = r.choice(VILLAGES)
        members, shape = self.members()
        cats = {self.pick(_MAIN_CATEGORIES)}
        if shape == "orphan":
            cats.add(r.choice(("orphan", "unsupported_child")))
        if members[0]["birth_date"] <= f"{self.today.year - 60}" and r.random() < 0.3:
            cats.add("elderly_hardship")
        if any(m.get("disability_grade") for m in members) and r.random() < 0.5:
            cats.add("disabled_hardship")
        cats = sorted(cats)
        incomes = []
        for m in members:
            if m["has_income_source"] == "yes":
                source = {"employed": "wages", "flexible": "wages", "migrant": "wages", "farming": "farming"}[m["employment"]]
                incomes.append({"source": source, "amount_fen": self.money(300, 2500), "note": ""})
        if any(m.get("employment") == "retired" for m in members):
            incomes.append({"source": "basic_resident_pension", "amount_fen": self.money(120, 300), "note": ""})
        expenses = []
        if any(m["health"] in ("serious_illness", "chronic") for m in members):
            expenses.append({"kind": "medical", "amount_fen": self.money(100, 1500)})
        if any(m.get("employment") == "student" for m in members) and r.random() < 0.5:
            expenses.append({"kind": "education", "amount_fen": self.money(100, 800)})
        benefits = []
        if any(c.startswith("dibao") for c in cats):
            benefits.append({"type": "dibao", "amount_fen": self.money(300, 700) * len(members), "period": "monthly",
                             "since": f"{r.randint(2016, 2025)}-{r.randint(1, 12):02d}-01", "department": "县民政局"})
        if any(m.get("disability_grade") in (1, 2) for m in members):
            benefits.append({"type": "severe_disability_care_subsidy", "amount_fen": self.money(90, 150), "period": "monthly",
                             "since": f"{r.randint(2016, 2025)}-01-01", "department": "县残联"})
        needs = []
        for _ in range(self.pick(_NEED_COUNT)):
            disposition = self.pick(_DISPOSITIONS)
            need = {"need_id": self.uuid(), "category": r.choice(("living", "medical", "housing", "education", "employment",
                                                                   "elderly_care", "heating", "mental_care", "legal_aid")),
                    "description": r.choice(("需要帮助", "申请救助", "房屋需修缮", "就医费用困难", "子女上学困难")),
                    "disposition": disposition, "history": []}
            if disposition == "referred":
                need["department"] = r.choice(("education", "hrss", "housing", "health", "medical_insurance", "disabled_federation"))
                need["referred_on"] = (self.today - dt.timedelta(days=r.randint(0, 60))).isoformat()
            needs.append(need)
        on_assistance = any(c.startswith(("dibao", "tekun")) for c in cats)
        head = members[0]
        return {
            "village_code": code, "area_type": area,
            "address": f"{name}{r.choice(STREET_PARTS)}{r.randint(1, 150)}号",
            "phone": f"1{r.choice('3578')}{r.randint(0, 999999999):09d}",
            "hukou_type": "agricultural" if area == "rural" else "non_agricultural",
            "categories": cats, "hardship_causes": sorted(set(r.choices(
                ("disability", "serious_illness", "lonely_elderly", "single_parent", "disaster", "orphan", "other"), k=r.choice((1, 2))))),
            "registered_poverty": "yes" if "poverty_alleviated" in cats else "no",
            "members": members, "supporters": [], "incomes": incomes, "expenses": expenses,
            "housing_type": r.choice(("owned", "self_built", "public_rental", "private_rental", "borrowed")),
            "housing_count": 1, "housing_area_m2": r.randint(20, 120),
            "land_mu": f"{r.randint(0, 8)}.{r.choice('05')}" if area == "rural" else "0", "land_kind": "contracted",
            "livestock": [{"kind": "猪", "head": r.randint(1, 4)}] if area == "rural" and r.random() < 0.3 else [],
            "vehicles": [{"kind": "motorcycle", "exempt": "yes"}] if r.random() < 0.2 else [],
            "business_role": "none", "savings_fen": self.money(0, 20000), "assets_meet_rules": self.pick(_ASSETS),
            "utility_water_fen": self.money(10, 60), "utility_electricity_fen": self.money(30, 200),
            "utility_gas_fen": self.money(0, 80), "utility_telecom_fen": self.money(20, 100),
            "private_school": "no", "overseas_travel": "no", "benefits": benefits, "needs": needs,
            **({"last_verified": None} if on_assistance else {}),
            **({"income_rise_reason": "none"} if any(c.startswith("dibao") for c in cats) else {}),
            "major_event_within_year": "yes" if r.random() < 0.05 else "no",
            "refused_within_year": "yes" if r.random() < 0.02 else "no",
            "_representative": head["name"],
        }

    def visit(self) -> dict:
        r = self.rng
        date = self.today = self.visit_date - dt.timedelta(days=r.randint(0, 40))
        hh = self.household()
        representative = hh.pop("_representative")
        if "last_verified" in hh:  # only asked of households on assistance (R7); never after the visit
            hh["last_verified"] = (date - dt.timedelta(days=r.randint(0, 400))).isoformat()
        answers = {
            "visit_date": date.isoformat(), "visit_time": f"{r.randint(8, 17):02d}:{r.choice(('00', '15', '30', '45'))}",
            "visitors": r.sample(VISITORS, 2), "representative": representative, "remarks": "", **hh,
        }
        at = f"{date.isoformat()}T{r.randint(0, 9):02d}:{r.randint(0, 59):02d}:00+00:00"
        return new_envelope(self.uuid(), self.uuid(), "final" if r.random() < 0.85 else "draft", answers,
                            form_id="four_clarifications", form_version=1,
                            meta={"created_at": at, "created_by": answers["visitors"][0], "updated_at": at,
                                  "updated_by": answers["visitors"][0], "revision": 0})


def generate(count: int, seed: int = 2026, visit_date: dt.date = dt.date(2026, 5, 12)) -> Iterator[dict]:
    """Yield *count* fake household visits (interchange format), the same ones for the same seed."""
    maker = _Maker(seed, visit_date)
    for _ in range(count):
        yield maker.visit()


demo_visits = generate
