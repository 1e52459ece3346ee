"""The county server's HTTP API (FastAPI). Stateless apart from its storage.

Every answer other than 2xx is ``{"code", "message_zh", "message_en"}`` from the one
catalogue in :mod:`sync.errors`. Run it with ``fieldapp-server serve``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections import defaultdict, deque
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

from sync import errors
from sync.keys import KeyPair
from sync.protocol import (MAX_PULL_LIMIT, MAX_PUSH_BATCH, PROTOCOL_VERSION, MIN_PROTOCOL_VERSION, EnrollRequest, EnrollResponse,
                           ErrorBody, Hello, KnownRequest, KnownResponse, PullResponse, PushRequest, PushResponse,
                           ResolveRequest, ConflictNotice, SerialBlock, SerialRequest, DuplicateMember, AuditAnchor, AuditAnchorStored,
                           AuditAnchors, AppRelease, keys_are_valid)
from sync.set_aside import SetAsideEntry, SetAsideReport, SetAsideStored
from sync.review_messages import ApproveRequest, ApproveResponse, QueueItem, ReturnRequest, ReviewEvent, ReviewHistory, ReviewPage
from sync.server import review
from sync.server.auth import authenticate, check_protocol, device_scope, note_contact
from sync.server.checks import check_changes, warm_up
from sync.server.keystore import load_or_create_server_keys
from sync.appversion import SAFE_FILE_NAME
from sync.server.ops import restore_state
from sync.server.releases import DOWNLOAD_PATH, MIN_VERSION, check_app_version, note_device_version, package_path
from sync.server.limits import MAX_BODY_BYTES, BodyLimit, json_depth_exceeds
from sync.server.storage import Storage

log = logging.getLogger("fieldapp.server")


ERROR_RESPONSES = {status: {"model": ErrorBody, "description": "coded error"}
                   for status in (400, 401, 403, 404, 409, 413, 422, 426, 429)}
ENROLL_FAILURES_ALLOWED = 20        # unknown enrollment codes per client address ...
ENROLL_FAILURE_WINDOW_S = 600.0     # ... within this many seconds; then ENROLLMENT_THROTTLED until they age out


class FailureWindow:
    """Recent failures per client address; ``blocked`` once *allowed* fall within *window* seconds.

    Slows down guessing enrollment codes. Only unknown codes count, so the laptops of one
    township office enrolling together behind one address are never held up by their own
    successful enrollments.
    """

    def __init__(self, allowed: int, window: float, clock=time.monotonic):
        self.allowed, self.window, self.clock = allowed, window, clock
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, client: str) -> deque:
        times, horizon = self._failures[client], self.clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        """True if *client* has used up its failures in the window."""
        with self._lock:
            blocked = len(self._recent(client)) >= self.allowed
            if not self._failures[client]:
                del self._failures[client]
            return blocked

    def record(self, client: str) -> None:
        """Count one failure of *client*."""
        with self._lock:
            self._recent(client).append(self.clock())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def create_app(storage: Storage, server_keys: KeyPair | None = None, releases_dir: str | None = None,
               max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """Build the ASGI app over *storage* (migrated), creating the server keys on first use.

    *releases_dir*: the folder of offered app packages (``fieldapp-server release publish``).
    """
    keys = server_keys or load_or_create_server_keys(storage)
    app = FastAPI(title="fieldapp county sync server", version=str(PROTOCOL_VERSION),
                  description="四个摸清 走访数据同步服务器。Devices sign every request with their Ed25519 key.")
    app.state.storage, app.state.keys = storage, keys
    app.state.releases_dir, app.state.max_body_bytes = releases_dir, max_body_bytes
    from sync.server.console.state import StoredFailures   # in the database: shared by workers, kept over a restart

    app.state.enroll_failures = StoredFailures(storage, "enrollment", ENROLL_FAILURES_ALLOWED, ENROLL_FAILURE_WINDOW_S)
    app.add_middleware(BodyLimit, limit=max_body_bytes)   # enforced while reading (sync/server/limits.py)
    warm_up()
    from sync.server.console.mount import mount_console

    mount_console(app, storage, keys, FailureWindow)   # the web console under /console/

    @app.exception_handler(errors.SyncError)
    async def _coded(_request: Request, exc: errors.SyncError):
        return JSONResponse(exc.payload(), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(errors.MalformedRequest(f"{where}: {first.get('msg', 'invalid')}"[:300]).payload(), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return JSONResponse(errors.NotFound().payload(), status_code=404)
        err = errors.MalformedRequest(str(exc.detail)[:200])
        return JSONResponse(err.payload(), status_code=exc.status_code if 400 <= exc.status_code < 500 else 400)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.exception("unexpected server error: %s", type(exc).__name__)
        return JSONResponse(errors.InternalError().payload(), status_code=500)

    app.router.routes.extend(_api_routes())
    return app


def served(request: Request) -> State:
    """The state of the app answering *request*: its storage, keys, offered packages, body limit and throttle."""
    return request.app.state


@functools.cache
def _api_routes() -> tuple[BaseRoute, ...]:
    """The protocol's routes, built once per process and shared by every app made with :func:`create_app`.

    Building them (FastAPI analyses each handler and makes pydantic validators for its parameters and
    answer) is most of an app's construction, 0.08 s of CPU; every handler reads what it serves from
    ``request.app.state`` (:func:`served`), so one set of routes serves any number of apps.
    """
    router = APIRouter()

    async def protocol(request: Request) -> int:
        version = check_protocol(request.headers)
        state = served(request)
        await run_in_threadpool(check_app_version, state.storage, request.headers)
        body = await request.body()
        if len(body) > state.max_body_bytes:
            raise errors.BatchTooLarge(f"request body over {state.max_body_bytes} bytes")
        # NUL is never valid text in this protocol, and PostgreSQL text columns cannot hold it
        if b"\x00" in body or b"\\u0000" in body or "%00" in request.url.query:
            raise errors.MalformedRequest("NUL characters are not allowed")
        return version

    async def device(request: Request, _version: int = Depends(protocol)) -> dict:
        body = await request.body()
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return await run_in_threadpool(_authenticated, served(request).storage, request.method, target,
                                       request.headers, body)

    def _authenticated(storage, method, target, headers, body) -> dict:
        dev = authenticate(storage, method, target, headers, body)
        now = _now()
        note_device_version(storage, dev, headers, now)   # the devices page shows the version each laptop runs
        note_contact(storage, dev, now)                   # and when it last synced, even if nothing moved
        return dev

    @router.get("/v1/hello", response_model=Hello, tags=["protocol"])
    def hello(st: State = Depends(served)) -> dict:
        """Protocol range, server clock and public keys (no authentication)."""
        return {"protocol_version": PROTOCOL_VERSION, "min_protocol_version": MIN_PROTOCOL_VERSION,
                "server_time": _now(), "server_signing_key": st.keys.signing_public,
                "server_sealing_key": st.keys.sealing_public,
                "min_app_version": st.storage.setting(MIN_VERSION), **restore_state(st.storage)}

    @router.get("/v1/app/release", response_model=AppRelease, responses=ERROR_RESPONSES, tags=["app"])
    def app_release(platform: str = Query("deb-amd64", pattern="^[a-z0-9-]{1,20}$"), st: State = Depends(served)) -> dict:
        """The newest app package offered for *platform*, signed by the server key (no authentication:
        a laptop refused as too old must still be able to fetch its upgrade)."""
        offered = st.storage.releases(platform)
        if not offered:
            raise errors.PackageNotPublished(platform)
        return {**offered[0], "download_path": DOWNLOAD_PATH + offered[0]["file_name"]}

    @router.get(DOWNLOAD_PATH + "{file_name}", responses=ERROR_RESPONSES, tags=["app"])
    def app_download(file_name: str = PathParam(pattern=SAFE_FILE_NAME.pattern), st: State = Depends(served)):
        """The file of an offered app package (check it against the signed release before installing)."""
        if not st.releases_dir or file_name not in {r["file_name"] for r in st.storage.releases()}:
            raise errors.PackageNotPublished(file_name)
        return FileResponse(package_path(st.releases_dir, file_name), media_type="application/octet-stream",
                            filename=file_name)

    @router.post("/v1/enroll", response_model=EnrollResponse, responses=ERROR_RESPONSES, tags=["devices"])
    def enroll(body: EnrollRequest, request: Request, _version: int = Depends(protocol),
               st: State = Depends(served)) -> dict:
        """Register a laptop's public keys with a one-time enrollment code (20 wrong codes per address
        in 10 minutes, then ENROLLMENT_THROTTLED)."""
        client = request.client.host if request.client else "unknown"
        failures = st.enroll_failures
        if failures.blocked(client):
            log.warning("enrollment throttled after repeated unknown codes")
            raise errors.EnrollmentThrottled()
        if not keys_are_valid(body.signing_public_key, body.sealing_public_key):
            raise errors.MalformedRequest("public keys must be 32-byte base64 keys")
        from sync.server.admin import hash_code

        try:
            registered = st.storage.redeem_enrollment_code(
                hash_code(body.code),
                {"device_id": str(uuid.uuid4()), "label": body.label, "signing_key": body.signing_public_key,
                 "sealing_key": body.sealing_public_key}, _now())
        except errors.EnrollmentCodeInvalid:
            failures.record(client)
            raise
        log.info("device enrolled role=%s", registered["role"])
        return {"device_id": registered["device_id"], "role": registered["role"],
                "township_code": registered["township_code"], "villages": registered["villages"],
                "server_signing_key": st.keys.signing_public, "server_sealing_key": st.keys.sealing_public,
                "office_recovery_key": st.storage.office_key()}

    @router.post("/v1/push/known", response_model=KnownResponse, responses=ERROR_RESPONSES, tags=["sync"])
    def push_known(body: KnownRequest, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Which of these change ids the server already stored (cheap re-push after a lost answer)."""
        return {"known": st.storage.known(body.change_ids, dev["device_id"])}

    @router.post("/v1/push", response_model=PushResponse, responses=ERROR_RESPONSES, tags=["sync"])
    def push(body: PushRequest, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Merge a batch of changes atomically; idempotent per change id."""
        if len(body.changes) > MAX_PUSH_BATCH:
            raise errors.BatchTooLarge(f"at most {MAX_PUSH_BATCH} changes per push")
        changes = [c.model_dump() for c in body.changes]
        check_changes(changes)
        verdicts, conflicts = st.storage.push(device_scope(dev), dev["device_id"], changes, _now())
        return {"accepted": verdicts, "conflicts": conflicts}

    @router.post("/v1/serials", response_model=SerialBlock, responses=ERROR_RESPONSES, tags=["documents"])
    def reserve_serials(body: SerialRequest, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Hand the device the next block of 文号 for its own township: no two devices get the same number."""
        if dev["township_code"] != body.township_code:
            raise errors.OutsideArea("serial numbers of another township")
        first, last = st.storage.reserve_serials(body.township_code, body.kind, body.year, body.count, body.at_least,
                                                 dev["device_id"], _now())
        log.info("serial block reserved kind=%s count=%d", body.kind, last - first + 1)
        return {"kind": body.kind, "township_code": body.township_code, "year": body.year, "first": first, "last": last}

    @router.post("/v1/audit/anchor", response_model=AuditAnchorStored, responses=ERROR_RESPONSES, tags=["devices"])
    def audit_anchor(body: AuditAnchor, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Keep the head of the device's audit chain, so a rewritten chain shows later (409 if it already does)."""
        try:
            return {"stored": st.storage.add_audit_anchor(dev["device_id"], body.seq, body.hash, _now())}
        except errors.AuditAnchorMismatch:
            log.warning("audit chain of a device contradicts its anchors")
            raise

    @router.get("/v1/audit/anchors", response_model=AuditAnchors, responses=ERROR_RESPONSES, tags=["devices"])
    def audit_anchors(dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """The heads of the device's audit chain the server holds."""
        return {"anchors": st.storage.audit_anchors(dev["device_id"])}

    @router.get("/v1/pull", response_model=PullResponse, responses=ERROR_RESPONSES, tags=["sync"])
    def pull(cursor: int = Query(0, ge=0, le=2**62), limit: int = Query(500, ge=1, le=MAX_PULL_LIMIT),
             dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Changes, conflict notices and documents after *cursor* in the device's area (logged as a read)."""
        page = st.storage.pull(device_scope(dev), cursor, limit)
        st.storage.log_read(dev["device_id"], "pull", cursor, page["cursor"], page["changes"] + page["conflicts"], _now())
        return page

    @router.get("/v1/conflicts", response_model=list[ConflictNotice], responses=ERROR_RESPONSES, tags=["conflicts"])
    def conflicts(status: str | None = Query(None, pattern="^(open|merged|resolved)$"), dev: dict = Depends(device),
                  st: State = Depends(served)) -> list:
        """Conflict records in the device's area (logged as a read)."""
        found = st.storage.list_conflicts(device_scope(dev), status)
        st.storage.log_read(dev["device_id"], "conflicts", None, None, found, _now())
        return found

    @router.post("/v1/conflicts/{conflict_id}/resolve", response_model=ConflictNotice, responses=ERROR_RESPONSES,
                 tags=["conflicts"])
    def resolve(conflict_id: uuid.UUID, body: ResolveRequest, dev: dict = Depends(device),
                st: State = Depends(served)) -> dict:
        """An office device closes a hard conflict with the chosen values."""
        if dev["role"] != "office":
            raise errors.RoleNotAllowed()
        if json_depth_exceeds(body.fields):
            raise errors.MalformedRequest("resolution nested too deeply")
        return st.storage.resolve_conflict(device_scope(dev), str(conflict_id), body.fields, dev["device_id"],
                                           body.author, _now())

    @router.get("/v1/duplicates", response_model=list[DuplicateMember], responses=ERROR_RESPONSES, tags=["conflicts"])
    def duplicates(dev: dict = Depends(device), st: State = Depends(served)) -> list:
        """Office devices: households sharing a member's ID number with one of the township's households."""
        if dev["role"] != "office":
            raise errors.RoleNotAllowed()
        return st.storage.duplicate_members(device_scope(dev))

    @router.post("/v1/set-aside", response_model=SetAsideStored, responses=ERROR_RESPONSES, tags=["sync"])
    def report_set_aside(body: SetAsideReport, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """The device's whole current list of changes set aside after a refusal (replaces its previous report)."""
        stored = st.storage.set_aside.replace(dev, [i.model_dump() for i in body.items], _now())
        if stored:
            log.warning("device reports %d set-aside changes", stored)
        return {"stored": stored}

    @router.get("/v1/set-aside", response_model=list[SetAsideEntry], responses=ERROR_RESPONSES, tags=["sync"])
    def set_aside_reports(dev: dict = Depends(device), st: State = Depends(served)) -> list:
        """Set-aside changes reported by the laptops of an office's township (a visitor: its own report)."""
        return st.storage.set_aside.listed(device_scope(dev), dev["device_id"])
    # --- review (审核): the same functions as the CLI and the console, sync/server/review.py
    @router.get("/v1/reviews", response_model=ReviewPage, responses=ERROR_RESPONSES, tags=["review"])
    def review_events(cursor: int = Query(0, ge=0, le=2**62), limit: int = Query(500, ge=1, le=MAX_PULL_LIMIT),
                      dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Review events (approvals, returns) after *cursor* in the device's area (logged as a read)."""
        page = st.storage.reviews.since(device_scope(dev), cursor, limit)
        st.storage.log_read(dev["device_id"], "reviews", cursor, page["cursor"], page["events"], _now())
        return page

    @router.get("/v1/reviews/queue", response_model=list[QueueItem], responses=ERROR_RESPONSES, tags=["review"])
    def review_queue(village: str | None = Query(None, pattern="^[0-9]{12}$"), limit: int = Query(500, ge=1, le=2000),
                     dev: dict = Depends(device), st: State = Depends(served)) -> list:
        """Office devices: the visits of the township waiting for review, with suggestions and problems."""
        found = review.queue(st.storage, review.reviewer_for_device(dev), village_code=village, limit=limit)
        st.storage.log_read(dev["device_id"], "review_queue", None, None, found, _now())
        return found

    @router.post("/v1/reviews/approve", response_model=ApproveResponse, responses=ERROR_RESPONSES, tags=["review"])
    def review_approve(body: ApproveRequest, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Office devices: approve visits of the own township (several at once: those no longer waiting are skipped)."""
        return review.approve(st.storage, review.reviewer_for_device(dev, body.reviewer_name), body.visit_ids)

    @router.post("/v1/reviews/return", response_model=ReviewEvent, responses=ERROR_RESPONSES, tags=["review"])
    def review_return(body: ReturnRequest, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """Office devices: return a visit to its visitor with a comment naming what to fix."""
        return review.return_visit(st.storage, review.reviewer_for_device(dev, body.reviewer_name), body.visit_id,
                                   body.comment, body.field_comments)

    @router.get("/v1/reviews/{visit_id}", response_model=ReviewHistory, responses=ERROR_RESPONSES, tags=["review"])
    def review_history(visit_id: uuid.UUID, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """A visit's review state and events in the device's area (visitors too: they see what came back)."""
        return review.history(st.storage, review.Reviewer(device_scope(dev), dev["device_id"], dev["role"]), str(visit_id))

    @router.post("/v1/bundles", responses=ERROR_RESPONSES, tags=["bundles"])
    async def forward_bundle(request: Request, dev: dict = Depends(device), st: State = Depends(served)) -> dict:
        """A township office forwards a laptop's USB bundle; the answer is the receipt bundle."""
        if dev["role"] != "office":
            raise errors.RoleNotAllowed()
        from sync.server.bundles import import_bundle

        outcome = await run_in_threadpool(import_bundle, st.storage, st.keys, await request.body())
        return outcome.receipt

    return tuple(router.routes)
