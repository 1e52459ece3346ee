"""``fieldapp`` subcommands for the sync area: enroll, sync, bundle export|import."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from fieldapp.cli import CliError, add_user_arg, choose_user


def open_services(args):
    """The app's core with the vault named by --data-dir unlocked as the chosen user (passphrase from
    $FIELDAPP_PASSPHRASE or a prompt): every command here calls the same parts the window calls."""
    from fieldapp.services import Services

    services = Services(args.data_dir)
    if not services.has_vault():
        raise CliError(f"此电脑还没有数据库 (no vault in {services.data_dir})；请先创建。")
    user = choose_user(args.user, services.users(), services.load_settings().get("last_user"))
    passphrase = os.environ.get("FIELDAPP_PASSPHRASE") or getpass.getpass(f"{user} 的密码: ")
    from fieldapp.errors import CODED_ERRORS

    try:
        services.unlock(user, passphrase)
    except CODED_ERRORS as exc:   # wrong passphrase, throttled, damaged key file …: each carries the Chinese message
        raise CliError(getattr(exc, "message_zh", None) or str(exc)) from None
    return services


def _sync_error(exc) -> CliError:
    return CliError(f"{exc.message_zh} [{exc.code}]", exit_code=3 if exc.code == "SERVER_UNREACHABLE" else 2)


def _run(args, work):
    """Run *work(services)* with the vault unlocked; sync errors and the core's named errors become messages."""
    from fieldapp.errors import CODED_ERRORS
    from sync.errors import SyncError

    services = open_services(args)
    try:
        return work(services)
    except SyncError as exc:
        raise _sync_error(exc) from None
    except CODED_ERRORS as exc:  # the core's named errors (NotEnrolled, EnrollmentCodeRejected …); bugs go on with their traceback
        raise CliError(getattr(exc, "message_zh", None) or str(exc)) from None
    finally:
        services.lock()


def cmd_enroll(args) -> int:
    from fieldapp.enrollment import BadServerAddress, check_address, server_fingerprint

    try:
        address = check_address(args.server)
    except BadServerAddress as exc:
        raise CliError(exc.message_zh) from None
    if address.insecure and not args.allow_plain_http:   # as the app asks: never accepted silently
        raise CliError(address.warning_zh + "\n确认县民政局要求使用这个地址时，加 --allow-plain-http 再运行 "
                       "(plain http:// to another computer: add --allow-plain-http only if the county asks for it)")

    def work(services):
        answer = services.sync_part.enroll(address.url, args.code, ca_cert_path=args.ca_cert, label=args.label or "")
        area = answer["township_code"] if answer["role"] == "office" else ", ".join(answer["villages"])
        print(f"已登记 (enrolled): 设备 {answer['device_id']} · 角色 {answer['role']} · 辖区 {area}")
        print(f"服务器指纹 (server fingerprint): {server_fingerprint(services.vault)} "
              "—— 请与登记单上的指纹核对，不一致时请停止使用并联系县民政局 (compare it with the enrollment sheet)")
        _print_recovery_state(services.vault)
        return 0
    return _run(args, work)


def _print_recovery_state(vault, quiet_if_ok: bool = False) -> None:
    """Say whether the county office can recover this laptop's data (a warning if it cannot)."""
    if vault.has_office_wrap():
        if not quiet_if_ok:
            print("县级恢复密钥已写入本机数据库 (the county office can recover this laptop's data)")
    else:
        print("警告：县服务器尚未配置县级恢复公钥，忘记全部密码将无法恢复本机数据 "
              "(no office recovery key: ask the county to run `fieldapp-server office-key set`)", file=sys.stderr)


def cmd_sync(args) -> int:
    def work(services):
        if getattr(args, "retry_set_aside", False):
            again = services.sync_part.retry_set_aside()
            print(f"重新发送 (retry): {again} 条被拒收的变更已放回待上传")
        report = services.sync()     # the app's 同步: a pending first enrollment too, then push and pull
        held = services.sync_part.set_aside_changes()
        open_conflicts = sum(1 for c in report.conflicts if c.get("status") == "open")
        print(f"同步完成 (synced): 上传 {report.pushed} 条，重复 {report.duplicates} 条，下载 {report.pulled} 条，"
              f"文档 {report.documents} 份，待处理冲突 {open_conflicts} 条")
        _print_set_aside(held)
        _print_recovery_state(services.vault, quiet_if_ok=True)
        return 0
    return _run(args, work)


