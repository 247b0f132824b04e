"""Dates read from records and written for people, the same everywhere."""

from __future__ import annotations

from datetime import date

from ahtui.domain.dates import day, fmt_date


def test_days_are_read_from_iso_text_or_dates_and_nothing_else() -> None:
    assert day("2025-03-03") == date(2025, 3, 3)
    assert day("2025-03-03T10:00") == date(2025, 3, 3)
    assert day(date(2025, 3, 3)) == date(2025, 3, 3)
    for empty in (None, "", "soon", "2025-02-30"):
        assert day(empty) is None


def test_dates_are_written_the_same_whatever_the_locale() -> None:
    assert fmt_date("2025-03-03") == "03 Mar 2025"
    assert fmt_date(date(2025, 12, 1)) == "01 Dec 2025"
    assert fmt_date(None) == "" and fmt_date("") == ""
    # What is not a date is shown as it was written, not lost.
    assert fmt_date("next spring") == "next spring"
