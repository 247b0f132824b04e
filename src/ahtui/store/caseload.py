"""The caseload: every person with pathway, lead, what is next due and how much is overdue.

The lead is the one the rules give for the day (`people.leads_today`: OMiC's responsible role,
or a lead set by hand), worked out with the due items and kept with them in `due_cache`.

Due items come from the pathway rules (meetings, reviews, visits, consent re-offers...) and from
the Team Actions Log (open actions with a due date). Rows are sorted by urgency: most overdue
first, then the soonest due.

A new day recomputes only the people whose row it can change. While a row is worked out, the
rules are given the day as a `WatchedDay`: it answers every comparison as the day itself would
and notes the day on which that answer would turn (`today < x` turns on x), and any other use
of it (arithmetic, its year, hashing) marks the row as good for that day only. The row then
holds, nothing being written, up to the day before the first turn (`valid_through`). The rules
are not restated here, so they cannot disagree; the rows are trusted only while the rules and
bank holidays are the ones that worked them out (`rules_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, cast

from .. import __version__, domain
from ..domain import workdays
from ..domain.enums import DueStatus
from ..domain.schedule import DueItem, compute_schedule
from ..domain.schedule.omic import responsibility
from ..errors import AhtuiError
from .collector import set_aside
from .facts_loader import facts_for, load_facts
from .people import leads_today
from .site import Site


class CaseloadRow(NamedTuple):
    """One person's line. A named tuple: 10,000 of them are built on every unlock."""

    person_id: str
    name: str
    crn: str | None
    nomis_number: str | None
    pathway: str
    lead_name: str | None
    lead_role: str | None
    next_due_title: str | None
    next_due_on: date | None
    next_due_status: str | None
    overdue_count: int
    awaiting_reply: int = 0
    lead_practitioner_id: str | None = None
    # True when the due item is the one worked out on an earlier day, shown while today's
    # figures are computed (see `caseload(stale_ok=True)`).
    stale: bool = False


_OPEN = (DueStatus.UPCOMING, DueStatus.DUE, DueStatus.OVERDUE)


_WINDOW = timedelta(days=14)
_ONE_DAY = timedelta(days=1)
_FOREVER = date.max


def _action_status(due_on: date, today: date) -> DueStatus:
    # Comparisons only, so a `WatchedDay` sees on which days the answer turns.
    if today > due_on:
        return DueStatus.OVERDUE
    if today >= due_on - _WINDOW:
        return DueStatus.DUE
    return DueStatus.UPCOMING


class WatchedDay:
    """A day that notes how the rules use it: the first later day on which any comparison made
    with it would answer otherwise (`turns`), or that it was used otherwise (`daily`).

    Not a `date` subclass on purpose: C code that reads a date's fields directly (pydantic,
    `datetime.combine`) then fails instead of using it unseen, and the caller works the row out
    again with the plain day, good for that day only."""

    __slots__ = ("day", "turns", "daily")

    def __init__(self, day: date) -> None:
        self.day = day
        self.turns = _FOREVER
        self.daily = False

    def _at(self, turn: date) -> None:
        if self.day < turn < self.turns:
            self.turns = turn

    def _other(self, x: Any) -> Any:
        if isinstance(x, WatchedDay):
            self.daily = True
            return x.day
        if type(x) is not date:  # a datetime, or no date at all: answer as the day would
            self.daily = True
        return x

    def _after(self, x: date) -> date:
        return x + _ONE_DAY if x < date.max else x

    # day < x holds up to the day before x; day > x from the day after x.
    def __lt__(self, x: Any) -> bool:
        if x is self:
            return False
        x = self._other(x)
        self._at(x)
        return bool(self.day < x)

    def __ge__(self, x: Any) -> bool:
        if x is self:
            return True
        x = self._other(x)
        self._at(x)
        return bool(self.day >= x)

    def __le__(self, x: Any) -> bool:
        if x is self:
            return True
        x = self._other(x)
        self._at(self._after(x))
        return bool(self.day <= x)

    def __gt__(self, x: Any) -> bool:
        if x is self:
            return False
        x = self._other(x)
        self._at(self._after(x))
        return bool(self.day > x)

    def __eq__(self, x: object) -> bool:
        if x is self:
            return True
        x = self._other(x)
        if isinstance(x, date):
            self._at(x)
            self._at(self._after(x))
        return bool(self.day == x)

    def __ne__(self, x: object) -> bool:
        return not self.__eq__(x)

    def __bool__(self) -> bool:
        return True

    # Anything else moves with every day.
    def _used(self) -> date:
        self.daily = True
        return self.day

    def __hash__(self) -> int:
        return hash(self._used())

    def __add__(self, x: Any) -> Any:
        return self._used() + x

    __radd__ = __add__

    def __sub__(self, x: Any) -> Any:
        return self._used() - (x.day if isinstance(x, WatchedDay) else x)

    def __rsub__(self, x: Any) -> Any:
        return x - self._used()

    def __str__(self) -> str:
        return str(self._used())

    def __repr__(self) -> str:
        return repr(self._used())

    def __format__(self, spec: str) -> str:
        return format(self._used(), spec)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._used(), name)

    def valid_through(self) -> date:
        """The last day the answers given so far hold."""
        if self.daily:
            return self.day
        return self.turns - _ONE_DAY if self.turns < _FOREVER else _FOREVER


