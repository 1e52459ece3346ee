"""Put county-published documents into a real vault exactly as a sync stores them (``sync.client.store_document``)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO_REFERENCE = ROOT / "forms" / "reference" / "demo.yaml"
DEMO_TEMPLATES = ROOT / "printouts" / "templates" / "letters.demo.yaml"


def as_json(path_or_content) -> dict:
    """A YAML/JSON file (or a dict) as the JSON a published document travels as (dates as ISO text)."""
    content = path_or_content
    if isinstance(path_or_content, (str, Path)):
        content = yaml.safe_load(Path(path_or_content).read_text(encoding="utf-8"))
    return json.loads(json.dumps(content, ensure_ascii=False, default=lambda v: v.isoformat()))


def receive(vault, kind: str, name: str, content, version: int = 1, seq: int | None = None) -> None:
    """Store one published document in *vault*'s sync state as if pulled from the county server."""
    from sync.client import store_document

    store_document(vault, {"kind": kind, "name": name, "version": version, "seq": seq or version * 10 + len(name),
                           "content": as_json(content), "published_at": "2026-03-01T00:00:00+00:00"})


def receive_demo(services) -> None:
    """Tests that ask for the demo county: give an unlocked Services the demo reference and templates."""
    receive(services.vault, "reference", "demo", DEMO_REFERENCE)
    receive(services.vault, "templates", "letters", DEMO_TEMPLATES)
    services.published_changed()
