"""The lead follows the rules (issue 14): the caseload, the person and "my cases" show OMiC's
lead for the day, a lead set by hand is an override with its reason, the timeline records the
handover; the person form takes the OMiC inputs and refuses dates that contradict; and no due
item of the demo caseload explains itself with a code or field name."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from ahtui.demo import build_demo
from ahtui.domain.facts import CaseFacts
from ahtui.errors import ValidationFailed
from ahtui.screens.new_person import create_from_form
from ahtui.screens.person_details import changed_values, detail_fields
from ahtui.store import people, team
from ahtui.store.caseload import caseload, schedule_for
from ahtui.store.facts_loader import facts_for, load_facts
from ahtui.store.timeline import timeline

D = date.fromisoformat
# CRD 1 Dec 2027, determinate: handover 18 Mar 2027 (8 months and 14 days before).
HANDOVER = D("2027-03-18")


@pytest.fixture
def case(site):
    pom = team.add_practitioner(site, {"name": "Pat Prison", "role": "pom"})
    pp = team.add_practitioner(site, {"name": "Robin Probation", "role": "pp"})
    pid = people.create_person(
        site,
        {
            "given_name": "Jordan",
            "family_name": "Testperson",
            "pathway": "long",
            "sentence_type": "determinate",
            "sentence_date": "2026-01-05",
            "conditional_release_date": "2027-12-01",
        },
        lead_practitioner_id=pom,
        on=D("2026-01-05"),
    )
    team.add_to_team(site, pid, pom, from_date=D("2026-01-05"))
    team.add_to_team(site, pid, pp, from_date=D("2026-06-01"))
    return site, pid, pom, pp


def _row(site, pid, today):
    return next(r for r in caseload(site, today) if r.person_id == pid)


def test_moving_today_past_the_handover_moves_the_lead_and_the_timeline(case) -> None:
    site, pid, pom, pp = case
    before = HANDOVER - timedelta(days=1)
    row = _row(site, pid, before)
    assert (row.lead_role, row.lead_practitioner_id, row.lead_name) == ("pom", pom, "Pat Prison")
    assert not any("Handover to probation" in e.text for e in timeline(site, pid, before))
    assert people.lead_today(site, pid, before).practitioner_id == pom

    row = _row(site, pid, HANDOVER)
    assert (row.lead_role, row.lead_practitioner_id, row.lead_name) == ("pp", pp, "Robin Probation")
    lead = people.lead_today(site, pid, HANDOVER)
    assert lead.practitioner_id == pp and lead.by_hand is None and "18 Mar 2027" in lead.why
    entry = next(e for e in timeline(site, pid, HANDOVER) if "Handover to probation" in e.text)
    assert entry.on == HANDOVER and entry.kind == "pathway"
    # The new lead's "my cases" has the person from that day.
    assert pid in team.people_with_practitioner(site, pp)
    assert pid in {r.person_id for r in caseload(site, HANDOVER) if r.lead_practitioner_id == pp}


def test_the_cached_caseload_follows_the_day(case) -> None:
    site, pid, pom, pp = case
    # Worked out the day before, then asked again on the handover day: not the old lead.
    assert _row(site, pid, HANDOVER - timedelta(days=1)).lead_practitioner_id == pom
    assert _row(site, pid, HANDOVER).lead_practitioner_id == pp
    assert _row(site, pid, HANDOVER).lead_practitioner_id == pp


def test_a_lead_set_by_hand_overrides_the_rules_until_handed_back(case) -> None:
    site, pid, pom, pp = case
    after = HANDOVER + timedelta(days=10)
    people.change_lead(site, pid, pom, reason="POM keeps the case through parole", on=after)
    row = _row(site, pid, after)
    assert row.lead_practitioner_id == pom
    lead = people.lead_today(site, pid, after)
    assert lead.by_hand == "POM keeps the case through parole"
    history = people.pathway_history(site, pid)
    assert history[-1]["reason"] == "POM keeps the case through parole"
    # The rules did not move this lead, so the timeline says nothing of a handover move.
    assert not any("Handover to probation" in e.text for e in timeline(site, pid, after))
    people.follow_rules(site, pid, reason="Back to the OMiC lead", on=after)
    assert _row(site, pid, after).lead_practitioner_id == pp
    assert people.lead_today(site, pid, after).by_hand is None


def test_no_probation_practitioner_in_the_team_shows_no_one_in_the_lead_role(site) -> None:
    pom = team.add_practitioner(site, {"name": "Pat Prison", "role": "pom"})
    pid = people.create_person(
        site,
        {"given_name": "A", "family_name": "B", "pathway": "long",
         "sentence_date": "2026-01-05", "conditional_release_date": "2027-12-01"},
        lead_practitioner_id=pom,
        on=D("2026-01-05"),
    )  # fmt: skip
    row = _row(site, pid, HANDOVER)
    assert row.lead_role == "pp" and row.lead_practitioner_id is None and row.lead_name is None
    keys = {i.key for i in schedule_for(site, pid, HANDOVER)}
    assert "handover_no_pp" in keys
    # A Probation Practitioner joins the team (no allocation date written down): the alarm
    # goes, the lead is theirs, and they are taken as allocated from the day they joined.
    pp = team.add_practitioner(site, {"name": "Robin Probation", "role": "pp"})
    team.add_to_team(site, pid, pp, from_date=HANDOVER + timedelta(days=3))
    later = HANDOVER + timedelta(days=20)
    assert "handover_no_pp" not in {i.key for i in schedule_for(site, pid, later)}
    assert _row(site, pid, later).lead_practitioner_id == pp
    assert facts_for(site, pid).pp_allocated_on == HANDOVER + timedelta(days=3)
    # They leave the team: no one is on it again, and the alarm is back.
    member = next(m for m in team.team(site, pid) if m["practitioner_id"] == pp)
    team.leave_team(site, member["id"], on=later)
    assert "handover_no_pp" in {i.key for i in schedule_for(site, pid, later)}


def test_the_omic_inputs_are_stored_and_read_back(site) -> None:
    pid = people.create_person(
        site,
        {"given_name": "A", "family_name": "B", "pathway": "long", "sentence_type": "life",
         "sentence_date": "2016-01-05", "tariff_expiry_date": "2030-06-01",
         "target_hearing_date": "2029-01-10", "open_conditions_since": "2028-01-15",
         "mappa_level": 2, "parole_outcome": "not_release", "early_allocation": True,
         "immigration_case": False, "parole_eligibility_date": None},
        on=D("2016-01-05"),
    )  # fmt: skip
    f = facts_for(site, pid)
    assert f.tariff_expiry_date == D("2030-06-01") and f.mappa_level == 2
    assert f.early_allocation is True and f.immigration_case is False
    assert f.parole_outcome is not None and f.parole_outcome.value == "not_release"
    people.update_person(site, pid, {"immigration_case": True})
    assert facts_for(site, pid).immigration_case is True


def _form(**over):
    values = {
        "given_name": "Tunde",
        "family_name": "Okafor",
        "pathway": "long",
        "identified_on": "2026-01-10",
        "method": "self_disclosure",
    }
    values.update(over)
    return values


@pytest.mark.parametrize(
    ("over", "field", "dates"),
    [
        pytest.param({"parole_eligibility_date": "2028-02-01", "conditional_release_date": "2028-01-01"}, "parole_eligibility_date", ("01 Feb 2028", "01 Jan 2028"), id="ped-after-crd"),
        pytest.param({"sentence_date": "2026-01-05", "open_conditions_since": "2025-12-01"}, "open_conditions_since", ("01 Dec 2025", "05 Jan 2026"), id="handover-start-before-sentence"),
        pytest.param({"sentence_date": "2026-01-05", "automatic_release_date": "2025-12-01"}, "automatic_release_date", ("01 Dec 2025", "05 Jan 2026"), id="release-before-sentence"),
    ],
)  # fmt: skip
def test_the_person_form_refuses_contradicting_dates_naming_both(site, over, field, dates) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create_from_form(site, _form(**over))
    message = caught.value.problems[field]
    assert all(d in message for d in dates), message
    assert people.people_recorded(site) == 0


def test_the_edit_form_refuses_a_recall_after_the_licence(site) -> None:
    pid = create_from_form(
        site, _form(pathway="community", release_date="2026-03-01", licence_end_date="2027-02-01")
    )
    with pytest.raises(ValidationFailed) as caught:
        people.update_person(site, pid, {"recall_date": "2027-03-03"})
    assert caught.value.problems["recall_date"] == (
        "The recall date (03 Mar 2027) is after the licence end date (01 Feb 2027)."
    )


def test_the_edit_form_sends_only_what_changed(site) -> None:
    pid = create_from_form(site, _form(mappa_level="2", early_allocation=False))
    fields = detail_fields(people.get_person(site, pid), "2026-12-03")
    values = {f.name: f.value for f in fields}
    values["early_allocation"] = False
    assert changed_values(fields, values) == {}
    values["early_allocation"] = True
    values["mappa_level"] = "3"
    assert changed_values(fields, values) == {"early_allocation": True, "mappa_level": "3"}


# Field names with their underscores turned into spaces, as the old screens showed them.
_SPACED = ("support ends on", "pa learned", "pa support ends on", "pp allocated on")
_TOKEN = re.compile(r"[A-Za-z0-9_]+")


def test_no_due_item_of_the_demo_caseload_explains_itself_in_code(site) -> None:
    today = D("2026-12-03")
    build_demo(site, people=60, seed=3, today=today)
    seen = 0
    for pid in load_facts(site):
        items = schedule_for(site, pid, today)
        for item in items:
            seen += 1
            names = {n for n in set(CaseFacts.model_fields) | set(item.inputs) if "_" in n}
            for text in (item.explanation, item.title, item.source):
                for token in _TOKEN.findall(text):
                    # A token with an underscore is a code name or a field name.
                    assert "_" not in token and token not in names, (item.rule, text)
                assert not any(w in text.lower() for w in _SPACED), (item.rule, text)
                assert item.rule not in text
        for e in timeline(site, pid, today):
            if e.kind in ("pathway", "identified"):
                assert "_" not in e.text, e.text
                assert not any(w in e.text.lower() for w in _SPACED), e.text
        assert "_" not in people.lead_today(site, pid, today).why
    assert seen > 500


async def test_the_change_lead_form_sets_a_lead_by_hand_and_hands_it_back(unlocked) -> None:
    from test_app_screens import fill, open_first_person

    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    member = team.team(app.site, pid)[0]
    await pilot.press("l")
    await fill(pilot, {"lead": member["practitioner_id"], "reason": "Agreed at the review"})
    lead = people.lead_today(app.site, pid, app.screen.today)
    assert lead.by_hand == "Agreed at the review"
    assert lead.practitioner_id == member["practitioner_id"]
    from rich.console import Console

    console = Console(width=100, record=True, color_system=None)
    console.print(app.screen.body)
    shown = " ".join(console.export_text().split())
    assert "Set by hand: Agreed at the review" in shown
    await pilot.press("l")
    await fill(pilot, {"lead": "rules", "reason": "Back to the rules"})
    assert people.lead_today(app.site, pid, app.screen.today).by_hand is None


@pytest.mark.parametrize("kind", ["phone", "video", "email", "letter", "meeting", "other"])
def test_late_recording_is_judged_for_every_contact_type(site, kind) -> None:
    from ahtui.store import notes

    pid = people.create_person(
        site, {"given_name": "A", "family_name": "B", "pathway": "remand"}, on=D("2026-01-05")
    )
    # Written up today, about a contact weeks ago: more than one working day late.
    contact_on = date.today() - timedelta(days=30)
    notes.add_note(
        site, pid, {"contact_type": kind, "contact_at": contact_on.isoformat(), "body": "Spoke."}
    )
    assert [c.type.value for c in facts_for(site, pid).contacts] == [kind]
    late = [i for i in schedule_for(site, pid, date.today()) if i.key == "case_notes_late"]
    assert late and late[0].inputs["late_count"] == "1"
