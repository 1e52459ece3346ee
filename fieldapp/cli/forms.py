"""``fieldapp`` subcommands for the forms area."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add this area's subcommands to *subparsers* (filled in by the forms work)."""
