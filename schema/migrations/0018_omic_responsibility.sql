-- 0018: what the rules need to work out responsibility and the handover as Manage POM Cases
-- does under OMiC (ahtui.domain.schedule.omic), and the lead they give.
--
-- The release dates NOMIS holds (parole eligibility, automatic release, tariff expiry, target
-- hearing) and the overrides (early allocation, open conditions, MAPPA level, the last parole
-- outcome, an immigration case) are the person's own columns, synced like the others.
ALTER TABLE people ADD COLUMN parole_eligibility_date TEXT;
ALTER TABLE people ADD COLUMN automatic_release_date TEXT;
ALTER TABLE people ADD COLUMN tariff_expiry_date TEXT;
ALTER TABLE people ADD COLUMN target_hearing_date TEXT;
ALTER TABLE people ADD COLUMN early_allocation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN open_conditions_since TEXT;
ALTER TABLE people ADD COLUMN mappa_level INTEGER;
ALTER TABLE people ADD COLUMN parole_outcome TEXT;
ALTER TABLE people ADD COLUMN immigration_case INTEGER NOT NULL DEFAULT 0;
-- A lead chosen by hand instead of the one the rules give, with the reason (also kept in the
-- pathway history). NULL: the lead follows the rules.
ALTER TABLE people ADD COLUMN lead_override_reason TEXT;

-- The lead the rules give today, kept with the rest of the day's due figures so the caseload
-- and "my cases" need not run the rules for everyone on every draw.
ALTER TABLE due_cache ADD COLUMN lead_role TEXT;
ALTER TABLE due_cache ADD COLUMN lead_practitioner_id TEXT;

-- Who is in the team decides which practitioner holds the lead role.
CREATE TRIGGER due_cache_team_members_insert AFTER INSERT ON team_members WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_team_members_update AFTER UPDATE ON team_members WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
