-- fieldapp county server, schema 13 (PostgreSQL): state the console and the sync API kept in one process's
-- memory, now in the database so it survives a restart and every server worker sees the same:
-- the app version each device last sent (X-Fieldapp-Version), failed console logins and unknown
-- enrollment codes (the throttles), and
-- roster files checked by a dry run and waiting for the administrator's confirmation.
ALTER TABLE devices ADD COLUMN app_version TEXT;
ALTER TABLE devices ADD COLUMN app_version_seen_at TEXT;
-- one row per failed console login (counted per account and per client address) or unknown enrollment
-- code (per client address), until it expires (epoch seconds)
CREATE TABLE console_login_failures (
    kind TEXT NOT NULL CHECK (kind IN ('account', 'address', 'enrollment')), subject TEXT NOT NULL,
    failed_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL);
CREATE INDEX console_login_failures_subject ON console_login_failures (kind, subject, expires_at);
CREATE INDEX console_login_failures_expiry ON console_login_failures (expires_at);
-- a checked roster file (its bytes) by the SHA-256 of its one-time token; removed when confirmed or expired
CREATE TABLE roster_staging (
    token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, file_name TEXT NOT NULL, suffix TEXT NOT NULL,
    content BYTEA NOT NULL, campaign TEXT, start_date TEXT, created_at TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL);
CREATE INDEX roster_staging_expiry ON roster_staging (expires_at);
