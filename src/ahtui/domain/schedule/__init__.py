"""The pathway rules: what is due for one person, by when, and why.

Each rule is one function named after the rule, taking `(facts, today)` and returning a
`DueItem`, a list of them, or None. `compute_schedule` runs them all and sorts by urgency.
Sources: the Connections guide (seed 000), the Always Hope manual (001) and Probation National
Standards 2021 (004).

Every rule decides what to return in the same way:

- The rule does not apply to this pathway or kind of case (remand has no sentence rules, the
  community rules stop on recall, the risk management plan is for standard recalls only):
  nothing (None or an empty list).
- The rule applies but a date it counts from is not recorded: a `not_applicable` item with
  `due_on` None, `inputs["missing"]` naming the missing field and an explanation such as
  "Needs the sentence date", so a screen can ask for it.
- A recorded fact switches the rule off for this person (the team already met before release,
  the Personal Advisor's support has ended, the next 2-yearly review would fall after release):
  a `not_applicable` item, `due_on` None, whose explanation says why.
- Otherwise an item with a due date. It is `done` when the matching event is recorded on or
  after the date the rule counts from, however late (`done_on` is the event's date); else
  `overdue` once today is after `due_on`; else `due` from `window_opens_on`; else `upcoming`.
  The window opens 14 days before the due date but never before the event the rule counts
  from (a first appointment is not due while the person is still inside); a few rules set
  their own window (PA visits open 8 weeks after the last visit). Repeating rules (reviews,
  Pathway Plan, PA visits) are never done: they count from the last event held and show the
  next one.

Events from before the current phase do not count: a Meeting 1 from the original sentence does
not satisfy the one owed after a recall, and nothing held on remand counts towards the
sentence. Phase starts are the recorded dates (`sentence_date`, `recall_date`, `release_date`);
the pathway history supplies them when a date is missing, and tells a stale release date (from
before a recall) from the current one. Held meetings are dated by `held_on`, else
`scheduled_on`; an undated one cannot be placed and is ignored.

Recall: "resettlement planning will begin immediately", so Meeting 1 is due 10 working days
after the recall date, or by an earlier known release. The review owed "at least once" on a
short sentence or recall is due by the release date, and owed with no date while none is known.
Late case notes, of every contact type, are reported as one summary item
(`case_notes_recorded_within_1_working_day`). The handover to probation and who is responsible
are Manage POM Cases' OMiC calculation (`omic`). There is one Final Review per ending of
statutory support (`final_review:pa`, `final_review:licence`).

Explanations are sentences a practitioner would say, with dates written out ("18 Mar 2027") and
no field or rule names; the rule name and the `inputs` (field names, ISO dates) are for tests,
the JSON of `ahtui rules` and other programs.

The package, by rule family: `planning` (Meetings 1 and 2), `custody` (handover, POM
supervision, the pre-release and risk management plans), `reviews` (review meetings and the
Final Review), `community` (the first weeks after release or a community order),
`personal_advisor` (Pathway Plan and visits), `consent` (offered again), `networks` (the
network plan's review) and `case_notes`; `items` builds what they return and `phases` reads
the facts. This module runs them all and is the public surface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from ..enums import DueStatus
from ..facts import CaseFacts
from .case_notes import case_notes_recorded_within_1_working_day, note_is_late
from .community import (
    community_planning_meeting_within_15_days_of_release,
    first_probation_appointment_within_1_working_day_of_release,
    first_probation_appointment_within_5_working_days_of_community_order,
    initial_sentence_plan_within_15_working_days_of_first_appointment,
    plans_updated_by_15_days_after_release,
)
from .consent import consent_reoffer_3_months_after_refusal
from .custody import (
    handover_meeting_by_handover_start,
    handover_reminder_8_weeks_before,
    pom_supervision_3_sessions_in_12_weeks,
    pre_release_sentence_plan_within_3_months_of_pp_allocation,
    probation_practitioner_allocated_14_days_after_handover,
    resettlement_meeting_soon_after_handover_start,
    risk_management_plan_within_10_working_days_of_standard_recall,
)
from .items import DueItem
from .networks import network_plan_review_6_weeks_after_start
from .personal_advisor import pa_visit_every_8_to_12_weeks, pathway_plan_review_every_6_months
from .planning import (
    MEETING2_WEEKS,
    meeting1_within_10_weeks_of_sentence,
    meeting1_within_10_working_days_of_recall,
    meeting2_soon_after_meeting1,
)
from .reviews import (
    final_review_1_month_before_licence_ends,
    final_review_1_month_before_pa_support_ends,
    review_10_months_before_release_long_sentence,
    review_at_least_once_short_sentence_or_recall,
    review_every_2_years_long_sentence,
    review_every_3_years_life_sentence,
)

__all__ = [
    "MEETING2_WEEKS",
    "RULES",
    "DueItem",
    "case_notes_recorded_within_1_working_day",
    "community_planning_meeting_within_15_days_of_release",
    "compute_schedule",
    "consent_reoffer_3_months_after_refusal",
    "final_review_1_month_before_licence_ends",
    "final_review_1_month_before_pa_support_ends",
    "first_probation_appointment_within_1_working_day_of_release",
    "first_probation_appointment_within_5_working_days_of_community_order",
    "handover_meeting_by_handover_start",
    "handover_reminder_8_weeks_before",
    "initial_sentence_plan_within_15_working_days_of_first_appointment",
    "meeting1_within_10_weeks_of_sentence",
    "meeting1_within_10_working_days_of_recall",
    "meeting2_soon_after_meeting1",
    "network_plan_review_6_weeks_after_start",
    "next_due",
    "note_is_late",
    "overdue_count",
    "pa_visit_every_8_to_12_weeks",
    "pathway_plan_review_every_6_months",
    "plans_updated_by_15_days_after_release",
    "pom_supervision_3_sessions_in_12_weeks",
    "pre_release_sentence_plan_within_3_months_of_pp_allocation",
    "probation_practitioner_allocated_14_days_after_handover",
    "resettlement_meeting_soon_after_handover_start",
    "review_10_months_before_release_long_sentence",
    "review_at_least_once_short_sentence_or_recall",
    "review_every_2_years_long_sentence",
    "review_every_3_years_life_sentence",
    "risk_management_plan_within_10_working_days_of_standard_recall",
]


# --- the whole schedule -------------------------------------------------------------------------

RULES: tuple[Callable[[CaseFacts, date], DueItem | list[DueItem] | None], ...] = (
    meeting1_within_10_weeks_of_sentence,
    meeting1_within_10_working_days_of_recall,
    meeting2_soon_after_meeting1,
    handover_meeting_by_handover_start,
    resettlement_meeting_soon_after_handover_start,
    handover_reminder_8_weeks_before,
    probation_practitioner_allocated_14_days_after_handover,
    review_every_3_years_life_sentence,
    review_every_2_years_long_sentence,
    review_10_months_before_release_long_sentence,
    review_at_least_once_short_sentence_or_recall,
    final_review_1_month_before_pa_support_ends,
    final_review_1_month_before_licence_ends,
    community_planning_meeting_within_15_days_of_release,
    plans_updated_by_15_days_after_release,
    first_probation_appointment_within_1_working_day_of_release,
    first_probation_appointment_within_5_working_days_of_community_order,
    initial_sentence_plan_within_15_working_days_of_first_appointment,
    pathway_plan_review_every_6_months,
    pa_visit_every_8_to_12_weeks,
    consent_reoffer_3_months_after_refusal,
    network_plan_review_6_weeks_after_start,
    case_notes_recorded_within_1_working_day,
    pom_supervision_3_sessions_in_12_weeks,
    pre_release_sentence_plan_within_3_months_of_pp_allocation,
    risk_management_plan_within_10_working_days_of_standard_recall,
)
"""Every rule, roughly in the order the guidance meets them."""

_URGENCY = {
    DueStatus.OVERDUE: 0,
    DueStatus.DUE: 1,
    DueStatus.UPCOMING: 2,
    DueStatus.DONE: 3,
    DueStatus.NOT_APPLICABLE: 4,
}


def _urgency(item: DueItem) -> tuple[int, bool, date, str]:
    due = item.due_on
    return (_URGENCY[item.status], due is None, due or date.min, item.key)


def compute_schedule(facts: CaseFacts, today: date) -> list[DueItem]:
    """Run every rule for one person, most urgent first.

    Overdue, then due, upcoming, done and not applicable; within each, by due date (undated
    last), then by key so the order is stable.
    """
    items: list[DueItem] = []
    for rule in RULES:
        got = rule(facts, today)
        if got is None:
            continue
        if isinstance(got, list):
            items.extend(got)
        else:
            items.append(got)
    items.sort(key=_urgency)
    return items


def next_due(items: Iterable[DueItem]) -> DueItem | None:
    """The most urgent item still to do (neither done nor not applicable), or None."""
    open_items = [i for i in items if i.status not in (DueStatus.DONE, DueStatus.NOT_APPLICABLE)]
    return min(open_items, key=_urgency) if open_items else None


def overdue_count(items: Iterable[DueItem]) -> int:
    """How many items are overdue."""
    return sum(1 for i in items if i.status is DueStatus.OVERDUE)
