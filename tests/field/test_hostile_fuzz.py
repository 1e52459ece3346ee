"""Hypothesis against the server process (issue 19): malformed headers, bodies, nesting and sizes at every endpoint.

Bounded: a fixed number of derandomized examples per test against one server process. What must
hold: no answer is a 5xx, every 4xx is a coded error from the catalogue, and the server's log
holds no traceback when the run ends.
"""

from __future__ import annotations

import json
import socket
import uuid

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sync.errors import CATALOGUE
from sync.protocol import PROTOCOL_HEADER
from sync.signing import DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIME_HEADER, sign_request
from tests.field.serverproc import ServerProcess

# no shrinking phase: a failure is reported as found, so the run stays bounded
FUZZ = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ENDPOINTS = [("GET", "/v1/hello"), ("POST", "/v1/enroll"), ("POST", "/v1/push/known"), ("POST", "/v1/push"),
             ("POST", "/v1/serials"), ("POST", "/v1/audit/anchor"), ("GET", "/v1/audit/anchors"),
             ("GET", "/v1/pull?cursor=0&limit=5"), ("GET", "/v1/conflicts"),
             ("POST", f"/v1/conflicts/{uuid.uuid4()}/resolve"), ("POST", "/v1/bundles"),
             # added with the set-aside reports and the JSON limits on every input (issue 19)
             ("GET", "/v1/app/release?platform=deb-amd64"), ("GET", "/v1/app/download/fieldapp_0.1.0_amd64.deb"),
             ("GET", "/v1/duplicates"), ("GET", "/v1/set-aside"), ("POST", "/v1/set-aside"),
             ("GET", "/v1/reviews?cursor=0&limit=5"), ("GET", "/v1/reviews/queue"), ("POST", "/v1/reviews/approve"),
             ("POST", "/v1/reviews/return"), ("GET", f"/v1/reviews/{uuid.uuid4()}")]


def test_the_fuzzed_endpoints_are_every_endpoint_of_the_api(tmp_path):
    """A new endpoint joins the hostile suite: every (method, path) of the OpenAPI document is in ENDPOINTS."""
    import re

    from sync.server.app import create_app
    from sync.server.storage import open_storage

    storage = open_storage(f"sqlite:///{tmp_path}/schema.db")
    storage.migrate()
    declared = {(m.upper(), p) for p, methods in create_app(storage).openapi()["paths"].items() for m in methods}
    storage.close()
    fuzzed = set()
    for method, target in ENDPOINTS:
        path = target.split("?")[0]
        for template_method, template in declared:
            pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
            if template_method == method and re.match(pattern, path):
                fuzzed.add((template_method, template))
    assert fuzzed == declared, sorted(declared - fuzzed)


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    running = ServerProcess(tmp_path_factory.mktemp("fuzzserver"))
    running.office = running.laptop(role="office")
    running.visitor = running.laptop()
    yield running
    log = running.log()
    running.stop()
    assert "Traceback" not in log, log[-4000:]


def raw_request(port: int, method: str, target: str, headers: dict[str, bytes], body: bytes) -> tuple[int, bytes]:
    """One request written byte by byte on a fresh connection (no client library to refuse odd headers)."""
    lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close",
             b"Content-Length: " + str(len(body)).encode()]
    lines += [k.encode() + b": " + v for k, v in headers.items() if k.lower() != "content-length"]
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), payload


def check(status: int, payload: bytes) -> None:
    assert status < 500, (status, payload[:500])
    if status >= 400:
        body = json.loads(payload)
        assert body["code"] in CATALOGUE and body["message_zh"], body


def sendable(value: str) -> bool:
    """A header value HTTP/1.1 can carry at all (no line breaks, NUL or surrounding blanks)."""
    return not any(c in value for c in "\r\n\x00") and value == value.strip()


def nested(depth: int, leaf="x") -> object:
    value: object = leaf
    for i in range(depth):
        value = {"k": value} if i % 2 else [value]
    return value


def nested_text(depth: int, leaf: bytes = b'"x"') -> bytes:
    """The JSON text of :func:`nested` built directly (``json.dumps`` itself recurses, and 3,000 levels overflow it)."""
    opens = b"".join(b'{"k": ' if i % 2 else b"[" for i in reversed(range(depth)))
    closes = b"".join(b"}" if i % 2 else b"]" for i in range(depth))
    return opens + leaf + closes


header_text = st.one_of(st.text(max_size=30), st.sampled_from(["9" * 5000, "²", "١٧", "-1", "0x10", "1e3", "", "1" * 13]),
                        st.integers(min_value=-2**70, max_value=2**70).map(str))
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.floats(allow_nan=False),
                      st.text(max_size=20), st.sampled_from(["\ud800", "\x00", "9" * 5000, "\u202e"]))
