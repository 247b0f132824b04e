"""Working days (England and Wales bank holidays) and calendar arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ahtui.domain.workdays import (
    add_months,
    add_weeks,
    add_working_days,
    bank_holidays,
    birthday,
    is_working_day,
    working_days_between,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param("2027-03-25", True, id="thursday-before-good-friday-2027"),
        pytest.param("2027-03-26", False, id="good-friday-2027"),
        pytest.param("2027-03-29", False, id="easter-monday-2027"),
        pytest.param("2027-03-30", True, id="tuesday-after-easter-2027"),
        pytest.param("2026-08-31", False, id="august-bank-holiday-2026"),
        pytest.param("2026-12-28", False, id="boxing-day-observed-2026"),
        pytest.param("2027-12-27", False, id="christmas-observed-2027"),
        pytest.param("2027-12-28", False, id="boxing-day-observed-2027"),
        pytest.param("2027-01-01", False, id="new-year-2027"),
        pytest.param("2023-05-08", False, id="coronation-2023"),
        pytest.param("2022-09-19", False, id="state-funeral-2022"),
        pytest.param("2026-01-03", False, id="saturday"),
        pytest.param("2026-01-04", False, id="sunday"),
        pytest.param("2026-01-05", True, id="ordinary-monday"),
        pytest.param("2026-03-17", True, id="st-patricks-day-not-in-england"),
    ],
)
def test_is_working_day(day: str, expected: bool) -> None:
    assert is_working_day(D(day)) is expected


def test_bank_holidays_match_the_package_for_2027() -> None:
    assert bank_holidays(2027) == {
        D("2027-01-01"),
        D("2027-03-26"),
        D("2027-03-29"),
        D("2027-05-03"),
        D("2027-05-31"),
        D("2027-08-30"),
        D("2027-12-25"),
        D("2027-12-26"),
        D("2027-12-27"),
        D("2027-12-28"),
    }


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("2027-03-25", 1, "2027-03-30", id="thursday-before-easter-plus-1"),
        pytest.param("2026-08-28", 1, "2026-09-01", id="friday-before-august-bh-plus-1"),
        pytest.param("2026-12-24", 1, "2026-12-29", id="christmas-eve-2026-plus-1"),
        pytest.param("2026-12-31", 1, "2027-01-04", id="new-years-eve-2026-plus-1"),
        pytest.param("2027-12-24", 1, "2027-12-29", id="christmas-eve-2027-plus-1"),
        pytest.param("2026-01-05", 1, "2026-01-06", id="monday-plus-1"),
        pytest.param("2026-01-09", 1, "2026-01-12", id="friday-plus-1"),
        pytest.param("2026-01-03", 1, "2026-01-05", id="saturday-plus-1"),
        pytest.param("2026-01-05", 5, "2026-01-12", id="monday-plus-5"),
        pytest.param("2027-03-22", 10, "2027-04-07", id="plus-10-across-easter"),
        pytest.param("2027-03-30", 15, "2027-04-20", id="plus-15"),
        pytest.param("2026-01-05", 0, "2026-01-05", id="zero-on-working-day"),
        pytest.param("2026-01-03", 0, "2026-01-05", id="zero-on-saturday"),
        pytest.param("2027-03-26", 0, "2027-03-30", id="zero-on-good-friday"),
        pytest.param("2027-03-30", -1, "2027-03-25", id="minus-1-back-over-easter"),
        pytest.param("2026-01-05", -1, "2026-01-02", id="minus-1-monday"),
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert add_working_days(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param("2027-03-25", "2027-03-30", 1, id="over-easter"),
        pytest.param("2027-03-30", "2027-03-25", -1, id="reversed"),
        pytest.param("2026-01-05", "2026-01-05", 0, id="same-day"),
        pytest.param("2026-01-05", "2026-01-12", 5, id="one-week"),
        pytest.param("2026-01-09", "2026-01-11", 0, id="friday-to-sunday"),
        pytest.param("2026-12-24", "2027-01-04", 4, id="christmas-and-new-year"),
    ],
)
def test_working_days_between(a: str, b: str, expected: int) -> None:
    assert working_days_between(D(a), D(b)) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("2026-08-31", -6, "2026-02-28", id="clamp-to-february"),
        pytest.param("2028-08-31", -6, "2028-02-29", id="clamp-to-leap-february"),
        pytest.param("2026-01-31", 1, "2026-02-28", id="jan-31-plus-1"),
        pytest.param("2026-11-15", 2, "2027-01-15", id="over-new-year"),
        pytest.param("2027-01-15", -2, "2026-11-15", id="back-over-new-year"),
        pytest.param("2026-03-31", -13, "2025-02-28", id="minus-13"),
        pytest.param("2026-01-05", 0, "2026-01-05", id="zero"),
        pytest.param("2026-01-05", 36, "2029-01-05", id="three-years"),
    ],
)
def test_add_months(start: str, n: int, expected: str) -> None:
    assert add_months(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param("2026-01-05", 10, "2026-03-16", id="ten-weeks"),
        pytest.param("2026-12-28", 1, "2027-01-04", id="over-new-year"),
        pytest.param("2026-01-05", -1, "2025-12-29", id="back"),
    ],
)
def test_add_weeks(start: str, n: int, expected: str) -> None:
    assert add_weeks(D(start), n) == D(expected)


@pytest.mark.parametrize(
    ("dob", "age", "expected"),
    [
        pytest.param("2004-02-29", 25, "2029-03-01", id="leap-day-non-leap-year-is-1-march"),
        pytest.param("2004-02-29", 24, "2028-02-29", id="leap-day-in-leap-year"),
        pytest.param("2001-06-15", 25, "2026-06-15", id="ordinary"),
        pytest.param("2001-12-31", 25, "2026-12-31", id="new-years-eve"),
    ],
)
def test_birthday(dob: str, age: int, expected: str) -> None:
    assert birthday(D(dob), age) == D(expected)


dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2060, 12, 31))


@settings(max_examples=300, deadline=None)
@given(d=dates, n=st.integers(min_value=0, max_value=40))
def test_add_working_days_lands_on_a_working_day(d: date, n: int) -> None:
    result = add_working_days(d, n)
    assert is_working_day(result)
    assert result >= d
    if n > 0:
        assert result > d
        assert working_days_between(d, result) == n


@settings(max_examples=200, deadline=None)
@given(d=dates, n=st.integers(min_value=1, max_value=40))
def test_add_working_days_backwards_lands_on_a_working_day(d: date, n: int) -> None:
    result = add_working_days(d, -n)
    assert is_working_day(result)
    assert working_days_between(d, result) == -n


@settings(max_examples=300, deadline=None)
@given(d=dates, n=st.integers(min_value=-60, max_value=60))
def test_add_months_moves_exactly_n_months_and_clamps(d: date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day <= d.day
    if result.day < d.day:
        # Clamped only when the month is too short: the next day is in the next month.
        assert (result + timedelta(days=1)).day == 1
