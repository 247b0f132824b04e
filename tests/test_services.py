"""The store services against real SQLCipher sites: what each writes, who it is attributed to,
the audit trail it leaves (without record content), validation that writes nothing, and the
caseload built from the deterministic demo."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.demo import build_demo
from ahtui.errors import BadInput, NotAllowed, NotFound, ValidationFailed, WrongPassphrase
from ahtui.store import actions, consent, meetings, myplan, notes, people, team, users
from ahtui.store.caseload import caseload, schedule_for
from ahtui.store.site import DatabaseError, init_site, open_site

TODAY = date(2026, 11, 23)
REAL_TODAY = date.today()  # notes and held meetings may not be in the real future
# Tables a failed write must leave untouched.
WATCHED = (
    "people",
    "pathway_history",
    "identifications",
    "consents",
    "team_members",
    "meetings",
    "meeting_attendees",
    "actions",
    "case_notes",
    "wheel_scores",
    "plan_goals",
    "plan_versions",
    "practitioners",
    "personal_contacts",
    "audit",
)


# -- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty site made per module; each test gets a copy (init is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "site.ahtui"
    init_site(
        path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    ).close()
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory: pytest.TempPathFactory, template_site: Path):
    """One site shared by the validation tests, which must write nothing (counts are relative)."""
    s = copy_site(template_site, tmp_path_factory.mktemp("shared") / "site.ahtui")
    yield s
    s.close()


def copy_site(template: Path, path: Path):
    for suffix in ("", ".keys"):
        shutil.copyfile(f"{template}{suffix}", f"{path}{suffix}")
    return open_site(path, ADMIN, PASSPHRASE)


@pytest.fixture
def site(site_path: Path, template_site: Path):
    """Overrides conftest's `site`: the same fresh, empty prison site, copied from a template."""
    s = copy_site(template_site, site_path)
    yield s
    s.close()


def count(site, table: str) -> int:
    return site.one(f"SELECT count(*) FROM {table}")[0]


def counts(site) -> dict[str, int]:
    return {t: count(site, t) for t in WATCHED}


def audit_for(site, table: str, row_id: str) -> list[Any]:
    return site.query(
        "SELECT * FROM audit WHERE table_name = ? AND row_id = ? ORDER BY id", (table, row_id)
    )


def assert_audited(site, table: str, row_id: str, action: str = "insert") -> Any:
    rows = [r for r in audit_for(site, table, row_id) if r["action"] == action]
    assert rows, f"no {action} audit row for {table} {row_id}"
    assert rows[-1]["user_id"] == site.user.id
    return rows[-1]


def assert_not_in_audit(site, *values: str) -> None:
    for row in site.query("SELECT * FROM audit"):
        for column in row.keys():
            cell = row[column]
            if cell is None:
                continue
            for value in values:
                assert value not in str(cell), (
                    f"record content {value!r} leaked into audit.{column}"
                )


def make_person(site, **over: Any) -> str:
    on = over.pop("on", date(2026, 1, 5))
    details = {"given_name": "Jordan", "family_name": "Testperson", "pathway": "long", **over}
    return people.create_person(site, details, on=on)


def make_practitioner(site, role: str, name: str | None = None) -> str:
    return team.add_practitioner(
        site, {"name": name or f"Pat {role.upper()}", "role": role, "email": f"{role}@example.org"}
    )


# -- people ----------------------------------------------------------------------------------


def test_create_person_writes_person_history_identification_and_audit(site):
    pom = make_practitioner(site, "pom")
    pid = people.create_person(
        site,
        {
            "given_name": "Zebulon",
            "family_name": "Quixotewright",
            "crn": "x123456",
            "nomis_number": "a1234bc",
            "date_of_birth": "2003-04-05",
            "pathway": "long",
            "sentence_date": "2026-01-05",
            "conditional_release_date": "2027-07-05",
            "prison": "HMP Northgate",
        },
        {"identified_on": "2026-01-10", "method": "self_disclosure", "notes": "Told his PA"},
        lead_practitioner_id=pom,
    )
    row = people.get_person(site, pid)
    assert (row["given_name"], row["family_name"]) == ("Zebulon", "Quixotewright")
    assert row["crn"] == "X123456" and row["nomis_number"] == "A1234BC"
    assert row["date_of_birth"] == "2003-04-05"
    assert row["lead_practitioner_id"] == pom and row["lead_role"] == "pom"
    assert row["updated_by"] == site.user.id
    assert people.find_person(site, "x123456")["id"] == pid
    assert people.find_person(site, "A1234BC")["id"] == pid

    history = people.pathway_history(site, pid)
    assert len(history) == 1
    h = history[0]
    assert (h["pathway"], h["from_date"], h["to_date"], h["reason"]) == (
        "long",
        "2026-01-10",
        None,
        "First recorded",
    )
    assert h["updated_by"] == site.user.id
    ident = site.one("SELECT * FROM identifications WHERE person_id = ?", (pid,))
    assert ident["method"] == "self_disclosure" and ident["identified_on"] == "2026-01-10"

    assert_audited(site, "people", pid)
    assert_audited(site, "pathway_history", h["id"])
    assert_audited(site, "identifications", ident["id"])
    assert_not_in_audit(site, "Zebulon", "Quixotewright", "X123456", "A1234BC", "Told his PA")


