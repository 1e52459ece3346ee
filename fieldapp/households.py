"""New households found at the door (新增户 / 主动发现), with the duplicate check by ID number. No Qt here.

A visitor creates a household in one of the laptop's villages from the head's name and ID
number; it is saved at once as a draft visit (so it is in the list, synced, and its first visit
can be recorded). Before that, the ID number is looked up among the households on this laptop:
a match opens the existing household instead of making a duplicate. The county server flags
households that still end up sharing a member's ID number (``GET /v1/duplicates``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from fieldapp.errors import AppError
from forms.expressions import local_today


DUPLICATES_KEY = "duplicate_members"  # office laptops: [{"id_number", "households": [...]}] as of the last sync


class HouseholdExists(AppError):
    """A household on this laptop already has a member with this ID number: open it instead."""

    def __init__(self, household_id: str, caption: str):
        super().__init__("a household with this ID number exists")
        self.household_id = household_id
        self.caption = caption
        self.message_zh = f"本机已有这个身份证号的家庭：{caption}。将打开这一户，不会重复建户。"


class VillageNotOnLaptop(AppError):
    """The village chosen is not one this laptop works in."""

    def __init__(self, code: str):
        super().__init__(f"village {code} is not one of this laptop's villages")
        self.message_zh = f"村（社区）{code} 不在本机负责的范围内，请从列表中选择本机的村（社区）。"


class HeadNameMissing(AppError):
    """The household head's name is empty."""

    message_zh = "请填写户主姓名。"


@dataclass(frozen=True)
class VillageChoice:
    """A village the laptop may create households in: code, name and urban/rural ("" when unknown)."""

    code: str
    name: str
    area_type: str


def laptop_villages(part) -> list[VillageChoice]:
    """The villages of this laptop: the enrolled visitor's villages, an office's township, else every known village."""
    v = part.session.v()
    names = part.catalog.village_names
    types = village_types(part)
    enrolled = v.get_sync_state("villages")
    codes: list[str] = []
    try:
        codes = [c for c in json.loads(enrolled) if isinstance(c, str)] if enrolled else []
    except ValueError:
        codes = []
    township = v.get_sync_state("township_code") or ""
    if not codes:
        known = set(names) | set(types) | {r[3] for r in v.household_rows() if r[3]}
        codes = sorted(c for c in known if len(c) == 12 and c.isdigit() and (not township or c.startswith(township)))
    return [VillageChoice(c, names.get(c, ""), types.get(c, "")) for c in codes]


def village_types(part) -> dict[str, str]:
    """Urban/rural of each village, from the published areas and the reference data."""
    from fieldapp import published

    out: dict[str, str] = {}
    for doc in published.documents(part.session.v(), "areas"):
        for row in (doc.get("content") or {}).get("areas") or []:
            if isinstance(row, dict) and row.get("area_type") in ("urban", "rural"):
                out[str(row.get("code"))] = row["area_type"]
    for village in part.catalog.reference().villages():
        out[village.code] = village.area_type
    return out


def find_by_id_number(part, id_number: str) -> str | None:
    """The household on this laptop with a member holding *id_number* (exact, normalised), or None."""
    from forms.idnumber import normalise

    wanted = normalise(id_number)
    v = part.session.v()
    for row in v.search_households(wanted, limit=50):
        h = v.get_household(row[0], audit_view=False)
        for m in h["fields"].get("members") or []:
            if isinstance(m, dict) and isinstance(m.get("id_number"), str) and normalise(m["id_number"]) == wanted:
                return row[0]
    return None


def create_household(part, village_code: str, head_name: str, id_number: str, *, address: str = "",
                     phone: str = "", on_date: dt.date | None = None) -> str:
    """Create a household found during visits and save it as a draft first visit; returns its id.

    :raises forms.errors.IdNumberError: the ID number is not valid (the message says why)
    :raises HouseholdExists: a household on this laptop has this ID number (``household_id`` to open)
    :raises VillageNotOnLaptop: the village is not one of this laptop's
    """
    from forms.idnumber import normalise, parse_id

    name = (head_name or "").strip()
    if not name:
        raise HeadNameMissing()
    number = normalise(id_number or "")
    parse_id(number)  # raises the specific IdNumberError
    choices = {c.code: c for c in laptop_villages(part)}
    if village_code not in choices:
        raise VillageNotOnLaptop(village_code)
    existing = find_by_id_number(part, number)
    if existing is not None:
        row = part.row(existing)
        raise HouseholdExists(existing, " · ".join(x for x in (row.head_name, row.village_name, row.address) if x))
    household_id = str(uuid.uuid4())
    visit = part.visits.new_visit({"id": household_id, "fields": {}})
    answers = visit["answers"]
    answers["visit_date"] = (on_date or local_today()).isoformat()
    answers["village_code"] = village_code
    if choices[village_code].area_type:
        answers["area_type"] = choices[village_code].area_type
    if address.strip():
        answers["address"] = address.strip()
    if phone.strip():
        answers["phone"] = phone.strip()
    answers["members"] = [{"member_id": str(uuid.uuid4()), "name": name, "id_number": number, "relation": "head"}]
    part.visits.save_visit(visit, final=False)
    part.session.v().audit("create", "household", household_id, {"source": "discovered", "village_code": village_code})
    return household_id


def duplicate_flags(part) -> list[dict]:
    """Office laptops: households sharing a member's ID number, as the server found them at the last sync.

    Each item: ``{"id_masked", "households": [{"household_id", "village_code", "village_name", "caption"}]}``.
    """
    from fieldapp.vault.errors import RecordNotFound
    from forms.idnumber import mask

    stored = part.session.v().get_sync_state(DUPLICATES_KEY)
    try:
        found = json.loads(stored) if stored else []
    except ValueError:
        return []
    out = []
    for item in found:
        households = []
        for h in item.get("households") or []:
            hid = str(h.get("household_id"))
            try:
                row = part.row(hid)
                caption = " · ".join(x for x in (row.head_name, row.address) if x)
            except RecordNotFound:  # a household of another township: its code only
                caption = ""
            households.append({"household_id": hid, "village_code": h.get("village_code", ""),
                               "village_name": part.catalog.area_name(h.get("village_code", "")), "caption": caption})
        out.append({"id_masked": mask(item.get("id_number")), "households": households})
    return out
