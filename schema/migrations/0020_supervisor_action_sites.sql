-- 0020: the monthly scorecard's actions by the responsible practitioner's site, kept at write
-- time (ahtui.store.summaries), so a hub holding many sites reads a few rows a day instead of
-- every action in the 12 months.
--
-- Each live person's actions, counted per responsible practitioner and due date, now carry
-- that practitioner's live site id ('' when none is known), and a table of totals sums them by
-- due date and that site. A practitioner joining, leaving or moving site now also marks the
-- people whose actions they are responsible for, so the practitioners' triggers are made
-- again: they are dropped here, and the summaries are no longer marked as kept, so the next
-- `summaries.keep` (`ahtui serve` starting) makes the triggers and rebuilds every summary.
ALTER TABLE summary_person_actions ADD COLUMN rp_site_id TEXT NOT NULL DEFAULT '';

-- Live actions summed by the responsible practitioner's site and due date.
CREATE TABLE summary_rp_action_days (
    due_on TEXT NOT NULL,
    site_id TEXT NOT NULL,
    n_all INTEGER NOT NULL,
    n_on_time INTEGER NOT NULL,
    PRIMARY KEY (due_on, site_id)
) WITHOUT ROWID;

DROP TRIGGER IF EXISTS summary_practitioners_insert;
DROP TRIGGER IF EXISTS summary_practitioners_update;
DROP TRIGGER IF EXISTS summary_practitioners_delete;
DELETE FROM site_meta WHERE key = 'summaries_kept';

-- How many sites a file's live practitioners belong to (every query asks): one look-up a site.
CREATE INDEX practitioners_site ON practitioners(site_id) WHERE deleted_at IS NULL;

-- The caseload by pathway and lead counts live people by lead, pathway and role: read from
-- this index alone, in its order, not from every person's whole row.
CREATE INDEX people_caseload ON people(lead_practitioner_id, pathway, lead_role, id)
    WHERE deleted_at IS NULL;
