"""Changes the server refused, on the laptop (issue 19): what the visitor sees and resends, what the office sees.

A change the county server refuses on its own is set aside in the vault while everything else
syncs (:meth:`fieldapp.vault.Vault.set_aside_changes`). The visitor sees each with the reason in
Chinese, opens the record to fix it, and presses 重新发送 (:func:`retry`, the same call as
``fieldapp sync --retry-set-aside``). The laptop reports its list at each sync; a township office
laptop receives the reports of its township's laptops (:func:`office_reports`).
"""

from __future__ import annotations

from dataclasses import dataclass

REASONS_ZH = {
    "OUTSIDE_AREA": "住户的村（社区）代码不在本电脑负责的范围内：请打开记录核对村代码，改正后保存。",
    "CHANGE_INVALID": "记录内容不符合要求（过长、层次过深或缺少必填项）：请打开记录核对，改正后保存。",
    "MALFORMED_REQUEST": "记录格式不正确（村代码位数不对、含不可见字符或用户名过长）：请打开记录核对，改正后保存。",
    "CHANGE_ID_REUSED": "记录编号与其他电脑的重复：点“重新发送”会换一个编号再发。",
}


def reason_zh(code: str) -> str:
    """The refusal *code* as the visitor reads it: what is wrong and what to do."""
    from sync.errors import CATALOGUE

    if code in REASONS_ZH:
        return REASONS_ZH[code]
    known = CATALOGUE.get(code)
    return (known.message_zh if known else "县服务器拒收了这条记录") + "：请打开记录核对，改正后保存。"


@dataclass(frozen=True)
class SetAsideItem:
    """One change held aside, as the window lists it."""

    change_id: str
    household_id: str
    household: str          # 户主 · 地址 (or the id if the household is not on this laptop)
    entity: str             # household | visit
    code: str
    reason_zh: str
    detail: str             # the server's own words (English), for the county's technicians
    at: str


def held(services) -> list[SetAsideItem]:
    """This laptop's set-aside changes, oldest first (reads the vault only)."""
    out = []
    for change in services.vault.set_aside_changes():
        why = change.get("set_aside") or {}
        code = str(why.get("code") or "")
        out.append(SetAsideItem(change_id=change["change_id"], household_id=str(change["household_id"]),
                                household=_caption(services, str(change["household_id"])), entity=change["entity"],
                                code=code, reason_zh=reason_zh(code), detail=str(why.get("reason") or "")[:300],
                                at=str(why.get("at") or "")))
    return out


def retry(services) -> int:
    """重新发送: put the set-aside changes back into the outbox as their records now stand (then sync)."""
    from fieldapp import syncing

    return syncing.retry_set_aside(services.vault)


def office_reports(services) -> list[dict]:
    """Office laptops: the township's laptops' set-aside changes as of the last sync, each with ``reason_zh``."""
    from fieldapp import syncing

    return [dict(r, reason_zh=reason_zh(str(r.get("code") or ""))) for r in syncing.office_set_aside(services.vault)]


def _caption(services, household_id: str) -> str:
    from fieldapp.vault.errors import RecordNotFound

    try:
        row = services.household_row(household_id)
    except RecordNotFound:  # a household this laptop does not hold: its id
        return household_id[:8]
    return " · ".join(x for x in (row.head_name, row.address) if x) or household_id[:8]
