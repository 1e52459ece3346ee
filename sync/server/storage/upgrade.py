"""Data steps that run after a migration's SQL, in the same transaction (see ``SqlStorage.migrate``).

Schema 6: records and the change log hold only typed answers, and every repeat row has an id
(the deterministic id of :func:`forms.grain.legacy_row_id`, which laptops give the same rows in
their own migration). Nothing is written to ``changes`` as a new change and no conflict is made.
"""

from __future__ import annotations

import json

from forms.grain import shipped_grain, strip_calculated, with_row_ids
from sync.jsontext import dumps as _dumps
from sync.merge import upgrade_record

BATCH = 500




def _typed(fields: dict, entity: str, household_id: str) -> dict:
    grain = shipped_grain()
    if entity == "visit":
        answers = fields.get("answers")
        if isinstance(answers, dict):
            return dict(fields, answers=with_row_ids(strip_calculated(answers, grain), grain, household_id))
        return fields
    return with_row_ids(strip_calculated(fields, grain), grain, household_id)


def upgrade_to_row_merge(tx) -> None:
    """Schema 6 data step: row ids and row entries in records, calculated answers out of records and changes."""
    grain = shipped_grain()
    last = ""
    while True:
        rows = tx.q("SELECT entity, entity_id, household_id, village_code, revision, fields, field_revs FROM records "
                    "WHERE entity_id > %s ORDER BY entity_id LIMIT %s", (last, BATCH))
        if not rows:
            break
        last = rows[-1]["entity_id"]
        updates = []
        for row in rows:
            record = dict(row, fields=json.loads(row["fields"]), field_revs=json.loads(row["field_revs"]))
            if record["entity"] == "household":
                upgrade_record(record, grain)
            else:
                record["fields"] = _typed(record["fields"], "visit", record["household_id"])
            if record["fields"] != json.loads(row["fields"]) or record["field_revs"] != json.loads(row["field_revs"]):
                updates.append((_dumps(record["fields"]), _dumps(record["field_revs"]), row["entity"], row["entity_id"]))
        if updates:
            tx.many("UPDATE records SET fields = %s, field_revs = %s WHERE entity = %s AND entity_id = %s", updates)
    seq = -1
    while True:
        rows = tx.q("SELECT seq, entity, household_id, fields FROM changes WHERE seq > %s ORDER BY seq LIMIT %s",
                    (seq, BATCH))
        if not rows:
            break
        seq = rows[-1]["seq"]
        updates = []
        for row in rows:
            before = json.loads(row["fields"])
            after = _typed(before, row["entity"], row["household_id"])
            if after != before:
                updates.append((_dumps(after), row["seq"]))
        if updates:
            tx.many("UPDATE changes SET fields = %s WHERE seq = %s", updates)


DATA_STEPS = {6: upgrade_to_row_merge}


def _search_grams(tx) -> None:
    from sync.server.storage import coverage_facts, search_index

    search_index.rebuild(tx)
    coverage_facts.rebuild(tx)


DATA_STEPS[12] = _search_grams   # schema 12: search grams and coverage facts of every household already stored


def _search_trigrams(tx) -> None:
    from sync.server.storage import search_index

    search_index.add_trigrams(tx)


DATA_STEPS[16] = _search_trigrams   # schema 16: the 3-grams of every name and address already indexed
