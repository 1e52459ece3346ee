"""``fieldapp-server``: run and administer the county sync server."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from sync import errors

DEFAULT_DATABASE = "sqlite:///fieldapp-server.db"


def _storage(args):
    from sync.server.storage import open_storage

    storage = open_storage(args.database)
    _opened.append(storage)
    storage.migrate()
    return storage


_opened: list = []   # storages opened by this command, closed when it ends (PostgreSQL pools)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _print(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def cmd_init(args):
    """Create or upgrade the database and the server keys; print the public keys."""
    from sync.server.keystore import load_or_create_server_keys

    storage = _storage(args)
    keys = load_or_create_server_keys(storage)
    from sync.keys import fingerprint

    _print({"schema_version": storage.schema_version(), "server_signing_key": keys.signing_public,
            "server_sealing_key": keys.sealing_public, "server_fingerprint": fingerprint(keys.signing_public)})


def cmd_migrate(args):
    """Apply pending migrations."""
    from sync.server.storage import open_storage

    storage = open_storage(args.database)
    applied = storage.migrate()
    _print({"applied": applied, "schema_version": storage.schema_version()})


def cmd_serve(args):
    """Run the HTTP(S) server."""
    import uvicorn

    from sync.server.app import create_app

    if bool(args.certfile) != bool(args.keyfile):
        raise errors.MalformedRequest("--certfile and --keyfile go together")
    from sync.server.limits import proxy_options

    if args.workers > 1 and not args.database.startswith(("postgresql://", "postgres://")):
        raise ValueError("--workers above 1 needs PostgreSQL (--database postgresql://…): SQLite serves one process")
    if args.workers > 1:   # each worker process builds its own app from the environment (sync/server/asgi.py)
        from sync.server.asgi import DATABASE_ENV, RELEASES_ENV

        _storage(args)     # migrate once, before the workers start
        os.environ[DATABASE_ENV] = args.database
        if args.releases_dir:
            os.environ[RELEASES_ENV] = str(Path(args.releases_dir).resolve())
        uvicorn.run("sync.server.asgi:create_from_environment", factory=True, workers=args.workers, host=args.host,
                    port=args.port, ssl_certfile=args.certfile, ssl_keyfile=args.keyfile, log_level=args.log_level,
                    **proxy_options(args.trusted_proxy))
        return
    app = create_app(_storage(args), releases_dir=args.releases_dir)
    from sync.server.asgi import tune_collector

    tune_collector()
    uvicorn.run(app, host=args.host, port=args.port, ssl_certfile=args.certfile, ssl_keyfile=args.keyfile,
                log_level=args.log_level, **proxy_options(args.trusted_proxy))


def cmd_keys(args):
    """Show the server's public keys (what laptops pin and seal bundles to)."""
    cmd_init(args)


def cmd_area_add(args):
    from sync.server.admin import add_area

    _print(add_area(_storage(args), args.code, args.name, args.type))


def cmd_area_list(args):
    _print(_storage(args).list_areas())


def cmd_areas_import(args):
    """Create or update a county's areas from the 统计用区划代码 table (.csv GB18030/UTF-8, or .xlsx)."""
    from sync.server.areas import AreaFileError, import_areas

    try:
        _print(import_areas(_storage(args), Path(args.file), _now()))
    except AreaFileError as exc:
        print(f"fieldapp-server: {exc.message_zh}", file=sys.stderr)
        return 1
    return 0


def _area_names(storage) -> dict:
    return {a["code"]: a["name"] for a in storage.list_areas()}


def cmd_duplicates(args):
    """Households that share a member's ID number (flagged at sync, never merged)."""
    from sync.server.storage.base import Scope

    storage = _storage(args)
    names = _area_names(storage)
    found = storage.duplicate_members(Scope("admin", args.area or ""))
    for item in found:
        for h in item["households"]:
            h["village_name"] = names.get(h["village_code"], "")
    _print(found)


