"""Realistic interchange visits (``fieldapp.visit``) for the printouts tests; all names are fake."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import uuid

import pytest

from tests.pdftext import pdf_text  # noqa: F401  (the printouts tests import it from here)


VILLAGE = "990101001201"  # demo reference: 演示县 演示镇 桃园村 (rural)


def check_char(first17: str) -> str:
    """GB 11643-1999 check character, computed here independently of forms/ (a test oracle)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def id_number(area: str, born: str, seq: int) -> str:
    """A valid 18-character ID number for a birth date YYYYMMDD and sequence (odd = male)."""
    first17 = f"{area}{born}{seq:03d}"
    return first17 + check_char(first17)


def _member(name, relation, born, seq, **extra):
    m = {
        "member_id": str(uuid.uuid5(uuid.NAMESPACE_OID, name + born)),
        "name": name,
        "id_number": id_number("990101", born, seq),
        "relation": relation,
        "ethnicity": "汉族",
        "marital_status": "married" if relation in ("head", "spouse") else "unmarried",
        "health": "healthy",
        "disability_category": "none",
        "labour_capacity": "full",
        "employment": "farming",
        "schooling": "not_in_school",
        "self_care": "full",
        "has_income_source": "yes",
        "staff_relative": "no",
    }
    m.update(extra)
    return m


def base_visit() -> dict:
    """A four-member rural dibao household with income, expenses, benefits and two needs."""
    return {
        "format": "fieldapp.visit",
        "format_version": 1,
        "form_id": "four_clarifications",
        "form_version": 1,
        "household_id": "7d1c2f4e-6b1a-4c55-9a0e-0d5b3a1f2c01",
        "visit_id": "a3f0b6d2-1c2e-4f7a-8b9c-2e4d6f8a0b12",
        "status": "final",
        "answers": {
            "visit_date": "2026-05-12",
            "visit_time": "09:30",
            "visitors": ["测试员甲", "测试员乙"],
            "representative": "王建国",
            "remarks": "户主腿部旧伤，行动不便。",
            "village_code": VILLAGE,
            "area_type": "rural",
            "address": "演示县演示镇桃园村三组 17 号",
            "phone": "13800000000",
            "hukou_type": "agricultural",
            "categories": ["dibao_b"],
            "hardship_causes": ["serious_illness"],
            "registered_poverty": "no",
            "members": [
                _member("王建国", "head", "19680304", 131, health="chronic", labour_capacity="partial"),
                _member("李秀英", "spouse", "19700915", 242, health="serious_illness", illness_type="尿毒症",
                        labour_capacity="none", employment="unable", has_income_source="no"),
                _member("王小明", "child", "20120601", 315, employment="student", schooling="primary",
                        labour_capacity="none", has_income_source="no", marital_status="unmarried"),
                _member("王芳", "child", "19980220", 406, employment="migrant"),
            ],
            "supporters": [],
            "incomes": [
                {"source": "wages", "amount_fen": 180000, "note": "外出务工"},
                {"source": "farming", "amount_fen": 25050},
                {"source": "basic_resident_pension", "amount_fen": 15300},
            ],
            "expenses": [{"kind": "medical", "amount_fen": 120000}, {"kind": "education", "amount_fen": 20000}],
            "housing_type": "self_built",
            "housing_count": 1,
            "housing_area_m2": 86,
            "land_mu": "3.5",
            "land_kind": "contracted",
            "livestock": [{"kind": "羊", "head": 4}],
            "vehicles": [{"kind": "motorcycle", "exempt": "yes"}],
            "business_role": "none",
            "savings_fen": 350000,
            "assets_meet_rules": "yes",
            "utility_water_fen": 2000,
            "utility_electricity_fen": 6500,
            "utility_gas_fen": 0,
            "utility_telecom_fen": 5000,
            "private_school": "no",
            "overseas_travel": "no",
            "benefits": [
                {"type": "dibao", "amount_fen": 62000, "period": "monthly", "since": "2024-03-01", "department": "演示县民政局"},
                {"type": "medical", "amount_fen": 850000, "period": "one_off", "since": "2025-11-20", "department": "演示县医疗保障局"},
            ],
            "needs": [
                {"need_id": "5b0c7a1e-8f3d-4e2b-9a6c-1d2e3f4a5b6c", "category": "medical",
                 "description": "透析费用负担重，希望了解大病保险二次报销。", "disposition": "referred",
                 "department": "medical_insurance", "referred_on": "2026-05-13", "outcome": "", "history": []},
                {"need_id": "6c1d8b2f-9a4e-4f3c-8b7d-2e3f4a5b6c7d", "category": "education",
                 "description": "孩子上学交通不便。", "disposition": "pending", "history": []},
            ],
            "income_rise_reason": "none",
            "last_verified": "2025-11-20",
            "major_event_within_year": "yes",
            "refused_within_year": "no",
        },
        "meta": {"created_at": "2026-05-12T01:30:00+00:00", "created_by": "tester", "revision": 3},
    }


GIVEN = "子轩浩然梓涵一诺欣怡雨桐宇航思远佳怡俊杰"


def big_visit(n_members: int = 12) -> dict:
    """A household of *n_members* (adults and minors) with a very long address and long names."""
    visit = base_visit()
    a = visit["answers"]
    a["address"] = ("演示县演示镇桃园村第三村民小组幸福家园安置小区二期东区十七号楼三单元五层五零二室"
                    "（原桃园村老宅院拆迁安置，门口有一棵大槐树，进村后沿水渠向北走约三百米再右转）")
    relations = ["head", "spouse", "parent", "parent", "child", "child", "child_in_law",
                 "grandchild", "grandchild", "grandchild", "sibling", "other"]
    births = ["19600101", "19620202", "19350303", "19380404", "19850505", "19880606", "19860707",
              "20100808", "20140909", "20201010", "19700101", "19990909"]
    members = []
    for i in range(n_members):
        name = "欧阳" + GIVEN[i % len(GIVEN)] + GIVEN[(i * 3 + 1) % len(GIVEN)]
        if i == 4:
            name = "阿卜杜热合曼·买买提艾力·吐尔逊托合提"  # a long multi-part name
        members.append(_member(name, relations[i % 12], births[i % 12], 101 + 2 * i))
    a["members"] = members
    a["representative"] = members[0]["name"]
    return visit


def visit_with(**answers) -> dict:
    """A copy of the base visit with some answers replaced."""
    visit = copy.deepcopy(base_visit())
    visit["answers"].update(answers)
    return visit




def flat(text: str) -> str:
    """*text* without line breaks and spaces, so a phrase wrapped across lines still matches."""
    return "".join(text.split())


def pdffonts(path) -> list[dict]:
    """Rows of `pdffonts` for *path*: name, type, emb, sub."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        # name type [type2] encoding emb sub uni object ID: read emb/sub/uni from the right
        rows.append({"name": cols[0], "emb": cols[-5], "sub": cols[-4], "uni": cols[-3], "line": line})
    return rows


def need_tool(name: str) -> str:
    """Path of a command-line tool; skip locally if missing, but fail in CI where it is installed."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI")
        pytest.skip(f"{name} not installed")
    return path
