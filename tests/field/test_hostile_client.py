"""The real client against answers tampered in transit (issue 19): a coded error and a stop, never a crash or a loop.

The real server app runs under uvicorn on 127.0.0.1 behind an ASGI layer that rewrites its JSON
answers (renamed or mistyped keys, a cursor that is a list, ``more`` never false). After every
tampered sync an honest sync must still deliver everything the laptop recorded.
"""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.client import SyncClient, enroll
from sync.errors import SyncError
from sync.memstore import MemoryStore
from sync.server.app import create_app
from sync.server.storage import Scope, open_storage
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, free_port, seed_areas

MAX_REQUESTS_PER_SYNC = 40
FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


class Tamper:
    """ASGI layer: hands each JSON answer of *path* to ``self.rewrite`` before it leaves the server."""

    def __init__(self, app):
        self.app, self.rewrite, self.requests = app, None, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.requests += 1
        rewrite, path = self.rewrite, scope["path"]
        if rewrite is None:
            return await self.app(scope, receive, send)
        held = {}

        async def capture(message):
            if message["type"] == "http.response.start":
                held["start"] = message
                return
            held.setdefault("body", []).append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(held["body"])
            try:
                body = json.dumps(rewrite(path, json.loads(body))).encode()
            except (ValueError, TypeError):
                pass
            headers = [(k, v) for k, v in held["start"]["headers"] if k.lower() != b"content-length"]
            await send(dict(held["start"], headers=headers + [(b"content-length", str(len(body)).encode())]))
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


@pytest.fixture
def storage(tmp_path):
    """SQLite only: what is under test is the client."""
    s = open_storage(f"sqlite:///{tmp_path}/server.db")
    s.migrate()
    seed_areas(s)
    yield s
    s.close()


@pytest.fixture
def tampered(storage):
    from sync.server.admin import issue_enrollment_code

    app = create_app(storage)
    tamper = Tamper(app)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(tamper, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    store = MemoryStore()
    enroll(store, f"http://127.0.0.1:{port}", issue_enrollment_code(storage, "visitor", TOWNSHIP, [VILLAGE_A], 1.0)[0])
    yield tamper, store
    server.should_exit = True
    thread.join(timeout=20)


def sync_once(tamper, store):
    """One sync; a SyncError is an acceptable outcome, anything else fails the test."""
    tamper.requests = 0
    with SyncClient(store, pull_limit=2) as client:
        try:
            client.sync()
            outcome = "ok"
        except SyncError as exc:
            assert exc.code and exc.message_zh
            outcome = exc.code
    assert tamper.requests <= MAX_REQUESTS_PER_SYNC
    return outcome


def record(store, text):
    hid = str(uuid.uuid4())
    store.edit("household", hid, hid, VILLAGE_A, {"address": text})
    return hid


def delivered(storage):
    return {r["entity_id"] for r in storage.records(Scope("admin", ""))}


NAMED = {
    "cursor is a list": lambda p, d: dict(d, cursor=[1]) if p == "/v1/pull" else d,
    "more never false": lambda p, d: dict(d, more=True) if p == "/v1/pull" else d,
    "more, cursor stuck": lambda p, d: dict(d, more=True, cursor=0) if p == "/v1/pull" else d,
    "accepted renamed": lambda p, d: {"acceptd": d["accepted"], "conflicts": d["conflicts"]} if p == "/v1/push" else d,
    "verdicts dropped": lambda p, d: dict(d, accepted=[]) if p == "/v1/push" else d,
    "known lies": lambda p, d: {"known": [str(uuid.uuid4())]} if p == "/v1/push/known" else d,
    "hello time garbage": lambda p, d: dict(d, server_time="x" * 50) if p == "/v1/hello" else d,
    "changes mistyped": lambda p, d: dict(d, changes="nope") if p == "/v1/pull" else d,
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_tampering_gives_a_coded_error_and_loses_nothing(tampered, storage, name):
    tamper, store = tampered
    mine = {record(store, "东村 1 号"), record(store, "东村 2 号"), record(store, "东村 3 号")}
    tamper.rewrite = NAMED[name]
    outcome = sync_once(tamper, store)
    assert outcome in ("ok", "UNEXPECTED_RESPONSE"), outcome
    tamper.rewrite = None
    assert sync_once(tamper, store) == "ok"
    assert mine <= delivered(storage) and store.outbox == []


def mutate(doc, path, how):
    """Apply one tampering at *path* inside *doc* (a copy)."""
    doc = json.loads(json.dumps(doc))
    parent, key = None, None
    node = doc
    for step in path:
        if isinstance(node, dict) and node:
            parent, key = node, sorted(node)[step % len(node)]
        elif isinstance(node, list) and node:
            parent, key = node, step % len(node)
        else:
            break
        node = parent[key]
    if parent is None:
        return how[1] if how[0] == "replace" else doc
    if how[0] == "rename" and isinstance(parent, dict):
        parent[str(key) + "_"] = parent.pop(key)
    elif how[0] == "delete" and isinstance(parent, dict):
        del parent[key]
    else:
        parent[key] = how[1]
    return doc


odd_values = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**64, max_value=2**64), st.text(max_size=5),
                       st.just([[[[]]]]), st.just({"": {}}), st.just("9" * 5000), st.floats())
hows = st.one_of(st.tuples(st.just("rename"), st.none()), st.tuples(st.just("delete"), st.none()),
                 st.tuples(st.just("replace"), odd_values))


