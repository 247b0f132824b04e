"""Dates as records hold them (ISO text) and as people read them ("03 Mar 2025").

One place for both directions, so the screens, the exports and the services' messages write a
date the same way. Month names are spelled here rather than taken from strftime, which follows
the computer's locale.
"""

from __future__ import annotations

from datetime import date
from typing import Any

MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(value: Any) -> date | None:
    """A stored or given day as a date: ISO text (a time after it is ignored) or a date; None
    for none or for text that is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def fmt_date(value: date | str | None) -> str:
    """A date as people write it ("03 Mar 2025"); empty for none, and text that is not a date
    shown as it is."""
    d = day(value)
    if d is None:
        return "" if not value else str(value)
    return f"{d.day:02d} {MONTHS[d.month]} {d.year}"
