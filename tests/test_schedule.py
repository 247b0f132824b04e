"""The pathway rules: every timescale, table-driven, with the awkward dates.

Each case names the rule function, the facts and today, and expects the due date, the status
and the inputs the rule should report (a subset of the item's inputs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahtui.domain import schedule as s
from ahtui.domain.enums import (
    ConsentAgency,
    ConsentEvent,
    ContactType,
    DueStatus,
    MeetingStatus,
    MeetingType,
    MilestoneKind,
    Pathway,
    RecallType,
    SentenceType,
)
from ahtui.domain.facts import (
    CaseFacts,
    ConsentFact,
    ContactFact,
    MeetingFact,
    MilestoneFact,
    NetworkFact,
    PathwayPeriod,
)

D = date.fromisoformat
OVERDUE, DUE, UPCOMING, DONE, NA = (
    DueStatus.OVERDUE,
    DueStatus.DUE,
    DueStatus.UPCOMING,
    DueStatus.DONE,
    DueStatus.NOT_APPLICABLE,
)


# --- building facts ------------------------------------------------------------------------


def facts(pathway: Pathway, **kw: object) -> CaseFacts:
    """CaseFacts from ISO strings: `facts(Pathway.LONG, sentence_date="2026-01-05")`."""
    return CaseFacts.model_validate({"pathway": pathway, **kw})


def held(kind: MeetingType, on: str) -> MeetingFact:
    return MeetingFact(type=kind, status=MeetingStatus.HELD, held_on=D(on))


def contact(kind: ContactType, on: str, recorded: str | None = None) -> ContactFact:
    return ContactFact(type=kind, on=D(on), recorded_on=D(recorded) if recorded else None)


def milestone(kind: MilestoneKind, on: str) -> MilestoneFact:
    return MilestoneFact(kind=kind, on=D(on))


def consent(
    agency: ConsentAgency, event: ConsentEvent, on: str, reoffer: str | None = None
) -> ConsentFact:
    return ConsentFact(
        agency=agency, event=event, on=D(on), reoffer_on=D(reoffer) if reoffer else None
    )


def period(pathway: Pathway, start: str, end: str | None = None) -> PathwayPeriod:
    return PathwayPeriod(pathway=pathway, start=D(start), end=D(end) if end else None)


LONG = {"sentence_date": "2026-01-05", "conditional_release_date": "2028-06-01"}
SHORT = {"sentence_date": "2026-01-05", "conditional_release_date": "2026-05-05"}
LIFE = {"sentence_date": "2026-01-05", "sentence_type": SentenceType.LIFE}


@dataclass(frozen=True)
class Case:
    rule: Callable[[CaseFacts, date], s.DueItem | None]
    facts: CaseFacts
    today: str
    due: str | None
    status: DueStatus
    inputs: dict[str, str] = field(default_factory=dict)
    done_on: str | None = None
    window: str | None = None


def case(id: str, *args: object, **kw: object) -> object:
    return pytest.param(Case(*args, **kw), id=id)  # type: ignore[arg-type]


def check(c: Case, item: s.DueItem | None) -> None:
    assert item is not None
    assert item.rule == c.rule.__name__
    assert item.due_on == (D(c.due) if c.due else None)
    assert item.status is c.status
    assert c.inputs.items() <= item.inputs.items(), item.inputs
    assert item.inputs, "every item names its inputs"
    assert item.explanation and item.title and item.source and item.key
    if c.done_on is not None:
        assert item.done_on == D(c.done_on)
    if c.window is not None:
        assert item.window_opens_on == D(c.window)
    # What the rules build survives a round trip through validation unchanged.
    assert s.DueItem.model_validate(item.model_dump()) == item


# --- 1. Meeting 1 -----------------------------------------------------------------------------

M1 = s.meeting1_within_10_weeks_of_sentence
M1R = s.meeting1_within_10_working_days_of_recall
REMAND_THEN_LONG = facts(
    Pathway.LONG,
    remand_date="2025-10-01",
    **LONG,
    pathway_history=[
        period(Pathway.REMAND, "2025-10-01", "2026-01-05"),
        period(Pathway.LONG, "2026-01-05"),
    ],
    meetings=[held(MeetingType.PLANNING_1, "2025-11-01")],
)
COMMUNITY_THEN_RECALL = facts(
    Pathway.RECALL,
    **LONG,
    release_date="2026-03-01",
    recall_date="2026-06-01",
    recall_type=RecallType.STANDARD,
    pathway_history=[
        period(Pathway.LONG, "2026-01-05", "2026-03-01"),
        period(Pathway.COMMUNITY, "2026-03-01", "2026-06-01"),
        period(Pathway.RECALL, "2026-06-01"),
    ],
    meetings=[held(MeetingType.PLANNING_1, "2026-02-01"), held(MeetingType.REVIEW, "2026-02-15")],
    contacts=[contact(ContactType.PROBATION_APPOINTMENT, "2026-03-02")],
)

MEETING1 = [
    case("long-upcoming", M1, facts(Pathway.LONG, **LONG), "2026-02-01", "2026-03-16", UPCOMING,
         {"sentence_date": "2026-01-05", "weeks": "10"}, window="2026-03-02"),
    case("long-window-opens-14-days-before", M1, facts(Pathway.LONG, **LONG), "2026-03-02", "2026-03-16", DUE,
         {"sentence_date": "2026-01-05"}),
    case("long-on-due-date-still-due", M1, facts(Pathway.LONG, **LONG), "2026-03-16", "2026-03-16", DUE,
         {"sentence_date": "2026-01-05"}),
    case("long-overdue", M1, facts(Pathway.LONG, **LONG), "2026-03-17", "2026-03-16", OVERDUE,
         {"sentence_date": "2026-01-05"}),
    case("long-done-late", M1,
         facts(Pathway.LONG, **LONG, meetings=[held(MeetingType.PLANNING_1, "2026-03-20")]),
         "2026-04-01", "2026-03-16", DONE, {"sentence_date": "2026-01-05"}, done_on="2026-03-20"),
    case("scheduled-is-not-done", M1,
         facts(Pathway.LONG, **LONG, meetings=[MeetingFact(type=MeetingType.PLANNING_1, scheduled_on=D("2026-03-01"))]),
         "2026-03-17", "2026-03-16", OVERDUE, {"sentence_date": "2026-01-05"}),
    case("short-same-10-weeks", M1, facts(Pathway.SHORT, sentence_date="2026-01-05", conditional_release_date="2026-10-01"),
         "2026-03-10", "2026-03-16", DUE, {"sentence_date": "2026-01-05"}),
    case("short-release-before-10-weeks", M1, facts(Pathway.SHORT, sentence_date="2026-01-05", conditional_release_date="2026-03-01"),
         "2026-02-01", "2026-03-01", UPCOMING,
         {"sentence_date": "2026-01-05", "conditional_release_date": "2026-03-01"}, window="2026-02-15"),
    case("remand-then-sentenced-counts-from-sentence", M1, REMAND_THEN_LONG, "2026-03-20", "2026-03-16", OVERDUE,
         {"sentence_date": "2026-01-05"}),
    case("sentence-date-from-history", M1,
         facts(Pathway.LONG, pathway_history=[period(Pathway.REMAND, "2025-10-01"), period(Pathway.LONG, "2026-01-05")]),
         "2026-02-01", "2026-03-16", UPCOMING,
         {"sentence_date": "2026-01-05", "sentence_date_from": "pathway_history"}),
    case("recall-counts-from-recall-date", M1R, COMMUNITY_THEN_RECALL, "2026-06-01", "2026-06-15", DUE,
         {"recall_date": "2026-06-01", "working_days": "10"}),
    case("recall-overdue-after-10-working-days", M1R, COMMUNITY_THEN_RECALL, "2026-06-16", "2026-06-15", OVERDUE,
         {"recall_date": "2026-06-01"}),
    case("recall-brought-forward-to-known-release", M1R,
         COMMUNITY_THEN_RECALL.model_copy(update={"release_date": D("2026-06-08")}), "2026-06-02", "2026-06-08", DUE,
         {"recall_date": "2026-06-01", "release_date": "2026-06-08"}),
    case("recall-done-after-recall", M1R,
         COMMUNITY_THEN_RECALL.model_copy(update={"meetings": [held(MeetingType.PLANNING_1, "2026-06-15")]}),
         "2026-06-20", "2026-06-15", DONE, {"recall_date": "2026-06-01"}, done_on="2026-06-15"),
]  # fmt: skip

# --- 2. Handover --------------------------------------------------------------------------------

HO = s.handover_meeting_by_handover_start
HANDOVER = [
    # OMiC, determinate without a PED: CRD 1 Jun 2028 less 8 months (1 Oct 2027) less 14 days.
    case("upcoming", HO, facts(Pathway.LONG, **LONG), "2027-08-01", "2027-09-17", UPCOMING,
         {"conditional_release_date": "2028-06-01", "handover_on": "2027-09-17"}, window="2027-09-03"),
    case("due", HO, facts(Pathway.LONG, **LONG), "2027-09-10", "2027-09-17", DUE,
         {"conditional_release_date": "2028-06-01"}),
    case("overdue", HO, facts(Pathway.LONG, **LONG), "2027-09-18", "2027-09-17", OVERDUE,
         {"conditional_release_date": "2028-06-01"}),
    case("done", HO, facts(Pathway.LONG, **LONG, meetings=[held(MeetingType.HANDOVER, "2027-09-10")]),
         "2027-12-02", "2027-09-17", DONE, {"conditional_release_date": "2028-06-01"}, done_on="2027-09-10"),
    # 31 Oct 2028 less 8 months is 29 Feb 2028 (clamped, leap year), less 14 days.
    case("crd-31-oct-clamps-to-29-feb", HO, facts(Pathway.LONG, sentence_date="2026-01-05", conditional_release_date="2028-10-31"),
         "2027-06-01", "2028-02-15", UPCOMING, {"conditional_release_date": "2028-10-31"}),
    case("life-uses-expected-release-less-12-months", HO,
         facts(Pathway.LONG, **LIFE, release_date="2040-03-01"),
         "2039-02-20", "2039-03-01", DUE, {"release_date": "2040-03-01", "handover_on": "2039-03-01"}),
    case("missing-crd", HO, facts(Pathway.LONG, sentence_date="2026-01-05"), "2026-02-01", None, NA,
         {"missing": "conditional_release_date"}),
]  # fmt: skip

# --- 3. Reviews ------------------------------------------------------------------------------------

R3 = s.review_every_3_years_life_sentence
R2 = s.review_every_2_years_long_sentence
R10 = s.review_10_months_before_release_long_sentence
R1 = s.review_at_least_once_short_sentence_or_recall
REVIEWS = [
    case("life-3-years-from-sentence", R3, facts(Pathway.LONG, **LIFE), "2028-12-01", "2029-01-05", UPCOMING,
         {"sentence_date": "2026-01-05", "months": "36"}),
    case("life-overdue", R3, facts(Pathway.LONG, **LIFE), "2029-01-06", "2029-01-05", OVERDUE,
         {"sentence_date": "2026-01-05"}),
    case("life-from-last-review", R3,
         facts(Pathway.LONG, **LIFE, meetings=[held(MeetingType.REVIEW, "2028-06-01")]),
         "2029-01-06", "2031-06-01", UPCOMING, {"last_review_on": "2028-06-01", "months": "36"}),
    case("ipp-3-years", R3, facts(Pathway.LONG, sentence_date="2026-01-05", sentence_type=SentenceType.IPP),
         "2026-02-01", "2029-01-05", UPCOMING, {"sentence_date": "2026-01-05"}),
    case("long-2-years", R2, facts(Pathway.LONG, sentence_date="2026-01-05", conditional_release_date="2030-01-05"),
         "2027-06-01", "2028-01-05", UPCOMING, {"sentence_date": "2026-01-05", "months": "24"}),
    case("long-2-years-from-last-review", R2,
         facts(Pathway.LONG, sentence_date="2026-01-05", conditional_release_date="2030-01-05",
               meetings=[held(MeetingType.REVIEW, "2027-12-01")]),
         "2028-01-10", "2029-12-01", UPCOMING, {"last_review_on": "2027-12-01"}),
    case("long-2-years-after-release-not-applicable", R2, facts(Pathway.LONG, sentence_date="2026-01-05", conditional_release_date="2027-12-01"),
         "2026-06-01", None, NA, {"conditional_release_date": "2027-12-01"}),
    case("remand-then-sentenced-2-years-from-sentence", R2, REMAND_THEN_LONG.model_copy(update={"conditional_release_date": D("2030-01-01")}),
         "2026-06-01", "2028-01-05", UPCOMING, {"sentence_date": "2026-01-05"}),
    case("10-months-before-release-upcoming", R10, facts(Pathway.LONG, **LONG), "2027-06-01", "2027-08-01", UPCOMING,
         {"conditional_release_date": "2028-06-01", "months": "10"}, window="2027-07-01"),
    case("10-months-before-release-due", R10, facts(Pathway.LONG, **LONG), "2027-07-15", "2027-08-01", DUE,
         {"conditional_release_date": "2028-06-01"}),
    case("10-months-before-release-done-in-window", R10,
         facts(Pathway.LONG, **LONG, meetings=[held(MeetingType.REVIEW, "2027-07-10")]),
         "2027-08-02", "2027-08-01", DONE, {"conditional_release_date": "2028-06-01"}, done_on="2027-07-10"),
    case("10-months-before-release-earlier-review-does-not-count", R10,
         facts(Pathway.LONG, **LONG, meetings=[held(MeetingType.REVIEW, "2027-05-01")]),
         "2027-08-02", "2027-08-01", OVERDUE, {"conditional_release_date": "2028-06-01"}),
    case("exactly-10-months-to-serve-due-on-sentence-date", R10,
         facts(Pathway.LONG, sentence_date="2026-01-05", conditional_release_date="2026-11-05"),
         "2026-01-05", "2026-01-05", DUE, {"conditional_release_date": "2026-11-05"}, window="2026-01-05"),
    case("10-months-and-a-day", R10,
         facts(Pathway.LONG, sentence_date="2026-01-05", conditional_release_date="2026-11-06"),
         "2026-01-05", "2026-01-06", DUE, {"conditional_release_date": "2026-11-06"}, window="2026-01-05"),
    case("under-10-months-not-applicable", R10,
         facts(Pathway.LONG, sentence_date="2026-01-05", conditional_release_date="2026-11-04"),
         "2026-01-05", None, NA, {"sentence_date": "2026-01-05"}),
    case("10-months-missing-crd", R10, facts(Pathway.LONG, sentence_date="2026-01-05"), "2026-02-01", None, NA,
         {"missing": "conditional_release_date"}),
    case("short-once-by-release", R1, facts(Pathway.SHORT, **SHORT), "2026-04-25", "2026-05-05", DUE,
         {"sentence_date": "2026-01-05", "conditional_release_date": "2026-05-05"}, window="2026-04-21"),
    case("short-once-done", R1, facts(Pathway.SHORT, **SHORT, meetings=[held(MeetingType.REVIEW, "2026-03-01")]),
         "2026-05-06", "2026-05-05", DONE, {"sentence_date": "2026-01-05"}, done_on="2026-03-01"),
    case("short-no-release-date-still-owed", R1, facts(Pathway.SHORT, sentence_date="2026-01-05"), "2026-02-01", None, DUE,
         {"sentence_date": "2026-01-05"}),
    case("recall-once-by-rerelease", R1, COMMUNITY_THEN_RECALL.model_copy(update={"release_date": D("2026-06-29")}),
         "2026-06-20", "2026-06-29", DUE, {"recall_date": "2026-06-01", "release_date": "2026-06-29"}),
    case("recall-old-release-date-is-stale-review-owed-undated", R1, COMMUNITY_THEN_RECALL, "2026-06-20", None, DUE,
         {"recall_date": "2026-06-01"}),
    case("recall-no-release-review-held-is-done", R1,
         COMMUNITY_THEN_RECALL.model_copy(update={"meetings": [held(MeetingType.REVIEW, "2026-06-10")]}),
         "2026-06-20", None, DONE, {"recall_date": "2026-06-01"}, done_on="2026-06-10"),
]  # fmt: skip

# --- 4. Final review -------------------------------------------------------------------------------

FRP = s.final_review_1_month_before_pa_support_ends
FRL = s.final_review_1_month_before_licence_ends
FINAL = [
    case("licence-end", FRL,
         facts(Pathway.COMMUNITY, release_date="2027-03-25", licence_end_date="2028-06-01", date_of_birth="2005-01-01"),
         "2028-04-20", "2028-05-01", DUE, {"licence_end_date": "2028-06-01"}),
    case("pa-at-25-after-licence-still-its-own", FRP,
         facts(Pathway.COMMUNITY, release_date="2027-03-25", licence_end_date="2028-06-01", date_of_birth="2005-01-01"),
         "2028-04-20", "2029-12-01", UPCOMING, {"date_of_birth": "2005-01-01", "age": "25"}),
    case("turning-25-on-licence", FRP,
         facts(Pathway.COMMUNITY, release_date="2027-03-25", licence_end_date="2028-06-01", date_of_birth="2003-03-15"),
         "2028-01-01", "2028-02-15", UPCOMING, {"date_of_birth": "2003-03-15", "age": "25"}),
    case("turning-25-on-licence-licence-review-too", FRL,
         facts(Pathway.COMMUNITY, release_date="2027-03-25", licence_end_date="2028-06-01", date_of_birth="2003-03-15"),
         "2028-01-01", "2028-05-01", UPCOMING, {"licence_end_date": "2028-06-01"}),
    case("la-recorded-end-wins-over-birthday", FRP,
         facts(Pathway.COMMUNITY, licence_end_date="2029-06-01", date_of_birth="2003-03-15", pa_support_ends_on="2027-09-30"),
         "2027-09-01", "2027-08-30", OVERDUE, {"pa_support_ends_on": "2027-09-30"}),
    case("leap-day-birthday-1-march", FRP,
         facts(Pathway.COMMUNITY, licence_end_date="2030-06-01", date_of_birth="2004-02-29"),
         "2029-01-20", "2029-02-01", DUE, {"date_of_birth": "2004-02-29"}),
    case("christmas-licence-end", FRL, facts(Pathway.COMMUNITY, licence_end_date="2026-12-25"),
         "2026-11-01", "2026-11-25", UPCOMING, {"licence_end_date": "2026-12-25"}),
    case("in-custody-turning-25", FRP, facts(Pathway.LONG, **LONG, date_of_birth="2002-07-31"),
         "2027-06-01", "2027-06-30", UPCOMING, {"date_of_birth": "2002-07-31"}),
    case("done", FRL,
         facts(Pathway.COMMUNITY, licence_end_date="2028-06-01", meetings=[held(MeetingType.FINAL_REVIEW, "2028-05-03")]),
         "2028-05-10", "2028-05-01", DONE, {"licence_end_date": "2028-06-01"}, done_on="2028-05-03"),
    case("pa-review-does-not-count-for-licence-years-later", FRL,
         facts(Pathway.COMMUNITY, licence_end_date="2030-06-01", date_of_birth="2003-03-15",
               meetings=[held(MeetingType.FINAL_REVIEW, "2028-02-15")]),
         "2030-05-10", "2030-05-01", OVERDUE, {"licence_end_date": "2030-06-01"}),
    case("missing-licence", FRL, facts(Pathway.COMMUNITY), "2028-05-10", None, NA, {"missing": "licence_end_date"}),
    case("missing-birth", FRP, facts(Pathway.COMMUNITY), "2028-05-10", None, NA, {"missing": "date_of_birth"}),
    case("licence-when-pa-support-ended-before-sentence", FRL,
         facts(Pathway.COMMUNITY, sentence_date="2026-01-05", licence_end_date="2028-06-01", date_of_birth="1998-01-01"),
         "2028-04-20", "2028-05-01", DUE, {"licence_end_date": "2028-06-01"}),
]  # fmt: skip

# --- 5, 6, 14. Community ------------------------------------------------------------------------------

CP = s.community_planning_meeting_within_15_days_of_release
PU = s.plans_updated_by_15_days_after_release
FA = s.first_probation_appointment_within_1_working_day_of_release
FA5 = s.first_probation_appointment_within_5_working_days_of_community_order
ISP = s.initial_sentence_plan_within_15_working_days_of_first_appointment
EASTER = {"sentence_date": "2026-01-05", "release_date": "2027-03-25"}
RERELEASED = facts(
    Pathway.COMMUNITY,
    sentence_date="2026-01-05",
    release_date="2026-03-01",
    recall_date="2026-06-01",
    pathway_history=[
        period(Pathway.COMMUNITY, "2026-03-01", "2026-06-01"),
        period(Pathway.RECALL, "2026-06-01", "2026-09-01"),
        period(Pathway.COMMUNITY, "2026-09-01"),
    ],
)


def release(on: str, **kw: object) -> CaseFacts:
    return facts(Pathway.COMMUNITY, sentence_date="2026-01-05", release_date=on, **kw)


COMMUNITY = [
    case("first-appointment-easter-thursday", FA, release("2027-03-25"), "2027-03-26", "2027-03-30", DUE,
         {"release_date": "2027-03-25", "working_days": "1"}, window="2027-03-25"),
    case("first-appointment-easter-overdue", FA, release("2027-03-25"), "2027-03-31", "2027-03-30", OVERDUE,
         {"release_date": "2027-03-25"}),
    case("first-appointment-done", FA,
         release("2027-03-25", contacts=[contact(ContactType.PROBATION_APPOINTMENT, "2027-03-30")]),
         "2027-04-01", "2027-03-30", DONE, {"release_date": "2027-03-25"}, done_on="2027-03-30"),
    case("first-appointment-before-release-does-not-count", FA,
         release("2027-03-25", contacts=[contact(ContactType.PROBATION_APPOINTMENT, "2027-03-01")]),
         "2027-03-31", "2027-03-30", OVERDUE, {"release_date": "2027-03-25"}),
    case("first-appointment-august-bank-holiday", FA, release("2026-08-28"), "2026-08-28", "2026-09-01", DUE,
         {"release_date": "2026-08-28"}),
    case("first-appointment-christmas-eve", FA, release("2026-12-24"), "2026-12-24", "2026-12-29", DUE,
         {"release_date": "2026-12-24"}),
    case("first-appointment-new-years-eve", FA, release("2026-12-31"), "2027-01-02", "2027-01-04", DUE,
         {"release_date": "2026-12-31"}),
    case("first-appointment-christmas-2027-double-observed", FA, release("2027-12-24"), "2027-12-24", "2027-12-29", DUE,
         {"release_date": "2027-12-24"}),
    case("rereleased-after-recall-uses-history", FA, RERELEASED, "2026-09-01", "2026-09-02", DUE,
         {"release_date": "2026-09-01", "release_date_from": "pathway_history"}),
    case("first-appointment-missing-release", FA, facts(Pathway.COMMUNITY), "2026-09-01", None, NA,
         {"missing": "release_date"}),
    case("community-order-5-working-days", FA5,
         facts(Pathway.COMMUNITY, sentence_type=SentenceType.COMMUNITY_ORDER, sentence_date="2026-01-05"),
         "2026-01-06", "2026-01-12", DUE, {"sentence_date": "2026-01-05", "working_days": "5"}),
    case("community-order-over-christmas", FA5,
         facts(Pathway.COMMUNITY, sentence_type=SentenceType.COMMUNITY_ORDER, sentence_date="2026-12-23"),
         "2026-12-23", "2027-01-04", DUE, {"sentence_date": "2026-12-23"}),
    case("planning-15-days", CP, release("2027-03-25"), "2027-03-26", "2027-04-09", DUE,
         {"release_date": "2027-03-25", "days": "15"}, window="2027-03-26"),
    case("planning-15-days-overdue", CP, release("2027-03-25"), "2027-04-10", "2027-04-09", OVERDUE,
         {"release_date": "2027-03-25"}),
    case("planning-held-in-community", CP,
         release("2027-03-25", meetings=[held(MeetingType.COMMUNITY_PLANNING, "2027-04-01")]),
         "2027-04-10", "2027-04-09", DONE, {"release_date": "2027-03-25"}, done_on="2027-04-01"),
    case("team-already-met-in-custody", CP,
         release("2027-03-25", meetings=[held(MeetingType.PLANNING_1, "2026-03-01")]),
         "2027-04-10", None, NA, {"team_met_on": "2026-03-01"}),
    case("plans-updated-on-release-day-upcoming", PU, release("2027-03-25"), "2027-03-25", "2027-04-09", UPCOMING,
         {"release_date": "2027-03-25", "days": "15"}, window="2027-03-26"),
    case("plans-updated-15-days", PU, release("2027-03-25"), "2027-03-30", "2027-04-09", DUE,
         {"release_date": "2027-03-25", "days": "15"}),
    case("plans-updated-done", PU,
         release("2027-03-25", milestones=[milestone(MilestoneKind.PLANS_UPDATED_AFTER_RELEASE, "2027-04-08")]),
         "2027-04-10", "2027-04-09", DONE, {"release_date": "2027-03-25"}, done_on="2027-04-08"),
    case("initial-plan-15-working-days", ISP,
         release("2027-03-25", contacts=[contact(ContactType.PROBATION_APPOINTMENT, "2027-03-30")]),
         "2027-04-10", "2027-04-20", DUE,
         {"release_date": "2027-03-25", "first_appointment_on": "2027-03-30", "working_days": "15"}),
    case("initial-plan-over-christmas", ISP,
         release("2026-12-21", contacts=[contact(ContactType.PROBATION_APPOINTMENT, "2026-12-22")]),
         "2027-01-16", "2027-01-15", OVERDUE, {"first_appointment_on": "2026-12-22"}),
    case("initial-plan-done", ISP,
         release("2027-03-25", contacts=[contact(ContactType.PROBATION_APPOINTMENT, "2027-03-30")],
                 milestones=[milestone(MilestoneKind.INITIAL_SENTENCE_PLAN, "2027-04-15")]),
         "2027-04-21", "2027-04-20", DONE, {"first_appointment_on": "2027-03-30"}, done_on="2027-04-15"),
    case("initial-plan-needs-first-appointment", ISP, release("2027-03-25"), "2027-03-26", None, NA,
         {"missing": "probation_appointment", "release_date": "2027-03-25"}),
]  # fmt: skip

# --- 7, 8. Personal Advisor ---------------------------------------------------------------------------

PPR = s.pathway_plan_review_every_6_months
PAV = s.pa_visit_every_8_to_12_weeks
PA = [
    case("pathway-plan-from-identification", PPR, facts(Pathway.LONG, identified_on="2026-01-10"),
         "2026-06-30", "2026-07-10", DUE, {"identified_on": "2026-01-10", "months": "6"}, window="2026-06-26"),
    case("pathway-plan-from-last-review-clamped", PPR,
         facts(Pathway.REMAND, identified_on="2026-01-10",
               milestones=[milestone(MilestoneKind.PATHWAY_PLAN_REVIEW, "2026-05-31")]),
         "2026-12-01", "2026-11-30", OVERDUE, {"last_review_on": "2026-05-31"}),
    case("pathway-plan-missing", PPR, facts(Pathway.COMMUNITY), "2026-06-01", None, NA, {"missing": "identified_on"}),
    case("pathway-plan-pa-support-ended", PPR, facts(Pathway.COMMUNITY, identified_on="2025-01-01", date_of_birth="2001-01-01"),
         "2026-03-01", None, NA, {"date_of_birth": "2001-01-01"}),
    case("pa-visit-upcoming-before-8-weeks", PAV,
         facts(Pathway.LONG, contacts=[contact(ContactType.PA_VISIT, "2026-01-05")]),
         "2026-03-01", "2026-03-30", UPCOMING, {"last_visit_on": "2026-01-05", "weeks": "12", "window_weeks": "8"},
         window="2026-03-02"),
    case("pa-visit-due-from-8-weeks", PAV,
         facts(Pathway.LONG, contacts=[contact(ContactType.PA_VISIT, "2026-01-05")]),
         "2026-03-02", "2026-03-30", DUE, {"last_visit_on": "2026-01-05"}),
    case("pa-visit-overdue-after-12-weeks", PAV,
         facts(Pathway.LONG, contacts=[contact(ContactType.PA_VISIT, "2026-01-05"), contact(ContactType.PHONE, "2026-03-01")]),
         "2026-03-31", "2026-03-30", OVERDUE, {"last_visit_on": "2026-01-05"}),
    case("pa-visit-from-identification-remand", PAV, facts(Pathway.REMAND, identified_on="2026-01-10"),
         "2026-01-11", "2026-04-04", UPCOMING, {"identified_on": "2026-01-10"}),
]  # fmt: skip

# --- 11, 12, 13, 15. Notes, POM, plans in custody, recall ----------------------------------------------

NOTES = s.case_notes_recorded_within_1_working_day
POM = s.pom_supervision_3_sessions_in_12_weeks
PRE = s.pre_release_sentence_plan_within_3_months_of_pp_allocation
RMP = s.risk_management_plan_within_10_working_days_of_standard_recall
POM_ALLOC = {**LONG, "pom_allocated_on": "2026-01-12"}


def sessions(*days: str) -> list[ContactFact]:
    return [contact(ContactType.POM_SUPERVISION, d) for d in days]


OTHER = [
    case("notes-late-summary", NOTES,
         facts(Pathway.COMMUNITY, contacts=[
             contact(ContactType.PHONE, "2027-03-25", "2027-03-30"),   # on time over Easter
             contact(ContactType.PHONE, "2027-03-25", "2027-03-31"),   # late
             contact(ContactType.EMAIL, "2026-01-09", "2026-01-14"),   # late
         ]),
         "2027-04-01", "2027-03-30", DONE,
         {"late_count": "2", "contact_on": "2027-03-25", "recorded_on": "2027-03-31"}, done_on="2027-03-31"),
    case("pom-sessions-upcoming", POM, facts(Pathway.LONG, **POM_ALLOC, contacts=sessions("2026-01-20")),
         "2026-02-01", "2026-04-06", UPCOMING,
         {"pom_allocated_on": "2026-01-12", "sessions_in_window": "1", "sessions_so_far": "1"}, window="2026-03-23"),
    case("pom-sessions-two-overdue", POM, facts(Pathway.LONG, **POM_ALLOC, contacts=sessions("2026-01-20", "2026-02-20")),
         "2026-04-07", "2026-04-06", OVERDUE, {"sessions_in_window": "2", "sessions_required": "3"}),
    case("pom-sessions-three-done", POM,
         facts(Pathway.SHORT, sentence_date="2026-01-05", pom_allocated_on="2026-01-12",
               contacts=sessions("2026-01-20", "2026-02-20", "2026-04-06")),
         "2026-04-07", "2026-04-06", DONE, {"sessions_in_window": "3"}, done_on="2026-04-06"),
    case("pom-sessions-third-late", POM,
         facts(Pathway.LONG, **POM_ALLOC, contacts=sessions("2026-01-20", "2026-02-20", "2026-04-20")),
         "2026-05-01", "2026-04-06", DONE, {"sessions_in_window": "2", "sessions_so_far": "3"}, done_on="2026-04-20"),
    case("pom-missing-allocation", POM, facts(Pathway.LONG, **LONG), "2026-02-01", None, NA,
         {"missing": "pom_allocated_on"}),
    case("pre-release-plan-long", PRE, facts(Pathway.LONG, **LONG, pp_allocated_on="2027-10-15"),
         "2027-11-01", "2028-01-15", UPCOMING, {"pp_allocated_on": "2027-10-15", "months": "3"}),
    case("pre-release-plan-done", PRE,
         facts(Pathway.LONG, **LONG, pp_allocated_on="2027-10-15",
               milestones=[milestone(MilestoneKind.PRE_RELEASE_SENTENCE_PLAN, "2027-12-20")]),
         "2028-01-16", "2028-01-15", DONE, {"pp_allocated_on": "2027-10-15"}, done_on="2027-12-20"),
    case("pre-release-plan-exactly-10-months-short", PRE,
         facts(Pathway.SHORT, sentence_date="2026-01-05", conditional_release_date="2026-11-05", pp_allocated_on="2026-01-06"),
         "2026-04-07", "2026-04-06", OVERDUE, {"pp_allocated_on": "2026-01-06"}),
    case("pre-release-plan-missing-pp", PRE, facts(Pathway.LONG, **LONG), "2026-02-01", None, NA,
         {"missing": "pp_allocated_on"}),
    case("rmp-standard-recall-over-easter", RMP,
         facts(Pathway.RECALL, recall_date="2027-03-22", recall_type=RecallType.STANDARD),
         "2027-03-29", "2027-04-07", DUE, {"recall_date": "2027-03-22", "recall_type": "standard", "working_days": "10"}),
    case("rmp-community-then-recall", RMP, COMMUNITY_THEN_RECALL, "2026-06-16", "2026-06-15", OVERDUE,
         {"recall_date": "2026-06-01"}),
    case("rmp-done", RMP,
         facts(Pathway.RECALL, recall_date="2027-03-22", recall_type=RecallType.STANDARD,
               milestones=[milestone(MilestoneKind.RISK_MANAGEMENT_PLAN, "2027-04-01")]),
         "2027-04-08", "2027-04-07", DONE, {"recall_date": "2027-03-22"}, done_on="2027-04-01"),
    case("rmp-needs-recall-type", RMP, facts(Pathway.RECALL, recall_date="2027-03-22"), "2027-03-29", None, NA,
         {"missing": "recall_type"}),
    case("rmp-recall-date-from-history", RMP,
         facts(Pathway.RECALL, recall_type=RecallType.STANDARD,
               pathway_history=[period(Pathway.COMMUNITY, "2027-01-04"), period(Pathway.RECALL, "2027-03-22")]),
         "2027-03-22", "2027-04-07", UPCOMING, {"recall_date": "2027-03-22", "recall_date_from": "pathway_history"},
         window="2027-03-24"),
]  # fmt: skip


@pytest.mark.parametrize("c", MEETING1 + HANDOVER + REVIEWS + FINAL + COMMUNITY + PA + OTHER)
def test_rule(c: Case) -> None:
    check(c, c.rule(c.facts, D(c.today)))


# --- rules returning one item per agency or network ----------------------------------------------

CR = s.consent_reoffer_3_months_after_refusal
NW = s.network_plan_review_6_weeks_after_start
LA, PRISON = ConsentAgency.LOCAL_AUTHORITY, ConsentAgency.PRISON
DECLINED, OFFERED, GIVEN = ConsentEvent.DECLINED, ConsentEvent.OFFERED, ConsentEvent.GIVEN


@pytest.mark.parametrize(
    ("rule", "f", "today", "key", "c"),
    [
        pytest.param(CR, facts(Pathway.LONG, consents=[consent(LA, DECLINED, "2026-01-31")]), "2026-04-20",
                     "consent_reoffer:local_authority",
                     Case(CR, facts(Pathway.LONG), "2026-04-20", "2026-04-30", DUE,
                          {"agency": "local_authority", "declined_on": "2026-01-31", "months": "3"}, window="2026-04-16"),
                     id="consent-3-months-clamped"),
        pytest.param(CR, facts(Pathway.REMAND, consents=[consent(LA, DECLINED, "2026-01-05", reoffer="2026-03-01")]), "2026-03-02",
                     "consent_reoffer:local_authority",
                     Case(CR, facts(Pathway.LONG), "2026-03-02", "2026-03-01", OVERDUE, {"reoffer_on": "2026-03-01"}),
                     id="consent-reoffer-date-recorded"),
        pytest.param(CR, facts(Pathway.LONG, consents=[consent(PRISON, DECLINED, "2026-01-05"), consent(PRISON, OFFERED, "2026-04-01")]),
                     "2026-04-10", "consent_reoffer:prison",
                     Case(CR, facts(Pathway.LONG), "2026-04-10", "2026-04-05", DONE, {"declined_on": "2026-01-05"}, done_on="2026-04-01"),
                     id="consent-reoffered-done"),
        pytest.param(CR, facts(Pathway.LONG, consents=[consent(LA, GIVEN, "2025-06-01"), consent(LA, DECLINED, "2026-01-05")]),
                     "2026-02-01", "consent_reoffer:local_authority",
                     Case(CR, facts(Pathway.LONG), "2026-02-01", "2026-04-05", UPCOMING, {"declined_on": "2026-01-05"}),
                     id="consent-given-then-declined"),
        pytest.param(NW, facts(Pathway.LONG, networks=[NetworkFact(id="n1", plan_started_on=D("2026-02-01"))]), "2026-03-10",
                     "network_review:n1",
                     Case(NW, facts(Pathway.LONG), "2026-03-10", "2026-03-15", DUE,
                          {"plan_started_on": "2026-02-01", "weeks": "6", "network_id": "n1"}),
                     id="network-6-weeks"),
        pytest.param(NW, facts(Pathway.COMMUNITY, networks=[NetworkFact(id="n1", plan_started_on=D("2026-02-01"), reviewed_on=D("2026-03-20"))]),
                     "2026-03-25", "network_review:n1",
                     Case(NW, facts(Pathway.LONG), "2026-03-25", "2026-03-15", DONE, {"plan_started_on": "2026-02-01"}, done_on="2026-03-20"),
                     id="network-reviewed-late"),
    ],
)  # fmt: skip
def test_per_entity_rule(rule: Callable, f: CaseFacts, today: str, key: str, c: Case) -> None:
    items = {i.key: i for i in rule(f, D(today))}
    check(c, items[key])


def test_consent_one_item_per_agency() -> None:
    f = facts(
        Pathway.LONG,
        consents=[consent(LA, DECLINED, "2026-01-05"), consent(PRISON, DECLINED, "2026-02-05")],
    )
    keys = sorted(i.key for i in CR(f, D("2026-02-10")))
    assert keys == ["consent_reoffer:local_authority", "consent_reoffer:prison"]


def test_network_without_plan_has_no_item() -> None:
    assert NW(facts(Pathway.LONG, networks=[NetworkFact(id="n1")]), D("2026-03-10")) == []


# --- note_is_late --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact_on", "recorded_on", "late"),
    [
        pytest.param("2026-01-05", "2026-01-05", False, id="same-day"),
        pytest.param("2026-01-05", "2026-01-06", False, id="next-day"),
        pytest.param("2026-01-05", "2026-01-07", True, id="two-working-days"),
        pytest.param("2026-01-09", "2026-01-12", False, id="friday-to-monday"),
        pytest.param("2026-01-09", "2026-01-13", True, id="friday-to-tuesday"),
        pytest.param("2027-03-25", "2027-03-30", False, id="thursday-over-easter"),
        pytest.param("2027-03-25", "2027-03-31", True, id="thursday-over-easter-late"),
        pytest.param("2026-12-24", "2026-12-29", False, id="christmas-eve"),
        pytest.param("2026-12-31", "2027-01-04", False, id="new-years-eve"),
        pytest.param("2026-01-10", "2026-01-12", False, id="saturday-contact-monday-note"),
    ],
)
def test_note_is_late(contact_on: str, recorded_on: str, late: bool) -> None:
    assert s.note_is_late(D(contact_on), D(recorded_on)) is late


def test_no_late_notes_no_item() -> None:
    f = facts(Pathway.LONG, contacts=[contact(ContactType.PHONE, "2026-01-05", "2026-01-06")])
    assert NOTES(f, D("2026-02-01")) is None


# --- rules that do not apply ----------------------------------------------------------------------

REMAND = facts(
    Pathway.REMAND,
    remand_date="2026-01-05",
    identified_on="2026-01-06",
    pom_allocated_on="2026-01-07",
    pp_allocated_on="2026-01-07",
    licence_end_date="2027-01-01",
)
SENTENCE_RULES = [
    M1, M1R, HO, R3, R2, R10, R1, FRP, FRL, CP, PU, FA, FA5, ISP, POM, PRE, RMP,
]  # fmt: skip


@pytest.mark.parametrize("rule", SENTENCE_RULES, ids=lambda r: r.__name__)
def test_remand_has_no_sentence_rules(rule: Callable) -> None:
    assert rule(REMAND, D("2026-03-01")) is None


@pytest.mark.parametrize(
    ("rule", "f"),
    [
        pytest.param(M1, facts(Pathway.RECALL, **LONG), id="meeting1-sentence-not-on-recall"),
        pytest.param(M1R, facts(Pathway.LONG, **LONG), id="meeting1-recall-not-on-long"),
        pytest.param(HO, facts(Pathway.SHORT, **SHORT), id="handover-not-on-short"),
        pytest.param(R3, facts(Pathway.LONG, **LONG), id="life-review-not-determinate"),
        pytest.param(R2, facts(Pathway.LONG, **LIFE), id="2-year-review-not-life"),
        pytest.param(R1, facts(Pathway.LONG, **LONG), id="once-review-not-long"),
        pytest.param(FA, facts(Pathway.RECALL, release_date="2026-03-01"), id="first-appointment-stops-on-recall"),
        pytest.param(CP, COMMUNITY_THEN_RECALL, id="community-planning-stops-on-recall"),
        pytest.param(PU, COMMUNITY_THEN_RECALL, id="plans-updated-stops-on-recall"),
        pytest.param(ISP, COMMUNITY_THEN_RECALL, id="initial-plan-stops-on-recall"),
        pytest.param(FA, facts(Pathway.COMMUNITY, sentence_type=SentenceType.COMMUNITY_ORDER, sentence_date="2026-01-05"),
                     id="release-rule-not-for-community-order"),
        pytest.param(FA5, release("2027-03-25"), id="community-order-rule-not-after-release"),
        pytest.param(POM, facts(Pathway.COMMUNITY, pom_allocated_on="2026-01-12"), id="pom-not-in-community"),
        pytest.param(PRE, facts(Pathway.SHORT, sentence_date="2026-01-05", conditional_release_date="2026-10-05",
                                pp_allocated_on="2026-01-06"), id="pre-release-plan-not-under-10-months"),
        pytest.param(PRE, facts(Pathway.COMMUNITY, pp_allocated_on="2026-01-06"), id="pre-release-plan-not-in-community"),
        pytest.param(RMP, facts(Pathway.RECALL, recall_date="2027-03-22", recall_type=RecallType.FIXED_TERM),
                     id="rmp-not-fixed-term"),
        pytest.param(RMP, facts(Pathway.COMMUNITY, recall_date="2027-03-22", recall_type=RecallType.STANDARD),
                     id="rmp-not-after-rerelease"),
        pytest.param(NOTES, facts(Pathway.LONG, contacts=[contact(ContactType.PHONE, "2026-01-05")]),
                     id="unrecorded-note-not-judged"),
    ],
)  # fmt: skip
def test_rule_does_not_apply(rule: Callable, f: CaseFacts) -> None:
    assert rule(f, D("2026-07-01")) is None


# --- compute_schedule -----------------------------------------------------------------------------


def test_schedule_sorted_by_urgency_and_helpers() -> None:
    f = facts(
        Pathway.LONG,
        **LONG,
        identified_on="2026-01-10",
        pom_allocated_on="2026-01-12",
        date_of_birth="2004-02-29",
        licence_end_date="2030-01-01",
        consents=[consent(LA, DECLINED, "2025-10-01")],
        meetings=[held(MeetingType.PLANNING_1, "2026-03-01")],
    )
    items = s.compute_schedule(f, D("2026-03-20"))
    order = [i.status for i in items]
    rank = {OVERDUE: 0, DUE: 1, UPCOMING: 2, DONE: 3, NA: 4}
    assert [rank[x] for x in order] == sorted(rank[x] for x in order)
    for a, b in zip(items, items[1:], strict=False):
        if a.status is b.status and a.due_on and b.due_on:
            assert a.due_on <= b.due_on
    assert items[0].key == "consent_reoffer:local_authority"
    assert items[0].status is OVERDUE
    assert s.overdue_count(items) == 1
    nxt = s.next_due(items)
    assert nxt is not None and nxt.key == "consent_reoffer:local_authority"
    assert s.next_due(list(reversed(items))) == nxt
    assert {"meeting1", "handover", "review", "review_before_release", "final_review:licence"} <= {
        i.key for i in items
    }
    assert next(i for i in items if i.key == "meeting1").status is DONE


def test_next_due_none_when_all_done() -> None:
    f = facts(Pathway.LONG, **LONG, meetings=[held(MeetingType.PLANNING_1, "2026-03-01")])
    done = [s.meeting1_within_10_weeks_of_sentence(f, D("2026-03-20"))]
    assert s.next_due(done) is None  # type: ignore[arg-type]
    assert s.overdue_count(done) == 0  # type: ignore[arg-type]


def test_remand_then_sentenced_schedule() -> None:
    remand = REMAND.model_copy(update={"pathway_history": [period(Pathway.REMAND, "2026-01-05")]})
    remand_keys = {i.key for i in s.compute_schedule(remand, D("2026-03-01"))}
    assert remand_keys == {"pathway_plan_review", "pa_visit"}
    items = {i.key: i for i in s.compute_schedule(REMAND_THEN_LONG, D("2026-02-01"))}
    assert items["meeting1"].due_on == D("2026-03-16")
    assert items["meeting1"].inputs["sentence_date"] == "2026-01-05"


def test_community_then_recall_schedule() -> None:
    items = s.compute_schedule(COMMUNITY_THEN_RECALL, D("2026-06-10"))
    by_key = {i.key: i for i in items}
    assert by_key["meeting1"].rule == "meeting1_within_10_working_days_of_recall"
    # Soon after the recall: 10 working days, so already due.
    assert by_key["meeting1"].status is DUE
    assert by_key["meeting1"].due_on == D("2026-06-15")
    assert by_key["risk_management_plan"].due_on == D("2026-06-15")
    rules = {i.rule for i in items}
    assert not rules & {
        "first_probation_appointment_within_1_working_day_of_release",
        "community_planning_meeting_within_15_days_of_release",
        "plans_updated_by_15_days_after_release",
        "initial_sentence_plan_within_15_working_days_of_first_appointment",
    }


def test_every_rule_is_in_the_schedule() -> None:
    names = {r.__name__ for r in s.RULES}
    assert len(names) == len(s.RULES) == 26


# --- Meeting 2 ----------------------------------------------------------------------------------


def _meeting2(f: CaseFacts, today: str):
    return s.meeting2_soon_after_meeting1(f, D(today))


def test_meeting2_waits_for_meeting1() -> None:
    assert _meeting2(facts(Pathway.LONG, **LONG), "2026-03-01") is None
    assert _meeting2(facts(Pathway.COMMUNITY), "2026-03-01") is None


def test_meeting2_due_at_once_after_meeting1_then_overdue_after_4_weeks() -> None:
    f = facts(Pathway.LONG, **LONG, meetings=[held(MeetingType.PLANNING_1, "2026-03-02")])
    item = _meeting2(f, "2026-03-02")
    assert (item.status, item.due_on, item.window_opens_on) == (
        DUE,
        D("2026-03-30"),
        D("2026-03-02"),
    )
    assert item.inputs == {"meeting1_held": "2026-03-02", "weeks": "4"}
    assert _meeting2(f, "2026-03-31").status is OVERDUE


def test_meeting2_done_only_by_one_held_after_meeting1() -> None:
    early = held(MeetingType.PLANNING_2, "2026-02-01")
    f = facts(Pathway.SHORT, **SHORT, meetings=[held(MeetingType.PLANNING_1, "2026-03-02"), early])
    assert _meeting2(f, "2026-04-01").status is OVERDUE
    f = facts(Pathway.SHORT, **SHORT, meetings=[held(MeetingType.PLANNING_1, "2026-03-02"),
                                                held(MeetingType.PLANNING_2, "2026-03-09")])  # fmt: skip
    item = _meeting2(f, "2026-04-01")
    assert (item.status, item.done_on) == (DONE, D("2026-03-09"))


def test_meeting2_on_recall_counts_from_the_recall_meeting1() -> None:
    f = facts(Pathway.RECALL, recall_date="2026-06-01",
              meetings=[held(MeetingType.PLANNING_1, "2025-01-10"),
                        held(MeetingType.PLANNING_2, "2025-02-01")])  # fmt: skip
    assert _meeting2(f, "2026-06-10") is None  # the earlier sentence's meetings do not count


# --- properties -------------------------------------------------------------------------------------

day = st.dates(min_value=date(2015, 1, 1), max_value=date(2045, 12, 31))
maybe_day = st.none() | day
meeting = st.builds(
    MeetingFact,
    id=st.text(max_size=3),
    type=st.sampled_from(MeetingType),
    status=st.sampled_from(MeetingStatus),
    scheduled_on=maybe_day,
    held_on=maybe_day,
)
case_facts = st.builds(
    CaseFacts,
    pathway=st.sampled_from(Pathway),
    sentence_type=st.none() | st.sampled_from(SentenceType),
    date_of_birth=maybe_day,
    remand_date=maybe_day,
    sentence_date=maybe_day,
    sentence_length_months=st.none() | st.integers(min_value=0, max_value=600),
    conditional_release_date=maybe_day,
    recall_date=maybe_day,
    recall_type=st.none() | st.sampled_from(RecallType),
    release_date=maybe_day,
    licence_end_date=maybe_day,
    pom_allocated_on=maybe_day,
    pp_allocated_on=maybe_day,
    pa_support_ends_on=maybe_day,
    identified_on=maybe_day,
    pathway_history=st.lists(
        st.builds(PathwayPeriod, pathway=st.sampled_from(Pathway), start=day, end=maybe_day),
        max_size=4,
    ),
    meetings=st.lists(meeting, max_size=5),
    consents=st.lists(
        st.builds(
            ConsentFact,
            agency=st.sampled_from(ConsentAgency),
            event=st.sampled_from(ConsentEvent),
            on=day,
            reoffer_on=maybe_day,
        ),
        max_size=5,
    ),
    contacts=st.lists(
        st.builds(
            ContactFact,
            id=st.text(max_size=3),
            type=st.sampled_from(ContactType),
            on=day,
            recorded_on=maybe_day,
        ),
        max_size=6,
    ),
    milestones=st.lists(
        st.builds(MilestoneFact, kind=st.sampled_from(MilestoneKind), on=day), max_size=4
    ),
    networks=st.lists(
        st.builds(
            NetworkFact, id=st.text(max_size=3), plan_started_on=maybe_day, reviewed_on=maybe_day
        ),
        max_size=2,
    ),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(f=case_facts, today=day)
def test_compute_schedule_never_raises_and_is_consistent(f: CaseFacts, today: date) -> None:
    items = s.compute_schedule(f, today)
    rank = {OVERDUE: 0, DUE: 1, UPCOMING: 2, DONE: 3, NA: 4}
    assert [rank[i.status] for i in items] == sorted(rank[i.status] for i in items)
    rule_names = {r.__name__ for r in s.RULES}
    for item in items:
        assert item.rule in rule_names
        assert s.DueItem.model_validate(item.model_dump()) == item
        assert item.explanation
        if item.status is NA:
            assert item.due_on is None and item.done_on is None
        elif item.rule != "review_at_least_once_short_sentence_or_recall":
            assert item.due_on is not None
        else:
            # The review owed "at least once" is owed with no date while no release is known.
            assert item.due_on is not None or item.status in (DUE, DONE)
        if item.status is DONE:
            assert item.done_on is not None
        if item.status is OVERDUE:
            assert today > item.due_on  # type: ignore[operator]
    if f.pathway is Pathway.REMAND:
        assert {i.key for i in items} <= {"pathway_plan_review", "pa_visit", "case_notes_late"} | {
            i.key for i in items if i.key.startswith(("consent_reoffer:", "network_review:"))
        }
    assert s.overdue_count(items) == sum(1 for i in items if i.status is OVERDUE)


def test_meeting2_needs_the_sentence_date_and_counts_from_the_first_meeting1() -> None:
    f = facts(Pathway.LONG, meetings=[held(MeetingType.PLANNING_1, "2026-03-02")])
    assert _meeting2(f, "2026-04-01") is None  # the Meeting 1 rule asks for the date
    f = facts(Pathway.LONG, **LONG, meetings=[held(MeetingType.PLANNING_1, "2026-03-02"),
                                              held(MeetingType.PLANNING_2, "2026-03-09"),
                                              held(MeetingType.PLANNING_1, "2026-04-01")])  # fmt: skip
    assert _meeting2(f, "2026-05-01").status is DONE
