"""Owner-only file modes for everything that holds personal data or keys (laptop and server).

Set at creation (folders 0700, files 0600) and checked by ``fieldapp vault check`` and the
server's doctor (:func:`sync.server.atrest.server_file_problems`). POSIX only: on a file system
without modes (FAT on a USB stick, Windows) nothing is reported.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Create *path* (and parents) if needed and make it owner-only; return it."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    try:
        os.chmod(path, PRIVATE_DIR)
    except OSError:   # not ours to change (a shared parent): reported by the checks
        pass
    return path


def create_private_file(path: Path) -> None:
    """Create *path* empty and owner-only if it does not exist yet (SQLite then gives -wal/-shm the same mode)."""
    if not Path(path).exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))


def write_private_text(path: Path, text: str) -> None:
    """Write *text* to *path* atomically through an owner-only temp file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, PRIVATE_FILE)      # an older temp file may have had a looser mode
    os.replace(tmp, path)


def loose_modes(paths) -> list[dict]:
    """Those of *paths* (existing ones) that a group or other local account can read, write or enter.

    :returns: ``[{"path", "mode", "want"}]`` with modes as octal text, e.g. ``"0644"`` / ``"0600"``
    """
    found = []
    for path in paths:
        path = Path(path)
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            want = PRIVATE_DIR if path.is_dir() else PRIVATE_FILE
            found.append({"path": str(path), "mode": f"{mode:04o}", "want": f"{want:04o}"})
    return found
