"""The console's security plumbing: sessions in cookies, CSRF tokens, login throttling, headers, audit, pages.

A session cookie carries 32 random bytes; the database keeps only their SHA-256 next to the
session's CSRF token and expiry, so logging out, changing the passphrase or disabling the account
ends it on the server. Every form carries the CSRF token; every page is sent with a strict
Content-Security-Policy (no inline script, nothing from elsewhere).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sync.server.console import accounts, errors
from sync.server.console.store import ConsoleStore

log = logging.getLogger("fieldapp.server.console")

COOKIE = "fieldapp_console"
COOKIE_PATH = "/console"
SESSION_HOURS = 8
LOGIN_FAILURES_PER_ACCOUNT = 5      # within the window, then LoginThrottled for that account
LOGIN_FAILURES_PER_ADDRESS = 20     # within the window, then LoginThrottled for that address
LOGIN_WINDOW_S = 900.0
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY", "Cache-Control": "no-store"}
HERE = Path(__file__).parent


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def when_text(iso) -> str:
    """A stored UTC timestamp as the pages show it: ``2026-05-12 06:30:00`` (UTC)."""
    text = str(iso or "")
    return text.replace("T", " ").removesuffix("+00:00") if text else ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class Console:
    """One console over one server: its store, page templates, throttles and the server's keys."""

    def __init__(self, storage, keys, failure_window):
        self.storage, self.keys = storage, keys
        self.store = ConsoleStore(storage)
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["when"] = when_text
        self.env.filters["detail"] = lambda value: json.dumps(value, ensure_ascii=False)[:600]
        # failed logins are kept in the database (console/state.py): a restart or another worker forgets none
        # (*failure_window*, the sync API's in-process class, is no longer used here)
        from sync.server.console.state import StoredFailures

        self.account_failures = StoredFailures(storage, "account", LOGIN_FAILURES_PER_ACCOUNT, LOGIN_WINDOW_S)
        self.address_failures = StoredFailures(storage, "address", LOGIN_FAILURES_PER_ADDRESS, LOGIN_WINDOW_S)
        self.session_hours = SESSION_HOURS

    # --- audit -------------------------------------------------------------------------
    def audit(self, request: Request, actor: str, action: str, target: str = "", households=(), outcome: str = "ok",
              **detail) -> None:
        """One entry in the server audit log for this request."""
        self.store.audit(actor, action, outcome, target, list(households), detail, client_of(request), now_iso())

    # --- login and sessions ------------------------------------------------------------------
    def login(self, request: Request, name: str, passphrase: str) -> tuple[str, str]:
        """Check the passphrase and open a session; returns (cookie token, csrf token)."""
        client = client_of(request)
        name = name.strip()[:64]
        if self.address_failures.blocked(client) or self.account_failures.blocked(name):
            self.audit(request, name or "?", "login", name, outcome="refused", reason="throttled")
            raise errors.LoginThrottled()
        row = self.store.get_user(name) if name else None
        good = accounts.verify_passphrase(row["password_hash"] if row else accounts.dummy_hash(), passphrase)
        if not good or row is None or row["disabled_at"]:
            self.address_failures.record(client)
            self.account_failures.record(name)
            reason = "disabled" if (good and row and row["disabled_at"]) else "wrong_passphrase" if row else "unknown_user"
            self.audit(request, name or "?", "login", name, outcome="refused", reason=reason)
            raise errors.LoginFailed()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = datetime.now(timezone.utc)
        expires = (now + timedelta(hours=self.session_hours)).isoformat(timespec="seconds")
        self.store.start_session(token_hash(token), name, csrf, now.isoformat(timespec="seconds"), expires)
        self.audit(request, name, "login", name)
        return token, csrf

    def session_of(self, request: Request) -> tuple[accounts.ConsoleUser, str]:
        """The signed-in user and the session's CSRF token, or NotSignedIn (audited when a session was refused)."""
        token = request.cookies.get(COOKIE)
        if not token:
            raise errors.NotSignedIn("no session")
        row = self.store.session(token_hash(token))
        if row is None:
            raise errors.NotSignedIn("unknown session")
        reason = ("disabled" if row["disabled_at"] else "ended" if row["ended_at"]
                  else "expired" if row["expires_at"] <= now_iso() else None)
        if reason:
            self.audit(request, row["user_name"], "session", request.url.path, outcome="refused", reason=reason)
            raise errors.NotSignedIn(reason)
        return accounts.ConsoleUser(row["user_name"], row["role"], row["township_code"]), row["csrf_token"]

    def logout(self, request: Request) -> None:
        token = request.cookies.get(COOKIE)
        if token:
            self.store.end_session(token_hash(token), now_iso())

    # --- pages -------------------------------------------------------------------------
    def page(self, request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
        """Render *template* with the signed-in user (if any) and the session's CSRF token."""
        values.setdefault("user", getattr(request.state, "console_user", None))
        values.setdefault("csrf", getattr(request.state, "console_csrf", ""))
        values.setdefault("path", request.url.path)
        html = self.env.get_template(template).render(**values)
        return HTMLResponse(html, status_code=status)


async def read_form(request: Request) -> dict:
    """The posted form fields (the last value of each name, lists for repeated names under ``name[]``)."""
    form = await request.form()
    out: dict = {}
    for key in form.keys():
        values = form.getlist(key)
        out[key] = values if key.endswith("[]") else values[-1]
    return out


async def signed_in(request: Request):
    """Dependency: the signed-in user; a POST must also carry the session's CSRF token."""
    console: Console = request.app.state.console
    user, csrf = await run_in_threadpool(console.session_of, request)
    request.state.console_user, request.state.console_csrf = user, csrf
    if request.method == "POST":
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = (await request.form()).get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf):
            await run_in_threadpool(console.audit, request, user.name, "csrf", request.url.path, (), "refused")
            raise errors.CsrfRejected()
    return user


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{COOKIE_PATH}/login?next={quote(target)}", status_code=303)


def set_session_cookie(response, token: str, max_age: int) -> None:
    response.set_cookie(COOKIE, token, max_age=max_age, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict")