def _print_set_aside(held: list[dict]) -> None:
    """Changes the server refused on their own: listed on every sync until the visitor fixes the record."""
    if not held:
        return
    print(f"有 {len(held)} 条变更被县服务器拒收，已单独保存、未再上传，其余数据已正常同步。请核对以下住户的记录后重新保存 "
          f"({len(held)} changes refused by the server are set aside; everything else synced):", file=sys.stderr)
    for change in held:
        why = change["set_aside"]
        print(f"  住户 {change['household_id']} {change['entity']}：{why.get('code')} {why.get('reason', '')[:120]}",
              file=sys.stderr)


def cmd_bundle_export(args) -> int:
    def work(services):
        path, count = services.sync_part.export_bundle(Path(args.out))
        print(f"已导出 {count} 条变更到 {path} (bundle written)")
        return 0
    return _run(args, work)


def cmd_bundle_import(args) -> int:
    def work(services):
        summary = services.sync_part.import_receipt(Path(args.file))
        held = services.sync_part.set_aside_changes()
        note = f"（未应用下载内容：{summary.pull_skipped}）" if summary.pull_skipped else ""
        print(f"回执已导入 (receipt imported): 确认 {summary.acknowledged} 条，下载 {summary.pulled} 条{note}")
        _print_set_aside(held)
        return 0
    return _run(args, work)


def cmd_download_update(args) -> int:
    def work(services):
        path, release = services.download_update(Path(args.out))
        how = f"sudo apt install {path}" if path.suffix == ".deb" else f"双击运行 {path}"
        print(f"已下载新版本 {release['version']} 并通过签名校验 (downloaded and verified): {path}\n安装 (install): {how}")
        return 0
    return _run(args, work)


def cmd_coverage(args) -> int:
    """Coverage of the campaign over this laptop's households, by the same rule as the county server."""
    import json

    from forms.coverage import report_lines

    report = _run(args, lambda services: services.target_coverage())
    if report is None:
        raise CliError("本机还没有花名册目标户（请先同步）(no roster households on this laptop: sync first)", exit_code=1)
    data = report.as_dict()
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else "\n".join(report_lines(data)))
    return 0


def register(subparsers) -> None:
    """Add ``enroll``, ``sync`` and ``bundle export|import``."""
    p = subparsers.add_parser("enroll", help="register this laptop with the county server (一次性登记码)")
    p.add_argument("--server", required=True, help="server URL, e.g. https://sync.county.example:8700")
    p.add_argument("--code", required=True, help="the one-time enrollment code")
    p.add_argument("--ca-cert", help="PEM file of the county CA certificate to pin")
    p.add_argument("--label", help="a name for this laptop shown to the county admin")
    p.add_argument("--allow-plain-http", action="store_true",
                   help="我明白 http:// 不加密，县民政局要求使用这个地址 / accept an unencrypted http:// address of another "
                        "computer (127.0.0.1 and localhost need no flag)")
    add_user_arg(p)
    p.set_defaults(handler=cmd_enroll)

    p = subparsers.add_parser("sync", help="sync with the county server now")
    add_user_arg(p)
    p.add_argument("--retry-set-aside", action="store_true",
                   help="first put the changes the server refused back into the outbox (重新发送), "
                        "after the records were fixed")
    p.set_defaults(handler=cmd_sync)

    p = subparsers.add_parser("download-update", help="download the new app version the county offers, "
                                                      "checked against the server's signature")
    p.add_argument("--out", default=".", help="folder to save the package in")
    add_user_arg(p)
    p.set_defaults(handler=cmd_download_update)

    p = subparsers.add_parser("coverage", help="两个全覆盖 of this laptop's villages (or township) against the roster",
                              description="coverage of the campaign's roster over this laptop's households: targets, "
                                          "visited, 无法入户 by reason, not yet visited, found at the door")
    add_user_arg(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_coverage)
    p = subparsers.add_parser("bundle", help="USB bundles for villages without network")
    bsub = p.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    e = bsub.add_parser("export", help="write pending changes to a sealed bundle file")
    e.add_argument("--out", required=True, help="folder to write into (e.g. the USB stick)")
    add_user_arg(e)
    e.set_defaults(handler=cmd_bundle_export)
    i = bsub.add_parser("import", help="import a receipt bundle from the county server")
    i.add_argument("file", help="the .fieldapp-receipt file")
    add_user_arg(i)
    i.set_defaults(handler=cmd_bundle_import)
