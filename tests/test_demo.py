"""The demo caseload has something of everything a practitioner would look for."""

from __future__ import annotations

from datetime import date

import pytest

from ahtui.demo import build_demo
from ahtui.domain.enums import Pathway

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from conftest import ADMIN, PASSPHRASE

    from ahtui.store.site import init_site

    site = init_site(
        tmp_path_factory.mktemp("demo") / "d.ahtui",
        name="Demo",
        agency="prison",
        admin=ADMIN,
        passphrase=PASSPHRASE,
    )
    build_demo(site, people=40, seed=1, today=TODAY)
    yield site
    site.close()


def count(site, sql: str) -> int:
    return site.one(sql)[0]


def test_forty_people_on_all_five_pathways(demo) -> None:
    assert count(demo, "SELECT count(*) FROM people") == 40
    pathways = {r[0] for r in demo.query("SELECT DISTINCT pathway FROM people")}
    assert pathways == {p.value for p in Pathway}


def test_everyone_has_a_team_and_a_lead(demo) -> None:
    assert count(demo, "SELECT count(*) FROM people WHERE lead_practitioner_id IS NULL") == 0
    assert (
        count(
            demo,
            "SELECT count(*) FROM people p WHERE NOT EXISTS "
            "(SELECT 1 FROM team_members m WHERE m.person_id = p.id)",
        )
        == 0
    )


@pytest.mark.parametrize("event", ["given", "declined", "withdrawn"])
def test_consents_of_every_kind(demo, event: str) -> None:
    assert count(demo, f"SELECT count(*) FROM consents WHERE event = '{event}'") > 0


def test_records_of_every_kind(demo) -> None:
    for table in (
        "meetings",
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
    ):
        assert count(demo, f"SELECT count(*) FROM {table}") > 0, table
    assert count(demo, "SELECT count(*) FROM case_notes WHERE sensitive = 1") > 0
    assert count(demo, "SELECT count(*) FROM meetings WHERE status = 'held'") > 0
    assert count(demo, "SELECT count(*) FROM actions WHERE follow_up_of IS NOT NULL") > 0


def test_some_actions_overdue_and_some_done(demo) -> None:
    today = TODAY.isoformat()
    overdue = count(
        demo,
        f"SELECT count(*) FROM actions WHERE completed_on IS NULL AND due_on < '{today}'",
    )
    done = count(demo, "SELECT count(*) FROM actions WHERE completed_on IS NOT NULL")
    assert overdue > 0 and done > 0


def test_demo_people_are_synthetic_and_identifiers_unique(demo) -> None:
    rows = demo.query("SELECT crn, nomis_number FROM people")
    assert len({r[0] for r in rows}) == len(rows)
    assert len({r[1] for r in rows}) == len(rows)
    assert all(r[0].startswith("X") for r in rows)
