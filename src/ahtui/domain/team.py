"""Who is in the team around a person, who leads it and who chairs its meetings.

From the Connections guide's pathway table (DOMAIN.md, "Pathways and who leads"):

- long sentence (more than 10 months left to serve): the POM leads "until the resettlement phase
  begins"; the PP takes over at the handover about 6 months before the conditional release date.
- short sentence (10 months or less): a PP is allocated at once and leads.
- recall: the PP leads; the Recall Officer joins.
- remand: the Care Experience Specialist leads.
- community (on licence): the PP leads; the POM is no longer involved.

The current lead must be clear at all times (National Standards 2021, 3.2).
"""

from __future__ import annotations

from datetime import date

from .enums import MeetingStatus, MeetingType, Pathway, Role, SentenceType
from .facts import CaseFacts
from .workdays import add_months

__all__ = [
    "HANDOVER_MONTHS_BEFORE_CRD",
    "THRESHOLD_MONTHS",
    "chair_role",
    "classify_sentence",
    "compare_to_threshold",
    "current_lead",
    "expected_roles",
    "handover_date",
]

THRESHOLD_MONTHS = 10
"""Time left to serve at the point of sentence that separates short from long sentences."""

HANDOVER_MONTHS_BEFORE_CRD = 6
"""The POM-to-PP handover is "about 6 months before the conditional release date"."""

_LIFE = frozenset({SentenceType.LIFE, SentenceType.IPP})


def compare_to_threshold(
    sentence_date: date | None,
    conditional_release_date: date | None = None,
    *,
    sentence_length_months: int | None = None,
) -> int | None:
    """-1, 0 or 1 as the time left to serve at sentence is under, exactly or over 10 months.

    Time left to serve runs from the sentence date to the conditional release date, so time on
    remand (already taken off the release date) is not counted twice. Without both dates the
    sentence length in months stands in for it. None when neither is known.
    """
    if sentence_date is not None and conditional_release_date is not None:
        threshold = add_months(sentence_date, THRESHOLD_MONTHS)
        return (conditional_release_date > threshold) - (conditional_release_date < threshold)
    if sentence_length_months is not None:
        return (sentence_length_months > THRESHOLD_MONTHS) - (
            sentence_length_months < THRESHOLD_MONTHS
        )
    return None


def classify_sentence(
    sentence_date: date | None,
    conditional_release_date: date | None = None,
    *,
    sentence_length_months: int | None = None,
    sentence_type: SentenceType | None = None,
) -> Pathway:
    """The pathway a sentence puts a person on.

    Long means more than 10 months left to serve at the point of sentence ("For people serving
    prison sentences of more than 10 months"); exactly 10 months is short ("10 months or
    less"). Life and IPP sentences are long; remand and community orders have their own
    pathways. Raises ValueError when the dates and the length are all unknown.
    """
    if sentence_type is SentenceType.REMAND:
        return Pathway.REMAND
    if sentence_type is SentenceType.COMMUNITY_ORDER:
        return Pathway.COMMUNITY
    if sentence_type in _LIFE:
        return Pathway.LONG
    comparison = compare_to_threshold(
        sentence_date, conditional_release_date, sentence_length_months=sentence_length_months
    )
    if comparison is None:
        raise ValueError("needs the sentence and conditional release dates, or the sentence length")
    return Pathway.LONG if comparison > 0 else Pathway.SHORT


def handover_date(conditional_release_date: date) -> date:
    """When the PP takes over a long sentence: 6 months before the conditional release date."""
    return add_months(conditional_release_date, -HANDOVER_MONTHS_BEFORE_CRD)


def _handover_held(facts: CaseFacts, today: date) -> bool:
    since = facts.sentence_date
    for meeting in facts.meetings:
        if meeting.type is not MeetingType.HANDOVER or meeting.status is not MeetingStatus.HELD:
            continue
        on = meeting.held_on or meeting.scheduled_on
        # A handover from an earlier sentence does not count; an undated one cannot be placed.
        if on is not None and on <= today and (since is None or on >= since):
            return True
    return False


def current_lead(facts: CaseFacts, today: date) -> Role:
    """Who leads the team today.

    Long sentence: the POM "until the resettlement phase begins", i.e. until the handover
    meeting is held or the handover date (6 months before the conditional release date, else
    the expected release date) is reached, whichever is first; then the PP. Short sentence,
    recall and community: the PP. Remand: the Care Experience Specialist.
    """
    pathway = facts.pathway
    if pathway is Pathway.REMAND:
        return Role.CES
    if pathway is not Pathway.LONG:
        return Role.PP
    # Life and IPP sentences have no conditional release date; the expected release stands in.
    release = facts.conditional_release_date or facts.release_date
    if release is not None and today >= handover_date(release):
        return Role.PP
    return Role.PP if _handover_held(facts, today) else Role.POM


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