def cmd_set_aside(args):
    """Changes the laptops hold aside because the server refused them: which laptop, which household, why."""
    from sync.server.storage.base import Scope

    found = _storage(args).set_aside.listed(Scope("admin", args.township or ""))
    if args.json:
        _print(found)
        return 0
    if not found:
        print("没有被拒收、待修改的变更 (no set-aside changes reported)")
        return 0
    print(f"{len(found)} 条变更被拒收，待走访员修改后重新发送 (set aside on the laptops, waiting for a fix):")
    for r in found:
        visit = f" 走访 {r['visit_id']}" if r["visit_id"] else ""
        print(f"  {r['township_code']} 设备 {r['device_label'] or r['device_id'][:8]} · 住户 {r['household_id']}{visit} · "
              f"村 {r['village_code'] or '-'} · {r['code']}: {r['message']} ({r['set_aside_at']})")
    return 0


def cmd_code_issue(args):
    from sync.server.admin import issue_enrollment_code

    villages = [v for v in (args.villages or "").split(",") if v]
    storage = _storage(args)
    code, expires = issue_enrollment_code(storage, args.role, args.township, villages, args.hours, label=args.label or "")
    from sync.keys import fingerprint
    from sync.server.keystore import load_or_create_server_keys

    names = _area_names(storage)
    # For the enrollment sheet: the laptop shows the same fingerprint after checking the code.
    _print({"code": code, "expires_at": expires, "role": args.role, "label": args.label or "",
            "server_fingerprint": fingerprint(load_or_create_server_keys(storage).signing_public),
            "township_code": args.township, "township_name": names.get(args.township, ""), "villages": villages,
            "village_names": [names.get(v, "") for v in villages]})


def cmd_device_list(args):
    from sync.server.console.store import ConsoleStore
    from sync.server.releases import device_versions

    storage = _storage(args)
    names = _area_names(storage)
    last = ConsoleStore(storage).last_contacts()   # the same 最近同步 as the console's 设备 page
    _print([{**{k: d[k] for k in ("device_id", "label", "role", "township_code")},
             "township_name": names.get(d["township_code"], ""), "villages": d["villages"],
             "village_names": [names.get(v, "") for v in d["villages"]],
             **{k: d[k] for k in ("enrolled_at", "revoked_at")},
             **{k: d.get(k) for k in ("app_version", "app_version_seen_at", "below_minimum")},
             "last_sync_at": last.get(d["device_id"])}
            for d in device_versions(storage, storage.list_devices())])


def cmd_reads(args):
    _print(_storage(args).device_reads(args.device, args.household, args.limit))


def cmd_device_revoke(args):
    if not _storage(args).revoke_device(args.device_id, _now()):
        raise errors.UnknownDevice(args.device_id)
    _print({"revoked": args.device_id})


def _load_document(path: Path):
    from forms.errors import VisitError
    from forms.interchange import read_document

    try:   # YAML dates become ISO text: documents travel as JSON; nesting is limited as for every file
        return read_document(path.read_bytes(), path.name)
    except VisitError as exc:
        raise ValueError(f"{exc.message_zh} ({exc})") from None


def cmd_publish(args):
    """Publish the next version of a reference document, form definition or letter templates."""
    from sync.server.documents import check_document

    path = Path(args.file)
    content = _load_document(path)
    default = content.get("form_id") if args.kind == "form" and isinstance(content, dict) else None
    name = args.name or default or path.name.split(".")[0]
    check_document(args.kind, name, content)
    storage = _storage(args)
    _print(storage.publish_document(args.kind, name, content, _now()))
    if args.kind == "reference":   # published; said now what the laptops will miss, not at their first letter
        from sync.server.areas import reference_gaps

        for gap in reference_gaps(content, storage.list_areas()):
            print(f"注意：{gap}", file=sys.stderr)


def cmd_documents(args):
    _print(_storage(args).list_documents())


