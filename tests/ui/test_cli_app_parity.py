"""The CLI and the app run one application core: the same file imported with ``fieldapp import`` and through
文件 → 导入 leaves the same vault (records, derived columns, flags, review dates, change log, audit kinds), and
``fieldapp export --plaintext`` writes what the app holds."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from fieldapp.cli import main
from fieldapp.demo import generate
from fieldapp.vault import Vault
from tests.ui.helpers import PASSPHRASE, unlock

# The CLI's vaults are made at the test-only Argon2id cost, like the app's: tests/conftest.py::fast_default_kdf.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")

USER = "李梅"


def _visits() -> list[dict]:
    visits = list(generate(24, seed=7))
    # One final visit the form engine refuses (a bad ID number) and one draft of the wrong shape: both rejected.
    bad = json.loads(json.dumps(visits[0]))
    bad["visit_id"], bad["household_id"] = "0b7e2a0e-8a55-4f0e-9a55-6c1d2e3f4a5b", "1c8f3b1f-9b66-4a1f-8b66-7d2e3f4a5b6c"
    bad["status"] = "final"
    bad["answers"]["members"][0]["id_number"] = "110105194912310021"
    draft = json.loads(json.dumps(visits[1]))
    draft["visit_id"], draft["household_id"] = "2d9a4c2a-ac77-4b2a-9c77-8e3f4a5b6c7d", "3e0b5d3b-bd88-4c3b-8d88-9f4a5b6c7d8e"
    draft["status"], draft["answers"]["address"] = "draft", ["not", "text"]
    return visits + [bad, draft]


def _contents(data_dir, kdf=None, user=USER, passphrase=PASSPHRASE) -> dict:
    """What a user or the sync sees in the vault, with the volatile parts (timestamps, ids of log rows) left out."""
    vault = Vault.open(data_dir)
    vault.unlock(user, passphrase)
    try:
        households = {}
        for row in vault.household_rows():
            h = vault.get_household(row[0], audit_view=False)
            households[h["id"]] = {k: h[k] for k in ("fields", "village_code", "categories", "visit_status",
                                                     "last_visit_date", "review_due", "open_needs", "flags")}
        changes = sorted((c["entity"], c["entity_id"], json.dumps(c["fields"], sort_keys=True, ensure_ascii=False))
                         for c in vault.pending_changes(10000))
        kinds = Counter(e["action"] for e in vault.audit_entries(10000))
        return {"households": households, "changes": changes, "audit": kinds}
    finally:
        vault.lock()


def test_import_from_the_cli_and_from_the_app_leave_the_same_vault(tmp_path, monkeypatch, services_factory,
                                                                     window_factory, qtbot, capsys):
    source = tmp_path / "visits.json"
    source.write_text(json.dumps(_visits(), ensure_ascii=False), encoding="utf-8")

    # The app: create the vault, unlock, 文件 → 导入.
    app_services = services_factory(user=USER)
    w = window_factory(app_services)
    unlock(w, qtbot)
    with qtbot.waitSignal(w.households_loaded, timeout=60000):
        w.import_file(str(source))
    assert (w.last_import["imported"], w.last_import["rejected"]) == (24, 2)
    app_services.lock()

    # The CLI: a vault of its own, then `fieldapp import --skip-invalid`.
    cli_data = tmp_path / "cli"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)
    assert main(["office-keygen", str(tmp_path / "office")]) == 0
    assert main(["--data-dir", str(cli_data), "vault", "init", "--user", USER,
                 "--office-public-key", str(tmp_path / "office.pub")]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(cli_data), "import", "--skip-invalid", str(source)]) == 0
    out = capsys.readouterr()
    assert "已导入 24 条走访记录，跳过 2 条" in out.out
    assert "身份证" in out.err   # the rejected final visit is named with its reason

    app, cli = _contents(app_services.data_dir), _contents(cli_data)
    assert len(app["households"]) == 24
    # The rules ran on both paths: review dates and flags are there, and they are the same.
    assert any(h["review_due"] for h in app["households"].values())
    assert any(h["flags"] for h in app["households"].values())
    assert cli["households"] == app["households"]
    assert cli["changes"] == app["changes"]
    assert app["audit"]["import"] == 1
    assert cli["audit"] == app["audit"], (cli["audit"], app["audit"])   # the same kinds of entry, as often


def test_without_skip_invalid_the_cli_imports_nothing(tmp_path, monkeypatch, capsys):
    source = tmp_path / "visits.json"
    source.write_text(json.dumps(_visits(), ensure_ascii=False), encoding="utf-8")
    data = tmp_path / "cli"
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)
    assert main(["office-keygen", str(tmp_path / "office")]) == 0
    assert main(["--data-dir", str(data), "vault", "init", "--user", USER,
                 "--office-public-key", str(tmp_path / "office.pub")]) == 0
    assert main(["--data-dir", str(data), "import", str(source)]) == 2
    assert "2 条记录不合格，未导入任何记录" in capsys.readouterr().err
    assert _contents(data)["households"] == {}