def test_default_lead_role_follows_pathway(site):
    expected = {"long": "pom", "short": "pp", "recall": "pp", "remand": "ces", "community": "pp"}
    for pathway, role in expected.items():
        pid = make_person(site, pathway=pathway)
        assert people.get_person(site, pid)["lead_role"] == role


def test_update_person_audits_column_names_not_values(site):
    pid = make_person(site)
    people.update_person(site, pid, {"prison": "HMP Unusualname", "preferred_name": "Jojo"})
    row = people.get_person(site, pid)
    assert row["prison"] == "HMP Unusualname" and row["preferred_name"] == "Jojo"
    audit = assert_audited(site, "people", pid, "update")
    assert set(audit["columns"].split(",")) == {"prison", "preferred_name"}
    assert_not_in_audit(site, "Unusualname", "Jojo")


BAD_PEOPLE = [
    pytest.param(
        {"sentence_date": "2025-02-30"}, "sentence_date", "not a real date", id="impossible-date"
    ),
    pytest.param(
        {"sentence_date": "2025-03-01", "release_date": "2025-01-01"},
        "release_date",
        "before the sentence date",
        id="release-before-sentence",
    ),
    pytest.param(
        {"release_date": "2026-03-01", "licence_end_date": "2026-02-01"},
        "licence_end_date",
        "licence end date (01 Feb 2026) is before the release date (01 Mar 2026)",
        id="licence-before-release",
    ),
    pytest.param({"given_name": None}, "given_name", "required", id="missing-name"),
    pytest.param({"family_name": "   "}, "family_name", "cannot be empty", id="blank-name"),
    pytest.param({"family_name": "x" * 101}, "family_name", "too long", id="oversized-name"),
    pytest.param({"crn": "12345"}, "crn", "one letter and six digits", id="bad-crn"),
    pytest.param({"crn": "XX12345"}, "crn", "one letter and six digits", id="bad-crn-letters"),
    pytest.param({"nomis_number": "A12BC"}, "nomis_number", "four digits", id="bad-nomis"),
    pytest.param(
        {"date_of_birth": (REAL_TODAY + timedelta(days=1)).isoformat()},
        "date_of_birth",
        "future",
        id="future-birth",
    ),
    pytest.param({"pathway": "sideways"}, "pathway", "is not one of", id="bad-pathway"),
    pytest.param(
        {"sentence_length_months": -1}, "sentence_length_months", "out of range", id="neg"
    ),
    pytest.param({"favourite_colour": "red"}, "favourite_colour", "not known", id="unknown-field"),
]


@pytest.mark.parametrize(("change", "field", "fragment"), BAD_PEOPLE)
def test_create_person_validation_is_plain_and_writes_nothing(shared_site, change, field, fragment):
    before = counts(shared_site)
    details = {"given_name": "Jordan", "family_name": "Testperson", "pathway": "long", **change}
    details = {k: v for k, v in details.items() if v is not None}
    with pytest.raises(ValidationFailed) as caught:
        people.create_person(shared_site, details)
    problems = caught.value.problems
    assert field in problems, problems
    assert fragment in problems[field]
    for message in problems.values():
        assert "pydantic" not in message.lower() and "Value error" not in message
    assert caught.value.exit_code == 2
    assert counts(shared_site) == before


def test_cleared_required_name_has_a_plain_message(site):
    pid = make_person(site)
    with pytest.raises(ValidationFailed) as caught:
        people.update_person(site, pid, {"given_name": None})
    assert caught.value.problems == {"given_name": "This is required."}


def test_identification_in_future_refused_and_nothing_written(site):
    before = counts(site)
    with pytest.raises(ValidationFailed) as caught:
        people.create_person(
            site,
            {"given_name": "A", "family_name": "B", "pathway": "short"},
            {"identified_on": (REAL_TODAY + timedelta(days=3)).isoformat(), "method": "oasys"},
        )
    assert "identified_on" in caught.value.problems
    assert counts(site) == before


def test_update_person_revalidates_whole_record_and_writes_nothing(site):
    pid = make_person(site, sentence_date="2026-01-05", release_date="2026-09-01")
    before = counts(site)
    with pytest.raises(ValidationFailed) as caught:
        people.update_person(site, pid, {"sentence_date": "2026-10-01"})
    assert caught.value.problems == {
        "release_date": "The release date (01 Sep 2026) is before the sentence date (01 Oct 2026)."
    }
    assert people.get_person(site, pid)["sentence_date"] == "2026-01-05"
    assert counts(site) == before


def test_update_person_refuses_pathway_and_lead(site):
    pid = make_person(site)
    with pytest.raises(BadInput, match="reason"):
        people.update_person(site, pid, {"pathway": "short"})
    assert people.get_person(site, pid)["pathway"] == "long"


def test_duplicate_crn_and_nomis_refused(site):
    first = make_person(site, crn="X111111", nomis_number="A1111AA")
    before = counts(site)
    with pytest.raises(BadInput, match="already has CRN X111111"):
        make_person(site, crn="x111111")
    with pytest.raises(BadInput, match="NOMIS number A1111AA"):
        make_person(site, nomis_number="a1111aa")
    assert counts(site) == before
    other = make_person(site, crn="X222222")
    with pytest.raises(BadInput, match="already has CRN"):
        people.update_person(site, other, {"crn": "X111111"})
    assert people.get_person(site, other)["crn"] == "X222222"
    # Saving a person's own CRN again is not a duplicate.
    people.update_person(site, first, {"crn": "X111111", "prison": "HMP Elsewhere"})


