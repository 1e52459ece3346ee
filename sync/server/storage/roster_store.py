"""Storage of the target roster (花名册) for both SQL backends: :class:`SqlStorage` inherits these.

Roster households are ordinary household records written through :meth:`SqlStorage.push` (so
laptops pull them like any change); the ``roster_*`` tables (migration 0008) remember which
roster key became which household and what the roster last said, in the same transaction.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from forms.places import township_of
from sync.jsontext import dumps as _dumps

ROSTER_DEVICE = "roster"
# SQLite's page cache while a roster is imported (KiB; SQLite's own default is 2 MiB). A county's roster
# is written in one transaction: with 2 MiB, SQLite spills dirty pages to the WAL and reads them back again
# and again (at 100,000 members ~1 GB written and ~1 GB read for a ~170 MB result; docs/benchmarks.md).
ROSTER_CACHE_KIB = 128 * 1024




class RosterStore:
    """Roster and coverage queries; every method is one transaction."""

    @contextmanager
    def roster_cache(self):
        """On SQLite, a page cache of :data:`ROSTER_CACHE_KIB` on this thread's connection for the block, the
        previous size restored (and the pages freed) after it; on PostgreSQL nothing (the server's own cache)."""
        if getattr(self, "backend", "") != "sqlite":
            yield
            return
        conn = self._conn()
        before = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = {-int(ROSTER_CACHE_KIB)}")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA cache_size = {int(before)}")

    @contextmanager
    def _joined(self, tx=None):
        """*tx* when a caller already holds one, else a new write transaction."""
        if tx is not None:
            yield tx
        else:
            with self._tx() as new:
                yield new

    def _json_text(self, path: tuple[str, ...]) -> str:
        """SQL for the text at *path* inside the ``fields`` JSON column (fixed paths, never user text)."""
        if self.backend == "postgres":
            return "(fields::jsonb #>> '{" + ",".join(path) + "}')"
        return "json_extract(fields, '$." + ".".join(path) + "')"

    def roster_campaign(self, name: str) -> dict | None:
        """``{"name", "start_date", "created_at"}`` of a campaign with a roster, or None."""
        with self._tx(write=False) as tx:
            return tx.one("SELECT name, start_date, created_at FROM roster_campaigns WHERE name = %s", (name,))

    def roster_campaigns(self) -> list[dict]:
        """Every campaign with a roster, oldest first."""
        with self._tx(write=False) as tx:
            return tx.q("SELECT name, start_date, created_at FROM roster_campaigns ORDER BY created_at, name")

    def roster_households(self, campaign: str, area: str = "") -> list[dict]:
        """The campaign's roster rows ``{"household_key", "household_id", "village_code", "fields", "revision", "status"}``."""
        with self._tx(write=False) as tx:
            rows = tx.q("SELECT household_key, household_id, village_code, fields, revision, status, imported_at, closed_at "
                        "FROM roster_households WHERE campaign = %s AND village_code LIKE %s ORDER BY household_key",
                        (campaign, area + "%"))
        for row in rows:
            row["fields"] = json.loads(row["fields"])
            row["revision"] = int(row["revision"])
        return rows

    def people_index(self) -> dict[str, tuple[str, int]]:
        """ID number → (household id, record revision) of every member of every household on the server."""
        found: dict[str, tuple[str, int]] = {}
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT entity_id, revision, {self._json_text(('members',))} AS members FROM records "
                        "WHERE entity = 'household'")
        for row in rows:
            try:
                members = json.loads(row["members"]) if row["members"] else []
            except ValueError:
                continue
            for m in members if isinstance(members, list) else []:
                number = m.get("id_number") if isinstance(m, dict) else None
                if isinstance(number, str) and number:
                    found.setdefault(number.upper(), (row["entity_id"], int(row["revision"])))
        return found

    def latest_reference_campaign(self) -> dict | None:
        """The ``campaign`` section of the newest published reference document, or None."""
        with self._tx(write=False) as tx:
            row = tx.one("SELECT content FROM documents WHERE kind = 'reference' ORDER BY seq DESC LIMIT 1")
        campaign = json.loads(row["content"]).get("campaign") if row else None
        return campaign if isinstance(campaign, dict) else None

    def apply_roster(self, campaign: str, since: str, changes: list[dict], rows: list[dict], file_name: str,
                     file_sha256: str, summary: dict, now: str) -> list[dict]:
        """Write the roster's household changes and its bookkeeping in ONE transaction; return the push verdicts.

        :param rows: ``{"household_key", "household_id", "village_code", "fields", "status", "change_id"}`` to
            upsert; a row's revision becomes that of its change's verdict (unchanged rows are not passed)
        """
        from sync.server.storage.base import ADMIN

        with self._tx() as tx:
            tx.exec("INSERT INTO roster_campaigns (name, start_date, created_at) VALUES (%s, %s, %s) "
                    "ON CONFLICT (name) DO NOTHING", (campaign, since, now))
            verdicts, _ = self.push(ADMIN, ROSTER_DEVICE, changes, now, tx=tx)
            revision = {v["change_id"]: int(v["revision"]) for v in verdicts}
            tx.many("INSERT INTO roster_households (campaign, household_key, household_id, village_code, township_code, "
                    "fields, revision, status, imported_at, closed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (campaign, household_key) DO UPDATE SET household_id = excluded.household_id, "
                    "village_code = excluded.village_code, township_code = excluded.township_code, "
                    "fields = excluded.fields, revision = excluded.revision, status = excluded.status, "
                    "imported_at = excluded.imported_at, closed_at = excluded.closed_at",
                    [(campaign, r["household_key"], r["household_id"], r["village_code"], township_of(r["village_code"]),
                      _dumps(r["fields"]), revision.get(r["change_id"], r.get("revision", 0)), r["status"], now,
                      now if r["status"] == "closed" else None) for r in rows])
            tx.exec("INSERT INTO roster_imports (campaign, file_name, file_sha256, summary, imported_at) "
                    "VALUES (%s, %s, %s, %s, %s)", (campaign, file_name, file_sha256, _dumps(summary), now))
        return verdicts

    def roster_imports(self, campaign: str | None = None) -> list[dict]:
        """The roster imports, newest first ``{"campaign", "file_name", "file_sha256", "summary", "imported_at"}``."""
        sql = "SELECT campaign, file_name, file_sha256, summary, imported_at FROM roster_imports"
        params: tuple = ()
        if campaign:
            sql, params = sql + " WHERE campaign = %s", (campaign,)
        with self._tx(write=False) as tx:
            rows = tx.q(sql + " ORDER BY id DESC", params)
        return [dict(r, summary=json.loads(r["summary"])) for r in rows]

    def coverage_rows(self, area: str = "") -> tuple[list[dict], dict[str, str]]:
        """Households under *area* ``{"household_id", "village_code", "roster", "target_status"}`` (JSON text),
        and household id → ISO date of its latest final visit.

        A township or village is looked up by ``township_code`` (indexed, ``records_township``) before
        its village prefix, so a village's list reads its township's rows, not the county's."""
        j = self._json_text
        where, params = "village_code LIKE %s", [area + "%"]
        if len(area) >= 9:
            where, params = "township_code = %s AND " + where, [area[:9], *params]
        with self._tx(write=False) as tx:
            households = tx.q(f"SELECT entity_id AS household_id, village_code, {j(('roster',))} AS roster, "
                              f"{j(('target_status',))} AS target_status FROM records "
                              f"WHERE entity = 'household' AND {where}", params)
            visits = tx.q(f"SELECT household_id, MAX({j(('answers', 'visit_date'))}) AS last_final FROM records "
                          f"WHERE entity = 'visit' AND {where} AND {j(('status',))} = 'final' "
                          "GROUP BY household_id", params)
        return households, {v["household_id"]: v["last_final"] or "" for v in visits}
