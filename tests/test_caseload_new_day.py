"""A new day without waiting: the caseload recomputes only the people whose row the day moves.

Each cached row says the last day it holds (`valid_through`), found by watching how the rules
use the day (`WatchedDay`). These tests try to break that promise: items that fall due or
overdue on the next day, random days and gaps on a real site, random cases straight through
the rules, a change of rules, and the app itself on the next day.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahtui.demo import build_demo
from ahtui.domain import enums
from ahtui.domain.enums import DueStatus, Pathway
from ahtui.domain.facts import (
    CaseFacts,
    ConsentFact,
    ContactFact,
    MeetingFact,
    MilestoneFact,
    NetworkFact,
    PathwayPeriod,
)
from ahtui.domain.schedule import compute_schedule
from ahtui.domain.schedule.omic import responsibility
from ahtui.store import actions, collector, people
from ahtui.store import caseload as caseload_module
from ahtui.store.caseload import WatchedDay, caseload, schedule_for

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo(site):
    build_demo(site, people=30, seed=5, today=TODAY)
    return site


def _from_scratch(site, day: date) -> list[Any]:
    with site.write() as conn:
        conn.execute("DELETE FROM due_cache")
    return caseload(site, day)


def _counting(monkeypatch) -> list[str]:
    """Who the rules are run for, from now on."""
    seen: list[str] = []
    real = caseload_module._rules_batch

    def counted(site, today, person_ids):
        seen.extend(person_ids)
        return real(site, today, person_ids)

    monkeypatch.setattr(caseload_module, "_rules_batch", counted)
    return seen


def _first_open_item(site, pid: str, day: date):
    return min(
        (i for i in schedule_for(site, pid, day) if i.due_on and i.status is not DueStatus.DONE),
        key=lambda i: cast(date, i.due_on),
    )


def test_items_falling_due_and_overdue_on_the_next_day(demo, monkeypatch) -> None:
    """Day D is drawn; on D+1 a rule's item falls overdue, an action falls overdue, another
    opens its window: those rows change, the rest are not worked out again, and all agree
    with a recompute from scratch."""
    sentenced = people.create_person(
        demo,
        {
            "given_name": "Dana",
            "family_name": "Due",
            "pathway": "long",
            "sentence_date": TODAY - timedelta(days=30),
            "sentence_length_months": 60,
        },
    )
    item = _first_open_item(demo, sentenced, TODAY)
    day = cast(date, item.due_on)  # the rule's item is due on D, overdue on D+1
    assert day >= TODAY
    acting = [r.person_id for r in caseload(demo, day) if r.person_id != sentenced][:2]
    actions.add_action(demo, acting[0], {"step": "Phone the housing officer", "due_on": day})
    actions.add_action(
        demo, acting[1], {"step": "Book the visit", "due_on": day - timedelta(days=40)}
    )
    actions.add_action(
        demo, acting[1], {"step": "Send the forms", "due_on": day + timedelta(days=15)}
    )
    before = {r.person_id: r for r in caseload(demo, day)}
    assert before[sentenced].next_due_status == DueStatus.DUE.value

    seen = _counting(monkeypatch)
    nxt = day + timedelta(days=1)
    after = caseload(demo, nxt, stale_ok=True)
    assert not any(r.stale for r in after)
    rows = {r.person_id: r for r in after}
    assert rows[sentenced].overdue_count == before[sentenced].overdue_count + 1
    assert rows[acting[0]].overdue_count == before[acting[0]].overdue_count + 1
    assert 0 < len(set(seen)) < len(rows)  # only those whose rules' part the day moves
    assert sentenced in seen
    assert after == _from_scratch(demo, nxt)


def test_every_row_kept_for_a_later_day_is_right_then(demo) -> None:
    """Each row moved to a later day (its `valid_through` reaching it) is what the rules say."""
    caseload(demo, TODAY)
    horizon = dict(demo.tuples("SELECT person_id, valid_through FROM due_cache"))
    later = TODAY + timedelta(days=9)
    kept = {pid for pid, through in horizon.items() if through >= later.isoformat()}
    assert kept  # some rows hold for more than a week in this demo
    rows = {r.person_id: r for r in caseload(demo, later)}
    scratch = {r.person_id: r for r in _from_scratch(demo, later)}
    assert {pid: rows[pid] for pid in kept} == {pid: scratch[pid] for pid in kept}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    print_blob=True,
)
@given(st.integers(-400, 400), st.lists(st.integers(1, 200), min_size=1, max_size=3))
def test_random_days_agree_with_a_recompute(demo, start: int, gaps: list[int]) -> None:
    """Drawn on a random day, then on random later days: always as from scratch."""
    with demo.write() as conn:
        conn.execute("DELETE FROM due_cache")
    day = TODAY + timedelta(days=start)
    caseload(demo, day)
    for gap in gaps:
        day += timedelta(days=gap)
        got = caseload(demo, day, stale_ok=True)
        assert [r._replace(stale=False) for r in got] == _from_scratch(demo, day)


def test_other_rules_trust_no_row_past_its_day(demo, monkeypatch) -> None:
    """Rows worked out by other rules (another version, other bank holidays) are all
    recomputed on a new day."""
    caseload(demo, TODAY)
    with demo.write() as conn:
        conn.execute("UPDATE site_meta SET value = 'other rules' WHERE key = ?",
                     (caseload_module.FINGERPRINT_KEY,))  # fmt: skip
    seen = _counting(monkeypatch)
    nxt = TODAY + timedelta(days=1)
    rows = caseload(demo, nxt)
    assert len(set(seen)) == len(rows)
    assert demo.one("SELECT count(*) FROM due_cache WHERE valid_through IS NULL")[0] == 0
    seen.clear()
    caseload(demo, nxt + timedelta(days=1))
    assert len(set(seen)) < len(rows)


def test_watched_day_notes_each_turn() -> None:
    day = date(2026, 3, 10)
    for compare, x, turn in [
        (lambda w, x: w < x, date(2026, 3, 20), date(2026, 3, 20)),
        (lambda w, x: w <= x, date(2026, 3, 20), date(2026, 3, 21)),
        (lambda w, x: w > x, date(2026, 3, 20), date(2026, 3, 21)),
        (lambda w, x: w >= x, date(2026, 3, 20), date(2026, 3, 20)),
        (lambda w, x: x < w, date(2026, 3, 20), date(2026, 3, 21)),  # reflected: w > x
        (lambda w, x: w == x, date(2026, 3, 15), date(2026, 3, 15)),
        (lambda w, x: w > x, date(2026, 3, 1), None),  # settled for good
    ]:
        w = WatchedDay(day)
        assert compare(w, x) == compare(day, x)
        assert w.valid_through() == (turn - timedelta(days=1) if turn else date.max)
    for use in (lambda w: w - date(2026, 1, 1), lambda w: w.year, lambda w: hash(w),
                lambda w: f"{w}", lambda w: w + timedelta(days=1)):  # fmt: skip
        w = WatchedDay(day)
        use(w)
        assert w.valid_through() == day
    with pytest.raises(TypeError):
        WatchedDay(day) < "2026-03-20"  # noqa: B015


_DAYS = st.integers(min_value=-1500, max_value=1500)
_BASE = date(2026, 6, 1)


@st.composite
def _cases(draw) -> CaseFacts:
    """Any case: dates around 2026, meetings, consents, contacts, milestones, networks."""

    def on() -> date:
        return _BASE + timedelta(days=draw(_DAYS))

    def maybe() -> date | None:
        return on() if draw(st.booleans()) else None

    names = ("sentence_date", "conditional_release_date", "parole_eligibility_date",
             "automatic_release_date", "recall_date", "release_date", "licence_end_date",
             "pa_support_ends_on", "date_of_birth", "tariff_expiry_date", "target_hearing_date",
             "open_conditions_since", "remand_date", "pom_allocated_on", "pp_allocated_on",
             "identified_on")  # fmt: skip
    dates = {name: maybe() for name in names}
    small = st.integers(0, 3)
    return CaseFacts(
        person_id="p",
        pathway=draw(st.sampled_from(list(Pathway))),
        sentence_type=draw(st.sampled_from([None, *enums.SentenceType])),
        sentence_length_months=draw(st.sampled_from([None, 6, 18, 48, 120])),
        early_allocation=draw(st.booleans()),
        mappa_level=draw(st.sampled_from([None, 0, 1, 2, 3])),
        parole_outcome=draw(st.sampled_from([None, *enums.ParoleOutcome])),
        immigration_case=draw(st.booleans()),
        recall_type=draw(st.sampled_from([None, *enums.RecallType])),
        pathway_history=[
            PathwayPeriod(pathway=draw(st.sampled_from(list(Pathway))), start=on(), end=maybe())
            for _ in range(draw(small))
        ],
        meetings=[
            MeetingFact(
                id=str(n),
                type=draw(st.sampled_from(list(enums.MeetingType))),
                status=draw(st.sampled_from(list(enums.MeetingStatus))),
                scheduled_on=maybe(),
                held_on=maybe(),
            )
            for n in range(draw(st.integers(0, 5)))
        ],
        consents=[
            ConsentFact(
                agency=draw(st.sampled_from(list(enums.ConsentAgency))),
                event=draw(st.sampled_from(list(enums.ConsentEvent))),
                on=on(),
                reoffer_on=maybe(),
            )
            for _ in range(draw(small))
        ],
        contacts=[
            ContactFact(
                id=str(n),
                type=draw(st.sampled_from(list(enums.ContactType))),
                on=on(),
                recorded_on=maybe(),
            )  # fmt: skip
            for n in range(draw(st.integers(0, 6)))
        ],
        milestones=[
            MilestoneFact(kind=draw(st.sampled_from(list(enums.MilestoneKind))), on=on())
            for _ in range(draw(small))
        ],
        networks=[
            NetworkFact(id=str(n), plan_started_on=maybe(), reviewed_on=maybe())
            for n in range(draw(st.integers(0, 2)))
        ],
        **dates,
    )


@settings(max_examples=400, deadline=None, print_blob=True)
@given(_cases(), _DAYS, st.data())
def test_the_rules_give_the_same_on_every_day_a_row_holds(facts, start, data) -> None:
    """Straight through the rules: up to the last day the watched day promises, the whole
    schedule and the one responsible are exactly what they were."""
    day = _BASE + timedelta(days=start)
    watched = WatchedDay(day)
    try:
        items = compute_schedule(facts, cast(date, watched))
        lead = responsibility(facts, cast(date, watched))
    except Exception:
        return  # the caseload then works the row out for the day alone
    assert items == compute_schedule(facts, day)
    through = watched.valid_through()
    span = min((through - day).days, 4000)
    for k in {span, data.draw(st.integers(0, span)), data.draw(st.integers(0, span))}:
        later = day + timedelta(days=k)
        assert compute_schedule(facts, later) == items, f"differs on {later}"
        assert responsibility(facts, later) == lead


async def test_the_app_on_the_next_day_shows_todays_rows(demo_path: Path) -> None:
    """The app opened the day after: no yesterday's rows drawn, and what it shows is today's."""
    from conftest import ADMIN, APP_TODAY, PASSPHRASE
    from test_app_shell import caseload_ready, wait_for

    from ahtui.app import AhtuiApp
    from ahtui.screens.caseload import CaseloadList, CaseloadScreen
    from ahtui.store.site import open_site

    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        caseload(site, APP_TODAY)
    tomorrow = APP_TODAY + timedelta(days=1)
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=tomorrow)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await wait_for(pilot, lambda: "caseload_current" in app.timings)
        screen = app.screen
        assert isinstance(screen, CaseloadScreen)
        assert screen.stale_draws == 0
        shown = screen.query_one(CaseloadList).shown
    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        assert shown == _from_scratch(site, tomorrow)


def test_a_big_site_draws_its_first_page_from_the_cache(demo, monkeypatch) -> None:
    """The first page is the head of the whole caseload, as long as the cache holds today."""
    monkeypatch.setattr(caseload_module, "PAGE_ABOVE", 10)
    monkeypatch.setattr(caseload_module, "PAGE", 7)
    whole = caseload(demo, TODAY)
    page = caseload_module.first_page(demo, TODAY)
    assert isinstance(page, caseload_module.FirstPage)
    assert page.total == len(whole) == 30
    assert list(page) == whole[:7]
    # A day on, rows not known to hold are marked, for the whole caseload to follow.
    later = caseload_module.first_page(demo, TODAY + timedelta(days=400))
    assert any(r.stale for r in later)
    monkeypatch.setattr(caseload_module, "PAGE_ABOVE", 30)
    assert caseload_module.first_page(demo, TODAY) == whole


async def test_the_app_draws_a_first_page_then_everyone(demo_path: Path, monkeypatch) -> None:
    from conftest import ADMIN, APP_TODAY, PASSPHRASE
    from test_app_shell import caseload_ready, text_of, wait_for

    from ahtui.app import AhtuiApp
    from ahtui.screens.caseload import CaseloadList, CaseloadScreen
    from ahtui.store.site import open_site

    monkeypatch.setattr(caseload_module, "PAGE_ABOVE", 10)
    monkeypatch.setattr(caseload_module, "PAGE", 5)
    pages: list[int] = []
    real = caseload_module.first_page

    def watched_page(*args, **kwargs):
        got = real(*args, **kwargs)
        pages.append(len(got) if isinstance(got, caseload_module.FirstPage) else -1)
        return got

    monkeypatch.setattr(caseload_module, "first_page", watched_page)
    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        whole = caseload(site, APP_TODAY)
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=APP_TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await wait_for(pilot, lambda: "caseload_current" in app.timings)
        screen = app.screen
        assert isinstance(screen, CaseloadScreen)
        assert pages == [5]
        assert screen.query_one(CaseloadList).shown == whole
        assert screen.stale_draws == 0
        assert text_of(app, "#caseload-count") == f"{len(whole)} people"


@settings(max_examples=300, deadline=None, print_blob=True)
@given(_cases(), _DAYS)
def test_the_meeting_timescales_never_look_at_what_the_summaries_leave_unread(facts, start) -> None:
    """The supervisors' summaries do not read consents, case notes, milestones or networks
    (`summaries.UNREAD`): the meeting timescales must answer the same without them."""
    from ahtui.store import summaries

    day = _BASE + timedelta(days=start)
    bare = facts.model_copy(update={name: [] for name in summaries.UNREAD})
    for rule in summaries.MEETING_TIMESCALES:
        assert rule(bare, day) == rule(facts, day), rule.__name__


async def test_deleting_back_to_an_earlier_search_shows_what_it_found(unlocked) -> None:
    """Searches are kept for a deletion back to them (a scan of 50,000 people is a frame's
    time): what a kept search shows is what searching afresh finds, filters included."""
    from ahtui.screens.caseload import CaseloadList, _matching

    app, pilot = unlocked
    table = app.screen.query_one(CaseloadList)
    everyone = list(table.shown)
    keys = [f"{r.name}\n{r.crn or ''}\n{r.nomis_number or ''}".casefold() for r in everyone]

    def afresh(text: str) -> list[Any]:
        rows = [r for r in everyone if table.predicate is None or table.predicate(r)]
        kept = [keys[everyone.index(r)] for r in rows]
        return _matching(rows, kept, text.casefold().split())[0]

    await pilot.press("slash", "a", "r", "backspace", "e", "backspace", "backspace", "a")
    assert table.shown == afresh("a")
    await pilot.press("escape", "o", "slash", "a", "r", "backspace")  # only the overdue
    assert table.predicate is not None
    assert table.shown == afresh("a")
    await pilot.press("backspace")
    assert table.shown == afresh("")


def test_stale_rows_brought_up_to_date_are_todays(demo, monkeypatch) -> None:
    """A new day drawn with yesterday's rows first (more moved than `AT_ONCE`): working out
    only the stale ones gives the whole of today's caseload, in order, as from scratch."""
    caseload(demo, TODAY)
    monkeypatch.setattr(caseload_module, "AT_ONCE", 0)
    for gap in (1, 9, 400):
        day = TODAY + timedelta(days=gap)
        drawn = caseload(demo, day, stale_ok=True)
        stale = {r.person_id for r in drawn if r.stale}
        assert stale, gap
        seen = _counting(monkeypatch)
        got = caseload_module.brought_up_to_date(demo, drawn, day)
        assert set(seen) == stale  # the rules are run for the stale rows alone
        assert not any(r.stale for r in got)
        assert got == _from_scratch(demo, day)
        monkeypatch.undo()
        monkeypatch.setattr(caseload_module, "AT_ONCE", 0)


