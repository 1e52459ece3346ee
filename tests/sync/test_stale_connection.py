"""A kept-alive connection the server closes just as the laptop sends its next request.

Twenty laptops syncing at once in a township office: between two requests a laptop writes a pulled
page into its vault, the server's keep-alive runs out, and the next request goes out on a socket the
server is closing. The request got no answer. A read, or a push (de-duplicated by change id), is sent
again on a new connection; a 文号 reservation is not (sent twice it would take a second block), and
the sync says the server could not be reached.

The server here is a real socket on 127.0.0.1 that does exactly that: it answers the first request of
a connection and closes the connection when the second request arrives.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid

import httpx
import pytest

from sync import client, errors
from tests.sync.test_vault_sync import make_vault, office_keys, visit  # noqa: F401 - fixtures: real vaults


class ClosingServer:
    """HTTP/1.1 on loopback: every connection answers one request, then drops the next one unanswered."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.answered: list[str] = []
        self.dropped: list[str] = []
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_request(conn: socket.socket) -> str | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next((int(v) for k, _, v in (h.partition(":") for h in lines[1:]) if k.lower() == "content-length"), 0)
        while len(rest) < length:
            rest += conn.recv(65536)
        return lines[0]

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            first = self._read_request(conn)
            if first is None:
                return
            body = json.dumps({"ok": True, "request": first}).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            self.answered.append(first)
            second = self._read_request(conn)
            if second is not None:
                self.dropped.append(second)    # closed with no answer, as a keep-alive timeout racing the request

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def closing_server():
    server = ClosingServer()
    yield server
    server.close()


def test_a_repeatable_request_is_sent_again_on_a_new_connection(closing_server):
    signatures = iter(range(1, 10))
    with httpx.Client(base_url=closing_server.url, timeout=10) as http:
        assert client._send(http, "GET", "/v1/pull?cursor=0")["ok"]
        answer = client._send(http, "GET", "/v1/pull?cursor=5", again=lambda: {"X-Nonce": str(next(signatures))})
    assert answer["request"] == "GET /v1/pull?cursor=5 HTTP/1.1"
    assert closing_server.dropped == ["GET /v1/pull?cursor=5 HTTP/1.1"]        # the first try met the closing socket
    assert closing_server.answered == ["GET /v1/pull?cursor=0 HTTP/1.1", "GET /v1/pull?cursor=5 HTTP/1.1"]
    assert closing_server.connections == 2


def test_a_request_not_safe_to_repeat_is_not_sent_twice(closing_server):
    with httpx.Client(base_url=closing_server.url, timeout=10) as http:
        client._send(http, "GET", "/v1/hello")
        with pytest.raises(errors.ServerUnreachable):
            client._send(http, "POST", "/v1/serials", b"{}", {"Content-Type": "application/json"})
    assert closing_server.dropped == ["POST /v1/serials HTTP/1.1"]
    assert closing_server.answered == ["GET /v1/hello HTTP/1.1"]             # never a second reservation


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_posts_the_client_repeats_are_answered_the_same_when_sent_twice(server, make_vault):
    """What makes a retry safe, checked on the real server: nothing stored twice, no error the second time."""
    from fieldapp import syncing

    assert client.REPEATABLE_POSTS == {"/v1/push", "/v1/push/known", "/v1/audit/anchor"}
    vault = make_vault("laptop")
    syncing.enroll(vault, server.url, server.code(role="visitor"))
    vault.save_visit(visit(str(uuid.uuid4())))
    changes = vault.pending_changes(100)
    with client.SyncClient(vault) as laptop:
        first = laptop._call("POST", "/v1/push", {"changes": changes})
        again = laptop._call("POST", "/v1/push", {"changes": changes})
        ids = [c["change_id"] for c in changes]
        assert {a["status"] for a in first["accepted"]} == {"applied"}
        assert [a["status"] for a in again["accepted"]] == ["duplicate"] * len(ids)
        assert [a["seq"] for a in again["accepted"]] == [a["seq"] for a in first["accepted"]]
        for _ in range(2):
            assert sorted(laptop._call("POST", "/v1/push/known", {"change_ids": ids})["known"]) == sorted(ids)
        assert laptop._call("POST", "/v1/audit/anchor", {"seq": 1, "hash": "ab" * 32})["stored"] is True
        assert laptop._call("POST", "/v1/audit/anchor", {"seq": 1, "hash": "ab" * 32})["stored"] is False
