"""In custody: the handover to probation, POM supervision, the pre-release and risk plans.

The handover from POM to Probation Practitioner, dated as Manage POM Cases dates it under OMiC
(`omic`): the handover planning meeting, the resettlement meeting with the person, the 8-week
reminder and the alarm when no PP is allocated 14 days after it. Then three POM supervision
sessions after allocation, the pre-release sentence plan after the PP's allocation and the
risk management plan after a standard recall. Sources: the Always Hope manual (handover),
OMiC and Probation National Standards 2021 (Annex B, 4.3.6 and 10.2).
"""

from __future__ import annotations

from datetime import date, timedelta

from ..enums import ContactType, MeetingType, MilestoneKind, Pathway, RecallType
from ..facts import CaseFacts
from ..workdays import add_months, add_weeks, add_working_days
from .items import DueItem, Rule, due_item, fmt, holiday_note, missing, not_applicable
from .omic import Handover, compare_to_threshold, earliest_release, responsibility
from .phases import (
    SENTENCED,
    contacts,
    earliest,
    held,
    milestones,
    recall_start,
    sentence_start,
    with_origin,
)
from .planning import MEETING2_WEEKS

# --- 2. The handover to probation (OMiC) --------------------------------------------------

_HANDOVER_SOURCE = "OMiC handover, as Manage POM Cases dates it"
_HANDOVER_MEETING = frozenset({MeetingType.HANDOVER})
_RESETTLEMENT_MEETING = frozenset({MeetingType.RESETTLEMENT})
_HANDOVER = Rule(
    "handover_meeting_by_handover_start",
    "handover",
    "Hold the handover planning meeting (POM to Probation Practitioner)",
    _HANDOVER_SOURCE,
)
_NEEDS_RELEASE = (
    "a release date (conditional or automatic release, parole eligibility, or the tariff "
    "expiry and target hearing dates)"
)


def _handover(r: Rule, facts: CaseFacts, today: date) -> Handover | DueItem | None:
    """The handover a rule counts from, an item saying why there is none, or None off it."""
    if facts.pathway not in SENTENCED:
        return None
    today_is = responsibility(facts, today)
    h = today_is.handover
    if h is None:
        if earliest_release(facts, today) is None:
            return missing(r, "conditional_release_date", _NEEDS_RELEASE)
        # An override decided responsibility: there is no handover to hold.
        return not_applicable(r, {}, today_is.why)
    if h.on is None or h.start is None:
        if facts.pathway is Pathway.SHORT:
            return None
        return not_applicable(r, {h.release.field: h.release.on.isoformat()}, h.why)
    return h


def _handover_inputs(h: Handover) -> dict[str, str]:
    assert h.on is not None and h.start is not None
    return {
        h.release.field: h.release.on.isoformat(),
        "handover_on": h.on.isoformat(),
        "handover_starts_on": h.start.isoformat(),
    }


def _handover_words(h: Handover) -> str:
    assert h.on is not None and h.start is not None
    if h.start < h.on:
        return f"Handover to probation on {fmt(h.on)}, starting {fmt(h.start)}: {h.why} (OMiC)"
    return f"Handover to probation on {fmt(h.on)}: {h.why} (OMiC)"


def handover_meeting_by_handover_start(facts: CaseFacts, today: date) -> DueItem | None:
    """The handover planning meeting, by the day the handover starts (OMiC).

    Always Hope manual: at handover "the PP takes the case over from the POM (handover /
    planning meeting, then resettlement meeting with the person)"; the seeds time it "in line
    with OMiC guidelines", so it hangs off the handover start Manage POM Cases gives
    (`schedule.omic`). Done by a handover meeting held since sentence.
    """
    r = _HANDOVER
    got = _handover(r, facts, today)
    if got is None or isinstance(got, DueItem):
        return got
    h = got
    assert h.start is not None
    start, _ = sentence_start(facts)
    return due_item(
        r,
        today,
        due_on=h.start,
        inputs=_handover_inputs(h),
        explanation=_handover_words(h),
        done_on=earliest(held(facts, _HANDOVER_MEETING, start)),
        counts_from=start,
    )


_RESETTLEMENT = Rule(
    "resettlement_meeting_soon_after_handover_start",
    "resettlement",
    "Hold the resettlement meeting with the person",
    _HANDOVER_SOURCE,
)


