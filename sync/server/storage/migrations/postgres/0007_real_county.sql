-- fieldapp county server, schema 7 (PostgreSQL): a real county end to end (issue 13).
-- The label an enrollment code gives the laptop it enrolls (code-issue --label), and the member
-- ID numbers of every household, so that two households sharing one are flagged to the township
-- office (never merged silently).
ALTER TABLE enrollment_codes ADD COLUMN label TEXT NOT NULL DEFAULT '';
CREATE TABLE member_ids (
    id_number TEXT NOT NULL, household_id TEXT NOT NULL, village_code TEXT NOT NULL, township_code TEXT NOT NULL,
    updated_at TEXT NOT NULL, PRIMARY KEY (id_number, household_id));
CREATE INDEX member_ids_household ON member_ids (household_id);
CREATE INDEX member_ids_township ON member_ids (township_code);
