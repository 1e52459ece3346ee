"""The household search index of the console: terms and their n-grams, kept from the change log.

Two tables (migrations 0010 and 0012), the same on SQLite and PostgreSQL:

- ``console_search (household_id, township_code, kind, term)``: each member's name and ID number and
  the household's address (``kind`` = ``name`` / ``id`` / ``address``), for exact look-ups and to check
  a candidate;
- ``console_search_gram (household_id, township_code, gram)``: one row per household and distinct gram:
  every 2-character piece of each name and address with an end mark appended (so every character
  of a term starts one gram: a 1-character query is a range of grams, a 2-character query one gram),
  every 3-character piece of each name and address behind a trigram mark (migration 0016: a query of
  3 characters or more looks up these; the 2-character pieces of house numbers such as ``12`` are each
  in thousands of addresses of a county, their 3-character pieces in few), and every 4-character
  piece of each ID number behind an ID mark.

Why not pg_trgm: a LIKE pattern of one or two characters gives pg_trgm no trigram to look up, so a
2-character name search scans the whole index (docs/console.md, "Search").

Every write to a household (push and merge, roster import, conflict resolution) appends to
``changes``; :func:`refresh` re-indexes the households changed since the last seq it saw, in one
transaction, so no write path has to remember the index. Migration 0012 builds it for every
household already on the server (:func:`rebuild`).
"""

from __future__ import annotations

import json

from sync.server.storage.batches import household_id_batches

END = "\x1f"     # appended to names and addresses: never typed (a query is stripped of it)
ID_MARK = "\x1e"  # in front of an ID number's 4-grams, so they never meet a name's or address's grams
TRI_MARK = "\x1d"  # in front of a name's or address's 3-grams: outside the range of grams a 1-character query reads
ID_GRAM = 4
BATCH = 1000

TERM_COLUMNS = ("household_id", "township_code", "kind", "term")
GRAM_COLUMNS = ("household_id", "township_code", "gram")


def terms(fields: dict) -> set[tuple[str, str]]:
    """What a household is found by: each member's name and ID number, and its address."""
    found = set()
    if fields.get("address"):
        found.add(("address", str(fields["address"])[:300]))
    for member in fields.get("members") or []:
        if isinstance(member, dict):
            if member.get("name"):
                found.add(("name", str(member["name"]).strip()[:100]))
            if member.get("id_number"):
                found.add(("id", str(member["id_number"]).strip().upper()[:40]))
    return found


def text_grams(text: str) -> set[str]:
    """The 2-character grams of a name or address, the last one closed by the end mark, and its 3-grams (marked)."""
    padded = text + END
    return {padded[i:i + 2] for i in range(len(text))} | trigrams(text)


def trigrams(text: str) -> set[str]:
    """The 3-character grams of a name or address (marked)."""
    return {TRI_MARK + text[i:i + 3] for i in range(len(text) - 2)}


def id_grams(id_number: str) -> set[str]:
    """The 4-character grams of an ID number (marked)."""
    return {ID_MARK + id_number[i:i + ID_GRAM] for i in range(len(id_number) - ID_GRAM + 1)}


def grams(found: set[tuple[str, str]]) -> set[str]:
    """Every gram of a household's terms."""
    out: set[str] = set()
    for kind, term in found:
        out |= id_grams(term) if kind == "id" else text_grams(term)
    return out


def query_grams(needle: str, id_like: bool) -> list[str]:
    """The grams a household must all have to contain *needle* (2 characters or more): its ID 4-grams, its
    3-grams if it has 3 characters or more, else the one 2-gram."""
    if id_like:
        return sorted(id_grams(needle))
    if len(needle) >= 3:
        return sorted(trigrams(needle))
    return sorted({needle[i:i + 2] for i in range(len(needle) - 1)})