def resettlement_meeting_soon_after_handover_start(facts: CaseFacts, today: date) -> DueItem | None:
    """The resettlement meeting with the person, as soon as possible after the handover starts.

    Always Hope manual: the handover meeting, "then resettlement meeting with the person". No
    number is given: like Meeting 2 after Meeting 1, it opens when the handover starts and is
    overdue `MEETING2_WEEKS` weeks later.
    """
    r = _RESETTLEMENT
    got = _handover(r, facts, today)
    if got is None or isinstance(got, DueItem):
        # The handover meeting's item says why there is no handover or what it needs.
        return None
    h = got
    assert h.start is not None
    start, _ = sentence_start(facts)
    inputs = _handover_inputs(h)
    inputs["weeks"] = str(MEETING2_WEEKS)
    return due_item(
        r,
        today,
        due_on=add_weeks(h.start, MEETING2_WEEKS),
        opens_on=h.start,
        inputs=inputs,
        explanation=(
            f"With the person, as soon as possible once the handover starts on {fmt(h.start)}; "
            f"overdue after {MEETING2_WEEKS} weeks"
        ),
        done_on=earliest(held(facts, _RESETTLEMENT_MEETING, start)),
        counts_from=start,
    )


_HANDOVER_REMINDER = Rule(
    "handover_reminder_8_weeks_before",
    "handover_reminder",
    "Handover in 8 weeks: make sure a Probation Practitioner is allocated",
    "Manage POM Cases: upcoming handover reminder",
)


def handover_reminder_8_weeks_before(facts: CaseFacts, today: date) -> DueItem | None:
    """A reminder 8 weeks before the handover date, as Manage POM Cases sends the team.

    Due that day; done once a Probation Practitioner is allocated.
    """
    r = _HANDOVER_REMINDER
    got = _handover(r, facts, today)
    if got is None or isinstance(got, DueItem):
        return None
    h = got
    assert h.on is not None
    due = add_weeks(h.on, -8)
    inputs = _handover_inputs(h)
    inputs["weeks"] = "8"
    allocated = facts.pp_allocated_on
    return due_item(
        r,
        today,
        due_on=due,
        opens_on=due,
        inputs=inputs,
        explanation=(
            f"8 weeks before the handover to probation on {fmt(h.on)}"
            + (
                f"; the Probation Practitioner was allocated on {fmt(allocated)}"
                if allocated
                else ""
            )
        ),
        done_on=allocated,
    )


_NO_PP = Rule(
    "probation_practitioner_allocated_14_days_after_handover",
    "handover_no_pp",
    "No Probation Practitioner since the handover: allocate one",
    "Manage POM Cases: handover with no Probation Practitioner",
)


def probation_practitioner_allocated_14_days_after_handover(
    facts: CaseFacts, today: date
) -> DueItem | None:
    """Raised when no Probation Practitioner is allocated by 14 days after the handover date.

    Manage POM Cases flags a case whose handover passed with no PP on it. Shown from the
    handover date while none is allocated; overdue 14 days after it. Once one is allocated the
    8-week reminder shows that as done.
    """
    r = _NO_PP
    got = _handover(r, facts, today)
    if got is None or isinstance(got, DueItem):
        return None
    h = got
    assert h.on is not None
    if facts.pp_allocated_on is not None or today < h.on:
        return None
    inputs = _handover_inputs(h)
    inputs["days"] = "14"
    return due_item(
        r,
        today,
        due_on=h.on + timedelta(days=14),
        opens_on=h.on,
        inputs=inputs,
        explanation=(
            f"The handover to probation was on {fmt(h.on)} and no Probation Practitioner is "
            "on the team or allocated yet; Manage POM Cases raises it 14 days after the handover"
        ),
    )


# --- 12, 13, 15. POM and probation plans in custody -----------------------------------------

_POM_SUPERVISION = Rule(
    "pom_supervision_3_sessions_in_12_weeks",
    "pom_supervision",
    "Three POM supervision sessions",
    "National Standards 2021 Annex B",
)


