-- fieldapp county server, schema 14 (postgres): changes a laptop set aside because the server refused them
-- (issue 19). Each laptop reports its whole current list at sync or in a USB bundle; the report replaces the
-- previous one, so a change that was fixed and resent disappears. Metadata only: no answer values.
CREATE TABLE set_aside_reports (
    device_id TEXT NOT NULL, change_id TEXT NOT NULL, entity TEXT NOT NULL, household_id TEXT NOT NULL,
    visit_id TEXT, village_code TEXT, township_code TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL,
    set_aside_at TEXT NOT NULL, reported_at TEXT NOT NULL, PRIMARY KEY (device_id, change_id));
CREATE INDEX set_aside_reports_township ON set_aside_reports (township_code);
