"""OMiC as Manage POM Cases computes it: earliest release, handover date and start,
responsibility on a day, the overrides, and the handover items. One table per rule, every
branch named in issue 14, with the awkward dates (the 10-month boundary on both sides, month
ends, the days either side of the handover and its start)."""

from __future__ import annotations

from datetime import date

import pytest

from ahtui.domain import schedule as s
from ahtui.domain.enums import DueStatus, ParoleOutcome, Pathway, Responsibility, Role, SentenceType
from ahtui.domain.facts import CaseFacts, date_contradictions
from ahtui.domain.schedule.omic import earliest_release, handover, lead_role, responsibility

D = date.fromisoformat
TODAY = "2026-12-03"
POM, SUPPORT, PP, CES = (
    Responsibility.POM,
    Responsibility.POM_PP_SUPPORTING,
    Responsibility.PP,
    Responsibility.CES,
)


def f(pathway: Pathway = Pathway.LONG, **kw: object) -> CaseFacts:
    return CaseFacts.model_validate({"pathway": pathway, "sentence_date": "2026-01-05", **kw})


LIFE = {"sentence_type": SentenceType.LIFE}


@pytest.mark.parametrize(
    ("facts", "today", "on", "field"),
    [
        pytest.param(f(parole_eligibility_date="2029-01-01", conditional_release_date="2028-01-01"), TODAY, "2029-01-01", "parole_eligibility_date", id="determinate-ped-wins"),
        pytest.param(f(automatic_release_date="2027-11-01", conditional_release_date="2027-12-01"), TODAY, "2027-11-01", "automatic_release_date", id="ard-earlier"),
        pytest.param(f(automatic_release_date="2027-12-02", conditional_release_date="2027-12-01"), TODAY, "2027-12-01", "conditional_release_date", id="crd-earlier"),
        pytest.param(f(automatic_release_date="2027-12-01", conditional_release_date="2027-12-01"), TODAY, "2027-12-01", "automatic_release_date", id="ard-wins-a-tie"),
        pytest.param(f(conditional_release_date="2027-12-01"), TODAY, "2027-12-01", "conditional_release_date", id="crd-only"),
        pytest.param(f(**LIFE, tariff_expiry_date="2030-01-01", target_hearing_date="2029-01-01"), TODAY, "2030-01-01", "tariff_expiry_date", id="ted-in-future"),
        pytest.param(f(**LIFE, tariff_expiry_date="2026-12-03", target_hearing_date="2027-06-01"), TODAY, "2027-06-01", "target_hearing_date", id="ted-today-is-not-future-thd-is"),
        pytest.param(f(**LIFE, tariff_expiry_date="2026-11-01", target_hearing_date="2026-01-01"), TODAY, "2026-11-01", "tariff_expiry_date", id="both-past-ted-nearer"),
        pytest.param(f(**LIFE, tariff_expiry_date="2025-01-01", target_hearing_date="2026-11-30"), TODAY, "2026-11-30", "target_hearing_date", id="both-past-thd-nearer"),
        pytest.param(f(sentence_type=SentenceType.IPP, parole_eligibility_date="2027-01-01", tariff_expiry_date="2031-01-01"), TODAY, "2031-01-01", "tariff_expiry_date", id="indeterminate-ignores-ped"),
        pytest.param(f(release_date="2028-01-01"), TODAY, "2028-01-01", "release_date", id="expected-release-stands-in"),
    ],
)  # fmt: skip
def test_earliest_release(facts: CaseFacts, today: str, on: str, field: str) -> None:
    got = earliest_release(facts, D(today))
    assert got is not None and got.on == D(on) and got.field == field


def test_no_earliest_release() -> None:
    assert earliest_release(f(), D(TODAY)) is None
    assert earliest_release(f(**LIFE), D(TODAY)) is None


