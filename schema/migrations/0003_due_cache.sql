-- 0003: a cache of each person's next due item, so the caseload opens fast.
--
-- Derived data, local to this site: it never syncs and is not audited (no updated_by). A row
-- holds what the rules said for one person on one day (computed_on). Writing anything the
-- rules read about a person deletes that person's row, so the next caseload recomputes it;
-- rows from an earlier day are recomputed too, because statuses move with the date.

CREATE TABLE due_cache (
    person_id TEXT PRIMARY KEY NOT NULL,
    computed_on TEXT NOT NULL,
    next_due_title TEXT,
    next_due_on TEXT,
    next_due_status TEXT,
    overdue_count INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER due_cache_people_insert AFTER INSERT ON people
BEGIN DELETE FROM due_cache WHERE person_id = NEW.id; END;
CREATE TRIGGER due_cache_people_update AFTER UPDATE ON people
BEGIN DELETE FROM due_cache WHERE person_id = NEW.id; END;

CREATE TRIGGER due_cache_pathway_history_insert AFTER INSERT ON pathway_history
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_pathway_history_update AFTER UPDATE ON pathway_history
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

CREATE TRIGGER due_cache_identifications_insert AFTER INSERT ON identifications
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_identifications_update AFTER UPDATE ON identifications
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

CREATE TRIGGER due_cache_consents_insert AFTER INSERT ON consents
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_consents_update AFTER UPDATE ON consents
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

CREATE TRIGGER due_cache_meetings_insert AFTER INSERT ON meetings
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_meetings_update AFTER UPDATE ON meetings
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

CREATE TRIGGER due_cache_actions_insert AFTER INSERT ON actions
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_actions_update AFTER UPDATE ON actions
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

CREATE TRIGGER due_cache_case_notes_insert AFTER INSERT ON case_notes
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_case_notes_update AFTER UPDATE ON case_notes
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

CREATE TRIGGER due_cache_milestones_insert AFTER INSERT ON milestones
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_milestones_update AFTER UPDATE ON milestones
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

CREATE TRIGGER due_cache_support_networks_insert AFTER INSERT ON support_networks
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
CREATE TRIGGER due_cache_support_networks_update AFTER UPDATE ON support_networks
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