def reindex(tx, household_ids: list[str], counts: bool = True) -> None:
    """Replace the terms and grams of these households by those of their current records.

    With *counts* (from schema 15 on) the households per gram and township (``console_search_gram_counts``)
    change by the difference."""
    for start in range(0, len(household_ids), BATCH):
        chunk = household_ids[start:start + BATCH]
        placeholders = ", ".join(["%s"] * len(chunk))
        cond = f"household_id IN ({placeholders})"
        delta: dict[tuple[str, str], int] = {}
        if counts:
            for r in tx.q(f"SELECT gram, township_code, COUNT(*) AS n FROM console_search_gram WHERE {cond} "
                          "GROUP BY gram, township_code", chunk):
                delta[(r["gram"], r["township_code"])] = -int(r["n"])
        tx.exec(f"DELETE FROM console_search WHERE {cond}", chunk)
        tx.exec(f"DELETE FROM console_search_gram WHERE {cond}", chunk)
        rows = tx.q(f"SELECT household_id, township_code, fields FROM records WHERE entity = 'household' AND {cond}", chunk)
        term_rows, gram_rows = [], []
        for r in rows:
            found = terms(json.loads(r["fields"]))
            term_rows += [(r["household_id"], r["township_code"], kind, term) for kind, term in found]
            gram_rows += [(r["household_id"], r["township_code"], g) for g in grams(found)]
        tx.insert_rows("console_search", TERM_COLUMNS, term_rows)
        tx.insert_rows("console_search_gram", GRAM_COLUMNS, gram_rows)
        if counts:
            for _, township, gram in gram_rows:
                delta[(gram, township)] = delta.get((gram, township), 0) + 1
            _change_counts(tx, [(g, t, n) for (g, t), n in delta.items() if n])


def _change_counts(tx, rows: list[tuple[str, str, int]]) -> None:
    if rows:
        tx.many("INSERT INTO console_search_gram_counts (gram, township_code, n) VALUES (%s, %s, %s) "
                "ON CONFLICT (gram, township_code) DO UPDATE SET n = console_search_gram_counts.n + excluded.n", rows)
        if any(n < 0 for _, _, n in rows):
            tx.exec("DELETE FROM console_search_gram_counts WHERE n <= 0")


def refresh(storage) -> int:
    """Bring the index up to date with the change log; returns how many households were re-indexed."""
    with storage._tx(write=False) as tx:
        done = int(tx.one("SELECT seq FROM console_search_state WHERE id = 1")["seq"])
        top = int(tx.one("SELECT value FROM counters WHERE name = 'seq'")["value"])
    if done >= top:
        return 0
    with storage._tx() as tx:
        done = int(tx.one("SELECT seq FROM console_search_state WHERE id = 1" + storage.lock_suffix)["seq"])
        top = int(tx.one("SELECT value FROM counters WHERE name = 'seq'")["value"])   # every seq up to it is committed
        changed = [r["household_id"] for r in tx.q(
            "SELECT DISTINCT household_id FROM changes WHERE seq > %s AND seq <= %s AND entity = 'household'", (done, top))]
        reindex(tx, changed)
        tx.exec("UPDATE console_search_state SET seq = %s WHERE id = 1 AND seq < %s", (top, top))
    return len(changed)


def add_trigrams(tx) -> None:
    """Migration 0016's data step: the 3-grams of every indexed name and address, and their counts.

    Read from the indexed terms (``console_search``), so the index stays at the change-log seq it had read;
    a household changed since is re-indexed whole by the next :func:`refresh`. A server upgraded from before
    schema 12 already has them (0012's :func:`rebuild` indexes with the current grams): they are made again."""
    marked = (TRI_MARK, chr(ord(TRI_MARK) + 1))
    tx.exec("DELETE FROM console_search_gram WHERE gram >= %s AND gram < %s", marked)
    tx.exec("DELETE FROM console_search_gram_counts WHERE gram >= %s AND gram < %s", marked)
    last = ""
    while True:
        ids = [r["household_id"] for r in tx.q(
            "SELECT DISTINCT household_id FROM console_search WHERE household_id > %s ORDER BY household_id LIMIT %s",
            (last, BATCH))]
        if not ids:
            break
        last = ids[-1]
        placeholders = ", ".join(["%s"] * len(ids))
        rows: set[tuple[str, str, str]] = set()
        for r in tx.q(f"SELECT household_id, township_code, term FROM console_search WHERE kind IN ('name', 'address') "
                      f"AND household_id IN ({placeholders})", ids):
            rows |= {(r["household_id"], r["township_code"], g) for g in trigrams(r["term"])}
        tx.insert_rows("console_search_gram", GRAM_COLUMNS, sorted(rows))
    tx.exec("INSERT INTO console_search_gram_counts (gram, township_code, n) SELECT gram, township_code, COUNT(*) "
            "FROM console_search_gram WHERE gram >= %s AND gram < %s GROUP BY gram, township_code", marked)


def rebuild(tx) -> None:
    """Migration 0012's data step: index every household on the server and mark the log as read."""
    tx.exec("DELETE FROM console_search")
    tx.exec("DELETE FROM console_search_gram")
    for ids in household_id_batches(tx, BATCH):
        reindex(tx, ids, counts=False)   # migration 0012: migration 0015 counts the grams
    top = tx.one("SELECT value FROM counters WHERE name = 'seq'")
    tx.exec("UPDATE console_search_state SET seq = %s WHERE id = 1", (int(top["value"]) if top else 0,))
