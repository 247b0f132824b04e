"""Opening a site: each failure is one plain message with exit code 2, and changes nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.errors import NotASite, SchemaTooNew, SiteBusy, SiteMissing, WrongPassphrase
from ahtui.store import keyring, migrations
from ahtui.store.site import init_site, open_site


def _digest(*paths: Path) -> list[str | None]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None for p in paths]


def _site_files(path: Path) -> list[Path]:
    return [path, keyring.keyring_path(path), Path(f"{path}-wal"), Path(f"{path}-shm")]


def test_wrong_passphrase_leaves_every_file_byte_for_byte_unchanged(site, site_path) -> None:
    site.close()
    before = _digest(*_site_files(site_path))
    mtimes = [p.stat().st_mtime_ns if p.exists() else None for p in _site_files(site_path)]
    for user, passphrase in ((ADMIN, "not the passphrase"), ("nobody", PASSPHRASE)):
        with pytest.raises(WrongPassphrase) as err:
            open_site(site_path, user, passphrase)
        assert err.value.exit_code == 2
        assert "\n" not in err.value.message
    assert _digest(*_site_files(site_path)) == before
    assert [p.stat().st_mtime_ns if p.exists() else None for p in _site_files(site_path)] == mtimes


def test_missing_file(tmp_path) -> None:
    with pytest.raises(SiteMissing) as err:
        open_site(tmp_path / "nope.ahtui", ADMIN, PASSPHRASE)
    assert err.value.exit_code == 2
    assert "no site file" in err.value.message.lower()


def test_plain_file_is_not_a_site(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(NotASite) as err:
        open_site(path, ADMIN, PASSPHRASE)
    assert err.value.exit_code == 2


def test_plain_sqlite_with_a_borrowed_keyring_is_not_a_site(site, site_path, tmp_path) -> None:
    site.close()
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    keyring.keyring_path(plain).write_bytes(keyring.keyring_path(site_path).read_bytes())
    before = _digest(plain)
    with pytest.raises(NotASite) as err:
        open_site(plain, ADMIN, PASSPHRASE)
    assert "not an ahtui site" in err.value.message
    assert _digest(plain) == before


def test_keyring_of_another_site_is_refused(site_path, tmp_path) -> None:
    a = init_site(site_path, name="A", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    a.close()
    other = tmp_path / "b.ahtui"
    init_site(other, name="B", agency="probation", admin=ADMIN, passphrase=PASSPHRASE).close()
    keyring.keyring_path(site_path).write_bytes(keyring.keyring_path(other).read_bytes())
    with pytest.raises(NotASite):
        open_site(site_path, ADMIN, PASSPHRASE)


def test_damaged_keyring_is_not_a_site(site, site_path) -> None:
    site.close()
    keyring.keyring_path(site_path).write_text("{not json")
    with pytest.raises(NotASite, match="key file"):
        open_site(site_path, ADMIN, PASSPHRASE)


def test_schema_newer_than_program_is_refused(site, site_path) -> None:
    with site.write() as conn:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
    site.close()
    with pytest.raises(SchemaTooNew) as err:
        open_site(site_path, ADMIN, PASSPHRASE)
    assert err.value.exit_code == 2
    assert "newer" in err.value.message


def test_busy_file_gives_up_with_a_plain_message(site, site_path) -> None:
    site.conn.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(SiteBusy) as err:
            open_site(site_path, ADMIN, PASSPHRASE, busy_timeout_ms=200)
        assert err.value.exit_code == 2
        assert "busy" in err.value.message
    finally:
        site.conn.execute("ROLLBACK")


def test_migrations_are_recorded_and_wal_is_on(site) -> None:
    rows = site.query("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [r[0] for r in rows] == [m.version for m in migrations.available()]
    assert site.one("PRAGMA journal_mode")[0] == "wal"
    assert site.one("PRAGMA busy_timeout")[0] >= 1000


def _everything(conn) -> tuple[list, dict]:
    """A file's schema (every table, index and trigger as written) and every row of it."""
    schema = sorted(
        tuple(r) for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    )
    rows = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        # When each migration was applied, and the clock reading the change clock starts
        # from, differ by the moment they ran and say nothing about the result.
        columns = {
            "schema_migrations": "version, name",
            "sync_clock": "id, hlc, seq, origin, trusted_ms > 0, stamp_until",
        }.get(table, "*")
        rows[table] = sorted(map(tuple, conn.execute(f'SELECT {columns} FROM "{table}"')))
    return schema, rows


def test_a_new_file_migrated_at_once_is_the_file_migrated_one_by_one(tmp_path) -> None:
    """A new, empty file takes every migration in one transaction, its triggers made once;
    an existing file takes them one by one. The result is the same, trigger for trigger."""
    import os

    from ahtui.store.site import _connect

    key = os.urandom(32)
    together = _connect(tmp_path / "together.db", key, create=True, busy_timeout_ms=1000)
    assert migrations.migrate(together) == len(migrations.available())
    one_by_one = _connect(tmp_path / "one_by_one.db", key, create=True, busy_timeout_ms=1000)
    # A table of its own makes the file not empty, so it goes the one-by-one way; dropped
    # after (and its triggers with it).
    one_by_one.execute("CREATE TABLE not_empty (x)")
    assert migrations.migrate(one_by_one) == len(migrations.available())
    one_by_one.execute("DROP TABLE not_empty")
    assert _everything(together) == _everything(one_by_one)
    assert migrations.migrate(together) == 0


