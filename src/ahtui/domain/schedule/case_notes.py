"""Case notes recorded within one working day of the contact (National Standards 2021, 1.1).

`note_is_late` judges one note; the rule reports the late ones as a single summary item.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..facts import CaseFacts
from ..workdays import add_working_days
from .items import DueItem, Rule, due_item, fmt

_ONE_DAY = timedelta(days=1)
_NOTES = Rule(
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
    return due_item(
        r,
        today,
        title=f"{notes.rsplit(' ', 1)[0]} recorded late",
        due_on=deadline,
        inputs=inputs,
        done_on=recorded,
        explanation=(
            f"{notes} recorded more than 1 working day after the contact; the latest, of "
            f"{fmt(latest.on)}, was due by {fmt(deadline)} and recorded on {fmt(recorded)}"
        ),
    )