def cmd_conflicts(args):
    """Conflicts at the grain people edit ("第 2 位成员 · 健康状况: 重病 / 健康", who/when); --json: the records."""
    from sync.server.conflicts import conflict_text
    from sync.server.storage.base import Scope

    storage, scope = _storage(args), Scope("admin", args.area or "")
    conflicts = storage.list_conflicts(scope, args.status)
    if args.json:
        _print(conflicts)
        return
    if not conflicts:
        print("没有冲突记录")
        return
    wanted = {c["entity_id"] for c in conflicts if c["entity"] == "household"}   # to number rows as they are now
    households = {r["entity_id"]: r["fields"] for r in storage.records(scope) if r["entity_id"] in wanted} if wanted else {}
    print("\n\n".join(conflict_text(c, households.get(c["entity_id"])) for c in conflicts))


def cmd_resolve(args):
    """Resolve a hard conflict: --take server|device, or --set FIELD=JSON for a merged value."""
    from sync.server.storage.base import Scope

    storage = _storage(args)
    scope = Scope("admin", "")
    conflict = next((c for c in storage.list_conflicts(scope) if c["conflict_id"] == args.conflict_id), None)
    if conflict is None:
        raise errors.ConflictNotFound(args.conflict_id)
    fields = {name: values[args.take] for name, values in conflict["fields"].items()} if args.take else {}
    for item in args.set or []:
        name, _, raw = item.partition("=")
        fields[name] = json.loads(raw)
    _print(storage.resolve_conflict(scope, args.conflict_id, fields, "county-admin", args.author, _now()))


def cmd_export(args):
    from sync.server.admin import export_area

    data = export_area(_storage(args), args.area)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if args.out:
        from sync.filemodes import write_private_text

        write_private_text(Path(args.out), text)   # every household of the area in clear: owner-only (docs/security.md)
        print(f"{len(data['records'])} records -> {args.out}")
    else:
        print(text)


def cmd_office_key_set(args):
    """Configure the county office's recovery public key (from ``fieldapp office-keygen``: PREFIX.pub)."""
    from sync.server.admin import set_office_key
    from sync.server.keystore import load_or_create_server_keys

    storage = _storage(args)
    row = set_office_key(storage, load_or_create_server_keys(storage), Path(args.file).read_bytes(), _now())
    _print({k: row[k] for k in ("version", "set_at", "public_key_pem")})


def cmd_office_key_show(args):
    """Print the configured office recovery public key (exit 1 if none is set)."""
    row = _storage(args).office_key()
    if row is None:
        print("fieldapp-server: 尚未设置县级恢复公钥 (no office recovery key set: office-key set FILE.pem)", file=sys.stderr)
        return 1
    _print({k: row[k] for k in ("version", "set_at", "public_key_pem")})
    return 0


def cmd_import_bundles(args):
    """Import every *.fieldapp-bundle in DIR; write a receipt bundle for each into --receipts."""
    from sync.server.bundles import import_directory
    from sync.server.keystore import load_or_create_server_keys

    storage = _storage(args)
    results = import_directory(storage, load_or_create_server_keys(storage), Path(args.directory),
                               Path(args.receipts) if args.receipts else Path(args.directory) / "receipts")
    _print(results)
    return 1 if any(r["status"] == "rejected" for r in results) else 0


def cmd_min_version(args):
    """Show, set or clear the minimum app version laptops need to sync."""
    from sync.server.releases import minimum, set_minimum

    storage = _storage(args)
    if args.clear:
        _print(set_minimum(storage, None, _now(), args.download_url))
    elif args.version:
        _print(set_minimum(storage, args.version, _now(), args.download_url))
    else:
        _print(minimum(storage))


def cmd_release_publish(args):
    """Offer an app package for download, signed with the server key."""
    from sync.server.keystore import load_or_create_server_keys
    from sync.server.releases import publish

    storage = _storage(args)
    _print(publish(storage, load_or_create_server_keys(storage), args.releases_dir or "releases", args.file,
                   args.version, args.platform, _now()))


def cmd_release_list(args):
    _print(_storage(args).releases())


def cmd_doctor(args):
    """Check the database, keys, TLS, clock, disk and file modes; exit 1 if anything is wrong."""
    from sync.server.ops import doctor, format_report

    findings = doctor(args.database, certfile=args.certfile, keyfile=args.keyfile, releases_dir=args.releases_dir,
                      backup_dir=args.backup_dir)
    print(format_report(findings))
    return 1 if any(f.status == "fail" for f in findings) else 0


