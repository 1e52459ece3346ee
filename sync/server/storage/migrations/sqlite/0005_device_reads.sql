-- fieldapp county server, schema 5 (SQLite): which device received which households' data, and when
-- (pull pages, conflict lists, USB receipts): reads are logged like changes. Ids and counts only.
CREATE TABLE device_reads (
    id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, kind TEXT NOT NULL, cursor_from BIGINT, cursor_to BIGINT,
    records INTEGER NOT NULL, households TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX device_reads_device ON device_reads (device_id, id);
