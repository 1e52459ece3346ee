"""``fieldapp-server console-user add|passwd|disable|list``: the web console's accounts.

The passphrase comes from ``$FIELDAPP_CONSOLE_PASSPHRASE`` or, without it, from a prompt (typed twice).
"""

from __future__ import annotations

import getpass
import json
import os
import sys

from sync.server.console import accounts, errors

PASSPHRASE_ENV = "FIELDAPP_CONSOLE_PASSPHRASE"


def _passphrase() -> str:
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env is not None:
        return from_env
    first = getpass.getpass("新口令（至少 12 个字符）: ")
    if getpass.getpass("再输入一次: ") != first:
        raise errors.InvalidInput("两次输入的口令不一致")
    return first


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _audit(store, action: str, name: str, **detail) -> None:
    store.audit(f"cli:{getpass.getuser()}", action, "ok", name, [], detail, "cli", _now())


def run(args, open_storage) -> int:
    """Carry out one ``console-user`` action on the storage *open_storage(args)* returns."""
    from sync.server.console.store import ConsoleStore

    storage = open_storage(args)
    store = ConsoleStore(storage)
    try:
        if args.console_action == "add":
            accounts.check_new_user(storage, args.role, args.township)
            hashed = accounts.hash_passphrase(_passphrase())
            store.add_user(args.name, args.role, args.township, hashed, _now())
            _audit(store, "console_user_add", args.name, role=args.role, township=args.township)
            print(json.dumps({"added": args.name, "role": args.role, "township_code": args.township}, ensure_ascii=False))
        elif args.console_action == "passwd":
            if store.get_user(args.name) is None:
                raise errors.UnknownUser(args.name)
            store.set_password(args.name, accounts.hash_passphrase(_passphrase()), _now())
            _audit(store, "console_user_passwd", args.name)
            print(json.dumps({"passphrase_changed": args.name}, ensure_ascii=False))
        elif args.console_action == "disable":
            store.disable_user(args.name, _now())
            _audit(store, "console_user_disable", args.name)
            print(json.dumps({"disabled": args.name}, ensure_ascii=False))
        else:
            print(json.dumps(store.list_users(), ensure_ascii=False, indent=2))
    except errors.ConsoleError as exc:
        print(f"fieldapp-server: {exc.message_zh}{f'（{exc.detail}）' if exc.detail else ''}", file=sys.stderr)
        return 2
    return 0


def add_parser(sub, open_storage) -> None:
    """Add ``console-user`` to the ``fieldapp-server`` subcommands."""
    help_ = "web console accounts: add, passwd, disable, list (passphrase from $FIELDAPP_CONSOLE_PASSPHRASE or a prompt)"
    sp = sub.add_parser("console-user", help=help_, description=help_)
    actions = sp.add_subparsers(dest="console_action", metavar="ACTION", required=True)
    q = actions.add_parser("add", help="create an account", description="create a web console account")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=sorted(accounts.ROLES),
                   help="county_admin (everything), county_viewer (read only), township_reviewer (one township)")
    q.add_argument("--township", help="9-digit township code (township_reviewer only)")
    q = actions.add_parser("passwd", help="set a new passphrase (ends the account's sessions)",
                           description="set a new passphrase for an account; its open sessions end")
    q.add_argument("name")
    q = actions.add_parser("disable", help="disable an account (ends its sessions)",
                           description="disable an account at once; its open sessions end")
    q.add_argument("name")
    actions.add_parser("list", help="list accounts", description="list web console accounts")
    sp.set_defaults(func=lambda args: run(args, open_storage))
