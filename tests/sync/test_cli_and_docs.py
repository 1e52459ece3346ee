"""`fieldapp enroll | sync | bundle` on a real vault, and the docs/help meta-checks."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from fieldapp.cli import main as fieldapp_main
from fieldapp.vault import FAST_KDF, Vault
from fieldapp.vault.crypto import DEFAULT_SUITE
from sync.errors import CATALOGUE
from sync.server.bundles import import_directory
from sync.server.cli import build_parser
from sync.server.storage import Scope
from tests.sync.conftest import TOWNSHIP, VILLAGE_A

ROOT = Path(__file__).resolve().parents[2]
PASS = "tea-leaf-river-42"


def visit(hid: str, address: str) -> dict:
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": "four_clarifications", "form_version": 1,
            "household_id": hid, "visit_id": str(uuid.uuid4()), "status": "final",
            "answers": {"visit_date": "2026-05-12", "visitors": ["甲", "乙"], "village_code": VILLAGE_A,
                        "address": address, "members": [{"member_id": "m1", "name": "王芳", "relation": "head"}]}}


def test_fieldapp_cli_enroll_sync_and_bundles(server, tmp_path, monkeypatch, capsys):
    data = tmp_path / "laptop"
    Vault.create(data, "visitor1", PASS, DEFAULT_SUITE.generate_recipient_keypair()[1], kdf=FAST_KDF).lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    base = ["--data-dir", str(data)]
    assert fieldapp_main(base + ["enroll", "--server", server.url, "--code", server.code(), "--user", "visitor1"]) == 0
    assert "已登记" in capsys.readouterr().out
    assert fieldapp_main(base + ["enroll", "--server", server.url, "--code", "AAAA-BBBB-CCCC", "--user", "visitor1"]) == 2
    assert "登记码无效" in capsys.readouterr().err

    hid = str(uuid.uuid4())
    with Vault.open(data) as vault:
        vault.unlock("visitor1", PASS)
        vault.save_visit(visit(hid, "东村1号"))
    assert fieldapp_main(base + ["sync", "--user", "visitor1"]) == 0
    assert "上传 2 条" in capsys.readouterr().out          # the visit and its household
    assert {r["entity_id"] for r in server.storage.records(Scope("office", TOWNSHIP))} >= {hid}

    with Vault.open(data) as vault:
        vault.unlock("visitor1", PASS)
        vault.save_visit(visit(hid, "东村2号"))
    stick = tmp_path / "stick"
    assert fieldapp_main(base + ["bundle", "export", "--out", str(stick), "--user", "visitor1"]) == 0
    results = import_directory(server.storage, server.keys, stick, tmp_path / "receipts")
    assert [r["status"] for r in results] == ["imported"]
    assert fieldapp_main(base + ["bundle", "import", results[0]["receipt"], "--user", "visitor1"]) == 0
    assert "确认 2 条" in capsys.readouterr().out
    with Vault.open(data) as vault:
        vault.unlock("visitor1", PASS)
        assert vault.pending_count() == 0
    household = next(r for r in server.storage.records(Scope("office", TOWNSHIP)) if r["entity_id"] == hid)
    assert household["fields"]["address"] == "东村2号"

    server.storage.revoke_device(server.storage.list_devices()[0]["device_id"], "2026-05-12T00:00:00+00:00")
    assert fieldapp_main(base + ["sync", "--user", "visitor1"]) == 2
    assert "注销" in capsys.readouterr().err
    assert Vault.open(data).users() == []


def test_no_server_gives_exit_code_3(tmp_path, monkeypatch, capsys):
    data = tmp_path / "laptop"
    vault = Vault.create(data, "u", PASS, None, kdf=FAST_KDF)
    vault.set_sync_state("server_url", "http://127.0.0.1:9")
    vault.set_sync_state("device_id", "d")
    from sync.keys import KeyPair

    vault.set_sync_state("device_keys", KeyPair.generate().to_secret_text())
    vault.lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    assert fieldapp_main(["--data-dir", str(data), "sync", "--user", "u"]) == 3
    assert "无法连接县服务器" in capsys.readouterr().err


def test_every_server_command_has_help():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert len(commands) >= 15
    for name, sub in commands.items():
        assert sub.description, name
        assert sub.format_help()


def test_every_error_code_is_documented_once():
    text = (ROOT / "docs" / "sync.md").read_text(encoding="utf-8")
    statuses = set()
    for code, cls in CATALOGUE.items():
        assert f"`{code}`" in text, code
        assert cls.message_zh and cls.message_en
        statuses.add(cls.http_status)
    assert len({cls.code for cls in CATALOGUE.values()}) == len(CATALOGUE)


def test_fieldapp_enroll_refuses_plain_http_to_another_computer_and_shows_the_fingerprint(server, tmp_path,
                                                                                        monkeypatch, capsys):
    from sync.keys import fingerprint

    data = tmp_path / "laptop"
    Vault.create(data, "visitor1", PASS, DEFAULT_SUITE.generate_recipient_keypair()[1], kdf=FAST_KDF).lock()
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASS)
    base = ["--data-dir", str(data), "enroll", "--user", "visitor1", "--code", server.code()]
    assert fieldapp_main(base + ["--server", "http://10.20.30.40:8700"]) != 0   # refused before any connection
    err = capsys.readouterr().err
    assert "不加密" in err and "--allow-plain-http" in err
    assert fieldapp_main(base + ["--server", server.url]) == 0                  # loopback needs no flag
    out = capsys.readouterr().out
    assert f"服务器指纹 (server fingerprint): {fingerprint(server.app.state.keys.signing_public)}" in out
    assert "登记单" in out
