"""The ASGI app factory for worker processes: ``uvicorn --factory sync.server.asgi:create_from_environment``.

``fieldapp-server serve --workers N`` and the systemd unit (docs/deploy.md) start N processes that
each build the app from the environment: ``FIELDAPP_SERVER_DATABASE`` (PostgreSQL when N > 1) and
``FIELDAPP_SERVER_RELEASES`` (the folder of offered app packages).
"""

from __future__ import annotations

import gc
import os

DATABASE_ENV = "FIELDAPP_SERVER_DATABASE"
RELEASES_ENV = "FIELDAPP_SERVER_RELEASES"


# A push of 1,000 changes allocates a few hundred thousand dicts and lists that live until its transaction ends;
# with the default threshold (700) the collector runs hundreds of times per push and several full passes over the
# whole heap. Raised, it runs a few times per push; the start-up heap is frozen so no pass rescans it.
GC_THRESHOLDS = (50_000, 20, 20)


def tune_collector() -> None:
    """For a server process, once its app is built: freeze the start-up heap and collect less often (bench/sync.py)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_from_environment():
    """Open (and migrate) the storage named by the environment and build the app over it."""
    from sync.server.app import create_app
    from sync.server.storage import open_storage

    url = os.environ.get(DATABASE_ENV)
    if not url:
        raise RuntimeError(f"{DATABASE_ENV} is not set")
    storage = open_storage(url)
    storage.migrate()
    app = create_app(storage, releases_dir=os.environ.get(RELEASES_ENV) or None)
    tune_collector()
    return app