@cache
def _rules_source() -> str:
    """A digest of the rules' code: rows worked out by other rules are not trusted."""
    # The version too, for an install that ships no sources.
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(domain.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def rules_fingerprint() -> str:
    """The rules and the bank holidays in force: a row's `valid_through` holds only under the
    ones that worked it out."""
    # The site's own bank holidays are added at open (`workdays.add_bank_holidays`).
    extra = sorted(getattr(workdays, "_extra", ()))
    holidays = f"{workdays.holidays_known_through()}:{','.join(d.isoformat() for d in extra)}"
    return hashlib.sha256(f"{_rules_source()}|{holidays}".encode()).hexdigest()[:32]


FINGERPRINT_KEY = "due_cache_rules"


# People worked out together: reading by IN list, and few enough that their facts take little
# memory (and `leads_today` reads only their team members).
_BATCH = 500
# Up to this many people whose row a new day changes are recomputed before the first draw
# (about a third of a second); more, and yesterday's rows are drawn first.
AT_ONCE = 1000

# Everyone's row in one statement, already in urgency order: most overdue first, then the
# soonest due (none last), then by name, then as recorded. The columns are CaseloadRow's up
# to the due item, then: whether it holds today (1; 2: its rules' part does, the actions' must
# be counted again; 0: worked out for an earlier day; NULL: never; ?2 is today, or past every
# date when the rules changed), the lead's practitioner id, the order recorded.
# The lead's name and emails awaiting a reply are looked up apart: cheaper than 10,000 joins.
# The lead is the one the rules gave on the day the row was worked out (the stored one until
# then), so it follows the handover.
_ROWS_SQL = """
SELECT p.id,
       p.family_name || ', ' || coalesce(nullif(p.preferred_name, ''), p.given_name) AS name,
       p.crn, p.nomis_number, p.pathway,
       CASE WHEN d.person_id IS NULL THEN p.lead_role ELSE d.lead_role END,
       d.next_due_title, d.next_due_on, d.next_due_status,
       coalesce(d.overdue_count, 0) AS overdue,
       CASE WHEN d.person_id IS NULL THEN NULL
            WHEN d.computed_on = ?1 OR (d.computed_on < ?1 AND d.valid_through >= ?2) THEN 1
            WHEN d.computed_on < ?1 AND d.rules_through >= ?2 THEN 2
            ELSE 0 END,
       CASE WHEN d.person_id IS NULL THEN p.lead_practitioner_id ELSE d.lead_practitioner_id END,
       p.rowid
FROM people p
LEFT JOIN due_cache d ON d.person_id = p.id
WHERE p.deleted_at IS NULL
ORDER BY overdue DESC, d.next_due_on IS NULL, d.next_due_on, name, p.rowid
"""
# One line per email awaiting a reply, counted in Python: a plain scan of the table is
# quicker than grouping along the index, which reads the rows in a random order.
_AWAITING_SQL = (
    "SELECT person_id FROM emails WHERE sent_on IS NOT NULL AND reply_on IS NULL "
    "AND deleted_at IS NULL"
)
# Every practitioner's name (a few thousand at most): cheaper than picking out the leads.
_LEADS_SQL = "SELECT id, name FROM practitioners"


def caseload(site: Site, today: date | None = None, *, stale_ok: bool = False) -> list[CaseloadRow]:
    """Everyone's caseload row for `today`, most urgent first.

    Each person's next due item and overdue count come from `due_cache` when it was computed
    for today and nothing about the person changed since (triggers clear a person's row on
    every relevant write); the rest are computed from the rules and cached.

    A row holds on later days up to its `valid_through` (see the module's docstring), so a new
    day recomputes only the people whose row it can change. With `stale_ok`, when more than
    `AT_ONCE` of them would be, their rows from the earlier day are returned as they are
    (marked `stale`), so the first caseload of a day can be drawn at once and brought up to
    date straight after. People with no cached row at all are still computed.
    """
    today = today or date.today()
    day = today.isoformat()
    trusted = _fingerprint_held(site)
    found = site.tuples(_ROWS_SQL, (day, day if trusted else "~"))
    # r[10]: 1 holds today, 2 only its actions' part is to count again, 0 worked out for an
    # earlier day, None never.
    missing = [r[0] for r in found if r[10] is None]
    earlier = [r[0] for r in found if r[10] == 0]
    recount = [r[0] for r in found if r[10] == 2]
    every_day = not stale_ok or len(earlier) <= AT_ONCE
    if every_day:
        missing += earlier
    fresh: dict[str, _Due] = {}
    if missing:
        fresh = _compute_due(site, today, missing)
    if recount:
        fresh.update(_recount_actions(site, today, recount))
    if fresh:
        # Rows of other days go only once none is left to show.
        _store_due(site, today, fresh, prune=every_day)
    leads = dict(site.tuples(_LEADS_SQL))
    rows = _make_rows(site, found, leads, everyone=True, fresh=fresh)
    if fresh:
        # The recomputed people take their new place, in the query's order (the order recorded
        # last), whatever their rows were before.
        recorded = {r[0]: r[12] for r in found}
        del found
        rows.sort(
            key=lambda r: (
                -r.overdue_count,
                r.next_due_on or date.max,
                r.name,
                recorded[r.person_id],
            )
        )
    return rows


def brought_up_to_date(
    site: Site, rows: list[CaseloadRow], today: date | None = None
) -> list[CaseloadRow]:
    """A whole caseload from `caseload(stale_ok=True)` with its stale rows worked out for
    `today`, most urgent first: the other rows are taken as they are, not read again (at
    50,000 people a whole read is over half a second)."""
    today = today or date.today()
    stale = [r.person_id for r in rows if r.stale]
    if not stale:
        return list(rows)
    fresh = _compute_due(site, today, stale)
    _store_due(site, today, fresh)
    leads = dict(
        site.tuples(
            "SELECT id, name FROM practitioners WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted({d[6] for d in fresh.values() if d[6]})),),
        )
    )
    made: list[CaseloadRow] = []
    out = []
    for r in rows:
        due = fresh.get(r.person_id) if r.stale else None
        if due is not None:
            title, on, status, overdue, _, role, lead = due[:7]
            r = r._replace(
                lead_name=leads.get(lead) if lead else None,
                lead_role=role,
                next_due_title=title,
                next_due_on=on,
                next_due_status=status,
                overdue_count=overdue,
                lead_practitioner_id=lead,
                stale=False,
            )
            made.append(r)
        out.append(r)
    # In `_ROWS_SQL`'s order; the order recorded breaks ties only between people of one name.
    names = Counter(r.name for r in out)
    twins = [r.person_id for r in out if names[r.name] > 1]
    recorded: dict[str, int] = {}
    if twins:
        recorded = dict(
            site.tuples(
                "SELECT id, rowid FROM people WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(twins),),
            )
        )
    out.sort(
        key=lambda r: (
            -r.overdue_count,
            r.next_due_on or date.max,
            r.name,
            recorded.get(r.person_id, 0),
        )
    )
    set_aside(made, every=True)
    return out


class FirstPage(list[CaseloadRow]):
    """The most urgent rows of a big caseload as last worked out, to draw while the whole of it
    is read (`first_page`); `total` says how many people the caseload has."""

    total: int = 0


# Above this many people, the first draw shows a page of rows while the rest are read.
PAGE_ABOVE = 5000
PAGE = 200


# The same rows and order as `_ROWS_SQL`, for the people the cache holds, read along the
# cache's urgency index (migration 0021): only the most overdue are sorted by name, a group of
# one overdue count at a time, until the page is full. (Named, as the planner would otherwise
# sort everyone rather than read the index in order.)
_PAGE_SQL = """
SELECT p.id,
       p.family_name || ', ' || coalesce(nullif(p.preferred_name, ''), p.given_name) AS name,
       p.crn, p.nomis_number, p.pathway, d.lead_role,
       d.next_due_title, d.next_due_on, d.next_due_status, d.overdue_count,
       CASE WHEN d.computed_on = ?1 OR (d.computed_on < ?1 AND d.valid_through >= ?2) THEN 1
            WHEN d.computed_on < ?1 AND d.rules_through >= ?2 THEN 2
            ELSE 0 END,
       d.lead_practitioner_id, p.rowid
FROM due_cache d INDEXED BY due_cache_urgency
CROSS JOIN people p ON p.id = d.person_id
WHERE p.deleted_at IS NULL
ORDER BY d.overdue_count DESC, d.next_due_on IS NULL, d.next_due_on, name, p.rowid
LIMIT ?3
"""
# Everyone not deleted, counted along two small indexes rather than the people table.
_COUNT_SQL = (
    "SELECT (SELECT count(*) FROM people) - "
    "(SELECT count(*) FROM people WHERE deleted_at IS NOT NULL)"
)


def first_page(site: Site, today: date | None = None) -> list[CaseloadRow]:
    """What the first draw of the caseload shows: on a big site, the `PAGE` most urgent rows
    as the cache holds them (a `FirstPage`, rows not known to hold today marked `stale`), read
    in a fraction of the time the whole caseload takes; else `caseload(stale_ok=True)`."""
    total = site.one(_COUNT_SQL)[0]
    if total <= PAGE_ABOVE:
        return caseload(site, today, stale_ok=True)
    day = (today or date.today()).isoformat()
    trusted = _fingerprint_held(site)
    params = (day, day if trusted else "~", PAGE)
    found = site.tuples(_PAGE_SQL, params)
    # People the cache does not hold come last in the whole order (nothing due, none overdue),
    # among those with nothing due: only when the page reaches them is it read in full.
    if len(found) < PAGE or (not found[-1][9] and found[-1][7] is None):
        found = site.tuples(_ROWS_SQL + " LIMIT ?3", params)
    leads = dict(
        site.tuples(
            "SELECT id, name FROM practitioners WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted({r[11] for r in found if r[11]})),),
        )
    )
    page = FirstPage(_make_rows(site, found, leads, everyone=False))
    page.total = int(total)
    return page


def _make_rows(
    site: Site,
    found: list[tuple[Any, ...]],
    leads: dict[str, str],
    *,
    everyone: bool,
    fresh: dict[str, _Due] | None = None,
) -> list[CaseloadRow]:
    """Caseload rows from the rows of `_ROWS_SQL`, as cached (stale: not known to hold today;
    in a whole caseload, those never computed have been) or as `fresh` worked them out."""
    if everyone:
        awaiting = Counter(r[0] for r in site.tuples(_AWAITING_SQL))
    else:
        awaiting = Counter(
            r[0]
            for r in site.tuples(
                f"{_AWAITING_SQL} AND person_id IN (SELECT value FROM json_each(?))",
                (json.dumps([r[0] for r in found]),),
            )
        )
    fresh = fresh or {}
    make = tuple.__new__
    # Many people share a due date, a title, a pathway, a lead: each is held once (50,000
    # rows of separate copies are tens of megabytes).
    days: dict[str, date] = {}
    shared: dict[Any, Any] = {}
    one = shared.setdefault
    rows = []
    for r in found:
        due = fresh.get(r[0])
        if due is None:
            title, on, status, overdue = r[6], r[7], r[8], r[9]
            role, lead, stale = r[5], r[11], (r[10] == 0 if everyone else r[10] != 1)
            day = (days.get(on) or days.setdefault(on, date.fromisoformat(on))) if on else None
        else:
            title, day, status, overdue, _, role, lead = due[:7]
            stale = False
        rows.append(
            make(
                CaseloadRow,
                (
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    one(r[4], r[4]),
                    leads.get(lead),
                    one(role, role),
                    one(title, title),
                    day,
                    one(status, status),
                    overdue,
                    awaiting.get(r[0], 0),
                    one(lead, lead),
                    stale,
                ),
            )
        )
    set_aside(rows)
    return rows


# What the rules alone give one person: the next due item (title, due on, status), how many
# are overdue, the lead's role and practitioner id, and the last day all that holds.
_Rules = tuple[str | None, date | None, DueStatus | None, int, str | None, str | None, date]
# title, due on, status, overdue count, worked out on an earlier day, lead role, lead's id,
# the last day it holds, and the rules' own part
_Due = tuple[str | None, date | None, str | None, int, bool, str | None, str | None, date, _Rules]


def _compute_due(site: Site, today: date, person_ids: list[str] | None) -> dict[str, _Due]:
    """Next due item and overdue count from the rules and the Team Actions Log, and the last
    day they hold (for these people, everyone when None)."""
    if person_ids is None:
        person_ids = [r[0] for r in site.tuples("SELECT id FROM people WHERE deleted_at IS NULL")]
    out: dict[str, _Due] = {}
    # A batch at a time, so that 50,000 people's facts are never all held at once.
    for start in range(0, len(person_ids), _BATCH):
        rules = _rules_batch(site, today, person_ids[start : start + _BATCH])
        actions = _actions_due(site, today, list(rules))
        out.update((pid, _combine(r, actions.get(pid), today)) for pid, r in rules.items())
    return out


def _recount_actions(site: Site, today: date, person_ids: list[str]) -> dict[str, _Due]:
    """For people whose rules' part of the cached row still holds: the actions counted again."""
    rules: dict[str, _Rules] = {}
    for pid, title, due_on, status, overdue, role, lead, through in site.tuples(
        "SELECT person_id, rules_title, rules_due_on, rules_status, rules_overdue, lead_role, "
        "lead_practitioner_id, rules_through FROM due_cache "
        "WHERE person_id IN (SELECT value FROM json_each(?))",
        (json.dumps(person_ids),),
    ):
        rules[pid] = (
            title,
            _on(due_on) if due_on else None,
            DueStatus(status) if status else None,
            int(overdue),
            role,
            lead,
            _on(through),
        )
    actions = _actions_due(site, today, list(rules))
    return {pid: _combine(r, actions.get(pid), today) for pid, r in rules.items()}


def _rules_batch(site: Site, today: date, person_ids: list[str]) -> dict[str, _Rules]:
    facts = load_facts(site, person_ids)
    person_rows = site.query(
        "SELECT id, lead_practitioner_id, lead_role, lead_override_reason FROM people "
        "WHERE deleted_at IS NULL AND id IN (SELECT value FROM json_each(?))",
        (json.dumps(person_ids),),
    )
    leads = leads_today(site, facts, today, person_rows)
    overridden = {p["id"] for p in person_rows if p["lead_override_reason"]}
    out: dict[str, _Rules] = {}
    for pid, person_facts in facts.items():
        watched = WatchedDay(today)
        try:
            items = compute_schedule(person_facts, cast(date, watched))
            if pid not in overridden:
                # The lead the rules give (`leads_today`) moves with the day through this alone.
                responsibility(person_facts, cast(date, watched))
        except Exception:
            # Something the watched day cannot stand in for: worked out for today only.
            watched.daily = True
            items = compute_schedule(person_facts, today)
        lead = leads.get(pid)
        open_items = [i for i in items if i.status in _OPEN and i.due_on]
        best: DueItem | None = None
        for i in open_items:
            if i.due_on is not None and (best is None or i.due_on < cast(date, best.due_on)):
                best = i
        out[pid] = (
            best.title if best else None,
            best.due_on if best else None,
            best.status if best else None,
            sum(1 for i in open_items if i.status is DueStatus.OVERDUE),
            lead.role.value if lead and lead.role else None,
            lead.practitioner_id if lead else None,
            watched.valid_through(),
        )
    return out


def _actions_due(site: Site, today: date, person_ids: list[str] | None) -> dict[str, Any]:
    """Per person: the earliest open action, how many open actions are overdue, and the first
    that is not overdue yet (the day after it, one more is)."""
    where = ""
    params: tuple[str, ...] = ()
    if person_ids is not None:
        if not person_ids:
            return {}
        where = "AND person_id IN (SELECT value FROM json_each(?))"
        params = (json.dumps(person_ids),)
    day = today.isoformat()
    return {
        r["person_id"]: r
        for r in site.query(
            "SELECT person_id, min(due_on) AS first_due, sum(due_on < ?) AS overdue, "
            "min(CASE WHEN due_on >= ? THEN due_on END) AS next_overdue, "
            "(SELECT step FROM actions b WHERE b.person_id = a.person_id AND b.completed_on IS NULL "
            " AND b.deleted_at IS NULL AND b.due_on IS NOT NULL ORDER BY b.due_on LIMIT 1) AS step "
            "FROM actions a WHERE completed_on IS NULL AND deleted_at IS NULL AND due_on IS NOT NULL "
            f"{where} GROUP BY person_id",
            (day, day, *params),
        )
    }


def _combine(rules: _Rules, act: Any, today: date) -> _Due:
    """One person's row from the rules' part and their open actions, and the last day it holds."""
    title, due_on, status, overdue, role, lead, rules_through = rules
    watched = WatchedDay(today)
    if act is not None:
        overdue += int(act["overdue"] or 0)
        if act["next_overdue"]:
            watched._at(_on(act["next_overdue"]) + _ONE_DAY)
        first = _on(act["first_due"])
        if due_on is None or first < due_on:
            title, due_on = f"Action: {act['step']}", first
            status = _action_status(first, cast(date, watched))
    through = min(rules_through, watched.valid_through())
    return (
        title,
        due_on,
        status.value if status else None,
        overdue,
        False,
        role,
        lead,
        through,
        rules,
    )


def _on(text: str) -> date:
    return date.fromisoformat(text[:10])


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _fingerprint_held(site: Site) -> bool:
    """Whether the cached rows' `valid_through` were worked out by the rules now in force."""
    row = site.one("SELECT value FROM site_meta WHERE key = ?", (FINGERPRINT_KEY,))
    return row is not None and row[0] == rules_fingerprint()


def _store_due(site: Site, today: date, due: dict[str, _Due], *, prune: bool = True) -> None:
    """Keep what was computed; a busy site only means the next caseload computes it again.

    Rows that still hold today are moved to today, so the cache is always of one day once
    pruned; under rules other than those that worked them out, none is kept past its day."""
    day = today.isoformat()
    fingerprint = rules_fingerprint()
    try:
        with site.write() as conn:
            held = conn.execute(
                "SELECT value FROM site_meta WHERE key = ?", (FINGERPRINT_KEY,)
            ).fetchone()
            if held is None or held[0] != fingerprint:
                conn.execute("UPDATE due_cache SET valid_through = NULL, rules_through = NULL")
                conn.execute(
                    "INSERT INTO site_meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (FINGERPRINT_KEY, fingerprint),
                )
            conn.execute(
                "UPDATE due_cache SET computed_on = ?1 WHERE computed_on < ?1 "
                "AND valid_through >= ?1",
                (day,),
            )
            if prune:
                conn.execute("DELETE FROM due_cache WHERE computed_on <> ?", (day,))
            conn.executemany(
                "INSERT OR REPLACE INTO due_cache (person_id, computed_on, next_due_title, "
                "next_due_on, next_due_status, overdue_count, lead_role, lead_practitioner_id, "
                "valid_through, rules_title, rules_due_on, rules_status, rules_overdue, "
                "rules_through) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                # One row at a time: 50,000 rows listed first were tens of megabytes more.
                (
                    (
                        pid,
                        day,
                        t,
                        _iso(d),
                        st,
                        n,
                        role,
                        lead,
                        v.isoformat(),
                        r[0],
                        _iso(r[1]),
                        r[2].value if r[2] else None,
                        r[3],
                        r[6].isoformat(),
                    )
                    for pid, (t, d, st, n, _, role, lead, v, r) in due.items()
                ),
            )
    except AhtuiError:
        pass


def schedule_for(site: Site, person_id: str, today: date | None = None) -> list[DueItem]:
    """Everything due for one person, with the rule and inputs behind each date."""
    return compute_schedule(facts_for(site, person_id), today or date.today())
