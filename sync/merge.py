"""The merge of one change into one record, at the grain people edit. Pure: no SQL, no I/O.

Both server storage backends call :func:`merge`; the laptop calls :func:`diff_fields` to
turn a save into a change. Rules (docs/sync.md "Merge"):

- A change's ``fields`` are keyed by **paths**: ``address`` (a top-level answer),
  ``members/<member_id>`` (a whole row: a dict adds it, ``null`` deletes it) and
  ``members/<member_id>/health`` (one answer of one row). A plain list for a repeat group
  (older laptops, resolutions of old conflicts) is compared row by row with the record.
- Every path keeps the revision and device that last changed it (``field_revs``). A path
  another device changed after the change's base, to a different value, is a **hard
  conflict**: the server value stays, both are recorded. Everything else applies.
- Rows added on two laptops are both kept. A row deleted on one laptop and edited (or
  deleted-vs-edited) on another is a hard conflict on that row. An append-only child (a
  need's ``history``) merges as the union of both lists, never a conflict.
- Row order: each row has a rank; a new row ranks after every row its device knew of;
  rows are ordered by (rank, row id), so the order does not depend on which change
  arrived first, and existing rows never move.
- Calculated answers are never applied.

``field_revs`` entries: ``"<field>": [rev, device]``, ``"<group>/<row>": [rev, device, rank]``
(a row alive) or ``[rev, device, rank, deleted_rev, deleted_by, last_row]`` (deleted), and
``"<group>/<row>/<child>": [rev, device]`` once a child changed after the row was added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from forms.grain import EMPTY, Grain, legacy_row_id

__all__ = ["MergeResult", "merge", "diff_fields", "upgrade_record", "union_entries", "top_level"]


@dataclass
class MergeResult:
    """What :func:`merge` did: the new record and what applied or conflicted, by path."""

    record: dict
    applied: dict = field(default_factory=dict)      # path -> value that applied
    hard: dict = field(default_factory=dict)         # path -> {"server", "device", "server_rev", "server_device"}
    concurrent: list = field(default_factory=list)   # paths other devices changed since the change's base
    touched: list = field(default_factory=list)      # top-level fields the change named

    @property
    def status(self) -> str:
        return "conflict" if self.hard else "applied"

    @property
    def soft(self) -> dict:
        """A soft conflict's fields: what applied while others had changed the record since the base."""
        return {p: {"device": v} for p, v in self.applied.items()} if self.concurrent else {}


def top_level(path: str) -> str:
    """The top-level field a path belongs to."""
    return path.split("/", 1)[0]


