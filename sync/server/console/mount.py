"""Mounting the console on the server's FastAPI app: its routes, static files and security headers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders

from sync.server.console import errors
from sync.server.console.web import COOKIE_PATH, HERE, SECURITY_HEADERS, Console, login_redirect

__all__ = ["mount_console"]


class ConsoleHeaders:
    """ASGI middleware: the security headers on every console answer (other paths pass untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(COOKIE_PATH):
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(COOKIE_PATH + "/static")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if static:
                    headers["Cache-Control"] = "private, max-age=300"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_console(app: FastAPI, storage, keys, failure_window) -> Console:
    """Serve the console under /console/ on *app*; *failure_window* is the server's throttle class."""
    from sync.server.console import pages, pages_campaign, pages_letters, pages_office

    console = Console(storage, keys, failure_window)
    app.state.console = console
    router = APIRouter(prefix=COOKIE_PATH, include_in_schema=False)
    pages.register(router, console)
    pages_office.register(router, console)
    pages_campaign.register(router, console)
    pages_letters.register(router, console)
    app.include_router(router)
    app.state.console_router = router
    app.mount(COOKIE_PATH + "/static", StaticFiles(directory=str(HERE / "static")), name="console-static")

    app.add_middleware(ConsoleHeaders)

    @app.exception_handler(errors.ConsoleError)
    async def _console_error(request: Request, exc: errors.ConsoleError):
        if isinstance(exc, errors.NotSignedIn):
            if request.method == "GET":
                return login_redirect(request)
            return console.page(request, "error.html", status=401, error=exc, user=None)
        return console.page(request, "error.html", status=exc.http_status, error=exc)

    return console
