"""``fieldapp`` subcommands for the vault: vault init/set-office-key/check/export-raw-key, user, import, export, audit, recover,
office-keygen.

Passphrases come from ``FIELDAPP_PASSPHRASE`` (the user unlocking; also the first user's passphrase for
``vault init``) and ``FIELDAPP_NEW_PASSPHRASE`` (a passphrase being set) for scripts and tests, otherwise
from a hidden prompt. Vault errors become
plain Chinese messages here, at the edge.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

from fieldapp.cli import CliError, add_user_arg, choose_user

ENV_PASSPHRASE = "FIELDAPP_PASSPHRASE"
ENV_NEW_PASSPHRASE = "FIELDAPP_NEW_PASSPHRASE"
ENV_EXPORT_PASSPHRASE = "FIELDAPP_EXPORT_PASSPHRASE"


# ------------------------------------------------------------------ helpers
def _data_dir(args) -> Path:
    from fieldapp.paths import data_dir

    return data_dir(getattr(args, "data_dir", None))


def _ask(prompt: str, env: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"需要密码：请在终端运行，或设置环境变量 {env} (passphrase needed: run in a terminal or set {env})")
    return getpass.getpass(prompt)


def _ask_new(prompt: str, env: str = ENV_NEW_PASSPHRASE, fallback_env: str | None = None) -> str:
    value = os.environ.get(env) or (os.environ.get(fallback_env) if fallback_env else None)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"需要新密码：请在终端运行，或设置环境变量 {env} (new passphrase needed)")
    first = getpass.getpass(prompt)
    if getpass.getpass("再输入一次 (again): ") != first:
        raise CliError("两次输入的密码不一致 (passphrases differ)")
    return first


def _vault_errors():
    from fieldapp.vault import VaultError

    return VaultError


def _run(fn):
    """Turn vault errors into CliError with the Chinese message and the English detail."""
    def wrapper(args):
        VaultError = _vault_errors()
        try:
            return fn(args)
        except VaultError as exc:
            raise CliError(f"{exc.message_zh} ({exc})") from exc
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _unlocked(args):
    """Open the vault and unlock it as the chosen user (:func:`fieldapp.cli.choose_user`) with the passphrase."""
    from fieldapp.vault import Vault

    from fieldapp.services import Services

    data = _data_dir(args)
    vault = Vault.open(data)
    user = choose_user(getattr(args, "user", None), vault.users(), Services(data).load_settings().get("last_user"))
    vault.unlock(user, _ask(f"{user} 的密码 (passphrase): ", ENV_PASSPHRASE))
    return vault


def _unlocked_services(args):
    """The app's own facade (:class:`fieldapp.services.Services`) unlocked as the chosen user: the CLI and the UI
    then run the same code (rules, derived review dates and flags, audit)."""
    from fieldapp.services import Services

    services = Services(_data_dir(args))
    user = choose_user(getattr(args, "user", None), services.users(), services.load_settings().get("last_user"))
    services.unlock(user, _ask(f"{user} 的密码 (passphrase): ", ENV_PASSPHRASE))
    return services


def _read_file(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"无法读取{what} {path} ({exc.strerror})") from exc


# ------------------------------------------------------------------ commands
@_run
def cmd_init(args) -> int:
    """Create the vault and its first user."""
    from fieldapp.vault import Vault

    office = _read_file(args.office_public_key, "县级公钥文件") if args.office_public_key else None
    if office is None and not args.no_office_key:
        raise CliError("请用 --office-public-key 指定县级民政部门公钥（或明确给出 --no-office-key）")
    # Nobody unlocks before init, so FIELDAPP_PASSPHRASE may carry the first user's passphrase.
    passphrase = _ask_new(f"{args.user} 的新密码 (new passphrase): ", fallback_env=ENV_PASSPHRASE)
    vault = Vault.create(_data_dir(args), args.user, passphrase, office)
    vault.lock()
    print(f"已创建本地数据库 {vault.db_path} ，用户 {args.user}" + ("" if office else "（没有县级恢复密钥）"))
    return 0


@_run
def cmd_set_office_key(args) -> int:
    """Seal this vault's key to the county office public key (adds or replaces the recovery wrap)."""
    office = _read_file(args.file, "县级公钥文件")
    with _unlocked(args) as vault:
        changed = vault.set_office_key(office)
    print("已设置县级恢复密钥 (office recovery key set)" if changed else "县级恢复密钥未变 (office key unchanged)")
    return 0


