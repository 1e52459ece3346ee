"""The vault's command-line tools, run in-process through ``fieldapp.cli.main`` on a real data folder."""

from __future__ import annotations

import json

import pytest

from fieldapp.cli import main
from fieldapp.vault import Vault
from vaultkit import make_visit

# The commands here run at the test-only Argon2id cost (tests/conftest.py::fast_default_kdf: 0.8 s of CPU
# less per vault made or unlocked); that the production cost is the default is asserted in test_vault_keys.py.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run ``fieldapp --data-dir <tmp> ARGS`` and return (exit code, stdout, stderr)."""
    data = tmp_path / "data"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "first-passphrase")
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)

    def run(*args, capsys=None):
        return main(["--data-dir", str(data), *args])

    run.data = data
    run.tmp = tmp_path
    return run


@pytest.fixture
def initialised(cli, monkeypatch, capsys):
    assert main(["office-keygen", str(cli.tmp / "office")]) == 0
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "first-passphrase")
    assert cli("vault", "init", "--user", "visitor1", "--office-public-key", str(cli.tmp / "office.pub")) == 0
    capsys.readouterr()
    return cli


def test_keygen_writes_private_key_readable_by_owner_only(initialised):
    assert oct((initialised.tmp / "office.key").stat().st_mode & 0o777) == "0o600"
    assert (initialised.tmp / "office.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_init_requires_an_office_key_choice(cli, monkeypatch, capsys):
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "first-passphrase")
    assert cli("vault", "init", "--user", "visitor1") == 2
    assert "--office-public-key" in capsys.readouterr().err


def test_init_takes_the_passphrase_from_fieldapp_passphrase(cli, capsys):
    assert cli("vault", "init", "--user", "visitor1", "--no-office-key") == 0  # FIELDAPP_PASSPHRASE set by the fixture
    v = Vault.open(cli.data)
    v.unlock("visitor1", "first-passphrase")
    assert not v.has_office_wrap()
    v.lock()


def test_missing_passphrase_without_terminal_is_a_clear_error(cli, monkeypatch, capsys):
    monkeypatch.delenv("FIELDAPP_PASSPHRASE")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert cli("vault", "init", "--user", "visitor1", "--no-office-key") == 2
    assert "FIELDAPP_NEW_PASSPHRASE" in capsys.readouterr().err


def test_users_add_list_passwd_remove(initialised, monkeypatch, capsys):
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "second-passphrase")
    assert initialised("user", "add", "visitor2") == 0
    assert initialised("user", "list") == 0
    assert capsys.readouterr().out.split()[-2:] == ["visitor1", "visitor2"]
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "changed-passphrase")
    assert initialised("user", "passwd", "--user", "visitor1") == 0
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "second-passphrase")
    assert initialised("user", "remove", "visitor1", "--user", "visitor2") == 0
    assert Vault.open(initialised.data).users() == ["visitor2"]


def test_wrong_passphrase_gives_chinese_message_and_exit_2(initialised, monkeypatch, capsys):
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "not-the-passphrase")
    assert initialised("audit", "verify") == 2
    assert "密码不正确" in capsys.readouterr().err


def test_import_then_export_round_trip_encrypted(initialised, monkeypatch, capsys):
    visits = [make_visit(names=("钱多多",)), make_visit(names=("孙悟",))]
    src = initialised.tmp / "in.json"
    src.write_text(json.dumps(visits, ensure_ascii=False), "utf-8")
    assert initialised("import", str(src), "--skip-invalid") == 0
    out = initialised.tmp / "export.json"
    assert initialised("export", "-o", str(out)) == 0
    raw = out.read_bytes()
    assert "钱多多".encode() not in raw and json.loads(raw)["method"] == "office"
    # The office opens it: import into a second laptop's vault with the office private key.
    other = initialised.tmp / "other"
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "first-passphrase")
    assert main(["--data-dir", str(other), "vault", "init", "--user", "office", "--no-office-key"]) == 0
    assert main(["--data-dir", str(other), "import", str(out), "--office-key", str(initialised.tmp / "office.key")]) == 0
    v = Vault.open(other)
    v.unlock("office", "first-passphrase")
    assert sorted(r[1] for r in v.household_rows()) == ["孙悟", "钱多多"]
    v.lock()


