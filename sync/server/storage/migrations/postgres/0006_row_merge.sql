-- fieldapp county server, schema 6: row-level merge. The data step (sync/server/storage/upgrade.py, same
-- transaction) gives every repeat row its id and row entry and drops calculated answers from records and
-- the change log, creating no change and no conflict. The index finds who made a record's revision N.
CREATE INDEX changes_entity_revision ON changes (entity_id, revision);