@_run
def cmd_check(args) -> int:
    """Check every page's authentication code, SQLite integrity and the audit chain."""
    with _unlocked(args) as vault:
        vault.check_integrity()
        n = vault.verify_audit()
        print(f"数据库完好；操作日志 {n} 条，完整 (ok: integrity, {n} audit entries)")
        loose = vault.file_mode_problems()
    for item in loose:
        print(f"权限过宽：{item['path']} 为 {item['mode']}，应为 {item['want']}（本机其他账户可读取） "
              f"(too open: {item['path']} is {item['mode']}, want {item['want']}; fix: chmod {item['want']} '{item['path']}')",
              file=sys.stderr)
    return 1 if loose else 0


@_run
def cmd_export_raw_key(args) -> int:
    """Print the raw database key (hex) for checking the file with another SQLCipher 4 implementation."""
    with _unlocked(args) as vault:
        print("警告：持有此密钥即可读取全部数据，请妥善保管、用后销毁。", file=sys.stderr)
        print(vault.export_raw_key())
    return 0


@_run
def cmd_user_add(args) -> int:
    """Add a local user."""
    with _unlocked(args) as vault:
        vault.add_user(args.name, _ask_new(f"{args.name} 的新密码 (new passphrase): "))
    print(f"已添加用户 {args.name}")
    return 0


@_run
def cmd_user_passwd(args) -> int:
    """Change a passphrase (yours by default)."""
    with _unlocked(args) as vault:
        name = args.name or vault.user
        vault.set_passphrase(name, _ask_new(f"{name} 的新密码 (new passphrase): "))
    print(f"已修改 {name} 的密码")
    return 0


@_run
def cmd_user_remove(args) -> int:
    """Remove a local user."""
    with _unlocked(args) as vault:
        vault.remove_user(args.name)
    print(f"已删除用户 {args.name}")
    return 0


@_run
def cmd_user_list(args) -> int:
    """List local users (no passphrase needed)."""
    from fieldapp.vault import Vault

    for name in Vault.open(_data_dir(args)).users():
        print(name)
    return 0


@_run
def cmd_import(args) -> int:
    """Import one visit or a list of visits (interchange JSON, or an encrypted export), as the app's 导入 does."""
    from fieldapp.services import ImportRejected
    from fieldapp.vault.export import is_sealed_export

    raw = _read_file(args.file, "文件")
    from forms.errors import MalformedJsonError
    from forms.interchange import read_json

    try:
        doc = read_json(raw, Path(args.file).name)     # a UTF-8 BOM (Windows editors), as validate accepts it
    except MalformedJsonError as exc:
        raise CliError(f"{exc.message_zh} ({exc})") from exc
    office = secret = None
    if is_sealed_export(doc):
        office = _read_file(args.office_key, "县级私钥文件") if args.office_key else None
        secret = None if office else _ask("导出文件密码 (export passphrase): ", ENV_EXPORT_PASSPHRASE)
    services = _unlocked_services(args)
    try:
        report = services.import_visits(doc, secret, office_private_key=office, skip_invalid=args.skip_invalid)
    except ImportRejected as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        raise CliError(f"{exc.message_zh}（用 --skip-invalid 只导入合格的）") from exc
    finally:
        services.lock()
    for line in report["problems"]:
        print(line, file=sys.stderr)
    count, rejected = report["imported"], report["rejected"]
    print(f"已导入 {count} 条走访记录" + (f"，跳过 {rejected} 条" if rejected else ""))
    return 0


