"""Console pages: 同步冲突 (hard conflicts resolved field by field), 参考数据 (edit, check, preview, publish), 台账 (ledger)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from forms.errors import VisitError
from forms.interchange import read_json
from sync import errors as sync_errors
from sync.server.console import errors, reference_form
from sync.server.console.accounts import ConsoleUser
from sync.server.console.pages import area_names, labels, require
from sync.server.console.web import COOKIE_PATH, Console, now_iso, read_form, signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _value_text(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)[:400]
    return "" if value is None else str(value)


def register(router: APIRouter, console: Console) -> None:
    """Add this module's routes to the console router."""

    # --- 同步冲突 ---------------------------------------------------------------------------
    @router.get("/conflicts")
    def conflicts(request: Request, user: ConsoleUser = Depends(signed_in)):
        found = console.storage.list_conflicts(user.scope, "open")
        held = console.storage.set_aside.listed(user.scope)   # changes the laptops hold aside after a refusal
        console.audit(request, user.name, "conflicts_view", "", [c["household_id"] for c in found + held],
                      count=len(found))
        lab, names = labels(), area_names(console)
        rows = [{"conflict_id": c["conflict_id"], "entity": c["entity"], "household_id": c["household_id"],
                 "village": names.get(c["village_code"], c["village_code"]), "created_at": c["created_at"],
                 "fields": "、".join(lab.question(f) for f in c["fields"])} for c in found]
        for h in held:
            h["village"] = names.get(h["village_code"] or "", h["village_code"] or "—")
        return console.page(request, "conflicts.html", rows=rows, set_aside=held,
                            duplicates=_duplicates(console, request, user, names))

    def _open_conflict(request, user, conflict_id):
        found = next((c for c in console.storage.list_conflicts(user.scope, None) if c["conflict_id"] == conflict_id), None)
        if found is None:
            console.audit(request, user.name, "conflict_view", conflict_id[:64], outcome="refused")
            raise errors.NotFoundInArea(conflict_id[:64])
        return found

    @router.get("/conflicts/{conflict_id}")
    def conflict(request: Request, conflict_id: str, user: ConsoleUser = Depends(signed_in)):
        c = _open_conflict(request, user, conflict_id)
        console.audit(request, user.name, "conflict_view", conflict_id, [c["household_id"]])
        lab = labels()
        fields = [{"name": f, "label": lab.question(f), "server": _value_text(v.get("server")),
                   "device": _value_text(v.get("device"))} for f, v in c["fields"].items()]
        return console.page(request, "conflict.html", c=c, fields=fields)

    @router.post("/conflicts/{conflict_id}/resolve")
    async def resolve(request: Request, conflict_id: str, user: ConsoleUser = Depends(signed_in)):
        require(user, change=True)
        form = await read_form(request)
        c = _open_conflict(request, user, conflict_id)
        chosen = {}
        for name, values in c["fields"].items():
            side = form.get(f"take_{name}")
            if side not in ("server", "device"):
                raise errors.InvalidInput(f"请为“{labels().question(name)}”选择保留哪一方的值")
            chosen[name] = values[side]
        try:
            console.storage.resolve_conflict(user.scope, conflict_id, chosen, f"console:{user.name}", user.name, now_iso())
        except sync_errors.ConflictAlreadyResolved:
            raise errors.InvalidInput("该冲突已处理") from None
        console.audit(request, user.name, "conflict_resolve", conflict_id, [c["household_id"]],
                      taken={n: form.get(f"take_{n}") for n in c["fields"]})
        return RedirectResponse(f"{COOKIE_PATH}/conflicts", status_code=303)

    # --- 参考数据 ---------------------------------------------------------------------------
    def _current_reference() -> tuple[dict | None, dict]:
        latest = console.store.latest_document("reference")
        base = latest["content"] if latest else reference_form.skeleton(console.storage.list_areas())
        return latest, base

    @router.get("/reference")
    def reference(request: Request, user: ConsoleUser = Depends(signed_in)):
        latest, base = _current_reference()
        docs = [d for d in console.storage.list_documents()]
        return console.page(request, "reference.html", latest=latest, values=reference_form.form_values(base),
                            documents=docs, templates_doc=console.store.latest_document("templates"))

    @router.post("/reference/preview")
    async def reference_preview(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        form = await read_form(request)
        latest, base = _current_reference()
        try:
            doc = reference_form.document_from_form(base, form)
            _check("reference", doc)
        except (errors.InvalidInput, sync_errors.InvalidDocument) as exc:
            values = reference_form.posted_values(base, form)   # what was typed stays in the form
            return console.page(request, "reference.html", status=400, latest=latest, values=values,
                                documents=console.storage.list_documents(), error=_problem_text(exc),
                                templates_doc=console.store.latest_document("templates"))
        console.audit(request, user.name, "reference_preview", latest["name"] if latest else "reference")
        return console.page(request, "reference_preview.html", doc=doc, latest=latest,
                            changes=reference_form.changes_between(base, doc),
                            document_json=json.dumps(doc, ensure_ascii=False), yuan=reference_form.yuan)

    @router.post("/reference/publish")
    async def reference_publish(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        form = await read_form(request)
        kind = "templates" if form.get("kind") == "templates" else "reference"
        try:
            doc = read_json(str(form.get("document") or ""), "document")   # nesting limited as for every file
            _check(kind, doc)
        except (ValueError, VisitError, sync_errors.InvalidDocument, errors.InvalidInput) as exc:
            raise errors.InvalidInput(_problem_text(exc)) from None
        latest = console.store.latest_document(kind)
        name = latest["name"] if latest else ("letters" if kind == "templates" else "reference")
        published = console.storage.publish_document(kind, name, doc, now_iso())
        console.audit(request, user.name, "document_publish", f"{kind}/{name}", version=published["version"])
        return RedirectResponse(f"{COOKIE_PATH}/reference?published={published['version']}", status_code=303)

    # --- 台账 -----------------------------------------------------------------------------
    @router.get("/ledger")
    def ledger(request: Request, user: ConsoleUser = Depends(signed_in)):
        names = area_names(console)
        townships = [(c, n) for c, n in names.items() if len(c) == 9 and user.allows(c + "000")]
        counties = [(c, n) for c, n in names.items() if len(c) == 6] if user.role != "township_reviewer" else []
        return console.page(request, "ledger.html", townships=townships, counties=counties)

    @router.post("/ledger/download")
    async def ledger_download(request: Request, user: ConsoleUser = Depends(signed_in)):
        form = await read_form(request)
        area, fmt = str(form.get("area") or ""), "pdf" if form.get("format") == "pdf" else "xlsx"
        scope = _ledger_scope(user, area)
        if scope is None:
            console.audit(request, user.name, "ledger_export", area[:12], outcome="refused")
            raise errors.NotFoundInArea(area[:12])
        # Rendered in a worker thread: a county's ledger takes minutes, and the server goes on serving meanwhile.
        path, households = await run_in_threadpool(_render_ledger, console, scope, fmt,
                                                   "village" if len(area) == 9 else "township")
        console.audit(request, user.name, "ledger_export", area, households, format=fmt)
        media = XLSX if fmt == "xlsx" else "application/pdf"
        return FileResponse(path, media_type=media, background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True),
                            headers={"Content-Disposition": f'attachment; filename="ledger-{area}.{fmt}"'})


def _ledger_scope(user: ConsoleUser, area: str):
    from sync.server.storage import Scope

    if not area.isdigit() or len(area) not in (6, 9):
        return None
    if user.role == "township_reviewer":
        return Scope("office", area) if area == user.township_code else None
    return Scope("office", area) if len(area) == 9 else Scope("admin", area)


def _check(kind: str, doc) -> None:
    """The same checks as ``fieldapp-server publish``; letter templates by the printouts' own parser."""
    from sync.server.documents import check_document

    if kind == "templates":
        from printouts.errors import TemplateError
        from printouts.templates import parse_templates

        try:
            parse_templates(doc)
        except TemplateError as exc:   # the parser's named error lists the problem
            raise sync_errors.InvalidDocument(f"{type(exc).__name__}: {exc}"[:500]) from None
        return
    check_document(kind, "reference", doc)


def _duplicates(console: Console, request, user, names: dict) -> list[dict]:
    """Households sharing a member's ID number (flagged at sync, never merged), for the user's area: the ID masked,
    households of the area with their head's name and a link, those of other areas by their village only."""
    from forms.idnumber import mask

    found = console.storage.duplicate_members(user.scope)
    out, shown = [], []
    for item in found:
        households = []
        for h in item["households"]:
            mine = user.allows(h["village_code"])
            head = ""
            if mine:
                house, _visits = console.store.household(h["household_id"])
                members = (house or {}).get("fields", {}).get("members") or []
                head = next((m.get("name", "") for m in members if isinstance(m, dict) and m.get("relation") == "head"), "")
                shown.append(h["household_id"])
            households.append({"household_id": h["household_id"], "mine": mine, "head": head,
                               "village": names.get(h["village_code"], h["village_code"])})
        out.append({"id_masked": mask(item["id_number"]), "households": households})
    if shown:
        console.audit(request, user.name, "duplicates_view", "", shown, count=len(out))
    return out


def _problem_text(exc: Exception) -> str:
    detail = getattr(exc, "detail", None) or str(exc)
    return f"{getattr(exc, 'message_zh', '内容有误')}{'：' + detail if detail else ''}"[:800]


def _render_ledger(console: Console, scope, fmt: str, group_by: str) -> tuple[Path, list[str]]:
    """The ledger file (xlsx or pdf) of the final visits in *scope* with the published reference data and
    templates, in a new owner-only temporary folder (the caller deletes it once sent), and its households.

    The workbook is streamed: the visits are read a batch at a time in village order and written one group
    (village or township) at a time, so its memory does not grow with the county.
    """
    import printouts
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from forms.reference import reference_from_dict
    from printouts.templates import parse_templates

    latest = console.store.latest_document("reference")
    if latest is None:
        raise errors.InvalidInput("请先在“参考数据”页发布本县的参考数据（地名、标准），再导出台账")
    ref = reference_from_dict(latest["content"], f"reference v{latest['version']}")
    kwargs = {"reference": ref}
    templates = console.store.latest_document("templates")
    if templates is not None:
        kwargs["templates"] = parse_templates(templates["content"])
    # The ledger's QR codes are signed with a key made for this one export (the server's own keys sign protocol data only).
    ctx = printouts.PrintContext(signing_key=Ed25519PrivateKey.generate(), **kwargs)

    def placed():
        return ((place, v) for place, v in console.store.placed_visits(scope) if v["status"] == "final")

    folder = Path(tempfile.mkdtemp(prefix="fieldapp-ledger-"))   # mode 0700
    try:
        out = folder / f"ledger.{fmt}"
        if fmt == "xlsx":
            households = list(printouts.export_ledger_xlsx_placed(placed, ctx, out, group_by=group_by).household_ids)
        else:
            visits = [v for _, v in placed()]
            if visits:
                printouts.print_ledger(visits, ctx, out, group_by=group_by)
            households = [v["household_id"] for v in visits]
        if not households:
            raise errors.InvalidInput("该范围内还没有已完成的走访记录")
        return out, households
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
