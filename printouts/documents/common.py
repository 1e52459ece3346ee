"""Pieces several documents share: Chinese dates, masked IDs, the household header, the issuer block."""

from __future__ import annotations

from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from forms.idnumber import mask
from forms.money import fen_to_yuan_str
from printouts.layout import Styles, field_table, para
from printouts.templates import Office
from printouts.visit import VisitView


def zh_date(iso: str) -> str:
    """"2026-05-20" → "2026年5月20日" (an empty or unreadable date is returned as given)."""
    try:
        d = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso or "")
    return f"{d.year}年{d.month}月{d.day}日"


def yuan(fen: object) -> str:
    """Integer fen as "1234.50 元"; an unanswered amount is blank."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        return ""
    return fen_to_yuan_str(fen) + " 元"


def household_header(visit: VisitView, styles: Styles, full_ids: bool = False):
    """户主 / 身份证 / 地址 as a ruled block (ID masked unless *full_ids*)."""
    head = visit.head
    id_text = (head.id_number if full_ids else mask(head.id_number)) if head else ""
    return field_table(
        [("户主", head.name if head else ""), ("公民身份号码", id_text), ("家庭住址", visit.address),
         ("家庭人口", f"{len(visit.members)} 人")],
        styles,
    )


def issuer_block(office: Office, issue_date: str, styles: Styles):
    """The issuing office and date at the foot of a letter, right-aligned, kept together."""
    return KeepTogether([
        Spacer(1, 8 * mm),
        para(office.name + "（盖章）", styles.right),
        para(zh_date(issue_date), styles.right),
        Spacer(1, 4 * mm),
        para(f"办理地点：{office.address}　联系电话：{office.phone}", styles.small),
    ])


def reference_text(reference) -> str | None:
    """"政策依据：参考数据 songlin-2026 第 1 版" — which reference document the document's assessment used (None: none).

    The one wording every printout uses: letters, visit records, consent forms and the ledger (PDF and workbook).
    """
    ref_id = getattr(reference, "reference_id", "")
    if not ref_id:
        return None
    version = getattr(reference, "version", None)
    return f"政策依据：参考数据 {ref_id}" + (f" 第 {version} 版" if version else "")


def reference_note(reference, styles: Styles):
    """:func:`reference_text` as a small paragraph (None: no reference document)."""
    text = reference_text(reference)
    return para(text, styles.small) if text else None