def cmd_backup(args):
    """Write a consistent backup of the database (pg_dump, or SQLite's online backup) to FILE."""
    from sync.server.ops import backup

    _print(backup(args.database, args.file))


def cmd_restore(args):
    """Restore a backup FILE into the (new, empty) database given by --database."""
    from sync.server.ops import restore

    _print(restore(args.file, args.database, force=args.force))


def cmd_roster_import(args):
    """Check and import a target roster (.xlsx / CSV); exit 0 all rows accepted, 1 some rejected, 2 unreadable."""
    from sync.server.roster_import import import_roster

    report = import_roster(_storage(args), args.file, campaign=args.campaign, start=args.start, dry_run=args.dry_run,
                           close_missing=args.close_missing, mapping=args.mapping)
    if args.json:
        _print(report)
    else:
        h = report["households"]
        print(f"{report['campaign']}（{report['since']} 起）{'[试导入，未写入]' if report['dry_run'] else ''}："
              f"{report['rows']} 行，{report['members']} 人；新增 {h['new']} 户，更新 {h['updated']} 户，"
              f"未变 {h['unchanged']} 户，关闭 {h['closed']} 户；拒收 {len(report['rejected_rows'])} 行")
        for p in report["problems"]:
            print(f"  第 {p['row']} 行 [{p['column']}] {'错误' if p['severity'] == 'error' else '提示'} "
                  f"{p['code']}：{p['message_zh']}")
        if report["missing"]:
            print(f"  本次文件中没有、但原花名册中有的户 {len(report['missing'])} 户（加 --close-missing 关闭）")
    return 1 if report["rejected_rows"] else 0


def cmd_roster_template(args):
    """Write an empty roster template (.xlsx) in the layout the import reads."""
    from sync.server.roster_import import write_template

    print(write_template(args.out))


def cmd_coverage(args):
    """Coverage (两个全覆盖) of a campaign per village, township and county."""
    from forms.coverage import report_lines
    from sync.server.roster_import import coverage

    report = coverage(_storage(args), args.campaign, args.area or "")
    if args.json:
        _print(report)
        return
    print("\n".join(report_lines(report)))


