"""Roster import, roster template and coverage on the county server: plain functions the CLI and web console call.

:func:`import_roster` reads and checks a file (:mod:`sync.server.roster_read`, :mod:`sync.server.roster`),
works out what is new, updated, unchanged or missing against the campaign's earlier imports, and
(unless ``dry_run``) writes it all in one transaction. :func:`coverage` applies the one rule of
:mod:`forms.coverage` to the server's records.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import uuid
from contextlib import contextmanager
from pathlib import Path

from forms.coverage import facts_from_fields, summarise
from sync import errors
from sync.server.roster import RosterCheck, Villages, check_roster
from sync.server.roster_read import FIELD_LABELS_ZH, HEADERS, load_mapping, read_sheet
from sync.server.storage.roster_store import ROSTER_DEVICE
from forms.expressions import local_today

TEMPLATE_COLUMNS = ("household_no", "head_name", "head_id", "member_name", "relation", "member_id", "village_code",
                    "village_name", "category", "household_size", "amount", "address", "phone")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def resolve_campaign(storage, name: str | None, start: str | None, today: dt.date | None = None) -> tuple[str, str]:
    """The campaign's name and start date: as given, else as stored, else the published reference data's campaign.

    :raises errors.RosterCampaignMissing: no name given and the reference data names no campaign
    """
    ref = storage.latest_reference_campaign() or {}
    ref_name = ref.get("name", {}).get("zh") if isinstance(ref.get("name"), dict) else ref.get("name")
    name = name or ref_name
    if not name:
        raise errors.RosterCampaignMissing()
    stored = storage.roster_campaign(name)
    if stored:
        return name, stored["start_date"]
    if start:
        return name, dt.date.fromisoformat(start).isoformat()
    if ref_name == name and ref.get("start"):
        return name, str(ref["start"])
    return name, (today or local_today()).isoformat()


def import_roster(storage, path: str | Path, *, campaign: str | None = None, start: str | None = None,
                  dry_run: bool = False, close_missing: bool = False, mapping: str | Path | None = None,
                  now: str | None = None) -> dict:
    """Import (or with *dry_run* only check) a roster file; return the report ``--json`` prints.

    :raises errors.RosterUnreadable: the file cannot be read (exit 2 in the CLI)
    """
    with gc_paused(), storage.roster_cache():
        return _import_roster(storage, Path(path), campaign, start, dry_run, close_missing, mapping, now)


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector paused for a bulk job, and resumed (if it was on) however the job ends.

    An import allocates several containers per row that all live until it ends; each full collection walks
    all of them again, so its cost grows with the square of the file: at 100,000 members it was about a
    third of the import's CPU (docs/benchmarks.md). Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import_roster(storage, path: Path, campaign, start, dry_run, close_missing, mapping, now) -> dict:
    """:func:`import_roster` itself."""
    now = now or _now()
    sheet = read_sheet(path, load_mapping(mapping))
    name, since = resolve_campaign(storage, campaign, start)
    earlier = {r["household_key"]: r for r in storage.roster_households(name)}
    people = storage.people_index()
    check = check_roster(sheet, Villages.from_areas(storage.list_areas()), {k: v[0] for k, v in people.items()},
                         {k: r["household_id"] for k, r in earlier.items()})
    changes, rows, counts = _plan(check, earlier, people, name, since, now, close_missing)
    present = {h.key for h in check.households}
    missing = sorted(k for k, r in earlier.items() if r["status"] == "open" and k not in present)
    report = {"campaign": name, "since": since, "file": path.name, "layout": check.layout, "header_row": check.header_row,
              "rows": check.rows, "households": counts,
              "members": sum(len(h.members) for h in check.households),
              "rejected_rows": check.rejected_rows, "problems": [p.as_dict() for p in check.problems],
              "missing": [] if close_missing else missing, "dry_run": bool(dry_run), "conflicts": 0}
    if not dry_run and (changes or rows):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        summary = {k: report[k] for k in ("households", "members", "rows")} | {"rejected": len(check.rejected_rows)}
        verdicts = storage.apply_roster(name, since, changes, rows, path.name, digest, summary, now)
        report["conflicts"] = sum(1 for v in verdicts if v["status"] == "conflict")
    return report


def _plan(check: RosterCheck, earlier: dict, people: dict, campaign: str, since: str, now: str, close_missing: bool):
    """The household changes and roster rows an import writes, and the new/updated/unchanged/closed counts."""
    changes, rows = [], []
    counts = {"new": 0, "updated": 0, "unchanged": 0, "closed": 0}

    def change(household_id, village, fields, base):
        c = {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": household_id,
             "household_id": household_id, "village_code": village, "base_revision": base, "fields": fields,
             "author": "县民政局花名册", "at": now}
        changes.append(c)
        return c["change_id"]

    for h in check.households:
        fields = h.fields(campaign, since)
        prior = earlier.get(h.key)
        if prior is not None:
            if prior["fields"] == fields and prior["status"] == "open":
                counts["unchanged"] += 1
                continue
            diff = {k: v for k, v in fields.items() if prior["fields"].get(k) != v}
            cid = change(prior["household_id"], h.village_code, diff, prior["revision"])
            rows.append({"household_key": h.key, "household_id": prior["household_id"], "village_code": h.village_code,
                         "fields": fields, "status": "open", "change_id": cid})
            counts["updated"] += 1
            continue
        known = people.get(h.head_id)
        if known is not None:
            # The household is already on the server (visited before, or another campaign's roster): it joins
            # this roster without its recorded state being overwritten.
            cid = change(known[0], h.village_code, {"roster": fields["roster"]}, known[1])
            household_id = known[0]
        else:
            household_id = str(uuid.uuid4())
            cid = change(household_id, h.village_code, fields, 0)
        rows.append({"household_key": h.key, "household_id": household_id, "village_code": h.village_code,
                     "fields": fields, "status": "open", "change_id": cid})
        counts["new"] += 1
    if close_missing:
        present = {h.key for h in check.households}
        for key, prior in earlier.items():
            if key in present or prior["status"] != "open":
                continue
            roster = dict(prior["fields"].get("roster") or {}, closed=True, closed_at=now)
            cid = change(prior["household_id"], prior["village_code"], {"roster": roster}, prior["revision"])
            rows.append({"household_key": key, "household_id": prior["household_id"],
                         "village_code": prior["village_code"], "fields": dict(prior["fields"], roster=roster),
                         "status": "closed", "change_id": cid})
            counts["closed"] += 1
    return changes, rows, counts


def write_template(path: str | Path) -> Path:
    """An empty roster in the layout the import reads best: a title row, Chinese headers, one row per member."""
    import openpyxl
    from openpyxl.styles import Font

    path = Path(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    headers = [HEADERS[c][0] for c in TEMPLATE_COLUMNS]
    ws.append(["专项行动目标户花名册（每名家庭成员一行；户主一行的与户主关系填“户主”）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i, column in enumerate(TEMPLATE_COLUMNS, 1):
        letter = openpyxl.utils.get_column_letter(i)
        ws.column_dimensions[letter].width = 22 if column.endswith("_id") or column == "address" else 12
        if column in ("head_id", "member_id", "village_code", "phone", "household_no"):
            for row in range(3, 2003):   # ID numbers and codes as text: Excel must not turn them into numbers
                ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A3"
    wb.save(path)
    return path


def coverage(storage, campaign: str | None = None, area: str = "", today: dt.date | None = None) -> dict:
    """Coverage of a campaign (default: the newest with a roster) per village, township and county under *area*."""
    campaigns = storage.roster_campaigns()
    chosen = next((c for c in campaigns if c["name"] == campaign), None) if campaign else (campaigns[-1] if campaigns else None)
    if chosen is None:
        raise errors.RosterCampaignMissing(f"no roster for campaign {campaign!r}" if campaign else "no roster imported")
    from forms.coverage import review_deadline_days
    from sync.server.storage import coverage_facts

    deadline = review_deadline_days(storage.reviews.latest_document("reference"))
    report = coverage_facts.report(storage, chosen["name"], chosen["start_date"], area, today, deadline).as_dict()
    report["area"] = area
    report["review_deadline_days"] = deadline
    return report


def _obj(text):
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


__all__ = ["import_roster", "write_template", "coverage", "resolve_campaign", "FIELD_LABELS_ZH", "ROSTER_DEVICE"]