def _canon(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def union_entries(a, b) -> list:
    """The union of two append-only lists (history entries), ordered by ``at`` then content."""
    seen, out = set(), []
    for entry in list(a or []) + list(b or []):
        key = _canon(entry)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return sorted(out, key=lambda e: (str(e.get("at") or "") if isinstance(e, dict) else "", _canon(e)))


def upgrade_record(record: dict, grain: Grain) -> dict:
    """Give a record made before row-level merging its row ids and row entries (in place; returns it).

    Rows get ids by position (:func:`forms.grain.legacy_row_id`, the same on every laptop),
    ranks by position, and the group's revision; calculated answers are dropped.
    """
    if _upgraded(record, grain):
        return record       # nothing to do (every record the server stores since schema 6): no copies
    fields, revs = record["fields"], record["field_revs"]
    for name in [n for n in fields if n in grain.calculated]:
        del fields[name]
        revs.pop(name, None)
    for group, key in grain.row_keys.items():
        rows = fields.get(group)
        if not isinstance(rows, list):
            continue
        group_rev = revs.get(group) or [record.get("revision") or 0, ""]
        drop = grain.row_calculated.get(group, frozenset())
        upgraded, seen = [], set()
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            row = {k: v for k, v in row.items() if k not in drop}
            if not isinstance(row.get(key), str) or not row.get(key):
                row[key] = legacy_row_id(record["household_id"], group, i)
            if row[key] in seen:
                continue   # a duplicate id: keep the first row
            seen.add(row[key])
            revs.setdefault(f"{group}/{row[key]}", [group_rev[0], group_rev[1], i])
            upgraded.append(row)
        fields[group] = upgraded
        revs.pop(group, None)
    return record


def _upgraded(record: dict, grain: Grain) -> bool:
    """Whether :func:`upgrade_record` would leave *record* as it is."""
    fields, revs = record["fields"], record["field_revs"]
    if not grain.calculated.isdisjoint(fields):
        return False
    for group, key in grain.row_keys.items():
        rows = fields.get(group)
        if not isinstance(rows, list):
            continue
        if group in revs:
            return False
        drop, seen = grain.row_calculated.get(group), set()
        for row in rows:
            if not isinstance(row, dict):
                return False
            rid = row.get(key)
            if not isinstance(rid, str) or not rid or rid in seen or f"{group}/{rid}" not in revs \
                    or (drop and not drop.isdisjoint(row)):
                return False
            seen.add(rid)
    return True


class _Merger:
    def __init__(self, record: dict, change: dict, device_id: str, grain: Grain):
        self.r, self.grain, self.device = record, grain, device_id
        self.base = int(change.get("base_revision") or 0)
        self.rev = record["revision"] + 1
        self.fields, self.revs = record["fields"], record["field_revs"]
        self.result = MergeResult(record)

    # --- helpers
    def newer(self, entry) -> bool:
        return bool(entry) and entry[0] > self.base and entry[1] != self.device

    def rows(self, group: str) -> list:
        rows = self.fields.get(group)
        if not isinstance(rows, list):
            rows = self.fields[group] = []
        return rows

    def find(self, group: str, row_id: str) -> dict | None:
        key = self.grain.row_keys[group]
        return next((r for r in self.rows(group) if isinstance(r, dict) and r.get(key) == row_id), None)

    def conflict(self, path: str, server, device, entry) -> None:
        self.result.hard[path] = {"server": server, "device": device,
                                  "server_rev": entry[0] if entry else None, "server_device": entry[1] if entry else None}

    def applied(self, path: str, value) -> None:
        self.result.applied[path] = value

    # --- operations
    def set_field(self, name: str, value) -> None:
        if name in self.grain.calculated:
            return
        entry, current = self.revs.get(name), self.fields.get(name)
        if self.newer(entry) and current != value:
            self.conflict(name, current, value, entry)
        elif current != value or name not in self.fields:
            self.fields[name] = value
            self.revs[name] = [self.rev, self.device]
            self.applied(name, value)

    def next_rank(self, group: str) -> int:
        prefix = group + "/"
        known = [e[2] for p, e in self.revs.items()
                 if p.startswith(prefix) and p.count("/") == 1 and (e[0] <= self.base or e[1] == self.device)]
        return max(known, default=-1) + 1

    def set_row(self, group: str, row_id: str, value) -> None:
        path, key = f"{group}/{row_id}", self.grain.row_keys[group]
        entry = self.revs.get(path)
        if value is not None and not isinstance(value, dict):
            return
        if value is not None:
            value = {k: v for k, v in value.items() if k not in self.grain.row_calculated.get(group, ())}
            value[key] = row_id
        if entry is None:
            if value is not None:
                self.rows(group).append(value)
                self.revs[path] = [self.rev, self.device, self.next_rank(group)]
                self.applied(path, value)
            return
        if len(entry) > 3:   # deleted on the server
            if value is None:
                return
            if self.newer(entry[3:5]) or self.newer(entry):
                self.conflict(path, None, {**(entry[5] or {}), **value}, entry[3:5])
            else:
                self.rows(group).append(value)
                self.revs[path] = [self.rev, self.device, entry[2]]
                self.applied(path, value)
            return
        found = self.find(group, row_id)
        current = found or {}
        if value is None:
            edited = [p for p, e in self.revs.items() if (p == path or p.startswith(path + "/")) and self.newer(e)]
            if edited:
                newest = max((self.revs[p] for p in edited), key=lambda e: e[0])
                self.conflict(path, current, None, newest)
                return
            self.fields[group] = [r for r in self.rows(group) if not (isinstance(r, dict) and r.get(key) == row_id)]
            for p in [p for p in self.revs if p.startswith(path + "/")]:
                del self.revs[p]
            self.revs[path] = entry[:3] + [self.rev, self.device, current]
            self.applied(path, None)
            return
        for child in sorted((set(current) | set(value)) - {key}):
            self.set_cell(group, row_id, child, value.get(child), found)

    def set_cell(self, group: str, row_id: str, child: str, value, row: dict | None = None) -> None:
        """Set one answer of one row (*row*: the row, when the caller has already found it)."""
        if child in self.grain.row_calculated.get(group, ()) or child == self.grain.row_keys[group]:
            return
        path = f"{group}/{row_id}/{child}"
        row_entry = self.revs.get(f"{group}/{row_id}")
        if row_entry is None:
            self.set_row(group, row_id, {child: value})
            return
        if len(row_entry) > 3:   # the row was deleted
            self.conflict(f"{group}/{row_id}", None, {**(row_entry[5] or {}), child: value}, row_entry[3:5])
            return
        row = row if row is not None else self.find(group, row_id)
        current = row.get(child)
        if child in self.grain.appended.get(group, ()):
            value = union_entries(current if isinstance(current, list) else [], value if isinstance(value, list) else [])
            if value == current or (not value and current is None):
                return
        else:
            entry = self.revs.get(path) or row_entry[:2]
            if self.newer(entry) and current != value:
                self.conflict(path, current, value, entry)
                return
            if current == value and (value is not None or child not in row):
                return
        if value is None:
            row.pop(child, None)
        else:
            row[child] = value
        self.revs[path] = [self.rev, self.device]
        self.applied(path, value)

    def set_list(self, group: str, value) -> bool:
        """A whole list for a repeat group (a new household, an older laptop, an old resolution): row by row.

        Returns True when the rows were simply taken in order (the record never had that group)."""
        key = self.grain.row_keys[group]
        given = [r for r in (value or []) if isinstance(r, dict)]
        given = [dict(r, **{key: legacy_row_id(self.r["household_id"], group, i)}) if not r.get(key) else r
                 for i, r in enumerate(given)]
        ids = {r[key] for r in given}
        prefix = group + "/"
        if len(ids) == len(given) and not any(p.startswith(prefix) for p in self.revs):
            # a group the record never had (a new household): every row is new, in the given order
            drop = self.grain.row_calculated.get(group, ())
            rows = [{k: v for k, v in r.items() if k not in drop} for r in given]
            self.fields[group] = rows
            for rank, row in enumerate(rows):
                path = prefix + row[key]
                self.revs[path] = [self.rev, self.device, rank]
                self.applied(path, row)
            return True
        for row in given:
            self.set_row(group, row[key], row)
        for p, e in list(self.revs.items()):
            if p.startswith(prefix) and p.count("/") == 1 and len(e) == 3 and p[len(prefix):] not in ids \
                    and (e[0] <= self.base or e[1] == self.device):
                self.set_row(group, p[len(prefix):], None)
        return False

    def order(self, group: str) -> None:
        key = self.grain.row_keys[group]
        rows = self.fields.get(group)
        if isinstance(rows, list):
            rows.sort(key=lambda r: ((self.revs.get(f"{group}/{r.get(key)}") or [0, "", 0])[2], str(r.get(key))))


def merge(record: dict | None, change: dict, device_id: str, grain: Grain | None = None) -> MergeResult:
    """Merge one change into one record (a copy is returned in the result; *record* is not modified).

    :param record: ``{"entity", "entity_id", "household_id", "village_code", "revision", "fields", "field_revs"}``
        or None for a record the server has not seen
    :param change: the change (``base_revision``, ``fields`` keyed by path, …)
    :param device_id: the device that made the change (the same device never conflicts with itself)
    :param grain: the household grain (:func:`forms.grain.shipped_grain`); visits merge field by field
    """
    grain = grain if grain is not None and change["entity"] == "household" else EMPTY
    if record is None:
        fresh = _merge_new(change, device_id, grain)
        if fresh is not None:
            return fresh
        record = _new_record(change)
    else:
        record = _copy(record, grain)
    upgrade_record(record, grain)
    m = _Merger(record, change, device_id, grain)
    base = m.base
    m.result.concurrent = sorted(p for p, e in record["field_revs"].items()        # m.newer, inlined: every entry
                                 if (e and e[0] > base and e[1] != device_id) or (len(e) > 4 and e[3] > base and e[4] != device_id))
    groups = set()
    for name, value in change["fields"].items():
        parts = name.split("/")
        top = parts[0]
        if top not in m.result.touched and top not in grain.calculated:
            m.result.touched.append(top)
        if top not in grain.row_keys or (len(parts) == 1 and value is not None and not isinstance(value, list)):
            if len(parts) == 1:
                m.set_field(name, value)
            continue
        if len(parts) == 1:
            if not m.set_list(top, value):
                groups.add(top)
            continue
        groups.add(top)
        if len(parts) == 2:
            m.set_row(top, parts[1], value)
        elif len(parts) == 3:
            m.set_cell(top, parts[1], parts[2], value)
    for group in groups:
        m.order(group)
    if m.result.applied:
        record["revision"] = m.rev
        moved = record["fields"].get("village_code")
        if "village_code" in m.result.applied and isinstance(moved, str) and len(moved) == 12:
            record["village_code"] = moved
    return m.result


def _new_record(change: dict) -> dict:
    return {"entity": change["entity"], "entity_id": change["entity_id"], "household_id": change["household_id"],
            "village_code": change["village_code"], "revision": 0, "fields": {}, "field_revs": {}}


def _copy(record: dict, grain: Grain) -> dict:
    """A copy of *record* that the merge may change without touching *record*.

    The merge replaces values and never changes one in place, except the rows of a repeat group
    (rows are appended, removed, sorted and their answers set): those lists and rows are copied,
    the rest is shared. A ``field_revs`` entry is replaced, never changed in place.
    """
    out = {k: v for k, v in record.items() if k != "_fields_json"}
    fields = out["fields"] = dict(record["fields"])
    out["field_revs"] = dict(record["field_revs"])
    for group in grain.row_keys:
        rows = fields.get(group)
        if isinstance(rows, list):
            fields[group] = [dict(r) if isinstance(r, dict) else r for r in rows]
    return out


def _merge_new(change: dict, device_id: str, grain: Grain) -> MergeResult | None:
    """:func:`merge` of a change into a record the server has not seen (most of a push), in one pass and without
    the general machinery; the same result. None when the change needs the general path (paths into rows,
    repeated row ids). Rows without calculated children are taken as they are (the merge copies a stored
    record's rows before it changes one, see :func:`_copy`)."""
    calculated, row_keys, row_calc = grain.calculated, grain.row_keys, grain.row_calculated
    record = _new_record(change)
    result = MergeResult(record)
    fields, revs, applied, touched = record["fields"], record["field_revs"], result.applied, result.touched
    stamp = [1, device_id]
    for name, value in change["fields"].items():
        if "/" in name:
            return None
        key = row_keys.get(name)
        if key is None or not (value is None or isinstance(value, list)):
            if name in calculated:
                continue
            touched.append(name)
            fields[name] = applied[name] = value
            revs[name] = stamp[:]
            continue
        if name not in calculated:
            touched.append(name)
        drop = row_calc.get(name) or frozenset()
        rows, prefix = [], name + "/"
        for row in value or ():
            if not isinstance(row, dict):
                continue
            if not row.get(key):
                row = dict(row, **{key: legacy_row_id(change["household_id"], name, len(rows))})
            if not drop.isdisjoint(row):
                row = {k: v for k, v in row.items() if k not in drop}
            path = prefix + row[key]
            if path in revs:
                return None    # the same row id twice
            revs[path] = [1, device_id, len(rows)]
            applied[path] = row
            rows.append(row)
        fields[name] = rows
    if applied:
        record["revision"] = 1
        moved = fields.get("village_code")
        if "village_code" in applied and isinstance(moved, str) and len(moved) == 12:
            record["village_code"] = moved
    return result


def diff_fields(current: dict, new: dict, grain: Grain) -> dict:
    """The change (path-keyed fields) that turns household fields *current* into *new*.

    Repeat groups are compared row by row by id: a new row is sent whole, a deleted row as
    ``null``, a changed answer of a row as ``group/<id>/child``. Calculated answers are never
    part of a change. Rows must carry their ids (:func:`forms.grain.with_row_ids`).
    """
    out: dict = {}
    for name in new:
        if name in grain.calculated:
            continue
        old, value = current.get(name), new[name]
        if name in current and old == value:
            continue
        key = grain.row_keys.get(name)
        if key is None or not isinstance(value, list) or not isinstance(old, list) \
                or not all(isinstance(r, dict) and r.get(key) for r in old + value):
            if key is None or name not in current or not isinstance(value, list):
                out[name] = value
            else:
                out[name] = value     # rows without ids: the whole list, compared row by row by the server
            continue
        drop = grain.row_calculated.get(name, frozenset())
        before = {r[key]: r for r in old}
        after = {r[key]: r for r in value}
        for rid, row in after.items():
            row = {k: v for k, v in row.items() if k not in drop}
            if rid not in before:
                out[f"{name}/{rid}"] = row
                continue
            prev = {k: v for k, v in before[rid].items() if k not in drop}
            for child in sorted((set(prev) | set(row)) - {key}):
                if prev.get(child) != row.get(child) or (child in prev) != (child in row):
                    out[f"{name}/{rid}/{child}"] = row.get(child)
        for rid in before:
            if rid not in after:
                out[f"{name}/{rid}"] = None
    return out


def apply_paths(fields: dict, changes: dict, household_id: str, grain: Grain) -> dict:
    """Household *fields* with a path-keyed change applied as its own author would (never a conflict)."""
    record = {"entity": "household", "entity_id": household_id, "household_id": household_id, "village_code": "",
              "revision": 0, "fields": fields, "field_revs": {}}
    change = {"entity": "household", "base_revision": 0, "fields": changes}
    return merge(record, change, "local", grain).record["fields"]
