"""入户调查记录: the four sections as answered, laid out by the form version the visit used.

The layout follows the form definition (sections, question labels, option labels), so a
visit recorded with an older form version prints with that version's wording.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from printouts.documents.answers import HIDDEN_CHILDREN, answer_text, is_blank
from printouts.documents.base import Document, PrintContext, make_document
from printouts.documents.common import reference_note, zh_date
from printouts.layout import FRAME_WIDTH, field_table, grid_table, para
from printouts.visit import VisitView

DOC_TYPE = "visit_record"
TITLE = "入户调查记录"
# Columns per table when a repeat group has many fields (members): the first column repeats.
MAX_COLUMNS = 7
NUMBER_WIDTH = 9 * mm
ID_WIDTH = 37 * mm
LONG_TEXT = {"description", "note", "outcome", "department", "address"}


def _load_form(visit: VisitView, ctx: PrintContext):
    return ctx.form(visit.form_id, visit.form_version)


def _widths(cols: list) -> list[float]:
    """An ID number gets room for its 18 characters on one line; free text twice a plain column."""
    fixed = {i: ID_WIDTH for i, c in enumerate(cols) if c.type == "id_number"}
    weights = {i: (2.0 if c.type == "notes" or c.id in LONG_TEXT else 1.4 if c.id == "name" else 1.0)
               for i, c in enumerate(cols) if i not in fixed}
    unit = (FRAME_WIDTH - NUMBER_WIDTH - sum(fixed.values())) / max(1, sum(weights.values()))
    return [fixed.get(i) or weights[i] * unit for i in range(len(cols))]


def _repeat_tables(group: Any, rows: list, styles, member_names: dict | None = None) -> list:
    children = [c for c in group.children if c.id not in HIDDEN_CHILDREN]
    used = [c for c in children if any(not is_blank(r.get(c.id)) for r in rows)]
    if not used:
        return []
    key, rest = used[0], used[1:]
    chunks = [rest[i:i + MAX_COLUMNS - 1] for i in range(0, len(rest), MAX_COLUMNS - 1)] or [[]]
    tables = []
    for chunk in chunks:
        cols = [key] + chunk
        data = [[i] + [answer_text(c, r.get(c.id), member_names) for c in cols] for i, r in enumerate(rows, 1)]
        tables += [grid_table(["序号"] + [c.label("zh") for c in cols], data, [NUMBER_WIDTH] + _widths(cols), styles),
                   Spacer(1, 2 * mm)]
    return tables


def build_visit_record(visit: VisitView, ctx: PrintContext) -> Document:
    """The visit record of *visit*: every answered question of every section, then signature lines."""
    form = _load_form(visit, ctx)
    s = ctx.styles
    serial = ctx.serial("visit_record", visit.township_code)
    answers = visit.answers
    draft = visit.status == "draft"
    story = [
        para(TITLE + ("（草稿，未定稿）" if draft else ""), s.title),
        para(f"{form.display_name('zh')}　记录编号：{serial}", s.subtitle),
    ]
    content: dict[str, Any] = {"form": [form.form_id, form.version], "answers_digest_keys": sorted(answers)}
    member_names = {m.get("member_id"): m.get("name") for m in answers.get("members") or [] if isinstance(m, dict)}
    for section in form.sections:
        pairs, tables = [], []
        for q in section.questions:
            value = answers.get(q.id)
            if q.type == "repeat":
                if isinstance(value, list) and value:
                    tables += [para(q.label("zh"), s.caption)] + _repeat_tables(q, value, s, member_names)
                continue
            if is_blank(value):
                continue
            if q.id == "village_code":
                text = ctx.village_label(str(value))   # the village's name with its code, as everywhere a code appeared
            else:
                text = zh_date(value) if q.type == "date" else answer_text(q, value)
            pairs.append((q.label("zh"), text))
        if not pairs and not tables:
            continue
        story += [CondPageBreak(30 * mm), para(section.label("zh"), s.heading)]
        if pairs:
            story += [field_table(pairs, s), Spacer(1, 2 * mm)]
        story += tables
    signers = [("家庭陈述人（户主）", str(answers.get("representative") or ""))] + [("走访人员", v) for v in visit.visitors]
    sign_rows = [[role, name, "", ""] for role, name in signers]
    story += [
        Spacer(1, 4 * mm),
        KeepTogether([
            para("以上情况经本人核对，真实无误。签字确认：", s.heading),
            grid_table(["身份", "姓名", "签字", "日期"], sign_rows,
                       [40 * mm, 45 * mm, 50 * mm, FRAME_WIDTH - 135 * mm], s, row_heights=12 * mm),
        ]),
    ]
    note = reference_note(ctx.reference, s)
    if note is not None:
        story.append(note)
    content["answers"] = answers
    return make_document(ctx, DOC_TYPE, serial, visit.household_id, visit.visit_id, content, story, TITLE)
