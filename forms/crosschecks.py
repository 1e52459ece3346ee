"""Checks across questions that a definition cannot express: ID numbers against answered
birth date and sex, duplicate people, and checks needing reference data (village list,
the dibao standard)."""

from __future__ import annotations

import datetime as _dt

from forms import idnumber
from forms.errors import IdNumberError, MissingStandardError
from forms.money import mul_ratio_half_up
from forms.problems import ERROR, WARNING, Problem
from forms.rules.base import DIBAO_CATEGORIES, codes, rows, yuan
from forms.places import county_of, is_village_code

__all__ = ["check"]


def check(form, answers: dict, calc: dict, reference, problems: list) -> None:
    """Append cross-question problems for *answers* (raw) / *calc* (calculated) to *problems*."""
    _members(answers, problems)
    _unique_ids(answers, "needs", "need_id", "诉求编号", problems)
    _member_refs(form, answers, problems)
    _benefits_vs_categories(calc, problems)
    if reference is not None:
        _reference_checks(calc, reference, problems)


def _member_refs(form, answers: dict, problems: list) -> None:
    """A row linked to household members (a supporter's obliged_to) must name members that exist."""
    ids = {m.get("member_id") for m in rows(answers.get("members")) if isinstance(m.get("member_id"), str)}
    for q in form.questions.values():
        if q.type != "member_refs" or q.parent is None or "." in q.parent:
            continue
        group = form.questions[q.parent]
        for i, row in enumerate(answers.get(group.id) or []):
            refs = row.get(q.id) if isinstance(row, dict) else None
            if not isinstance(refs, list):
                continue
            gone = [r for r in refs if isinstance(r, str) and r not in ids]
            if gone:
                problems.append(Problem(
                    f"{group.id}[{i}].{q.id}", ERROR, "unknown_member",
                    f"{group.text.zh}（第 {i + 1} 行）·“{q.text.zh}”中有 {len(gone)} 人已不在家庭成员中，请重新选择",
                    f"{group.text.en} row {i + 1}: {len(gone)} of the members chosen are no longer in the household"))


def _members(answers: dict, problems: list) -> None:
    members = answers.get("members")
    if not isinstance(members, list):
        return
    seen_ids: dict = {}
    seen_member_ids: dict = {}
    for i, m in enumerate(members):
        if not isinstance(m, dict):
            continue
        row_zh = f"家庭成员（第 {i + 1} 行）"
        raw = m.get("id_number")
        if isinstance(raw, str) and raw:
            try:
                number, birth, sex = idnumber.parse_id(raw)
            except IdNumberError:
                number = None  # reported by the question's own check
            if number:
                if number in seen_ids:
                    problems.append(Problem(
                        f"members[{i}].id_number", ERROR, "duplicate_id_number",
                        f"{row_zh}的身份证号与第 {seen_ids[number] + 1} 行相同",
                        f"member {i + 1} has the same ID number as member {seen_ids[number] + 1}"))
                seen_ids.setdefault(number, i)
                answered_birth = m.get("birth_date")
                if isinstance(answered_birth, str) and answered_birth and answered_birth != birth.isoformat():
                    problems.append(Problem(
                        f"members[{i}].birth_date", ERROR, "id_birth_date_mismatch",
                        f"{row_zh}填写的出生日期 {answered_birth} 与身份证号中的 {birth.isoformat()} 不一致",
                        f"member {i + 1}: birth date {answered_birth} differs from the ID number's {birth.isoformat()}"))
                answered_sex = m.get("sex")
                if answered_sex in ("male", "female") and answered_sex != sex:
                    sex_zh = {"male": "男", "female": "女"}
                    problems.append(Problem(
                        f"members[{i}].sex", ERROR, "id_sex_mismatch",
                        f"{row_zh}填写的性别“{sex_zh[answered_sex]}”与身份证号（第 17 位）表示的“{sex_zh[sex]}”不一致",
                        f"member {i + 1}: sex {answered_sex} differs from the ID number's {sex}"))
        mid = m.get("member_id")
        if isinstance(mid, str) and mid:
            if mid in seen_member_ids:
                problems.append(Problem(f"members[{i}].member_id", ERROR, "duplicate_member_id",
                                        f"{row_zh}的成员编号与第 {seen_member_ids[mid] + 1} 行重复",
                                        f"member {i + 1} repeats the member id of member {seen_member_ids[mid] + 1}"))
            seen_member_ids.setdefault(mid, i)


def _unique_ids(answers: dict, group: str, field: str, field_zh: str, problems: list) -> None:
    seen: dict = {}
    for i, row in enumerate(answers.get(group) if isinstance(answers.get(group), list) else []):
        if isinstance(row, dict) and isinstance(row.get(field), str):
            if row[field] in seen:
                problems.append(Problem(f"{group}[{i}].{field}", ERROR, f"duplicate_{field}",
                                        f"第 {i + 1} 行的{field_zh}与第 {seen[row[field]] + 1} 行重复",
                                        f"row {i + 1} repeats the {field} of row {seen[row[field]] + 1}"))
            seen.setdefault(row[field], i)


def _benefits_vs_categories(calc: dict, problems: list) -> None:
    categories = set(codes(calc.get("categories")))
    types = {b.get("type") for b in rows(calc.get("benefits")) if isinstance(b.get("type"), str)}
    if "dibao" in types and not categories & set(DIBAO_CATEGORIES):
        problems.append(Problem("categories", WARNING, "dibao_benefit_without_category",
                                "保障情况中有低保金，但现有救助类别未选低保 A/B 类，请核对",
                                "a dibao benefit is recorded but the categories do not include dibao A/B; check"))


def _reference_checks(calc: dict, reference, problems: list) -> None:
    code = calc.get("village_code")
    if not is_village_code(code):
        return
    village = reference.village(code)
    if village is None and reference.villages():
        problems.append(Problem("village_code", WARNING, "unknown_village",
                                f"参考数据中没有区划代码 {code} 的村（社区），请核对",
                                f"village code {code} is not listed in the reference data; check"))
    area = calc.get("area_type")
    if village is not None and area in ("urban", "rural") and area != village.area_type:
        area_zh = {"urban": "城市", "rural": "农村"}
        problems.append(Problem("area_type", WARNING, "area_type_mismatch",
                                f"“{village.name}”在参考数据中为{area_zh[village.area_type]}，此处填写为{area_zh[area]}，请核对",
                                f"the reference data lists this village as {village.area_type}, the answer says {area}"))
    if area not in ("urban", "rural"):
        return
    try:
        on_date = _dt.date.fromisoformat(calc.get("visit_date") or "")
    except (TypeError, ValueError):
        return
    try:
        standard = reference.standard(county_of(code), area, on_date)
    except MissingStandardError as exc:
        problems.append(Problem("village_code", WARNING, "missing_standard", exc.message_zh, str(exc)))
        return
    p = calc.get("per_capita_income_fen")
    on_dibao = bool(set(codes(calc.get("categories"))) & set(DIBAO_CATEGORIES))
    s = standard.monthly_fen
    if on_dibao and isinstance(p, int) and 2 * p >= 3 * s:
        limit = mul_ratio_half_up(s, 3, 2)
        problems.append(Problem(
            "per_capita_income_fen", WARNING, "dibao_income_high",
            f"家庭享受低保，但人均月收入 {yuan(p)} 元 ≥ 1.5 倍低保标准 {yuan(limit)} 元，请核对收入或保障资格",
            f"household is on dibao but per-capita income {yuan(p)} yuan ≥ 1.5 × standard {yuan(limit)} yuan; check"))
