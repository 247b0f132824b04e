-- 0001: the whole site schema as DOMAIN.md describes it.
--
-- Conventions (DESIGN.md, "Storage"):
-- * Every table that will sync has a text UUID primary key, soft deletes (deleted_at) and
--   created_at / updated_at / updated_by (the users.id that last wrote the row).
-- * Dates are ISO 'YYYY-MM-DD'; moments are ISO UTC 'YYYY-MM-DDTHH:MM:SS.sssZ'; meeting and
--   appointment times are local wall-clock 'YYYY-MM-DDTHH:MM' because that is what people agree.
-- * REFERENCES document the links, but foreign keys are not enforced: rows arrive from other
--   sites in any order. `ahtui check` reports orphans instead.
-- * Audit triggers are generated in code after every migration (ahtui.store.triggers), so a
--   new table is audited without anyone remembering to write its triggers.

CREATE TABLE site_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE sites (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    agency TEXT NOT NULL CHECK (agency IN ('prison', 'probation', 'local_authority', 'ces', 'hub')),
    is_local INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);

CREATE TABLE practitioners (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    agency TEXT,
    organisation TEXT,
    email TEXT,
    phone TEXT,
    site_id TEXT REFERENCES sites(id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);

-- Accounts are local to a site; the key that opens the file is wrapped per user in the
-- keyring beside it, never stored here.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'practitioner', 'readonly')),
    practitioner_id TEXT REFERENCES practitioners(id),
    last_unlocked_at TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE UNIQUE INDEX users_username ON users(username) WHERE deleted_at IS NULL;

CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    preferred_name TEXT,
    crn TEXT,
    nomis_number TEXT,
    date_of_birth TEXT,
    care_leaver_status TEXT,
    responsible_local_authority TEXT,
    prison TEXT,
    probation_area TEXT,
    -- Current pathway and lead; the history of both is in pathway_history.
    pathway TEXT NOT NULL CHECK (pathway IN ('long', 'short', 'recall', 'remand', 'community')),
    lead_practitioner_id TEXT REFERENCES practitioners(id),
    lead_role TEXT,
    sentence_type TEXT,
    sentence_date TEXT,
    sentence_length_months INTEGER,
    remand_date TEXT,
    conditional_release_date TEXT,
    recall_date TEXT,
    recall_type TEXT,
    release_date TEXT,
    licence_end_date TEXT,
    pom_allocated_on TEXT,
    pp_allocated_on TEXT,
    pa_support_ends_on TEXT,
    -- Diversity information (National Standard 1.3), for aggregate equality monitoring only.
    ethnicity TEXT,
    gender TEXT,
    religion TEXT,
    disability TEXT,
    sexual_orientation TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX people_crn ON people(crn);
CREATE INDEX people_nomis ON people(nomis_number);
CREATE INDEX people_name ON people(family_name, given_name);
CREATE INDEX people_lead ON people(lead_practitioner_id);

CREATE TABLE pathway_history (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    pathway TEXT NOT NULL,
    lead_practitioner_id TEXT REFERENCES practitioners(id),
    lead_role TEXT,
    from_date TEXT NOT NULL,
    to_date TEXT,
    reason TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX pathway_history_person ON pathway_history(person_id);

CREATE TABLE identifications (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    identified_on TEXT NOT NULL,
    identified_by_name TEXT,
    identified_by_role TEXT,
    identified_by_practitioner_id TEXT REFERENCES practitioners(id),
    method TEXT NOT NULL,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX identifications_person ON identifications(person_id);

-- Consent is a log of events per agency; the latest event per agency is the current state.
CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    agency TEXT NOT NULL CHECK (agency IN ('prison', 'probation', 'local_authority', 'ces', 'other')),
    other_agency_name TEXT,
    event TEXT NOT NULL CHECK (event IN ('offered', 'given', 'declined', 'withdrawn')),
    on_date TEXT NOT NULL,
    reoffer_on TEXT,
    method TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX consents_person ON consents(person_id, agency, on_date);

CREATE TABLE team_members (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    practitioner_id TEXT NOT NULL REFERENCES practitioners(id),
    role TEXT NOT NULL,
    is_lead INTEGER NOT NULL DEFAULT 0,
    from_date TEXT NOT NULL,
    to_date TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX team_members_person ON team_members(person_id);
CREATE INDEX team_members_practitioner ON team_members(practitioner_id);

CREATE TABLE personal_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    is_next_of_kin INTEGER NOT NULL DEFAULT 0,
    is_emergency_contact INTEGER NOT NULL DEFAULT 0,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX personal_contacts_person ON personal_contacts(person_id);

CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    meeting_type TEXT NOT NULL,
    pathway TEXT NOT NULL,
    scheduled_at TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('in_person', 'phone', 'video')),
    location TEXT,
    chair_practitioner_id TEXT REFERENCES practitioners(id),
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'held', 'cancelled')),
    held_on TEXT,
    outcomes TEXT,
    next_meeting_note TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX meetings_person ON meetings(person_id, scheduled_at);

