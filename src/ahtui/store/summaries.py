"""Summaries for the supervisors' queries, kept at write time (tables: migrations 0015, 0020, 0022).

What the supervisors' queries read that does not depend on today is worked out once per person
and stored: their site key and ethnicity, each meeting timescale they are owed (due date, when
held), their latest consent step per agency and any re-offer owed, and their actions counted
per practitioner and due date. Small tables of totals (`TOTALS`) are kept from those rows by
adding each refreshed person's new part and taking away their old one, so the queries read a
few rows per day and compare them with today. Only live people are summarised.

Writes mark people stale (`summary_stale`, filled by triggers for local writes and by `mark`
for a sync import); `refresh` runs before every outermost commit (`Site._write`) and recomputes
the stale people, so summaries are committed with the data they summarise.

The meeting timescales are not restated here: each stale person's facts are loaded
(`facts_loader`) and the rules of `ahtui.domain.schedule` themselves give every due date and
the day it was held (`MEETING_TIMESCALES`), so the supervisors count what a practitioner sees
and the two cannot disagree. Only OMiC's handover for an indeterminate sentence moves with the
day alone (the tariff expiry date passing); the first refresh of each day (the day is kept in
`site_meta`) recomputes those people, so a served site is right from its first write of the day
(a practitioner's save, a sync import) and from `ahtui serve` starting (`keep`).

Only a site that is served keeps them (`keep`, called by `ahtui serve` on each file): keeping
them costs a write a few milliseconds and a sync import of 50,000 people over half a second,
which a practitioners' site that no supervisor reads should not pay. Until then the tables stay
empty, no trigger exists and `mark` does nothing. Once kept, always kept: the flag is in the
file, so every process writing to it keeps them, whichever started first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain import schedule
from ..domain.facts import CaseFacts
from ..domain.schedule import DueItem
from .facts_loader import load_facts

_STALE = "(SELECT person_id FROM summary_stale)"

# A person's site as the queries group it: their lead practitioner's site, if the lead is live.
_SITE_ID = """coalesce((SELECT pr.site_id FROM practitioners pr
                  WHERE pr.id = p.lead_practitioner_id AND pr.deleted_at IS NULL), '')"""
_ETHNICITY = "coalesce(nullif(trim(p.ethnicity), ''), 'Not recorded')"

# The meeting timescales the supervisors count, as the rules work them out: each rule's dated
# item (due date, and the day it was held) is what a practitioner sees for the person.
MEETING_TIMESCALES: tuple[Callable[[CaseFacts, date], DueItem | list[DueItem] | None], ...] = (
    schedule.meeting1_within_10_weeks_of_sentence,
    schedule.meeting1_within_10_working_days_of_recall,
    schedule.handover_meeting_by_handover_start,
    schedule.review_every_3_years_life_sentence,
    schedule.review_every_2_years_long_sentence,
    schedule.review_10_months_before_release_long_sentence,
    schedule.review_at_least_once_short_sentence_or_recall,
    schedule.final_review_1_month_before_pa_support_ends,
    schedule.final_review_1_month_before_licence_ends,
)
# What the meeting timescales never look at, so not read (tests/test_caseload_new_day.py checks
# that leaving it out changes none of their answers).
UNREAD = frozenset({"consents", "contacts", "milestones", "networks"})
# The repeating reviews: never "done", so left out of the one-off timescales' totals.
REPEATING_RULES = ("review_every_2_years_long_sentence", "review_every_3_years_life_sentence")

# The people whose timescales can move with the day alone, nothing recorded: OMiC counts an
# indeterminate sentence's handover from the tariff expiry date while it is ahead, else the
# target hearing date, else the nearer of the two, and a parole refusal counts only while the
# next hearing is a year away. Recomputed on the first refresh of each day (`DAY`).
_DAY_DEPENDENT = (
    "SELECT id FROM people WHERE deleted_at IS NULL AND sentence_type IN ('life', 'ipp')"
)
DAY = "summaries_day"
# Above this many stale people, reading every table whole beats an IN list (as the caseload).
_BULK = 2000
# The rules' input is read for at most this many people at a time (about 9 KB each while
# held): an 84,000-person hub's first build read whole held 750 MB of it, which the server
# and an importer keeping the summaries would hold beside their page caches. A site of up to
# this many people is still read whole when enough of it is stale; a larger one is read by
# IN lists of this many. That costs a served site's first import of 50,000 new people about
# 5%, and spares a day's refresh of a few thousand people on a large hub from reading all
# the others (14 s and 821 MB became 5.5 s and 214 MB on the 84,000-person hub).
FACTS_CHUNK = 10_000


class _Reader:
    """The facts loader's view of a connection in the middle of a write."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def query(self, sql: str, params: Any = ()) -> list[Any]:
        return list(self.conn.execute(sql, params).fetchall())


