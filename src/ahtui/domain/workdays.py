"""Working days and calendar arithmetic for the timescales in the guidance.

National Standards 2021 count "working days": not Saturday or Sunday and not a bank holiday in
England and Wales. Bank holidays come from the `holidays` package (offline, no network), for
the "ENG" subdivision of GB, which carries the same dates as Wales and includes substitute days
("observed") and one-off holidays such as the 2023 coronation. The dates of one year are worked
out once and kept for the life of the process.

A site can add bank holidays the package does not know yet (a one-off, such as a royal
occasion announced after the package was released) in its configuration; `add_bank_holidays`
takes them. The package knows the regular holidays for any year, but one-offs only up to its
release: `holidays_known_through` is the last year it can be trusted for, and
`holidays_may_be_missing` says when a date falls after it, so a rule can say so.

Calendar helpers (`add_months`, `add_weeks`, `birthday`) are here too so that every rule does
date arithmetic the same way.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = [
    "add_bank_holidays",
    "add_months",
    "add_weeks",
    "add_working_days",
    "bank_holidays",
    "birthday",
    "holidays_known_through",
    "holidays_may_be_missing",
    "is_working_day",
    "working_days_between",
]

_ONE_DAY = timedelta(days=1)

PACKAGE_KNOWN_THROUGH = 2026
"""The last year whose one-off bank holidays the locked `holidays` release (0.109, 2025) can
know: one-offs are announced months ahead, rarely more than a year."""

_extra: frozenset[date] = frozenset()
_known_through = PACKAGE_KNOWN_THROUGH


def add_bank_holidays(days: Iterable[date], *, known_through: int | None = None) -> None:
    """Count these days as bank holidays too (from the site's configuration).

    `known_through` says the site has checked the holidays up to that year (for example once
    it has added a newly announced one), so no note is given for dates up to it.
    """
    global _extra, _known_through
    _extra = _extra | frozenset(days)
    if known_through is not None:
        _known_through = max(_known_through, known_through)
    bank_holidays.cache_clear()


def holidays_known_through() -> int:
    return _known_through


def holidays_may_be_missing(d: date) -> bool:
    """True when `d` falls after the years whose bank holidays are known for certain."""
    return d.year > _known_through


@lru_cache(maxsize=512)
def bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays in England and Wales in `year` (substitute days included), with any
    the site added."""
    known = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())
    return known | frozenset(d for d in _extra if d.year == year)


def is_working_day(d: date) -> bool:
    """True on Monday to Friday unless it is a bank holiday in England and Wales."""
    return d.weekday() < 5 and d not in bank_holidays(d.year)


def add_working_days(d: date, n: int) -> date:
    """The `n`-th working day after `d` (before `d` when `n` is negative).

    `d` itself is never counted, whether or not it is a working day: "within one working day of
    release on Thursday 25 March 2027" is `add_working_days(release, 1)`, which skips Good Friday,
    the weekend and Easter Monday and gives Tuesday 30 March 2027.

    `n == 0` returns `d` if it is a working day, else the next working day after it (a deadline
    that falls on a holiday moves forward, never back).
    """
    if n == 0:
        while not is_working_day(d):
            d += _ONE_DAY
        return d
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d


def working_days_between(a: date, b: date) -> int:
    """How many working days `b` is after `a`: negative when `b` is before `a`.

    Forwards, it counts the working days after `a` up to and including `b`; backwards, those
    from `b` up to but not including `a`. So it is the inverse of `add_working_days` whenever
    `b` is a working day: `add_working_days(a, working_days_between(a, b)) == b`. From a
    Friday to the next Monday (no bank holiday) is 1; from that Monday back to the Friday, -1.
    """
    if b < a:
        lo, hi, sign = b - _ONE_DAY, a - _ONE_DAY, -1
    else:
        lo, hi, sign = a, b, 1
    count = 0
    d = lo
    while d < hi:
        d += _ONE_DAY
        if is_working_day(d):
            count += 1
    return sign * count


def add_months(d: date, n: int) -> date:
    """`d` moved by `n` calendar months (negative moves back), clamped to the end of the month.

    31 August minus 6 months is 28 February (29 in a leap year): "6 months before the conditional
    release date" must be a real date, and the end of the shorter month is the nearest one.
    """
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def add_weeks(d: date, n: int) -> date:
    """`d` moved by `n` weeks (negative moves back)."""
    return d + timedelta(weeks=n)


def birthday(dob: date, age: int) -> date:
    """The day a person born on `dob` reaches `age`.

    Someone born on 29 February reaches an age on 1 March in a year that is not a leap year:
    in English law a person attains an age at the start of the anniversary of their birth
    (Family Law Reform Act 1969, s.9), and that anniversary is taken to be 1 March.
    """
    year = dob.year + age
    if dob.month == 2 and dob.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return dob.replace(year=year)
