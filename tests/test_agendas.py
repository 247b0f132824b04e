"""Agenda content per pathway: what each meeting covers, for whom, and who attends and chairs.

Read from schema/forms/agendas through the loader (validated at load), and through the meetings
service for stored meetings, so the conditions the rules add are checked where the runner uses
them: recall adds the recall questions and the Recall Officer; a long sentence in resettlement
planning adds progress in custody (by the handover date or once the handover is held).
"""

from __future__ import annotations

from datetime import date

import pytest

from ahtui.domain.enums import MeetingType, Pathway, Role
from ahtui.forms_loader import agenda, agenda_for, load_agendas
from ahtui.store import meetings, people, team

ALL = tuple(Pathway)
CUSTODY = (Pathway.LONG, Pathway.SHORT, Pathway.RECALL)
# The pathways each meeting type is held on, from the Connections guide and the manual.
APPLIES: dict[MeetingType, tuple[Pathway, ...]] = {
    MeetingType.PLANNING_1: ALL,
    MeetingType.PLANNING_2: ALL,
    MeetingType.HANDOVER: (Pathway.LONG,),
    MeetingType.RESETTLEMENT: CUSTODY,
    MeetingType.COMMUNITY_PLANNING: (Pathway.COMMUNITY,),
    MeetingType.COMMUNITY_ASSESSMENT: (Pathway.COMMUNITY,),
    MeetingType.REVIEW: (*CUSTODY, Pathway.COMMUNITY),
    MeetingType.FINAL_REVIEW: (*CUSTODY, Pathway.COMMUNITY),
}

RECALL_QUESTIONS = (
    "What led to the recall?",
    "What support, relationships or stability may have broken down before the recall?",
    "What support was helpful before the recall, and what was missing?",
    "What support needs to be in place immediately on release?",
    "What may help the person feel more stable and supported this time?",
)
PROGRESS_QUESTION = (
    "What progress has been made against sentence planning objectives, needs and risks, "
    "including any work not yet undertaken?"
)


def codes(sections) -> list[str]:
    return [i.code for s in sections for i in s.items]


def questions(sections) -> list[str]:
    return [q for s in sections for i in s.items for q in i.questions]


def roles(meeting_type: MeetingType, pathway: Pathway, resettlement: bool = False) -> set[Role]:
    return {a.role for a in agenda(meeting_type).attendees_for(pathway, resettlement)}


# -- every meeting type, every pathway it is held on ---------------------------------------------
@pytest.mark.parametrize(
    ("meeting_type", "pathway"),
    [(t, p) for t, pathways in APPLIES.items() for p in pathways],
    ids=lambda v: v.value,
)
def test_every_meeting_type_has_an_agenda_for_its_pathways(meeting_type, pathway) -> None:
    a = agenda(meeting_type)
    for resettlement in (False, True):
        sections = agenda_for(meeting_type, pathway, resettlement=resettlement)
        assert sections and all(s.items for s in sections)
        found = codes(sections)
        assert len(found) == len(set(found))
        # Every meeting ends by updating the Team Actions Log.
        assert any(c.startswith("actions.") for c in found), found
        assert any(t.title for s in sections for t in s.items)
    assert a.attendees_for(pathway), "someone must be invited"
    assert a.outcomes, "the runner ticks the outcomes the agenda expects"
    assert a.chair_for(pathway) in Role


def test_the_agendas_cover_every_meeting_type_once() -> None:
    assert sorted(a.meeting_type for a in load_agendas().agendas) == sorted(MeetingType)
    assert set(APPLIES) == set(MeetingType)


# -- recall ------------------------------------------------------------------------------------
@pytest.mark.parametrize("meeting_type", [MeetingType.PLANNING_1, MeetingType.PLANNING_2])
def test_recall_adds_recall_questions(meeting_type) -> None:
    on_recall = agenda_for(meeting_type, Pathway.RECALL)
    for pathway in (Pathway.LONG, Pathway.SHORT, Pathway.REMAND, Pathway.COMMUNITY):
        others = agenda_for(meeting_type, pathway, resettlement=True)
        assert not any("recall" in c for c in codes(others)), pathway
        assert "What led to the recall?" not in questions(others)
    assert "What led to the recall?" in questions(on_recall)


def test_recall_meeting_1_has_the_official_recall_questions_and_the_recall_officer() -> None:
    sections = agenda_for(MeetingType.PLANNING_1, Pathway.RECALL)
    assert {"understand.recall", "understand.recall_reasons"} <= set(codes(sections))
    asked = questions(sections)
    for q in RECALL_QUESTIONS:
        assert q in asked
    reasons = next(i for s in sections for i in s.items if i.code == "understand.recall_reasons")
    assert reasons.lead is Role.RECALL_OFFICER
    for meeting_type in (MeetingType.PLANNING_1, MeetingType.PLANNING_2, MeetingType.RESETTLEMENT):
        assert Role.RECALL_OFFICER in roles(meeting_type, Pathway.RECALL), meeting_type
        for pathway in (Pathway.LONG, Pathway.SHORT, Pathway.REMAND, Pathway.COMMUNITY):
            assert Role.RECALL_OFFICER not in roles(meeting_type, pathway), (meeting_type, pathway)
    # The PP chairs on recall.
    assert agenda(MeetingType.PLANNING_1).chair_for(Pathway.RECALL) is Role.PP


