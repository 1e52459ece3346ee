"""家庭经济状况核对授权书: the consent to check the family's finances, signed at the door."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from printouts.documents.base import Document, PrintContext, make_document
from printouts.documents.common import reference_text
from printouts.layout import FRAME_WIDTH, field_table, grid_table, para
from printouts.textformat import fill
from printouts.visit import VisitView

DOC_TYPE = "consent"
COPY_HOLDERS = ("申请人留存", "乡镇人民政府（街道办事处）留存", "县级民政部门留存")
SIGN_ROW_HEIGHT = 15 * mm
TOGETHER_ROWS = 11  # members whose table, note and signature lines fit one page together


def build_consent(visit: VisitView, ctx: PrintContext, assistance: str | None = None, copies: int = 1) -> list[Document]:
    """The consent form pre-filled with every member (full ID numbers): one Document per copy, same serial."""
    if copies not in (1, 2, 3):
        raise ValueError("copies must be 1, 2 or 3")
    t = ctx.templates.consent
    s = ctx.styles
    serial = ctx.serial("consent", visit.township_code)
    values = {"assistance": assistance or t["default_assistance"], "county": ctx.county_office(visit.village_code)}
    head = visit.head
    labels = ctx.labels(visit)

    rows = []
    for i, m in enumerate(visit.members, 1):
        relation = labels.option("members.relation", m.relation)
        if m.is_minor:
            rows.append([i, m.name, relation, m.id_number, "由监护人代签", "", ""])
        else:
            rows.append([i, m.name, relation, m.id_number, "", "", "—"])
    widths = [9 * mm, 26 * mm, 22 * mm, 40 * mm, 27 * mm, 17 * mm, FRAME_WIDTH - 141 * mm]
    header = ["序号", "姓名", "与户主关系", "公民身份号码", "本人签字", "指印", "监护人签字（未成年人）"]

    def one_copy(n: int) -> list:
        story = [para(t["title"], s.title)]
        if copies > 1:
            story.append(para(f"第 {n} 联（共 {copies} 联）　{COPY_HOLDERS[n - 1]}", s.subtitle))
        story += [
            para(f"编号：{serial}", s.right),
            Spacer(1, 2 * mm),
            field_table(
                [("户主", head.name if head else ""), ("家庭人口", f"{len(visit.members)} 人"),
                 ("家庭住址", visit.address), ("村（社区）", ctx.village_label(visit.village_code))],
                s,
            ),
            Spacer(1, 3 * mm),
            para(fill(t["intro"], values), s.body_indent),
            para(fill(t["authorisation"], values), s.body_indent),
            para("　".join(f"（{k}）{src}" for k, src in enumerate(t["sources"], 1)), s.body_indent),
            para(fill(t["validity"], values), s.body_indent),
            Spacer(1, 3 * mm),
        ]
        signatures = [
            Spacer(1, 2 * mm),
            para(fill(t["minor_note"], values) + " " + fill(t["copies"], values), s.small),
            Spacer(1, 6 * mm),
            para("申请人（户主）签字：＿＿＿＿＿＿＿＿　　　　日期：＿＿＿＿年＿＿月＿＿日", s.body),
            Spacer(1, 6 * mm),
            para("调查人员签字：＿＿＿＿＿＿＿＿　＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日", s.body),
            Spacer(1, 4 * mm),
            para("　".join(filter(None, [f"打印日期：{ctx.issue_date}", reference_text(ctx.reference)])), s.small),
        ]
        # The signature lines never stand alone on a page: they stay with the members' table — the whole
        # table when it fits on one page, else its last rows (the header repeats above them).
        heading = para("家庭成员签字确认（须本人签字并按指印）：", s.heading)
        if len(rows) <= TOGETHER_ROWS:
            story.append(KeepTogether([heading, grid_table(header, rows, widths, s, row_heights=SIGN_ROW_HEIGHT)]
                                      + signatures))
        else:
            story += [heading, grid_table(header, rows[:-2], widths, s, row_heights=SIGN_ROW_HEIGHT),
                      KeepTogether([grid_table(header, rows[-2:], widths, s, row_heights=SIGN_ROW_HEIGHT)]
                                   + signatures)]
        return story

    content = {"members": [[m.name, m.relation, m.id_number] for m in visit.members],
               "address": visit.address, "assistance": values["assistance"], "copies": copies}
    first = make_document(ctx, DOC_TYPE, serial, visit.household_id, visit.visit_id, content, one_copy(1), t["title"])
    # Every copy carries the same serial and signed code: they are one authorisation.
    return [first] + [Document(first.record, one_copy(n), first.title, first.content) for n in range(2, copies + 1)]
