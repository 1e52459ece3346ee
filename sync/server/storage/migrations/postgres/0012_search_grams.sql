-- fieldapp county server, schema 12 (PostgreSQL): the console's household search by any part of a name or an
-- address (1 or 2 characters too) or 4+ digits of an ID number, through a table of n-grams (search_index.py):
-- one row per household and gram; 2-character grams of names and addresses (an end mark appended), 4-character
-- grams of ID numbers. COLLATE "C": a 1-character query is the range of grams starting with it, in code-point order.
-- The data step (search_index.rebuild) indexes every household already on the server.
CREATE TABLE console_search_gram (household_id TEXT NOT NULL, township_code TEXT NOT NULL, gram TEXT COLLATE "C" NOT NULL);
CREATE INDEX console_search_gram_gram ON console_search_gram (gram, township_code, household_id);
CREATE INDEX console_search_gram_household ON console_search_gram (household_id);
-- pg_trgm finds no trigram in a LIKE pattern of 1 or 2 characters; the grams replace it (and it slowed every write)
DROP INDEX IF EXISTS console_search_trgm;
-- the review queue reads visits oldest first (updated_seq) until it has a page, not every visit of the county
CREATE INDEX records_entity_seq ON records (entity, updated_seq);
-- coverage facts: one short row per household, what the coverage rule needs (coverage_facts.py), kept from the
-- change log and the review events; the data step builds them for every household already stored
CREATE TABLE coverage_facts (
    household_id TEXT PRIMARY KEY, village_code TEXT COLLATE "C" NOT NULL, township_code TEXT NOT NULL,
    roster_campaign TEXT NOT NULL, roster_closed INTEGER NOT NULL, unreachable_campaign TEXT NOT NULL,
    unreachable_reason TEXT NOT NULL, last_final TEXT NOT NULL, review_state TEXT NOT NULL, review_date TEXT NOT NULL);
CREATE INDEX coverage_facts_village ON coverage_facts (village_code);
CREATE TABLE coverage_facts_state (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, review_seq BIGINT NOT NULL);
INSERT INTO coverage_facts_state (id, seq, review_seq) VALUES (1, 0, 0);
