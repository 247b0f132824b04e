"""In custody: the POM's handover and supervision, the pre-release and risk management plans.

The handover from POM to Probation Practitioner before a long sentence's release, three POM
supervision sessions after allocation, the pre-release sentence plan after the PP's allocation
and the risk management plan after a standard recall. Sources: the Always Hope manual
(handover) and Probation National Standards 2021 (Annex B, 4.3.6 and 10.2).
"""

from __future__ import annotations

from datetime import date

from ..enums import ContactType, MeetingType, MilestoneKind, Pathway, RecallType
from ..facts import CaseFacts
from ..team import compare_to_threshold, handover_date
from ..workdays import add_months, add_weeks, add_working_days
from .items import DueItem, Rule, due_item, fmt, missing
from .phases import (
    SENTENCED,
    contacts,
    earliest,
    held,
    long_sentence_release,
    milestones,
    recall_start,
    sentence_start,
    with_origin,
)

# --- 2. Long-sentence handover ---------------------------------------------------------------

_HANDOVER_MEETING = frozenset({MeetingType.HANDOVER})
_HANDOVER = Rule(
    "handover_6_months_before_conditional_release",
    "handover",
    "Hold the handover meeting (POM to Probation Practitioner)",
    "Always Hope manual: POM/COM handover",
)


def handover_6_months_before_conditional_release(facts: CaseFacts, today: date) -> DueItem | None:
    """Handover meeting 6 months before the conditional release date (long sentences).

    Always Hope manual: the integrated assessment happens again "6 months before their
    conditional release date (during the handover from the POM to PP)". Without a conditional
    release date (life, IPP) the expected release date stands in.
    """
    r = _HANDOVER
    got = long_sentence_release(r, facts)
    if got is None or isinstance(got, DueItem):
        return got
    name, rel = got
    start, _ = sentence_start(facts)
    return due_item(
        r,
        today,
        due_on=handover_date(rel),
        inputs={name: rel.isoformat(), "months": "6"},
        explanation=f"6 months before release on {fmt(rel)}",
        done_on=earliest(held(facts, _HANDOVER_MEETING, start)),
        counts_from=start,
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
        comparison = compare_to_threshold(
            start,
            facts.conditional_release_date,
            sentence_length_months=facts.sentence_length_months,
        )
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
        due_on=add_working_days(start, 10),
        inputs=inputs,
        explanation=f"10 working days after the standard recall on {fmt(start)}",
        done_on=earliest(milestones(facts, MilestoneKind.RISK_MANAGEMENT_PLAN, start)),
        counts_from=start,
    )
