"""Console pages: sign-in, 走访户 (household search and page), 设备 (devices and enrollment sheets), 日志 (logs)."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from sync import errors as sync_errors
from sync.server.console import errors
from sync.server.console.accounts import ConsoleUser
from sync.server.console.web import COOKIE, COOKIE_PATH, Console, now_iso, read_form, set_session_cookie, signed_in

MAX_QUERY = 40


def labels():
    """Chinese labels of the current form (question and option codes)."""
    from printouts.labels import labels_for

    return labels_for("four_clarifications", 1)


def masked(id_number) -> str:
    from forms.idnumber import mask

    return mask(str(id_number)) if id_number else ""


def server_fingerprint(signing_public: str) -> str:
    """The server signing key's fingerprint as printed on enrollment sheets: SHA-256, first 16 bytes, in groups."""
    digest = hashlib.sha256(signing_public.encode("ascii")).hexdigest()[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def area_names(console: Console) -> dict[str, str]:
    return {a["code"]: a["name"] for a in console.storage.list_areas()}


def require(user: ConsoleUser, *, change: bool = False, admin: bool = False, county: bool = False) -> None:
    """Refuse a role that may not do this."""
    if (admin and not user.is_admin) or (change and not user.may_change) or (county and user.role == "township_reviewer"):
        raise errors.NotAllowed()


def load_household(console: Console, request: Request, user: ConsoleUser, household_id: str):
    """The household and its visits, or NotFoundInArea (audited) when it is unknown or outside the user's area."""
    house, visits = console.store.household(household_id[:64])
    if house is None or not user.allows(house["village_code"]):
        console.audit(request, user.name, "household_view", household_id[:64],
                      [household_id[:64]] if house is not None else [], outcome="refused")
        raise errors.NotFoundInArea(household_id[:64])
    return house, visits


def register(router: APIRouter, console: Console) -> None:
    """Add this module's routes to the console router."""

    @router.get("/login")
    def login_form(request: Request, next: str = ""):
        return console.page(request, "login.html", next=_safe_next(next), user=None)

    @router.post("/login")
    async def login(request: Request):
        form = await read_form(request)
        target = _safe_next(str(form.get("next") or ""))
        try:
            token, _csrf = await run_in_threadpool(console.login, request, str(form.get("name") or ""),
                                                   str(form.get("passphrase") or ""))
        except (errors.LoginFailed, errors.LoginThrottled) as exc:
            return console.page(request, "login.html", status=exc.http_status, error=exc, next=target, user=None,
                                name=str(form.get("name") or "")[:64])
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, token, console.session_hours * 3600)
        return response

    @router.post("/logout")
    def logout(request: Request, user: ConsoleUser = Depends(signed_in)):
        console.logout(request)
        console.audit(request, user.name, "logout", user.name)
        response = RedirectResponse(f"{COOKIE_PATH}/login", status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict")
        return response

    @router.get("/")
    def home(request: Request, user: ConsoleUser = Depends(signed_in)):
        return RedirectResponse(f"{COOKIE_PATH}/coverage", status_code=303)

    # --- 走访户 -------------------------------------------------------------------------
    @router.get("/households")
    def households(request: Request, q: str = "", user: ConsoleUser = Depends(signed_in)):
        q = q.strip()[:MAX_QUERY]
        found = console.store.search_households(user.scope, q) if q else []
        if q:
            console.audit(request, user.name, "household_search", q if not _is_id(q) else masked(q),
                          [h["household_id"] for h in found], results=len(found))
        names = area_names(console)
        rows = [_household_row(h, names) for h in found]
        return console.page(request, "households.html", q=q, rows=rows, searched=bool(q))

    @router.get("/households/{household_id}")
    def household(request: Request, household_id: str, user: ConsoleUser = Depends(signed_in)):
        house, visits = load_household(console, request, user, household_id)
        console.audit(request, user.name, "household_view", household_id, [household_id])
        return _household_page(console, request, house, visits, None)

    @router.post("/households/{household_id}/show-id")
    async def show_id(request: Request, household_id: str, user: ConsoleUser = Depends(signed_in)):
        form = await read_form(request)
        house, visits = load_household(console, request, user, household_id)
        member_id = str(form.get("member_id") or "")
        members = house["fields"].get("members") or []
        member = next((m for m in members if isinstance(m, dict) and str(m.get("member_id")) == member_id), None)
        if member is None:
            raise errors.NotFoundInArea(member_id)
        console.audit(request, user.name, "show_id_number", household_id, [household_id], member_id=member_id)
        return _household_page(console, request, house, visits, member_id)

    # --- 设备 ---------------------------------------------------------------------------
    @router.get("/devices")
    def devices(request: Request, user: ConsoleUser = Depends(signed_in)):
        return _devices_page(console, request, user)

    @router.post("/devices/code")
    async def issue_code(request: Request, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        form = await read_form(request)
        from sync.server.admin import issue_enrollment_code

        role, township = str(form.get("role") or ""), str(form.get("township") or "").strip()
        villages = [v for v in form.get("villages[]", []) if v] if isinstance(form.get("villages[]"), list) else []
        label = str(form.get("label") or "").strip()[:60]
        try:
            hours = float(form.get("hours") or 72)
        except ValueError:
            raise errors.InvalidInput("有效期（小时）应为数字") from None
        if role == "visitor" and not villages:
            return _devices_page(console, request, user, error="走访电脑必须选择至少一个村（社区）。", status=400)
        if not 1 <= hours <= 24 * 30:
            raise errors.InvalidInput("有效期为 1 至 720 小时")
        try:
            code, expires = issue_enrollment_code(console.storage, role, township, villages, hours, label=label)
        except (sync_errors.UnknownArea, sync_errors.MalformedRequest) as exc:
            return _devices_page(console, request, user, error=f"{exc.message_zh}（{exc.detail or ''}）", status=400)
        console.audit(request, user.name, "enrollment_code_issue", township, role=role, villages=villages, label=label,
                      expires_at=expires)
        names = area_names(console)
        server_url = str(request.base_url).rstrip("/")
        from segno import make_qr

        payload = f"fieldapp-enroll:{server_url}|{code}|{server_fingerprint(console.keys.signing_public)}"
        buf = io.BytesIO()
        make_qr(payload, error="m").save(buf, kind="svg", scale=5, xmldecl=False, svgns=True, nl=False)
        return console.page(request, "enrollment_sheet.html", code=code, expires=expires, role=role,
                            township=township, township_name=names.get(township, ""), label=label,
                            villages=[(v, names.get(v, "")) for v in villages], server_url=server_url,
                            fingerprint=server_fingerprint(console.keys.signing_public), qr_svg=buf.getvalue().decode())

    @router.get("/devices/{device_id}/revoke")
    def revoke_confirm(request: Request, device_id: str, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        device = console.storage.get_device(device_id[:80])
        if device is None:
            raise errors.NotFoundInArea(device_id[:80])
        return console.page(request, "revoke.html", device=device, names=area_names(console))

    @router.post("/devices/{device_id}/revoke")
    async def revoke(request: Request, device_id: str, user: ConsoleUser = Depends(signed_in)):
        require(user, admin=True)
        form = await read_form(request)
        device = console.storage.get_device(device_id[:80])
        if device is None:
            raise errors.NotFoundInArea(device_id[:80])
        if form.get("confirm") != "yes":
            raise errors.InvalidInput("请勾选“确认吊销”")
        console.storage.revoke_device(device_id, now_iso())
        console.audit(request, user.name, "device_revoke", device_id, label=device["label"],
                      township=device["township_code"])
        return RedirectResponse(f"{COOKIE_PATH}/devices?revoked={device_id}", status_code=303)

    # --- 日志 ---------------------------------------------------------------------------
    @router.get("/logs")
    def logs(request: Request, actor: str = "", action: str = "", household: str = "",
             user: ConsoleUser = Depends(signed_in)):
        require(user, county=True)
        entries = console.store.audit_log(actor.strip()[:64] or None, action.strip()[:40] or None,
                                          household.strip()[:64] or None)
        console.audit(request, user.name, "audit_log_view", "", filter_actor=actor[:64], filter_action=action[:40],
                      household=household[:64])
        return console.page(request, "logs.html", entries=entries, actor=actor, action=action, household=household)

    @router.get("/logs/reads")
    def reads(request: Request, device: str = "", household: str = "", user: ConsoleUser = Depends(signed_in)):
        require(user, county=True)
        rows = console.storage.device_reads(device.strip()[:80] or None, household.strip()[:64] or None, 200)
        labels_by_id = {d["device_id"]: d["label"] for d in console.storage.list_devices()}
        console.audit(request, user.name, "read_log_view", "", device=device[:80], household=household[:64])
        return console.page(request, "reads.html", rows=rows, device=device, household=household, labels=labels_by_id)


def _safe_next(target: str) -> str:
    """Only a path inside the console (never another site) after signing in."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(COOKIE_PATH + "/") or target.startswith("//") \
            or "\\" in target or target.startswith(COOKIE_PATH + "/login"):
        return COOKIE_PATH + "/"
    return target


def _is_id(text: str) -> bool:
    return len(text) >= 15 and text[:-1].isdigit()


def _head(fields: dict) -> dict:
    members = [m for m in fields.get("members") or [] if isinstance(m, dict)]
    return next((m for m in members if m.get("relation") == "head"), members[0] if members else {})


def _household_row(h: dict, names: dict) -> dict:
    head = _head(h["fields"])
    return {"household_id": h["household_id"], "head": str(head.get("name") or ""), "id_masked": masked(head.get("id_number")),
            "address": str(h["fields"].get("address") or ""), "village": names.get(h["village_code"], h["village_code"]),
            "size": len(h["fields"].get("members") or [])}


def _household_page(console: Console, request: Request, house: dict, visits: list[dict], shown_member: str | None):
    lab = labels()
    fields = house["fields"]
    members = []
    for m in fields.get("members") or []:
        if not isinstance(m, dict):
            continue
        full = str(m.get("id_number") or "")
        members.append({"member_id": str(m.get("member_id") or ""), "name": str(m.get("name") or ""),
                        "relation": lab.option("members.relation", m.get("relation")),
                        "id_number": full if shown_member and str(m.get("member_id")) == shown_member else masked(full),
                        "shown": bool(shown_member and str(m.get("member_id")) == shown_member),
                        "health": lab.option("members.health", m.get("health"))})
    needs = [{"category": lab.option("needs.category", n.get("category")), "description": str(n.get("description") or ""),
              "disposition": lab.option("needs.disposition", n.get("disposition")),
              "department": lab.option("needs.department", n.get("department"))}
             for n in fields.get("needs") or [] if isinstance(n, dict)]
    visit_rows = []
    states = _review_states(console, [v["entity_id"] for v in visits])
    for v in visits:
        f = v["fields"]
        answers = f.get("answers") or {}
        visit_rows.append({"visit_id": v["entity_id"], "date": str(answers.get("visit_date") or ""),
                           "visitors": "、".join(str(x) for x in answers.get("visitors") or []),
                           "status": {"final": "已完成", "draft": "草稿"}.get(f.get("status"), str(f.get("status") or "")),
                           "review": states.get(v["entity_id"], "")})
    internal = {"answers": "走访内容", "status": "记录状态", "form_id": None, "form_version": None, "household_id": None}
    changes = [dict(c, fields=[internal[f] if f in internal else lab.question(f) for f in c["fields"]
                               if internal.get(f, "") is not None])
               for c in console.store.household_changes(house["household_id"])]
    names = area_names(console)
    return console.page(request, "household.html", house=house, members=members, needs=needs, visits=visit_rows,
                        changes=changes, village=names.get(house["village_code"], house["village_code"]),
                        categories=lab.options("categories", fields.get("categories")),
                        address=str(fields.get("address") or ""), head=_head(fields).get("name") or "")


def _review_states(console: Console, visit_ids: list[str]) -> dict[str, str]:
    """Each visit's review state in Chinese, from the server's review events (issue 15's ``sync.review``)."""
    reviews = getattr(console.storage, "reviews", None)
    if reviews is None or not visit_ids:
        return {}
    from sync.review import STATE_LABELS_ZH, review_state

    events = reviews.events_of(visit_ids)
    return {v: STATE_LABELS_ZH[review_state([e for e in events if e["visit_id"] == v])] for v in visit_ids}


def _devices_page(console: Console, request: Request, user: ConsoleUser, error: str | None = None, status: int = 200):
    names = area_names(console)
    last = console.store.last_contacts()
    from sync.server.releases import device_versions

    devices = device_versions(console.storage, [d for d in console.storage.list_devices()
                                                if user.role != "township_reviewer" or d["township_code"] == user.township_code])
    townships = [(c, n) for c, n in names.items() if len(c) == 9 and (user.role != "township_reviewer" or c == user.township_code)]
    villages = [(c, n) for c, n in names.items() if len(c) == 12 and any(c.startswith(t) for t, _ in townships)]
    minimum = devices[0]["min_app_version"] if devices else None
    return console.page(request, "devices.html", status=status, devices=devices, names=names, last=last, minimum=minimum,
                        townships=townships, villages=villages, error=error,
                        revoked=request.query_params.get("revoked", "")[:80])
