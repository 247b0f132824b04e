-- 0017: who may hold a person's records is replicated state, not commands applied in arrival
-- order (ahtui.sync.sharing; docs/sync.md says why and how).
--
-- A consent decision is the latest consent event for a person and an agency, in the order of
-- ahtui.domain.consent; events are a log, so a decision only moves forward and two sites'
-- decisions combine by taking the later. Bundles tell a site the decisions that stop it
-- holding someone; it keeps them here, with no personal data beyond the person's random id,
-- after the person's records are gone, so a bundle written before the decision and delivered
-- after it is recognised as older and brings nothing back.
CREATE TABLE sync_decisions (
    person_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    on_date TEXT NOT NULL,
    rank INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (person_id, agency)
) WITHOUT ROWID;

-- Case notes this site may not hold (made sensitive by the agency that wrote them), with the
-- version of the change that made them so: an older copy arriving late is refused.
CREATE TABLE sync_withheld (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    hlc INTEGER NOT NULL,
    origin TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
) WITHOUT ROWID;

-- Records this site has to give up (consent for its agency ended; a note made sensitive by
-- another agency), kept only until every site that may hold them has acknowledged this site's
-- changes to them, so nothing written here is lost on the way out. tbl 'people' means the
-- person and everything of theirs.
CREATE TABLE sync_leaving (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    since TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (tbl, row_id)
) WITHOUT ROWID;

-- The decision a peer was last told about for a person (JSON), so a new decision (consent
-- withdrawn and given again, say) sends the person in full again.
ALTER TABLE sync_shared ADD COLUMN basis TEXT;

-- The latest time this site has good reason to believe has passed: its own writes made while
-- the computer's clock agreed, and the times other sites wrote their bundles. A clock far
-- ahead of it does not stamp changes far into the future (ahtui.sync.clock).
ALTER TABLE sync_clock ADD COLUMN trusted_ms INTEGER NOT NULL DEFAULT 0;
UPDATE sync_clock SET trusted_ms = CASE
    WHEN hlc > 0 THEN hlc >> 16
    ELSE CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
END;

-- A bundle refused because its changes were stamped too far ahead: when, and by how much.
ALTER TABLE sync_peers ADD COLUMN clock_refused_at TEXT;
ALTER TABLE sync_peers ADD COLUMN clock_ahead_ms INTEGER;

-- The agency of the site that wrote a note: a sensitive note stays with that agency. NULL on
-- notes written before this migration (their agency is then the writing site's, if known).
ALTER TABLE case_notes ADD COLUMN agency TEXT;

-- Consent events are a log: a correction is a new event. Changing one could move a decision
-- back, which no other site could follow.
CREATE TRIGGER consents_are_a_log BEFORE UPDATE ON consents WHEN sync_local()
BEGIN
    SELECT RAISE(ABORT, 'Consent events cannot be changed: record a new event instead.');
END;

-- An event recorded here that ends this site's own agency's consent: the person leaves this
-- site once the others have what it wrote (ahtui.sync.sharing.release decides).
CREATE TRIGGER sync_leaving_on_consent AFTER INSERT ON consents
WHEN sync_local() AND NEW.event <> 'given' AND NEW.agency = (
    SELECT s.agency FROM sites s JOIN site_meta m ON m.key = 'site_id' AND s.id = m.value
)
BEGIN
    INSERT OR IGNORE INTO sync_leaving (tbl, row_id, person_id)
    VALUES ('people', NEW.person_id, NEW.person_id);
END;
