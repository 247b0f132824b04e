-- 0022: equality monitoring's 12 months read a few rows a month, not a few rows a day
-- (ahtui.store.summaries).
--
-- Equality monitoring sums the last 12 months by site and ethnicity; from the daily totals
-- that is every day's row of every site and ethnicity (42,000 rows on a hub of 60 sites,
-- growing with the sites). These tables hold the same totals by month, so the query reads
-- the whole months from them and only the current month, which ends today, from the daily
-- tables. Derived and local like the other summaries. The summaries are no longer marked as
-- kept, so the next `summaries.keep` (`ahtui serve` starting) rebuilds every summary and
-- fills these.

-- Live actions by month, the person's site and ethnicity: all, completed by the due date.
CREATE TABLE summary_action_months (
    month TEXT NOT NULL,
    site_id TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    n_all INTEGER NOT NULL,
    n_on_time INTEGER NOT NULL,
    PRIMARY KEY (month, site_id, ethnicity)
) WITHOUT ROWID;

-- The one-off timescales (not the repeating reviews) by month due ('' when undated), site
-- and ethnicity: all, held on time.
CREATE TABLE summary_item_group_months (
    month TEXT NOT NULL,
    site_id TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    n_all INTEGER NOT NULL,
    n_on_time INTEGER NOT NULL,
    PRIMARY KEY (month, site_id, ethnicity)
) WITHOUT ROWID;

DELETE FROM site_meta WHERE key = 'summaries_kept';
