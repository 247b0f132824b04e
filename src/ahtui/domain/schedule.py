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

Recall: "resettlement planning will begin immediately", so Meeting 1 is due 10 weeks after the
recall date. The review owed "at least once" on a short sentence or recall is due by the
release date. Late case notes are reported as one summary item
(`case_notes_recorded_within_1_working_day`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from .dates import MONTHS
from .enums import (
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
from .facts import CaseFacts
from .team import compare_to_threshold, handover_date
from .workdays import add_months, add_weeks, add_working_days, birthday

__all__ = [
    "RULES",
    "DueItem",
    "case_notes_recorded_within_1_working_day",
    "community_planning_meeting_within_15_days_of_release",
    "compute_schedule",
    "consent_reoffer_3_months_after_refusal",
    "final_review_1_month_before_end_of_support",
    "first_probation_appointment_within_1_working_day_of_release",
    "first_probation_appointment_within_5_working_days_of_community_order",
    "handover_6_months_before_conditional_release",
    "initial_sentence_plan_within_15_working_days_of_first_appointment",
    "meeting1_within_10_weeks_of_recall",
    "meeting1_within_10_weeks_of_sentence",
    "network_plan_review_6_weeks_after_start",
    "next_due",
    "note_is_late",
    "overdue_count",
    "pa_visit_every_8_to_12_weeks",
    "pathway_plan_review_every_6_months",
    "plans_updated_by_15_days_after_release",
    "pom_supervision_3_sessions_in_12_weeks",
    "pre_release_sentence_plan_within_3_months_of_pp_allocation",
    "review_10_months_before_release_long_sentence",
    "review_at_least_once_short_sentence_or_recall",
    "review_every_2_years_long_sentence",
    "review_every_3_years_life_sentence",
    "risk_management_plan_within_10_working_days_of_standard_recall",
]


class DueItem(BaseModel):
    """One thing the team owes the person: what, by when, its state and why that date."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    rule: str
    source: str
    due_on: date | None = None
    window_opens_on: date | None = None
    status: DueStatus
    done_on: date | None = None
    inputs: dict[str, str] = Field(default_factory=dict)
    explanation: str = ""


class _Rule(NamedTuple):
    """What every item of one rule shares."""

    name: str
    key: str
    title: str
    source: str


# --- building items ---------------------------------------------------------------------------

_WINDOW = timedelta(days=14)
_ONE_DAY = timedelta(days=1)
_SENTENCED = frozenset({Pathway.LONG, Pathway.SHORT})
_LIFE = frozenset({SentenceType.LIFE, SentenceType.IPP})


def _fmt(d: date) -> str:
    # Fixed month names rather than strftime, which follows the process locale.
    return f"{d.day} {MONTHS[d.month]} {d.year}"


def _item(
    r: _Rule,
    today: date,
    *,
    due_on: date,
    inputs: dict[str, str],
    explanation: str,
    done_on: date | None = None,
    opens_on: date | None = None,
    counts_from: date | None = None,
    key: str | None = None,
    title: str | None = None,
) -> DueItem:
    if opens_on is None:
        opens_on = due_on - _WINDOW
        if counts_from is not None and opens_on < counts_from:
            opens_on = counts_from
    if done_on is not None:
        status = DueStatus.DONE
    elif today > due_on:
        status = DueStatus.OVERDUE
    elif today >= opens_on:
        status = DueStatus.DUE
    else:
        status = DueStatus.UPCOMING
    # Validated construction: with pydantic-core it measured faster than model_construct
    # (about 6 us against 10 us an item), so skipping validation would gain nothing.
    return DueItem(
        key=key or r.key,
        title=title or r.title,
        rule=r.name,
        source=r.source,
        due_on=due_on,
        window_opens_on=opens_on,
        status=status,
        done_on=done_on,
        inputs=inputs,
        explanation=explanation,
    )


def _not_applicable(r: _Rule, inputs: dict[str, str], explanation: str) -> DueItem:
    return DueItem(
        key=r.key,
        title=r.title,
        rule=r.name,
        source=r.source,
        due_on=None,
        window_opens_on=None,
        status=DueStatus.NOT_APPLICABLE,
        done_on=None,
        inputs=inputs,
        explanation=explanation,
    )


def _missing(r: _Rule, field: str, needs: str) -> DueItem:
    return _not_applicable(r, {"missing": field}, f"Needs {needs}")


# --- reading the facts ------------------------------------------------------------------------


def _held(facts: CaseFacts, types: frozenset[MeetingType], since: date | None) -> list[date]:
    """Dates of meetings of these types held on or after `since`, earliest first."""
    out = []
    for m in facts.meetings:
        if m.type in types and m.status is MeetingStatus.HELD:
            on = m.held_on or m.scheduled_on
            if on is not None and (since is None or on >= since):
                out.append(on)
    out.sort()
    return out


def _contacts(facts: CaseFacts, kind: ContactType, since: date | None) -> list[date]:
    out = [c.on for c in facts.contacts if c.type is kind and (since is None or c.on >= since)]
    out.sort()
    return out


def _milestones(facts: CaseFacts, kind: MilestoneKind, since: date | None) -> list[date]:
    out = [m.on for m in facts.milestones if m.kind is kind and (since is None or m.on >= since)]
    out.sort()
    return out


def _first(dates: list[date]) -> date | None:
    return dates[0] if dates else None


def _last(dates: list[date]) -> date | None:
    return dates[-1] if dates else None


def _period_start(facts: CaseFacts, pathways: frozenset[Pathway]) -> date | None:
    """Start of the latest period on one of these pathways in the pathway history."""
    best = None
    for p in facts.pathway_history:
        if p.pathway in pathways and (best is None or p.start > best):
            best = p.start
    return best


def _with_origin(name: str, value: date, from_history: bool) -> dict[str, str]:
    inputs = {name: value.isoformat()}
    if from_history:
        inputs[f"{name}_from"] = "pathway_history"
    return inputs


_RECALL_ONLY = frozenset({Pathway.RECALL})
_COMMUNITY_ONLY = frozenset({Pathway.COMMUNITY})


def _sentence_start(facts: CaseFacts) -> tuple[date | None, bool]:
    """The sentence date (never the remand date); second value: taken from the history."""
    if facts.sentence_date is not None:
        return facts.sentence_date, False
    start = _period_start(facts, _SENTENCED)
    return start, start is not None


def _recall_start(facts: CaseFacts) -> tuple[date | None, bool]:
    if facts.recall_date is not None:
        return facts.recall_date, False
    start = _period_start(facts, _RECALL_ONLY)
    return start, start is not None


def _community_release(facts: CaseFacts) -> tuple[date | None, bool]:
    """The release that began the current time in the community.

    A release date from before the latest recall is stale (the person has been re-released
    since); then the start of the latest community period in the history stands in.
    """
    recall, _ = _recall_start(facts)
    rel = facts.release_date
    if rel is not None and (recall is None or rel > recall):
        return rel, False
    start = _period_start(facts, _COMMUNITY_ONLY)
    if start is not None and (recall is None or start > recall):
        return start, True
    return None, False


def _custody_release(facts: CaseFacts) -> tuple[str, date] | None:
    """The expected release from custody as (input name, date), or None when unknown."""
    if facts.pathway is Pathway.RECALL:
        recall, _ = _recall_start(facts)
        rel = facts.release_date
        # A release date from before the recall is the old release, not the next one.
        if rel is not None and (recall is None or rel > recall):
            return "release_date", rel
        return None
    if facts.conditional_release_date is not None:
        return "conditional_release_date", facts.conditional_release_date
    if facts.release_date is not None:
        return "release_date", facts.release_date
    return None


def _pa_support_end(facts: CaseFacts) -> tuple[date | None, dict[str, str], str]:
    """When the Personal Advisor's support ends: the recorded date, else the 25th birthday."""
    if facts.pa_support_ends_on is not None:
        end = facts.pa_support_ends_on
        return end, {"pa_support_ends_on": end.isoformat()}, "Personal Advisor support ends"
    if facts.date_of_birth is not None:
        end = birthday(facts.date_of_birth, 25)
        inputs = {"date_of_birth": facts.date_of_birth.isoformat(), "age": "25"}
        return end, inputs, "the 25th birthday ends Personal Advisor support"
    return None, {}, ""


def _pa_support_ended(r: _Rule, facts: CaseFacts, today: date) -> DueItem | None:
    end, inputs, _ = _pa_support_end(facts)
    if end is not None and today > end:
        return _not_applicable(r, inputs, f"Personal Advisor support ended on {_fmt(end)}")
    return None


# --- 1. Joined-up Planning Meeting 1 -----------------------------------------------------------

_PLANNING_1 = frozenset({MeetingType.PLANNING_1})
_MEETING1 = _Rule(
    "meeting1_within_10_weeks_of_sentence",
    "meeting1",
    "Hold Joined-up Planning Meeting 1",
    "Connections guide: Meeting 1",
)


def meeting1_within_10_weeks_of_sentence(facts: CaseFacts, today: date) -> DueItem | None:
    """Meeting 1 within 10 weeks of sentence (long and short sentences).

    Connections guide: "sentence planning meetings should take place within 10 weeks of
    sentencing". Counted from the sentence date, never the remand date. If the expected release
    comes sooner, the meeting is due by the release.
    """
    r = _MEETING1
    if facts.pathway not in _SENTENCED:
        return None
    start, from_history = _sentence_start(facts)
    if start is None:
        return _missing(r, "sentence_date", "the sentence date")
    due = add_weeks(start, 10)
    inputs = _with_origin("sentence_date", start, from_history)
    inputs["weeks"] = "10"
    explanation = f"10 weeks after sentence on {_fmt(start)}"
    release = _custody_release(facts)
    if release is not None and start <= release[1] < due:
        due = release[1]
        inputs[release[0]] = due.isoformat()
        explanation += f", brought forward to release on {_fmt(due)}"
    return _item(
        r,
        today,
        due_on=due,
        inputs=inputs,
        explanation=explanation,
        done_on=_first(_held(facts, _PLANNING_1, start)),
        counts_from=start,
    )


_MEETING1_RECALL = _Rule(
    "meeting1_within_10_weeks_of_recall",
    "meeting1",
    "Hold Joined-up Planning Meeting 1",
    "Connections guide: Meeting 1 (recall)",
)


def meeting1_within_10_weeks_of_recall(facts: CaseFacts, today: date) -> DueItem | None:
    """Meeting 1 within 10 weeks of recall.

    Connections guide, recall: "resettlement planning will begin immediately". We hold it to
    the same 10 weeks as sentence planning, counted from the recall date; only a Meeting 1 held
    since the recall counts.
    """
    r = _MEETING1_RECALL
    if facts.pathway is not Pathway.RECALL:
        return None
    start, from_history = _recall_start(facts)
    if start is None:
        return _missing(r, "recall_date", "the recall date")
    inputs = _with_origin("recall_date", start, from_history)
    inputs["weeks"] = "10"
    return _item(
        r,
        today,
        due_on=add_weeks(start, 10),
        inputs=inputs,
        explanation=f"10 weeks after recall on {_fmt(start)}; resettlement planning starts at once",
        done_on=_first(_held(facts, _PLANNING_1, start)),
        counts_from=start,
    )


_PLANNING_2 = frozenset({MeetingType.PLANNING_2})
_MEETING2 = _Rule(
    "meeting2_soon_after_meeting1",
    "meeting2",
    "Hold Joined-up Planning Meeting 2 (with the person)",
    "Connections guide: Meeting 2",
)
MEETING2_WEEKS = 4
"""The guide says "as soon as possible after Meeting 1" and gives no number: ours, so a Meeting 2
left waiting shows as overdue rather than never."""


def meeting2_soon_after_meeting1(facts: CaseFacts, today: date) -> DueItem | None:
    """Meeting 2 with the person, as soon as possible after Meeting 1.

    Connections guide: Meeting 2 completes My Plan together and uses it for the statutory plans.
    Due from the day Meeting 1 is held; overdue `MEETING2_WEEKS` weeks later. Only a Meeting 1
    held in the current sentence or recall counts, and a Meeting 2 held since then satisfies it.
    """
    r = _MEETING2
    if facts.pathway is Pathway.RECALL:
        start, _ = _recall_start(facts)
    elif facts.pathway in _SENTENCED:
        start, _ = _sentence_start(facts)
    else:
        return None
    if start is None:
        # The Meeting 1 rule asks for the missing date; a meeting from another sentence
        # must not count.
        return None
    meeting1 = _first(_held(facts, _PLANNING_1, start))
    if meeting1 is None:
        # Until Meeting 1 is held the Meeting 1 rule says what to do next.
        return None
    return _item(
        r,
        today,
        due_on=add_weeks(meeting1, MEETING2_WEEKS),
        opens_on=meeting1,
        inputs={"meeting1_held": meeting1.isoformat(), "weeks": str(MEETING2_WEEKS)},
        explanation=(
            f"As soon as possible after Meeting 1 on {_fmt(meeting1)}; "
            f"overdue after {MEETING2_WEEKS} weeks"
        ),
        done_on=_first(_held(facts, _PLANNING_2, meeting1)),
        counts_from=meeting1,
    )


# --- 2. Long-sentence handover ---------------------------------------------------------------

_HANDOVER_MEETING = frozenset({MeetingType.HANDOVER})
_HANDOVER = _Rule(
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
    if facts.pathway is not Pathway.LONG:
        return None
    release = _custody_release(facts)
    if release is None:
        return _missing(r, "conditional_release_date", "the conditional release date")
    name, rel = release
    start, _ = _sentence_start(facts)
    return _item(
        r,
        today,
        due_on=handover_date(rel),
        inputs={name: rel.isoformat(), "months": "6"},
        explanation=f"6 months before release on {_fmt(rel)}",
        done_on=_first(_held(facts, _HANDOVER_MEETING, start)),
        counts_from=start,
    )


# --- 3. Review meetings -----------------------------------------------------------------------

_REVIEW = frozenset({MeetingType.REVIEW})
_REVIEW_SOURCE = "Connections guide: Review meetings"
_REVIEW_LIFE = _Rule(
    "review_every_3_years_life_sentence", "review", "Hold a review meeting", _REVIEW_SOURCE
)
_REVIEW_LONG = _Rule(
    "review_every_2_years_long_sentence", "review", "Hold a review meeting", _REVIEW_SOURCE
)


def _periodic_review(r: _Rule, facts: CaseFacts, today: date, years: int) -> DueItem:
    start, from_history = _sentence_start(facts)
    if start is None:
        return _missing(r, "sentence_date", "the sentence date")
    last = _last(_held(facts, _REVIEW, start))
    if last is not None:
        base, inputs, what = last, {"last_review_on": last.isoformat()}, "the last review"
    else:
        base, inputs, what = start, _with_origin("sentence_date", start, from_history), "sentence"
    inputs["months"] = str(years * 12)
    due = add_months(base, years * 12)
    release = _custody_release(facts)
    if release is not None and due >= release[1]:
        inputs[release[0]] = release[1].isoformat()
        return _not_applicable(
            r,
            inputs,
            f"The next {years}-yearly review ({_fmt(due)}) would fall after release on "
            f"{_fmt(release[1])}; the review 10 months before release takes its place",
        )
    return _item(
        r,
        today,
        due_on=due,
        inputs=inputs,
        explanation=f"{years} years after {what} on {_fmt(base)}",
        counts_from=base,
    )


def review_every_3_years_life_sentence(facts: CaseFacts, today: date) -> DueItem | None:
    """Reviews "at least every three years for a life sentence" (life and IPP).

    Counted from the last review held, else from the sentence date.
    """
    if facts.pathway is not Pathway.LONG or facts.sentence_type not in _LIFE:
        return None
    return _periodic_review(_REVIEW_LIFE, facts, today, 3)


def review_every_2_years_long_sentence(facts: CaseFacts, today: date) -> DueItem | None:
    """Reviews "every two years for a long-term sentence".

    Counted from the last review held, else from the sentence date.
    """
    if facts.pathway is not Pathway.LONG or facts.sentence_type in _LIFE:
        return None
    return _periodic_review(_REVIEW_LONG, facts, today, 2)


_REVIEW_BEFORE_RELEASE = _Rule(
    "review_10_months_before_release_long_sentence",
    "review_before_release",
    "Hold the review 10 months before release",
    _REVIEW_SOURCE,
)


def review_10_months_before_release_long_sentence(facts: CaseFacts, today: date) -> DueItem | None:
    """A review "10 months before release following a long-term sentence".

    Counted back from the conditional release date (else the release date). A review held in
    the month before the due date or later counts, so the window opens 11 months before release.
    """
    r = _REVIEW_BEFORE_RELEASE
    if facts.pathway is not Pathway.LONG:
        return None
    release = _custody_release(facts)
    if release is None:
        return _missing(r, "conditional_release_date", "the conditional release date")
    name, rel = release
    start, _ = _sentence_start(facts)
    due = add_months(rel, -10)
    inputs = {name: rel.isoformat(), "months": "10"}
    if start is not None and due < start:
        inputs["sentence_date"] = start.isoformat()
        return _not_applicable(
            r,
            inputs,
            f"Release on {_fmt(rel)} is less than 10 months after sentence on {_fmt(start)}",
        )
    opens = add_months(rel, -11)
    if start is not None and opens < start:
        opens = start
    return _item(
        r,
        today,
        due_on=due,
        inputs=inputs,
        explanation=f"10 months before release on {_fmt(rel)}",
        done_on=_first(_held(facts, _REVIEW, opens)),
        opens_on=opens,
    )


_REVIEW_ONCE = _Rule(
    "review_at_least_once_short_sentence_or_recall",
    "review",
    "Hold a review meeting",
    _REVIEW_SOURCE,
)


def review_at_least_once_short_sentence_or_recall(facts: CaseFacts, today: date) -> DueItem | None:
    """A review "at least once for a short-term sentence or recall".

    We ask for it by the expected release date, counting reviews held since the sentence (or
    since the recall).
    """
    r = _REVIEW_ONCE
    if facts.pathway is Pathway.SHORT:
        start, from_history = _sentence_start(facts)
        field, what = "sentence_date", "sentence"
    elif facts.pathway is Pathway.RECALL:
        start, from_history = _recall_start(facts)
        field, what = "recall_date", "recall"
    else:
        return None
    if start is None:
        return _missing(r, field, f"the {what} date")
    release = _custody_release(facts)
    if release is None:
        return _missing(r, "release_date", "the release date")
    inputs = _with_origin(field, start, from_history)
    inputs[release[0]] = release[1].isoformat()
    return _item(
        r,
        today,
        due_on=release[1],
        inputs=inputs,
        explanation=(
            f"At least one review after {what} on {_fmt(start)}, "
            f"before release on {_fmt(release[1])}"
        ),
        done_on=_first(_held(facts, _REVIEW, start)),
        counts_from=start,
    )


# --- 4. Final Review --------------------------------------------------------------------------

_FINAL_REVIEW_MEETING = frozenset({MeetingType.FINAL_REVIEW})
_FINAL_REVIEW = _Rule(
    "final_review_1_month_before_end_of_support",
    "final_review",
    "Hold the Final Review",
    "Always Hope manual: Integrated Final Review",
)


def final_review_1_month_before_end_of_support(facts: CaseFacts, today: date) -> DueItem | None:
    """Final Review "one month before the end of statutory support".

    Statutory support ends at the end of the licence or when the Personal Advisor's support
    ends (at 25 unless the local authority has recorded otherwise), whichever comes first; one
    Final Review, for the first. A PA's support that ended before this sentence began is not
    part of it. Not on remand, which has no sentence.
    """
    r = _FINAL_REVIEW
    if facts.pathway is Pathway.REMAND:
        return None
    start, _ = _sentence_start(facts)
    licence_end = facts.licence_end_date
    pa_end, inputs, pa_why = _pa_support_end(facts)
    if pa_end is not None and start is not None and pa_end < start:
        pa_end, inputs = None, {}
    if pa_end is not None and (licence_end is None or pa_end < licence_end):
        end, why = pa_end, pa_why
        if licence_end is not None:
            why += f", before the licence ends on {_fmt(licence_end)}"
    elif licence_end is not None:
        end, why = licence_end, "the licence ends"
    else:
        return _missing(r, "licence_end_date", "the licence end date or the date of birth")
    if licence_end is not None:
        inputs["licence_end_date"] = licence_end.isoformat()
    inputs["support_ends_on"] = end.isoformat()
    inputs["months"] = "1"
    return _item(
        r,
        today,
        due_on=add_months(end, -1),
        inputs=inputs,
        explanation=f"1 month before statutory support ends on {_fmt(end)}: {why}",
        done_on=_first(_held(facts, _FINAL_REVIEW_MEETING, start)),
    )


# --- 5, 6, 14. The first weeks in the community ----------------------------------------------

_COMMUNITY_SOURCE = "Always Hope manual: first 15 days in the community"
_TEAM_MEETINGS = frozenset({MeetingType.PLANNING_1, MeetingType.COMMUNITY_PLANNING})


def _released(r: _Rule, facts: CaseFacts) -> tuple[date, dict[str, str]] | DueItem | None:
    """The release the community rules count from, a "needs" item, or None if they don't apply."""
    if (
        facts.pathway is not Pathway.COMMUNITY
        or facts.sentence_type is SentenceType.COMMUNITY_ORDER
    ):
        return None
    release, from_history = _community_release(facts)
    if release is None:
        return _missing(r, "release_date", "the release date")
    return release, _with_origin("release_date", release, from_history)


_COMMUNITY_PLANNING = _Rule(
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
    start, _ = _sentence_start(facts)
    met = _held(facts, _TEAM_MEETINGS, start)
    before = [d for d in met if d < release]
    if before:
        inputs["team_met_on"] = before[-1].isoformat()
        return _not_applicable(r, inputs, f"The team already met in custody on {_fmt(before[-1])}")
    inputs["days"] = "15"
    return _item(
        r,
        today,
        due_on=release + timedelta(days=15),
        inputs=inputs,
        explanation=f"15 days after release on {_fmt(release)}, as the team has not met",
        done_on=_first(met),
        counts_from=release,
    )


_PLANS_UPDATED = _Rule(
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
    return _item(
        r,
        today,
        due_on=release + timedelta(days=15),
        inputs=inputs,
        explanation=f"15 days after release on {_fmt(release)}",
        done_on=_first(_milestones(facts, MilestoneKind.PLANS_UPDATED_AFTER_RELEASE, release)),
        counts_from=release,
    )


_FIRST_APPOINTMENT_TITLE = "First appointment with the Probation Practitioner"
_FIRST_APPOINTMENT = _Rule(
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
    return _item(
        r,
        today,
        due_on=add_working_days(release, 1),
        inputs=inputs,
        explanation=f"1 working day after release on {_fmt(release)}",
        done_on=_first(_contacts(facts, ContactType.PROBATION_APPOINTMENT, release)),
        counts_from=release,
    )


_FIRST_APPOINTMENT_ORDER = _Rule(
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
        return _missing(r, "sentence_date", "the sentence date")
    return _item(
        r,
        today,
        due_on=add_working_days(start, 5),
        inputs={"sentence_date": start.isoformat(), "working_days": "5"},
        explanation=f"5 working days after the community order on {_fmt(start)}",
        done_on=_first(_contacts(facts, ContactType.PROBATION_APPOINTMENT, start)),
        counts_from=start,
    )


_INITIAL_PLAN = _Rule(
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
            return _missing(r, "sentence_date", "the sentence date")
        inputs = {"sentence_date": since.isoformat()}
    else:
        got = _released(r, facts)
        if got is None or isinstance(got, DueItem):
            return got
        (since, inputs), what = got, "release"
    first = _first(_contacts(facts, ContactType.PROBATION_APPOINTMENT, since))
    if first is None:
        inputs["missing"] = "probation_appointment"
        return _not_applicable(r, inputs, f"Needs the first probation appointment after {what}")
    inputs["first_appointment_on"] = first.isoformat()
    inputs["working_days"] = "15"
    return _item(
        r,
        today,
        due_on=add_working_days(first, 15),
        inputs=inputs,
        explanation=f"15 working days after the first probation appointment on {_fmt(first)}",
        done_on=_first(_milestones(facts, MilestoneKind.INITIAL_SENTENCE_PLAN, since)),
        counts_from=first,
    )


# --- 7, 8. The Personal Advisor --------------------------------------------------------------

_PATHWAY_PLAN = _Rule(
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
    ended = _pa_support_ended(r, facts, today)
    if ended is not None:
        return ended
    last = _last(_milestones(facts, MilestoneKind.PATHWAY_PLAN_REVIEW, None))
    if last is not None:
        base, inputs, what = last, {"last_review_on": last.isoformat()}, "the last review"
    elif facts.identified_on is not None:
        base, what = facts.identified_on, "identification"
        inputs = {"identified_on": base.isoformat()}
    else:
        return _missing(r, "identified_on", "the identification date")
    inputs["months"] = "6"
    return _item(
        r,
        today,
        due_on=add_months(base, 6),
        inputs=inputs,
        explanation=f"6 months after {what} on {_fmt(base)}",
        counts_from=base,
    )


_PA_VISIT = _Rule(
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
    ended = _pa_support_ended(r, facts, today)
    if ended is not None:
        return ended
    last = _last(_contacts(facts, ContactType.PA_VISIT, None))
    if last is not None:
        base, inputs, what = last, {"last_visit_on": last.isoformat()}, "the last visit"
    elif facts.identified_on is not None:
        base, what = facts.identified_on, "identification"
        inputs = {"identified_on": base.isoformat()}
    else:
        return _missing(r, "identified_on", "the identification date")
    inputs["window_weeks"] = "8"
    inputs["weeks"] = "12"
    return _item(
        r,
        today,
        due_on=add_weeks(base, 12),
        opens_on=add_weeks(base, 8),
        inputs=inputs,
        explanation=f"12 weeks after {what} on {_fmt(base)} (visits from 8 weeks)",
    )


# --- 9. Consent offered again ------------------------------------------------------------------

_REOFFERED = frozenset({ConsentEvent.OFFERED, ConsentEvent.GIVEN})
_CONSENT = _Rule(
    "consent_reoffer_3_months_after_refusal",
    "consent_reoffer",
    "Offer consent again",
    "Always Hope manual: consent",
)


def consent_reoffer_3_months_after_refusal(facts: CaseFacts, today: date) -> list[DueItem]:
    """Consent offered again 3 months after a refusal, for each agency.

    Always Hope manual: "their PA may offer IPAA to them at another point, e.g. every 3 months.
    The offer is always open." One item per agency whose latest refusal is on record: due on
    the re-offer date set then, else 3 months after the refusal; done when the offer is made
    again (an offered or given event after it).
    """
    r = _CONSENT
    # Stable sort: events on the same day keep the order they were recorded in.
    events = sorted(facts.consents, key=lambda c: c.on)
    latest_refusal: dict[ConsentAgency, int] = {}
    for i, c in enumerate(events):
        if c.event is ConsentEvent.DECLINED:
            latest_refusal[c.agency] = i
    items = []
    for agency, i in latest_refusal.items():
        refusal = events[i]
        done = next(
            (e.on for e in events[i + 1 :] if e.agency is agency and e.event in _REOFFERED), None
        )
        inputs = {"agency": agency.value, "declined_on": refusal.on.isoformat()}
        if refusal.reoffer_on is not None:
            due = refusal.reoffer_on
            inputs["reoffer_on"] = due.isoformat()
            explanation = f"Re-offer date set when consent was declined on {_fmt(refusal.on)}"
        else:
            due = add_months(refusal.on, 3)
            inputs["months"] = "3"
            explanation = f"3 months after consent was declined on {_fmt(refusal.on)}"
        items.append(
            _item(
                r,
                today,
                key=f"consent_reoffer:{agency.value}",
                title=f"Offer consent again: {agency.label()}",
                due_on=due,
                inputs=inputs,
                explanation=explanation,
                done_on=done,
                counts_from=refusal.on,
            )
        )
    return items


# --- 10. Personal support network --------------------------------------------------------------

_NETWORK = _Rule(
    "network_plan_review_6_weeks_after_start",
    "network_review",
    "Review the network plan",
    "Always Hope manual: network plan",
)


def network_plan_review_6_weeks_after_start(facts: CaseFacts, today: date) -> list[DueItem]:
    """Network plan reviewed 6 weeks after it starts, for each network.

    Always Hope manual: "6 weeks after the plan is implemented, it is reviewed by the
    coordinator and the young adult." A network still being built (no plan yet) has no item.
    """
    r = _NETWORK
    items = []
    for n, network in enumerate(facts.networks):
        start = network.plan_started_on
        if start is None:
            continue
        reviewed = network.reviewed_on
        inputs = {"plan_started_on": start.isoformat(), "weeks": "6"}
        if network.id:
            inputs["network_id"] = network.id
        items.append(
            _item(
                r,
                today,
                key=f"network_review:{network.id or n}",
                due_on=add_weeks(start, 6),
                inputs=inputs,
                explanation=f"6 weeks after the network plan started on {_fmt(start)}",
                done_on=reviewed if reviewed is not None and reviewed >= start else None,
                counts_from=start,
            )
        )
    return items


# --- 11. Case notes ------------------------------------------------------------------------------

_NOTES = _Rule(
    "case_notes_recorded_within_1_working_day",
    "case_notes_late",
    "Case notes recorded late",
    "National Standards 2021 1.1",
)


def note_is_late(contact_on: date, recorded_on: date) -> bool:
    """True when a contact was written up after the next working day.

    National Standards 2021, 1.1: contacts are "recorded on the case management system within
    one working day". Same-day and next-day notes are never late.
    """
    # Most notes are written the same or next day; skip the calendar for them.
    if recorded_on <= contact_on + _ONE_DAY:
        return False
    return recorded_on > add_working_days(contact_on, 1)


def case_notes_recorded_within_1_working_day(facts: CaseFacts, today: date) -> DueItem | None:
    """Report case notes recorded more than one working day after the contact (NS 1.1).

    A late note cannot be put right afterwards, so this is a report, not a task: one summary
    item, only when some note was late, marked done. It is dated by the most recent late note
    (its deadline as `due_on`, its recording as `done_on`) and counts them all in its inputs.
    Contacts with no recording date are not judged.
    """
    r = _NOTES
    late = [
        c for c in facts.contacts if c.recorded_on is not None and note_is_late(c.on, c.recorded_on)
    ]
    if not late:
        return None
    latest = max(late, key=lambda c: (c.on, c.recorded_on))
    recorded = latest.recorded_on
    assert recorded is not None  # filtered above
    deadline = add_working_days(latest.on, 1)
    count = len(late)
    inputs = {
        "late_count": str(count),
        "contact_on": latest.on.isoformat(),
        "recorded_on": recorded.isoformat(),
        "working_days": "1",
    }
    if latest.id:
        inputs["contact_id"] = latest.id
    notes = "1 case note was" if count == 1 else f"{count} case notes were"
    return _item(
        r,
        today,
        title=f"{notes.rsplit(' ', 1)[0]} recorded late",
        due_on=deadline,
        inputs=inputs,
        done_on=recorded,
        explanation=(
            f"{notes} recorded more than 1 working day after the contact; the latest, of "
            f"{_fmt(latest.on)}, was due by {_fmt(deadline)} and recorded on {_fmt(recorded)}"
        ),
    )


# --- 12, 13, 15. POM and probation plans in custody -----------------------------------------

_POM_SUPERVISION = _Rule(
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
    if facts.pathway not in _SENTENCED:
        return None
    allocated = facts.pom_allocated_on
    if allocated is None:
        return _missing(r, "pom_allocated_on", "the POM allocation date")
    due = add_weeks(allocated, 12)
    sessions = _contacts(facts, ContactType.POM_SUPERVISION, allocated)
    in_window = sum(1 for d in sessions if d <= due)
    return _item(
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
            f"12 weeks after POM allocation on {_fmt(allocated)}; "
            f"{in_window} of 3 sessions held in that time"
        ),
        done_on=sessions[2] if len(sessions) >= 3 else None,
        counts_from=allocated,
    )


_PRE_RELEASE_PLAN = _Rule(
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
    start, _ = _sentence_start(facts)
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
        return _missing(r, "pp_allocated_on", "the Probation Practitioner's allocation date")
    return _item(
        r,
        today,
        due_on=add_months(allocated, 3),
        inputs={"pp_allocated_on": allocated.isoformat(), "months": "3"},
        explanation=f"3 months after the Probation Practitioner was allocated on {_fmt(allocated)}",
        done_on=_first(_milestones(facts, MilestoneKind.PRE_RELEASE_SENTENCE_PLAN, start)),
        counts_from=allocated,
    )


_RISK_PLAN = _Rule(
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
        return _missing(r, "recall_type", "the recall type")
    start, from_history = _recall_start(facts)
    if start is None:
        return _missing(r, "recall_date", "the recall date")
    inputs = _with_origin("recall_date", start, from_history)
    inputs["recall_type"] = facts.recall_type.value
    inputs["working_days"] = "10"
    return _item(
        r,
        today,
        due_on=add_working_days(start, 10),
        inputs=inputs,
        explanation=f"10 working days after the standard recall on {_fmt(start)}",
        done_on=_first(_milestones(facts, MilestoneKind.RISK_MANAGEMENT_PLAN, start)),
        counts_from=start,
    )


# --- the whole schedule -------------------------------------------------------------------------

RULES: tuple[Callable[[CaseFacts, date], DueItem | list[DueItem] | None], ...] = (
    meeting1_within_10_weeks_of_sentence,
    meeting1_within_10_weeks_of_recall,
    meeting2_soon_after_meeting1,
    handover_6_months_before_conditional_release,
    review_every_3_years_life_sentence,
    review_every_2_years_long_sentence,
    review_10_months_before_release_long_sentence,
    review_at_least_once_short_sentence_or_recall,
    final_review_1_month_before_end_of_support,
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
