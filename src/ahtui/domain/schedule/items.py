"""What a rule returns: `DueItem`, and the builders every rule makes its items with.

`due_item` gives a dated item its status (done, overdue, due or upcoming) and its window;
`not_applicable` and `missing` say why a rule has no date for this person.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from ..dates import MONTHS
from ..enums import DueStatus
from ..workdays import holidays_may_be_missing


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


class Rule(NamedTuple):
    """What every item of one rule shares."""

    name: str
    key: str
    title: str
    source: str


_WINDOW = timedelta(days=14)


def fmt(d: date) -> str:
    # Fixed month names rather than strftime, which follows the process locale.
    return f"{d.day} {MONTHS[d.month]} {d.year}"


def holiday_note(due_on: date) -> str:
    """For an explanation of a date counted in working days: a note when the bank holidays of
    its year may not all be known yet."""
    if not holidays_may_be_missing(due_on):
        return ""
    return (
        f"; bank holidays in {due_on.year} may not all be known yet, so check the date "
        "against the published list"
    )


def due_item(
    r: Rule,
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


def not_applicable(r: Rule, inputs: dict[str, str], explanation: str) -> DueItem:
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


def missing(r: Rule, field: str, needs: str) -> DueItem:
    return not_applicable(r, {"missing": field}, f"Needs {needs}")
