"""What the laptop tells its user before syncing: server too old/new, clock skew, no network."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from sync import errors
from sync.client import SyncClient
from sync.keys import KeyPair
from sync.memstore import MemoryStore
from sync.protocol import PROTOCOL_HEADER


def enrolled_store(url="http://county.test") -> MemoryStore:
    store = MemoryStore()
    store.state.update({"server_url": url, "device_id": "dev-1", "device_keys": KeyPair.generate().to_secret_text()})
    return store


def hello_transport(**overrides) -> httpx.MockTransport:
    """A server that only answers /v1/hello, with the given protocol range or clock."""
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"protocol_version": 1, "min_protocol_version": 1,
                "server_time": datetime.now(timezone.utc).isoformat(), "server_signing_key": "x",
                "server_sealing_key": "y"}
        body.update(overrides)
        return httpx.Response(200, content=json.dumps(body))
    return httpx.MockTransport(handler)


@pytest.mark.parametrize("overrides, error, words", [
    ({"protocol_version": 0}, errors.ServerTooOld, "服务器的软件版本过旧"),
    ({"min_protocol_version": 2, "protocol_version": 2}, errors.ClientTooOld, "请先更新软件"),
    ({"server_time": (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()}, errors.ClockSkew, "校准电脑时间"),
])
def test_hello_checks_explain_the_problem_in_chinese(overrides, error, words):
    with SyncClient(enrolled_store(), transport=hello_transport(**overrides)) as client:
        with pytest.raises(error) as caught:
            client.sync()
    assert words in caught.value.message_zh


def test_no_network_keeps_the_data_and_says_so():
    store = enrolled_store("http://127.0.0.1:9")
    store.edit("household", "h", "h", "110105001001", {"address": "x"})
    with SyncClient(store, timeout=2) as client, pytest.raises(errors.ServerUnreachable) as caught:
        client.sync()
    assert "数据已安全保存在本机" in caught.value.message_zh
    assert len(store.outbox) == 1


def test_not_enrolled():
    with pytest.raises(errors.NotEnrolled):
        SyncClient(MemoryStore())


def test_client_newer_than_server_is_told_server_too_old(server):
    answer = httpx.get(f"{server.url}/v1/pull", headers={PROTOCOL_HEADER: "99"})
    assert answer.status_code == 400 and answer.json()["code"] == "SERVER_TOO_OLD"