def test_people_of_one_name_keep_the_order_recorded(demo, monkeypatch) -> None:
    """Ties in urgency and name are broken by the order recorded, as the whole read does."""
    for _ in range(3):
        people.create_person(
            demo, {"given_name": "Sam", "family_name": "Same", "pathway": "remand"}
        )
    caseload(demo, TODAY)
    monkeypatch.setattr(caseload_module, "AT_ONCE", 0)
    day = TODAY + timedelta(days=30)
    got = caseload_module.brought_up_to_date(demo, caseload(demo, day, stale_ok=True), day)
    assert got == _from_scratch(demo, day)


async def test_the_app_draws_stale_rows_then_only_those_worked_out(
    demo_path: Path, monkeypatch
) -> None:
    """More rows moved than are worked out before the first draw: yesterday's are drawn, then
    today's, the rest not read again; what is shown is then as from scratch."""
    from conftest import ADMIN, APP_TODAY, PASSPHRASE
    from test_app_shell import caseload_ready, text_of, wait_for

    from ahtui.app import AhtuiApp
    from ahtui.screens.caseload import CaseloadList, CaseloadScreen
    from ahtui.store.site import open_site

    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        caseload(site, APP_TODAY)
    monkeypatch.setattr(caseload_module, "AT_ONCE", 0)
    whole_reads: list[bool] = []
    real = caseload_module.caseload

    def counted(*args, **kwargs):
        whole_reads.append(kwargs.get("stale_ok", False))
        return real(*args, **kwargs)

    monkeypatch.setattr("ahtui.screens.caseload.caseload", counted)
    later = APP_TODAY + timedelta(days=9)
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=later)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await wait_for(pilot, lambda: "caseload_current" in app.timings)
        screen = app.screen
        assert isinstance(screen, CaseloadScreen)
        assert screen.stale_draws == 1
        assert whole_reads == []  # a small site: the first load reads it whole, once
        shown = screen.query_one(CaseloadList).shown
        assert not any(r.stale for r in shown)
        assert "updating" not in text_of(app, "#caseload-count")
    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        assert shown == _from_scratch(site, later)


def test_a_big_caseload_is_out_of_the_collectors_passes(demo, monkeypatch) -> None:
    """Rows hold only text, dates and numbers: set aside from the cycle collector (CPython),
    they are the same rows as before, and those worked out later are set aside too."""
    import gc
    import sys

    whole = caseload(demo, TODAY)
    monkeypatch.setattr(collector, "SET_ASIDE_FROM", 1)
    monkeypatch.setattr(caseload_module, "AT_ONCE", 0)
    rows = caseload(demo, TODAY)
    assert rows == whole
    later = TODAY + timedelta(days=9)
    got = caseload_module.brought_up_to_date(demo, caseload(demo, later, stale_ok=True), later)
    assert got == _from_scratch(demo, later)
    if sys.implementation.name == "cpython":
        assert not any(gc.is_tracked(r) for r in rows)
        assert not any(gc.is_tracked(r) for r in got)
