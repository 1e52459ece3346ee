"""Console pages: 告知书模板 (the letter templates edited as a form, checked field by field, previewed as
sample letters printed by the real printouts code, published as a new version) and published versions."""

from __future__ import annotations

import json

import yaml

from forms.errors import VisitError
from forms.interchange import read_json
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from sync import errors as sync_errors
from sync.server.console import errors, letters_form, letters_sample
from sync.server.console.accounts import ConsoleUser
from sync.server.console.pages import require
from sync.server.console.web import Console, read_form, signed_in

KINDS_ZH = {"reference": "参考数据", "templates": "告知书模板", "form": "表单", "areas": "行政区划"}


def register(router: APIRouter, console: Console) -> None:
    """Add this module's routes to the console router."""

    def townships() -> list[tuple[str, str]]:
        return [(a["code"], a["name"]) for a in console.storage.list_areas() if a["level"] == "township"]

    def current() -> tuple[dict | None, dict]:
        latest = console.store.latest_document("templates")
        if latest is not None:
            return latest, latest["content"]
        reference = console.store.latest_document("reference")
        hotline = (reference["content"].get("hotline") if reference else None) or "12349"
        return None, letters_form.skeleton(console.storage.list_areas(), hotline)

    def form_page(request, status=200, doc=None, problems=None, error=None):
        latest, base = current()
        return console.page(request, "letters.html", status=status, latest=latest,
                            values=letters_form.form_values(doc or base, townships()), problems=problems or {},
                            error=error, letter_names=", ".join("{" + n + "}" for n in letters_form.LETTER_NAMES),
                            serial_names=", ".join("{" + n + "}" for n in letters_form.SERIAL_NAMES))

    @router.get("/reference/templates")
    def letters(request: Request, user: ConsoleUser = Depends(signed_in)):
        return form_page(request)

    @router.post("/reference/templates/preview")
    async def letters_preview(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        form = await read_form(request)
        latest, base = current()
        doc, problems = letters_form.document_from_form(base, form)
        if problems:
            console.audit(request, user.name, "templates_preview", "templates", outcome="refused", problems=len(problems))
            return form_page(request, 400, doc, problems, f"有 {len(problems)} 处需要修改，见各栏下的红字。")
        try:
            _check_templates(doc)
            pdf, pages = await run_in_threadpool(letters_sample.sample_pages, doc, _reference(console),
                                                 console.storage.list_areas())
        except (sync_errors.InvalidDocument, letters_sample.PreviewUnavailable) as exc:
            console.audit(request, user.name, "templates_preview", "templates", outcome="refused")
            return form_page(request, 400, doc, {}, _problem_text(exc))
        console.audit(request, user.name, "templates_preview", "templates", pages=len(pages))
        return console.page(request, "letters_preview.html", latest=latest, pages=pages, pdf_bytes=len(pdf),
                            changes=letters_form.changes_between(latest["content"] if latest else None, doc),
                            document_json=json.dumps(doc, ensure_ascii=False))

    @router.post("/reference/templates/sample")
    async def letters_sample_pdf(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        form = await read_form(request)
        try:
            doc = read_json(str(form.get("document") or ""), "document")   # nesting limited as for every file
            _check_templates(doc)
        except (ValueError, VisitError, sync_errors.InvalidDocument) as exc:
            raise errors.InvalidInput(_problem_text(exc)) from None
        pdf, _pages = await run_in_threadpool(letters_sample.sample_pages, doc, _reference(console),
                                              console.storage.list_areas())
        console.audit(request, user.name, "templates_sample", "templates")
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="letters-sample.pdf"'})

    @router.get("/reference/documents/{kind}/{name}/{version}")
    def document_version(request: Request, kind: str, name: str, version: int, user: ConsoleUser = Depends(signed_in)):
        found = console.store.document_version(kind[:20], name[:60], version)
        if found is None:
            raise errors.NotFoundInArea(f"{kind[:20]}/{name[:60]}/{version}")
        console.audit(request, user.name, "document_view", f"{kind}/{name}", version=version)
        text = yaml.safe_dump(found["content"], allow_unicode=True, sort_keys=False, width=100)
        return console.page(request, "document_version.html", doc=found, text=text, kind_zh=KINDS_ZH.get(kind, kind),
                            document_json=json.dumps(found["content"], ensure_ascii=False))


def _reference(console: Console) -> dict | None:
    latest = console.store.latest_document("reference")
    return latest["content"] if latest else None


def _check_templates(doc) -> None:
    from sync.server.console.pages_office import _check

    _check("templates", doc)


def _problem_text(exc: Exception) -> str:
    from sync.server.console.pages_office import _problem_text as text

    return text(exc)
