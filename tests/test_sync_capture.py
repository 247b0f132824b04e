"""Change capture: what triggers record, that applied changes are not re-captured, that
migrations keep capture complete, and that resolving a conflict syncs like any change."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_sync_helpers import ALL, Family, digest, person

from ahtui.store import migrations, rows
from ahtui.store.capture import synced_tables
from ahtui.store.site import open_site
from ahtui.sync import conflicts, incoming, keys, outgoing


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("capfam"), [("A", "prison"), ("B", "probation")])


@pytest.fixture
def ab(family: Family, tmp_path: Path):
    s = family.fresh(tmp_path)
    yield s["A"], s["B"]
    for x in s.values():
        x.close()


def _swap(a, b) -> None:
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    incoming.import_bundle(a, outgoing.export(b, a.site_id).data)


def test_triggers_record_versions_and_imports_are_not_recaptured(ab) -> None:
    a, b = ab
    assert "users" not in synced_tables(a.conn) and "sites" not in synced_tables(a.conn)
    pid = person(a, "Cap", "Ture", **ALL)
    rows.update(a, "people", pid, {"prison": "HMP Capture"})
    col = a.one("SELECT * FROM sync_cols WHERE row_id = ? AND col = 'prison'", (pid,))
    assert col["origin"] == a.site_id
    seq_before = b.one("SELECT seq FROM sync_clock")[0]
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    assert b.one("SELECT seq FROM sync_clock")[0] == seq_before + 1
    assert b.one("SELECT count(*) FROM sync_cols WHERE origin = ?", (b.site_id,))[0] == 0
    assert b.one("SELECT src FROM sync_rows WHERE row_id = ?", (pid,))[0] == a.site_id
    # Nothing to echo back: B's bundle to A carries no rows.
    assert outgoing.export(b, a.site_id).changes == 0


def test_resolving_a_conflict_syncs_and_closes_it_everywhere(ab) -> None:
    a, b = ab
    pid = person(a, "Res", "Olve", **ALL)
    _swap(a, b)
    rows.update(a, "people", pid, {"prison": "HMP Alpha"})
    rows.update(b, "people", pid, {"prison": "HMP Beta"})
    _swap(a, b)
    _swap(a, b)
    assert digest(a) == digest(b)
    [conflict] = conflicts.conflicts(b, pid)
    winner = b.one("SELECT prison FROM people WHERE id = ?", (pid,))[0]
    lost = "HMP Alpha" if winner == "HMP Beta" else "HMP Beta"
    conflicts.resolve_conflict(b, conflict["id"], "lost")
    _swap(a, b)
    for s in (a, b):
        assert s.one("SELECT prison FROM people WHERE id = ?", (pid,))[0] == lost
        assert conflicts.conflicts(s, pid) == []
    assert digest(a) == digest(b)


def test_an_edit_concurrent_with_a_delete_is_kept_and_can_restore(ab) -> None:
    a, b = ab
    pid = person(a, "Del", "Ete", **ALL)
    _swap(a, b)
    rows.soft_delete(a, "people", pid)
    rows.update(b, "people", pid, {"given_name": "Edited"})
    _swap(a, b)
    _swap(a, b)
    for s in (a, b):
        row = s.one("SELECT given_name, deleted_at FROM people WHERE id = ?", (pid,))
        assert row["given_name"] == "Edited" and row["deleted_at"] is not None
    [conflict] = conflicts.conflicts(a, pid)
    assert conflict["kind"] == "delete"
    conflicts.resolve_conflict(a, conflict["id"], "lost")
    _swap(a, b)
    assert b.one("SELECT deleted_at FROM people WHERE id = ?", (pid,))[0] is None
    assert digest(a) == digest(b)


def test_a_later_migration_is_captured_and_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_sync_helpers import make_sites, policy_with

    sites = make_sites(tmp_path / "m", [("A", "prison"), ("B", "probation")])
    pid = person(sites["A"], "Mig", "Ration", **ALL)
    paths = {n: s.path for n, s in sites.items()}
    for s in sites.values():
        s.close()
    extra = tmp_path / "9000_later.sql"
    extra.write_text(
        "ALTER TABLE people ADD COLUMN nickname TEXT;\n"
        "CREATE TABLE widgets (id TEXT PRIMARY KEY NOT NULL, person_id TEXT, label TEXT, "
        "created_at TEXT, updated_at TEXT, updated_by TEXT, deleted_at TEXT);\n"
    )
    found = migrations.available() + (migrations.Migration(9000, "later", extra),)
    monkeypatch.setattr(migrations, "available", lambda: found)
    a = open_site(paths["A"], ADMIN, PASSPHRASE)
    b = open_site(paths["B"], ADMIN, PASSPHRASE)
    try:
        rows.update(a, "people", pid, {"nickname": "Miggy"})
        wid = rows.insert(a, "widgets", {"person_id": pid, "label": "new table"})
        assert a.one("SELECT 1 FROM sync_cols WHERE col = 'nickname'")
        assert a.one("SELECT 1 FROM sync_rows WHERE tbl = 'widgets' AND row_id = ?", (wid,))
        # What the migration adds travels once the sync policy says where it may go.
        rules = policy_with(
            {"people": {"consent": ["nickname"]},
             "widgets": {"rows": "consent", "consent": ["person_id", "label"]}}
        )  # fmt: skip
        incoming.import_bundle(b, outgoing.export(a, b.site_id, rules=rules).data)
        assert b.one("SELECT nickname FROM people WHERE id = ?", (pid,))[0] == "Miggy"
        assert b.one("SELECT label FROM widgets WHERE id = ?", (wid,))[0] == "new table"
        assert keys.peers(b)[0]["name"] == "A"
    finally:
        a.close()
        b.close()


def test_team_directory_conflicts_reach_every_site(ab) -> None:
    from ahtui.store.team import add_practitioner, update_practitioner

    a, b = ab
    pr = add_practitioner(a, {"name": "Pat Lee", "role": "pom", "email": "pat@a.example"})
    _swap(a, b)
    update_practitioner(a, pr, {"email": "pat@prison.example"})
    update_practitioner(b, pr, {"email": "pat@probation.example"})
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    _swap(a, b)
    assert [c["id"] for c in conflicts.conflicts(a)] == [c["id"] for c in conflicts.conflicts(b)]
    assert len(conflicts.conflicts(a)) == 1
    assert digest(a) == digest(b)


def test_schema_read_once_until_a_table_changes(ab) -> None:
    """Setting triggers aside and back (as an import does) keeps what was read of the tables;
    a column added to a synced table is seen at once."""
    from ahtui.store import capture

    a, _ = ab
    calls: list[str] = []
    a.conn.set_trace_callback(calls.append)
    try:
        before = capture.columns(a.conn, "people")
        with a.write() as conn:
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'sync_people_insert'"
            ).fetchone()
            conn.execute('DROP TRIGGER "sync_people_insert"')
            conn.execute(sql)
        calls.clear()
        assert capture.columns(a.conn, "people") == before
        assert not [c for c in calls if "table_info" in c]
        with a.write() as conn:
            conn.execute("ALTER TABLE people ADD COLUMN capture_probe TEXT")
        assert capture.columns(a.conn, "people") == [*before, "capture_probe"]
    finally:
        a.conn.set_trace_callback(None)
