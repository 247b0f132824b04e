-- 0015: summaries for the supervisors' queries, kept at write time (ahtui.store.summaries).
--
-- Derived data, local to this site: no updated_by column, so these tables are neither audited
-- nor captured for sync, and never exported. They hold only what does not depend on today;
-- the queries compare it with today. Writing anything a summary reads marks the person stale
-- (light triggers, idle while a sync bundle is applied: the importer marks its people in one
-- statement), and `summaries.refresh` recomputes the stale people before every commit.
--
-- Only a site that is served keeps them: `ahtui serve` calls `summaries.keep` on each file it
-- serves, which records that in site_meta ('summaries_kept'), creates the triggers (their SQL
-- is in ahtui.store.summaries) and builds every summary. A practitioners' site that is never
-- served pays nothing for them, on a write or on a sync import.
-- A person's "site" is their lead practitioner's live site id ('' when none is known); the
-- query maps it to the site's name, so renaming a site needs no refresh. Per-person tables are
-- recomputed for stale people; the tables of totals are kept from them (summaries.TOTALS).

CREATE TABLE summary_stale (person_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;

-- Each live person: their site and ethnicity as the queries group them.
CREATE TABLE summary_people (
    person_id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL,
    ethnicity TEXT NOT NULL
) WITHOUT ROWID;

-- Each meeting timescale a live person is owed: the due date and when it was held.
CREATE TABLE summary_items (
    person_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    due_on TEXT,
    done_on TEXT,
    site_id TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    PRIMARY KEY (person_id, rule)
) WITHOUT ROWID;

-- Each live person's latest consent step per agency, and the re-offer owed after their latest
-- refusal (NULL when consent has been offered or given since, or never refused).
CREATE TABLE summary_consents (
    person_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    event TEXT NOT NULL,
    declined_on TEXT,
    reoffer_due_on TEXT,
    site_id TEXT NOT NULL,
    PRIMARY KEY (person_id, agency)
) WITHOUT ROWID;

-- A live person's live actions counted per responsible practitioner ('' when none) and due
-- date: all, completed by the due date, and still open.
CREATE TABLE summary_person_actions (
    person_id TEXT NOT NULL,
    rp TEXT NOT NULL,
    due_on TEXT NOT NULL,
    n_all INTEGER NOT NULL,
    n_on_time INTEGER NOT NULL,
    n_open INTEGER NOT NULL,
    PRIMARY KEY (person_id, rp, due_on)
) WITHOUT ROWID;

-- Open actions per responsible practitioner and due date, and how many people's oldest open
-- action for that practitioner falls due that day (so people overdue = the sum before today).
CREATE TABLE summary_open_days (
    rp TEXT NOT NULL,
    due_on TEXT NOT NULL,
    n_open INTEGER NOT NULL,
    n_first INTEGER NOT NULL,
    PRIMARY KEY (rp, due_on)
) WITHOUT ROWID;

-- Live actions summed by the person's site and ethnicity: a few rows per day.
CREATE TABLE summary_action_days (
    site_id TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    due_on TEXT NOT NULL,
    n_all INTEGER NOT NULL,
    n_on_time INTEGER NOT NULL,
    PRIMARY KEY (due_on, site_id, ethnicity)
) WITHOUT ROWID;

-- Meeting timescales summed by site, rule and due date ('' when undated): all, held on
-- time, held late.
CREATE TABLE summary_item_days (
    site_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    due_on TEXT NOT NULL,
    n_all INTEGER NOT NULL,
    n_on_time INTEGER NOT NULL,
    n_late INTEGER NOT NULL,
    PRIMARY KEY (site_id, rule, due_on)
) WITHOUT ROWID;

-- The one-off timescales (not the repeating reviews) by due date, site and ethnicity: all,
-- held on time.
CREATE TABLE summary_item_groups (
    due_on TEXT NOT NULL,
    site_id TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    n_all INTEGER NOT NULL,
    n_on_time INTEGER NOT NULL,
    PRIMARY KEY (due_on, site_id, ethnicity)
) WITHOUT ROWID;

-- Live people counted by site and ethnicity.
CREATE TABLE summary_people_counts (
    site_id TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (site_id, ethnicity)
) WITHOUT ROWID;

-- Latest consent steps counted by site, agency and step.
CREATE TABLE summary_consent_counts (
    site_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    event TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (site_id, agency, event)
) WITHOUT ROWID;

-- The re-offers owed: a few rows among the consents.
CREATE INDEX summary_consents_reoffer
    ON summary_consents (site_id, agency, reoffer_due_on, declined_on)
    WHERE declined_on IS NOT NULL;
