"""Set-aside reports on both SQL backends (schema 14): the newest list of refused changes per device.

Each report replaces the device's previous one in one transaction (:mod:`sync.set_aside`), so
the table always says what the laptops hold aside now. Rows carry the reporting device's
township: the office of that township sees them, whatever village the bad change names.
"""

from __future__ import annotations

from sync.server.storage.base import Scope

COLUMNS = ("device_id", "change_id", "entity", "household_id", "visit_id", "village_code", "township_code", "code",
           "message", "set_aside_at", "reported_at")


class SetAsideStore:
    """The set-aside reports of one :class:`sync.server.storage.sql.SqlStorage`; each method is one transaction."""

    def __init__(self, sql):
        self.sql = sql

    def replace(self, device: dict, items: list[dict], now: str, extra: list[dict] | None = None) -> int:
        """Make *items* (plus *extra*, e.g. changes refused in the same bundle) the device's whole report."""
        rows: dict[str, tuple] = {}
        for item in [*items, *(extra or [])]:
            rows[item["change_id"]] = (device["device_id"], item["change_id"], item["entity"], item["household_id"],
                                       item.get("visit_id"), item.get("village_code"), device["township_code"],
                                       item["code"], item.get("message", ""), item["set_aside_at"], now)
        with self.sql._tx() as tx:
            tx.exec("DELETE FROM set_aside_reports WHERE device_id = %s", [device["device_id"]])
            if rows:
                tx.insert_rows("set_aside_reports", COLUMNS, list(rows.values()))
        return len(rows)

    def listed(self, scope: Scope, device_id: str | None = None) -> list[dict]:
        """Reports inside *scope* (by the reporting device's township), with the device's label; oldest first."""
        if scope.role == "admin":
            cond, params = "r.township_code LIKE %s", [scope.township_code + "%"]
        elif scope.role == "office":
            cond, params = "r.township_code = %s", [scope.township_code]
        else:
            cond, params = "r.device_id = %s", [device_id or ""]
        columns = ", ".join(f"r.{c}" for c in COLUMNS)
        with self.sql._tx(write=False) as tx:
            rows = tx.q(f"SELECT {columns}, d.label AS device_label FROM set_aside_reports r "
                        f"LEFT JOIN devices d ON d.device_id = r.device_id WHERE {cond} "
                        "ORDER BY r.township_code, r.device_id, r.set_aside_at, r.change_id", params)
        for row in rows:
            row["device_label"] = row["device_label"] or ""
        return rows
