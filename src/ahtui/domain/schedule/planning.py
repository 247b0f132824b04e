"""Joined-up Planning Meetings 1 and 2: after sentence and after recall (Connections guide).

Meeting 1 is due 10 weeks after sentence, or 10 working days after recall, brought forward to
an earlier release; Meeting 2, with the person, follows as soon as possible after Meeting 1.
"""

from __future__ import annotations

from datetime import date

from ..enums import MeetingType, Pathway
from ..facts import CaseFacts
from ..workdays import add_weeks, add_working_days
from .items import DueItem, Rule, due_item, fmt, holiday_note, missing
from .phases import (
    SENTENCED,
    custody_release,
    earliest,
    held,
    recall_start,
    sentence_start,
    with_origin,
)

_PLANNING_1 = frozenset({MeetingType.PLANNING_1})
_MEETING1 = Rule(
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
    if facts.pathway not in SENTENCED:
        return None
    start, from_history = sentence_start(facts)
    if start is None:
        return missing(r, "sentence_date", "the sentence date")
    due = add_weeks(start, 10)
    inputs = with_origin("sentence_date", start, from_history)
    inputs["weeks"] = "10"
    explanation = f"10 weeks after sentence on {fmt(start)}"
    release = custody_release(facts)
    if release is not None and start <= release[1] < due:
        due = release[1]
        inputs[release[0]] = due.isoformat()
        explanation += f", brought forward to release on {fmt(due)}"
    return due_item(
        r,
        today,
        due_on=due,
        inputs=inputs,
        explanation=explanation,
        done_on=earliest(held(facts, _PLANNING_1, start)),
        counts_from=start,
    )


RECALL_MEETING1_WORKING_DAYS = 10
"""The guide says resettlement planning on recall "will begin immediately" and gives no number:
ours, the 10 working days probation has for a standard recall's risk management plan (National
Standards 10.2), so the team plans together while that plan is written."""

_MEETING1_RECALL = Rule(
    "meeting1_within_10_working_days_of_recall",
    "meeting1",
    "Hold Joined-up Planning Meeting 1",
    "Connections guide: Meeting 1 (recall)",
)


def meeting1_within_10_working_days_of_recall(facts: CaseFacts, today: date) -> DueItem | None:
    """Meeting 1 soon after a recall: within 10 working days, and never after a known release.

    Connections guide, recall: "resettlement planning will begin immediately";
    `RECALL_MEETING1_WORKING_DAYS` says why ten. Counted from the recall date; only a Meeting 1
    held since the recall counts. A re-release expected sooner brings it forward to that day.
    """
    r = _MEETING1_RECALL
    if facts.pathway is not Pathway.RECALL:
        return None
    start, from_history = recall_start(facts)
    if start is None:
        return missing(r, "recall_date", "the recall date")
    days = RECALL_MEETING1_WORKING_DAYS
    inputs = with_origin("recall_date", start, from_history)
    inputs["working_days"] = str(days)
    due = add_working_days(start, days)
    explanation = (
        f"{days} working days after the recall on {fmt(start)}: on recall resettlement planning "
        "begins at once, alongside probation's risk management plan"
    )
    release = custody_release(facts)
    if release is not None and start <= release[1] < due:
        due = release[1]
        inputs[release[0]] = due.isoformat()
        explanation += f", brought forward to release on {fmt(due)}"
    return due_item(
        r,
        today,
        due_on=due,
        inputs=inputs,
        explanation=explanation + holiday_note(due),
        done_on=earliest(held(facts, _PLANNING_1, start)),
        counts_from=start,
    )


_PLANNING_2 = frozenset({MeetingType.PLANNING_2})
_MEETING2 = Rule(
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
        start, _ = recall_start(facts)
    elif facts.pathway in SENTENCED:
        start, _ = sentence_start(facts)
    else:
        return None
    if start is None:
        # The Meeting 1 rule asks for the missing date; a meeting from another sentence
        # must not count.
        return None
    meeting1 = earliest(held(facts, _PLANNING_1, start))
    if meeting1 is None:
        # Until Meeting 1 is held the Meeting 1 rule says what to do next.
        return None
    return due_item(
        r,
        today,
        due_on=add_weeks(meeting1, MEETING2_WEEKS),
        opens_on=meeting1,
        inputs={"meeting1_held": meeting1.isoformat(), "weeks": str(MEETING2_WEEKS)},
        explanation=(
            f"As soon as possible after Meeting 1 on {fmt(meeting1)}; "
            f"overdue after {MEETING2_WEEKS} weeks"
        ),
        done_on=earliest(held(facts, _PLANNING_2, meeting1)),
        counts_from=meeting1,
    )