def test_get_and_find_unknown_person(site):
    with pytest.raises(NotFound):
        people.get_person(site, "no-such-id")
    with pytest.raises(NotFound):
        people.find_person(site, "X999999")


def test_change_pathway_keeps_history(site):
    pom = make_practitioner(site, "pom")
    pp = make_practitioner(site, "pp")
    pid = make_person(site, on=date(2026, 1, 5))
    people.change_lead(site, pid, pom, reason="POM allocated", on=date(2026, 1, 10))
    people.change_pathway(
        site,
        pid,
        "community",
        reason="Released on licence",
        on=date(2026, 9, 1),
        lead_practitioner_id=pp,
    )
    history = people.pathway_history(site, pid)
    assert [(h["pathway"], h["from_date"], h["to_date"]) for h in history] == [
        ("long", "2026-01-05", "2026-01-10"),
        ("long", "2026-01-10", "2026-09-01"),
        ("community", "2026-09-01", None),
    ]
    assert [h["reason"] for h in history] == [
        "First recorded",
        "POM allocated",
        "Released on licence",
    ]
    assert history[1]["lead_practitioner_id"] == pom and history[1]["lead_role"] == "pom"
    assert history[2]["lead_practitioner_id"] == pp and history[2]["lead_role"] == "pp"
    assert all(h["updated_by"] == site.user.id for h in history)
    row = people.get_person(site, pid)
    assert (row["pathway"], row["lead_practitioner_id"], row["lead_role"]) == (
        "community",
        pp,
        "pp",
    )
    assert_audited(site, "pathway_history", history[0]["id"], "update")
    assert (
        assert_audited(site, "pathway_history", history[1]["id"], "update")["columns"] == "to_date"
    )
    assert_audited(site, "pathway_history", history[2]["id"])
    assert_not_in_audit(site, "Released on licence", "POM allocated")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_change_pathway_and_lead_need_a_reason(site, reason):
    pp = make_practitioner(site, "pp")
    pid = make_person(site)
    before = counts(site)
    with pytest.raises(BadInput, match="reason"):
        people.change_pathway(site, pid, "short", reason=reason, on=date(2026, 2, 1))
    with pytest.raises(BadInput, match="reason"):
        people.change_lead(site, pid, pp, reason=reason, on=date(2026, 2, 1))
    assert counts(site) == before
    assert people.get_person(site, pid)["pathway"] == "long"


def test_change_pathway_before_current_period_is_refused_atomically(site):
    pid = make_person(site, on=date(2026, 3, 1))
    before = counts(site)
    with pytest.raises(BadInput, match="before the current period"):
        people.change_pathway(site, pid, "short", reason="Resentenced", on=date(2026, 2, 1))
    assert counts(site) == before
    [h] = people.pathway_history(site, pid)
    assert h["to_date"] is None


def test_change_lead_to_unknown_practitioner(site):
    pid = make_person(site)
    with pytest.raises(NotFound):
        people.change_lead(site, pid, "no-such-practitioner", reason="Handover")


def test_change_pathway_does_not_mislabel_the_kept_lead(site):
    pom = make_practitioner(site, "pom")
    pid = make_person(site, on=date(2026, 1, 5))
    people.change_lead(site, pid, pom, reason="POM allocated", on=date(2026, 1, 6))
    people.change_pathway(site, pid, "community", reason="Released", on=date(2026, 9, 1))
    row = people.get_person(site, pid)
    prac = site.one("SELECT role FROM practitioners WHERE id = ?", (row["lead_practitioner_id"],))
    # Either the lead is cleared for reallocation, or the role matches who actually leads.
    assert row["lead_practitioner_id"] is None or row["lead_role"] == prac["role"]


# -- consent ---------------------------------------------------------------------------------


def test_declined_consent_is_offered_again_three_months_later(site):
    pid = make_person(site)
    cid = consent.record_consent(
        site, pid, {"agency": "local_authority", "event": "declined", "on_date": "2026-08-23"}
    )
    row = site.one("SELECT * FROM consents WHERE id = ?", (cid,))
    assert row["reoffer_on"] == "2026-11-23"
    assert row["updated_by"] == site.user.id
    assert_audited(site, "consents", cid)
    # Month ends clamp rather than spill into the next month.
    cid = consent.record_consent(
        site, pid, {"agency": "probation", "event": "declined", "on_date": "2026-11-30"}
    )
    assert site.one("SELECT reoffer_on FROM consents WHERE id = ?", (cid,))[0] == "2027-02-28"
    # A date given explicitly is kept.
    cid = consent.record_consent(
        site,
        pid,
        {
            "agency": "prison",
            "event": "declined",
            "on_date": "2026-11-01",
            "reoffer_on": "2026-12-01",
        },
    )
    assert site.one("SELECT reoffer_on FROM consents WHERE id = ?", (cid,))[0] == "2026-12-01"


def test_given_consent_has_no_reoffer_date(site):
    pid = make_person(site)
    cid = consent.record_consent(
        site, pid, {"agency": "prison", "event": "given", "on_date": "2026-08-23"}
    )
    assert site.one("SELECT reoffer_on FROM consents WHERE id = ?", (cid,))[0] is None