@_run
def cmd_export(args) -> int:
    """Export every visit: sealed to the office key (default), under a passphrase, or — only if asked — in clear."""
    from fieldapp.vault.keyfile import atomic_write
    from fieldapp.vault.export import seal_visits

    if args.plaintext and (args.to_office or args.passphrase):
        raise CliError("--plaintext 不能与加密选项同时使用")
    office = _read_file(args.to_office, "县级公钥文件") if args.to_office else None
    with _unlocked(args) as vault:
        if not (office or args.passphrase or args.plaintext):
            office = vault.office_public_key()
            if office is None:
                raise CliError("本库没有县级公钥：请用 --to-office FILE 或 --passphrase 加密导出")
        visits = list(vault.iter_visits())
        if args.plaintext:
            print("警告：正在以明文导出全部走访记录（含姓名、身份证号、收入）。文件不加密，请妥善保管、用后删除。",
                  file=sys.stderr)
            data = json.dumps(visits, ensure_ascii=False, indent=1).encode("utf-8")
            method = "plaintext"
        elif office:
            data, method = seal_visits(visits, office_public_key=office, suite=vault._suite), "office"
        else:
            secret = _ask_new("导出文件密码 (export passphrase): ", ENV_EXPORT_PASSPHRASE)
            data, method = seal_visits(visits, passphrase=secret, suite=vault._suite), "passphrase"
        atomic_write(Path(args.output), data)
        vault.audit("export", detail={"visits": len(visits), "method": method})
    print(f"已导出 {len(visits)} 条走访记录到 {args.output}（{ {'plaintext': '明文', 'office': '县级公钥加密', 'passphrase': '密码加密'}[method] }）")
    return 0


@_run
def cmd_audit_verify(args) -> int:
    """Check the audit log's hash chain; exit code 1 if an entry was edited or removed."""
    from fieldapp.vault import AuditChainBroken

    from fieldapp import syncing
    from sync import errors as sync_errors

    with _unlocked(args) as vault:
        try:
            n = vault.verify_audit()
            checked = None
            if syncing.is_enrolled(vault) and not args.local:
                try:
                    checked = syncing.verify_audit_with_server(vault)
                except sync_errors.SyncError as exc:
                    print(f"未能与县服务器核对（{exc.message_zh}）；只检查了本机日志。"
                          f" (not checked against the server: {exc.code})", file=sys.stderr)
        except AuditChainBroken as exc:
            print(f"操作日志被篡改：{exc.message_zh} ({exc})", file=sys.stderr)
            return 1
    print(f"操作日志完整：{n} 条 (audit log intact: {n} entries)")
    if checked is not None:
        print(f"与县服务器保存的 {checked} 个日志节点一致 (matches {checked} heads held by the county server)")
    return 0


@_run
def cmd_audit_show(args) -> int:
    """Print the latest audit entries."""
    with _unlocked(args) as vault:
        for e in vault.audit_entries(limit=args.limit):
            print(f"{e['seq']}\t{e['at']}\t{e['actor']}\t{e['action']}\t{e['entity'] or ''}\t{e['entity_id'] or ''}")
    return 0


@_run
def cmd_recover(args) -> int:
    """Set a new passphrase for a user with the county office's private key (all passphrases forgotten)."""
    from fieldapp.vault import Vault

    vault = Vault.open(_data_dir(args))
    vault.unlock_with_office_key(_read_file(args.office_key, "县级私钥文件"))
    try:
        vault.set_passphrase(args.user, _ask_new(f"{args.user} 的新密码 (new passphrase): "))
    finally:
        vault.lock()
    print(f"已用县级密钥恢复，{args.user} 的密码已重新设置")
    return 0


@_run
def cmd_office_keygen(args) -> int:
    """Create the county office's recovery key pair: PREFIX.key (keep offline!) and PREFIX.pub."""
    from fieldapp.vault.crypto import DEFAULT_SUITE
    from fieldapp.vault.keyfile import atomic_write

    private_path, public_path = Path(args.prefix + ".key"), Path(args.prefix + ".pub")
    for p in (private_path, public_path):
        if p.exists():
            raise CliError(f"{p} 已存在，不会覆盖")
    private_pem, public_pem = DEFAULT_SUITE.generate_recipient_keypair()
    atomic_write(private_path, private_pem)  # mode 0600
    atomic_write(public_path, public_pem)
    os.chmod(public_path, 0o644)
    print(f"私钥 {private_path}（离线保管，切勿分发）；公钥 {public_path}（配发给各笔记本）")
    return 0


