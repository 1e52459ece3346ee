-- fieldapp county server, schema 12 (SQLite): the console's household search by any part of a name or an
-- address (1 or 2 characters too) or 4+ digits of an ID number, through a table of n-grams (search_index.py):
-- one row per household and gram; 2-character grams of names and addresses (an end mark appended), 4-character
-- grams of ID numbers. A 1-character query is the range of grams starting with it (BINARY: code-point order).
-- The data step (search_index.rebuild) indexes every household already on the server.
CREATE TABLE console_search_gram (household_id TEXT NOT NULL, township_code TEXT NOT NULL, gram TEXT NOT NULL);
CREATE INDEX console_search_gram_gram ON console_search_gram (gram, township_code, household_id);
CREATE INDEX console_search_gram_household ON console_search_gram (household_id);
