-- fieldapp county server, schema 18 (postgres): the 台账 export reads a township's or the county's visits in
-- (village code, visit id) order a batch at a time (console/store.py placed_visits, keyset paging), so the
-- ledger is written one group at a time instead of holding every visit (issue 16, 200,000 households).
-- IF NOT EXISTS: applying it again (a test that re-runs the migrations from 16 on) is harmless.
CREATE INDEX IF NOT EXISTS records_entity_village ON records (entity, village_code, entity_id);