CREATE TABLE meeting_attendees (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    practitioner_id TEXT REFERENCES practitioners(id),
    contact_id TEXT REFERENCES personal_contacts(id),
    is_person INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    role TEXT,
    attended INTEGER,
    apologies INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX meeting_attendees_meeting ON meeting_attendees(meeting_id);

-- Notes and outcome per agenda item (item_code from schema/forms/agendas).
CREATE TABLE meeting_items (
    id TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    item_code TEXT NOT NULL,
    covered INTEGER NOT NULL DEFAULT 0,
    notes TEXT,
    outcome TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX meeting_items_meeting ON meeting_items(meeting_id, item_code);

-- The Team Actions Log.
CREATE TABLE actions (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    step TEXT NOT NULL,
    responsible_practitioner_id TEXT REFERENCES practitioners(id),
    responsible_name TEXT,
    due_on TEXT,
    completed_on TEXT,
    follow_up_of TEXT REFERENCES actions(id),
    meeting_id TEXT REFERENCES meetings(id),
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX actions_person ON actions(person_id, due_on);
CREATE INDEX actions_open_due ON actions(due_on) WHERE completed_on IS NULL AND deleted_at IS NULL;
CREATE INDEX actions_responsible ON actions(responsible_practitioner_id);

-- My Plan: the person's own plan.
CREATE TABLE my_plans (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    about_me TEXT,
    what_helps TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX my_plans_person ON my_plans(person_id);

CREATE TABLE wheel_scores (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    area TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
    scored_on TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX wheel_scores_person ON wheel_scores(person_id, scored_on);

CREATE TABLE plan_goals (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    goal TEXT NOT NULL,
    why TEXT,
    target_on TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'achieved', 'dropped')),
    achieved_on TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX plan_goals_person ON plan_goals(person_id);

CREATE TABLE plan_goal_steps (
    id TEXT PRIMARY KEY NOT NULL,
    goal_id TEXT NOT NULL REFERENCES plan_goals(id),
    step TEXT NOT NULL,
    who_helps TEXT,
    target_on TEXT,
    done_on TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX plan_goal_steps_goal ON plan_goal_steps(goal_id);

CREATE TABLE plan_support (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    support TEXT NOT NULL,
    from_whom TEXT,
    practitioner_id TEXT REFERENCES practitioners(id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX plan_support_person ON plan_support(person_id);

CREATE TABLE plan_progress (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    goal_id TEXT REFERENCES plan_goals(id),
    noted_on TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX plan_progress_person ON plan_progress(person_id, noted_on);

-- A plan agreed with the person on a date, frozen as JSON so earlier versions stay readable.
CREATE TABLE plan_versions (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    agreed_on TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX plan_versions_person ON plan_versions(person_id, agreed_on);

-- Combined Assessment: one answer per item code (schema/forms/combined_assessment.toml).
CREATE TABLE assessment_answers (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    item_code TEXT NOT NULL,
    value TEXT,
    disclosed INTEGER,
    notes TEXT,
    answered_on TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX assessment_answers_person ON assessment_answers(person_id, item_code);

-- Per area: issues, positive factors and the two risk links.
CREATE TABLE assessment_areas (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    area_code TEXT NOT NULL,
    issues TEXT,
    positives TEXT,
    linked_to_harm INTEGER,
    linked_to_offending INTEGER,
    completed_on TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX assessment_areas_person ON assessment_areas(person_id, area_code);

CREATE TABLE support_networks (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    offer_type TEXT NOT NULL CHECK (offer_type IN ('lifelong_links', 'family_group_conference', 'other')),
    offered_on TEXT,
    offer_outcome TEXT,
    referred_on TEXT,
    coordinator_name TEXT,
    coordinator_contact TEXT,
    coordinator_allocated_on TEXT,
    conference_on TEXT,
    plan_started_on TEXT,
    plan_text TEXT,
    reviewed_on TEXT,
    copied_to_pathway_plan_on TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX support_networks_person ON support_networks(person_id);

CREATE TABLE network_members (
    id TEXT PRIMARY KEY NOT NULL,
    network_id TEXT NOT NULL REFERENCES support_networks(id),
    name TEXT NOT NULL,
    relationship TEXT,
    contact TEXT,
    vetted_by_role TEXT,
    vetted_on TEXT,
    vetting_outcome TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX network_members_network ON network_members(network_id);

CREATE TABLE release_plans (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    release_on TEXT,
    gate_person TEXT,
    gate_backup TEXT,
    first_appointment_at TEXT,
    first_appointment_place TEXT,
    travel TEXT,
    pa_attends INTEGER,
    who_attends TEXT,
    meeting_id TEXT REFERENCES meetings(id),
    checkin_on TEXT,
    checkin_notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX release_plans_person ON release_plans(person_id);

CREATE TABLE remand_support (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    bail TEXT,
    legal_aid TEXT,
    accommodation TEXT,
    work TEXT,
    family_ties TEXT,
    myplan_parts TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX remand_support_person ON remand_support(person_id);

-- Case notes: contact_at is when the contact happened, created_at when it was recorded
-- (National Standard 1.1 asks for within one working day).
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    contact_type TEXT NOT NULL,
    contact_at TEXT NOT NULL,
    location TEXT,
    kind TEXT NOT NULL DEFAULT 'fact' CHECK (kind IN ('fact', 'opinion')),
    sensitive INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    author_practitioner_id TEXT REFERENCES practitioners(id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX case_notes_person ON case_notes(person_id, contact_at);

-- Statutory plans and checks recorded as done (Pathway Plan review, sentence plans, RMP).
CREATE TABLE milestones (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX milestones_person ON milestones(person_id, kind);

-- Template emails and other contact attempts; "awaiting reply" is sent_on set, reply_on empty.
CREATE TABLE emails (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    template TEXT,
    channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'phone', 'letter', 'other')),
    to_practitioner_id TEXT REFERENCES practitioners(id),
    to_name TEXT,
    to_address TEXT,
    subject TEXT,
    sent_on TEXT,
    reply_on TEXT,
    notes TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX emails_person ON emails(person_id, sent_on);

-- Append-only: who did what, when. Holds table, row and column names, never record content.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    user_id TEXT,
    action TEXT NOT NULL,
    table_name TEXT,
    row_id TEXT,
    columns TEXT
);
CREATE INDEX audit_row ON audit(table_name, row_id);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