# -- long sentences in resettlement ------------------------------------------------------------
def test_long_sentence_in_resettlement_adds_progress_in_custody() -> None:
    sentence = agenda_for(MeetingType.PLANNING_1, Pathway.LONG)
    resettle = agenda_for(MeetingType.PLANNING_1, Pathway.LONG, resettlement=True)
    assert "progress" not in [s.code for s in sentence]
    titles = [s.title for s in resettle]
    assert "Progress since being in custody" in titles
    assert "progress.in_custody" in codes(resettle)
    assert PROGRESS_QUESTION in questions(resettle)
    assert "network.outcomes" in codes(resettle)
    # The PP joins and chairs in resettlement; the POM before it.
    assert Role.PP in roles(MeetingType.PLANNING_1, Pathway.LONG, resettlement=True)
    assert Role.PP not in roles(MeetingType.PLANNING_1, Pathway.LONG)
    assert agenda(MeetingType.PLANNING_1).chair_for(Pathway.LONG) is Role.POM
    assert agenda(MeetingType.PLANNING_1).chair_for(Pathway.LONG, resettlement=True) is Role.PP
    # The handover meeting is always in resettlement, so it has the section too.
    assert "progress.in_custody" in codes(agenda_for(MeetingType.HANDOVER, Pathway.LONG))
    # Short sentences and recalls are resettling from day one, but have no custody progress.
    for pathway in (Pathway.SHORT, Pathway.RECALL, Pathway.REMAND, Pathway.COMMUNITY):
        assert "progress.in_custody" not in codes(agenda_for(MeetingType.PLANNING_1, pathway))


def test_day_of_release_only_in_resettlement() -> None:
    gate = "my_plan.gate"
    assert gate not in codes(agenda_for(MeetingType.PLANNING_2, Pathway.LONG))
    assert gate in codes(agenda_for(MeetingType.PLANNING_2, Pathway.LONG, resettlement=True))
    assert gate in codes(agenda_for(MeetingType.PLANNING_2, Pathway.SHORT))
    assert gate in codes(agenda_for(MeetingType.RESETTLEMENT, Pathway.LONG))
    assert gate not in codes(agenda_for(MeetingType.PLANNING_2, Pathway.REMAND))


def test_remand_uses_the_remand_tool_and_the_ces_chairs() -> None:
    remand = agenda_for(MeetingType.PLANNING_2, Pathway.REMAND)
    assert "my_plan.remand_tool" in codes(remand)
    assert agenda(MeetingType.PLANNING_1).chair_for(Pathway.REMAND) is Role.CES
    assert "my_plan.remand_tool" not in codes(agenda_for(MeetingType.PLANNING_2, Pathway.LONG))


# -- stored meetings: the service decides the phase from the person's dates ----------------------
TODAY = date(2025, 3, 3)


def _person(site, pathway: str, **dates) -> tuple[str, dict[str, str]]:
    pid = people.create_person(
        site,
        {"given_name": "Jordan", "family_name": "Example", "pathway": pathway, **dates},
        on=date(2024, 6, 10),
    )
    members = {}
    for role, name in (("pom", "Pat POM"), ("pp", "Priya PP"), ("pa", "Alex PA")):
        members[role] = team.add_practitioner(site, {"name": f"{name} {pathway}", "role": role})
        team.add_to_team(site, pid, members[role], from_date=date(2024, 6, 10))
    return pid, members


def _meeting(site, pid: str, meeting_type: str, on: str = "2025-03-03T10:00") -> str:
    return meetings.schedule_meeting(
        site, pid, {"meeting_type": meeting_type, "scheduled_at": on, "mode": "video"}
    )


def test_stored_long_sentence_meeting_follows_the_phase(site) -> None:
    # Conditional release 1 Aug 2025: the handover date (1 Feb 2025) has passed by 3 Mar.
    near, members = _person(
        site, "long", sentence_date=date(2024, 6, 1), conditional_release_date=date(2025, 8, 1)
    )
    mid = _meeting(site, near, "planning_1")
    detail = meetings.meeting_detail(site, mid)
    assert detail.resettlement
    assert "progress.in_custody" in codes(detail.sections)
    assert detail.meeting["chair_practitioner_id"] == members["pp"]
    # Far from release: sentence planning, chaired by the POM, no progress section.
    far, members = _person(
        site, "long", sentence_date=date(2024, 6, 1), conditional_release_date=date(2028, 8, 1)
    )
    mid = _meeting(site, far, "planning_1")
    detail = meetings.meeting_detail(site, mid)
    assert not detail.resettlement
    assert "progress.in_custody" not in codes(detail.sections)
    assert detail.meeting["chair_practitioner_id"] == members["pom"]
    # Once the handover is held, the next meeting is in resettlement planning.
    handover = _meeting(site, far, "handover", "2025-02-20T10:00")
    meetings.record_held(site, handover, today=TODAY)
    mid = _meeting(site, far, "planning_1")
    assert "progress.in_custody" in codes(
        meetings.agenda_for_meeting(site, meetings.get_meeting(site, mid))
    )


def test_stored_recall_meeting_has_the_recall_items(site) -> None:
    pid, members = _person(site, "recall", recall_date=date(2025, 1, 10))
    detail = meetings.meeting_detail(site, _meeting(site, pid, "planning_1"))
    assert {"understand.recall", "understand.recall_reasons"} <= set(codes(detail.sections))
    assert detail.meeting["chair_practitioner_id"] == members["pp"]
    assert detail.title == "Joined-up Planning Meeting 1"
