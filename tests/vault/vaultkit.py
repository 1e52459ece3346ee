"""Helpers shared by the vault tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import uuid

PASSPHRASE = "tea-leaf-river-42"

def make_visit(household_id=None, visit_id=None, *, names=("王芳",), ids=("11010519491231002X",), status="final",
               address="东山村三组12号", village="110105001001", categories=("dibao_a",), needs=None, **answers):
    """A visit in the interchange format with the given members."""
    members = []
    for i, name in enumerate(names):
        members.append({"member_id": str(uuid.uuid4()), "name": name, "id_number": ids[i] if i < len(ids) else None,
                        "relation": "head" if i == 0 else "child"})
    base = {
        "visit_date": "2026-05-12", "visitors": ["甲", "乙"], "village_code": village, "area_type": "rural",
        "address": address, "categories": list(categories), "members": members,
        "needs": needs if needs is not None else [],
    }
    base.update(answers)
    return {
        "format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
        "household_id": household_id or str(uuid.uuid4()), "visit_id": visit_id or str(uuid.uuid4()),
        "status": status, "answers": base,
    }
