-- fieldapp county server, schema 1 (PostgreSQL). JSON columns are TEXT (the server parses them; no SQL reads inside).
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('seq', 0);
CREATE TABLE server_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL, signing_public TEXT NOT NULL,
    sealing_public TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE areas (
    code TEXT PRIMARY KEY, level TEXT NOT NULL CHECK (level IN ('county', 'township', 'village')),
    name TEXT NOT NULL, parent_code TEXT REFERENCES areas (code), area_type TEXT, created_at TEXT NOT NULL);
CREATE TABLE enrollment_codes (
    code_hash TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('visitor', 'office')), township_code TEXT NOT NULL,
    villages TEXT NOT NULL, expires_at TEXT NOT NULL, created_at TEXT NOT NULL, used_at TEXT, used_by TEXT);
CREATE TABLE devices (
    device_id TEXT PRIMARY KEY, label TEXT NOT NULL, role TEXT NOT NULL, township_code TEXT NOT NULL,
    villages TEXT NOT NULL, signing_key TEXT NOT NULL, sealing_key TEXT NOT NULL, enrolled_at TEXT NOT NULL,
    revoked_at TEXT, last_seen_at TEXT);
CREATE TABLE nonces (device_id TEXT NOT NULL, nonce TEXT NOT NULL, ts BIGINT NOT NULL, PRIMARY KEY (device_id, nonce));
CREATE INDEX nonces_ts ON nonces (ts);
CREATE TABLE records (
    entity TEXT NOT NULL, entity_id TEXT NOT NULL, household_id TEXT NOT NULL, village_code TEXT NOT NULL,
    township_code TEXT NOT NULL, revision BIGINT NOT NULL, fields TEXT NOT NULL, field_revs TEXT NOT NULL,
    updated_seq BIGINT NOT NULL, PRIMARY KEY (entity, entity_id));
CREATE INDEX records_entity_id ON records (entity_id);
CREATE INDEX records_township ON records (township_code);
CREATE TABLE changes (
    seq BIGINT PRIMARY KEY, change_id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, entity_id TEXT NOT NULL,
    household_id TEXT NOT NULL, village_code TEXT NOT NULL, township_code TEXT NOT NULL, revision BIGINT NOT NULL,
    fields TEXT NOT NULL, device_id TEXT NOT NULL, author TEXT NOT NULL, at TEXT NOT NULL, received_at TEXT NOT NULL,
    status TEXT NOT NULL);
CREATE INDEX changes_township_seq ON changes (township_code, seq);
CREATE INDEX changes_village_seq ON changes (village_code, seq);
CREATE TABLE conflicts (
    conflict_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, entity TEXT NOT NULL,
    entity_id TEXT NOT NULL, household_id TEXT NOT NULL, village_code TEXT NOT NULL, township_code TEXT NOT NULL,
    base_revision BIGINT NOT NULL, change_id TEXT NOT NULL, device_id TEXT NOT NULL, fields TEXT NOT NULL,
    concurrent TEXT NOT NULL, created_at TEXT NOT NULL, resolved_by TEXT, resolved_at TEXT, resolution TEXT);
CREATE INDEX conflicts_seq ON conflicts (seq);
CREATE TABLE documents (
    seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, content TEXT NOT NULL,
    published_at TEXT NOT NULL, UNIQUE (kind, name, version));
CREATE TABLE bundles (bundle_id TEXT PRIMARY KEY, device_id TEXT NOT NULL, imported_at TEXT NOT NULL, receipt TEXT NOT NULL);
