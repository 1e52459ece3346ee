"""Where the vault lives: ``--data-dir``, else ``$FIELDAPP_DATA_DIR``, else the platform's user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "FIELDAPP_DATA_DIR"
APP_NAME = "fieldapp"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data folder to use (not created here).

    :param explicit: a folder given on the command line (``--data-dir``); wins over everything
    """
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
