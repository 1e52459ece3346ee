"""The laptop's sync client: enroll, push the outbox in batches, pull since the cursor.

Push before pull: the client pulls only after every pending change was acknowledged, so a
pulled change never races an unacknowledged copy of itself. The cursor moves only inside
the store's ``apply_pulled`` transaction, so an interrupted sync resumes where it stopped.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import urlencode

import httpx
from pydantic import ValidationError

from sync import errors
from sync.appversion import APP_VERSION_HEADER, installed_app_version
from sync.keys import KeyPair
from sync.protocol import (MAX_PUSH_BATCH, PROTOCOL_HEADER, PROTOCOL_VERSION, EnrollResponse, Hello, KnownResponse,
                           PullResponse, PushResponse, canonical_json, loads_bounded)
from sync.protocol import MAX_PULL_LIMIT, AuditAnchors, AuditAnchorStored, ConflictNotice, DuplicateMember, SerialBlock
from sync.review_messages import ApproveResponse, QueueItem, ReviewEvent, ReviewHistory, ReviewPage
from sync.set_aside import SetAsideEntry, SetAsideStored
from sync.signing import CLOCK_WINDOW_SECONDS, sign_request
from sync import store as st

log = logging.getLogger("fieldapp.sync")

STATE_DATA_EPOCH = "server_data_epoch"   # the server database's history this laptop last synced with
PRECHECK_LIMIT = 20_000     # pending changes offered to /v1/push/known per sync
KNOWN_CHUNK = 5_000         # change ids per /v1/push/known request
# refusals that concern one change, not the device or the connection: that change is set aside, the rest syncs
SET_ASIDE_CODES = frozenset({"CHANGE_INVALID", "OUTSIDE_AREA", "MALFORMED_REQUEST", "CHANGE_ID_REUSED"})
# POSTs the server answers the same way when sent twice: a push is de-duplicated by change id, the
# known-check only reads, an audit anchor already stored with the same hash is accepted as stored.
# (Never 文号 reservations or review decisions: sent twice, they would take a second block or event.)
REPEATABLE_POSTS = frozenset({"/v1/push", "/v1/push/known", "/v1/audit/anchor"})
Progress = Callable[[str, int, int], None]   # (stage "push" | "pull", done, total or 0 if unknown)


@dataclass
class SyncReport:
    """What one sync did: counts a progress dialog or CLI shows."""

    pushed: int = 0
    duplicates: int = 0
    pulled: int = 0
    pulled_own: int = 0  # of those, this laptop's own changes coming back merged (not news from others)
    conflicts: list[dict] = field(default_factory=list)
    documents: int = 0
    cursor: int = 0
    set_aside: list[dict] = field(default_factory=list)   # changes the server refused on their own: {change_id, code, reason}
    reviews: list[dict] = field(default_factory=list)    # review events received (approvals, returns)

    def add_conflicts(self, notices: list[dict]) -> None:
        """Keep the latest notice per conflict id (a push and the following pull report the same one)."""
        known = {c["conflict_id"]: i for i, c in enumerate(self.conflicts)}
        for notice in notices:
            if notice["conflict_id"] in known:
                self.conflicts[known[notice["conflict_id"]]] = notice
            else:
                known[notice["conflict_id"]] = len(self.conflicts)
                self.conflicts.append(notice)


@functools.lru_cache(maxsize=8)
def _ssl_context(ca_pem: str | None) -> ssl.SSLContext:
    """The TLS context for *ca_pem* (the pinned county CA) or the system's CAs: built once per process.

    Loading the CA bundle costs about 40 ms of CPU; an SSLContext is safe to share between clients.
    Without a pinned CA it is httpx's own default (certifi's bundle, or $SSL_CERT_FILE / $SSL_CERT_DIR).
    """
    if not ca_pem:
        return httpx.create_ssl_context()
    return ssl.create_default_context(cadata=ca_pem)


def _expect(model, payload, what: str) -> dict:
    """The server's answer checked against the protocol's *model* (a tampered answer is UnexpectedResponse, not a crash).

    Strict: JSON already has the right types, so nothing is coerced and the answer is used as it came
    (no copy of a 2,000-change page).
    """
    try:
        model.model_validate(payload, strict=True)
        return payload
    except (ValidationError, RecursionError, TypeError) as exc:
        raise errors.UnexpectedResponse(f"{what}: {str(exc).splitlines()[0][:200]}") from None


def _expect_list(model, payload, what: str) -> list:
    """A list answer, each item checked against *model* (see :func:`_expect`)."""
    if not isinstance(payload, list):
        raise errors.UnexpectedResponse(f"{what}: not a list")
    return [_expect(model, item, what) for item in payload]


def _http(server_url: str, ca_pem: str | None, transport: httpx.BaseTransport | None, timeout: float,
          app_version: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=server_url.rstrip("/"), verify=_ssl_context(ca_pem), transport=transport,
                        timeout=timeout, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                                                  APP_VERSION_HEADER: app_version or installed_app_version()})


# A request that got no answer: most often a kept-alive connection the server closed (its keep-alive ran
# out while the laptop was writing a pulled page into its vault, and the next request went out on the
# dying socket), or a response cut by the network. One that is safe to repeat is sent once more on a
# fresh connection; a refused connection (the server is not there) is not retried.
STALE_CONNECTION = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class _Stale(Exception):
    """Internal: a repeatable request met a closed kept-alive connection."""


def _request(http: httpx.Client, method: str, path: str, body: bytes | None, headers: dict | None,
             repeatable: bool) -> httpx.Response:
    try:
        return http.request(method, path, content=body, headers=headers)
    except httpx.ConnectError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or isinstance(exc.__cause__, ssl.SSLError):
            raise errors.TlsVerifyFailed(str(exc)[:200]) from None
        raise errors.ServerUnreachable(type(exc).__name__) from None
    except STALE_CONNECTION as exc:
        if repeatable:
            raise _Stale(type(exc).__name__) from None
        raise errors.ServerUnreachable(type(exc).__name__) from None
    except httpx.TransportError as exc:
        raise errors.ServerUnreachable(type(exc).__name__) from None


def _send(http: httpx.Client, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
          again: Callable[[], dict] | None = None):
    """One request and its checked JSON answer.

    *again*, for a request that is safe to repeat (a read, or a push the server de-duplicates by change
    id), gives fresh headers (a new signature and nonce): a stale kept-alive connection is then retried
    once on a new connection instead of failing the whole sync.
    """
    try:
        response = _request(http, method, path, body, headers, repeatable=again is not None)
    except _Stale as stale:
        log.info("no answer (%s); sending %s %s again", stale, method,
                 path.split("?")[0])
        response = _request(http, method, path, body, again(), repeatable=False)
    try:   # a tampered or broken answer (not JSON, nested 1,000 deep) is a coded error, never a crash
        payload = loads_bounded(response.content, errors.UnexpectedResponse)
    except errors.UnexpectedResponse as exc:
        raise errors.UnexpectedResponse(f"HTTP {response.status_code}: {exc}") from None
    if response.status_code >= 400:
        raise _absolute_download(errors.error_from_payload(response.status_code, payload), http)
    return payload


def _absolute_download(exc: errors.SyncError, http: httpx.Client) -> errors.SyncError:
    # the server names its own download path; the laptop knows the address it reaches the server at
    if isinstance(exc, errors.AppVersionTooOld) and exc.download_url and exc.download_url.startswith("/"):
        exc.download_url = str(http.base_url).rstrip("/") + exc.download_url
    return exc


def enroll(store, server_url: str, code: str, ca_cert_pem: str | None = None, label: str = "",
           transport: httpx.BaseTransport | None = None, timeout: float = 30, app_version: str | None = None) -> dict:
    """Generate this laptop's keys, register them with a one-time code, keep everything in *store*."""
    keys = KeyPair.generate()
    body = canonical_json({"code": code, "signing_public_key": keys.signing_public,
                           "sealing_public_key": keys.sealing_public, "label": label})
    with _http(server_url, ca_cert_pem, transport, timeout, app_version) as http:
        answer = _expect(EnrollResponse, _send(http, "POST", "/v1/enroll", body, {"Content-Type": "application/json"}),
                         "enroll")
    for key, value in ((st.STATE_SERVER_URL, server_url.rstrip("/")), (st.STATE_CA_CERT, ca_cert_pem),
                       (st.STATE_DEVICE_ID, answer["device_id"]), (st.STATE_DEVICE_KEYS, keys.to_secret_text()),
                       (st.STATE_SERVER_SIGNING_KEY, answer["server_signing_key"]),
                       (st.STATE_SERVER_SEALING_KEY, answer["server_sealing_key"]),
                       (st.STATE_ROLE, answer["role"]), (st.STATE_TOWNSHIP, answer["township_code"]),
                       (st.STATE_VILLAGES, json.dumps(answer["villages"])), (st.STATE_CURSOR, "0"),
                       (st.STATE_OFFICE_KEY, None)):   # a key version of an earlier server means nothing here
        store.set_sync_state(key, value)
    if answer.get("office_recovery_key"):
        accept_office_key(store, answer["office_recovery_key"])
    log.info("enrolled as %s device", answer["role"])
    return answer


