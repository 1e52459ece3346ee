"""Schemathesis against the server's OpenAPI with valid device signatures: never a 5xx, always a coded error."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from sync.errors import CATALOGUE
from sync.protocol import PROTOCOL_HEADER
from sync.signing import sign_request

EXAMPLES = 25


def send_signed(http: httpx.Client, laptop, case) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url=str(http.base_url).rstrip("/"))
    request = http.build_request(kwargs["method"], kwargs["url"], params=kwargs.get("params") or None,
                                 json=kwargs.get("json"), content=kwargs.get("content") or kwargs.get("data"))
    target = request.url.raw_path.decode("ascii")
    headers = {k: v for k, v in kwargs["headers"].items() if not k.lower().startswith("x-fieldapp")}
    headers.update(sign_request(laptop.client.keys, laptop.client.device_id, request.method, target, request.content))
    headers[PROTOCOL_HEADER] = "1"
    request.headers.update(headers)
    return http.send(request)


def check(response: httpx.Response, negative: bool) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert body["code"] in CATALOGUE, body
        assert body["message_zh"] and body["message_en"]
    elif negative:
        # a "negative" case schemathesis could not make invalid (e.g. an ignored extra header) may succeed
        assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_without_5xx(server, mode):
    laptop = server.laptop(role="office")
    schema = schemathesis.openapi.from_dict(server.app.openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/push", "/v1/pull", "/v1/enroll", "/v1/conflicts"}
    skipped: set[str] = set()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for operation in operations:
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                check(send_signed(http, laptop, case), mode is GenerationMode.NEGATIVE)

            try:
                run()
            except Unsatisfiable:
                skipped.add(operation.path)
    # only operations without any declared input have nothing to make invalid
    assert skipped <= ({"/v1/hello", "/v1/bundles", "/v1/audit/anchors", "/v1/duplicates",
                       "/v1/set-aside"} if mode is GenerationMode.NEGATIVE else set())


def test_raw_garbage_gets_coded_4xx(server):
    laptop = server.laptop()
    with httpx.Client(base_url=server.url) as http:
        for path, body in [("/v1/push", b"{not json"), ("/v1/push", b"[]"), ("/v1/push", "\u6211".encode("utf-16")),
                           ("/v1/push/known", b'{"change_ids": "x"}'), ("/v1/nowhere", b"")]:
            headers = sign_request(laptop.client.keys, laptop.client.device_id, "POST", path, body)
            headers[PROTOCOL_HEADER] = "1"
            response = http.post(path, content=body, headers=headers)
            assert 400 <= response.status_code < 500
            assert response.json()["code"] in ("MALFORMED_REQUEST", "NOT_FOUND")