# ------------------------------------------------------------------ registration
def register(subparsers) -> None:
    """Add the vault, user, import, export, audit, recover and office-keygen subcommands."""
    p = subparsers.add_parser("vault", help="本地加密数据库 (the encrypted local vault)")
    vs = p.add_subparsers(dest="vault_command", metavar="ACTION", required=True)
    q = vs.add_parser("init", help="create the vault and its first user")
    q.add_argument("--user", required=True, help="first local user name")
    q.add_argument("--office-public-key", metavar="FILE", help="county office public key (PEM) for recovery")
    q.add_argument("--no-office-key", action="store_true", help="create without an office recovery wrap (not recommended)")
    q.set_defaults(handler=cmd_init)
    q = vs.add_parser("set-office-key", help="add or replace the county office recovery wrap")
    q.add_argument("file", metavar="FILE.pem", help="county office public key (from office-keygen: PREFIX.pub)")
    add_user_arg(q)
    q.set_defaults(handler=cmd_set_office_key)
    q = vs.add_parser("check", help="verify file integrity and the audit chain")
    add_user_arg(q)
    q.set_defaults(handler=cmd_check)
    q = vs.add_parser("export-raw-key", help="admin: print the raw SQLCipher key (hex)")
    add_user_arg(q)
    q.set_defaults(handler=cmd_export_raw_key)

    p = subparsers.add_parser("user", help="local users of this laptop")
    us = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    q = us.add_parser("add", help="add a local user")
    q.add_argument("name")
    add_user_arg(q)
    q.set_defaults(handler=cmd_user_add)
    q = us.add_parser("passwd", help="change a passphrase (re-wraps the key only)")
    q.add_argument("name", nargs="?", help="whose passphrase (default: the user unlocking)")
    add_user_arg(q)
    q.set_defaults(handler=cmd_user_passwd)
    q = us.add_parser("remove", help="remove a local user")
    q.add_argument("name")
    add_user_arg(q)
    q.set_defaults(handler=cmd_user_remove)
    q = us.add_parser("list", help="list local users")
    q.set_defaults(handler=cmd_user_list)

    q = subparsers.add_parser("import", help="import visits (interchange JSON: one visit or a list; or an encrypted export)")
    q.add_argument("file", metavar="FILE.json")
    q.add_argument("--skip-invalid", action="store_true", help="import the valid visits and skip the others")
    q.add_argument("--office-key", metavar="FILE", help="office private key, to open an export sealed to the office")
    add_user_arg(q)
    q.set_defaults(handler=cmd_import)

    q = subparsers.add_parser("export", help="export all visits (encrypted unless --plaintext)")
    q.add_argument("-o", "--output", required=True, metavar="FILE")
    q.add_argument("--to-office", metavar="FILE", help="seal to this office public key (default: the vault's office key)")
    q.add_argument("--passphrase", action="store_true", help="encrypt under a passphrase instead ($FIELDAPP_EXPORT_PASSPHRASE)")
    q.add_argument("--plaintext", action="store_true", help="write UNENCRYPTED JSON (prints a warning)")
    add_user_arg(q)
    q.set_defaults(handler=cmd_export)

    p = subparsers.add_parser("audit", help="the hash-chained audit log")
    au = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    q = au.add_parser("verify", help="detect edited or removed audit entries (also against the county server's copy of its heads)")
    q.add_argument("--local", action="store_true", help="check this laptop's log only, without asking the server")
    add_user_arg(q)
    q.set_defaults(handler=cmd_audit_verify)
    q = au.add_parser("show", help="print the latest entries")
    q.add_argument("--limit", type=int, default=50)
    add_user_arg(q)
    q.set_defaults(handler=cmd_audit_show)

    q = subparsers.add_parser("recover", help="set a new passphrase with the county office private key")
    q.add_argument("--office-key", required=True, metavar="FILE", help="office private key (PEM)")
    q.add_argument("--user", required=True, help="user whose passphrase is set (created if missing)")
    q.set_defaults(handler=cmd_recover)

    q = subparsers.add_parser("office-keygen", help="create a county office recovery key pair")
    q.add_argument("prefix", help="writes PREFIX.key and PREFIX.pub")
    q.set_defaults(handler=cmd_office_keygen)