def test_current_consents_is_the_latest_event_per_agency(site):
    pid = make_person(site)
    for agency, event, on in [
        ("prison", "offered", "2026-02-01"),
        ("prison", "given", "2026-02-01"),
        ("probation", "given", "2026-02-01"),
        ("probation", "withdrawn", "2026-03-15"),
        ("local_authority", "declined", "2026-02-01"),
        # Entered late but dated earlier: it does not override the later events.
        ("probation", "offered", "2026-01-20"),
    ]:
        consent.record_consent(site, pid, {"agency": agency, "event": event, "on_date": on})
    current = consent.current_consents(site, pid)
    assert {a.value: s.event.value for a, s in current.items()} == {
        "prison": "given",
        "probation": "withdrawn",
        "local_authority": "declined",
    }
    assert current["prison"].allows_sharing
    assert not current["probation"].allows_sharing
    assert current["probation"].on == date(2026, 3, 15)
    assert current["local_authority"].reoffer_on == date(2026, 5, 1)
    assert len(consent.consent_history(site, pid)) == 6


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"agency": "other", "event": "given", "on_date": "2026-02-01"}, "other_agency_name"),
        (
            {
                "agency": "prison",
                "event": "declined",
                "on_date": "2026-02-01",
                "reoffer_on": "2026-01-01",
            },
            "reoffer_on",
        ),
        ({"agency": "prison", "event": "given", "on_date": "2026-02-30"}, "on_date"),
        ({"agency": "mi5", "event": "given", "on_date": "2026-02-01"}, "agency"),
    ],
)
def test_consent_validation(shared_site, data, field):
    pid = make_person(shared_site)
    before = counts(shared_site)
    with pytest.raises(ValidationFailed) as caught:
        consent.record_consent(shared_site, pid, data)
    assert field in caught.value.problems
    assert counts(shared_site) == before


# -- the team --------------------------------------------------------------------------------


def test_add_to_team_and_leave(site):
    pid = make_person(site)
    pa = make_practitioner(site, "pa", "Robin Leavingcare")
    mid = team.add_to_team(site, pid, pa, from_date=date(2026, 2, 1), notes="Weekly visits")
    row = site.one("SELECT * FROM team_members WHERE id = ?", (mid,))
    assert (row["role"], row["from_date"], row["to_date"], row["updated_by"]) == (
        "pa",
        "2026-02-01",
        None,
        site.user.id,
    )
    assert [m["name"] for m in team.team(site, pid)] == ["Robin Leavingcare"]
    assert_audited(site, "team_members", mid)

    before = counts(site)
    with pytest.raises(BadInput, match="already in this person's team"):
        team.add_to_team(site, pid, pa, from_date=date(2026, 3, 1))
    with pytest.raises(BadInput, match="before the date they joined"):
        team.leave_team(site, mid, on=date(2026, 1, 31))
    assert counts(site) == before

    team.leave_team(site, mid, on=date(2026, 6, 30))
    row = site.one("SELECT * FROM team_members WHERE id = ?", (mid,))
    assert row["to_date"] == "2026-06-30" and row["is_lead"] == 0
    assert team.team(site, pid) == []
    assert len(team.team(site, pid, include_past=True)) == 1
    assert "to_date" in assert_audited(site, "team_members", mid, "update")["columns"]
    # Having left, they can join again.
    team.add_to_team(site, pid, pa, from_date=date(2026, 8, 1))
    assert_not_in_audit(site, "Robin Leavingcare", "Weekly visits")


def test_add_to_team_checks_person_and_practitioner(site):
    pid = make_person(site)
    pa = make_practitioner(site, "pa")
    with pytest.raises(NotFound):
        team.add_to_team(site, pid, "no-such-practitioner")
    with pytest.raises(NotFound):
        team.add_to_team(site, "no-such-person", pa)


def test_practitioner_and_contact_validation(site):
    pid = make_person(site)
    before = counts(site)
    with pytest.raises(ValidationFailed) as caught:
        team.add_practitioner(site, {"name": "Sam", "role": "pom", "email": "sam-at-example"})
    assert "email" in caught.value.problems
    with pytest.raises(ValidationFailed) as caught:
        team.add_practitioner(site, {"name": "Sam", "role": "astronaut"})
    assert "role" in caught.value.problems
    with pytest.raises(ValidationFailed) as caught:
        team.add_contact(site, pid, {"name": "Auntie"})
    assert "relationship" in caught.value.problems
    assert counts(site) == before
    cid = team.add_contact(site, pid, {"name": "Mavis Kinsperson", "relationship": "Aunt"})
    assert [c["id"] for c in team.contacts(site, pid)] == [cid]
    assert_not_in_audit(site, "Mavis Kinsperson")


# -- actions ---------------------------------------------------------------------------------


def test_actions_add_complete_and_follow_up(site):
    pid = make_person(site)
    pa = make_practitioner(site, "pa", "Jo Actionowner")
    aid = actions.add_action(
        site,
        pid,
        {
            "step": "Arrange Quetzalcoatl ID documents",
            "responsible_practitioner_id": pa,
            "due_on": "2026-11-01",
        },
    )
    row = site.one("SELECT * FROM actions WHERE id = ?", (aid,))
    assert row["responsible_name"] == "Jo Actionowner"  # filled from the practitioner
    assert row["due_on"] == "2026-11-01" and row["completed_on"] is None
    assert row["updated_by"] == site.user.id
    assert_audited(site, "actions", aid)

    actions.complete_action(site, aid, on=date(2026, 11, 2))
    assert site.one("SELECT completed_on FROM actions WHERE id = ?", (aid,))[0] == "2026-11-02"
    assert assert_audited(site, "actions", aid, "update")["columns"] == "completed_on"
    before = counts(site)
    with pytest.raises(BadInput, match="already completed on 2026-11-02"):
        actions.complete_action(site, aid, on=date(2026, 11, 3))
    assert counts(site) == before

    fid = actions.add_follow_up(
        site, aid, {"step": "Check the documents arrived", "due_on": "2026-12-01"}
    )
    follow = site.one("SELECT * FROM actions WHERE id = ?", (fid,))
    assert follow["follow_up_of"] == aid and follow["person_id"] == pid
    assert [a["id"] for a in actions.actions_for(site, pid)] == [fid, aid]  # open first
    assert_not_in_audit(site, "Quetzalcoatl", "Jo Actionowner")


