"""Running the county server: ``doctor`` checks, backups and restores (the CLI commands are thin).

Backups are consistent while laptops sync: ``pg_dump`` works from one snapshot; SQLite's online
backup API copies the file in one step under a read lock. A restore goes into a new, empty database
and gives it a new *data epoch*: laptops that see the epoch change send again every change they
still hold (they keep the values of acknowledged changes until a backup taken after them has
completed, ``backed_up_at``) and pull again from the last change the backup held. Change ids are
stored once, so nothing is doubled.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

DATA_EPOCH, RESTORED_SEQ, BACKED_UP_AT = "data_epoch", "restored_seq", "backed_up_at"
SQLITE_MAGIC, PG_DUMP_MAGIC = b"SQLite format 3\x00", b"PGDMP"
PG_BIN_ENV = "FIELDAPP_PG_BIN"


class OpsError(ValueError):
    """A backup, restore or check that cannot be done; ``message_zh`` says why in plain words."""

    def __init__(self, message_zh: str, detail: str = ""):
        super().__init__(f"{message_zh} {detail}".strip())
        self.message_zh, self.detail = message_zh, detail


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def restore_state(storage) -> dict:
    """What laptops need to notice a restore: ``data_epoch``, ``restored_seq``, ``backed_up_at``."""
    restored = storage.setting(RESTORED_SEQ)
    return {"data_epoch": storage.setting(DATA_EPOCH), "restored_seq": int(restored) if restored else None,
            "backed_up_at": storage.setting(BACKED_UP_AT)}


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite://"):
        return None
    return Path(url[len("sqlite:///"):] if url.startswith("sqlite:///") else url[len("sqlite://"):])


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` / ``pg_restore``: ``$FIELDAPP_PG_BIN``, else PostgreSQL 15's folder, else PATH."""
    for folder in (os.environ.get(PG_BIN_ENV), "/usr/lib/postgresql/15/bin"):
        if folder and (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if not found:
        raise OpsError(f"找不到 {name}，请安装 postgresql-client。", name)
    return found


def _run(argv: list[str], what: str) -> None:
    out = subprocess.run(argv, capture_output=True, text=True, timeout=3600, check=False)
    if out.returncode != 0:
        raise OpsError(f"{what}失败。", out.stderr.strip()[-1500:])


def backup(url: str, file: str | Path) -> dict:
    """Write a consistent backup of the database at *url* to *file* (replaced only when complete)."""
    from sync.server.storage import open_storage

    target = Path(file)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    started = _now()   # the snapshot is taken after this moment: everything acknowledged before it is inside
    storage = open_storage(url)
    try:
        storage.migrate()
        path = _sqlite_path(url)
        if path is not None:
            partial.unlink(missing_ok=True)
            source, copy = sqlite3.connect(path), sqlite3.connect(partial)
            try:
                source.backup(copy)   # all pages in one step: one consistent state
            finally:
                copy.close()
                source.close()
        else:
            _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial),
                  storage.url], "数据库备份 (pg_dump) ")
        os.chmod(partial, 0o600)   # the backup holds the server's private keys
        partial.replace(target)
        storage.set_setting(BACKED_UP_AT, started, _now())
        return {"file": str(target), "bytes": target.stat().st_size, "backend": storage.backend,
                "started_at": started}
    finally:
        storage.close()


def backup_kind(file: str | Path) -> str:
    """``sqlite`` or ``postgres`` from the backup file's first bytes."""
    with open(file, "rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgres"
    raise OpsError("这不是 fieldapp-server 的备份文件。", str(file))


def _has_tables(url: str, path: Path | None) -> bool:
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            return False
        conn = sqlite3.connect(path)
        try:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()[0] > 0


def restore(file: str | Path, url: str, force: bool = False) -> dict:
    """Restore the backup *file* into the empty database at *url*; give it a new data epoch."""
    from sync.server.storage import open_storage

    kind, path = backup_kind(file), _sqlite_path(url)
    if (kind == "sqlite") != (path is not None):
        raise OpsError("备份与目标数据库类型不同（SQLite 备份只能恢复到 SQLite，pg_dump 备份只能恢复到 PostgreSQL）。")
    if _has_tables(url, path) and not force:
        raise OpsError("目标数据库里已有数据。请恢复到一个新的空数据库（或确认后加 --force）。", url.split("@")[-1])
    if path is not None:
        source, copy = sqlite3.connect(file), sqlite3.connect(path)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        os.chmod(path, 0o600)
    else:
        argv = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                "--dbname", url.replace("postgres://", "postgresql://", 1), str(file)]
        if force:
            argv[1:1] = ["--clean", "--if-exists"]
        _run(argv, "数据库恢复 (pg_restore) ")
    storage = open_storage(url)
    try:
        storage.migrate()   # a backup of an older server version is brought up to date
        seq, epoch = storage.last_seq(), uuid.uuid4().hex
        storage.set_setting(RESTORED_SEQ, str(seq), _now())
        storage.set_setting(DATA_EPOCH, epoch, _now())
        return {"restored": str(file), "schema_version": storage.schema_version(), "restored_seq": seq,
                "data_epoch": epoch, "devices": len(storage.list_devices())}
    finally:
        storage.close()