json_values = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                              st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=10)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=3000).map(lambda d: nested_text(d)),
    st.integers(min_value=1, max_value=200_000).map(lambda d: b"[" * d),
    st.sampled_from([b"\xef\xbb\xbf{}", b'{"changes": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
                     b'{"change_ids": ["' + b"a" * 100_000 + b'"]}']),
)


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), headers=st.dictionaries(
    st.sampled_from([PROTOCOL_HEADER, TIME_HEADER, DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER,
                     "Content-Type", "X-Forwarded-For"]), header_text, max_size=5), body=bodies)
def test_unsigned_garbage_anywhere_gets_a_coded_4xx(proc, endpoint, headers, body):
    method, target = endpoint
    raw = {k: v.encode("utf-8", "surrogatepass") for k, v in headers.items() if sendable(v)}
    check(*raw_request(proc.port, method, target, raw, body if method == "POST" else b""))


@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), body=bodies, role=st.sampled_from(["office", "visitor"]),
       spoil=st.sampled_from([None, TIME_HEADER, PROTOCOL_HEADER]), value=header_text)
def test_signed_garbage_anywhere_gets_a_coded_4xx(proc, endpoint, body, role, spoil, value):
    method, target = endpoint
    laptop = proc.office if role == "office" else proc.visitor
    content = body if method == "POST" else b""
    headers = sign_request(laptop.client.keys, laptop.client.device_id, method, target, content)
    headers[PROTOCOL_HEADER] = "1"
    raw = {k: v.encode() for k, v in headers.items()}
    if spoil and sendable(value):
        raw[spoil] = value.encode("utf-8", "surrogatepass")
    check(*raw_request(proc.port, method, target, raw, content))


@FUZZ
@given(fields=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=4),
       depth=st.sampled_from([0, 30, 40, 260]), entity=st.sampled_from(["household", "visit"]))
def test_pushed_changes_of_any_shape_never_break_a_later_pull(proc, fields, depth, entity):
    hid = str(uuid.uuid4())
    if depth:
        fields = dict(fields, deep=nested(depth))
    change = {"change_id": str(uuid.uuid4()), "entity": entity, "entity_id": hid if entity == "household" else str(uuid.uuid4()),
              "household_id": hid, "village_code": "110105001001", "base_revision": 0, "fields": fields,
              "author": "t", "at": "2026-05-12T06:30:00+00:00"}
    try:
        answer = proc.visitor.client._call("POST", "/v1/push", {"changes": [change]})
        assert isinstance(answer, dict)
    except ValueError:
        return                      # not JSON-encodable by the client (a lone surrogate): never sent
    except Exception as exc:        # a coded refusal is fine
        assert getattr(exc, "code", None) in CATALOGUE, exc
    check(*raw_request(proc.port, "GET", "/v1/hello", {}, b""))
    # the office's pull of the township keeps working whatever was pushed
    page = proc.office.client._call("GET", "/v1/pull", query={"cursor": 0, "limit": 2000})
    assert "changes" in page


QUERY_SLOTS = ["/v1/pull?cursor={v}&limit=5", "/v1/pull?cursor=0&limit={v}", "/v1/reviews?cursor={v}&limit=5",
               "/v1/reviews?cursor=0&limit={v}", "/v1/reviews/queue?limit={v}", "/v1/reviews/queue?village={v}",
               "/v1/conflicts?status={v}", "/v1/app/release?platform={v}", "/v1/app/download/{v}", "/v1/reviews/{v}",
               "/v1/conflicts/{v}/resolve", "/v1/pull?cursor=0&limit=5&{v}={v}"]
query_values = st.one_of(header_text, st.sampled_from(["١", "%00", "..", "../../etc/passwd", "1&cursor=2", "\u202e", "9" * 300]))


@FUZZ
@given(slot=st.sampled_from(QUERY_SLOTS), value=query_values, role=st.sampled_from(["office", "visitor"]))
def test_hostile_query_and_path_values_get_a_coded_4xx(proc, slot, value, role):
    """Signed requests whose query values and path parameters are garbage (percent-encoded, so they reach the app)."""
    from urllib.parse import quote

    laptop = proc.office if role == "office" else proc.visitor
    target = slot.format(v=quote(value.encode("utf-8", "surrogatepass"), safe=""))
    method = "POST" if target.endswith("/resolve") else "GET"
    body = b'{"fields": {}, "author": ""}' if method == "POST" else b""
    headers = sign_request(laptop.client.keys, laptop.client.device_id, method, target, body)
    headers[PROTOCOL_HEADER] = "1"
    headers["Content-Type"] = "application/json"
    check(*raw_request(proc.port, method, target, {k: v.encode() for k, v in headers.items()}, body))
