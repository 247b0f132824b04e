"""Who is in the team around a person, who leads it and who chairs its meetings.

From the Connections guide's pathway table (DOMAIN.md, "Pathways and who leads"):

- long sentence (more than 10 months left to serve): the POM leads "until the resettlement phase
  begins"; the PP takes over at the handover, dated as Manage POM Cases dates it under OMiC
  (`schedule.omic`; the guide's "about 6 months before" is older wording).
- short sentence (10 months or less): a PP is allocated at once and leads.
- recall: the PP leads; the Recall Officer joins.
- remand: the Care Experience Specialist leads.
- community (on licence): the PP leads; the POM is no longer involved.

The current lead must be clear at all times (National Standards 2021, 3.2).
"""

from __future__ import annotations

from datetime import date

from .enums import MeetingStatus, MeetingType, Pathway, Responsibility, Role, SentenceType
from .facts import CaseFacts
from .schedule.omic import THRESHOLD_MONTHS, compare_to_threshold, lead_role, responsibility

__all__ = [
    "THRESHOLD_MONTHS",
    "chair_role",
    "classify_sentence",
    "compare_to_threshold",
    "current_lead",
    "expected_roles",
    "in_resettlement",
]

_LIFE = frozenset({SentenceType.LIFE, SentenceType.IPP})


def classify_sentence(
    sentence_date: date | None,
    release_date: date | None = None,
    *,
    sentence_length_months: int | None = None,
    sentence_type: SentenceType | None = None,
) -> Pathway:
    """The pathway a sentence puts a person on.

    Long means more than 10 months left to serve at the point of sentence ("For people serving
    prison sentences of more than 10 months"); exactly 10 months is short ("10 months or
    less"), as in Manage POM Cases, where an earliest release 10 months or less after sentence
    has no handover. Life and IPP sentences are long; remand and community orders have their
    own pathways. Raises ValueError when the dates do not settle it.
    """
    if sentence_type is SentenceType.REMAND:
        return Pathway.REMAND
    if sentence_type is SentenceType.COMMUNITY_ORDER:
        return Pathway.COMMUNITY
    if sentence_type in _LIFE:
        return Pathway.LONG
    comparison = compare_to_threshold(
        sentence_date, release_date, sentence_length_months=sentence_length_months
    )
    if comparison is None:
        raise ValueError("needs the sentence and release dates")
    return Pathway.LONG if comparison > 0 else Pathway.SHORT


def current_lead(facts: CaseFacts, today: date) -> Role:
    """Who leads the team today: whoever OMiC makes responsible (`schedule.omic`).

    Sentenced, in custody: the POM until the handover date, the PP from it (the POM still
    leads while the handover has started and probation supports). Short sentence (no
    handover), recall and community: the PP. Remand: the Care Experience Specialist.
    """
    return lead_role(facts, today)


def in_resettlement(facts: CaseFacts, today: date) -> bool:
    """Whether a long sentence is in resettlement planning on `today`.

    From the OMiC handover start (the POM still responsible, probation supporting, then
    probation), or earlier once the handover meeting has been held this sentence.
    """
    if responsibility(facts, today).responsibility in (
        Responsibility.POM_PP_SUPPORTING,
        Responsibility.PP,
    ):
        return True
    since = facts.sentence_date
    for meeting in facts.meetings:
        if meeting.type is not MeetingType.HANDOVER or meeting.status is not MeetingStatus.HELD:
            continue
        on = meeting.held_on or meeting.scheduled_on
        # A handover from an earlier sentence does not count; an undated one cannot be placed.
        if on is not None and on <= today and (since is None or on >= since):
            return True
    return False


# Meetings the PP runs on a long sentence whatever the phase: the handover is "coordinated by
# the Probation Practitioner", and the others belong to resettlement or the community.
_PP_MEETINGS_ON_LONG = frozenset(
    {
        MeetingType.HANDOVER,
        MeetingType.RESETTLEMENT,
        MeetingType.COMMUNITY_PLANNING,
        MeetingType.COMMUNITY_ASSESSMENT,
        MeetingType.FINAL_REVIEW,
    }
)


def chair_role(pathway: Pathway, meeting_type: MeetingType, *, resettlement: bool = False) -> Role:
    """Who organises and chairs a meeting.

    Meeting 1 (and Meeting 2 and reviews, "chair as in Meeting 1"): the POM on a long sentence,
    the PP on a short sentence or recall and in the community, the Care Experience Specialist on
    remand. On a long sentence the PP chairs the handover and everything once the resettlement
    phase has begun (`resettlement=True`). The Final Review is "coordinated by either the
    Personal Advisor or Probation Practitioner"; we name the PP, who completes the Termination
    OASys, and the team can choose otherwise.
    """
    if pathway is Pathway.REMAND:
        return Role.CES
    if pathway is not Pathway.LONG:
        return Role.PP
    if resettlement or meeting_type in _PP_MEETINGS_ON_LONG:
        return Role.PP
    return Role.POM


_EXPECTED: dict[Pathway, tuple[Role, ...]] = {
    Pathway.LONG: (Role.POM, Role.PA, Role.CES),
    Pathway.SHORT: (Role.PP, Role.POM, Role.PA, Role.CES),
    Pathway.RECALL: (Role.PP, Role.POM, Role.PA, Role.CES, Role.RECALL_OFFICER),
    Pathway.REMAND: (Role.CES, Role.PA),
    Pathway.COMMUNITY: (Role.PP, Role.PA),
}


def expected_roles(pathway: Pathway, *, resettlement: bool = False) -> list[Role]:
    """The practitioners the joined-up team should include, in the guidance's order.

    Long sentence: POM, PA, CES, and the PP "joins the team" for resettlement. The wider
    remand helpers (wing staff, solicitor, pre-release team, changing lives worker) and the
    network coordinator are optional and not listed.
    """
    roles = list(_EXPECTED[pathway])
    if pathway is Pathway.LONG and resettlement:
        roles.append(Role.PP)
    return roles