# --- doctor ---------------------------------------------------------------------------
@dataclass
class Finding:
    """One check: ``ok``, ``warn`` or ``fail``, with what is wrong in plain words."""

    check: str
    status: str
    message_zh: str
    detail: str = ""


def format_report(findings: list[Finding]) -> str:
    """The doctor's report, one line per check, the problems with what to do."""
    marks = {"ok": "正常", "warn": "注意", "fail": "错误"}
    lines = [f"[{marks[f.status]}] {f.check}: {f.message_zh}" + (f" ({f.detail})" if f.detail else "") for f in findings]
    bad = sum(f.status == "fail" for f in findings)
    lines.append("全部检查通过。" if not bad else f"{bad} 项检查未通过，请按上面的说明处理。")
    return "\n".join(lines)


def _mode_finding(check: str, path: Path, what: str) -> Finding:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Finding(check, "fail", f"{what} {path} 其他用户也能读取（权限 {mode:o}），请执行 chmod 600 {path}。")
    return Finding(check, "ok", f"{what}权限正确（{mode:o}）。")


def _check_database_companions(url: str, path: Path) -> list[Finding]:
    """The SQLite database's -wal/-shm files (its recent pages, in clear) and its folder (sync.server.atrest)."""
    from sync.server.atrest import server_file_problems

    found = []
    for problem in server_file_problems(url):
        loose = Path(problem["path"])
        if loose == path:
            continue            # the database file itself: reported above
        if loose.is_dir():
            found.append(Finding("数据库文件夹权限", "warn", f"数据库所在文件夹 {loose} 本机其他账户也能进入（权限 {problem['mode']}），"
                                                         f"建议执行 chmod {problem['want']} {loose}。"))
        else:
            found.append(Finding("数据库日志文件权限", "fail", f"数据库日志文件 {loose} 其他用户也能读取（权限 {problem['mode']}），"
                                                      f"请执行 chmod {problem['want']} {loose}。"))
    return found


# A database that does not answer within this is reported as unreachable (the server itself waits 30 s).
DOCTOR_DATABASE_WAIT_SECONDS = 5.0


def _check_database(url: str) -> tuple[list[Finding], object | None]:
    from sync.server.storage import STORAGE_ERRORS, open_storage

    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        return [Finding("数据库", "fail", f"数据库文件 {path} 不存在，请检查 --database，或运行 fieldapp-server init。")], None
    storage = None
    try:
        storage = open_storage(url, wait_seconds=DOCTOR_DATABASE_WAIT_SECONDS)
        version = storage.schema_version()
    except STORAGE_ERRORS as exc:  # every way of not reaching the database is reported, not raised
        if storage is not None:
            storage.close()   # a pool that cannot connect would otherwise keep trying in the background
        return [Finding("数据库", "fail", "无法打开数据库，请检查 --database 地址、数据库服务和密码。", type(exc).__name__)], None
    files = storage._migration_files()
    latest = files[-1][0] if files else 0
    if version < latest:
        return [Finding("数据库", "fail", f"数据库结构版本 {version} 低于本软件的 {latest}，请运行 fieldapp-server migrate。")], storage
    if version > latest:
        return [Finding("数据库", "fail", f"数据库结构版本 {version} 比本软件新，请升级 fieldapp-server。")], storage
    return [Finding("数据库", "ok", f"可以连接，结构版本 {version}（{storage.backend}）。")], storage


def _check_keys(storage) -> list[Finding]:
    found = []
    if not storage.server_key_secret():
        found.append(Finding("服务器密钥", "fail", "尚未生成服务器密钥，请运行 fieldapp-server init。"))
    else:
        found.append(Finding("服务器密钥", "ok", "已生成（电脑登记时会固定此密钥，切勿更换数据库）。"))
    if storage.office_key() is None:
        found.append(Finding("县级恢复公钥", "warn", "尚未设置，笔记本电脑的密钥无法由县里恢复：fieldapp-server office-key set。"))
    return found


