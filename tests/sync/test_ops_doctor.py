"""``fieldapp-server doctor`` on the embedded SQLite default: what it says about file modes, TLS and backups."""

from __future__ import annotations

import datetime as dt

from sync.server import ops
from sync.server.admin import add_area
from sync.server.cli import main
from sync.server.storage import open_storage
from tests.sync.test_server_cli_tls import make_ca_and_server_cert


def _by_check(findings):
    return {f.check: f for f in findings}


def test_doctor_says_what_is_wrong_in_plain_words(tmp_path, capsys):
    db = tmp_path / "county.db"
    url = f"sqlite:///{db}"
    assert main(["--database", url, "doctor"]) == 1
    assert "数据库文件" in capsys.readouterr().out and not db.exists()   # doctor never creates the database

    assert main(["--database", url, "init"]) == 0
    capsys.readouterr()
    db.chmod(0o644)
    _, cert, key = make_ca_and_server_cert(tmp_path)
    key.chmod(0o600)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)     # after the test certificate expired
    found = _by_check(ops.doctor(url, certfile=str(cert), keyfile=str(key), now=later))
    assert found["数据库"].status == "ok" and found["服务器密钥"].status == "ok"
    assert found["数据库文件权限"].status == "fail" and f"chmod 600 {db}" in found["数据库文件权限"].message_zh
    assert found["TLS 证书"].status == "fail" and "已于" in found["TLS 证书"].message_zh
    assert found["备份"].status == "warn"

    db.chmod(0o600)
    made = ops.backup(url, tmp_path / "backups" / "one.backup")
    found = _by_check(ops.doctor(url, certfile=str(cert), keyfile=str(key), backup_dir=str(tmp_path / "backups")))
    assert found["数据库文件权限"].status == "ok" and found["备份"].status == "ok"
    assert made["started_at"] in found["备份"].message_zh
    assert main(["--database", url, "doctor", "--certfile", str(cert), "--keyfile", str(key)]) == 0
    report = capsys.readouterr().out
    assert "全部检查通过" in report and "[正常] TLS 私钥: 与证书匹配" in report


def test_a_newer_schema_and_a_missing_migration_are_named(tmp_path):
    url = f"sqlite:///{tmp_path}/county.db"
    storage = open_storage(url)
    storage.migrate()
    with storage._tx() as tx:
        tx.exec("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)")
    storage.close()
    found = _by_check(ops.doctor(url))
    assert found["数据库"].status == "fail" and "fieldapp-server migrate" in found["数据库"].message_zh


def test_several_workers_need_postgresql(tmp_path, capsys):
    assert main(["--database", f"sqlite:///{tmp_path}/x.db", "serve", "--workers", "2"]) == 2
    assert "needs PostgreSQL" in capsys.readouterr().err


def test_doctor_names_the_databases_wal_file_and_a_folder_other_accounts_can_enter(tmp_path, capsys):
    """The -wal file holds the latest pages in clear and the folder lets others list it (issue 19: "checked by doctor")."""
    folder = tmp_path / "srv"
    folder.mkdir(mode=0o700)
    db = folder / "county.db"
    url = f"sqlite:///{db}"
    assert main(["--database", url, "init"]) == 0
    storage = open_storage(url)          # a running server: its latest writes are in the -wal file
    storage.migrate()
    add_area(storage, "360124", "进贤县")
    wal = folder / "county.db-wal"
    assert wal.exists() and oct(wal.stat().st_mode & 0o777) == "0o600"    # made with the database's mode
    wal.chmod(0o644)
    folder.chmod(0o755)
    capsys.readouterr()
    code, out = main(["--database", url, "doctor"]), capsys.readouterr().out
    assert code == 1, out
    assert f"chmod 0600 {wal}" in out and f"chmod 0700 {folder}" in out
    wal.chmod(0o600)
    folder.chmod(0o700)
    found = {f.check: f for f in ops.doctor(url)}
    assert found["数据库文件权限"].status == "ok" and not {"数据库文件夹权限", "数据库日志文件权限"} & set(found)
    storage.close()
