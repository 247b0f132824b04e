"""The Personal Advisor: the Pathway Plan reviewed every 6 months and visits every 8 to 12 weeks.

Source: the Always Hope manual. Both stop once the Personal Advisor's support has ended.
"""

from __future__ import annotations

from datetime import date

from ..enums import ContactType, MilestoneKind
from ..facts import CaseFacts
from ..workdays import add_months, add_weeks
from .items import DueItem, Rule, due_item, fmt, missing
from .phases import contacts, latest, milestones, pa_support_ended

_PATHWAY_PLAN = Rule(
    "pathway_plan_review_every_6_months",
    "pathway_plan_review",
    "Review the Pathway Plan",
    "Always Hope manual: Pathway Plan",
)


def pathway_plan_review_every_6_months(facts: CaseFacts, today: date) -> DueItem | None:
    """Pathway Plan reviewed every 6 months while the Personal Advisor supports the person.

    Always Hope manual: "The pathway plan must be updated every six months or whenever a
    significant change occurs". From the last review, else from identification.
    """
    r = _PATHWAY_PLAN
    ended = pa_support_ended(r, facts, today)
    if ended is not None:
        return ended
    last = latest(milestones(facts, MilestoneKind.PATHWAY_PLAN_REVIEW, None))
    if last is not None:
        base, inputs, what = last, {"last_review_on": last.isoformat()}, "the last review"
    elif facts.identified_on is not None:
        base, what = facts.identified_on, "identification"
        inputs = {"identified_on": base.isoformat()}
    else:
        return missing(r, "identified_on", "the identification date")
    inputs["months"] = "6"
    return due_item(
        r,
        today,
        due_on=add_months(base, 6),
        inputs=inputs,
        explanation=f"6 months after {what} on {fmt(base)}",
        counts_from=base,
    )


_PA_VISIT = Rule(
    "pa_visit_every_8_to_12_weeks",
    "pa_visit",
    "Personal Advisor visit",
    "Always Hope manual: Personal Advisor visits",
)


def pa_visit_every_8_to_12_weeks(facts: CaseFacts, today: date) -> DueItem | None:
    """A Personal Advisor visit every 8 to 12 weeks.

    Always Hope manual: "regular in-person visits (at least every 8-12 weeks)". The window
    opens 8 weeks and the visit is due 12 weeks after the last visit (else identification).
    """
    r = _PA_VISIT
    ended = pa_support_ended(r, facts, today)
    if ended is not None:
        return ended
    last = latest(contacts(facts, ContactType.PA_VISIT, None))
    if last is not None:
        base, inputs, what = last, {"last_visit_on": last.isoformat()}, "the last visit"
    elif facts.identified_on is not None:
        base, what = facts.identified_on, "identification"
        inputs = {"identified_on": base.isoformat()}
    else:
        return missing(r, "identified_on", "the identification date")
    inputs["window_weeks"] = "8"
    inputs["weeks"] = "12"
    return due_item(
        r,
        today,
        due_on=add_weeks(base, 12),
        opens_on=add_weeks(base, 8),
        inputs=inputs,
        explanation=f"12 weeks after {what} on {fmt(base)} (visits from 8 weeks)",
    )
