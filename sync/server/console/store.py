"""What the console keeps and reads in the server database: accounts, sessions, the server audit log,
and the household look-ups of its pages. Built on the storage's own transactions and area filter,
so a township reviewer's queries carry the same ``township_code = …`` condition as an office device's pull.
"""

from __future__ import annotations

import json
from typing import Iterator

from sync.server.console import errors
from sync.server.storage import Scope, search_index
from sync.server.storage.sql import SqlStorage

SEARCH_LIMIT = 50
RARE_GRAM = 500   # households of a gram up to which a 4+ character search starts from that gram alone
# (above it, from the two rarest grams' households in common: at 200,000 households intersecting two 3-grams of
# ~1,000 households each costs less than checking the terms of the rarest's; docs/benchmarks.md, issue 16s)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _like(text: str) -> str:
    """*text* as a LIKE pattern matched literally (``%``, ``_`` and ``\\`` escaped)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class ConsoleStore:
    """Console tables over a migrated :class:`SqlStorage` (SQLite or PostgreSQL)."""

    def __init__(self, storage: SqlStorage):
        self.storage = storage
        self._tx = storage._tx

    # --- accounts -----------------------------------------------------------------
    def add_user(self, name: str, role: str, township_code: str | None, password_hash: str, now: str) -> None:
        """Create an account; UserExists if the name is taken."""
        with self._tx() as tx:
            if tx.one("SELECT name FROM console_users WHERE name = %s", (name,)):
                raise errors.UserExists(name)
            tx.exec("INSERT INTO console_users (name, role, township_code, password_hash, created_at, updated_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s)", (name, role, township_code, password_hash, now, now))

    def set_password(self, name: str, password_hash: str, now: str) -> None:
        """Replace the passphrase hash and end the account's sessions."""
        with self._tx() as tx:
            if tx.exec("UPDATE console_users SET password_hash = %s, updated_at = %s WHERE name = %s",
                       (password_hash, now, name)) != 1:
                raise errors.UnknownUser(name)
            tx.exec("UPDATE console_sessions SET ended_at = %s WHERE user_name = %s AND ended_at IS NULL", (now, name))

    def disable_user(self, name: str, now: str) -> None:
        """Disable the account and end its sessions at once."""
        with self._tx() as tx:
            if tx.exec("UPDATE console_users SET disabled_at = COALESCE(disabled_at, %s), updated_at = %s WHERE name = %s",
                       (now, now, name)) != 1:
                raise errors.UnknownUser(name)
            tx.exec("UPDATE console_sessions SET ended_at = %s WHERE user_name = %s AND ended_at IS NULL", (now, name))

    def get_user(self, name: str) -> dict | None:
        """One account row (with its hash) or None."""
        with self._tx(write=False) as tx:
            return tx.one("SELECT name, role, township_code, password_hash, created_at, disabled_at FROM console_users "
                          "WHERE name = %s", (name,))

    def list_users(self) -> list[dict]:
        """Every account, without hashes."""
        with self._tx(write=False) as tx:
            return tx.q("SELECT name, role, township_code, created_at, disabled_at FROM console_users ORDER BY name")

    # --- sessions -----------------------------------------------------------------
    def start_session(self, token_hash: str, user_name: str, csrf_token: str, now: str, expires_at: str) -> None:
        """Store a new session (only the token's hash)."""
        with self._tx() as tx:
            tx.exec("INSERT INTO console_sessions (token_hash, user_name, csrf_token, created_at, expires_at) "
                    "VALUES (%s, %s, %s, %s, %s)", (token_hash, user_name, csrf_token, now, expires_at))

    def session(self, token_hash: str) -> dict | None:
        """The session with its account, or None."""
        with self._tx(write=False) as tx:
            return tx.one("SELECT s.user_name, s.csrf_token, s.expires_at, s.ended_at, u.role, u.township_code, "
                          "u.disabled_at FROM console_sessions s JOIN console_users u ON u.name = s.user_name "
                          "WHERE s.token_hash = %s", (token_hash,))

    def end_session(self, token_hash: str, now: str) -> None:
        """Log out: the token is refused from now on."""
        with self._tx() as tx:
            tx.exec("UPDATE console_sessions SET ended_at = %s WHERE token_hash = %s AND ended_at IS NULL", (now, token_hash))

    # --- the server audit log -----------------------------------------------------------
    def audit(self, actor: str, action: str, outcome: str, target: str, households: list[str], detail: dict,
              client: str, now: str) -> None:
        """One audit entry: who, did what (``ok`` or ``refused``), to what, touching which households."""
        with self._tx() as tx:
            tx.exec("INSERT INTO server_audit (at, actor, action, outcome, target, households, detail, client) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (now, actor[:120], action, outcome, target[:300], _dumps(sorted(set(households))), _dumps(detail),
                     client[:80]))

    def audit_log(self, actor: str | None = None, action: str | None = None, household_id: str | None = None,
                  limit: int = 200) -> list[dict]:
        """Audit entries, newest first, filtered by actor, action and household."""
        where, params = [], []
        for column, value in (("actor", actor), ("action", action)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if household_id:
            where.append("households LIKE %s")
            params.append(_like(f'"{household_id}"'))
        sql = "SELECT id, at, actor, action, outcome, target, households, detail, client FROM server_audit"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT %s"
        with self._tx(write=False) as tx:
            rows = tx.q(sql, [*params, int(limit)])
        return [dict(r, households=json.loads(r["households"]), detail=json.loads(r["detail"])) for r in rows]

    # --- households -----------------------------------------------------------------
    def search_households(self, scope: Scope, text: str, limit: int = SEARCH_LIMIT) -> list[dict]:
        """Households in *scope*: a member's full name or ID number exactly, else the households with a name or
        address containing *text* (or, for 4 digits or more, an ID number containing it), through the n-gram index."""
        self.refresh_search()
        needle = text.strip()
        id_like = _id_fragment(needle)
        if id_like:
            needle = needle.upper()
        if not needle:
            return []
        if scope.role == "admin":
            area, area_params = "township_code LIKE %s", [scope.township_code + "%"]
        else:
            area, area_params = "township_code = %s", [scope.township_code if scope.role == "office" else "-"]
        with self._tx(write=False) as tx:
            ids = [r["household_id"] for r in tx.q(
                f"SELECT DISTINCT household_id FROM console_search WHERE term = %s AND {area} AND kind IN ('name', 'id') "
                "ORDER BY household_id LIMIT %s", [needle, *area_params, limit])]
            if not ids:
                ids = self._contains(tx, needle, id_like, area, area_params, limit)
            if not ids:
                return []
            cond, params = self.storage._in("household_id", ids)
            rows = tx.q(f"SELECT household_id, village_code, revision, fields FROM records WHERE entity = 'household' "
                        f"AND {cond} ORDER BY household_id", params)
        # the area is checked again on the current record itself: the index only narrows the search
        return [dict(r, fields=json.loads(r["fields"])) for r in rows if scope.allows(r["village_code"])]

    def _contains(self, tx, needle: str, id_like: bool, area: str, area_params: list, limit: int) -> list[str]:
        """Households whose names or addresses (ID numbers if *id_like*) contain *needle*, by household id."""
        if not id_like and len(needle) == 1:   # every character starts one gram: a range of grams
            return [r["household_id"] for r in tx.q(
                f"SELECT DISTINCT household_id FROM console_search_gram WHERE gram >= %s AND gram < %s AND {area} "
                "ORDER BY household_id LIMIT %s", [needle, chr(ord(needle) + 1), *area_params, limit])]
        wanted = search_index.query_grams(needle, id_like)
        if not id_like and len(needle) <= 3:   # one 2- or 3-gram, a piece of one name or address: no check needed
            return [r["household_id"] for r in tx.q(
                f"SELECT household_id FROM console_search_gram WHERE gram = %s AND {area} ORDER BY household_id LIMIT %s",
                [wanted[0], *area_params, limit])]
        kinds = "kind = 'id'" if id_like else "kind IN ('name', 'address')"
        found = "strpos(term, %s) > 0" if self.storage.backend == "postgres" else "instr(term, %s) > 0"
        ranked = self._rarest_grams(tx, wanted, area, area_params)
        # the households of the rarest gram (few: at most RARE_GRAM), else those the two rarest have in common
        starts = [ranked[0][0]] if ranked[0][1] <= RARE_GRAM or len(ranked) == 1 else [ranked[0][0], ranked[1][0]]
        one = f"SELECT household_id FROM console_search_gram WHERE gram = %s AND {area}"
        candidates = sorted({r["household_id"] for r in tx.q(" INTERSECT ".join([one] * len(starts)),
                                                             [p for g in starts for p in (g, *area_params)])})
        # then the text checked in those households' terms, read by household id: no ORDER BY … LIMIT over the
        # whole terms table for the planner to walk in household order (1 s at 200,000 households)
        out: list[str] = []
        for start in range(0, len(candidates), 1000):
            cond, params = self.storage._in("household_id", candidates[start:start + 1000])
            out += sorted({r["household_id"] for r in tx.q(
                f"SELECT household_id FROM console_search WHERE {kinds} AND {found} AND {cond}", [needle, *params])})
            if len(out) >= limit:
                break
        return out[:limit]

    @staticmethod
    def _rarest_grams(tx, wanted: list[str], area: str, area_params: list) -> list[tuple[str, int]]:
        """The grams of *wanted* with the households in the area that have each, fewest first.

        From the kept counts per gram and township (``console_search_gram_counts``, migration 0015): one small
        read instead of counting index ranges. The counts only choose where to start: the households are then
        read from the grams themselves and checked on their terms, so the answer is that of intersecting every
        gram (tests/console/test_search_index.py compares it with a plain scan)."""
        marks = ", ".join(["%s"] * len(wanted))
        held = {r["gram"]: int(r["n"]) for r in tx.q(
            f"SELECT gram, SUM(n) AS n FROM console_search_gram_counts WHERE gram IN ({marks}) AND {area} GROUP BY gram",
            [*wanted, *area_params])}
        return sorted(((g, held.get(g, 0)) for g in wanted), key=lambda gn: (gn[1], gn[0]))

    def refresh_search(self) -> int:
        """Bring the search index up to date with the change log; returns how many households were re-indexed."""
        return search_index.refresh(self.storage)

    def household(self, household_id: str) -> tuple[dict | None, list[dict]]:
        """The household record and its visit records (any area: callers check the area)."""
        with self._tx(write=False) as tx:
            rows = tx.q("SELECT entity, entity_id, household_id, village_code, revision, fields FROM records "
                        "WHERE household_id = %s", (household_id,))
        for row in rows:
            row["fields"] = json.loads(row["fields"])
        house = next((r for r in rows if r["entity"] == "household"), None)
        visits = sorted((r for r in rows if r["entity"] == "visit"),
                        key=lambda r: str((r["fields"].get("answers") or {}).get("visit_date") or ""), reverse=True)
        return house, visits

    def village_households(self, village_code: str, household_ids: list[str] | None = None) -> list[dict]:
        """One village's households for its coverage list: head, address and open needs (referred or pending).

        With *household_ids* (the village's, from its coverage facts) the records are read by household id
        (``records_household``) instead of through the township's rows."""
        with self._tx(write=False) as tx:
            if household_ids is None:
                rows = tx.q("SELECT household_id, fields FROM records WHERE entity = 'household' AND township_code = %s "
                            "AND village_code = %s", (village_code[:9], village_code))   # records_township
            else:
                rows = []
                for start in range(0, len(household_ids), 1000):
                    cond, params = self.storage._in("household_id", household_ids[start:start + 1000])
                    rows += tx.q(f"SELECT household_id, fields FROM records WHERE entity = 'household' AND {cond} "
                                 "AND village_code = %s", [*params, village_code])
        out = []
        for row in rows:
            f = json.loads(row["fields"])
            members = [m for m in f.get("members") or [] if isinstance(m, dict)]
            head = next((m for m in members if m.get("relation") == "head"), members[0] if members else {})
            needs = [n for n in f.get("needs") or [] if isinstance(n, dict)]
            out.append({"household_id": row["household_id"], "head": str(head.get("name") or ""),
                        "address": str(f.get("address") or ""),
                        "open_needs": sum(1 for n in needs if n.get("disposition") in ("referred", "pending"))})
        return out

    def household_changes(self, household_id: str, limit: int = 200) -> list[dict]:
        """The household's accepted changes, newest first: who changed which fields when."""
        with self._tx(write=False) as tx:
            rows = tx.q("SELECT seq, entity, entity_id, fields, device_id, author, at, status FROM changes "
                        "WHERE household_id = %s ORDER BY seq DESC LIMIT %s", (household_id, int(limit)))
        return [dict(r, fields=sorted(json.loads(r["fields"]))) for r in rows]

    def visits(self, scope: Scope) -> list[dict]:
        """Every visit record in *scope* as an interchange visit (for the ledger)."""
        cond, params = self.storage._scope_condition(scope)
        with self._tx(write=False) as tx:
            rows = tx.q(f"SELECT entity_id, household_id, revision, fields FROM records WHERE entity = 'visit' AND {cond} "
                        "ORDER BY entity_id", params)
        return [_interchange_visit(row) for row in rows]

    def placed_visits(self, scope: Scope, batch: int = 2000) -> Iterator[tuple[str, dict]]:
        """``(village code, visit)`` of every visit record in *scope*, in (village code, visit id) order, as
        :meth:`visits` makes them: read *batch* records at a time by keyset paging (index records_entity_village,
        schema 18), each batch in its own short read, so a county's visits are never all in memory."""
        cond, params = self.storage._scope_condition(scope)
        area = scope.township_code if scope.role in ("admin", "office") else ""
        # the index range of the area's village codes (digits: the next code after the prefix bounds it)
        end = area[:-1] + chr(ord(area[-1]) + 1) if area else "\uffff"
        last = (area, "")
        while True:
            with self._tx(write=False) as tx:
                rows = tx.q(f"SELECT entity_id, household_id, village_code, fields FROM records WHERE entity = 'visit' "
                            f"AND (village_code, entity_id) > (%s, %s) AND village_code < %s AND {cond} "
                            "ORDER BY village_code, entity_id LIMIT %s", [*last, end, *params, int(batch)])
            for row in rows:
                yield row["village_code"], _interchange_visit(row)
            if len(rows) < batch:
                return
            last = (rows[-1]["village_code"], rows[-1]["entity_id"])

    def visited_by_village(self, area: str) -> dict[str, tuple[int, int]]:
        """Per village under *area*: (households on the server, households with a final visit)."""
        with self._tx(write=False) as tx:
            known = tx.q("SELECT village_code, COUNT(*) AS n FROM records WHERE entity = 'household' AND village_code LIKE %s "
                         "GROUP BY village_code", (area + "%",))
            visits = tx.q("SELECT household_id, village_code, fields FROM records WHERE entity = 'visit' AND village_code LIKE %s",
                          (area + "%",))
        visited: dict[str, set] = {}
        for v in visits:
            if json.loads(v["fields"]).get("status") == "final":
                visited.setdefault(v["village_code"], set()).add(v["household_id"])
        return {r["village_code"]: (int(r["n"]), len(visited.get(r["village_code"], ()))) for r in known}

    def latest_document(self, kind: str) -> dict | None:
        """The newest published document of *kind* with its content, or None."""
        with self._tx(write=False) as tx:
            row = tx.one("SELECT seq, kind, name, version, content, published_at FROM documents WHERE kind = %s "
                         "ORDER BY seq DESC LIMIT 1", (kind,))
        return dict(row, content=json.loads(row["content"])) if row else None

    def document_version(self, kind: str, name: str, version: int) -> dict | None:
        """One published version of a document with its content (old versions stay), or None."""
        with self._tx(write=False) as tx:
            row = tx.one("SELECT seq, kind, name, version, content, published_at FROM documents WHERE kind = %s AND name = %s "
                         "AND version = %s", (kind, name, int(version)))
        return dict(row, content=json.loads(row["content"])) if row else None

    def last_contacts(self) -> dict[str, str]:
        """Each device's last sync: its last authenticated request (kept at every sync, even one that moved
        nothing: ``auth.note_contact``), or its newest read or pushed change if that is later."""
        with self._tx(write=False) as tx:
            seen = tx.q("SELECT device_id, last_seen_at AS at FROM devices WHERE last_seen_at IS NOT NULL")
            rows = tx.q("SELECT device_id, MAX(at) AS at FROM device_reads GROUP BY device_id")
            pushed = tx.q("SELECT device_id, MAX(received_at) AS at FROM changes GROUP BY device_id")
        last: dict[str, str] = {}
        for row in seen + rows + pushed:
            if row["at"] and row["at"] > last.get(row["device_id"], ""):
                last[row["device_id"]] = row["at"]
        return last


def _id_fragment(text: str) -> bool:
    """Four digits or more (an X only last): searched in ID numbers."""
    t = text.strip()
    return len(t) >= search_index.ID_GRAM and t[:-1].isdigit() and (t[-1].isdigit() or t[-1] in "xX")


def _interchange_visit(row) -> dict:
    """A visit record as an interchange visit (``fieldapp.visit``), as the ledger reads it."""
    f = json.loads(row["fields"])
    return {"format": "fieldapp.visit", "format_version": 1, "form_id": f.get("form_id"),
            "form_version": f.get("form_version"), "household_id": row["household_id"],
            "visit_id": row["entity_id"], "status": f.get("status"), "answers": f.get("answers") or {}}
