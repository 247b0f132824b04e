"""The first weeks in the community, after release or a community order.

A planning meeting if the team has not met, the statutory plans updated (Always Hope manual:
the first 15 days), the first probation appointment and the initial sentence plan (National
Standards 2021, 3.3 and 4.3.6).
"""

from __future__ import annotations

from datetime import date, timedelta

from ..enums import ContactType, MeetingType, MilestoneKind, Pathway, SentenceType
from ..facts import CaseFacts
from ..workdays import add_working_days
from .items import DueItem, Rule, due_item, fmt, holiday_note, missing, not_applicable
from .phases import (
    community_release,
    contacts,
    earliest,
    held,
    milestones,
    sentence_start,
    with_origin,
)

_COMMUNITY_SOURCE = "Always Hope manual: first 15 days in the community"
_TEAM_MEETINGS = frozenset({MeetingType.PLANNING_1, MeetingType.COMMUNITY_PLANNING})


def _released(r: Rule, facts: CaseFacts) -> tuple[date, dict[str, str]] | DueItem | None:
    """The release the community rules count from, a "needs" item, or None if they don't apply."""
    if (
        facts.pathway is not Pathway.COMMUNITY
        or facts.sentence_type is SentenceType.COMMUNITY_ORDER
    ):
        return None
    release, from_history = community_release(facts)
    if release is None:
        return missing(r, "release_date", "the release date")
    return release, with_origin("release_date", release, from_history)


_COMMUNITY_PLANNING = Rule(
    "community_planning_meeting_within_15_days_of_release",
    "community_planning",
    "Hold a planning meeting in the community",
    _COMMUNITY_SOURCE,
)


def community_planning_meeting_within_15_days_of_release(
    facts: CaseFacts, today: date
) -> DueItem | None:
    """A planning meeting within the first 15 days after release, if the team has not met.

    Always Hope manual: "In the event that the team around the young adult have not been
    working together in custody, or have not yet had a planning meeting, one should be held."
    A Meeting 1 or community planning meeting since the sentence means the team has met.
    """
    r = _COMMUNITY_PLANNING
    got = _released(r, facts)
    if got is None or isinstance(got, DueItem):
        return got
    release, inputs = got
    start, _ = sentence_start(facts)
    met = held(facts, _TEAM_MEETINGS, start)
    before = [d for d in met if d < release]
    if before:
        inputs["team_met_on"] = before[-1].isoformat()
        return not_applicable(r, inputs, f"The team already met in custody on {fmt(before[-1])}")
    inputs["days"] = "15"
    return due_item(
        r,
        today,
        due_on=release + timedelta(days=15),
        inputs=inputs,
        explanation=f"15 days after release on {fmt(release)}, as the team has not met",
        done_on=earliest(met),
        counts_from=release,
    )


_PLANS_UPDATED = Rule(
    "plans_updated_by_15_days_after_release",
    "plans_updated_after_release",
    "Update the statutory plans after release",
    _COMMUNITY_SOURCE,
)


def plans_updated_by_15_days_after_release(facts: CaseFacts, today: date) -> DueItem | None:
    """Statutory plans updated by 15 days after release.

    Always Hope manual: "Statutory plans are updated. Timing: 15 days after release" (the PP's
    OASys update and the PA's Pathway Plan).
    """
    r = _PLANS_UPDATED
    got = _released(r, facts)
    if got is None or isinstance(got, DueItem):
        return got
    release, inputs = got
    inputs["days"] = "15"
    return due_item(
        r,
        today,
        due_on=release + timedelta(days=15),
        inputs=inputs,
        explanation=f"15 days after release on {fmt(release)}",
        done_on=earliest(milestones(facts, MilestoneKind.PLANS_UPDATED_AFTER_RELEASE, release)),
        counts_from=release,
    )


_FIRST_APPOINTMENT_TITLE = "First appointment with the Probation Practitioner"
_FIRST_APPOINTMENT = Rule(
    "first_probation_appointment_within_1_working_day_of_release",
    "first_appointment",
    _FIRST_APPOINTMENT_TITLE,
    "National Standards 2021 3.3",
)


