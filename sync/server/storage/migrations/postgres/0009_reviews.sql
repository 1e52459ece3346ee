-- fieldapp county server, schema 9 (PostgreSQL): the township office's review (审核) of final visits.
-- Append-only: every approval or return is one row (who, when, comment, per-field comments);
-- a visit's review state is its newest row (none = 待审核). review_seq orders the rows for
-- pulling, handed out under the 'review_seq' counter row so commits happen in order.
CREATE TABLE review_events (
    review_seq BIGINT PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, visit_id TEXT NOT NULL,
    household_id TEXT NOT NULL, village_code TEXT NOT NULL, township_code TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approved', 'returned')), comment TEXT NOT NULL,
    field_comments TEXT NOT NULL, reviewer TEXT NOT NULL, reviewer_role TEXT NOT NULL,
    reviewer_name TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX review_events_visit ON review_events (visit_id, review_seq);
CREATE INDEX review_events_township ON review_events (township_code, review_seq);
INSERT INTO counters (name, value) VALUES ('review_seq', 0);
