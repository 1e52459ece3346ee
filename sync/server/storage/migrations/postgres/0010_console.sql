-- fieldapp county server, schema 10 (PostgreSQL): the web console's accounts, sessions and the server's audit log.
-- Passwords are Argon2id hashes (PHC text); a session cookie holds a random token of which only the
-- SHA-256 is kept here. Every console action is one server_audit row (who, what, which households).
CREATE TABLE console_users (
    name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('county_admin', 'county_viewer', 'township_reviewer')),
    township_code TEXT, password_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    disabled_at TEXT);
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL REFERENCES console_users (name), csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, ended_at TEXT);
CREATE INDEX console_sessions_user ON console_sessions (user_name);
CREATE TABLE server_audit (
    id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL,
    target TEXT NOT NULL, households TEXT NOT NULL, detail TEXT NOT NULL, client TEXT NOT NULL);
CREATE INDEX server_audit_actor ON server_audit (actor, id);
-- a household page reads its visits and its history of changes by household id
CREATE INDEX records_household ON records (household_id, entity);
CREATE INDEX changes_household ON changes (household_id, seq);
-- the household search: member names, ID numbers and addresses of each household's current record, brought
-- up to date from the change log (changes.seq) before each search, so the merge itself is not touched
CREATE TABLE console_search (household_id TEXT NOT NULL, township_code TEXT NOT NULL, kind TEXT NOT NULL, term TEXT NOT NULL);
CREATE INDEX console_search_term ON console_search (term, township_code);
CREATE INDEX console_search_household ON console_search (household_id);
CREATE TABLE console_search_state (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL);
INSERT INTO console_search_state (id, seq) VALUES (1, 0);
-- a search for part of a name or an address (3 characters or more) through a trigram index where the
-- pg_trgm extension may be created (a trusted extension since PostgreSQL 13); without it, a scan
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX console_search_trgm ON console_search USING gin (term gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
    RAISE NOTICE 'pg_trgm unavailable: partial-name search scans console_search';
END
$$;
