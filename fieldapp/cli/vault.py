"""``fieldapp`` subcommands for the vault area."""

from __future__ import annotations


def register(subparsers) -> None:
    """Add this area's subcommands to *subparsers* (filled in by the vault work)."""
