"""The caseload's cache of next due items: fast on a second look, never stale after a write."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ahtui.demo import build_demo
from ahtui.store import actions
from ahtui.store import caseload as caseload_module
from ahtui.store.caseload import caseload

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo(site):
    build_demo(site, people=30, seed=3, today=TODAY)
    return site


def _uncached(site, today):
    """The caseload as computed from scratch, cache emptied first."""
    with site.write() as conn:
        conn.execute("DELETE FROM due_cache")
    return caseload(site, today)


def test_second_caseload_reads_the_cache(demo, monkeypatch) -> None:
    first = caseload(demo, TODAY)
    assert (
        demo.one("SELECT count(*) FROM due_cache WHERE computed_on = ?", (TODAY.isoformat(),))[0]
        == 30
    )

    def fail(*args, **kwargs):
        raise AssertionError("recomputed although the cache was fresh")

    monkeypatch.setattr(caseload_module, "_compute_due", fail)
    assert caseload(demo, TODAY) == first


def test_a_write_clears_that_person_only(demo) -> None:
    rows = caseload(demo, TODAY)
    target = rows[-1]
    actions.add_action(
        demo,
        target.person_id,
        {"step": "Chase the housing referral", "due_on": TODAY - timedelta(days=3)},
    )
    cached = demo.one("SELECT count(*) FROM due_cache")[0]
    assert cached == 29
    after = {r.person_id: r for r in caseload(demo, TODAY)}
    assert after[target.person_id].overdue_count == target.overdue_count + 1
    assert after == {r.person_id: r for r in _uncached(demo, TODAY)}


def test_another_day_is_recomputed(demo) -> None:
    caseload(demo, TODAY)
    later = TODAY + timedelta(days=40)
    assert caseload(demo, later) == _uncached(demo, later)
    assert demo.one("SELECT count(DISTINCT computed_on) FROM due_cache")[0] == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE people SET release_date = '2026-11-01' WHERE id = :pid",
        "INSERT INTO meetings (id, person_id, meeting_type, pathway, scheduled_at, mode, status, held_on)"
        " VALUES ('m-x', :pid, 'planning_1', 'long', '2026-11-02T10:00', 'video', 'held', '2026-11-02')",
        "INSERT INTO consents (id, person_id, agency, event, on_date)"
        " VALUES ('c-x', :pid, 'local_authority', 'declined', '2026-11-01')",
        "INSERT INTO case_notes (id, person_id, contact_type, contact_at, body)"
        " VALUES ('n-x', :pid, 'pa_visit', '2026-11-20T10:00', 'x')",
        "INSERT INTO milestones (id, person_id, kind, on_date)"
        " VALUES ('ms-x', :pid, 'pathway_plan_review', '2026-11-20')",
        "INSERT INTO pathway_history (id, person_id, pathway, from_date) VALUES ('h-x', :pid, 'recall', '2026-11-01')",
    ],
)
def test_every_rule_input_clears_the_cache(demo, sql: str) -> None:
    rows = caseload(demo, TODAY)
    pid = rows[0].person_id
    with demo.write() as conn:
        conn.execute(sql, {"pid": pid})
    assert demo.one("SELECT count(*) FROM due_cache WHERE person_id = ?", (pid,))[0] == 0
    assert caseload(demo, TODAY) == _uncached(demo, TODAY)


def test_rows_are_sorted_by_urgency(demo) -> None:
    rows = caseload(demo, TODAY)
    keys = [(-r.overdue_count, r.next_due_on or date.max, r.name) for r in rows]
    assert keys == sorted(keys)


def _nothing_known_to_hold(site, monkeypatch) -> None:
    """As after the rules changed, with more people to work out than are done at once: every
    row from an earlier day is shown first (a new day otherwise recomputes the few it moves,
    before the first draw: tests/test_caseload_new_day.py)."""
    monkeypatch.setattr(caseload_module, "AT_ONCE", 0)
    with site.write() as conn:
        conn.execute("UPDATE due_cache SET valid_through = NULL, rules_through = NULL")


def test_stale_rows_are_shown_first_then_brought_up_to_date(demo, monkeypatch) -> None:
    caseload(demo, TODAY)
    _nothing_known_to_hold(demo, monkeypatch)
    tomorrow = TODAY + timedelta(days=1)
    stale = caseload(demo, tomorrow, stale_ok=True)
    assert all(r.stale for r in stale)
    assert [(r.person_id, r.overdue_count) for r in stale] == [
        (r.person_id, r.overdue_count) for r in caseload(demo, TODAY)
    ]
    fresh = caseload(demo, tomorrow)
    assert not any(r.stale for r in fresh)
    assert caseload(demo, tomorrow, stale_ok=True) == fresh


def test_stale_read_still_computes_people_never_seen(demo, monkeypatch) -> None:
    caseload(demo, TODAY)
    _nothing_known_to_hold(demo, monkeypatch)
    from ahtui.store import people

    pid = people.create_person(
        demo, {"given_name": "New", "family_name": "Arrival", "pathway": "remand"}
    )
    rows = {r.person_id: r for r in caseload(demo, TODAY + timedelta(days=1), stale_ok=True)}
    assert rows[pid].stale is False
    assert sum(1 for r in rows.values() if r.stale) == 30