def test_follow_up_for_another_person_refused(site):
    pid = make_person(site)
    other = make_person(site, given_name="Other")
    aid = actions.add_action(site, pid, {"step": "Book a visit"})
    before = counts(site)
    with pytest.raises(BadInput, match="same person"):
        actions.add_action(site, other, {"step": "Follow it up", "follow_up_of": aid})
    assert counts(site) == before


def test_action_validation_and_future_completion(site):
    pid = make_person(site)
    before = counts(site)
    with pytest.raises(ValidationFailed) as caught:
        actions.add_action(site, pid, {"step": "  "})
    assert "step" in caught.value.problems
    with pytest.raises(ValidationFailed) as caught:
        actions.add_action(site, pid, {"step": "x", "due_on": "2026-02-30"})
    assert "due_on" in caught.value.problems
    with pytest.raises(NotFound):
        actions.add_action(site, pid, {"step": "x", "responsible_practitioner_id": "nobody"})
    assert counts(site) == before
    aid = actions.add_action(site, pid, {"step": "x"})
    with pytest.raises(BadInput, match="future"):
        actions.complete_action(site, aid, on=REAL_TODAY + timedelta(days=1))


def test_action_meeting_must_be_the_same_persons(site):
    pid = make_person(site)
    other = make_person(site, given_name="Other")
    mid = meetings.schedule_meeting(
        site,
        other,
        {"meeting_type": "planning_1", "scheduled_at": "2026-11-01T10:00", "mode": "video"},
    )
    with pytest.raises(BadInput):
        actions.add_action(site, pid, {"step": "From someone else's meeting", "meeting_id": mid})


# -- meetings --------------------------------------------------------------------------------


def _team(site, pid: str, *roles: str) -> dict[str, str]:
    out = {}
    for role in roles:
        prac = make_practitioner(site, role)
        team.add_to_team(site, pid, prac, from_date=date(2026, 1, 5))
        out[role] = prac
    return out


def test_planning_meeting_1_on_long_sentence_chaired_by_pom(site):
    pid = make_person(site, pathway="long")
    members = _team(site, pid, "pa", "pom", "pp")
    mid = meetings.schedule_meeting(
        site,
        pid,
        {"meeting_type": "planning_1", "scheduled_at": "2026-11-02T10:00", "mode": "video"},
        attendee_ids=[members["pom"], members["pa"]],
        with_person=True,
    )
    row = site.one("SELECT * FROM meetings WHERE id = ?", (mid,))
    assert row["chair_practitioner_id"] == members["pom"]
    assert (row["status"], row["pathway"], row["scheduled_at"]) == (
        "scheduled",
        "long",
        "2026-11-02T10:00",
    )
    assert row["updated_by"] == site.user.id
    attendees = site.query("SELECT * FROM meeting_attendees WHERE meeting_id = ?", (mid,))
    assert sorted((a["role"] or "", a["is_person"]) for a in attendees) == [
        ("", 1),
        ("pa", 0),
        ("pom", 0),
    ]
    assert_audited(site, "meetings", mid)
    [listed] = meetings.meetings_for(site, pid)
    assert listed["chair_name"] == "Pat POM"
    # The handover on a long sentence is the PP's.
    hid = meetings.schedule_meeting(
        site, pid, {"meeting_type": "handover", "scheduled_at": "2026-11-03T10:00", "mode": "phone"}
    )
    assert (
        site.one("SELECT chair_practitioner_id FROM meetings WHERE id = ?", (hid,))[0]
        == members["pp"]
    )


@pytest.mark.parametrize("pathway", ["short", "recall"])
def test_planning_meeting_1_on_short_or_recall_chaired_by_pp(site, pathway):
    pid = make_person(site, pathway=pathway)
    members = _team(site, pid, "pom", "pp", "pa")
    mid = meetings.schedule_meeting(
        site,
        pid,
        {"meeting_type": "planning_1", "scheduled_at": "2026-11-02T10:00", "mode": "video"},
    )
    assert (
        site.one("SELECT chair_practitioner_id FROM meetings WHERE id = ?", (mid,))[0]
        == members["pp"]
    )


def test_chair_absent_from_team_or_given_explicitly(site):
    pid = make_person(site, pathway="long")
    members = _team(site, pid, "pa")
    mid = meetings.schedule_meeting(
        site,
        pid,
        {"meeting_type": "planning_1", "scheduled_at": "2026-11-02T10:00", "mode": "video"},
    )
    assert site.one("SELECT chair_practitioner_id FROM meetings WHERE id = ?", (mid,))[0] is None
    mid = meetings.schedule_meeting(
        site,
        pid,
        {
            "meeting_type": "planning_1",
            "scheduled_at": "2026-11-02T10:00",
            "mode": "video",
            "chair_practitioner_id": members["pa"],
        },
    )
    assert (
        site.one("SELECT chair_practitioner_id FROM meetings WHERE id = ?", (mid,))[0]
        == members["pa"]
    )