def _insert_items(conn: Any, today: date, live: int) -> None:
    """Each stale live person's meeting timescales, from the rules for `today` (`live`: how
    many live people the site holds)."""
    who = conn.execute(
        "SELECT sp.person_id, sp.site_id, sp.ethnicity FROM summary_people sp "
        f"WHERE sp.person_id IN {_STALE}"
    ).fetchall()
    if not who:
        return
    whole = len(who) > _BULK and live <= FACTS_CHUNK
    for at in range(0, len(who), FACTS_CHUNK):
        part = who[at : at + FACTS_CHUNK]
        ids = None if whole else [r[0] for r in part]
        facts = load_facts(_Reader(conn), ids, leave_out=UNREAD)
        found = []
        for pid, site_id, ethnicity in part:
            f = facts.get(pid)
            if f is None:
                continue
            for rule in MEETING_TIMESCALES:
                got = rule(f, today)
                for item in got if isinstance(got, list) else (got,):
                    if item is None or item.due_on is None:
                        continue  # not owed, or owed with no date yet: nothing to count by day
                    done = item.done_on.isoformat() if item.done_on else None
                    found.append(
                        (pid, item.rule, item.due_on.isoformat(), done, site_id, ethnicity)
                    )
        del facts
        conn.executemany(
            "INSERT INTO summary_items (person_id, rule, due_on, done_on, site_id, ethnicity) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            found,
        )


_PEOPLE_SQL = f"""INSERT INTO summary_people (person_id, site_id, ethnicity)
SELECT p.id, {_SITE_ID}, {_ETHNICITY} FROM people p
WHERE p.id IN {_STALE} AND p.deleted_at IS NULL"""

# Events are ordered by date, then by when they were recorded, then by rowid: `k` is that order.
_CONSENTS_SQL = f"""INSERT INTO summary_consents
  (person_id, agency, event, declined_on, reoffer_due_on, site_id)
WITH consent_keyed AS MATERIALIZED (
  SELECT rowid AS rid, person_id, agency, event,
         on_date || created_at || (1000000000000 + rowid) AS k
  FROM consents WHERE deleted_at IS NULL AND person_id IN {_STALE}
),
latest AS (
  SELECT person_id, agency, event, max(k) AS k FROM consent_keyed GROUP BY person_id, agency
),
last_declined AS (
  SELECT d.person_id, d.agency, d.k, c.on_date AS declined_on, c.reoffer_on
  FROM (SELECT person_id, agency, max(k) AS k, rid FROM consent_keyed
        WHERE event = 'declined' GROUP BY person_id, agency) d
  JOIN consents c ON c.rowid = d.rid
),
reoffer AS (
  SELECT d.person_id, d.agency, d.declined_on,
         coalesce(d.reoffer_on, date(d.declined_on, '+3 months', 'floor')) AS reoffer_due_on
  FROM last_declined d
  WHERE NOT EXISTS (SELECT 1 FROM consent_keyed o WHERE o.person_id = d.person_id
                    AND o.agency = d.agency AND o.k > d.k AND o.event IN ('offered', 'given'))
)
SELECT l.person_id, l.agency, l.event, r.declined_on, r.reoffer_due_on, sp.site_id
FROM latest l
JOIN summary_people sp ON sp.person_id = l.person_id
LEFT JOIN reoffer r ON r.person_id = l.person_id AND r.agency = l.agency"""

