"""What protects the county database at rest, and the check of its file modes (for ``fieldapp-server doctor``).

The SQLite database holds every household of the county in clear and the server's private keys.
It is created owner-only (0600; SQLite gives its -wal/-shm files the same mode); its folder should
be owner-only too. Against a stolen disk the host's disk encryption is what protects it (see
docs/security.md); a PostgreSQL database is protected by PostgreSQL's own files and access rules.
"""

from __future__ import annotations

from pathlib import Path

from sync.filemodes import loose_modes


def sqlite_path(database_url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, or None for another backend."""
    if not database_url.startswith("sqlite://"):
        return None
    rest = database_url[len("sqlite://"):]
    return Path(rest.removeprefix("/") if database_url.startswith("sqlite:///") else rest)


def server_file_problems(database_url: str) -> list[dict]:
    """Files and the folder of the server's SQLite database that other local accounts can reach.

    :returns: ``[{"path", "mode", "want"}]`` (empty: all owner-only, or not a SQLite database)
    """
    path = sqlite_path(database_url)
    if path is None:
        return []
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return loose_modes(files + [path.resolve().parent])