def test_record_held(site):
    pid = make_person(site)
    mid = meetings.schedule_meeting(
        site,
        pid,
        {"meeting_type": "planning_1", "scheduled_at": "2026-11-02T10:00", "mode": "video"},
    )
    meetings.record_held(site, mid, outcomes="Agreed Xylophonic housing plan")
    row = site.one("SELECT * FROM meetings WHERE id = ?", (mid,))
    assert (row["status"], row["held_on"], row["outcomes"]) == (
        "held",
        "2026-11-02",
        "Agreed Xylophonic housing plan",
    )
    audit = assert_audited(site, "meetings", mid, "update")
    assert {"status", "held_on", "outcomes"} <= set(audit["columns"].split(","))
    assert_not_in_audit(site, "Xylophonic")


def test_future_meeting_cannot_be_held(site):
    pid = make_person(site)
    later = (REAL_TODAY + timedelta(days=7)).isoformat()
    mid = meetings.schedule_meeting(
        site, pid, {"meeting_type": "review", "scheduled_at": f"{later}T10:00", "mode": "phone"}
    )
    with pytest.raises(BadInput, match="future"):
        meetings.record_held(site, mid)
    assert site.one("SELECT status FROM meetings WHERE id = ?", (mid,))[0] == "scheduled"


@pytest.mark.parametrize("when", ["2026-02-30T10:00", "2026-11-02T25:00", "2026-11-02", "tomorrow"])
def test_meeting_time_validation(shared_site, when):
    pid = make_person(shared_site)
    before = counts(shared_site)
    with pytest.raises(ValidationFailed) as caught:
        meetings.schedule_meeting(
            shared_site, pid, {"meeting_type": "review", "scheduled_at": when, "mode": "phone"}
        )
    assert "scheduled_at" in caught.value.problems
    assert counts(shared_site) == before


def test_meeting_with_unknown_attendee_writes_nothing(site):
    pid = make_person(site)
    before = counts(site)
    with pytest.raises(NotFound):
        meetings.schedule_meeting(
            site,
            pid,
            {"meeting_type": "review", "scheduled_at": "2026-11-02T10:00", "mode": "phone"},
            attendee_ids=["nobody"],
        )
    assert counts(site) == before


# -- notes -----------------------------------------------------------------------------------


def test_notes_store_sensitive_flag(site):
    pid = make_person(site)
    when = (REAL_TODAY - timedelta(days=1)).isoformat()
    plain = notes.add_note(
        site, pid, {"contact_type": "phone", "contact_at": when, "body": "Routine call"}
    )
    secret = notes.add_note(
        site,
        pid,
        {
            "contact_type": "pa_visit",
            "contact_at": f"{when}T11:30",
            "kind": "opinion",
            "sensitive": True,
            "body": "Disclosed Zanzibarian family matter",
        },
    )
    row = site.one("SELECT * FROM case_notes WHERE id = ?", (secret,))
    assert (row["sensitive"], row["kind"], row["contact_at"]) == (1, "opinion", f"{when}T11:30")
    assert row["updated_by"] == site.user.id
    assert site.one("SELECT sensitive FROM case_notes WHERE id = ?", (plain,))[0] == 0
    assert {n["id"] for n in notes.notes_for(site, pid)} == {plain, secret}
    assert [n["id"] for n in notes.notes_for(site, pid, include_sensitive=False)] == [plain]
    assert_audited(site, "case_notes", secret)
    assert_not_in_audit(site, "Zanzibarian", "Routine call")


def test_note_body_limit(site):
    pid = make_person(site)
    when = (REAL_TODAY - timedelta(days=1)).isoformat()
    notes.add_note(site, pid, {"contact_type": "letter", "contact_at": when, "body": "y" * 20_000})
    before = counts(site)
    with pytest.raises(ValidationFailed) as caught:
        notes.add_note(
            site, pid, {"contact_type": "letter", "contact_at": when, "body": "y" * 20_001}
        )
    assert "too long" in caught.value.problems["body"]
    assert "20000" in caught.value.problems["body"]
    assert counts(site) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"contact_at": "2025-02-30"}, "contact_at"),
        ({"contact_at": (REAL_TODAY + timedelta(days=2)).isoformat()}, "contact_at"),
        ({"body": "   "}, "body"),
        ({"contact_type": "telepathy"}, "contact_type"),
    ],
)
def test_note_validation(shared_site, data, field):
    pid = make_person(shared_site)
    note = {"contact_type": "phone", "contact_at": "2026-11-01", "body": "Called", **data}
    before = counts(shared_site)
    with pytest.raises(ValidationFailed) as caught:
        notes.add_note(shared_site, pid, note)
    assert field in caught.value.problems
    assert counts(shared_site) == before


def test_note_with_impossible_time_refused(shared_site):
    pid = make_person(shared_site)
    with pytest.raises(ValidationFailed) as caught:
        notes.add_note(
            shared_site,
            pid,
            {"contact_type": "phone", "contact_at": "2026-11-01T25:99", "body": "x"},
        )
    assert "contact_at" in caught.value.problems