def test_new_migration_gets_audit_triggers(site, monkeypatch, tmp_path) -> None:
    """A table added by a later migration is audited without anyone writing its triggers."""
    extra = tmp_path / "schema" / "migrations"
    extra.mkdir(parents=True)
    for m in migrations.available():
        (extra / m.path.name).write_text(m.sql())
    (extra / f"{migrations.latest_version() + 1:04d}_widgets.sql").write_text(
        "CREATE TABLE widgets (id TEXT PRIMARY KEY NOT NULL, name TEXT,"
        " created_at TEXT, updated_at TEXT, updated_by TEXT, deleted_at TEXT);"
    )
    monkeypatch.setattr(migrations, "schema_dir", lambda: tmp_path / "schema")
    migrations.available.cache_clear()
    try:
        assert migrations.migrate(site.conn) == 1
        with site.write() as conn:
            conn.execute("INSERT INTO widgets (id, name, updated_by) VALUES ('w1', 'x', 'u1')")
        row = site.one("SELECT action, table_name, row_id FROM audit WHERE table_name = 'widgets'")
        assert tuple(row) == ("insert", "widgets", "w1")
    finally:
        migrations.available.cache_clear()


def test_a_migration_slipped_in_below_the_applied_ones_is_refused(
    site, monkeypatch, tmp_path
) -> None:
    extra = tmp_path / "schema" / "migrations"
    extra.mkdir(parents=True)
    for m in migrations.available():
        (extra / m.path.name).write_text(m.sql())
    with site.write() as conn:
        conn.execute("INSERT INTO schema_migrations (version, name) VALUES (900, 'later')")
    (extra / "0900_later.sql").write_text("SELECT 1;")
    (extra / "0899_slipped_in.sql").write_text("CREATE TABLE slipped (x);")
    monkeypatch.setattr(migrations, "schema_dir", lambda: tmp_path / "schema")
    migrations.available.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="renumber"):
            migrations.pending(site.conn)
    finally:
        migrations.available.cache_clear()


def test_new_ids_are_uuid7_in_time_order_and_unique() -> None:
    import time
    import uuid

    from ahtui.store.site import new_id

    first = [new_id() for _ in range(2000)]
    time.sleep(0.003)
    later = new_id()
    parsed = [uuid.UUID(i) for i in first]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    assert len(set(first)) == len(first)
    # Ids from a later millisecond sort after every earlier one: appends, not random inserts.
    assert later > max(first)
    ms = parsed[0].int >> 80
    assert abs(ms - time.time() * 1000) < 60_000
    # Ids made one after another, even within one millisecond, sort in the order they were made,
    # so records listed by (created_at, id) keep the order they were added in.
    assert first == sorted(first)
    burst = [new_id() for _ in range(5000)]  # more than one millisecond's counter can hold
    assert burst == sorted(burst) and len(set(burst)) == len(burst)


def test_consent_events_have_one_index_that_every_reader_uses(site) -> None:
    """One index of consents by person serves the app, the rules and export (migration 0016)."""
    names = {r[0] for r in site.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'consents' "
        "AND sql IS NOT NULL")}  # fmt: skip
    assert names == {"consents_person"}
    for sql in (
        "SELECT * FROM consents WHERE person_id = 'x' AND deleted_at IS NULL "
        "ORDER BY on_date, created_at, rowid",
        "SELECT agency, event FROM consents WHERE person_id = 'x' AND deleted_at IS NULL "
        "ORDER BY agency, on_date, created_at",
        "SELECT id FROM consents WHERE person_id IN ('x', 'y')",
    ):
        plan = " ".join(r[3] for r in site.conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "consents_person" in plan, sql


def test_a_new_site_stretches_the_passphrase_once_and_opens_as_usual(tmp_path, monkeypatch) -> None:
    calls = []
    real = keyring.derive_kek

    def counted(*args):
        calls.append(args[2])
        return real(*args)

    monkeypatch.setattr(keyring, "derive_kek", counted)
    path = tmp_path / "new.ahtui"
    threads = threading.active_count()
    site = init_site(path, name="New", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    assert len(calls) == 1
    # Stretched beside the schema being made, in a thread that is gone once the site is
    # back: a bulk write (`ahtui demo`) forks only a process with one thread.
    assert threading.active_count() == threads
    assert site.user.username == ADMIN
    assert (
        site.conn.execute("SELECT count(*) FROM audit WHERE action = 'unlock'").fetchone()[0] == 1
    )
    site.close()
    open_site(path, ADMIN, PASSPHRASE).close()  # the key file written opens it the usual way
    assert len(calls) == 2
