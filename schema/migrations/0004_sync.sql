-- 0004: sync between sites by bundles (ahtui.sync).
--
-- Local bookkeeping only: none of these tables has updated_by, so none is audited or captured,
-- except sync_conflicts, which is person data and syncs like any record (its rows are made
-- with deterministic ids and versions, so every site that meets the same lost value records
-- the same row). Capture triggers on the synced tables are generated in code after every
-- migration (ahtui.sync.capture), like the audit triggers.

-- The hybrid logical clock (physical ms << 16 | counter) and the local change sequence.
-- `origin` is this site's id, copied here so capture triggers read one row, not two tables.
CREATE TABLE sync_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    hlc INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    origin TEXT
);
INSERT INTO sync_clock (id, hlc, seq, origin)
VALUES (1, 0, 0, (SELECT value FROM site_meta WHERE key = 'site_id'));
CREATE TRIGGER sync_clock_origin AFTER INSERT ON site_meta WHEN NEW.key = 'site_id'
BEGIN UPDATE sync_clock SET origin = NEW.value WHERE id = 1; END;

-- One row per synced record: the version every column starts with (ins_*), the latest
-- version in the row (hlc, origin: decides updated_at/updated_by), the row's version vector
-- (origin -> highest clock seen, JSON; NULL until the row is first changed after its creation,
-- meaning {ins_origin: ins_hlc}, which keeps a captured insert small), the local sequence of its last change, and the peer
-- it last came from unchanged (so it is not echoed straight back). No index on seq: it would
-- cost every captured write a third of its time, and export (rare) scans by table instead.
CREATE TABLE sync_rows (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    ins_hlc INTEGER NOT NULL,
    ins_origin TEXT NOT NULL,
    hlc INTEGER NOT NULL,
    origin TEXT NOT NULL,
    vv TEXT,
    seq INTEGER NOT NULL,
    src TEXT,
    PRIMARY KEY (tbl, row_id)
) WITHOUT ROWID;

-- Columns changed after the row was created: their own version and causal context (the
-- row's version vector when the writer changed it).
CREATE TABLE sync_cols (
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    col TEXT NOT NULL,
    hlc INTEGER NOT NULL,
    origin TEXT NOT NULL,
    ctx TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (tbl, row_id, col)
) WITHOUT ROWID;

-- This site's keys (private halves stay inside the encrypted file). The active row signs
-- and receives; older rows still decrypt bundles sealed to them before a rotation.
CREATE TABLE sync_keys (
    id INTEGER PRIMARY KEY,
    sign_private BLOB NOT NULL,
    sign_public BLOB NOT NULL,
    enc_private BLOB NOT NULL,
    enc_public BLOB NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    active INTEGER NOT NULL DEFAULT 1,
    rotation TEXT
);

-- The trust store: peers, their public keys, and where sync with each stands.
CREATE TABLE sync_peers (
    site_id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    agency TEXT NOT NULL,
    sign_public BLOB NOT NULL,
    enc_public BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'trusted' CHECK (status IN ('trusted', 'revoked')),
    trusted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at TEXT,
    key_history TEXT NOT NULL DEFAULT '[]',
    acked INTEGER NOT NULL DEFAULT 0,
    ack_sent INTEGER NOT NULL DEFAULT -1,
    next_bundle INTEGER NOT NULL DEFAULT 1,
    last_sent_at TEXT,
    last_received_at TEXT
);

-- Sequence ranges of a peer's changes we hold (since, upto]; their union from 0 is the
-- acknowledgement we send back.
CREATE TABLE sync_received (
    peer TEXT NOT NULL,
    since INTEGER NOT NULL,
    upto INTEGER NOT NULL,
    PRIMARY KEY (peer, since, upto)
) WITHOUT ROWID;

-- Every bundle written or applied, for history and so a bundle is never applied twice.
CREATE TABLE sync_bundles (
    bundle_id TEXT PRIMARY KEY NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('sent', 'received')),
    peer TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    since INTEGER NOT NULL,
    upto INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    purges INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- People whose records a peer holds from us: 'shared' since the bundle ending at `upto`, or
-- 'purging' (consent withdrawn) until the peer acknowledges the purge.
CREATE TABLE sync_shared (
    peer TEXT NOT NULL,
    person_id TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('shared', 'purging')),
    upto INTEGER NOT NULL,
    PRIMARY KEY (peer, person_id)
) WITHOUT ROWID;

-- A value that lost to a concurrent change (kind 'value'), or an edit made while another
-- site deleted the record (kind 'delete'). Resolving sets resolved_at; the chosen value is
-- written to the record as a normal change.
CREATE TABLE sync_conflicts (
    id TEXT PRIMARY KEY NOT NULL,
    person_id TEXT,
    tbl TEXT NOT NULL,
    row_id TEXT NOT NULL,
    col TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('value', 'delete')),
    lost_value TEXT,
    lost_hlc INTEGER NOT NULL,
    lost_origin TEXT NOT NULL,
    resolved_at TEXT,
    resolution TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_by TEXT,
    deleted_at TEXT
);
CREATE INDEX sync_conflicts_person ON sync_conflicts(person_id, resolved_at);
