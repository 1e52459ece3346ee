"""The ``fieldapp`` command line: with no subcommand it starts the desktop app.

Each area registers its own subcommands from its own module (``register(subparsers)``),
so that the vault, forms, sync and printouts commands live next to nothing else.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Modules under fieldapp.cli that add subcommands; each defines register(subparsers).
COMMAND_MODULES = ("app", "vault", "forms", "sync", "printouts", "review")


class CliError(Exception):
    """A user-facing command-line failure: printed without a traceback, exit code 2 unless given."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


USER_ENV = "FIELDAPP_USER"


def add_user_arg(parser) -> None:
    """The ``--user`` option every command that unlocks the vault takes."""
    parser.add_argument("--user", help=f"local user to unlock as (default: ${USER_ENV}, else the only user, "
                                       "else the app's last user)")


def choose_user(explicit: str | None, users: list[str], last_user: str | None = None) -> str:
    """The local user a command runs as: --user, then $FIELDAPP_USER, the only user, the app's last user."""
    chosen = explicit or os.environ.get(USER_ENV)
    if chosen:
        return chosen
    if len(users) == 1:
        return users[0]
    if last_user and last_user in users:
        return last_user
    raise CliError(f"请用 --user 指定用户 (choose one of: {', '.join(users) or 'none'})")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every area's subcommands."""
    parser = argparse.ArgumentParser(
        prog="fieldapp",
        description="四个摸清 入户走访 — fieldapp. Without a subcommand, starts the desktop app.",
    )
    parser.add_argument("--data-dir", help="folder holding the vault (default: the platform's user data folder, or $FIELDAPP_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"fieldapp.cli.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fieldapp`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        from fieldapp.cli.app import run_gui

        return run_gui(args)
    try:
        return int(handler(args) or 0)
    except CliError as exc:
        print(f"fieldapp: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fieldapp: 已取消 (cancelled)", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
