"""The site file is encrypted: unreadable by plain sqlite3, and no plaintext ever reaches disk."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

CANARY = "CANARYzq7Xv"


def test_standard_sqlite3_cannot_read_the_site(site, site_path: Path) -> None:
    site.close()
    assert not site_path.read_bytes().startswith(b"SQLite format 3")
    conn = sqlite3.connect(site_path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def _files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


def _contains_canary(path: Path) -> bool:
    data = path.read_bytes()
    return any(
        needle in data
        for needle in (CANARY.encode(), CANARY.encode("utf-16-le"), CANARY.encode("utf-16-be"))
    )


def test_canary_is_absent_from_file_wal_and_temp_files(tmp_path: Path) -> None:
    """Write canaries in a subprocess whose temp folders we control, then scan every byte."""
    site_dir = tmp_path / "site"
    temp_dir = tmp_path / "tmp"
    site_dir.mkdir()
    temp_dir.mkdir()
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import date
        from ahtui.store.site import init_site
        from ahtui.store import people, notes, actions

        site = init_site({str(site_dir / "s.ahtui")!r}, name="HMP Canary", agency="prison",
                         admin={ADMIN!r}, passphrase={PASSPHRASE!r})
        pid = people.create_person(site, {{"given_name": "{CANARY}", "family_name": "Test",
                                          "pathway": "long"}})
        for i in range(300):
            notes.add_note(site, pid, {{"contact_type": "phone", "contact_at": "2026-01-05",
                                       "body": "{CANARY} note %d " % i + "x" * 500,
                                       "sensitive": True}})
            actions.add_action(site, pid, {{"step": "{CANARY} step %d" % i}})
        # A sort big enough that SQLite would spill to a temp file if it were allowed to.
        rows = site.query("SELECT body FROM case_notes ORDER BY body || random() DESC")
        assert len(rows) == 300
        site.query("CREATE TEMP TABLE scratch AS SELECT * FROM case_notes")
        # Check the WAL before checkpointing: it is where fresh writes sit.
        wal = {str(site_dir / "s.ahtui-wal")!r}
        data = open(wal, "rb").read()
        assert len(data) > 0, "expected a WAL"
        assert b"{CANARY}" not in data, "canary in plaintext in the WAL"
        site.close()
        """
    )
    env = dict(os.environ, TMPDIR=str(temp_dir), SQLITE_TMPDIR=str(temp_dir), TEMP=str(temp_dir))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    files = _files_under(site_dir, temp_dir)
    assert any(p.name == "s.ahtui" for p in files)
    leaking = [p for p in files if _contains_canary(p)]
    assert leaking == []
    # And the canary really is in there, readable through the key.
    from ahtui.store.site import open_site

    with open_site(site_dir / "s.ahtui", ADMIN, PASSPHRASE) as s:
        assert s.one("SELECT given_name FROM people")[0] == CANARY


def test_every_connection_the_store_opens_keeps_temporary_data_in_memory(tmp_path: Path) -> None:
    """The temp-file scan above cannot fail on its own (SQLite unlinks a temp file as it opens
    it, so nothing is left to scan): this checks the setting that keeps temp data off disk."""
    from sqlcipher3 import dbapi2

    from ahtui.store.site import init_site, open_site

    memory = 2  # PRAGMA temp_store: 0 default, 1 file, 2 memory
    path = tmp_path / "t.ahtui"
    made = init_site(path, name="HMP Temp", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    opened = open_site(path, ADMIN, PASSPHRASE)
    try:
        for site in (made, opened):
            assert site.conn.execute("PRAGMA temp_store").fetchone()[0] == memory
    finally:
        made.close()
        opened.close()
    # A connection not made by the store has the default: the check above can fail.
    plain = dbapi2.connect(str(tmp_path / "plain.db"))
    assert plain.execute("PRAGMA temp_store").fetchone()[0] != memory
    plain.close()
