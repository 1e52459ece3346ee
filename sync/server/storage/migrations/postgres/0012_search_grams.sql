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