# -- My Plan ---------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 11, -3, 5.5, "7"])
def test_wheel_score_out_of_range_refused(shared_site, score):
    pid = make_person(shared_site)
    before = counts(shared_site)
    with pytest.raises(BadInput, match="1 to 10"):
        myplan.add_wheel_score(shared_site, pid, "Home", score, date(2026, 11, 1))
    assert counts(shared_site) == before


def test_wheel_score_refuses_bool(site):
    pid = make_person(site)
    with pytest.raises(BadInput):
        myplan.add_wheel_score(site, pid, "Home", True, date(2026, 11, 1))


def test_agree_plan_snapshots_goals(site):
    pid = make_person(site)
    myplan.save_about_me(site, pid, about_me="I like cooking", what_helps="People who turn up")
    for area, score in (("Home", 1), ("Money", 10)):
        myplan.add_wheel_score(site, pid, area, score, date(2026, 11, 1))
    goal = myplan.add_goal(site, pid, "Get my own Periwinkle flat", target_on=date(2027, 5, 1))
    myplan.add_goal_step(site, goal, "Apply for housing with my PA", who_helps="Personal Advisor")
    vid = myplan.agree_plan(site, pid, agreed_on=date(2026, 11, 20))
    row = site.one("SELECT * FROM plan_versions WHERE id = ?", (vid,))
    assert row["agreed_on"] == "2026-11-20" and row["updated_by"] == site.user.id
    snap = json.loads(row["snapshot"])
    assert [g["goal"] for g in snap["goals"]] == ["Get my own Periwinkle flat"]
    assert snap["goals"][0]["target_on"] == "2027-05-01"
    assert [s["step"] for s in snap["goals"][0]["steps"]] == ["Apply for housing with my PA"]
    assert [(w["area"], w["score"]) for w in snap["wheel"]] == [("Home", 1), ("Money", 10)]
    assert snap["about_me"] == "I like cooking"
    assert_audited(site, "plan_versions", vid)
    # The agreed version does not move when the plan changes afterwards.
    myplan.add_goal(site, pid, "Start a course")
    again = json.loads(site.one("SELECT snapshot FROM plan_versions WHERE id = ?", (vid,))[0])
    assert len(again["goals"]) == 1
    assert_not_in_audit(site, "Periwinkle", "I like cooking")


def test_plan_text_validation(site):
    pid = make_person(site)
    before = counts(site)
    with pytest.raises(BadInput, match="own words"):
        myplan.add_goal(site, pid, "   ")
    with pytest.raises(BadInput, match="too long"):
        myplan.save_about_me(site, pid, about_me="z" * 20_001)
    assert counts(site) == before


# -- users -----------------------------------------------------------------------------------


def test_users_add_list_change_and_remove(site):
    account = users.add_user(site, "bob", "bobs long passphrase", display_name="Bob Smith")
    listed = {a.username: a for a in users.list_users(site)}
    assert set(listed) == {ADMIN, "bob"}
    assert listed["bob"].role == "practitioner" and listed["bob"].can_unlock
    assert listed["bob"].display_name == "Bob Smith" and listed["bob"].id == account.id
    row = site.one("SELECT * FROM users WHERE id = ?", (account.id,))
    assert row["updated_by"] == site.user.id
    assert_audited(site, "users", account.id)
    assert_not_in_audit(site, "bobs long passphrase", "Bob Smith")

    with open_site(site.path, "bob", "bobs long passphrase") as bob:
        assert bob.user.username == "bob" and bob.user.role == "practitioner"

    users.change_passphrase(site, "bob", "bobs newer passphrase")
    with pytest.raises(WrongPassphrase):
        open_site(site.path, "bob", "bobs long passphrase")
    with open_site(site.path, "bob", "bobs newer passphrase") as bob:
        assert bob.user.id == account.id
    assert_not_in_audit(site, "bobs newer passphrase")

    users.remove_user(site, "bob")
    assert [a.username for a in users.list_users(site)] == [ADMIN]
    with pytest.raises(WrongPassphrase):
        open_site(site.path, "bob", "bobs newer passphrase")
    removed = site.one("SELECT * FROM users WHERE id = ?", (account.id,))
    assert removed["deleted_at"] is not None  # soft-deleted: past writes stay attributed
    assert assert_audited(site, "users", account.id, "delete")
    # The name can be used again.
    users.add_user(site, "bob", "another long passphrase")


def test_non_admin_cannot_manage_other_users(site):
    users.add_user(site, "carol", "carols long passphrase")
    with open_site(site.path, "carol", "carols long passphrase") as carol:
        before = count(carol, "users")
        with pytest.raises(NotAllowed):
            users.add_user(carol, "dave", "daves long passphrase")
        with pytest.raises(NotAllowed):
            users.remove_user(carol, ADMIN)
        with pytest.raises(NotAllowed):
            users.change_passphrase(carol, ADMIN, "hijacked passphrase")
        assert count(carol, "users") == before
        # A user may change their own passphrase.
        users.change_passphrase(carol, "carol", "carols second passphrase")
    with open_site(site.path, ADMIN, PASSPHRASE):
        pass
    with open_site(site.path, "carol", "carols second passphrase"):
        pass


