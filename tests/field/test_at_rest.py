"""At rest (issue 19): owner-only modes for every file holding personal data or keys, and no stale bundle temp files.

Laptop: the data folder 0700, vault, key file and UI settings 0600, checked by ``fieldapp vault check``.
Server: the SQLite database created 0600, checked by :func:`sync.server.atrest.server_file_problems`
(what ``fieldapp-server doctor`` reports).
"""

from __future__ import annotations

import os
import stat

import pytest

from fieldapp.cli import main
from fieldapp.services import Services
from fieldapp.vault import Vault
from sync.bundle import export_bundle
from sync.server.atrest import server_file_problems
from sync.server.storage import open_storage

# The commands here run at the test-only Argon2id cost (tests/conftest.py::fast_default_kdf: 0.8 s of CPU
# less per vault made or unlocked); that the production cost is the default is asserted in test_vault_keys.py.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", "first-passphrase")
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", "first-passphrase")
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)
    run = lambda *args: main(["--data-dir", str(data), *args])   # noqa: E731
    assert run("vault", "init", "--user", "张三", "--no-office-key") == 0
    run.data = data
    return run


def test_the_laptops_data_folder_and_files_are_owner_only_and_vault_check_says_so(cli, capsys):
    Services(cli.data).save_settings({"language": "zh", "last_user": "张三"})
    assert mode(cli.data) == 0o700
    for name in ("vault.db", "vault.keys.json", "ui-settings.json"):
        found = [p for p in cli.data.iterdir() if p.name == name]
        assert found and mode(found[0]) == 0o600, (name, oct(mode(found[0])) if found else "missing")
    capsys.readouterr()
    assert cli("vault", "check") == 0
    assert "权限过宽" not in capsys.readouterr().err


def test_vault_check_reports_a_folder_or_settings_file_other_accounts_can_read(cli, capsys):
    Services(cli.data).save_settings({"last_user": "张三"})
    Vault.open(cli.data).throttle.record_failure("李四")          # the unlock throttle's file names local users too
    assert mode(cli.data / "vault.throttle.json") == 0o600
    os.chmod(cli.data, 0o755)
    os.chmod(cli.data / "ui-settings.json", 0o644)
    os.chmod(cli.data / "vault.throttle.json", 0o644)
    capsys.readouterr()
    assert cli("vault", "check") == 1
    err = capsys.readouterr().err
    assert "权限过宽" in err and "0755" in err and "ui-settings.json" in err and "0644" in err
    assert "vault.throttle.json" in err


def test_settings_written_again_become_owner_only(tmp_path):
    services = Services(tmp_path / "data")
    services.save_settings({"last_user": "张三"})
    os.chmod(tmp_path / "data" / "ui-settings.json", 0o644)
    services.save_settings({"last_user": "李四"})
    assert mode(tmp_path / "data" / "ui-settings.json") == 0o600


def test_the_server_database_is_created_owner_only_and_a_loose_one_is_reported(tmp_path):
    folder = tmp_path / "srv"
    folder.mkdir(mode=0o700)
    url = f"sqlite:///{folder}/county.db"
    storage = open_storage(url)
    storage.migrate()
    storage.close()
    assert mode(folder / "county.db") == 0o600
    assert server_file_problems(url) == []
    os.chmod(folder / "county.db", 0o644)
    os.chmod(folder, 0o755)
    assert {(p["path"].rsplit("/", 1)[-1], p["mode"], p["want"]) for p in server_file_problems(url)} == {
        ("county.db", "0644", "0600"), ("srv", "0755", "0700")}
    assert server_file_problems("postgresql://fieldapp@db/county") == []


def test_temp_files_of_killed_bundle_exports_are_cleaned_up(server, tmp_path):
    laptop = server.laptop()
    laptop.visit(address="东村 1 号")
    stick = tmp_path / "stick"
    stick.mkdir()
    mine = laptop.client.device_id[:8]
    stale = stick / f"fieldapp-{mine}-20260512T063000Z-1a2b3c4d.fieldapp-bundle.x8k2p.tmp"   # a SIGKILLed export
    stale.write_bytes(b"\0" * 1024)
    others = stick / "fieldapp-0ther000-20260512T063000Z-1a2b3c4d.fieldapp-bundle.q9z1.tmp"   # another laptop's, maybe live
    others.write_bytes(b"\0")
    path, count = export_bundle(laptop.store, stick)
    assert count == 1 and path.exists()
    assert not stale.exists() and others.exists()


def test_a_server_export_of_an_area_is_written_owner_only(server, tmp_path):
    """``fieldapp-server export AREA --out FILE`` writes every household of the area in clear: 0600, even over an older file."""
    from sync.server.cli import main as server_main

    laptop = server.laptop()
    laptop.visit(address="东村 2 号")
    laptop.client.sync()
    url = getattr(server.storage, "url", None) or f"sqlite:///{server.storage.path}"
    out = tmp_path / "county-export.json"
    out.write_text("old", encoding="utf-8")
    os.chmod(out, 0o644)
    assert server_main(["--database", url, "export", "110105001", "--out", str(out)]) == 0
    assert mode(out) == 0o600 and "东村 2 号" in out.read_text(encoding="utf-8")