@pytest.mark.parametrize(
    ("facts", "on", "start", "words"),
    [
        pytest.param(f(early_allocation=True, conditional_release_date="2029-06-10"), "2028-03-10", "2028-03-10", "15 months before", id="early-allocation-15-months"),
        pytest.param(f(early_allocation=True, conditional_release_date="2028-05-31"), "2027-02-28", "2027-02-28", "15 months", id="early-allocation-clamped-to-28-feb"),
        pytest.param(f(**LIFE, tariff_expiry_date="2030-03-31"), "2029-03-31", "2029-03-31", "12 months before the tariff expiry", id="indeterminate-12-months"),
        pytest.param(f(parole_eligibility_date="2028-02-29", conditional_release_date="2029-01-01"), "2027-02-28", "2027-02-28", "12 months before the parole eligibility", id="determinate-ped-12-months-clamped"),
        pytest.param(f(conditional_release_date="2027-12-01"), "2027-03-18", "2027-03-18", "8 months and 14 days", id="determinate-8-months-14-days"),
        pytest.param(f(conditional_release_date="2028-10-31"), "2028-02-15", "2028-02-15", "8 months and 14 days", id="clamped-to-29-feb-then-14-days"),
        # The 10-month boundary: sentence 5 Jan 2026, plus 10 months is 5 Nov 2026.
        pytest.param(f(conditional_release_date="2026-11-05"), None, None, "10 months or less", id="erd-exactly-10-months-no-handover"),
        pytest.param(f(conditional_release_date="2026-11-06"), "2026-02-20", "2026-02-20", "8 months and 14 days", id="erd-10-months-and-a-day-handover"),
        pytest.param(f(sentence_date="2026-12-31", conditional_release_date="2027-10-31"), None, None, "10 months or less", id="boundary-at-month-end-short"),
        pytest.param(f(sentence_date="2026-12-31", conditional_release_date="2027-11-01"), "2027-02-15", "2027-02-15", "8 months", id="boundary-at-month-end-long"),
        # Open conditions: the start moves earlier for an indeterminate sentence only.
        pytest.param(f(**LIFE, tariff_expiry_date="2030-06-01", open_conditions_since="2028-01-15"), "2029-06-01", "2028-01-15", "open conditions", id="indeterminate-open-conditions-start-earlier"),
        pytest.param(f(**LIFE, tariff_expiry_date="2030-06-01", open_conditions_since="2029-08-01"), "2029-06-01", "2029-06-01", "12 months", id="open-conditions-after-handover-date"),
        pytest.param(f(conditional_release_date="2029-06-10", open_conditions_since="2027-01-15"), "2028-09-26", "2028-09-26", "8 months", id="determinate-open-conditions-ignored"),
    ],
)  # fmt: skip
def test_handover_date_and_start(
    facts: CaseFacts, on: str | None, start: str | None, words: str
) -> None:
    h = handover(facts, D(TODAY))
    assert h is not None
    assert h.on == (D(on) if on else None)
    assert h.start == (D(start) if start else None)
    assert words in h.why


# CRD 1 Dec 2027: handover 18 Mar 2027. Life, TED 1 Jun 2030, open since 15 Jan 2028: start
# 15 Jan 2028, handover 1 Jun 2029.
DET = f(conditional_release_date="2027-12-01")
OPEN = f(**LIFE, tariff_expiry_date="2030-06-01", open_conditions_since="2028-01-15")
PAROLE = {**LIFE, "target_hearing_date": "2028-01-10", "parole_outcome": ParoleOutcome.NOT_RELEASE}


