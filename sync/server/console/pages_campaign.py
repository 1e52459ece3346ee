"""Console pages of the campaign itself: 覆盖情况 (coverage with charts and click-through), 审核 (the review
queue: approve, approve in bulk, return with a comment) and 花名册 (roster upload: dry run, then confirm).

Each calls the server functions the CLI and the sync API use: ``roster_import.coverage``/``import_roster``/
``write_template`` and ``forms.coverage.target_state`` (issue 14), ``review.queue``/``approve``/``return_visit``
(issue 15). Nothing here counts, checks or reviews on its own.
"""

from __future__ import annotations

import importlib
import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from sync import errors as sync_errors
from sync.server.console import errors
from sync.server.console.accounts import ConsoleUser
from sync.server.console.charts import coverage_bars
from sync.server.console.pages import area_names, require
from sync.server.console.web import COOKIE_PATH, Console, now_iso, signed_in, token_hash

MAX_ROSTER_BYTES = 20 * 1024 * 1024
STAGED_SECONDS = 3600
REVIEW_PAGE = 50   # visits per 审核 page: rendering, copying and auditing 200 took ≈ 0.5 s at 200,000 households
COVERAGE_PAGE = 100   # households per page of a village's 户列表: all ≈ 667 of a village took 244–360 ms (200,000 households)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def optional(module: str):
    """A server module of another part of the campaign (roster, review), or None on a server without it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def needed(module: str):
    """The module, or FeatureMissing."""
    found = optional(module)
    if found is None:
        raise errors.FeatureMissing(module)
    return found


def reviewer_of(user: ConsoleUser):
    """The review functions' reviewer for a console account (a township reviewer reviews as its township office)."""
    from sync.server.review import Reviewer, county_reviewer
    from sync.server.storage import Scope

    if user.role == "township_reviewer":
        return Reviewer(Scope("office", user.township_code or "-"), f"console:{user.name}", "office", user.name)
    return county_reviewer("", user.name)


def _sync_error(exc: sync_errors.SyncError) -> errors.ConsoleError:
    """A server function's coded error as the page shows it."""
    if isinstance(exc, (sync_errors.OutsideArea, getattr(sync_errors, "VisitNotFound", ()))):
        return errors.NotFoundInArea(exc.detail)
    err = errors.InvalidInput(exc.detail)
    err.message_zh = exc.message_zh
    return err