def first_probation_appointment_within_1_working_day_of_release(
    facts: CaseFacts, today: date
) -> DueItem | None:
    """First appointment with the PP within one working day of release.

    National Standards 2021, 3.3: for licence cases the first appointment "will occur within
    one working day of their release". The release day itself is not counted.
    """
    r = _FIRST_APPOINTMENT
    got = _released(r, facts)
    if got is None or isinstance(got, DueItem):
        return got
    release, inputs = got
    inputs["working_days"] = "1"
    return due_item(
        r,
        today,
        due_on=(due := add_working_days(release, 1)),
        inputs=inputs,
        explanation=f"1 working day after release on {fmt(release)}" + holiday_note(due),
        done_on=earliest(contacts(facts, ContactType.PROBATION_APPOINTMENT, release)),
        counts_from=release,
    )


_FIRST_APPOINTMENT_ORDER = Rule(
    "first_probation_appointment_within_5_working_days_of_community_order",
    "first_appointment",
    _FIRST_APPOINTMENT_TITLE,
    "National Standards 2021 3.3",
)


def first_probation_appointment_within_5_working_days_of_community_order(
    facts: CaseFacts, today: date
) -> DueItem | None:
    """First appointment within five working days of a community order.

    National Standards 2021, 3.3: for a Community Order or Suspended Sentence Order the first
    appointment "will occur within five working days of sentence".
    """
    r = _FIRST_APPOINTMENT_ORDER
    if facts.pathway is not Pathway.COMMUNITY:
        return None
    if facts.sentence_type is not SentenceType.COMMUNITY_ORDER:
        return None
    start = facts.sentence_date
    if start is None:
        return missing(r, "sentence_date", "the sentence date")
    return due_item(
        r,
        today,
        due_on=(due := add_working_days(start, 5)),
        inputs={"sentence_date": start.isoformat(), "working_days": "5"},
        explanation=f"5 working days after the community order on {fmt(start)}" + holiday_note(due),
        done_on=earliest(contacts(facts, ContactType.PROBATION_APPOINTMENT, start)),
        counts_from=start,
    )


_INITIAL_PLAN = Rule(
    "initial_sentence_plan_within_15_working_days_of_first_appointment",
    "initial_sentence_plan",
    "Complete the initial sentence plan",
    "National Standards 2021 4.3.6",
)


def initial_sentence_plan_within_15_working_days_of_first_appointment(
    facts: CaseFacts, today: date
) -> DueItem | None:
    """Initial sentence plan within 15 working days of the first appointment after release.

    National Standards 2021, 4.3.5 and 4.3.6: "Once released ... the COM should complete an
    Initial Sentence Plan"; for a community order, from the first appointment after sentence.
    """
    r = _INITIAL_PLAN
    if facts.pathway is not Pathway.COMMUNITY:
        return None
    if facts.sentence_type is SentenceType.COMMUNITY_ORDER:
        since, what = facts.sentence_date, "sentence"
        if since is None:
            return missing(r, "sentence_date", "the sentence date")
        inputs = {"sentence_date": since.isoformat()}
    else:
        got = _released(r, facts)
        if got is None or isinstance(got, DueItem):
            return got
        (since, inputs), what = got, "release"
    first = earliest(contacts(facts, ContactType.PROBATION_APPOINTMENT, since))
    if first is None:
        inputs["missing"] = "probation_appointment"
        return not_applicable(r, inputs, f"Needs the first probation appointment after {what}")
    inputs["first_appointment_on"] = first.isoformat()
    inputs["working_days"] = "15"
    return due_item(
        r,
        today,
        due_on=(due := add_working_days(first, 15)),
        inputs=inputs,
        explanation=f"15 working days after the first probation appointment on {fmt(first)}"
        + holiday_note(due),
        done_on=earliest(milestones(facts, MilestoneKind.INITIAL_SENTENCE_PLAN, since)),
        counts_from=first,
    )
