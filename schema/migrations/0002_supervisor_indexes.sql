-- 0002: covering indexes for the supervisors' queries (plugins/ahtui_datasette/queries.py).
--
-- Each query reads a whole caseload; on an encrypted file every page read is decrypted, so the
-- aim is to answer from small indexes instead of wide table rows. All are partial on
-- `deleted_at IS NULL`, like the queries, so deleted rows cost nothing.

-- Which meetings were held, when: Meeting 1, handover, reviews and Final Review timescales.
CREATE INDEX meetings_held ON meetings(person_id, meeting_type, held_on, scheduled_at)
    WHERE status = 'held' AND deleted_at IS NULL;

-- Actions by due date, with completion and who is responsible: the monthly scorecard.
CREATE INDEX actions_due_cover ON actions(due_on, completed_on, responsible_practitioner_id, person_id)
    WHERE deleted_at IS NULL;

-- The same per person: equality monitoring.
CREATE INDEX actions_person_cover ON actions(person_id, due_on, completed_on)
    WHERE deleted_at IS NULL;

-- Open actions per practitioner: overdue actions.
CREATE INDEX actions_open_by_practitioner ON actions(responsible_practitioner_id, due_on, person_id)
    WHERE completed_on IS NULL AND deleted_at IS NULL;

-- Consent events in order per person and agency: consent status and re-offers. (Deliberately
-- without reoffer_on: covering the rules' own bulk read would change the order in which it
-- sees events recorded in the same millisecond.)
CREATE INDEX consents_order ON consents(person_id, agency, on_date, created_at, event)
    WHERE deleted_at IS NULL;

-- Deleted people, a short list every query leaves out.
CREATE INDEX people_deleted ON people(id) WHERE deleted_at IS NOT NULL;