@pytest.mark.parametrize(
    ("facts", "today", "expected"),
    [
        pytest.param(DET, "2027-03-17", POM, id="day-before-handover"),
        pytest.param(DET, "2027-03-18", PP, id="day-of-handover"),
        pytest.param(DET, "2027-03-19", PP, id="day-after-handover"),
        pytest.param(OPEN, "2028-01-14", POM, id="day-before-start"),
        pytest.param(OPEN, "2028-01-15", SUPPORT, id="day-of-start"),
        pytest.param(OPEN, "2028-01-16", SUPPORT, id="day-after-start"),
        pytest.param(OPEN, "2029-05-31", SUPPORT, id="day-before-handover-after-start"),
        pytest.param(OPEN, "2029-06-01", PP, id="day-of-handover-after-start"),
        pytest.param(OPEN, "2029-06-02", PP, id="day-after-handover-after-start"),
        pytest.param(f(conditional_release_date="2026-11-05"), TODAY, PP, id="short-no-handover-pp-from-start"),
        # The overrides, checked before the dates.
        pytest.param(f(Pathway.RECALL, conditional_release_date="2030-01-01"), TODAY, PP, id="recall"),
        pytest.param(f(immigration_case=True, conditional_release_date="2030-01-01"), TODAY, PP, id="immigration-case"),
        pytest.param(f(), TODAY, POM, id="no-release-date-pom-only"),
        pytest.param(f(**LIFE), TODAY, POM, id="indeterminate-no-dates-pom-only"),
        pytest.param(f(**PAROLE, mappa_level=2), "2027-01-10", PP, id="parole-not-release-mappa-2"),
        pytest.param(f(**PAROLE, mappa_level=3), "2027-01-10", PP, id="parole-not-release-mappa-3"),
        pytest.param(f(**PAROLE, mappa_level=1), "2027-01-10", SUPPORT, id="parole-not-release-mappa-1"),
        pytest.param(f(**PAROLE, mappa_level=0), "2027-01-10", SUPPORT, id="parole-not-release-mappa-0"),
        pytest.param(f(**PAROLE), "2027-01-10", SUPPORT, id="parole-not-release-mappa-unknown"),
        # THD less than 12 months away: the dates decide (THD 10 Jan 2028 less 12 months).
        pytest.param(f(**PAROLE, mappa_level=2), "2027-01-11", PP, id="thd-under-12-months-dates-decide"),
        pytest.param(f(**{**PAROLE, "parole_outcome": ParoleOutcome.RELEASE}, mappa_level=2), "2026-06-01", POM, id="parole-released-no-override"),
        pytest.param(f(Pathway.REMAND), TODAY, CES, id="remand"),
        pytest.param(f(Pathway.COMMUNITY), TODAY, PP, id="community"),
    ],
)  # fmt: skip
def test_responsibility_on_a_day(facts: CaseFacts, today: str, expected: Responsibility) -> None:
    got = responsibility(facts, D(today))
    assert got.responsibility is expected, got.why
    assert "_" not in got.why
    assert (
        lead_role(facts, D(today))
        is {POM: Role.POM, SUPPORT: Role.POM, PP: Role.PP, CES: Role.CES}[expected]
    )


def test_overrides_have_no_handover_date() -> None:
    for facts in (
        f(Pathway.RECALL, conditional_release_date="2030-01-01"),
        f(immigration_case=True, conditional_release_date="2030-01-01"),
        f(**PAROLE, mappa_level=2),
    ):
        assert responsibility(facts, D("2027-01-10")).handover is None


def _item(key: str, facts: CaseFacts, today: str) -> s.DueItem | None:
    return next((i for i in s.compute_schedule(facts, D(today)) if i.key == key), None)


