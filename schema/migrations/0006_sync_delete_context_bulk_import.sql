-- 0006: sync keeps what an edit-versus-delete check needs, and imports skip per-row chores.
--
-- sync_conflicts.lost_ctx: the causal context (version vector, JSON) of a lost value, so a
-- value that lost to another edit can still be recognised later as an edit the delete of its
-- record never saw (a 'delete' conflict). NULL on conflicts recorded before: read as '{}'.
--
-- The due-cache triggers of 0003 now fire only for local writes (`sync_local()`, registered on
-- every site connection by ahtui.sync.clock, is 0 while a bundle is applied): the importer
-- clears the cache of every person a bundle touched in one statement instead of once a row.
ALTER TABLE sync_conflicts ADD COLUMN lost_ctx TEXT;

DROP TRIGGER IF EXISTS due_cache_people_insert;
CREATE TRIGGER due_cache_people_insert AFTER INSERT ON people WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.id; END;

DROP TRIGGER IF EXISTS due_cache_people_update;
CREATE TRIGGER due_cache_people_update AFTER UPDATE ON people WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.id; END;

DROP TRIGGER IF EXISTS due_cache_pathway_history_insert;
CREATE TRIGGER due_cache_pathway_history_insert AFTER INSERT ON pathway_history WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_pathway_history_update;
CREATE TRIGGER due_cache_pathway_history_update AFTER UPDATE ON pathway_history WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_identifications_insert;
CREATE TRIGGER due_cache_identifications_insert AFTER INSERT ON identifications WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_identifications_update;
CREATE TRIGGER due_cache_identifications_update AFTER UPDATE ON identifications WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_consents_insert;
CREATE TRIGGER due_cache_consents_insert AFTER INSERT ON consents WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_consents_update;
CREATE TRIGGER due_cache_consents_update AFTER UPDATE ON consents WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_meetings_insert;
CREATE TRIGGER due_cache_meetings_insert AFTER INSERT ON meetings WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_meetings_update;
CREATE TRIGGER due_cache_meetings_update AFTER UPDATE ON meetings WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_actions_insert;
CREATE TRIGGER due_cache_actions_insert AFTER INSERT ON actions WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_actions_update;
CREATE TRIGGER due_cache_actions_update AFTER UPDATE ON actions WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_case_notes_insert;
CREATE TRIGGER due_cache_case_notes_insert AFTER INSERT ON case_notes WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_case_notes_update;
CREATE TRIGGER due_cache_case_notes_update AFTER UPDATE ON case_notes WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_milestones_insert;
CREATE TRIGGER due_cache_milestones_insert AFTER INSERT ON milestones WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_milestones_update;
CREATE TRIGGER due_cache_milestones_update AFTER UPDATE ON milestones WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_support_networks_insert;
CREATE TRIGGER due_cache_support_networks_insert AFTER INSERT ON support_networks WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;

DROP TRIGGER IF EXISTS due_cache_support_networks_update;
CREATE TRIGGER due_cache_support_networks_update AFTER UPDATE ON support_networks WHEN sync_local()
BEGIN DELETE FROM due_cache WHERE person_id = NEW.person_id; END;
