"""JSON nested 1,000 deep at every entry point (issue 19): a coded error or a Chinese message, never a 500 or a traceback.

The wire: every server endpoint that takes a body, through the real server process
(``fieldapp-server serve``), signed or not, with and without a JSON content type; and the laptop
reading a server answer nested that deep. Files: every command that reads a JSON or YAML file
(``fieldapp`` validate, assess, import, print, bundle import; ``fieldapp-server`` publish and the
roster's column mapping). The console's publish forms are in tests/console/test_deep_input.py.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest
import uvicorn

from fieldapp.cli import main
from sync.errors import SyncError
from sync.memstore import MemoryStore
from sync.server.app import create_app
from sync.server.cli import main as server_main
from sync.server.storage import open_storage
from tests.field.serverproc import ServerProcess
from tests.field.test_hostile_server import coded, no_traceback, signed_headers
from tests.sync.conftest import TOWNSHIP, VILLAGE_A, free_port, seed_areas

# The commands here run at the test-only Argon2id cost (tests/conftest.py::fast_default_kdf: 0.8 s of CPU
# less per vault made or unlocked); that the production cost is the default is asserted in test_vault_keys.py.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")

DEEP = ("[" * 1000 + "]" * 1000).encode()
DEEP_OBJECT = ('{"changes": ' + '{"x": ' * 1000 + "1" + "}" * 1000 + "}").encode()


@pytest.fixture
def proc(tmp_path):
    running = ServerProcess(tmp_path)
    yield running
    running.stop()


def body_operations(storage) -> list[tuple[str, str]]:
    """Every (method, path) of the API that takes a request body, from the server's own OpenAPI document."""
    found = []
    for path, methods in create_app(storage).openapi()["paths"].items():
        for method, operation in methods.items():
            if method in ("post", "put", "patch"):
                found.append((method.upper(), path.replace("{conflict_id}", "00000000-0000-4000-8000-000000000000")))
    return sorted(found)


def test_every_endpoint_refuses_json_nested_1000_deep_with_a_coded_error(proc):
    operations = body_operations(proc.storage)
    assert {("POST", "/v1/enroll"), ("POST", "/v1/push"), ("POST", "/v1/reviews/approve"),
            ("POST", "/v1/reviews/return"), ("POST", "/v1/set-aside"), ("POST", "/v1/bundles")} <= set(operations)
    office = proc.laptop(role="office")
    for method, path in operations:
        for body in (DEEP, DEEP_OBJECT):
            for content_type in ({"Content-Type": "application/json"}, {}):
                headers = signed_headers(office, method, path, body, **content_type)
                if not content_type:
                    headers.pop("Content-Type", None)
                answer = httpx.request(method, proc.url + path, content=body, headers=headers, timeout=30)
                coded(answer, 400, "BUNDLE_MALFORMED" if path == "/v1/bundles" else "MALFORMED_REQUEST")
                assert "nested deeper" in answer.json()["detail"], (path, answer.text)
    office.visit(address="好的户")      # the server still works for everyone
    office.client.sync()
    no_traceback(proc)


class DeepAnswers:
    """ASGI layer: the real server's answers to *path* replaced by a JSON value nested 1,000 deep."""

    def __init__(self, app, path: str):
        self.app, self.path = app, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.path:
            return await self.app(scope, receive, send)

        async def replace(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
                await send(dict(message, headers=headers + [(b"content-length", str(len(DEEP_OBJECT)).encode())]))
            elif not message.get("more_body"):
                await send({"type": "http.response.body", "body": DEEP_OBJECT})

        await self.app(scope, receive, replace)


@pytest.mark.parametrize("path", ["/v1/hello", "/v1/pull", "/v1/push", "/v1/reviews", "/v1/enroll"])
def test_the_laptop_refuses_a_server_answer_nested_1000_deep(tmp_path, path):
    from sync.client import SyncClient, enroll
    from sync.server.admin import issue_enrollment_code

    storage = open_storage(f"sqlite:///{tmp_path}/server.db")
    storage.migrate()
    seed_areas(storage)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(DeepAnswers(create_app(storage), path), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        store = MemoryStore()
        code = issue_enrollment_code(storage, "visitor", TOWNSHIP, [VILLAGE_A], 1.0)[0]
        with pytest.raises(SyncError) as caught:
            enroll(store, f"http://127.0.0.1:{port}", code)
            store.edit("household", "0" * 8 + "-0000-4000-8000-" + "0" * 12, "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                       VILLAGE_A, {"address": "东村 1 号"})
            with SyncClient(store) as client:
                client.sync()
        assert caught.value.code == "UNEXPECTED_RESPONSE" and caught.value.message_zh
        assert "nested deeper" in str(caught.value)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        storage.close()


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "first-passphrase")
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)

    def run(*args):
        code = main(["--data-dir", str(tmp_path / "data"), *[str(a) for a in args]])
        out = capsys.readouterr()
        assert "Traceback" not in out.err, out.err[-2000:]
        return code, out.out, out.err

    assert run("vault", "init", "--user", "张三", "--no-office-key")[0] == 0
    assert main(["print", "keygen", str(tmp_path / "k.pem"), str(tmp_path / "kp.pem")]) == 0
    capsys.readouterr()
    run.tmp = tmp_path
    return run


@pytest.mark.parametrize("command", [("validate",), ("assess",), ("import",), ("bundle", "import"),
                                     ("print", "visit-record"), ("print", "ledger")])
def test_every_fieldapp_command_reading_json_refuses_1000_deep_in_chinese(cli, command):
    deep = cli.tmp / "deep.json"
    deep.write_bytes(DEEP)
    extra = ["-o", cli.tmp / "out.pdf", "--signing-key", cli.tmp / "k.pem"] if command[0] == "print" else []
    code, _, err = cli(*command, deep, *extra)
    assert code == 2 and err.startswith("fieldapp")
    assert any(word in err for word in ("不是有效的", "无法读取", "格式不正确")), err
    assert not (cli.tmp / "out.pdf").exists()


@pytest.mark.parametrize("args, suffix", [(("publish", "reference"), ".json"), (("publish", "form"), ".json"),
                                          (("publish", "reference"), ".yaml"),
                                          (("roster", "import", "roster.csv", "--mapping"), ".json"),
                                          (("roster", "import", "roster.csv", "--mapping"), ".yaml")])
def test_every_server_command_reading_json_or_yaml_refuses_1000_deep_in_chinese(tmp_path, capsys, args, suffix):
    deep = tmp_path / f"deep{suffix}"
    deep.write_bytes(DEEP if suffix == ".json" else ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 1001))).encode())
    (tmp_path / "roster.csv").write_text("姓名,身份证号\n", encoding="utf-8")
    database = f"sqlite:///{tmp_path}/server.db"
    argv = ["--database", database, *[str(tmp_path / a) if a == "roster.csv" else a for a in args], str(deep)]
    code = server_main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "不是有效的" in err or "无法读取" in err, err


json_text = st.text(alphabet='ab"\\[]{}\n', max_size=6)
json_values = st.recursive(st.one_of(st.none(), st.integers(), json_text),
                           lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(json_text, inner, max_size=3)),
                           max_leaves=30)


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(value=json_values, max_depth=st.integers(min_value=1, max_value=8), ascii_only=st.booleans())
def test_the_nesting_check_before_parsing_agrees_with_the_parsed_value(value, max_depth, ascii_only):
    from forms.interchange import json_nesting_exceeds, value_nesting_exceeds

    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_nesting_exceeds(text, max_depth) == value_nesting_exceeds(value, max_depth), text