def accept_office_key(store, doc: dict) -> bool:
    """Keep the county office's recovery key if it is signed by the pinned server key and not older than ours.

    Returns True if the stored key changed. OfficeKeyInvalid if the signature does not verify.
    """
    from sync import officekey

    version, pem = officekey.verify(doc, store.get_sync_state(st.STATE_SERVER_SIGNING_KEY) or "")
    held = store.get_sync_state(st.STATE_OFFICE_KEY)
    if held:
        held_doc = json.loads(held)
        if held_doc["version"] > version or (held_doc["version"] == version and held_doc["public_key_pem"] == pem):
            return False
    store.set_sync_state(st.STATE_OFFICE_KEY, json.dumps({"version": version, "public_key_pem": pem}))
    log.info("office recovery key version %d received", version)
    return True


def office_key_pem(store) -> str | None:
    """The verified office recovery public key (PEM text) this store holds, or None."""
    held = store.get_sync_state(st.STATE_OFFICE_KEY)
    return json.loads(held)["public_key_pem"] if held else None


class SyncClient:
    """Talks to the county server on behalf of one enrolled store."""

    def __init__(self, store, transport: httpx.BaseTransport | None = None, timeout: float = 30,
                 batch_size: int = 200, pull_limit: int = MAX_PULL_LIMIT, app_version: str | None = None):
        self.store = store
        device_id, secret = store.get_sync_state(st.STATE_DEVICE_ID), store.get_sync_state(st.STATE_DEVICE_KEYS)
        url = store.get_sync_state(st.STATE_SERVER_URL)
        if not (device_id and secret and url):
            raise errors.NotEnrolled()
        self.device_id, self.keys = device_id, KeyPair.from_secret_text(secret)
        self.batch_size, self.pull_limit = min(batch_size, MAX_PUSH_BATCH), pull_limit
        self.http = _http(url, store.get_sync_state(st.STATE_CA_CERT), transport, timeout, app_version)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method: str, path: str, payload: object | None = None, query: dict | None = None):
        target = path + ("?" + urlencode(query) if query else "")
        body = canonical_json(payload) if payload is not None else b""

        def signed() -> dict:   # a fresh nonce each time: the server refuses a replayed one
            headers = sign_request(self.keys, self.device_id, method, target, body)
            if payload is not None:
                headers["Content-Type"] = "application/json"
            return headers

        repeatable = method == "GET" or path in REPEATABLE_POSTS
        return _send(self.http, method, target, body if payload is not None else None, signed(),
                     again=signed if repeatable else None)

    def hello(self) -> dict:
        """Check the server's protocol range and clock before syncing."""
        answer = _expect(Hello, _send(self.http, "GET", "/v1/hello"), "hello")
        if answer.get("protocol_version", 0) < PROTOCOL_VERSION:
            raise errors.ServerTooOld(f"server protocol {answer.get('protocol_version')}")
        if answer.get("min_protocol_version", 0) > PROTOCOL_VERSION:
            raise errors.ClientTooOld(f"server needs protocol {answer['min_protocol_version']}")
        try:
            server_time = datetime.fromisoformat(answer["server_time"]).timestamp()
        except (ValueError, OverflowError):
            raise errors.UnexpectedResponse("hello: server_time is not a time") from None
        if abs(server_time - time.time()) > CLOCK_WINDOW_SECONDS:
            raise errors.ClockSkew(f"clock differs from server by {int(time.time() - server_time)} s")
        return answer

    def reserve_serials(self, kind: str, township_code: str, year: int, count: int, at_least: int = 1) -> tuple[int, int]:
        """Ask the server for the next *count* 文号 of *kind* for the device's township: (first, last), ours alone."""
        answer = _expect(SerialBlock, self._call("POST", "/v1/serials", {
            "kind": kind, "township_code": township_code, "year": int(year), "count": int(count),
            "at_least": max(1, int(at_least))}), "serials")
        if not max(1, int(at_least)) <= answer["first"] <= answer["last"] < answer["first"] + int(count):
            raise errors.UnexpectedResponse(f"serials: block {answer['first']}..{answer['last']} for {count} from {at_least}")
        return answer["first"], answer["last"]

    def anchor_audit(self, seq: int, digest: str) -> bool:
        """Send the head of this laptop's audit chain; True if the server had not seen it."""
        return _expect(AuditAnchorStored, self._call("POST", "/v1/audit/anchor", {"seq": int(seq), "hash": digest}),
                       "audit anchor")["stored"]

    def duplicates(self) -> list[dict]:
        """Office devices: households sharing a member's ID number (``GET /v1/duplicates``)."""
        return _expect_list(DuplicateMember, self._call("GET", "/v1/duplicates"), "duplicates")

    def report_set_aside(self, items: list[dict]) -> int:
        """Tell the server this laptop's whole current list of set-aside changes (``POST /v1/set-aside``)."""
        return int(_expect(SetAsideStored, self._call("POST", "/v1/set-aside", {"items": items}), "set-aside")["stored"])

    def set_aside_reports(self) -> list[dict]:
        """Office devices: the set-aside changes the township's laptops reported (``GET /v1/set-aside``)."""
        answer = self._call("GET", "/v1/set-aside")
        if not isinstance(answer, list):
            raise errors.UnexpectedResponse("set-aside: not a list")
        return [_expect(SetAsideEntry, item, "set-aside") for item in answer]

    def audit_anchors(self) -> list[dict]:
        """The heads of this laptop's audit chain the server holds, oldest first."""
        anchors = _expect(AuditAnchors, self._call("GET", "/v1/audit/anchors"), "audit anchors")["anchors"]
        if not all(isinstance(a.get("seq"), int) and isinstance(a.get("hash"), str) for a in anchors):
            raise errors.UnexpectedResponse("audit anchors: an anchor without seq and hash")
        return anchors

    def precheck(self, report: SyncReport) -> None:
        """Acknowledge pending changes the server already stored (an earlier answer was lost).

        One cheap request per 5,000 change ids instead of re-sending whole changes.
        """
        pending = self.store.pending_changes(PRECHECK_LIMIT)
        ids = [c["change_id"] for c in pending]
        for start in range(0, len(ids), KNOWN_CHUNK):
            offered = ids[start:start + KNOWN_CHUNK]
            known = _expect(KnownResponse, self._call("POST", "/v1/push/known", {"change_ids": offered}), "known")["known"]
            known = sorted(set(known) & set(offered))        # never acknowledge what was not offered
            if known:
                self.store.acknowledge(known)
                report.duplicates += len(known)

    def push(self, report: SyncReport | None = None, progress: Progress | None = None) -> SyncReport:
        """Send the outbox batch by batch until it is empty; acknowledge what the server stored."""
        report = report or SyncReport()
        counter = getattr(self.store, "pending_count", None)     # the vault offers it; totals for the progress dialog
        total = counter() if callable(counter) else 0
        self.precheck(report)
        seen_batches: set[tuple[str, ...]] = set()
        while True:
            batch = self.store.pending_changes(self.batch_size)
            if not batch:
                break
            ids = tuple(c["change_id"] for c in batch)
            if ids in seen_batches:   # the store did not drop acknowledged changes: stop rather than loop
                raise errors.UnexpectedResponse("local outbox did not shrink after acknowledgement")
            seen_batches.add(ids)
            self._push_batch(batch, report)
            if progress:
                progress("push", report.pushed + report.duplicates, total)
        return report

    def _push_batch(self, batch: list[dict], report: SyncReport) -> None:
        """Push one batch; if the server refuses it for one bad change, halve until that change is found and set aside.

        A refused change (a poison pill: malformed, outside the area, a reused id) must not hold back
        every good change recorded after it; it stays in the vault, listed, for the visitor to fix.
        """
        ids = [c["change_id"] for c in batch]
        try:
            answer = _expect(PushResponse, self._call("POST", "/v1/push", {"changes": batch}), "push")
        except errors.SyncError as exc:
            if exc.code not in SET_ASIDE_CODES or not callable(getattr(self.store, "set_aside", None)):
                raise
            if len(batch) == 1:
                log.warning("change set aside: %s", exc.code)
                self.store.set_aside(ids[0], exc.code, str(exc))
                report.set_aside.append({"change_id": ids[0], "entity": batch[0]["entity"],
                                         "household_id": batch[0]["household_id"], "code": exc.code,
                                         "message_zh": exc.message_zh, "reason": str(exc)[:300]})
                return
            half = len(batch) // 2
            self._push_batch(batch[:half], report)
            self._push_batch(batch[half:], report)
            return
        if {a["change_id"] for a in answer["accepted"]} != set(ids):   # acknowledge only what the server stored
            raise errors.UnexpectedResponse("push: the verdicts do not match the batch")
        self.store.record_conflicts(answer["conflicts"])
        report.add_conflicts(answer["conflicts"])
        report.pushed += sum(1 for a in answer["accepted"] if a["status"] != "duplicate")
        report.duplicates += sum(1 for a in answer["accepted"] if a["status"] == "duplicate")
        self.store.acknowledge(ids)

    def pull(self, report: SyncReport | None = None, progress: Progress | None = None) -> SyncReport:
        """Fetch pages since the cursor; each page is stored before the cursor moves."""
        report = report or SyncReport()
        while True:
            cursor = int(self.store.get_sync_state(st.STATE_CURSOR) or 0)
            page = _expect(PullResponse, self._call("GET", "/v1/pull", query={"cursor": cursor, "limit": self.pull_limit}),
                           "pull")
            # a page must move forward, and "more" comes only with a full page: a broken or hostile answer stops here
            if page["cursor"] < cursor or (page["more"] and (page["cursor"] == cursor or not page["changes"])):
                raise errors.UnexpectedResponse(f"pull: cursor {page['cursor']} after {cursor}, more={page['more']}")
            if page["conflicts"]:
                self.store.record_conflicts(page["conflicts"])
                report.add_conflicts(page["conflicts"])
            for doc in page["documents"]:
                store_document(self.store, doc)
            report.documents += len(page["documents"])
            if page.get("office_recovery_key"):
                accept_office_key(self.store, page["office_recovery_key"])
            self.store.apply_pulled(page["changes"], page["cursor"])
            report.pulled += len(page["changes"])
            report.pulled_own += sum(1 for c in page["changes"] if c.get("device_id") == self.device_id)
            report.cursor = page["cursor"]
            if progress:
                progress("pull", report.pulled, 0)
            if not page["more"]:
                break
        return report

    def follow_restore(self, hello: dict) -> int:
        """If the county restored its database from a backup, queue again what this laptop still holds.

        Returns how many acknowledged changes were queued again. The cursor goes back to the last
        change the backup held, so that changes other laptops send again are pulled too. Pushing
        again never doubles anything: the server stores each change id once.
        """
        epoch, held = hello.get("data_epoch"), self.store.get_sync_state(STATE_DATA_EPOCH)
        requeued = 0
        if epoch and held and epoch != held:
            requeue = getattr(self.store, "requeue_acknowledged", None)
            requeued = requeue() if callable(requeue) else 0
            restored = hello.get("restored_seq")
            cursor = int(self.store.get_sync_state(st.STATE_CURSOR) or 0)
            if restored is not None and cursor > int(restored):
                self.store.set_sync_state(st.STATE_CURSOR, str(int(restored)))
            log.warning("server database was restored: %d changes queued again", requeued)
        if epoch and epoch != held:
            self.store.set_sync_state(STATE_DATA_EPOCH, epoch)
        return requeued

    def forget_backed_up(self, hello: dict) -> None:
        """Drop the kept copies of changes acknowledged well before the server's last completed backup."""
        forget = getattr(self.store, "forget_acknowledged", None)
        if hello.get("backed_up_at") and callable(forget):
            safe = datetime.fromisoformat(hello["backed_up_at"]) - timedelta(seconds=2 * CLOCK_WINDOW_SECONDS)
            forget(safe.astimezone(timezone.utc).isoformat(timespec="seconds"))

    def sync(self, progress: Progress | None = None) -> SyncReport:
        """One full sync: hello, push everything, then pull everything new."""
        hello = self.hello()
        self.follow_restore(hello)
        report = self.push(progress=progress)
        self.pull(report, progress=progress)
        self.forget_backed_up(hello)
        self.pull_reviews(report)
        self.store.set_sync_state(st.STATE_LAST_SYNC, datetime.now().astimezone().isoformat(timespec="seconds"))
        return report

    def latest_release(self, platform: str) -> dict:
        """The newest package the county offers for *platform*, its signature checked against the pinned key."""
        from sync.appversion import verify_release

        answer = _send(self.http, "GET", "/v1/app/release?" + urlencode({"platform": platform}))
        release = verify_release(answer, self.store.get_sync_state(st.STATE_SERVER_SIGNING_KEY) or "")
        return {**release, "download_path": answer.get("download_path", "")}

    def download_release(self, release: dict, folder) -> "Path":
        """Download a verified *release* into *folder*; the file is kept only if its size and SHA-256 match."""
        from pathlib import Path

        from sync.appversion import check_download

        target = Path(folder) / release["file_name"]
        partial = target.with_name(target.name + ".partial")
        try:
            with self.http.stream("GET", "/v1/app/download/" + release["file_name"]) as response:
                if response.status_code != 200:
                    raise errors.PackageNotPublished(release["file_name"])
                with open(partial, "wb") as out:
                    for block in response.iter_bytes(1 << 20):
                        out.write(block)
            check_download(partial, release)
        except httpx.TransportError as exc:
            partial.unlink(missing_ok=True)
            raise errors.ServerUnreachable(type(exc).__name__) from None
        except errors.SyncError:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        return target

    def pull_reviews(self, report: SyncReport | None = None) -> SyncReport:
        """Fetch review events (approvals, returns) since the review cursor, if the store keeps them."""
        report = report or SyncReport()
        if not callable(getattr(self.store, "record_reviews", None)):
            return report
        while True:
            cursor = int(self.store.get_sync_state(st.STATE_REVIEW_CURSOR) or 0)
            page = _expect(ReviewPage, self._call("GET", "/v1/reviews", query={"cursor": cursor, "limit": self.pull_limit}),
                           "reviews")
            if page["cursor"] < cursor or (page["more"] and (page["cursor"] == cursor or not page["events"])):
                raise errors.UnexpectedResponse(f"reviews: cursor {page['cursor']} after {cursor}, more={page['more']}")
            self.store.record_reviews(page["events"], page["cursor"])
            report.reviews += page["events"]
            if not page["more"]:
                return report

    def review_queue(self, village_code: str | None = None, limit: int = 500) -> list[dict]:
        """Office devices: the township's visits waiting for review, with suggestions and problems."""
        query = {"limit": limit, **({"village": village_code} if village_code else {})}
        return _expect_list(QueueItem, self._call("GET", "/v1/reviews/queue", query=query), "review queue")

    def approve(self, visit_ids: list[str], reviewer_name: str = "") -> dict:
        """Office devices: approve visits; ``{"approved": [events], "skipped": [...]}``."""
        return _expect(ApproveResponse, self._call("POST", "/v1/reviews/approve",
                                                   {"visit_ids": list(visit_ids), "reviewer_name": reviewer_name}), "approve")

    def return_visit(self, visit_id: str, comment: str, field_comments: dict | None = None,
                     reviewer_name: str = "") -> dict:
        """Office devices: return a visit with a comment (and comments per field); the stored event."""
        return _expect(ReviewEvent, self._call("POST", "/v1/reviews/return", {"visit_id": visit_id, "comment": comment,
                                                                              "field_comments": field_comments or {},
                                                                              "reviewer_name": reviewer_name}), "return")

    def review_history(self, visit_id: str) -> dict:
        """A visit's review state, events and amendment links."""
        return _expect(ReviewHistory, self._call("GET", f"/v1/reviews/{visit_id}"), "review history")

    def conflicts(self, status: str | None = None) -> list[dict]:
        """Conflict records in this device's area."""
        return _expect_list(ConflictNotice, self._call("GET", "/v1/conflicts", query={"status": status} if status else None),
                            "conflicts")

    def resolve_conflict(self, conflict_id: str, fields: dict, author: str = "") -> dict:
        """Office devices: close a hard conflict with the chosen values."""
        return _expect(ConflictNotice, self._call("POST", f"/v1/conflicts/{conflict_id}/resolve",
                                                  {"fields": fields, "author": author}), "resolve")


def store_document(store, doc: dict) -> None:
    """Keep a pulled reference document / form version / template set in the sync state."""
    text = json.dumps({"version": doc["version"], "seq": doc["seq"], "content": doc["content"],
                       "published_at": doc["published_at"]}, ensure_ascii=False)
    base = f"{st.DOCUMENT_PREFIX}{doc['kind']}/{doc['name']}"
    store.set_sync_state(f"{base}/v{doc['version']}", text)
    latest = store.get_sync_state(f"{base}/latest")
    if latest is None or json.loads(latest)["version"] <= doc["version"]:
        store.set_sync_state(f"{base}/latest", text)