def test_user_input_refused(site):
    before = count(site, "users")
    with pytest.raises(BadInput, match="too short"):
        users.add_user(site, "erin", "short")
    with pytest.raises(BadInput, match="not a usable user name"):
        users.add_user(site, "Erin Smith", "a long enough passphrase")
    with pytest.raises(BadInput, match="Unknown role"):
        users.add_user(site, "erin", "a long enough passphrase", role="superuser")
    with pytest.raises(BadInput, match="already a user"):
        users.add_user(site, ADMIN, "a long enough passphrase")
    with pytest.raises(BadInput, match="your own account"):
        users.remove_user(site, ADMIN)
    with pytest.raises(NotFound):
        users.remove_user(site, "nobody")
    with pytest.raises(BadInput, match="too short"):
        users.change_passphrase(site, ADMIN, "short")
    assert count(site, "users") == before
    with open_site(site.path, ADMIN, PASSPHRASE):
        pass


def test_wrong_passphrase_refused(site):
    with pytest.raises(WrongPassphrase):
        open_site(site.path, ADMIN, PASSPHRASE + "!")
    with pytest.raises(WrongPassphrase):
        open_site(site.path, "nobody", PASSPHRASE)


# -- the audit log ---------------------------------------------------------------------------


def test_unlock_is_audited(site):
    unlocks = "SELECT * FROM audit WHERE action = 'unlock' AND table_name = 'users'"
    before = len(site.query(unlocks))
    with open_site(site.path, ADMIN, PASSPHRASE) as again:
        rows = again.query(unlocks)
        assert len(rows) == before + 1
        assert all(r["user_id"] == again.user.id for r in rows)
        assert rows[-1]["row_id"] is None and rows[-1]["columns"] is None


def test_audit_is_append_only(site):
    make_person(site)
    before = site.query("SELECT * FROM audit ORDER BY id")
    assert before
    with pytest.raises(DatabaseError, match="append-only"):
        site.conn.execute("UPDATE audit SET user_id = 'someone else'")
    with pytest.raises(DatabaseError, match="append-only"):
        site.conn.execute("DELETE FROM audit")
    with pytest.raises(DatabaseError, match="append-only"):
        site.conn.execute("DELETE FROM audit WHERE id = ?", (before[-1]["id"],))
    after = site.query("SELECT * FROM audit ORDER BY id")
    assert [tuple(r) for r in after] == [tuple(r) for r in before]


# -- the caseload ----------------------------------------------------------------------------


def _demo_site(path: Path):
    s = init_site(path, name="Demo", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    build_demo(s, people=40, seed=1, today=TODAY)
    return s


@pytest.fixture
def demo_site(site):
    build_demo(site, people=40, seed=1, today=TODAY)
    s = site
    yield s
    s.close()


def test_caseload_covers_every_pathway_sorted_by_urgency(demo_site):
    # People with nothing due: recorded today on remand, with no actions.
    quiet = {
        people.create_person(
            demo_site,
            {"given_name": "Aaron", "family_name": f"Aardvark{n}", "pathway": "remand"},
            on=TODAY,
        )
        for n in range(2)
    }
    rows = caseload(demo_site, TODAY)
    assert len(rows) == 42
    assert {r.pathway for r in rows} == {"long", "short", "recall", "remand", "community"}
    overdue = [r.overdue_count for r in rows]
    assert overdue == sorted(overdue, reverse=True)
    assert overdue[0] > 0
    none_due = [i for i, r in enumerate(rows) if r.next_due_on is None]
    assert {rows[i].person_id for i in none_due} >= quiet
    assert none_due == list(range(len(rows) - len(none_due), len(rows)))  # last
    for r in rows[: len(rows) - len(none_due)]:
        assert r.next_due_title and r.next_due_status in {"upcoming", "due", "overdue"}
    # Within the same overdue count, the soonest due comes first.
    for a, b in zip(rows, rows[1:], strict=False):
        if a.overdue_count == b.overdue_count and b.next_due_on is not None:
            assert a.next_due_on <= b.next_due_on
    assert all(r.lead_role for r in rows if r.person_id not in quiet)
    # The lead follows the rules: past the handover with no Probation Practitioner in the team,
    # the lead is the PP role with no one in it (the caseload says a lead must be allocated).
    for r in rows:
        if r.person_id not in quiet and not r.lead_name:
            assert r.lead_role == "pp"
            assert not {m["role"] for m in team.team(demo_site, r.person_id) if m["role"] == "pp"}
            assert any(i.key == "handover" for i in schedule_for(demo_site, r.person_id, TODAY))


def test_overdue_action_counts_in_caseload(site):
    pid = make_person(site, pathway="remand", on=TODAY)
    [row] = caseload(site, TODAY)
    assert row.overdue_count == 0 and row.next_due_on is None
    actions.add_action(site, pid, {"step": "Ring the solicitor", "due_on": "2026-11-01"})
    [row] = caseload(site, TODAY)
    assert row.overdue_count == 1
    assert row.next_due_title == "Action: Ring the solicitor"
    assert (row.next_due_on, row.next_due_status) == (date(2026, 11, 1), "overdue")


def test_demo_is_deterministic(tmp_path: Path):
    first = _demo_site(tmp_path / "one.ahtui")
    second = _demo_site(tmp_path / "two.ahtui")
    try:
        a, b = caseload(first, TODAY), caseload(second, TODAY)
        assert a == b
        assert len({r.person_id for r in a}) == 40
        ids = "SELECT id FROM {} ORDER BY id"
        for table in ("people", "practitioners", "actions", "meetings", "case_notes"):
            assert [tuple(r) for r in first.query(ids.format(table))] == [
                tuple(r) for r in second.query(ids.format(table))
            ]
        assert first.site_id != second.site_id
    finally:
        first.close()
        second.close()
