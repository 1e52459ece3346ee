-- fieldapp county server, schema 17 (sqlite): which villages' coverage counts each facts refresh changed
-- (issue 16, the county page right after a push at 200,000 households).
-- coverage_counts_version goes up by one with each refresh that changed some household's coverage facts, and
-- coverage_count_changes names the villages it changed (the old and the new village of each such household).
-- A server process that remembers every village's counts at an earlier version then re-reads only those
-- villages' rows of coverage_counts (coverage_facts.py), instead of summing all of them after every push.
-- Every statement may run again on a schema that has it (a test re-running the migrations from 16 on).
CREATE TABLE IF NOT EXISTS coverage_counts_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
INSERT INTO coverage_counts_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS coverage_count_changes (version BIGINT NOT NULL, village_code TEXT NOT NULL,
    PRIMARY KEY (version, village_code));
-- The village page's household list reads its village's facts from this index alone (a covering index).
CREATE INDEX IF NOT EXISTS coverage_facts_village_list ON coverage_facts (village_code, household_id, roster_campaign,
    roster_closed, unreachable_campaign, unreachable_reason, last_final);
-- The index above serves every look-up by village.
DROP INDEX IF EXISTS coverage_facts_village;
