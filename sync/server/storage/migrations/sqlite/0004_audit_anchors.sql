-- fieldapp county server, schema 4 (SQLite): heads of each device's hash-chained audit log, sent after
-- every sync. A laptop's log rewritten by someone holding its key no longer matches these.
CREATE TABLE audit_anchors (
    device_id TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, seq));
