"""Starting the desktop app: ``fieldapp`` (no subcommand) and ``fieldapp demo``."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add ``demo``: the app with an embedded local server and demo data."""
    p = subparsers.add_parser("demo", help="start the app with demo data and an embedded local sync server")
    p.set_defaults(handler=run_demo)


def run_gui(args) -> int:
    """Start the desktop app on the user's vault."""
    from fieldapp.ui.main import run

    return run(data_dir=getattr(args, "data_dir", None))


def run_demo(args) -> int:
    """Start the desktop app in demo mode."""
    from fieldapp.ui.main import run

    return run(data_dir=getattr(args, "data_dir", None), demo=True)