_ON_TIME = "a.completed_on IS NOT NULL AND a.due_on >= substr(a.completed_on, 1, 10)"
# The responsible practitioner's site, as a person's (`_SITE_ID`): their live site id, or ''.
_ACTIONS_SQL = f"""INSERT INTO summary_person_actions
  (person_id, rp, due_on, n_all, n_on_time, n_open, rp_site_id)
SELECT a.person_id, coalesce(a.responsible_practitioner_id, ''), a.due_on,
       count(*), sum({_ON_TIME}), sum(a.completed_on IS NULL),
       coalesce((SELECT pr.site_id FROM practitioners pr
                 WHERE pr.id = a.responsible_practitioner_id AND pr.deleted_at IS NULL), '')
FROM actions a {{how}}
WHERE a.person_id IN (SELECT person_id FROM summary_people WHERE person_id IN {_STALE})
  AND a.deleted_at IS NULL AND a.due_on IS NOT NULL
GROUP BY a.person_id, a.responsible_practitioner_id, a.due_on"""
# With many people stale (a first build, a national hub's first bundles), every action is read
# in the file's order and each looked up among the stale, rather than each stale person's
# found through an index and then read from a page of their own: on an 84,000-person hub's
# first build, 10.5 s by the index, 4.7 s whole.
_ACTIONS_BY_PERSON = _ACTIONS_SQL.format(how="")
_ACTIONS_WHOLE = _ACTIONS_SQL.format(how="NOT INDEXED")
# From this share of the live people stale, the actions are read whole.
WHOLE_FROM = 0.1


@dataclass(frozen=True)
class Total:
    """A table of totals kept from per-person rows: its key, what it sums, and from where
    (`source` names the stale people's rows as `d`, joined with whatever the key needs)."""

    table: str
    key: dict[str, str]  # column -> expression over the source
    sums: dict[str, str]  # column -> expression summed over the source
    source: str
    empty: str  # the condition under which a total row holds nothing
    where: str = "1"  # which source rows count


_STALE_OF = "summary_stale s CROSS JOIN {t} d ON d.person_id = s.person_id"
# The day a timescale fell due; '' when the rules could not date it (the queries map it back).
_ITEM_DUE = "coalesce(d.due_on, '')"

# The stale people's live actions, each beside the person's site and ethnicity.
_ACTIONS_OF_PEOPLE = (
    _STALE_OF.format(t="summary_person_actions")
    + " CROSS JOIN summary_people sp ON sp.person_id = s.person_id"
)