def register(router: APIRouter, console: Console) -> None:
    """Add this module's routes to the console router."""
    from sync.server.console.state import RosterStaging

    staged = RosterStaging(console.storage, STAGED_SECONDS)   # checked roster files awaiting confirmation (database)

    # --- 覆盖情况 -------------------------------------------------------------------------
    @router.get("/coverage")
    def coverage_page(request: Request, area: str = "", campaign: str = "", page: str = "",
                      user: ConsoleUser = Depends(signed_in)):
        area = area.strip()[:12]
        if user.role == "township_reviewer" and not area:
            area = user.township_code or ""
        if area and (not area.isdigit() or len(area) not in (6, 9, 12)
                     or (user.role == "township_reviewer" and not user.allows(area.ljust(12, "0")[:12]) )
                     or (user.role == "township_reviewer" and len(area) < 9)):
            console.audit(request, user.name, "coverage_view", area, outcome="refused")
            raise errors.NotFoundInArea(area)
        names = area_names(console)
        roster_import = optional("sync.server.roster_import")
        if roster_import is None:   # no roster on this server: what the records themselves say
            return _coverage_without_roster(console, request, user, area, names)
        from forms.coverage import REASON_LABELS_ZH

        try:
            report = roster_import.coverage(console.storage, campaign.strip()[:100] or None, area)
        except sync_errors.SyncError as exc:
            return console.page(request, "coverage.html", report=None, note=exc.message_zh, area=area, crumbs=[],
                                chart="", rows=[], households=[], listing=None, level_name="", reasons=REASON_LABELS_ZH)
        level = {0: "townships", 6: "townships", 9: "villages", 12: "villages"}[len(area)]
        rows = [dict(r, name=names.get(r["code"], r["code"]),
                     href=f"{COOKIE_PATH}/coverage?area={r['code']}&campaign={report['campaign']}")
                for r in report[level] if r["code"].startswith(area) and (len(area) < 12 or r["code"] == area)]
        listing = _households_of(console, area, report, _page_number(page)) if len(area) == 12 else None
        households = listing["rows"] if listing else []
        console.audit(request, user.name, "coverage_view", area or "county",
                      [h["household_id"] for h in households], campaign=report["campaign"])
        totals = next((t for t in report[{0: "counties", 6: "counties", 9: "townships", 12: "villages"}[len(area)]]
                       if t["code"] == (area or t["code"])), None)
        crumbs = [(c, names.get(c, c)) for c in (area[:6], area[:9], area[:12]) if area and len(c) <= len(area)]
        crumbs = [c for c in dict.fromkeys(crumbs) if user.role != "township_reviewer" or len(c[0]) >= 9]
        return console.page(request, "coverage.html", report=report, rows=rows, chart=coverage_bars(rows) if rows else "",
                            households=households, listing=listing, area=area, crumbs=crumbs, totals=totals,
                            level_name="村（社区）" if len(area) >= 9 else "乡镇（街道）", reasons=REASON_LABELS_ZH)

    # --- 审核 ---------------------------------------------------------------------------
    @router.get("/review")
    def review_queue(request: Request, village: str = "", after: str = "", user: ConsoleUser = Depends(signed_in)):
        review = optional("sync.server.review")
        village = village.strip()[:12] or None
        if review is None:   # no review on this server: the finished visits, read only
            visits = [v for v in console.store.visits(user.scope) if v["status"] == "final"
                      and (not village or v["answers"].get("village_code") == village)][:200]
            console.audit(request, user.name, "review_queue_view", village or "", [v["household_id"] for v in visits])
            return console.page(request, "review.html", items=[_finished_visit(v) for v in visits], names=area_names(console),
                                village=village or "", done="", read_only=True)
        start = int(after) if after.strip().isdigit() else -1
        items = review.queue(console.storage, reviewer_of(user), village_code=village, limit=REVIEW_PAGE + 1, after=start)
        more = items[REVIEW_PAGE - 1]["seq"] if len(items) > REVIEW_PAGE else None
        items = items[:REVIEW_PAGE]
        console.audit(request, user.name, "review_queue_view", village or "", [i["household_id"] for i in items])
        names = area_names(console)
        return console.page(request, "review.html", items=items, names=names, village=village or "",
                            done=request.query_params.get("done", "")[:40], next_after=more, paged=start >= 0)

    @router.post("/review/approve")
    async def review_approve(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, change=True)
        review = needed("sync.server.review")
        form = await request.form()
        visit_ids = [str(v)[:64] for v in form.getlist("visit_ids[]")][:review.MAX_BULK]
        if not visit_ids:
            raise errors.InvalidInput("请先勾选要审核通过的走访记录")
        try:
            result = review.approve(console.storage, reviewer_of(user), visit_ids)
        except sync_errors.SyncError as exc:
            console.audit(request, user.name, "review_approve", f"{len(visit_ids)} visits", outcome="refused",
                          code=exc.code)
            raise _sync_error(exc) from None
        households = [e.get("household_id") for e in result["approved"] if e.get("household_id")]
        console.audit(request, user.name, "review_approve", f"{len(result['approved'])} visits", households,
                      visits=[e["visit_id"] for e in result["approved"]], skipped=len(result["skipped"]))
        return RedirectResponse(f"{COOKIE_PATH}/review?done=approved-{len(result['approved'])}", status_code=303)

    @router.post("/review/{visit_id}/return")
    async def review_return(request: Request, visit_id: str, user: ConsoleUser = Depends(signed_in)):
        require(user, change=True)
        review = needed("sync.server.review")
        form = await request.form()
        comment = str(form.get("comment") or "")[:1000]
        try:
            event = review.return_visit(console.storage, reviewer_of(user), visit_id[:64], comment)
        except sync_errors.SyncError as exc:
            console.audit(request, user.name, "review_return", visit_id[:64], outcome="refused", code=exc.code)
            raise _sync_error(exc) from None
        console.audit(request, user.name, "review_return", visit_id, [event.get("household_id")] if event.get("household_id") else [],
                      comment=comment[:200])
        return RedirectResponse(f"{COOKIE_PATH}/review?done=returned", status_code=303)

    # --- 花名册 ---------------------------------------------------------------------------
    @router.get("/roster")
    def roster(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, county=True)
        available = optional("sync.server.roster_import") is not None
        imports = console.storage.roster_imports() if available else []
        return console.page(request, "roster.html", imports=imports, report=None, available=available)

    @router.get("/roster/template")
    def roster_template(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, county=True)
        write_template = needed("sync.server.roster_import").write_template
        with tempfile.TemporaryDirectory() as tmp:
            body = Path(write_template(Path(tmp) / "roster-template.xlsx")).read_bytes()
        console.audit(request, user.name, "roster_template", "")
        return Response(body, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="roster-template.xlsx"'})

    @router.post("/roster/check")
    async def roster_check(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        import_roster = needed("sync.server.roster_import").import_roster
        form = await request.form()
        upload = form.get("file")
        if upload is None or not getattr(upload, "filename", ""):
            raise errors.InvalidInput("请选择花名册文件（.xlsx 或 .csv）")
        suffix = Path(upload.filename).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise errors.InvalidInput("花名册应为 .xlsx 或 .csv 文件")
        data = await upload.read(MAX_ROSTER_BYTES + 1)
        if len(data) > MAX_ROSTER_BYTES:
            raise errors.InvalidInput("文件超过 20 MB")
        campaign, start = (str(form.get(k) or "").strip()[:100] or None for k in ("campaign", "start"))
        with _roster_file(data, suffix) as path:
            try:
                report = import_roster(console.storage, path, campaign=campaign, start=start, dry_run=True)
            except sync_errors.SyncError as exc:
                console.audit(request, user.name, "roster_check", upload.filename[:100], outcome="refused", code=exc.code)
                raise _sync_error(exc) from None
        token = secrets.token_urlsafe(24)
        staged.stage(token_hash(token), user.name, upload.filename[:100], suffix, data, report["campaign"],
                     report["since"], now_iso())
        console.audit(request, user.name, "roster_check", upload.filename[:100], rows=report["rows"],
                      rejected=len(report["rejected_rows"]))
        return console.page(request, "roster.html", report=report, token=token, file_name=upload.filename[:100],
                            imports=[], problems=report["problems"][:500])

    @router.post("/roster/confirm")
    async def roster_confirm(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        import_roster = needed("sync.server.roster_import").import_roster
        form = await request.form()
        try:
            entry = staged.take(token_hash(str(form.get("token") or "")[:100]), user.name)
        except errors.InvalidInput as exc:
            console.audit(request, user.name, "roster_import", "", outcome="refused", reason=type(exc).__name__)
            raise
        entry["name"] = entry["file_name"]
        with _roster_file(entry["content"], entry["suffix"]) as path:
            try:
                report = import_roster(console.storage, path, campaign=entry["campaign"], start=entry["start_date"])
            except sync_errors.SyncError as exc:
                console.audit(request, user.name, "roster_import", entry["name"], outcome="refused", code=exc.code)
                raise _sync_error(exc) from None
        console.audit(request, user.name, "roster_import", entry["name"], campaign=report["campaign"],
                      households=report["households"], rejected=len(report["rejected_rows"]))
        return RedirectResponse(f"{COOKIE_PATH}/roster?imported=1", status_code=303)


def _finished_visit(v: dict) -> dict:
    a = v["answers"]
    members = [m for m in a.get("members") or [] if isinstance(m, dict)]
    head = next((m for m in members if m.get("relation") == "head"), members[0] if members else {})
    return {"visit_id": v["visit_id"], "household_id": v["household_id"], "village_code": a.get("village_code", ""),
            "visit_date": a.get("visit_date"), "visitors": a.get("visitors") or [], "head_name": head.get("name") or "",
            "amends": None, "suggestions": [], "problems": [], "suggestions_note": ""}


def _coverage_without_roster(console: Console, request: Request, user: ConsoleUser, area: str, names: dict):
    """Coverage on a server without the roster: targets are the households on the server, visited those with a final visit."""
    scope_code = area or (user.township_code if user.role == "township_reviewer" else "")
    counts = console.store.visited_by_village(scope_code)
    width = {0: 9, 6: 9, 9: 12, 12: 12}[len(area)]
    grouped: dict[str, dict] = {}
    for village, (known, visited) in counts.items():
        g = grouped.setdefault(village[:width], {"code": village[:width], "target": 0, "visited": 0, "unreachable": {},
                                                 "unreachable_total": 0, "not_visited": 0, "discovered": 0})
        g["target"] += known
        g["visited"] += visited
        g["not_visited"] += known - visited
    rows = []
    for code in sorted(grouped):
        g = grouped[code]
        g["rate_permille"] = 1000 * g["visited"] // g["target"] if g["target"] else 0
        rows.append(dict(g, name=names.get(code, code), href=f"{COOKIE_PATH}/coverage?area={code}"))
    console.audit(request, user.name, "coverage_view", area or "county", without_roster=True)
    return console.page(request, "coverage.html", report=None, rows=rows, chart=coverage_bars(rows) if rows else "",
                        households=[], listing=None, area=area, crumbs=[], level_name="村（社区）" if len(area) >= 9 else "乡镇（街道）",
                        reasons={}, note="本服务器尚未导入目标户花名册：下表按服务器上已有的户统计（目标 = 已有的户，已走访 = 有已完成的走访）")


@contextmanager
def _roster_file(data: bytes, suffix: str):
    """*data* as a roster file the importer reads (its suffix says the format), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fieldapp-roster-") as tmp:
        path = Path(tmp) / f"roster{suffix if suffix in ('.xlsx', '.csv') else '.csv'}"
        path.write_bytes(data)
        yield path


def _page_number(text: str) -> int:
    """The 户列表 page asked for (1 for anything but a positive number; past the last page shows the last)."""
    text = text.strip()[:6]
    return max(1, int(text)) if text.isascii() and text.isdigit() else 1


def _households_of(console: Console, village: str, report: dict, page: int = 1) -> dict:
    """One page of the village's households with their state in the campaign (the coverage rule's own
    ``target_state``): ``rows`` (at most ``COVERAGE_PAGE``), ``total``, ``page`` and ``pages``.

    The order (state, then household id) comes from the village's coverage facts alone (short indexed rows),
    so only the page's own households' records are read: head, address and open needs."""
    from forms.coverage import STATE_LABELS_ZH, target_state
    from sync.server.storage import coverage_facts   # the facts coverage() itself counted

    listed = []
    for hid, facts in coverage_facts.village_facts(console.storage, village):
        state = target_state(facts, report["campaign"], report["since"])
        if state is not None:
            listed.append((STATE_LABELS_ZH.get(state, state), hid, facts))
    listed.sort(key=lambda r: (r[0], r[1]))
    pages = max(1, -(-len(listed) // COVERAGE_PAGE))
    page = min(page, pages)
    shown = listed[(page - 1) * COVERAGE_PAGE:page * COVERAGE_PAGE]
    found = {h["household_id"]: h for h in console.store.village_households(village, [hid for _, hid, _ in shown])}
    rows = []
    for label, hid, facts in shown:
        house = found.get(hid, {})
        rows.append({"household_id": hid, "state": label, "reason": facts.unreachable_reason, "head": house.get("head", ""),
                     "address": house.get("address", ""), "open_needs": house.get("open_needs", 0),
                     "last_visit": facts.last_final_visit})
    return {"rows": rows, "total": len(listed), "page": page, "pages": pages, "size": COVERAGE_PAGE}
