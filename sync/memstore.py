"""An in-memory :class:`sync.store.SyncStore`: the reference behaviour, used by tests and benchmarks."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone


class MemoryStore:
    """Records, an outbox, conflicts and sync state held in dicts (thread-safe)."""

    def __init__(self):
        self.records: dict[tuple[str, str], dict] = {}
        self.outbox: list[dict] = []
        self.conflicts: dict[str, dict] = {}
        self.reviews: dict[str, dict] = {}     # review events by event id
        self.state: dict[str, str] = {}
        self._lock = threading.RLock()

    def edit(self, entity: str, entity_id: str, household_id: str, village_code: str, fields: dict,
             author: str = "tester") -> dict:
        """Change a record locally and queue the change (what saving a visit does in the vault)."""
        with self._lock:
            record = self.records.setdefault((entity, entity_id), {"entity": entity, "entity_id": entity_id,
                                                                   "household_id": household_id,
                                                                   "village_code": village_code,
                                                                   "revision": 0, "fields": {}})
            record["fields"].update(fields)
            change = {"change_id": str(uuid.uuid4()), "entity": entity, "entity_id": entity_id,
                      "household_id": household_id, "village_code": village_code,
                      "base_revision": record["revision"], "fields": dict(fields),
                      "device_id": self.state.get("device_id") or "", "author": author,
                      "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            self.outbox.append(change)
            return change

    # --- SyncStore
    def pending_changes(self, limit):
        with self._lock:
            return [dict(c) for c in self.outbox[:limit]]

    def acknowledge(self, change_ids):
        with self._lock:
            gone = set(change_ids)
            self.outbox = [c for c in self.outbox if c["change_id"] not in gone]

    def get_sync_state(self, key):
        with self._lock:
            return self.state.get(key)

    def set_sync_state(self, key, value):
        with self._lock:
            if value is None:
                self.state.pop(key, None)
            else:
                self.state[key] = value

    def apply_pulled(self, changes, cursor):
        with self._lock:
            pending = {}
            for c in self.outbox:
                pending.setdefault((c["entity"], c["entity_id"]), set()).update(c["fields"])
            for change in changes:
                key = (change["entity"], change["entity_id"])
                record = self.records.setdefault(key, {"entity": key[0], "entity_id": key[1],
                                                       "household_id": change["household_id"],
                                                       "village_code": change["village_code"],
                                                       "revision": 0, "fields": {}})
                mine = pending.get(key, set())
                for name, value in change["fields"].items():
                    if name not in mine:
                        record["fields"][name] = value
                record["revision"] = max(record["revision"], change["revision"])
                record["village_code"] = change["village_code"]
            self.state["cursor"] = str(cursor)

    def record_reviews(self, events, cursor):
        with self._lock:
            for event in events:
                self.reviews[event["event_id"]] = dict(event)
            self.state["review_cursor"] = str(cursor)

    def record_conflicts(self, conflicts):
        with self._lock:
            for conflict in conflicts:
                self.conflicts[conflict["conflict_id"]] = dict(conflict)