TOTALS: tuple[Total, ...] = (
    # Live actions by the person's site and ethnicity and due date (scorecard, equality).
    Total(
        "summary_action_days",
        {"site_id": "sp.site_id", "ethnicity": "sp.ethnicity", "due_on": "d.due_on"},
        {"n_all": "d.n_all", "n_on_time": "d.n_on_time"},
        _ACTIONS_OF_PEOPLE,
        "n_all = 0",
    ),
    # The same by month (migration 0022): equality monitoring reads its whole months here.
    Total(
        "summary_action_months",
        {"month": "substr(d.due_on, 1, 7)", "site_id": "sp.site_id", "ethnicity": "sp.ethnicity"},
        {"n_all": "d.n_all", "n_on_time": "d.n_on_time"},
        _ACTIONS_OF_PEOPLE,
        "n_all = 0",
    ),
    # Live actions by the responsible practitioner's site and due date (scorecard).
    Total(
        "summary_rp_action_days",
        {"due_on": "d.due_on", "site_id": "d.rp_site_id"},
        {"n_all": "d.n_all", "n_on_time": "d.n_on_time"},
        _STALE_OF.format(t="summary_person_actions"),
        "n_all = 0",
    ),
    # Open actions by responsible practitioner and due date, and how many people's oldest
    # open action for that practitioner falls due that day (overdue actions).
    Total(
        "summary_open_days",
        {"rp": "d.rp", "due_on": "d.due_on"},
        {
            "n_open": "d.n_open",
            "n_first": "d.due_on = (SELECT min(e.due_on) "
            "FROM summary_person_actions e "
            "WHERE e.person_id = d.person_id AND e.rp = d.rp AND e.n_open > 0)",
        },
        _STALE_OF.format(t="summary_person_actions"),
        "n_open = 0",
        "d.n_open > 0",
    ),
    # Meeting timescales by site, rule and due date: all, held on time, held late.
    Total(
        "summary_item_days",
        {"site_id": "d.site_id", "rule": "d.rule", "due_on": _ITEM_DUE},
        {
            "n_all": "1",
            "n_on_time": "d.done_on IS NOT NULL AND d.done_on <= d.due_on",
            "n_late": "d.done_on IS NOT NULL AND NOT coalesce(d.done_on <= d.due_on, 0)",
        },
        _STALE_OF.format(t="summary_items"),
        "n_all = 0",
    ),
    # The one-off timescales (not the repeating reviews) by due date, site and ethnicity.
    Total(
        "summary_item_groups",
        {"due_on": _ITEM_DUE, "site_id": "d.site_id", "ethnicity": "d.ethnicity"},
        {"n_all": "1", "n_on_time": "d.done_on IS NOT NULL AND d.done_on <= d.due_on"},
        _STALE_OF.format(t="summary_items"),
        "n_all = 0",
        f"d.rule NOT IN ({', '.join(repr(r) for r in REPEATING_RULES)})",
    ),
    # The same by month due ('' when undated), for equality monitoring's whole months.
    Total(
        "summary_item_group_months",
        {"month": f"substr({_ITEM_DUE}, 1, 7)", "site_id": "d.site_id", "ethnicity": "d.ethnicity"},
        {"n_all": "1", "n_on_time": "d.done_on IS NOT NULL AND d.done_on <= d.due_on"},
        _STALE_OF.format(t="summary_items"),
        "n_all = 0",
        f"d.rule NOT IN ({', '.join(repr(r) for r in REPEATING_RULES)})",
    ),
    # Live people by site and ethnicity.
    Total(
        "summary_people_counts",
        {"site_id": "d.site_id", "ethnicity": "d.ethnicity"},
        {"n": "1"},
        _STALE_OF.format(t="summary_people"),
        "n = 0",
    ),
    # Latest consent steps by site, agency and step.
    Total(
        "summary_consent_counts",
        {"site_id": "d.site_id", "agency": "d.agency", "event": "d.event"},
        {"n": "1"},
        _STALE_OF.format(t="summary_consents"),
        "n = 0",
    ),
)


def _delta(t: Total, sign: str) -> str:
    """Add (sign '') or take away (sign '-') the stale people's part of a table of totals."""
    cols = [*t.key, *t.sums]
    exprs = [*t.key.values(), *(f"{sign}sum({e})" for e in t.sums.values())]
    keys = ", ".join(t.key)
    return (
        f"INSERT INTO {t.table} ({', '.join(cols)})\n"
        f"SELECT {', '.join(exprs)}\nFROM {t.source}\nWHERE {t.where}\n"
        f"GROUP BY {', '.join(t.key.values())}\n"
        f"ON CONFLICT ({keys}) DO UPDATE SET "
        + ", ".join(f"{c} = {c} + excluded.{c}" for c in t.sums)
    )


def _emptied(t: Total) -> str:
    """Totals that fell to nothing, among those the stale people counted in (found before
    their rows go), so a refresh never scans a whole table."""
    return (
        f"DELETE FROM {t.table} WHERE {t.empty} AND ({', '.join(t.key)}) IN "
        f"(SELECT {', '.join(t.key.values())} FROM {t.source})"
    )


_PER_PERSON = ("summary_items", "summary_consents", "summary_person_actions", "summary_people")