@pytest.mark.parametrize(
    ("key", "facts", "today", "due", "status"),
    [
        pytest.param("handover", DET, "2027-03-01", "2027-03-18", DueStatus.UPCOMING, id="meeting-upcoming"),
        pytest.param("handover", OPEN, "2028-01-10", "2028-01-15", DueStatus.DUE, id="meeting-by-the-start"),
        pytest.param("resettlement", DET, "2027-03-18", "2027-04-15", DueStatus.DUE, id="resettlement-opens-at-start"),
        pytest.param("handover_reminder", DET, "2027-01-20", "2027-01-21", DueStatus.UPCOMING, id="reminder-day-before"),
        pytest.param("handover_reminder", DET, "2027-01-21", "2027-01-21", DueStatus.DUE, id="reminder-8-weeks-before"),
        pytest.param("handover_reminder", f(conditional_release_date="2027-12-01", pp_allocated_on="2026-12-01"), "2027-01-21", "2027-01-21", DueStatus.DONE, id="reminder-done-pp-allocated"),
        pytest.param("handover_no_pp", DET, "2027-03-18", "2027-04-01", DueStatus.DUE, id="no-pp-from-handover"),
        pytest.param("handover_no_pp", DET, "2027-04-01", "2027-04-01", DueStatus.DUE, id="no-pp-14-days-after"),
        pytest.param("handover_no_pp", DET, "2027-04-02", "2027-04-01", DueStatus.OVERDUE, id="no-pp-15-days-after"),
    ],
)  # fmt: skip
def test_handover_items(
    key: str, facts: CaseFacts, today: str, due: str, status: DueStatus
) -> None:
    item = _item(key, facts, today)
    assert item is not None
    assert item.due_on == D(due) and item.status is status


@pytest.mark.parametrize(
    ("key", "facts", "today"),
    [
        pytest.param("handover_no_pp", DET, "2027-03-17", id="no-pp-not-before-handover"),
        pytest.param("handover_no_pp", f(conditional_release_date="2027-12-01", pp_allocated_on="2027-03-01"), "2027-05-01", id="no-pp-not-when-allocated"),
        pytest.param("handover", f(Pathway.SHORT, conditional_release_date="2026-11-05"), TODAY, id="short-has-no-handover-meeting"),
        pytest.param("handover_reminder", f(Pathway.RECALL, conditional_release_date="2030-01-01"), TODAY, id="recall-no-reminder"),
    ],
)  # fmt: skip
def test_handover_items_absent(key: str, facts: CaseFacts, today: str) -> None:
    assert _item(key, facts, today) is None


def test_override_shows_on_the_handover_item_as_not_applicable() -> None:
    item = _item("handover", f(immigration_case=True, conditional_release_date="2030-01-01"), TODAY)
    assert item is not None and item.status is DueStatus.NOT_APPLICABLE
    assert "immigration case" in item.explanation


def test_the_issue_example_explanation() -> None:
    item = _item("handover", DET, "2027-03-01")
    assert item is not None
    assert item.explanation == (
        "Handover to probation on 18 Mar 2027: 8 months and 14 days before the conditional "
        "release date of 1 Dec 2027 (OMiC)"
    )


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        pytest.param({"sentence_date": D("2026-05-01"), "release_date": D("2026-04-01")}, "release_date", ["01 Apr 2026", "01 May 2026"], id="release-before-sentence"),
        pytest.param({"recall_date": D("2027-03-03"), "licence_end_date": D("2027-02-01")}, "recall_date", ["03 Mar 2027", "01 Feb 2027"], id="recall-after-licence-end"),
        pytest.param({"sentence_date": D("2026-05-01"), "open_conditions_since": D("2026-04-01")}, "open_conditions_since", ["01 Apr 2026", "01 May 2026"], id="handover-start-before-sentence"),
        pytest.param({"parole_eligibility_date": D("2028-01-02"), "conditional_release_date": D("2028-01-01")}, "parole_eligibility_date", ["02 Jan 2028", "01 Jan 2028"], id="ped-after-crd"),
    ],
)  # fmt: skip
def test_contradicting_dates_are_named_both(values: dict, field: str, words: list[str]) -> None:
    problems = date_contradictions(CaseFacts(pathway=Pathway.LONG, **values))
    assert field in problems
    for w in words:
        assert w in problems[field]


def test_agreeing_dates_have_no_contradictions() -> None:
    assert date_contradictions(DET) == {}
    assert date_contradictions(OPEN) == {}