@FUZZ
@given(target=st.sampled_from(["/v1/hello", "/v1/push", "/v1/pull", "/v1/push/known"]),
       path=st.lists(st.integers(min_value=0, max_value=50), max_size=4), how=hows)
def test_fuzzed_tampering_never_crashes_or_loops_and_an_honest_sync_then_delivers(tampered, storage, target, path, how):
    tamper, store = tampered
    hid = record(store, "东村 fuzz")
    tamper.rewrite = lambda p, d: mutate(d, path, how) if p == target else d
    sync_once(tamper, store)
    tamper.rewrite = None
    assert sync_once(tamper, store) == "ok"
    assert hid in delivered(storage) and store.outbox == []


# --- the laptop app's whole sync (real SQCipher vaults, visitor and office) -----------------------------------
def garble(how: str, doc):
    """One way an answer can arrive tampered: keys renamed, values of the wrong type, or not the shape at all."""
    if how == "keys renamed":
        return {f"{k}_": v for k, v in doc.items()} if isinstance(doc, dict) else [{"x_": 1}]
    if how == "values mistyped":
        return {k: [[[]]] for k in doc} if isinstance(doc, dict) else [{"x": [[[]]]}, "x"]
    if how == "cursor stuck, more forever":
        return dict(doc, cursor=0, more=True) if isinstance(doc, dict) and "more" in doc else doc
    return "x" if isinstance(doc, (dict, list)) else {}                   # "not the shape"


APP_PATHS = ["/v1/hello", "/v1/push/known", "/v1/push", "/v1/pull", "/v1/reviews", "/v1/serials", "/v1/audit/anchor",
             "/v1/duplicates", "/v1/set-aside"]


@pytest.fixture
def app_laptops(tampered, storage, tmp_path):
    """A visitor and an office vault enrolled through the tampering layer, each holding a serial block running low."""
    from fieldapp import syncing
    from fieldapp.vault import FAST_KDF, Vault
    from sync.server.admin import issue_enrollment_code

    tamper, store = tampered
    url = store.get_sync_state("server_url")
    vaults = {}
    for role in ("visitor", "office"):
        v = Vault.create(tmp_path / role, "张三", "tea-leaf-river-42", None, kdf=FAST_KDF)
        code = issue_enrollment_code(storage, role, TOWNSHIP, [VILLAGE_A] if role == "visitor" else [], 1.0)[0]
        syncing.enroll(v, url, code)
        syncing.reserve_serials(v, "consent", TOWNSHIP, time.gmtime().tm_year, 1, count=1)
        vaults[role] = v
    yield tamper, vaults
    for v in vaults.values():
        v.lock()


def app_visit(vault, address):
    hid = str(uuid.uuid4())
    vault.save_visit({"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
                      "household_id": hid, "visit_id": str(uuid.uuid4()), "status": "draft",
                      "answers": {"visit_date": "2026-05-12", "village_code": VILLAGE_A, "area_type": "rural",
                                  "address": address, "members": [{"member_id": str(uuid.uuid4()), "name": "王芳",
                                                                   "relation": "head"}]}})
    return hid


@pytest.mark.parametrize("how", ["keys renamed", "values mistyped", "cursor stuck, more forever", "not the shape"])
def test_the_apps_sync_meets_tampered_answers_with_a_coded_error_and_an_honest_sync_delivers(app_laptops, storage, how):
    """``fieldapp sync`` as the app runs it — push, pull, reviews, 文号 top-up, audit anchor, set-aside report, the
    office's duplicate list — with each answer in turn tampered: a coded error or a finished sync, never a crash."""
    from fieldapp import syncing

    tamper, vaults = app_laptops
    sent = set()
    for target in APP_PATHS:
        for role, vault in vaults.items():
            sent.add(app_visit(vault, f"东村 {target} {role}"))
            tamper.requests = 0
            tamper.rewrite = lambda p, d, target=target: garble(how, d) if p == target else d
            try:
                syncing.sync_now(vault)
            except SyncError as exc:
                assert exc.code and exc.message_zh, exc
            assert tamper.requests <= MAX_REQUESTS_PER_SYNC, (target, role, tamper.requests)
            tamper.rewrite = None
            syncing.sync_now(vault)
            assert vault.pending_count() == 0, (target, role)
    assert sent <= {r["household_id"] for r in storage.records(Scope("admin", ""))}


@pytest.mark.parametrize("how", ["keys renamed", "values mistyped", "not the shape"])
def test_the_office_tools_meet_tampered_answers_with_a_coded_error(app_laptops, how):
    """The office's review queue, conflicts, review history and the audit check read checked answers too."""
    from fieldapp import syncing

    tamper, vaults = app_laptops
    calls = {"/v1/reviews/queue": lambda c: c.review_queue(), "/v1/conflicts": lambda c: c.conflicts(),
             "/v1/audit/anchors": lambda c: c.audit_anchors(),
             "/v1/reviews/approve": lambda c: c.approve([str(uuid.uuid4())]),
             "/v1/reviews/return": lambda c: c.return_visit(str(uuid.uuid4()), "请补充"),
             "/v1/conflicts/": lambda c: c.resolve_conflict(str(uuid.uuid4()), {}),
             "/v1/reviews/": lambda c: c.review_history(str(uuid.uuid4()))}
    syncing.sync_now(vaults["office"])
    for prefix, call in calls.items():
        tamper.rewrite = lambda p, d, prefix=prefix: garble(how, d) if p.startswith(prefix) else d
        with SyncClient(vaults["office"]) as client:
            try:
                call(client)
            except SyncError as exc:
                assert exc.code and exc.message_zh, (prefix, exc)
    tamper.rewrite = None
