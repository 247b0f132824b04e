"""`ahtui check` finds a corrupted summary row and a stale due-cache row, names the people, and
`--repair` mends them (a real demo site, the real CLI in-process)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.cli import main
from ahtui.store import summaries
from ahtui.store.caseload import caseload
from ahtui.store.site import open_site


def check(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["check", "--site", str(path), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def kept(demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo site keeping the supervisors' summaries, with today's due dates cached."""
    monkeypatch.setenv("AHTUI_USER", ADMIN)
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    site = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        with site.write() as conn:
            summaries.keep(conn)
        caseload(site, date.today())
    finally:
        site.close()
    return demo_path


def _two_people(path: Path) -> list[tuple[str, str]]:
    site = open_site(path, ADMIN, PASSPHRASE)
    try:
        rows = site.query(
            "SELECT p.id, p.crn FROM people p WHERE p.crn IS NOT NULL "
            "AND p.id IN (SELECT person_id FROM summary_items) "
            "AND p.id IN (SELECT person_id FROM due_cache) ORDER BY p.id LIMIT 2"
        )
        return [(r[0], r[1]) for r in rows]
    finally:
        site.close()


def _state(path: Path) -> tuple[list[tuple], list[tuple]]:
    site = open_site(path, ADMIN, PASSPHRASE)
    try:
        return (
            [tuple(r) for r in site.query("SELECT * FROM summary_items ORDER BY 1, 2")],
            [tuple(r) for r in site.query("SELECT * FROM due_cache ORDER BY 1")],
        )
    finally:
        site.close()


def test_check_names_who_differs_and_repair_mends_it(
    kept: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(kept, capsys)
    assert code == 0, out
    assert "Supervisors' summaries: the same as a rebuild" in out
    assert "as the rules say" in out
    good = _state(kept)
    (one, one_crn), (two, two_crn) = _two_people(kept)
    site = open_site(kept, ADMIN, PASSPHRASE)
    try:
        with site.write() as conn:
            # Straight into the derived tables: no trigger marks anyone stale.
            conn.execute(
                "UPDATE summary_items SET due_on = '1999-01-01' WHERE person_id = ?", (one,)
            )
            conn.execute(
                "UPDATE due_cache SET overdue_count = overdue_count + 3, "
                "next_due_title = 'Nothing at all' WHERE person_id = ?",
                (two,),
            )
            # A summary of someone the site does not hold at all.
            conn.execute(
                "INSERT INTO summary_people (person_id, site_id, ethnicity) "
                "VALUES ('0badc0de-0000-7000-8000-000000000000', '', 'Not recorded')"
            )
    finally:
        site.close()
    code, out = check(kept, capsys)
    assert code == 1
    assert f"summaries differ from a rebuild: those of 2 people ({one_crn}, 0badc0de)" in out
    assert f"due dates of 1 person differ from the pathway rules ({two_crn})" in out
    assert "--repair" in out
    assert "Traceback" not in out
    # Checking changed nothing.
    assert _state(kept) != good
    code, out = check(kept, capsys, "--repair")
    assert code == 0, out
    assert out.count("Repaired:") == 2
    assert _state(kept) == good
    code, out = check(kept, capsys)
    assert code == 0 and "OK: the site is intact." in out


def test_a_site_that_keeps_no_summaries_is_not_given_any(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AHTUI_USER", ADMIN)
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    code, out = check(demo_path, capsys, "--repair")
    assert code == 0, out
    assert "summaries" not in out
    site = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        assert not summaries.kept(site.conn)
        assert site.one("SELECT count(*) FROM summary_people")[0] == 0
    finally:
        site.close()
