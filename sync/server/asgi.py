"""The ASGI app factory for worker processes: ``uvicorn --factory sync.server.asgi:create_from_environment``.

``fieldapp-server serve --workers N`` and the systemd unit (docs/deploy.md) start N processes that
each build the app from the environment: ``FIELDAPP_SERVER_DATABASE`` (PostgreSQL when N > 1) and
``FIELDAPP_SERVER_RELEASES`` (the folder of offered app packages).
"""

from __future__ import annotations

import os

DATABASE_ENV = "FIELDAPP_SERVER_DATABASE"
RELEASES_ENV = "FIELDAPP_SERVER_RELEASES"


def create_from_environment():
    """Open (and migrate) the storage named by the environment and build the app over it."""
    from sync.server.app import create_app
    from sync.server.storage import open_storage

    url = os.environ.get(DATABASE_ENV)
    if not url:
        raise RuntimeError(f"{DATABASE_ENV} is not set")
    storage = open_storage(url)
    storage.migrate()
    return create_app(storage, releases_dir=os.environ.get(RELEASES_ENV) or None)
