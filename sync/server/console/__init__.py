"""The county and township web console, served by the county server under ``/console/``.

Server-rendered pages (Jinja2) over the same storage functions the CLI and the sync API use.
Accounts and roles: :mod:`.accounts`; sessions, CSRF, throttling, headers: :mod:`.web`.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles

from sync.server.console import errors
from sync.server.console.web import COOKIE_PATH, HERE, SECURITY_HEADERS, Console, login_redirect

__all__ = ["mount_console"]


def mount_console(app: FastAPI, storage, keys, failure_window) -> Console:
    """Serve the console under /console/ on *app*; *failure_window* is the server's throttle class."""
    from sync.server.console import pages, pages_campaign, pages_office

    console = Console(storage, keys, failure_window)
    app.state.console = console
    router = APIRouter(prefix=COOKIE_PATH, include_in_schema=False)
    pages.register(router, console)
    pages_office.register(router, console)
    pages_campaign.register(router, console)
    app.include_router(router)
    app.state.console_router = router
    app.mount(COOKIE_PATH + "/static", StaticFiles(directory=str(HERE / "static")), name="console-static")

    @app.middleware("http")
    async def _console_headers(request: Request, call_next):
        response = await call_next(request)
        if request.url.path.startswith(COOKIE_PATH):
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            if request.url.path.startswith(COOKIE_PATH + "/static"):
                response.headers["Cache-Control"] = "private, max-age=300"
        return response

    @app.exception_handler(errors.ConsoleError)
    async def _console_error(request: Request, exc: errors.ConsoleError):
        if isinstance(exc, errors.NotSignedIn):
            if request.method == "GET":
                return login_redirect(request)
            return console.page(request, "error.html", status=401, error=exc, user=None)
        return console.page(request, "error.html", status=exc.http_status, error=exc)

    return console
