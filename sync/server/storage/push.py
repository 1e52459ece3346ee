"""The write side shared by both SQL backends: push (merge, seq assignment, conflicts) and conflict resolution.

:class:`sync.server.storage.sql.SqlStorage` inherits these; they use its transaction and dialect
helpers (``_tx``, ``_joined``, ``_in``, ``_scope_condition``, ``lock_suffix``). Every write that
hands out sequence numbers first locks the single ``counters`` row, so commits happen in seq
order on every backend and a puller never skips a change that commits late.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

from forms.grain import shipped_grain
from forms.places import township_of
from sync import errors
from sync.jsontext import dumps as _dumps
from sync.merge import merge
from sync.server.access import check_household_area, device_alias

if TYPE_CHECKING:
    from sync.server.storage.base import Scope
    from sync.server.storage.sql import Tx

CONFLICT_COLUMNS = ("conflict_id, seq, kind, status, entity, entity_id, household_id, village_code, base_revision, "
                    "change_id, device_id, fields, concurrent, created_at, resolved_by, resolved_at, resolution")




def _names_members(fields: dict) -> bool:
    """Whether a change sets the members (the whole list, or ``members/<id>…`` paths)."""
    return "members" in fields or ("/" in "".join(fields) and any(name.startswith("members/") for name in fields))


def conflict_dict(row: dict) -> dict:
    """A ``conflicts`` row with its JSON columns decoded."""
    out = dict(row)
    out["fields"] = json.loads(row["fields"])
    out["concurrent"] = json.loads(row["concurrent"])
    out["resolution"] = json.loads(row["resolution"]) if row.get("resolution") else None
    return out


class PushStore:
    """Push and conflict resolution; every method is one transaction (or joins the caller's)."""

    # --- push -------------------------------------------------------------------
    def _lock_counter(self, tx: Tx) -> int:
        return int(tx.one("SELECT value FROM counters WHERE name = 'seq'" + self.lock_suffix)["value"])

    def _load_records(self, tx: Tx, entity_ids: list[str]) -> dict[tuple[str, str], dict]:
        found: dict[tuple[str, str], dict] = {}
        for start in range(0, len(entity_ids), 500):
            cond, params = self._in("entity_id", entity_ids[start:start + 500])
            for row in tx.q("SELECT entity, entity_id, household_id, village_code, revision, fields, field_revs "
                            "FROM records WHERE " + cond, params):
                row["fields"] = json.loads(row["fields"])
                row["field_revs"] = json.loads(row["field_revs"])
                found[(row["entity"], row["entity_id"])] = row
        return found

    def _stored_changes(self, tx: Tx, change_ids: list[str]) -> dict[str, dict]:
        found = {}
        for start in range(0, len(change_ids), 500):
            cond, params = self._in("change_id", change_ids[start:start + 500])
            for row in tx.q("SELECT change_id, seq, revision, entity_id, status, device_id FROM changes WHERE " + cond, params):
                found[row["change_id"]] = row
        return found

    def push(self, scope: Scope, device_id: str, changes: list[dict], now: str, tx: Tx | None = None):
        for change in changes:
            moved_to = change["fields"].get("village_code") if change["entity"] == "household" else None
            for village in (change["village_code"], moved_to):
                if isinstance(village, str) and not scope.allows(village):
                    raise errors.OutsideArea(township_of(village))
        with self._joined(tx) as tx:   # a caller's transaction (roster import) or a new one
            seq = self._lock_counter(tx)
            # ids are the device's: one another device already used is stored under a per-device alias (access.py)
            stored = self._stored_changes(tx, [c["change_id"] for c in changes])
            taken = {cid for cid, row in stored.items() if row["device_id"] != device_id}   # usually none
            own_ids = {device_alias(device_id, cid): cid for cid in taken}
            if own_ids:
                stored.update(self._stored_changes(tx, list(own_ids)))
                aliases = {cid: alias for alias, cid in own_ids.items()}
                changes = [dict(c, change_id=aliases[c["change_id"]]) if c["change_id"] in taken else c for c in changes]
            fresh = [c for c in changes if c["change_id"] not in stored]
            # the households the changes touch, too: their stored village decides, not the change's label
            records = self._load_records(tx, sorted({c["entity_id"] for c in fresh} | {c["household_id"] for c in fresh}))
            existing = set(records)
            verdicts, change_rows, conflict_rows, notices, touched = [], [], [], [], {}
            for change in changes:
                cid = change["change_id"]
                if cid in stored:
                    prior = stored[cid]
                    if prior["entity_id"] != change["entity_id"]:
                        raise errors.ChangeIdReused(cid)
                    verdicts.append({"change_id": cid, "seq": prior["seq"], "revision": prior["revision"], "status": "duplicate"})
                    continue
                check_household_area(scope, change, records)
                key = (change["entity"], change["entity_id"])
                record = records.get(key)
                if record is not None and not scope.allows(record["village_code"]):
                    raise errors.OutsideArea(township_of(record["village_code"]))
                seq += 1
                created = record is None
                record, status, hard, soft, names = _merge(record, change, device_id)
                records[key] = touched[key] = record
                record["updated_seq"] = seq
                if hard:
                    self._who_changed(tx, change, hard)
                after = {f: record["fields"].get(f) for f in names}
                after_json = _dumps(after)
                if created and set(after) == set(record["fields"]):
                    record["_fields_json"] = after_json     # a new record's fields are exactly the change's: encode once
                change_rows.append((seq, cid, change["entity"], change["entity_id"], change["household_id"],
                                    record["village_code"], township_of(record["village_code"]), record["revision"], after_json,
                                    device_id, change.get("author") or "", change["at"], now, status))
                verdicts.append({"change_id": cid, "seq": seq, "revision": record["revision"], "status": status})
                stored[cid] = {"change_id": cid, "seq": seq, "revision": record["revision"], "entity_id": change["entity_id"]}
                for kind, fields, concurrent in (("hard", hard, []), ("soft", soft[0], soft[1])):
                    if not fields:
                        continue
                    seq += 1
                    notice = {"conflict_id": str(uuid.uuid4()), "seq": seq, "kind": kind,
                              "status": "open" if kind == "hard" else "merged",
                              "entity": change["entity"], "entity_id": change["entity_id"],
                              "household_id": change["household_id"], "village_code": record["village_code"],
                              "base_revision": change["base_revision"], "change_id": cid, "device_id": device_id,
                              "fields": fields, "concurrent": concurrent, "created_at": now,
                              "resolved_by": None, "resolved_at": None, "resolution": None}
                    notices.append(notice)
                    conflict_rows.append(_conflict_row(notice))
            if change_rows:
                tx.insert_rows("changes", CHANGE_INSERT_COLUMNS, change_rows)
                tx.insert_rows("records", RECORD_COLUMNS,
                               [_record_row(r) for k, r in touched.items() if k not in existing])
                self._save_records(tx, [r for k, r in touched.items() if k in existing])
            if conflict_rows:
                self._insert_conflicts(tx, conflict_rows)
            member_keys = {(c["entity"], c["entity_id"]) for c in fresh if c["entity"] == "household"
                           and _names_members(c["fields"])}
            self._index_member_ids(tx, [touched[k] for k in member_keys if k in touched], now)
            tx.exec("UPDATE counters SET value = %s WHERE name = 'seq'", (seq,))
        for verdict in verdicts:
            verdict["change_id"] = own_ids.get(verdict["change_id"], verdict["change_id"])
        return verdicts, notices

    @staticmethod
    def _who_changed(tx: Tx, change: dict, hard: dict) -> None:
        """Add who changed each side of each hard conflict, and when (the server's side: the change that made it)."""
        for item in hard.values():
            item.update(device_author=change.get("author") or "", device_at=change["at"])
            if item.get("server_rev") is None:
                continue
            row = tx.one("SELECT author, at FROM changes WHERE entity_id = %s AND revision = %s "
                         "ORDER BY seq DESC LIMIT 1", (change["entity_id"], item["server_rev"]))
            if row:
                item.update(server_author=row["author"], server_at=row["at"])

    # --- households sharing a member's ID number (flagged, never merged) ---------------
    def _index_member_ids(self, tx: Tx, households: list[dict], now: str) -> None:
        """Replace the member-ID index rows of *households*: one DELETE per 500 households, one insert for all."""
        if not households:
            return
        ids = [record["entity_id"] for record in households]
        for start in range(0, len(ids), 500):
            cond, params = self._in("household_id", ids[start:start + 500])
            tx.exec("DELETE FROM member_ids WHERE " + cond, params)
        rows = []
        for record in households:
            numbers = set()
            members = record["fields"].get("members")
            for m in members if isinstance(members, list) else []:  # a draft may hold anything; never a 500
                number = m.get("id_number") if isinstance(m, dict) else None
                if isinstance(number, str) and len(number.strip()) == 18:
                    numbers.add(number.strip().upper())
            village = record["village_code"]
            rows += [(n, record["entity_id"], village, township_of(village), now) for n in sorted(numbers)]
        if rows:
            tx.insert_rows("member_ids", ("id_number", "household_id", "village_code", "township_code", "updated_at"), rows)

    def duplicate_members(self, scope):
        cond, params = self._scope_condition(scope)
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT id_number, household_id, village_code FROM member_ids WHERE id_number IN "
                        f"(SELECT id_number FROM member_ids WHERE {cond}) AND id_number IN "
                        "(SELECT id_number FROM member_ids GROUP BY id_number HAVING COUNT(*) > 1) "
                        "ORDER BY id_number, household_id", params)
        groups: dict[str, list] = {}
        for r in rows:
            groups.setdefault(r["id_number"], []).append({"household_id": r["household_id"], "village_code": r["village_code"]})
        return [{"id_number": n, "households": hs} for n, hs in groups.items()]

    def _save_records(self, tx: Tx, records: list[dict]) -> None:
        if not records:
            return
        tx.many("INSERT INTO records (entity, entity_id, household_id, village_code, township_code, revision, fields, "
                "field_revs, updated_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (entity, entity_id) DO UPDATE SET village_code = excluded.village_code, "
                "township_code = excluded.township_code, revision = excluded.revision, fields = excluded.fields, "
                "field_revs = excluded.field_revs, updated_seq = excluded.updated_seq",
                [_record_row(r) for r in records])

    def _insert_conflicts(self, tx: Tx, rows: list[tuple]) -> None:
        tx.many("INSERT INTO conflicts (conflict_id, seq, kind, status, entity, entity_id, household_id, village_code, "
                "township_code, base_revision, change_id, device_id, fields, concurrent, created_at, resolved_by, "
                "resolved_at, resolution) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                rows)

    def known(self, change_ids, device_id=None):
        found: list[str] = []
        unique = list(dict.fromkeys(change_ids))
        with self._tx(write=False) as tx:
            for start in range(0, len(unique), 1000):
                chunk = unique[start:start + 1000]
                if device_id is None:
                    cond, params = self._in("change_id", chunk)
                    found += [r["change_id"] for r in tx.q("SELECT change_id FROM changes WHERE " + cond, params)]
                    continue
                # known to *this* device: stored from it, or under its alias where another device used the id
                cond, params = self._in("change_id", chunk)
                rows = tx.q("SELECT change_id, device_id FROM changes WHERE " + cond, params)
                found += [r["change_id"] for r in rows if r["device_id"] == device_id]
                own = {device_alias(device_id, r["change_id"]): r["change_id"] for r in rows if r["device_id"] != device_id}
                if own:
                    cond, params = self._in("change_id", list(own))
                    found += [own[r["change_id"]] for r in tx.q("SELECT change_id FROM changes WHERE " + cond, params)]
        return list(dict.fromkeys(found))

    def resolve_conflict(self, scope, conflict_id, fields, resolver, author, now):
        with self._tx() as tx:
            seq = self._lock_counter(tx)
            row = tx.one(f"SELECT {CONFLICT_COLUMNS} FROM conflicts WHERE conflict_id = %s", (conflict_id,))
            if row is None or not scope.allows(row["village_code"]):
                raise errors.ConflictNotFound(conflict_id)
            conflict = conflict_dict(row)
            if conflict["kind"] != "hard" or conflict["status"] != "open":
                raise errors.ConflictAlreadyResolved(conflict_id)
            unknown = set(fields) - set(conflict["fields"])
            if unknown or not fields:
                raise errors.MalformedRequest("resolution must name the conflicting fields only")
            key = (conflict["entity"], conflict["entity_id"])
            record = self._load_records(tx, [conflict["entity_id"]])[key]
            change = {"change_id": str(uuid.uuid4()), "entity": key[0], "entity_id": key[1],
                      "household_id": conflict["household_id"], "village_code": record["village_code"],
                      "base_revision": record["revision"], "fields": fields, "author": author, "at": now}
            record, status, _, _, names = _merge(record, change, resolver)
            seq += 1
            record["updated_seq"] = seq
            tx.exec("INSERT INTO changes (seq, change_id, entity, entity_id, household_id, village_code, township_code, "
                    "revision, fields, device_id, author, at, received_at, status) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (seq, change["change_id"], key[0], key[1], change["household_id"], record["village_code"],
                     township_of(record["village_code"]), record["revision"], _dumps({f: record["fields"].get(f) for f in names}),
                     resolver, author, now, now, "resolution"))
            self._save_records(tx, [record])
            seq += 1
            tx.exec("UPDATE conflicts SET status = 'resolved', seq = %s, resolved_by = %s, resolved_at = %s, resolution = %s "
                    "WHERE conflict_id = %s", (seq, author or resolver, now, _dumps(fields), conflict_id))
            tx.exec("UPDATE counters SET value = %s WHERE name = 'seq'", (seq,))
        return dict(conflict, status="resolved", seq=seq, resolved_by=author or resolver, resolved_at=now, resolution=fields)