def test_passphrase_export_and_plaintext_export_warns(initialised, monkeypatch, capsys):
    src = initialised.tmp / "one.json"
    src.write_text(json.dumps(make_visit(names=("周小舟",)), ensure_ascii=False), "utf-8")
    assert initialised("import", str(src)) == 0
    monkeypatch.setenv("FIELDAPP_EXPORT_PASSPHRASE", "export-secret-1")
    enc = initialised.tmp / "pp.json"
    assert initialised("export", "--passphrase", "-o", str(enc)) == 0
    assert json.loads(enc.read_bytes())["method"] == "passphrase"
    assert "周小舟".encode() not in enc.read_bytes()
    # Re-importing it needs the same export passphrase.
    monkeypatch.setenv("FIELDAPP_EXPORT_PASSPHRASE", "not-the-export-secret")
    assert initialised("import", str(enc)) == 2
    assert "无法解密" in capsys.readouterr().err
    monkeypatch.setenv("FIELDAPP_EXPORT_PASSPHRASE", "export-secret-1")
    assert initialised("import", str(enc)) == 0  # the same visit again: nothing changes
    capsys.readouterr()
    plain = initialised.tmp / "plain.json"
    assert initialised("export", "--plaintext", "-o", str(plain)) == 0
    assert "明文" in capsys.readouterr().err
    assert json.loads(plain.read_text("utf-8"))[0]["answers"]["members"][0]["name"] == "周小舟"


def test_import_rejects_malformed_visits(initialised, capsys):
    bad = initialised.tmp / "bad.json"
    bad.write_text(json.dumps([{"visit_id": "x"}]), "utf-8")
    assert initialised("import", str(bad)) == 2
    assert "不合格" in capsys.readouterr().err
    notjson = initialised.tmp / "nj.json"
    notjson.write_text("{", "utf-8")
    assert initialised("import", str(notjson)) == 2


def test_audit_verify_and_tampering_exit_code(initialised, capsys):
    assert initialised("audit", "verify") == 0
    assert "操作日志完整" in capsys.readouterr().out
    v = Vault.open(initialised.data)
    v.unlock("visitor1", "first-passphrase")
    db = v._db()
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit SET action = 'view' WHERE seq = 1")
    v.lock()
    assert initialised("audit", "verify") == 1
    assert "篡改" in capsys.readouterr().err


def test_recover_with_office_key(initialised, monkeypatch, capsys):
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "recovered-passphrase")
    assert initialised("recover", "--office-key", str(initialised.tmp / "office.key"), "--user", "visitor1") == 0
    v = Vault.open(initialised.data)
    v.unlock("visitor1", "recovered-passphrase")
    v.lock()


def test_export_raw_key_and_check(initialised, capsys):
    assert initialised("vault", "export-raw-key") == 0
    out = capsys.readouterr()
    assert len(out.out.strip()) == 64 and "警告" in out.err
    assert initialised("vault", "check") == 0


def test_every_vault_command_has_help(capsys):
    for argv in (["vault", "init"], ["vault", "set-office-key"], ["vault", "check"], ["vault", "export-raw-key"], ["user", "add"], ["user", "passwd"],
                 ["user", "remove"], ["user", "list"], ["import"], ["export"], ["audit", "verify"], ["audit", "show"],
                 ["recover"], ["office-keygen"]):
        with pytest.raises(SystemExit) as exc:
            main([*argv, "--help"])
        assert exc.value.code == 0
        assert "usage:" in capsys.readouterr().out


def test_import_rejects_a_final_visit_the_form_engine_finds_wrong(initialised, capsys):
    pytest.importorskip("forms.validation")
    from fieldapp import demo

    good, bad = list(demo.generate(2, seed=4))
    bad["answers"]["members"][0]["id_number"] = "110105194912310021"  # wrong check character
    src = initialised.tmp / "mixed.json"
    src.write_text(json.dumps([good, bad], ensure_ascii=False), "utf-8")
    assert initialised("import", str(src)) == 2
    err = capsys.readouterr().err
    assert "第 2 条 members[0].id_number" in err
    assert initialised("import", str(src), "--skip-invalid") == 0
    v = Vault.open(initialised.data)
    v.unlock("visitor1", "first-passphrase")
    assert [r[0] for r in v.household_rows()] == [good["household_id"]]
    v.lock()


def test_import_rejects_a_draft_with_values_of_the_wrong_type(initialised, capsys):
    pytest.importorskip("forms.interchange")
    draft = make_visit(status="draft")
    draft["answers"]["members"][0]["name"] = {"x": 1}
    src = initialised.tmp / "draft.json"
    src.write_text(json.dumps(draft, ensure_ascii=False), "utf-8")
    assert initialised("import", str(src)) == 2
    assert "第 1 条" in capsys.readouterr().err


def test_every_command_chooses_its_user_the_same_way(monkeypatch):
    """--user, then $FIELDAPP_USER, then the only user, then the app's last user; else a clear error."""
    from fieldapp.cli import CliError, choose_user

    monkeypatch.delenv("FIELDAPP_USER", raising=False)
    assert choose_user("甲", ["甲", "乙"], "乙") == "甲"
    assert choose_user(None, ["甲"], None) == "甲"
    assert choose_user(None, ["甲", "乙"], "乙") == "乙"
    with pytest.raises(CliError, match="甲, 乙"):
        choose_user(None, ["甲", "乙"], "丙")
    monkeypatch.setenv("FIELDAPP_USER", "乙")
    assert choose_user(None, ["甲", "乙"], "甲") == "乙"