def build_parser() -> argparse.ArgumentParser:
    """The ``fieldapp-server`` argument parser."""
    p = argparse.ArgumentParser(prog="fieldapp-server", description="四个摸清 county sync server and its administration.")
    p.add_argument("--database", default=os.environ.get("FIELDAPP_SERVER_DATABASE", DEFAULT_DATABASE),
                   help="sqlite:///relative.db, sqlite:////absolute.db or postgresql://user@host/db "
                        "(default: $FIELDAPP_SERVER_DATABASE or sqlite:///fieldapp-server.db)")
    p.add_argument("--releases-dir", default=os.environ.get("FIELDAPP_SERVER_RELEASES"),
                   help="folder of the app packages offered for download (default: $FIELDAPP_SERVER_RELEASES)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name, func, help_):
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    add("init", cmd_init, "create/upgrade the database and the server key pair; print the public keys")
    add("migrate", cmd_migrate, "apply pending database migrations")
    add("keys", cmd_keys, "print the server's public keys")
    sp = add("serve", cmd_serve, "run the sync server (HTTPS with --certfile/--keyfile)")
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8700)
    sp.add_argument("--certfile", help="PEM certificate chain for HTTPS")
    sp.add_argument("--keyfile", help="PEM private key for HTTPS")
    sp.add_argument("--log-level", default="info")
    sp.add_argument("--workers", type=int, default=1, help="worker processes (more than 1 needs PostgreSQL)")
    sp.add_argument("--trusted-proxy", metavar="ADDR[,ADDR]",
                    help="believe X-Forwarded-For only from these reverse-proxy addresses (default: from none)")
    sp = add("area-add", cmd_area_add, "create a county (6 digits), township (9) or village (12) from its division code")
    sp.add_argument("code")
    sp.add_argument("name")
    sp.add_argument("--type", choices=["urban", "rural"], help="urban or rural (villages)")
    add("area-list", cmd_area_list, "list areas")
    sp = add("areas", None, "a county's areas in bulk")
    ar = sp.add_subparsers(dest="areas_command", metavar="ACTION", required=True)
    q = ar.add_parser("import", help="create/update areas from the 统计用区划代码 table (.csv GB18030 or UTF-8, .xlsx)",
                      description="create or update the county's townships and villages from the official 统计用区划代码 "
                                  "table: columns 统计用区划代码 (12 digits, or 6/9), 名称 and, for villages, 城乡分类代码 "
                                  "(111-123 urban, 210/220 rural). Bad rows are listed with their line numbers and nothing "
                                  "is imported; importing the same file again only updates names. Laptops receive the "
                                  "names at their next sync.")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(func=cmd_areas_import)
    sp = add("code-issue", cmd_code_issue, "issue a one-time enrollment code")
    sp.add_argument("--role", choices=["visitor", "office"], required=True)
    sp.add_argument("--township", required=True, help="9-digit township code")
    sp.add_argument("--villages", help="comma-separated 12-digit village codes (visitor laptops)")
    sp.add_argument("--hours", type=float, default=72, help="validity in hours (default 72)")
    sp.add_argument("--label", help="the laptop's name in device-list (e.g. 城关镇-王芳)")
    add("device-list", cmd_device_list, "list enrolled devices")
    sp = add("reads", cmd_reads, "which device received which households' data, newest first (pulls, conflict lists, USB receipts)")
    sp.add_argument("--device", help="only this device id")
    sp.add_argument("--household", help="only reads that included this household id")
    sp.add_argument("--limit", type=int, default=1000)
    sp = add("device-revoke", cmd_device_revoke, "revoke a device: refused on its next contact")
    sp.add_argument("device_id")
    sp = add("publish", cmd_publish, "publish a reference document, form version or letter templates (JSON/YAML)")
    sp.add_argument("kind", choices=["reference", "form", "templates"])
    sp.add_argument("file")
    sp.add_argument("--name", help="document name (default: file name before the first dot)")
    add("documents", cmd_documents, "list published documents")
    sp = add("duplicates", cmd_duplicates, "households that share a member's ID number (flagged at sync, never merged)")
    sp.add_argument("--area", help="county/township code prefix")
    sp = add("set-aside", cmd_set_aside, "changes laptops hold aside because the server refused them "
                                         "(which laptop, which household, why); gone once fixed and resent")
    sp.add_argument("--township", help="9-digit township code (or any code prefix)")
    sp.add_argument("--json", action="store_true", help="print the reports as JSON")
    sp = add("conflicts", cmd_conflicts, "list conflict records")
    sp.add_argument("--area", help="county/township code prefix")
    sp.add_argument("--status", choices=["open", "merged", "resolved"])
    sp.add_argument("--json", action="store_true", help="print the conflict records as JSON (paths, not labels)")
    sp = add("resolve", cmd_resolve, "resolve a hard conflict")
    sp.add_argument("conflict_id")
    sp.add_argument("--take", choices=["server", "device"], help="keep one side's values for every field")
    sp.add_argument("--set", action="append", metavar="FIELD=JSON", help="a merged value for one field")
    sp.add_argument("--author", default="县民政局")
    sp = add("export", cmd_export, "export a township's (or county's) records as JSON")
    sp.add_argument("area")
    sp.add_argument("--out")
    sp = add("office-key", None, "the county office's recovery public key that laptops seal their vault key to")
    ok = sp.add_subparsers(dest="office_key_command", metavar="ACTION", required=True)
    q = ok.add_parser("set", help="set (or replace) the key: FILE.pem from `fieldapp office-keygen` (PREFIX.pub)",
                      description="set (or replace) the office recovery public key; enrolled laptops receive it on their next sync")
    q.add_argument("file", metavar="FILE.pem")
    q.set_defaults(func=cmd_office_key_set)
    q = ok.add_parser("show", help="print the configured key and its version", description="print the configured key and its version")
    q.set_defaults(func=cmd_office_key_show)
    sp = add("roster", None, "the target roster (花名册) of a campaign: import a county's list, or get the template")
    rs = sp.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    q = rs.add_parser("import", help="check and import a roster (.xlsx or CSV in UTF-8/GB18030)",
                      description="check every row of a roster and import the accepted ones in one transaction; "
                                  "exit 0 all accepted, 1 some rows rejected, 2 the file cannot be read")
    q.add_argument("file")
    q.add_argument("--campaign", help="campaign name (default: the campaign of the published reference data)")
    q.add_argument("--start", help="campaign start YYYY-MM-DD on the first import (default: reference data, else today)")
    q.add_argument("--dry-run", action="store_true", help="check and report only; write nothing")
    q.add_argument("--close-missing", action="store_true", help="close the campaign's households missing from this file")
    q.add_argument("--mapping", help="saved column mapping (JSON/YAML: field: header text) for other layouts")
    q.add_argument("--json", action="store_true", help="print the report as JSON")
    q.set_defaults(func=cmd_roster_import)
    q = rs.add_parser("template", help="write an empty roster template (.xlsx)", description="write an empty roster template (.xlsx)")
    q.add_argument("out", nargs="?", default="花名册模板.xlsx")
    q.set_defaults(func=cmd_roster_template)
    sp = add("coverage", cmd_coverage, "coverage (两个全覆盖) of a campaign per village, township and county")
    sp.add_argument("--area", help="county, township or village code prefix")
    sp.add_argument("--campaign", help="campaign name (default: the newest with a roster)")
    sp.add_argument("--json", action="store_true")
    sp = add("import-bundles", cmd_import_bundles, "import USB bundles from a folder and write receipt bundles")
    sp.add_argument("directory")
    sp.add_argument("--receipts", help="folder for receipt bundles (default: DIR/receipts)")
    sp = add("min-version", cmd_min_version, "show or set the minimum app version a laptop needs to sync")
    sp.add_argument("version", nargs="?", help="e.g. 0.2.0; laptops below it are refused with APP_VERSION_TOO_OLD")
    sp.add_argument("--clear", action="store_true", help="accept every app version again")
    sp.add_argument("--download-url", help="where refused laptops are told to get the new version "
                                           "(default: the newest package this server offers)")
    sp = add("release", None, "app packages offered for download, signed with the server key")
    rl = sp.add_subparsers(dest="release_command", metavar="ACTION", required=True)
    q = rl.add_parser("publish", help="offer a package (.deb or Windows installer) for download",
                      description="copy FILE into --releases-dir and sign its release document")
    q.add_argument("file")
    q.add_argument("--version", required=True)
    q.add_argument("--platform", default="deb-amd64", choices=["deb-amd64", "deb-arm64", "windows-x64"])
    q.set_defaults(func=cmd_release_publish)
    q = rl.add_parser("list", help="list the offered packages", description="list the offered packages")
    q.set_defaults(func=cmd_release_list)
    sp = add("doctor", cmd_doctor, "check database, keys, TLS, clock, disk and file modes; say what is wrong")
    sp.add_argument("--certfile", help="the TLS certificate nginx or uvicorn serves (checked for expiry and key match)")
    sp.add_argument("--keyfile", help="the TLS private key")
    sp.add_argument("--backup-dir", help="the backup folder (checked for a recent backup)")
    sp = add("backup", cmd_backup, "back up the database to FILE (pg_dump for PostgreSQL, online backup for SQLite)")
    sp.add_argument("file")
    sp = add("restore", cmd_restore, "restore a backup FILE into the empty database given by --database")
    sp.add_argument("file")
    sp.add_argument("--force", action="store_true", help="restore even if the target database already holds data")

    from sync.server.console.cli import add_parser as add_console_user

    add_console_user(sub, _storage)
    from sync.server.cli_review import register as register_review

    register_review(add)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fieldapp-server`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except errors.SyncError as exc:
        print(f"fieldapp-server: {exc.message_zh} ({exc.code}: {exc})", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"fieldapp-server: {exc}", file=sys.stderr)
        return 2
    finally:
        while _opened:
            _opened.pop().close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
