"""Writing bundle and receipt files so that a power cut leaves the old state or the whole new file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_durably(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write *data* to *path* via a temp file that is fsynced, renamed into place, and the folder fsynced.

    A USB stick pulled or a laptop losing power mid-write leaves no empty or half bundle under
    the final name: either no file or the complete one (the temp file is removed on error).
    *mode* (e.g. ``0o600``) is set on the file before it gets its name.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # platforms (Windows) without directory handles: the rename is what we have
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # some USB file systems refuse fsync on a folder; the file itself is synced
        pass
    finally:
        os.close(dir_fd)