def pom_supervision_3_sessions_in_12_weeks(facts: CaseFacts, today: date) -> DueItem | None:
    """Three in-person POM supervision sessions in the 12 weeks after POM allocation.

    National Standards 2021, Annex B: "a minimum of 3 in-person supervision appointments
    within 12 weeks at the point of allocation to a POM". Long and short sentences. Done on
    the date of the third session since allocation, even if it came late.
    """
    r = _POM_SUPERVISION
    if facts.pathway not in SENTENCED:
        return None
    allocated = facts.pom_allocated_on
    if allocated is None:
        return missing(r, "pom_allocated_on", "the POM allocation date")
    due = add_weeks(allocated, 12)
    sessions = contacts(facts, ContactType.POM_SUPERVISION, allocated)
    in_window = sum(1 for d in sessions if d <= due)
    return due_item(
        r,
        today,
        due_on=due,
        inputs={
            "pom_allocated_on": allocated.isoformat(),
            "weeks": "12",
            "sessions_required": "3",
            "sessions_in_window": str(in_window),
            "sessions_so_far": str(len(sessions)),
        },
        explanation=(
            f"12 weeks after POM allocation on {fmt(allocated)}; "
            f"{in_window} of 3 sessions held in that time"
        ),
        done_on=sessions[2] if len(sessions) >= 3 else None,
        counts_from=allocated,
    )


_PRE_RELEASE_PLAN = Rule(
    "pre_release_sentence_plan_within_3_months_of_pp_allocation",
    "pre_release_plan",
    "Complete the pre-release sentence plan",
    "National Standards 2021 4.3.6",
)


def pre_release_sentence_plan_within_3_months_of_pp_allocation(
    facts: CaseFacts, today: date
) -> DueItem | None:
    """Pre-release sentence plan within 3 months of the PP's allocation.

    National Standards 2021, 4.3.6: "For custodial sentences with 10 months or more left to
    serve at the point of sentence, a COM is allocated and must complete a pre-release sentence
    plan within 3 months of allocation." Long sentences and, because the standard says "or
    more", a short sentence of exactly 10 months.
    """
    r = _PRE_RELEASE_PLAN
    start, _ = sentence_start(facts)
    if facts.pathway is Pathway.SHORT:
        # Time left to serve comes from the dates; the sentence length cannot say "exactly 10".
        release = earliest_release(facts, start or date.min)
        comparison = compare_to_threshold(
            start,
            release.on if release else None,
            sentence_length_months=facts.sentence_length_months,
        )
        if comparison is None:
            return missing(r, "conditional_release_date", "the sentence and release dates")
        if comparison != 0:
            return None
    elif facts.pathway is not Pathway.LONG:
        return None
    allocated = facts.pp_allocated_on
    if allocated is None:
        return missing(r, "pp_allocated_on", "the Probation Practitioner's allocation date")
    return due_item(
        r,
        today,
        due_on=add_months(allocated, 3),
        inputs={"pp_allocated_on": allocated.isoformat(), "months": "3"},
        explanation=f"3 months after the Probation Practitioner was allocated on {fmt(allocated)}",
        done_on=earliest(milestones(facts, MilestoneKind.PRE_RELEASE_SENTENCE_PLAN, start)),
        counts_from=allocated,
    )


_RISK_PLAN = Rule(
    "risk_management_plan_within_10_working_days_of_standard_recall",
    "risk_management_plan",
    "Supply the risk management plan",
    "National Standards 2021 10.2",
)


def risk_management_plan_within_10_working_days_of_standard_recall(
    facts: CaseFacts, today: date
) -> DueItem | None:
    """Risk management plan within 10 working days of a standard recall.

    National Standards 2021, 10.2: "Risk management plans supplied within 10 BDs of standard
    recall". Fixed-term recalls have no such deadline and get no item.
    """
    r = _RISK_PLAN
    if facts.pathway is not Pathway.RECALL or facts.recall_type is RecallType.FIXED_TERM:
        return None
    if facts.recall_type is None:
        return missing(r, "recall_type", "the recall type")
    start, from_history = recall_start(facts)
    if start is None:
        return missing(r, "recall_date", "the recall date")
    inputs = with_origin("recall_date", start, from_history)
    inputs["recall_type"] = facts.recall_type.value
    inputs["working_days"] = "10"
    return due_item(
        r,
        today,
        due_on=(due := add_working_days(start, 10)),
        inputs=inputs,
        explanation=f"10 working days after the standard recall on {fmt(start)}"
        + holiday_note(due),
        done_on=earliest(milestones(facts, MilestoneKind.RISK_MANAGEMENT_PLAN, start)),
        counts_from=start,
    )