# Before the timescales (worked out in Python, `_insert_items`), then after (with the
# consents and actions first).
_REFRESH_BEFORE: tuple[str, ...] = (
    *(_delta(t, "-") for t in TOTALS),
    *(_emptied(t) for t in TOTALS),
    *(f"DELETE FROM {t} WHERE person_id IN {_STALE}" for t in _PER_PERSON),
    _PEOPLE_SQL,
)
_REFRESH_AFTER: tuple[str, ...] = (
    *(_delta(t, "") for t in TOTALS),
    "DELETE FROM summary_stale",
)


KEPT = "summaries_kept"

# Writes to what the summaries read mark the person stale. Only writes made here
# (sync_local()): the importer marks the people of a bundle in one statement instead.
_SOURCES = {
    "people": "id",
    "meetings": "person_id",
    "pathway_history": "person_id",
    "consents": "person_id",
    "actions": "person_id",
}
# The people a practitioner's site counts: those they lead, those they hold actions for.
_MOVED = (
    "SELECT id FROM people WHERE lead_practitioner_id IN ({ids}) UNION "
    "SELECT person_id FROM actions WHERE responsible_practitioner_id IN ({ids}) "
    "AND person_id IS NOT NULL"
)
_TRIGGERS: tuple[str, ...] = (
    *(
        f"CREATE TRIGGER IF NOT EXISTS summary_{table}_{event.lower()} AFTER {event} ON {table} "
        f"WHEN sync_local() BEGIN INSERT OR IGNORE INTO summary_stale VALUES {rows}; END"
        for table, col in _SOURCES.items()
        for event, rows in (
            ("INSERT", f"(NEW.{col})"),
            ("UPDATE", f"(NEW.{col}), (OLD.{col})"),
            ("DELETE", f"(OLD.{col})"),
        )
    ),
    # A practitioner joining, leaving or moving site moves the people they lead and the
    # actions they are responsible for (rare; look-ups in people_lead and actions_responsible).
    # Also while a bundle is applied, which names only the people whose own rows it carries.
    "CREATE TRIGGER IF NOT EXISTS summary_practitioners_insert AFTER INSERT ON practitioners "
    f"BEGIN INSERT OR IGNORE INTO summary_stale {_MOVED.format(ids='NEW.id')}; END",
    "CREATE TRIGGER IF NOT EXISTS summary_practitioners_update "
    "AFTER UPDATE OF site_id, deleted_at, id ON practitioners "
    f"BEGIN INSERT OR IGNORE INTO summary_stale {_MOVED.format(ids='NEW.id, OLD.id')}; END",
    "CREATE TRIGGER IF NOT EXISTS summary_practitioners_delete AFTER DELETE ON practitioners "
    f"BEGIN INSERT OR IGNORE INTO summary_stale {_MOVED.format(ids='OLD.id')}; END",
)


def kept(conn: Any) -> bool:
    """Whether this site keeps the supervisors' summaries (it is, or has been, served)."""
    return conn.execute("SELECT 1 FROM site_meta WHERE key = ?", (KEPT,)).fetchone() is not None


def live_people(conn: Any) -> int:
    """How many people a first build summarises."""
    return int(conn.execute("SELECT count(*) FROM people WHERE deleted_at IS NULL").fetchone()[0])


def keep(conn: Any) -> int:
    """Keep this site's summaries from now on, building them the first time; bring them up to
    date otherwise. Inside a write transaction; returns how many people were (re)computed."""
    for sql in _TRIGGERS:
        conn.execute(sql)
    if kept(conn):
        return refresh(conn)
    conn.execute(
        "INSERT INTO site_meta (key, value) VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        (KEPT,),
    )
    return rebuild(conn)


def has_summaries(conn: Any) -> bool:
    """Whether the site has migration 0015's tables."""
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'summary_stale'"
        ).fetchone()
    )


