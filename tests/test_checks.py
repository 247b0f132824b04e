"""IN-list CHECK constraints restated as comparisons: same rules, no per-row temporary B-tree."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.store import check_constraints
from ahtui.store.site import IntegrityError, open_site


def test_restate_writes_in_lists_as_comparisons() -> None:
    sql = (
        "CREATE TABLE t (a TEXT CHECK (a IN ('x', 'y''s')), "
        "b TEXT CHECK (b IS NULL OR \"b\" in ( 'p' ,'q' )), c TEXT CHECK (c NOT IN ('z')))"
    )
    out = check_constraints.restate(sql)
    assert "CHECK ((a = 'x' OR a = 'y''s'))" in out
    assert "CHECK (b IS NULL OR (\"b\" = 'p' OR \"b\" = 'q'))" in out
    assert "c NOT IN ('z')" in out  # left alone
    assert check_constraints.restate(out) == out


def test_restated_constraints_accept_and_refuse_exactly_the_same_values() -> None:
    sql = "CREATE TABLE t (a TEXT CHECK (a IN ('x', 'y')), b TEXT CHECK (b IS NULL OR b IN ('p')))"
    old, new = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    old.execute(sql)
    new.execute(check_constraints.restate(sql))
    for a in ("x", "y", "z", "", "X", None, 1):
        for b in ("p", "q", None):
            outcomes = []
            for conn in (old, new):
                try:
                    conn.execute("INSERT INTO t VALUES (?, ?)", (a, b))
                    outcomes.append(True)
                except sqlite3.IntegrityError:
                    outcomes.append(False)
            assert outcomes[0] == outcomes[1], (a, b)


def test_a_site_keeps_its_rows_and_rules_and_every_connection_sees_the_new_form(site) -> None:
    from ahtui.store.people import create_person

    pid = create_person(site, {"given_name": "Ann", "family_name": "Test", "pathway": "long"})
    conn = site.conn
    # Put one table back in the IN form, as a site from before this rule has it.
    old_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'people'").fetchone()[0]
    back = old_sql.replace(
        "(pathway = 'long' OR pathway = 'short' OR pathway = 'recall' OR pathway = 'remand' "
        "OR pathway = 'community')",
        "pathway IN ('long', 'short', 'recall', 'remand', 'community')",
    )
    assert back != old_sql
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    with site.write():
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'people'", (back,))
        conn.execute("PRAGMA writable_schema = OFF")
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    other = open_site(site.path, ADMIN, PASSPHRASE, migrate=False)
    try:
        assert " IN (" in other.one("SELECT sql FROM sqlite_master WHERE name = 'people'")[0]
        with site.write():
            assert check_constraints.restate_in_lists(conn) == ["people"]
        now = other.one("SELECT sql FROM sqlite_master WHERE name = 'people'")[0]
        assert " IN (" not in now and "pathway = 'remand'" in now
        assert other.one("SELECT given_name FROM people WHERE id = ?", (pid,))[0] == "Ann"
        assert other.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for s in (site, other):
            with pytest.raises(IntegrityError, match="CHECK"), s.write() as c:
                c.execute("UPDATE people SET pathway = 'nonsense' WHERE id = ?", (pid,))
        with site.write():
            assert check_constraints.restate_in_lists(conn) == []
    finally:
        other.close()


def test_no_table_of_a_new_site_keeps_an_in_list(site) -> None:
    rows = site.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '% IN (''%'"
    ).fetchall()
    assert rows == []
