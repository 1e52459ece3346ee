"""Starting the desktop app: ``fieldapp`` (no subcommand) and ``fieldapp demo``."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add ``demo``: the app with an embedded local server and demo data."""
    p = subparsers.add_parser("demo", help="start the app with demo data and an embedded local sync server")
    p.set_defaults(handler=run_demo)
    p = subparsers.add_parser("selftest", help="check this installation: open the window, go through first run "
                                               "with demo data in an empty data folder, save screenshots",
                              description="check this installation: open the window, go through first run with "
                                          "demo data in an empty data folder (--data-dir), save screenshots")
    p.add_argument("--screenshots", default=".", help="folder for firstrun.png and main.png")
    p.add_argument("--timeout", type=float, default=180)
    p.set_defaults(handler=run_selftest)


def run_gui(args) -> int:
    """Start the desktop app on the user's vault."""
    from fieldapp.ui.main import run

    return run(data_dir=getattr(args, "data_dir", None))


def run_demo(args) -> int:
    """Start the desktop app in demo mode."""
    from fieldapp.ui.main import run

    return run(data_dir=getattr(args, "data_dir", None), demo=True)


def run_selftest(args) -> int:
    """``fieldapp selftest``: first run with demo data in the real window (fieldapp/ui/selftest.py)."""
    from fieldapp.ui.selftest import run_selftest as selftest

    return selftest(getattr(args, "data_dir", None), args.screenshots, args.timeout)
