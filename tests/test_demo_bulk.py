"""The demo `ahtui demo` builds in bulk has the variety of the one built through the services,
and the command shows a progress bar on a terminal and only its summary when piped."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.demo_bulk import build_demo_bulk
from ahtui.domain.enums import Pathway
from ahtui.store.site import init_site

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    site = init_site(
        tmp_path_factory.mktemp("demo") / "d.ahtui",
        name="Demo",
        agency="prison",
        admin=ADMIN,
        passphrase=PASSPHRASE,
    )
    build_demo_bulk(site, people=120, seed=1, today=TODAY)
    yield site
    site.close()


def count(site, sql: str) -> int:
    return site.one(sql)[0]


def test_every_pathway_a_team_and_a_lead(demo) -> None:
    assert count(demo, "SELECT count(*) FROM people") == 120
    assert {r[0] for r in demo.query("SELECT DISTINCT pathway FROM people")} == {
        p.value for p in Pathway
    }
    assert count(demo, "SELECT count(*) FROM people WHERE lead_practitioner_id IS NULL") == 0
    assert not count(
        demo,
        "SELECT count(*) FROM people p WHERE NOT EXISTS "
        "(SELECT 1 FROM team_members m WHERE m.person_id = p.id)",
    )
    # The demo user works as a POM, so "my cases" shows someone.
    assert demo.user.practitioner_id is not None


@pytest.mark.parametrize("event", ["given", "declined", "withdrawn"])
def test_consents_of_every_kind(demo, event: str) -> None:
    assert count(demo, f"SELECT count(*) FROM consents WHERE event = '{event}'") > 0


def test_records_of_every_kind(demo) -> None:
    for table in (
        "meetings",
        "meeting_attendees",
        "actions",
        "my_plans",
        "wheel_scores",
        "plan_goals",
        "plan_versions",
        "assessment_answers",
        "assessment_areas",
        "case_notes",
        "emails",
        "identifications",
        "personal_contacts",
        "milestones",
    ):
        assert count(demo, f"SELECT count(*) FROM {table}") > 0, table
    assert count(demo, "SELECT count(*) FROM case_notes WHERE sensitive = 1") > 0
    assert count(demo, "SELECT count(*) FROM meetings WHERE status = 'held'") > 0
    assert count(demo, "SELECT count(*) FROM meetings WHERE status = 'scheduled'") > 0
    assert count(demo, "SELECT count(*) FROM actions WHERE follow_up_of IS NOT NULL") > 0
    done = count(demo, "SELECT count(*) FROM actions WHERE completed_on IS NOT NULL")
    overdue = count(
        demo, f"SELECT count(*) FROM actions WHERE completed_on IS NULL AND due_on < '{TODAY}'"
    )
    assert done > 0 and overdue > 0


def test_every_write_is_audited_and_captured(demo) -> None:
    for table in ("people", "actions", "consents", "case_notes", "meetings"):
        rows = count(demo, f"SELECT count(*) FROM {table}")
        audited = count(
            demo, f"SELECT count(*) FROM audit WHERE table_name = '{table}' AND action = 'insert'"
        )
        captured = count(demo, f"SELECT count(*) FROM sync_rows WHERE tbl = '{table}'")
        assert rows == audited == captured, table


def test_identifiers_unique_and_the_same_seed_the_same_site(demo, tmp_path: Path) -> None:
    rows = demo.query("SELECT crn, nomis_number FROM people")
    assert len({r[0] for r in rows}) == len({r[1] for r in rows}) == len(rows)
    again = init_site(
        tmp_path / "again.ahtui", name="Demo", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    )
    try:
        build_demo_bulk(again, people=120, seed=1, today=TODAY)
        for table in ("people", "actions", "consents", "meetings", "case_notes"):
            sql = f"SELECT * FROM {table} ORDER BY id"
            keep = ("created_at", "updated_at", "updated_by")
            mine = [{k: r[k] for k in r.keys() if k not in keep} for r in demo.query(sql)]
            theirs = [{k: r[k] for k in r.keys() if k not in keep} for r in again.query(sql)]
            assert mine == theirs, table
    finally:
        again.close()


def test_drawn_apart_or_here_the_same_demo(
    demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's people are drawn in a copy of the process (store.bulk.apart); the extras
    after them are drawn here, from where the copy's random draws had got to: the same site
    as one drawn all in this process."""
    from ahtui.store import bulk

    monkeypatch.setattr(bulk, "_can_fork", lambda: False)
    here = init_site(
        tmp_path / "here.ahtui", name="Demo", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    )
    try:
        build_demo_bulk(here, people=120, seed=1, today=TODAY)
        keep = ("created_at", "updated_at", "updated_by", "at")
        for table in ("people", "actions", "case_notes", "my_plans", "plan_goals",
                      "assessment_answers", "network_members", "release_plans", "emails"):  # fmt: skip
            if not count(here, f"SELECT count(*) FROM sqlite_master WHERE name = '{table}'"):
                continue
            sql = f"SELECT * FROM {table} ORDER BY rowid"
            mine = [{k: r[k] for k in r.keys() if k not in keep} for r in demo.query(sql)]
            theirs = [{k: r[k] for k in r.keys() if k not in keep} for r in here.query(sql)]
            assert mine == theirs, table
        # The audit log of the people and extras (the site and its admin differ by file).
        sql = (
            "SELECT action, table_name, row_id, columns FROM audit "
            "WHERE table_name NOT IN ('sites', 'users') ORDER BY id"
        )
        assert [tuple(r) for r in demo.query(sql)] == [tuple(r) for r in here.query(sql)]
    finally:
        here.close()


def _demo_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "ahtui", "demo", "--site", str(path), "--people", "300"] + [
        "--no-open",
        "--fresh",
    ]


def _env() -> dict[str, str]:
    return dict(os.environ, AHTUI_USER=ADMIN, AHTUI_PASSPHRASE=PASSPHRASE)


def test_piped_the_demo_prints_only_its_summary(tmp_path: Path) -> None:
    done = subprocess.run(
        _demo_command(tmp_path / "d.ahtui"), env=_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        f"Created a demo site with 300 synthetic people at {tmp_path / 'd.ahtui'}"
    ]


def test_on_a_terminal_the_demo_draws_a_progress_bar(tmp_path: Path) -> None:
    main, other = pty.openpty()
    proc = subprocess.Popen(
        _demo_command(tmp_path / "d.ahtui"),
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=other,
    )
    os.close(other)
    seen = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(main)
    assert proc.wait(timeout=120) == 0
    text = seen.decode()
    assert "Building the demo caseload [" in text
    assert "300/300" in text
