-- fieldapp county server, schema 8 (PostgreSQL): the target roster (花名册) per campaign. The households
-- themselves are ordinary household records (written through the change log, so laptops pull them);
-- these tables remember which roster row became which household, and what the roster last said.
CREATE TABLE roster_campaigns (name TEXT PRIMARY KEY, start_date TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE roster_households (
    campaign TEXT NOT NULL, household_key TEXT NOT NULL, household_id TEXT NOT NULL, village_code TEXT NOT NULL,
    township_code TEXT NOT NULL, fields TEXT NOT NULL, revision BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')), imported_at TEXT NOT NULL, closed_at TEXT,
    PRIMARY KEY (campaign, household_key));
CREATE INDEX roster_households_household ON roster_households (household_id);
CREATE INDEX roster_households_township ON roster_households (campaign, township_code);
CREATE TABLE roster_imports (
    id BIGSERIAL PRIMARY KEY, campaign TEXT NOT NULL, file_name TEXT NOT NULL, file_sha256 TEXT NOT NULL,
    summary TEXT NOT NULL, imported_at TEXT NOT NULL);