def mark(conn: Any, person_ids: Iterable[str]) -> None:
    """Mark these people stale (the sync importer names everyone a bundle touched or purged)."""
    if not kept(conn):
        return
    ids = sorted({str(p) for p in person_ids if p is not None})
    if ids:
        conn.execute(
            "INSERT OR IGNORE INTO summary_stale SELECT value FROM json_each(?)",
            (json.dumps(ids),),
        )


def refresh(conn: Any, today: date | None = None) -> int:
    """Recompute every stale person's summary rows; return how many people were stale.

    The first refresh of a day (`today`, by default the machine's date) also recomputes the
    people whose timescales move with the day (`_DAY_DEPENDENT`). Call inside a write
    transaction. A site not yet at migration 0015 has nothing to do."""
    day = (today or date.today()).isoformat()
    try:
        meta = dict(
            conn.execute(
                "SELECT key, value FROM site_meta WHERE key IN (?, ?)", (KEPT, DAY)
            ).fetchall()
        )
        if KEPT in meta and meta.get(DAY) != day:
            conn.execute(f"INSERT OR IGNORE INTO summary_stale {_DAY_DEPENDENT}")
            conn.execute(
                "INSERT INTO site_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (DAY, day),
            )
        stale = conn.execute("SELECT count(*) FROM summary_stale").fetchone()[0]
    except Exception as exc:  # the table is missing until migration 0015
        if "no such table" in str(exc):
            return 0
        raise
    if not stale:
        return 0
    for statement in _REFRESH_BEFORE:
        conn.execute(statement)
    # Whether the facts and the actions are read whole turns on the live people, counted
    # once, and only when enough are stale for it to be a question.
    live = live_people(conn) if stale >= _BULK else 0
    _insert_items(conn, date.fromisoformat(day), live)
    whole = stale >= _BULK and stale >= WHOLE_FROM * live
    actions = _ACTIONS_WHOLE if whole else _ACTIONS_BY_PERSON
    for statement in (_CONSENTS_SQL, actions, *_REFRESH_AFTER):
        conn.execute(statement)
    return int(stale)


def rebuild(conn: Any, today: date | None = None) -> int:
    """Recompute every summary from scratch (inside a write transaction); return how many
    people are summarised."""
    for table in (*_PER_PERSON, *(t.table for t in TOTALS)):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("INSERT OR IGNORE INTO summary_stale SELECT id FROM people")
    refresh(conn, today)
    return int(conn.execute("SELECT count(*) FROM summary_people").fetchone()[0])


@dataclass(frozen=True)
class Differences:
    """What a rebuild changed: the people whose summary rows differ, and the tables of totals
    that differ (totals belong to no one person)."""

    people: frozenset[str]
    totals: tuple[str, ...]


def _held(conn: Any) -> tuple[dict[str, set[tuple[Any, ...]]], dict[str, set[tuple[Any, ...]]]]:
    """Every per-person summary row by person, and every table of totals' non-empty rows."""
    people: dict[str, set[tuple[Any, ...]]] = {}
    for table in _PER_PERSON:
        for row in conn.execute(f"SELECT '{table}', * FROM {table}"):
            people.setdefault(row[1], set()).add(tuple(row))
    totals = {
        t.table: {tuple(r) for r in conn.execute(f"SELECT * FROM {t.table} WHERE NOT ({t.empty})")}
        for t in TOTALS
    }
    return people, totals


def rebuild_differences(conn: Any) -> Differences:
    """Rebuild every summary (inside a write transaction) and say what that changed. The
    rebuilt summaries stay: roll back to keep the old ones, commit to repair them. Those a new
    day moves are brought to the day first, as any write would: that is no damage."""
    refresh(conn)
    before_people, before_totals = _held(conn)
    rebuild(conn)
    after_people, after_totals = _held(conn)
    differ = frozenset(
        pid
        for pid in before_people.keys() | after_people.keys()
        if before_people.get(pid) != after_people.get(pid)
    )
    totals = tuple(t for t in after_totals if after_totals[t] != before_totals[t])
    return Differences(differ, totals)
