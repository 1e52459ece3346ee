"""Helpers building realistic visits in the interchange format for the forms tests."""

from __future__ import annotations

import copy
import uuid

from forms.idnumber import check_char

DEMO_URBAN_VILLAGE = "990101001001"  # 演示镇东街社区 (demo reference data)
DEMO_RURAL_VILLAGE = "990101002201"  # 演示乡柳树村


def id_number(birth: str, seq: int, area: str = "990101") -> str:
    """A valid ID number for *birth* (YYYYMMDD); odd *seq* = male, even = female."""
    body = f"{area}{birth}{seq:03d}"
    return body + check_char(body)


def uid(n: int) -> str:
    """A stable UUID for test rows."""
    return str(uuid.UUID(int=n))


def member(n: int, birth: str, seq: int, relation: str = "other", **answers) -> dict:
    """One member row with id, name and ID number."""
    row = {"member_id": uid(1000 + n), "name": f"成员{n}", "id_number": id_number(birth, seq), "relation": relation,
           "health": "healthy", "labour_capacity": "full"}
    row.update(answers)
    return row


def visit(answers: dict | None = None, **envelope) -> dict:
    """A complete, valid urban visit of a three-person household; *answers* override."""
    base = {
        "visit_date": "2026-05-12",
        "visit_time": "09:30",
        "visitors": ["协理员甲", "协理员乙"],
        "representative": "成员1",
        "village_code": DEMO_URBAN_VILLAGE,
        "area_type": "urban",
        "address": "演示镇东街 1 号",
        "categories": [],
        "assets_meet_rules": "yes",
        "members": [
            member(1, "19800101", 11, "head", employment="employed"),
            member(2, "19820202", 22, "spouse", employment="farming"),
            member(3, "20150303", 31, "child", employment="student", schooling="primary", labour_capacity="none"),
        ],
        "incomes": [{"source": "wages", "amount_fen": 153600}],
    }
    base.update(copy.deepcopy(answers or {}))
    doc = {
        "format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
        "household_id": uid(1), "visit_id": uid(2), "status": "draft", "answers": base,
    }
    doc.update(envelope)
    return doc