def _merge(record: dict | None, change: dict, device_id: str):
    """One change into one record by the pure merge (:func:`sync.merge.merge`, rules in docs/sync.md).

    Returns (record, status, hard, (soft, concurrent), touched top-level fields).
    """
    result = merge(record, change, device_id, shipped_grain())
    return result.record, result.status, result.hard, (result.soft, result.concurrent), result.touched


CHANGE_INSERT_COLUMNS = ("seq", "change_id", "entity", "entity_id", "household_id", "village_code", "township_code",
                         "revision", "fields", "device_id", "author", "at", "received_at", "status")
RECORD_COLUMNS = ("entity", "entity_id", "household_id", "village_code", "township_code", "revision", "fields",
                  "field_revs", "updated_seq")


def _record_row(r: dict) -> tuple:
    return (r["entity"], r["entity_id"], r["household_id"], r["village_code"], township_of(r["village_code"]), r["revision"],
            r.get("_fields_json") or _dumps(r["fields"]), _dumps(r["field_revs"]), r["updated_seq"])


def _conflict_row(n: dict) -> tuple:
    return (n["conflict_id"], n["seq"], n["kind"], n["status"], n["entity"], n["entity_id"], n["household_id"],
            n["village_code"], township_of(n["village_code"]), n["base_revision"], n["change_id"], n["device_id"],
            _dumps(n["fields"]), _dumps(n["concurrent"]), n["created_at"], n["resolved_by"], n["resolved_at"],
            _dumps(n["resolution"]) if n["resolution"] is not None else None)
