"""松林县 (510123, tests/county) on a console server: its areas from the 区划代码 file, its published
reference data, and console accounts (a county administrator, a county viewer, a township reviewer)."""

from __future__ import annotations

import json

import yaml

from sync.server.areas import import_areas
from sync.server.console.store import ConsoleStore
from tests.console.seed import NOW, passphrase_hash
from tests import county

USERS = {"songlin-admin": ("county_admin", None), "songlin-viewer": ("county_viewer", None),
         "chengguan-reviewer": ("township_reviewer", county.CHENGGUAN)}


def load_yaml(path) -> dict:
    """A county YAML file as the JSON the server keeps (dates as ISO text)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), ensure_ascii=False, default=str))


def seed_songlin(storage, reference: bool = True) -> None:
    import_areas(storage, county.AREAS_CSV, NOW)
    if reference:
        storage.publish_document("reference", "songlin", load_yaml(county.REFERENCE), NOW)
    store = ConsoleStore(storage)
    for name, (role, township) in USERS.items():
        store.add_user(name, role, township, passphrase_hash(), NOW)