def _check_tls(certfile: str | None, keyfile: str | None, now: datetime) -> list[Finding]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    if not certfile:
        return [Finding("TLS 证书", "warn", "未指定证书（--certfile）：没有检查 HTTPS。生产环境必须用 HTTPS。")]
    try:
        cert = x509.load_pem_x509_certificate(Path(certfile).read_bytes())
    except (OSError, ValueError) as exc:
        return [Finding("TLS 证书", "fail", f"无法读取证书 {certfile}。", type(exc).__name__)]
    found = []
    left = cert.not_valid_after_utc - now
    if left.total_seconds() < 0:
        found.append(Finding("TLS 证书", "fail", f"证书已于 {cert.not_valid_after_utc:%Y-%m-%d} 过期，笔记本电脑将无法同步，请更换证书。"))
    elif left < timedelta(days=30):
        found.append(Finding("TLS 证书", "warn", f"证书将于 {cert.not_valid_after_utc:%Y-%m-%d} 过期（剩 {left.days} 天），请尽快更换。"))
    elif cert.not_valid_before_utc > now:
        found.append(Finding("TLS 证书", "fail", "证书尚未生效，请检查服务器时间。"))
    else:
        found.append(Finding("TLS 证书", "ok", f"有效至 {cert.not_valid_after_utc:%Y-%m-%d}。"))
    if keyfile:
        try:
            key = serialization.load_pem_private_key(Path(keyfile).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            return found + [Finding("TLS 私钥", "fail", f"无法读取私钥 {keyfile}。", type(exc).__name__)]
        same = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == \
            cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        found.append(Finding("TLS 私钥", "ok", "与证书匹配。") if same else
                     Finding("TLS 私钥", "fail", "私钥与证书不匹配，HTTPS 将无法建立。"))
        found.append(_mode_finding("TLS 私钥权限", Path(keyfile), "私钥文件"))
    return found


def _check_clock(storage, now: datetime) -> list[Finding]:
    found = []
    if storage is not None and storage.backend == "postgres":
        with storage._tx(write=False) as tx:   # the database's clock against ours
            db_now = tx.one("SELECT now() AS t")["t"]
        skew = abs((db_now - now).total_seconds())
        if skew > 60:
            found.append(Finding("时钟", "fail", f"本机时间与数据库服务器相差 {int(skew)} 秒，请开启时间同步（NTP）。"))
    synced = _ntp_synchronized()
    if synced is False:
        found.append(Finding("时钟", "warn", "系统时间未与时间服务器同步（timedatectl），笔记本电脑同步时会校对时间，请开启 NTP。"))
    if not found:
        found.append(Finding("时钟", "ok", f"服务器时间 {now:%Y-%m-%d %H:%M} UTC" + ("，已与时间服务器同步。" if synced else "。")))
    return found


def _ntp_synchronized() -> bool | None:
    tool = shutil.which("timedatectl")
    if not tool:
        return None
    try:
        out = subprocess.run([tool, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {"yes": True, "no": False}.get(out.stdout.strip())


def _check_disk(folders: list[Path]) -> list[Finding]:
    found = []
    for folder in folders:
        usage = shutil.disk_usage(folder)
        free_gb, share = usage.free / 2**30, usage.free / usage.total
        if usage.free < 512 * 2**20 or share < 0.02:
            found.append(Finding("磁盘", "fail", f"{folder} 所在磁盘只剩 {free_gb:.1f} GB，数据库可能无法写入，请清理或扩容。"))
        elif usage.free < 5 * 2**30 or share < 0.10:
            found.append(Finding("磁盘", "warn", f"{folder} 所在磁盘只剩 {free_gb:.1f} GB（{share:.0%}）。"))
        else:
            found.append(Finding("磁盘", "ok", f"{folder} 所在磁盘剩余 {free_gb:.0f} GB（{share:.0%}）。"))
    return found


def _check_backups(storage, backup_dir: str | None, now: datetime) -> list[Finding]:
    last = storage.setting(BACKED_UP_AT) if storage is not None else None
    if not last:
        return [Finding("备份", "warn", "还没有做过备份：fieldapp-server backup FILE（见 docs/deploy.md 的每日备份定时器）。")]
    age = now - datetime.fromisoformat(last)
    if age > timedelta(hours=26):
        return [Finding("备份", "warn", f"最近一次备份在 {age.days} 天 {age.seconds // 3600} 小时前，请检查每日备份定时器。")]
    found = [Finding("备份", "ok", f"最近一次备份开始于 {last}。")]
    if backup_dir:
        for path in sorted(Path(backup_dir).glob("*")):
            if path.is_file() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                found.append(Finding("备份权限", "fail", f"备份文件 {path} 其他用户也能读取（含服务器私钥），请 chmod 600。"))
    return found


def doctor(url: str, certfile: str | None = None, keyfile: str | None = None, releases_dir: str | None = None,
           backup_dir: str | None = None, now: datetime | None = None) -> list[Finding]:
    """Every check, in the order an administrator fixes them."""
    now = now or datetime.now(timezone.utc)
    found, storage = _check_database(url)
    try:
        if storage is not None and found[0].status == "ok":
            found += _check_keys(storage)
        found += _check_tls(certfile, keyfile, now)
        found += _check_clock(storage if found[0].status == "ok" else None, now)
        path = _sqlite_path(url)
        folders = [p for p in (path.parent if path else None, Path(releases_dir) if releases_dir else None,
                               Path(backup_dir) if backup_dir else None) if p is not None and p.exists()]
        found += _check_disk(folders or [Path.cwd()])
        if path is not None and path.exists():
            found.append(_mode_finding("数据库文件权限", path, "数据库文件（含服务器私钥）"))
            found += _check_database_companions(url, path)
        found += _check_backups(storage if found[0].status == "ok" else None, backup_dir, now)
    finally:
        if storage is not None:
            storage.close()
    return found
