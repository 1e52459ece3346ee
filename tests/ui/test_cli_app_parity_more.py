"""The CLI and the app run one application core, shown for export, sync and printing (import:
``test_cli_app_parity.py``), with a real county's data (松林县 510123, not the demo).

Two laptops get the same visits file, one through the app's core (what the window calls), one
through ``fieldapp`` commands; each syncs with its own real ``fieldapp-server`` on 127.0.0.1 set up
the same way. Afterwards the two servers hold the same records, and the two vaults the same
households, derived values, outbox and audit kinds. One household printed from the app and with
``fieldapp print --household`` gives the same PDF text; both exports open to the same visits.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from fieldapp.cli import main
from fieldapp.services import Services
from fieldapp.vault import FAST_KDF
from forms.interchange import new_envelope
from sync.server.storage import open_storage
from sync.server.storage.base import Scope
from tests import county
from tests.field.test_real_county import run_county_server, server_cli
from tests.kdfkit import use_fast_default_kdf
from tests.pdftext import pdf_text
from tests.ui.test_cli_app_parity import _contents

# The CLI's vault is made and unlocked at the test-only Argon2id cost, like the app's (FAST_KDF): see
# tests/conftest.py::fast_default_kdf; the module-scoped ``synced`` applies the same through its own MonkeyPatch.
pytestmark = pytest.mark.usefixtures("fast_default_kdf")

USER = "王芳"
PASSPHRASE = "songlin county 2026"
EXPORT_SECRET = "export secret 2026"
NAMESPACE = uuid.UUID("7b0e4c1e-5a1d-4c55-9e0a-510123000000")
HEADS = ("李秀英", "陈国强", "张桂兰", "刘德明", "赵淑珍", "周建华")


def _id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def county_visits() -> list[dict]:
    """Six final first visits in 柏树村 and 东街社区, as a visitor records them (typed answers only)."""
    visits = []
    for i, head in enumerate(HEADS):
        village, area_type = (county.BAISHU, "rural") if i % 2 == 0 else (county.DONGJIE, "urban")
        answers = {
            "visit_date": "2026-06-20", "visit_time": "09:30", "visitors": ["王芳", "村委会成员"],
            "village_code": village, "area_type": area_type, "address": f"城关镇 {i + 1} 组 {10 + i} 号",
            "hukou_type": "agricultural" if area_type == "rural" else "non_agricultural",
            "categories": ["dibao_a"] if i % 3 == 0 else ["low_income"],
            "members": [{"member_id": _id(f"m{i}"), "name": head, "id_number": county.id_number(f"1962041{i}", 20 + i),
                         "relation": "head", "health": "chronic", "labour_capacity": "partial"}],
            "incomes": [{"income_id": _id(f"i{i}"), "source": "farming", "amount_fen": 30000 + 4000 * i}],
            "needs": [{"need_id": _id(f"n{i}"), "category": "medical", "description": "慢性病药费", "disposition": "pending"}],
        }
        visits.append(new_envelope(_id(f"h{i}"), _id(f"v{i}"), "final", answers,
                                   form_id="four_clarifications", form_version=1))
    return visits


def _cli_run(data_dir, *args) -> str:
    """``fieldapp --data-dir DATA_DIR ARGS`` in this process with the county's passphrases; its output (exit 0 asserted)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        mp.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
        mp.setenv("FIELDAPP_NEW_PASSPHRASE", PASSPHRASE)
        mp.setenv("FIELDAPP_EXPORT_PASSPHRASE", EXPORT_SECRET)
        mp.delenv("FIELDAPP_DATA_DIR", raising=False)
        code = main(["--data-dir", str(data_dir), *args])
    assert code == 0, err.getvalue()
    return out.getvalue()


