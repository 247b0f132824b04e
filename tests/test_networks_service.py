"""The support network and release-day/remand services against a real SQLCipher site.

A network from offer to review (dates checked against the steps before them, the review due 6
weeks after the plan starts, in the timeline and the team view's summary); the release-day plan
with its first appointment, filled from what Planning Meeting 2 recorded; the check-in after
release; the remand support record; the overview lines as release nears.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ahtui.errors import BadInput, ValidationFailed
from ahtui.store import meetings, networks, people, release
from ahtui.store.timeline import timeline

TODAY = date(2025, 3, 3)


def _person(site, pathway: str = "long", **dates) -> str:
    return people.create_person(
        site,
        {
            "given_name": "Kai",
            "family_name": "Mensah",
            "pathway": pathway,
            "date_of_birth": "2003-04-05",
            **({"sentence_date": "2023-01-10"} if pathway != "remand" else {}),
            **dates,
        },
        on=date(2024, 1, 1),
    )


# -- support network ---------------------------------------------------------------------------
def test_network_from_offer_to_review(site) -> None:
    pid = _person(site)
    nid = networks.offer(
        site,
        pid,
        offer_type="lifelong_links",
        offered_on=date(2024, 11, 1),
        outcome="accepted",
        today=TODAY,
    )
    networks.record_referral(
        site, nid, referred_on=date(2024, 11, 8), referred_to="Leeds Lifelong Links", today=TODAY
    )
    networks.allocate_coordinator(
        site, nid, name="Ana Ruiz", contact="0113 496 0000", allocated_on=date(2024, 11, 20)
    )
    aunt = networks.add_member(site, nid, name="Grace Mensah", relationship="Aunt")
    networks.add_member(site, nid, name="Dev Shah", relationship="Old foster carer")
    networks.vet_member(site, aunt, by_role="pom", vetted_on=date(2024, 12, 2), today=TODAY)
    networks.set_conference(site, nid, conference_on=date(2024, 12, 16))
    networks.save_plan(site, nid, plan_text="Aunt visits monthly.", started_on=date(2025, 1, 6))

    n = networks.networks_for(site, pid)[0]
    assert (n["referred_to"], n["coordinator_name"], networks.stage(n)) == (
        "Leeds Lifelong Links",
        "Ana Ruiz",
        "plan in place",
    )
    members = networks.members_for(site, nid)
    assert [(m["name"], m["vetted_by_role"]) for m in members] == [
        ("Grace Mensah", "pom"),
        ("Dev Shah", None),
    ]
    # Review due 6 weeks after 6 Jan 2025: 17 Feb, overdue on 3 Mar.
    review = networks.reviews_for(site, pid, TODAY)[nid]
    assert review.due_on == date(2025, 2, 17)
    assert review.words == "review due 17 Feb 2025 (OVERDUE)"
    summary = networks.network_summary(site, pid, TODAY)
    assert summary[0] == "Lifelong Links: plan in place, offered 01 Nov 2024 (accepted)"
    assert "2 members, 1 vetted" in summary[1] and "to Leeds Lifelong Links" in summary[1]
    assert summary[2] == "  plan started 06 Jan 2025; review due 17 Feb 2025 (OVERDUE)"
    texts = [(e.on, e.text) for e in timeline(site, pid, TODAY) if e.kind == "network"]
    assert (date(2025, 2, 17), "Lifelong Links: network plan review due (OVERDUE)") in texts
    assert (date(2024, 11, 8), "Lifelong Links: referred to Leeds Lifelong Links") in texts
    assert (date(2024, 12, 2), "Lifelong Links: Grace Mensah vetted by the POM") in texts

    networks.record_review(site, nid, reviewed_on=date(2025, 2, 20), today=TODAY)
    assert networks.reviews_for(site, pid, TODAY)[nid].words == "reviewed 20 Feb 2025 (DONE)"
    texts = [e.text for e in timeline(site, pid, TODAY) if e.kind == "network"]
    assert "Lifelong Links: network plan reviewed (DONE)" in texts
    assert not any("review due" in t for t in texts)
    # Written by the signed-in user and audited (without the content).
    audit = site.query("SELECT DISTINCT table_name FROM audit WHERE row_id = ?", (nid,))
    assert [r["table_name"] for r in audit] == ["support_networks"]


def test_network_dates_are_checked_in_order(site) -> None:
    pid = _person(site)
    nid = networks.offer(site, pid, offer_type="family_group_conference", offered_on=TODAY)
    with pytest.raises(ValidationFailed) as exc:
        networks.record_referral(site, nid, referred_on=date(2025, 2, 1), referred_to="FGC team")
    assert "before the offer" in exc.value.problems["referred_on"]
    with pytest.raises(ValidationFailed) as exc:
        networks.offer(
            site, pid, offer_type="other", offered_on=TODAY + timedelta(days=1), today=TODAY
        )
    assert "future" in exc.value.problems["offered_on"]
    with pytest.raises(BadInput, match="no network plan"):
        networks.record_review(site, nid, reviewed_on=TODAY)
    with pytest.raises(ValidationFailed) as exc:
        networks.vet_member(
            site, networks.add_member(site, nid, name="Sam"), by_role="pa", vetted_on=TODAY
        )
    assert "POM or the PP" in exc.value.problems["by_role"]
    with pytest.raises(ValidationFailed):
        networks.save_plan(site, nid, plan_text="  ", started_on=TODAY)
    declined = networks.offer(site, pid, offer_type="lifelong_links", outcome="declined")
    with pytest.raises(BadInput, match="declined"):
        networks.record_referral(site, declined, referred_on=TODAY, referred_to="X")


def test_summary_when_none(site) -> None:
    pid = _person(site)
    assert networks.network_summary(site, pid, TODAY) == ["Support network: none offered yet."]


# -- release day -----------------------------------------------------------------------------
def test_release_day_plan_and_overview_lines(site) -> None:
    pid = _person(site, conditional_release_date="2025-04-14")
    # Nothing planned yet: the overview says so, in words.
    assert release.release_summary(site, pid, TODAY) == [
        "Release 14 Apr 2025 (in 42 days)",
        "NO GATE PLAN: nobody is named to meet them at the gate.",
        "First probation appointment: NOT BOOKED",
    ]
    # More than 12 weeks out: nothing on the overview.
    assert release.release_summary(site, pid, date(2025, 1, 1)) == []
    with pytest.raises(ValidationFailed) as exc:
        release.save_release_day(
            site,
            pid,
            release_on=date(2025, 4, 14),
            first_on=date(2025, 4, 11),
            first_time="25:00",
        )
    assert "before the release day" in exc.value.problems["first_on"]
    assert "HH:MM" in exc.value.problems["first_time"]
    release.save_release_day(
        site,
        pid,
        release_on=date(2025, 4, 14),
        gate_person="Tom Reed (PA)",
        gate_backup="Aunt Grace",
        first_on=date(2025, 4, 15),
        first_time="9:30",
        first_place="Leeds probation office",
        travel="Bus with the PA",
        pa_attends=True,
    )
    plan = release.release_plan(site, pid)
    assert plan["first_appointment_at"] == "2025-04-15T09:30"
    assert release.release_summary(site, pid, TODAY) == [
        "Release 14 Apr 2025 (in 42 days)",
        "Gate: Tom Reed (PA); stands in: Aunt Grace",
        "First probation appointment: 15 Apr 2025 09:30, Leeds probation office",
        "Travel: Bus with the PA · PA attends: yes",
    ]
    # National Standard 3.3: more than one working day after release is flagged in words.
    release.save_release_day(site, pid, release_on=date(2025, 4, 14), first_on=date(2025, 4, 17))
    assert "LATE" in release.release_summary(site, pid, TODAY)[2]
    entries = [e for e in timeline(site, pid, TODAY) if e.kind == "release"]
    assert entries[0].on == date(2025, 4, 14) and "first appointment 17 Apr" in entries[0].text


def test_checkin_after_release(site) -> None:
    pid = _person(site, conditional_release_date="2025-02-24")
    with pytest.raises(BadInput, match="after release"):
        release.record_checkin(
            site,
            pid,
            checkin_on=date(2025, 2, 20),
            to_plan="yes",
            notes="x",
            today=date(2025, 2, 20),
        )
    assert release.release_summary(site, pid, TODAY) == [
        "Released 24 Feb 2025 · CHECK-IN DUE: how did the day go? (r)"
    ]
    with pytest.raises(ValidationFailed) as exc:
        release.record_checkin(
            site, pid, checkin_on=date(2025, 2, 23), to_plan="yes", notes="", today=TODAY
        )
    assert "before the release day" in exc.value.problems["checkin_on"]
    release.record_checkin(
        site,
        pid,
        checkin_on=date(2025, 2, 26),
        to_plan="partly",
        notes="Met at the gate; the bus was late.",
        today=TODAY,
    )
    plan = release.release_plan(site, pid)
    assert (plan["release_on"], plan["checkin_to_plan"]) == ("2025-02-24", "partly")
    assert release.release_summary(site, pid, TODAY) == [
        "Released 24 Feb 2025 · check-in 26 Feb 2025 DONE: went to plan: partly"
    ]
    texts = [e.text for e in timeline(site, pid, TODAY) if e.kind == "release"]
    assert "Release day check-in: went to plan: partly" in texts


def test_prefill_from_the_resettlement_meeting(site) -> None:
    pid = _person(site, conditional_release_date="2025-04-14")
    assert release.prefill_from_meetings(site, pid).values == {}
    mid = meetings.schedule_meeting(
        site,
        pid,
        {"meeting_type": "resettlement", "scheduled_at": "2025-02-10T10:00", "mode": "in_person"},
    )
    meetings.record_item(
        site, mid, "my_plan.gate", notes="Meets at gate: Tom Reed (PA)\nStands in: Aunt Grace"
    )
    meetings.record_item(
        site,
        mid,
        "my_plan.first_appointment",
        notes="When: 2025-04-15 at 09:30; Place: Leeds probation office; "
        "Travel: bus with the PA; PA attends: yes",
    )
    pre = release.prefill_from_meetings(site, pid)
    assert pre.meeting_id == mid
    assert pre.meeting == "Resettlement meeting, 10 Feb 2025"
    assert pre.values == {
        "gate_person": "Tom Reed (PA)",
        "gate_backup": "Aunt Grace",
        "first_on": "2025-04-15",
        "first_time": "09:30",
        "first_place": "Leeds probation office",
        "travel": "bus with the PA",
        "pa_attends": True,
    }


def test_unlabelled_gate_notes_offer_the_first_line() -> None:
    assert release.parse_gate_notes("Aunt Grace will come\nby car") == {
        "gate_person": "Aunt Grace will come"
    }
    assert release.parse_appointment_notes("Probation 2025-04-15 10:00") == {
        "first_on": "2025-04-15",
        "first_time": "10:00",
    }


def test_remand_support_record(site) -> None:
    pid = _person(site, pathway="remand", remand_date="2025-01-06")
    release.save_remand(
        site,
        pid,
        bail="Bail address with aunt being checked",
        legal_aid="Granted",
        accommodation="Tenancy kept: housing benefit claim continued",
        work="Employer told; job held open",
        family_ties="Sister visits weekly",
        parts=["goals", "about_me"],
    )
    row = release.remand_support(site, pid)
    assert row["legal_aid"] == "Granted"
    # Stored in My Plan's own order, whatever order they were ticked in.
    assert release.myplan_parts(row) == ["about_me", "goals"]
    with pytest.raises(BadInput, match="Not a part of My Plan"):
        release.save_remand(site, pid, parts=["horoscope"])
    assert release.release_summary(site, pid, TODAY) == []
