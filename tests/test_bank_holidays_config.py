"""A site adds bank holidays the `holidays` package does not know yet, and the rules say when a
date falls past the years whose bank holidays are known (issue 14)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from ahtui.config import load_settings
from ahtui.domain import workdays
from ahtui.domain.facts import CaseFacts
from ahtui.domain.schedule import first_probation_appointment_within_1_working_day_of_release
from ahtui.errors import BadInput

D = date.fromisoformat


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch):
    # The extra holidays are process-wide: each test starts from the package's own.
    monkeypatch.setattr(workdays, "_extra", frozenset())
    monkeypatch.setattr(workdays, "_known_through", workdays.PACKAGE_KNOWN_THROUGH)
    workdays.bank_holidays.cache_clear()
    yield
    workdays.bank_holidays.cache_clear()


def _config(text: str) -> None:
    path = Path(os.environ["AHTUI_CONFIG_DIR"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _release_on(day: str):
    facts = CaseFacts(pathway="community", release_date=D(day))
    item = first_probation_appointment_within_1_working_day_of_release(facts, D(day))
    assert item is not None
    return item


def test_a_one_off_bank_holiday_from_the_config_counts(tmp_path: Path) -> None:
    # Fri 4 Jun 2027 release: next working day Mon 7 Jun, unless the site says it is a holiday.
    assert _release_on("2027-06-04").due_on == D("2027-06-07")
    _config("extra_bank_holidays = [2027-06-07]\nbank_holidays_known_through = 2027\n")
    settings = load_settings()
    assert settings.extra_bank_holidays == (D("2027-06-07"),)
    assert not workdays.is_working_day(D("2027-06-07"))
    assert _release_on("2027-06-04").due_on == D("2027-06-08")


def test_a_date_past_the_known_years_says_so() -> None:
    later = _release_on("2031-03-06")
    assert "bank holidays in 2031 may not all be known yet" in later.explanation
    assert "may not" not in _release_on("2026-03-06").explanation
    workdays.add_bank_holidays([], known_through=2031)
    assert "may not" not in _release_on("2031-03-06").explanation


@pytest.mark.parametrize(
    "text",
    [
        'extra_bank_holidays = "2027-06-07"\n',
        'extra_bank_holidays = ["7 June"]\n',
        'bank_holidays_known_through = "soon"\n',
    ],
)
def test_bad_holiday_settings_are_refused_plainly(text: str) -> None:
    _config(text)
    with pytest.raises(BadInput) as caught:
        load_settings()
    assert "config.toml" in caught.value.message