def _cli(monkeypatch, capsys, data_dir, *args) -> str:
    monkeypatch.setenv("FIELDAPP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("FIELDAPP_NEW_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("FIELDAPP_EXPORT_PASSPHRASE", EXPORT_SECRET)
    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)
    capsys.readouterr()
    code = main(["--data-dir", str(data_dir), *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def _code(db: str) -> str:
    return server_cli(db, "code-issue", "--role", "visitor", "--township", county.CHENGGUAN,
                      "--villages", f"{county.BAISHU},{county.DONGJIE}", "--label", "城关镇-王芳")["code"]


def _server_state(db: str) -> dict:
    """What the county sees: every record with its revision and fields (device ids and times differ by nature)."""
    storage = open_storage(db)
    try:
        records = {(r["entity"], r["entity_id"]): (r["household_id"], r["village_code"], r["revision"], r["fields"])
                   for r in storage.records(Scope("admin", county.COUNTY))}
        log = sorted((c["entity"], c["entity_id"], c["revision"], json.dumps(c["fields"], sort_keys=True, ensure_ascii=False),
                      c["author"]) for c in storage.change_log(Scope("admin", county.COUNTY)))
    finally:
        storage.close()
    return {"records": records, "log": log}


def _sync_state(data_dir) -> dict:
    from fieldapp.vault import Vault

    vault = Vault.open(data_dir)
    vault.unlock(USER, PASSPHRASE)
    try:
        keys = ("cursor", "role", "township_code", "villages")
        return {"state": {k: vault.get_sync_state(k) for k in keys}, "pending": vault.pending_count(),
                "last_sync": bool(vault.get_sync_state("last_sync_at")),
                "documents": sorted(k for k in _state_keys(vault) if k.startswith("document/"))}
    finally:
        vault.lock()


def _state_keys(vault) -> list[str]:
    with vault._session() as db:   # the sync-state keys (no public listing; read-only here)
        return [r[0] for r in db.execute("SELECT key FROM sync_state")]


def _copy_sqlite(source: str, target: Path) -> str:
    """A consistent copy of the SQLite database at URL *source* (SQLite's online backup), as a URL."""
    src = sqlite3.connect(source.removeprefix("sqlite:///"))
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """Built once per module (each test gets copies, see ``laptops``): two county servers set up by the
    administrator's commands, serving; one laptop set up through the app's core and one through ``fieldapp``
    commands, after the same import and a sync each. Yields the folders and the servers' databases as they were
    right after the syncs; the servers keep serving (a print may fetch 文号 blocks) until the module ends."""
    with pytest.MonkeyPatch.context() as mp:
        use_fast_default_kdf(mp)
        yield from _synced(tmp_path_factory)


def _synced(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity")
    source = root / "visits.json"
    source.write_text(json.dumps(county_visits(), ensure_ascii=False), encoding="utf-8")
    with run_county_server(tmp_path_factory.mktemp("server")) as (app_db, app_url), \
            run_county_server(tmp_path_factory.mktemp("server")) as (cli_db, cli_url):
        # The app: first run with the server address and code, 文件 → 导入, 同步.
        app = Services(root / "app", kdf=FAST_KDF)
        app.create_vault(USER, PASSPHRASE, server_url=app_url, enrollment_code=_code(app_db))
        app.unlock(USER, PASSPHRASE)
        doc, sealed = app.read_import_file(source)
        assert not sealed
        assert app.import_visits(doc)["imported"] == len(HEADS)
        report = app.sync()
        assert report.pushed >= len(HEADS)
        app.lock()

        # The CLI: vault init, import, enroll, sync.
        cli = root / "cli"
        _cli_run(cli, "vault", "init", "--user", USER, "--no-office-key")
        assert f"已导入 {len(HEADS)} 条走访记录" in _cli_run(cli, "import", str(source))
        _cli_run(cli, "enroll", "--server", cli_url, "--code", _code(cli_db))
        assert "同步完成" in _cli_run(cli, "sync")
        yield {"app": root / "app", "cli": cli,
               "app_db": _copy_sqlite(app_db, root / "app-server.db"), "cli_db": _copy_sqlite(cli_db, root / "cli-server.db")}


@pytest.fixture
def laptops(tmp_path, synced):
    """(app Services unlocked, CLI data folder, app server db, CLI server db) after the same import and a sync each:
    this test's own copies of what ``synced`` built (vault folders copied while locked; SQLCipher files copy as they are)."""
    app_dir, cli = tmp_path / "app", tmp_path / "cli"
    shutil.copytree(synced["app"], app_dir)
    shutil.copytree(synced["cli"], cli)
    app_db = _copy_sqlite(synced["app_db"], tmp_path / "app-server.db")
    cli_db = _copy_sqlite(synced["cli_db"], tmp_path / "cli-server.db")
    app = Services(app_dir, kdf=FAST_KDF)
    app.unlock(USER, PASSPHRASE)
    yield app, cli, app_db, cli_db
    if app.is_unlocked():
        app.lock()


def test_sync_from_the_cli_and_from_the_app_leave_the_same_server_and_vault(laptops):
    app, cli, app_db, cli_db = laptops
    app_data = app.data_dir
    app.lock()

    on_app_server, on_cli_server = _server_state(app_db), _server_state(cli_db)
    assert len(on_app_server["records"]) == 2 * len(HEADS)   # a household and a visit record each
    assert on_cli_server == on_app_server

    app_vault, cli_vault = _contents(app_data, user=USER, passphrase=PASSPHRASE), _contents(cli, user=USER, passphrase=PASSPHRASE)
    assert app_vault["changes"] == [] and cli_vault["changes"] == []   # everything acknowledged
    assert any(h["review_due"] for h in app_vault["households"].values())   # the rules ran (the county's reference)
    assert cli_vault["households"] == app_vault["households"]
    for kinds in (app_vault["audit"], cli_vault["audit"]):
        kinds.pop("unlock")   # each command unlocks once; the app once per session
    assert cli_vault["audit"] == app_vault["audit"], (cli_vault["audit"], app_vault["audit"])
    app_state, cli_state = _sync_state(app_data), _sync_state(cli)
    assert app_state["documents"]   # the county's reference, templates and form came with the pull
    assert cli_state == app_state


def test_export_from_the_cli_and_from_the_app_hold_the_same_visits(laptops, tmp_path, monkeypatch, capsys):
    from fieldapp.vault.export import open_sealed_visits

    app, _cli_data, _, _ = laptops
    assert app.export_needs_passphrase()   # this county set no office key: both exports use a passphrase
    from_app = tmp_path / "app-export.json"
    assert app.export_visits(from_app, EXPORT_SECRET) == len(HEADS)
    app.lock()
    from_cli = tmp_path / "cli-export.json"
    out = _cli(monkeypatch, capsys, app.data_dir, "export", "--passphrase", "-o", str(from_cli))
    assert f"已导出 {len(HEADS)} 条走访记录" in out

    def opened(path) -> list[dict]:
        sealed = json.loads(path.read_text("utf-8"))
        assert "李秀英" not in path.read_text("utf-8")   # sealed, not in clear
        return open_sealed_visits(sealed, passphrase=EXPORT_SECRET)

    app_visits, cli_visits = opened(from_app), opened(from_cli)
    assert sorted(v["visit_id"] for v in app_visits) == sorted(v["visit_id"] for v in county_visits())
    assert cli_visits == app_visits
    app.unlock(USER, PASSPHRASE)
    exports = [e for e in app.vault.audit_entries(50) if e["action"] == "export"]
    assert len(exports) == 2   # both audited the same way


def test_printing_a_household_from_the_cli_and_from_the_app_gives_the_same_pdf_text(laptops, tmp_path, monkeypatch,
                                                                                      capsys):
    app, _cli_data, _, _ = laptops
    household = _id("h0")
    # a document number (文号, e.g. 城关入调〔2026〕0001号) is issued once: the second print carries the next one
    serial = re.compile(r"〔\d{4}〕\d+号")
    for kind, command in (("visit_record", "visit-record"), ("consent", "consent")):
        from_app = tmp_path / f"app-{kind}.pdf"
        if not app.is_unlocked():
            app.unlock(USER, PASSPHRASE)
        assert app.print_household(kind, household, from_app).pages >= 1
        app.lock()
        from_cli = tmp_path / f"cli-{kind}.pdf"
        out = _cli(monkeypatch, capsys, app.data_dir, "print", command, "--household", household, "-o", str(from_cli))
        assert "已生成" in out
        app_text, cli_text = pdf_text(from_app), pdf_text(from_cli)
        assert "李秀英" in app_text and "演示" not in app_text, app_text[:400]
        assert serial.sub("#", cli_text) == serial.sub("#", app_text)
