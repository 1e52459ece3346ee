-- fieldapp county server, schema 15 (postgres): counts kept so the console's county and township pages read a few
-- thousand rows, not one per household (issue 16, bench/console.py at 200,000 households).
-- Coverage counts: the coverage facts (0012) grouped per village as the coverage report groups them, for each
-- (campaign start, review cutoff) a page has asked for (coverage_count_keys); built from the facts the first time
-- and then changed by each facts refresh in the same transaction (coverage_facts.py).
CREATE TABLE coverage_count_keys (since TEXT NOT NULL, cutoff TEXT NOT NULL, built_seq BIGINT NOT NULL,
    PRIMARY KEY (since, cutoff));
CREATE TABLE coverage_counts (
    since TEXT NOT NULL, cutoff TEXT NOT NULL, village_code TEXT COLLATE "C" NOT NULL, roster_campaign TEXT NOT NULL,
    roster_closed INTEGER NOT NULL, unreachable_campaign TEXT NOT NULL, unreachable_reason TEXT NOT NULL,
    in_campaign INTEGER NOT NULL, review_state TEXT NOT NULL, old INTEGER NOT NULL, n BIGINT NOT NULL,
    PRIMARY KEY (since, cutoff, village_code, roster_campaign, roster_closed, unreachable_campaign, unreachable_reason,
                 in_campaign, review_state, old));
-- Gram counts: households per search gram and township (search_index.py keeps them with the grams), so an
-- address search starts from its rarest gram without counting index ranges.
CREATE TABLE console_search_gram_counts (gram TEXT COLLATE "C" NOT NULL, township_code TEXT NOT NULL, n BIGINT NOT NULL,
    PRIMARY KEY (gram, township_code));
INSERT INTO console_search_gram_counts (gram, township_code, n)
    SELECT gram, township_code, COUNT(*) FROM console_search_gram GROUP BY gram, township_code;
