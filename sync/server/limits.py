"""Limits on what a request may carry, enforced before anything is parsed or stored.

* The body limit is enforced while the body is read (an ASGI middleware), so an oversized or
  endless body costs the server at most the limit in memory, never the whole body.
* JSON nesting is limited on the way in: a JSON body nested deeper than any form needs is refused
  here with a coded error before any endpoint parses it (:func:`sync.protocol.raw_json_depth_exceeds`),
  and a change's fields again before they are stored (stored, they would break every later pull).
* Headers used as numbers are plain ASCII digits of bounded length (``int()`` of 5,000 digits or
  of a superscript digit raises).
* ``X-Forwarded-For`` is believed only from proxies the admin names (``serve --trusted-proxy``).
"""

from __future__ import annotations

import json

from sync import errors
from sync.protocol import MAX_JSON_DEPTH, MAX_MESSAGE_DEPTH, json_depth_exceeds, loads_bounded, raw_json_depth_exceeds  # noqa: F401 - the wire's one helper

MAX_BODY_BYTES = 64 * 1024 * 1024   # a push of 1,000 visits is ~1.5 MB; bundles forwarded by offices can be larger
MAX_DIGITS = 12                     # a Unix time in seconds has 10


def ascii_digits(text: str | None, max_digits: int = MAX_DIGITS) -> bool:
    """Whether *text* is 1..max_digits ASCII digits (``str.isdigit`` also accepts '²' and '٣')."""
    return bool(text) and len(text) <= max_digits and text.isascii() and text.isdigit()


def _error_response(err: errors.SyncError) -> tuple[dict, bytes]:
    body = json.dumps(err.payload(), ensure_ascii=False).encode("utf-8")
    start = {"type": "http.response.start", "status": err.http_status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                         (b"connection", b"close")]}
    return start, body


class BodyLimit:
    """ASGI middleware: read at most *limit* body bytes; answer 413 BATCH_TOO_LARGE as soon as a body is bigger.

    The body is read here (up to the limit) and handed on in the same chunks, so the app never sees
    a body over the limit and the server never holds more than the limit for one request.
    """

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            text = declared.decode("latin-1")
            if not ascii_digits(text, 20):
                return await self._refuse(send, errors.MalformedRequest("bad Content-Length"))
            if int(text) > self.limit:
                return await self._refuse(send, errors.BatchTooLarge(f"request body over {self.limit} bytes"))
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":   # the client went away
                chunks.append(message)
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                chunks.clear()
                return await self._refuse(send, errors.BatchTooLarge(f"request body over {self.limit} bytes"))
            chunks.append(message)
            if not message.get("more_body", False):
                break
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"").lower()
        # FastAPI parses a body without a content type as JSON too
        if (not content_type or b"json" in content_type) and raw_json_depth_exceeds(   # every JSON endpoint, before it is parsed
                b"".join(m.get("body", b"") for m in chunks if m["type"] == "http.request"), MAX_MESSAGE_DEPTH):
            refusal = errors.BundleMalformed if scope.get("path") == "/v1/bundles" else errors.MalformedRequest
            return await self._refuse(send, refusal(f"JSON nested deeper than {MAX_MESSAGE_DEPTH} levels"))
        replay = iter(chunks)

        async def buffered():
            message = next(replay, None)
            return message if message is not None else await receive()

        return await self.app(scope, buffered, send)

    @staticmethod
    async def _refuse(send, err: errors.SyncError) -> None:
        start, body = _error_response(err)
        await send(start)
        await send({"type": "http.response.body", "body": body})


def proxy_options(trusted_proxies: str | None) -> dict:
    """uvicorn options: believe ``X-Forwarded-For`` only from the named proxy addresses (none by default).

    uvicorn's own default believes it from 127.0.0.1, so any client of a local reverse proxy that
    passes the header on could pick its own address and escape the enrollment-code throttle.
    """
    allowed = ",".join(p.strip() for p in (trusted_proxies or "").split(",") if p.strip())
    return {"proxy_headers": bool(allowed), "forwarded_allow_ips": allowed or ""}
