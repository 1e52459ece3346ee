"""The server process under hostile requests (issue 19): coded 4xx, never 500, no traceback in its log.

The server runs as its own process (``fieldapp-server serve``), so its log and its peak memory are
the real ones. The hypothesis-driven part is tests/field/test_hostile_fuzz.py.
"""

from __future__ import annotations

import json
import socket
import uuid

import httpx
import pytest

from sync.errors import CATALOGUE
from sync.keys import KeyPair
from sync.protocol import PROTOCOL_HEADER, canonical_json
from sync.server.limits import MAX_BODY_BYTES
from sync.signing import TIME_HEADER, sign_request
from tests.field.serverproc import ServerProcess


@pytest.fixture
def proc(tmp_path):
    running = ServerProcess(tmp_path)
    yield running
    running.stop()


def coded(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code and body["code"] in CATALOGUE and body["message_zh"], body


def no_traceback(proc: ServerProcess) -> None:
    log = proc.log()
    assert "Traceback" not in log and " 500 " not in log, log[-3000:]


def signed_headers(laptop, method, target, body=b"", **overrides):
    headers = sign_request(laptop.client.keys, laptop.client.device_id, method, target, body)
    headers[PROTOCOL_HEADER] = "1"
    headers.update({k: v.encode("utf-8") for k, v in overrides.items()})   # raw bytes: non-ASCII goes on the wire
    return headers


def test_malformed_timestamps_and_protocol_headers_get_coded_answers(proc):
    a = proc.laptop()
    target = "/v1/pull?cursor=0&limit=10"
    for stamp in ("9" * 5000, "²", "١٧٠٠٠٠٠٠٠٠", "-1", "1e9", "1_7"):
        coded(httpx.get(proc.url + target, headers=signed_headers(a, "GET", target, **{TIME_HEADER: stamp})),
              401, "BAD_SIGNATURE")
    for version in ("9" * 5000, "²", "١", "1.0", ""):
        coded(httpx.post(proc.url + "/v1/enroll", content=b"{}", headers={PROTOCOL_HEADER: version.encode("utf-8")}),
              400, "PROTOCOL_VERSION_MISSING")
    no_traceback(proc)


def test_deep_json_is_refused_at_push_and_at_the_bundle_door_and_pulls_keep_working(proc):
    a, office = proc.laptop(), proc.laptop(role="office")
    hid = str(uuid.uuid4())
    deep: object = "底"
    for _ in range(260):
        deep = {"x": deep}
    change = {"change_id": str(uuid.uuid4()), "entity": "household", "entity_id": hid, "household_id": hid,
              "village_code": "110105001001", "base_revision": 0, "fields": {"address": "x", "extra": deep},
              "author": "t", "at": "2026-05-12T06:30:00+00:00"}
    body = canonical_json({"changes": [change]})
    answer = httpx.post(proc.url + "/v1/push", content=body,
                        headers=signed_headers(a, "POST", "/v1/push", body, **{"Content-Type": "application/json"}))
    coded(answer, 400, "MALFORMED_REQUEST")      # refused at the door, before the body is parsed
    deep = {"x": "底"}
    for _ in range(33):                          # within a push's nesting, deeper than a change's fields may be
        deep = {"x": deep}
    change["fields"]["extra"] = deep
    body = canonical_json({"changes": [change]})
    answer = httpx.post(proc.url + "/v1/push", content=body,
                        headers=signed_headers(a, "POST", "/v1/push", body, **{"Content-Type": "application/json"}))
    coded(answer, 422, "CHANGE_INVALID")
    for depth in (260, 100_000):
        nested = ("[" * depth + "]" * depth).encode()
        answer = httpx.post(proc.url + "/v1/bundles", content=nested, headers=signed_headers(office, "POST", "/v1/bundles", nested))
        coded(answer, 400, "BUNDLE_MALFORMED")
    a.visit(address="好的户")
    a.client.sync()
    office.client.sync()
    assert [r["fields"] for r in office.store.records.values()] == [{"address": "好的户"}]
    no_traceback(proc)


def test_a_declared_oversized_body_is_refused_before_it_is_read(proc):
    with socket.create_connection(("127.0.0.1", proc.port), timeout=30) as s:
        s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: x\r\nX-Fieldapp-Protocol: 1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 200000000\r\n\r\n" + b"[" * 1000)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        answer = answer.decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413") and "BATCH_TOO_LARGE" in answer
    no_traceback(proc)


def test_an_endless_body_costs_the_server_less_than_twice_the_limit(proc):
    a = proc.laptop()
    proc.reset_peak_memory()
    before = proc.memory()
    chunk = b"[" * (1024 * 1024)
    answer = b""
    with socket.create_connection(("127.0.0.1", proc.port), timeout=60) as s:
        s.sendall(b"POST /v1/bundles HTTP/1.1\r\nHost: x\r\nX-Fieldapp-Protocol: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            for _ in range(200):          # 200 MiB if the server kept reading
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            s.shutdown(socket.SHUT_WR)
            answer = s.recv(65536)
        except OSError:
            pass
    peak = proc.peak_memory() - before
    assert peak < 2 * MAX_BODY_BYTES, f"peak {peak / 2**20:.0f} MiB"
    assert not answer or b"413" in answer.split(b"\r\n")[0]
    # the server is still there for the next laptop
    a.visit(address="之后的户")
    assert a.client.sync().pushed == 1
    no_traceback(proc)
    print(f"RESULT oversized_body_peak_mib={peak / 2**20:.0f} limit_mib={MAX_BODY_BYTES // 2**20}")


def wrong_enrollment(i: int) -> bytes:
    keys = KeyPair.generate()
    return json.dumps({"code": f"WRONG{i:04d}", "signing_public_key": keys.signing_public,
                       "sealing_public_key": keys.sealing_public}).encode()


def test_x_forwarded_for_does_not_escape_the_enrollment_throttle(proc):
    answers = []
    for i in range(25):
        body = wrong_enrollment(i)
        answers.append(httpx.post(proc.url + "/v1/enroll", content=body,
                                  headers={PROTOCOL_HEADER: "1", "Content-Type": "application/json",
                                           "X-Forwarded-For": f"10.0.{i}.1"}).json()["code"])
    assert answers[-1] == "ENROLLMENT_THROTTLED", answers
    no_traceback(proc)


def test_a_named_proxy_is_believed(tmp_path):
    proc = ServerProcess(tmp_path, "--trusted-proxy", "127.0.0.1")
    try:
        codes = set()
        for i in range(25):
            body = wrong_enrollment(i)
            codes.add(httpx.post(proc.url + "/v1/enroll", content=body,
                                 headers={PROTOCOL_HEADER: "1", "Content-Type": "application/json",
                                          "X-Forwarded-For": f"10.0.{i}.1"}).json()["code"])
        assert codes == {"ENROLLMENT_CODE_INVALID"}     # 25 different clients behind the proxy, one wrong code each
    finally:
        proc.stop()
