"""Summaries for the supervisors' queries, kept at write time (tables from migration 0015).

What the supervisors' queries read that does not depend on today is worked out once per person
and stored: their site key and ethnicity, each meeting timescale they are owed (due date, when
held), their latest consent step per agency and any re-offer owed, and their actions counted
per practitioner and due date. Small tables of totals (`TOTALS`) are kept from those rows by
adding each refreshed person's new part and taking away their old one, so the queries read a
few rows per day and compare them with today. Only live people are summarised.

Writes mark people stale (`summary_stale`, filled by triggers for local writes and by `mark`
for a sync import); `refresh` runs before every outermost commit (`Site._write`) and recomputes
the stale people, so summaries are committed with the data they summarise. The rules are those
of `ahtui.domain.schedule` as the supervisors' queries have always stated them in SQL.

Only a site that is served keeps them (`keep`, called by `ahtui serve` on each file): keeping
them costs a write a few milliseconds and a sync import of 50,000 people over half a second,
which a practitioners' site that no supervisor reads should not pay. Until then the tables stay
empty, no trigger exists and `mark` does nothing. Once kept, always kept: the flag is in the
file, so every process writing to it keeps them, whichever started first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_STALE = "(SELECT person_id FROM summary_stale)"

# A person's site as the queries group it: their lead practitioner's site, if the lead is live.
_SITE_ID = """coalesce((SELECT pr.site_id FROM practitioners pr
                  WHERE pr.id = p.lead_practitioner_id AND pr.deleted_at IS NULL), '')"""
_ETHNICITY = "coalesce(nullif(trim(p.ethnicity), ''), 'Not recorded')"

_SENTENCE_START = """coalesce(p.sentence_date, (
           SELECT max(h.from_date) FROM pathway_history h
           WHERE h.person_id = p.id AND h.deleted_at IS NULL AND h.pathway IN ('long', 'short')
         ))"""
_RECALL_START = """coalesce(p.recall_date, (
           SELECT max(h.from_date) FROM pathway_history h
           WHERE h.person_id = p.id AND h.deleted_at IS NULL AND h.pathway = 'recall'
         ))"""
_MEETING_KINDS = {"p1": "planning_1", "ho": "handover", "rv": "review", "fr": "final_review"}

_PERSON = (
    """held_person AS MATERIALIZED (
  SELECT person_id, """
    + ",\n    ".join(
        f"min(CASE WHEN t = '{kind}' THEN d END) AS {k}_lo, "
        f"max(CASE WHEN t = '{kind}' THEN d END) AS {k}_hi"
        for k, kind in _MEETING_KINDS.items()
    )
    + f"""
  FROM (SELECT person_id, meeting_type AS t, substr(coalesce(held_on, scheduled_at), 1, 10) AS d
        FROM meetings
        WHERE status = 'held' AND deleted_at IS NULL AND person_id IN {_STALE}
          AND meeting_type IN ('planning_1', 'handover', 'review', 'final_review'))
  GROUP BY person_id
),
held AS (
  SELECT person_id, meeting_type, substr(coalesce(held_on, scheduled_at), 1, 10) AS on_date
  FROM meetings
  WHERE status = 'held' AND deleted_at IS NULL AND person_id IN {_STALE}
),
person AS MATERIALIZED (
  SELECT p.id, p.pathway, p.sentence_type, p.licence_end_date,
         {_ETHNICITY} AS ethnicity, {_SITE_ID} AS site_id,
         {_SENTENCE_START} AS sentence_start,
         CASE WHEN p.pathway = 'recall' THEN {_RECALL_START} END AS recall_start,
         CASE WHEN p.pathway = 'recall' THEN
           CASE WHEN p.release_date IS NOT NULL
                     AND coalesce(p.release_date > {_RECALL_START}, 1)
                THEN p.release_date END
         ELSE coalesce(p.conditional_release_date, p.release_date) END AS custody_release,
         -- The Personal Advisor's support ends on the recorded date, else at 25.
         coalesce(p.pa_support_ends_on, date(p.date_of_birth, '+25 years')) AS pa_end,
         hp.p1_lo, hp.p1_hi, hp.ho_lo, hp.ho_hi, hp.rv_lo, hp.rv_hi, hp.fr_lo, hp.fr_hi
  FROM people p
  LEFT JOIN held_person hp ON hp.person_id = p.id
  -- Remand has no sentence, so none of the meeting timescales.
  WHERE p.id IN {_STALE} AND p.deleted_at IS NULL AND p.pathway <> 'remand'
)"""
)


def _first_held(kind: str, since: str) -> str:
    """The first meeting of a kind held on or after `since`."""
    k = next(k for k, v in _MEETING_KINDS.items() if v == kind)
    return (
        f"(CASE WHEN x.{k}_lo IS NULL THEN NULL WHEN x.{k}_lo >= {since} THEN x.{k}_lo "
        f"WHEN x.{k}_hi < {since} THEN NULL ELSE "
        f"(SELECT min(h.on_date) FROM held h WHERE h.person_id = x.id "
        f"AND h.meeting_type = '{kind}' AND h.on_date >= {since}) END)"
    )


_S70 = "date(x.sentence_start, '+70 days')"
_REL_M10 = "date(x.custody_release, '-10 months', 'floor')"
# Support that ended before this sentence began is not part of it.
_SUPPORT_ENDS = """CASE WHEN x.pa_end IS NULL
              OR (x.sentence_start IS NOT NULL AND x.pa_end < x.sentence_start)
            THEN x.licence_end_date
          WHEN x.licence_end_date IS NULL OR x.pa_end < x.licence_end_date THEN x.pa_end
          ELSE x.licence_end_date END"""
_EVERY_DUE = """date(coalesce(CASE WHEN x.rv_hi >= x.sentence_start THEN x.rv_hi END,
                        x.sentence_start),
                CASE WHEN x.sentence_type IN ('life', 'ipp') THEN '+36 months' ELSE '+24 months' END,
                'floor')"""

# Each meeting timescale a person is owed: (rule, due date, when held, which people owe it).
RULE_ITEMS: dict[str, tuple[str, str, str]] = {
    "meeting1_within_10_weeks_of_sentence": (
        # Due 10 weeks after sentence, or at release if that comes first.
        f"CASE WHEN x.custody_release >= x.sentence_start THEN min(x.custody_release, {_S70}) "
        f"ELSE {_S70} END",
        _first_held("planning_1", "x.sentence_start"),
        "x.pathway IN ('long', 'short') AND x.sentence_start IS NOT NULL",
    ),
    "meeting1_within_10_weeks_of_recall": (
        "date(x.recall_start, '+70 days')",
        _first_held("planning_1", "x.recall_start"),
        "x.pathway = 'recall' AND x.recall_start IS NOT NULL",
    ),
    "handover_6_months_before_conditional_release": (
        "date(x.custody_release, '-6 months', 'floor')",
        _first_held("handover", "coalesce(x.sentence_start, '')"),
        "x.pathway = 'long' AND x.custody_release IS NOT NULL",
    ),
    "review_10_months_before_release_long_sentence": (
        _REL_M10,
        _first_held(
            "review",
            "max(date(x.custody_release, '-11 months', 'floor'), coalesce(x.sentence_start, ''))",
        ),
        f"x.pathway = 'long' AND x.custody_release IS NOT NULL "
        f"AND (x.sentence_start IS NULL OR {_REL_M10} >= x.sentence_start)",
    ),
    "review_at_least_once_short_sentence_or_recall": (
        "x.custody_release",
        _first_held(
            "review",
            "CASE WHEN x.pathway = 'short' THEN x.sentence_start ELSE x.recall_start END",
        ),
        "x.custody_release IS NOT NULL AND ((x.pathway = 'short' AND x.sentence_start IS NOT NULL)"
        " OR (x.pathway = 'recall' AND x.recall_start IS NOT NULL))",
    ),
    # The next repeating review, while the person is still in custody; never "done".
    "review_every_N_years": (
        _EVERY_DUE,
        "NULL",
        f"x.pathway = 'long' AND x.sentence_start IS NOT NULL "
        f"AND (x.custody_release IS NULL OR {_EVERY_DUE} < x.custody_release)",
    ),
    "final_review_1_month_before_end_of_support": (
        f"date({_SUPPORT_ENDS}, '-1 months', 'floor')",
        _first_held("final_review", "coalesce(x.sentence_start, '')"),
        f"({_SUPPORT_ENDS}) IS NOT NULL",
    ),
}
# The repeating reviews: never "done", so left out of the one-off timescales' totals.
REPEATING_RULES = ("review_every_2_years_long_sentence", "review_every_3_years_life_sentence")
_EVERY_RULE = """CASE WHEN x.sentence_type IN ('life', 'ipp')
              THEN 'review_every_3_years_life_sentence'
              ELSE 'review_every_2_years_long_sentence' END"""


def _items_sql() -> str:
    arms = []
    for rule, (due, done, where) in RULE_ITEMS.items():
        name = _EVERY_RULE if rule == "review_every_N_years" else f"'{rule}'"
        arms.append(
            f"SELECT x.id, {name}, {due}, {done}, x.site_id, x.ethnicity\nFROM person x WHERE {where}"
        )
    return (
        "INSERT INTO summary_items (person_id, rule, due_on, done_on, site_id, ethnicity)\n"
        "WITH " + _PERSON + "\n" + "\nUNION ALL\n".join(arms)
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
_ACTIONS_SQL = f"""INSERT INTO summary_person_actions
  (person_id, rp, due_on, n_all, n_on_time, n_open)
SELECT a.person_id, coalesce(a.responsible_practitioner_id, ''), a.due_on,
       count(*), sum({_ON_TIME}), sum(a.completed_on IS NULL)
FROM actions a
WHERE a.person_id IN (SELECT person_id FROM summary_people WHERE person_id IN {_STALE})
  AND a.deleted_at IS NULL AND a.due_on IS NOT NULL
GROUP BY a.person_id, a.responsible_practitioner_id, a.due_on"""


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

TOTALS: tuple[Total, ...] = (
    # Live actions by the person's site and ethnicity and due date (scorecard, equality).
    Total(
        "summary_action_days",
        {"site_id": "sp.site_id", "ethnicity": "sp.ethnicity", "due_on": "d.due_on"},
        {"n_all": "d.n_all", "n_on_time": "d.n_on_time"},
        _STALE_OF.format(t="summary_person_actions")
        + " CROSS JOIN summary_people sp ON sp.person_id = s.person_id",
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

_REFRESH: tuple[str, ...] = (
    *(_delta(t, "-") for t in TOTALS),
    *(_emptied(t) for t in TOTALS),
    *(f"DELETE FROM {t} WHERE person_id IN {_STALE}" for t in _PER_PERSON),
    _PEOPLE_SQL,
    _items_sql(),
    _CONSENTS_SQL,
    _ACTIONS_SQL,
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
    # A practitioner joining, leaving or moving site moves the people they lead (rare; one
    # look-up in people_lead). Also while a bundle is applied, which names only the people
    # whose own rows it carries.
    "CREATE TRIGGER IF NOT EXISTS summary_practitioners_insert AFTER INSERT ON practitioners "
    "BEGIN INSERT OR IGNORE INTO summary_stale "
    "SELECT id FROM people WHERE lead_practitioner_id = NEW.id; END",
    "CREATE TRIGGER IF NOT EXISTS summary_practitioners_update "
    "AFTER UPDATE OF site_id, deleted_at, id ON practitioners "
    "BEGIN INSERT OR IGNORE INTO summary_stale "
    "SELECT id FROM people WHERE lead_practitioner_id IN (NEW.id, OLD.id); END",
    "CREATE TRIGGER IF NOT EXISTS summary_practitioners_delete AFTER DELETE ON practitioners "
    "BEGIN INSERT OR IGNORE INTO summary_stale "
    "SELECT id FROM people WHERE lead_practitioner_id = OLD.id; END",
)


def kept(conn: Any) -> bool:
    """Whether this site keeps the supervisors' summaries (it is, or has been, served)."""
    return conn.execute("SELECT 1 FROM site_meta WHERE key = ?", (KEPT,)).fetchone() is not None


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


def refresh(conn: Any) -> int:
    """Recompute every stale person's summary rows; return how many people were stale.

    Call inside a write transaction. A site not yet at migration 0015 has nothing to do."""
    try:
        stale = conn.execute("SELECT count(*) FROM summary_stale").fetchone()[0]
    except Exception as exc:  # the table is missing until migration 0015
        if "no such table" in str(exc):
            return 0
        raise
    if not stale:
        return 0
    for statement in _REFRESH:
        conn.execute(statement)
    return int(stale)


def rebuild(conn: Any) -> int:
    """Recompute every summary from scratch (inside a write transaction); return how many
    people are summarised."""
    for table in (*_PER_PERSON, *(t.table for t in TOTALS)):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("INSERT OR IGNORE INTO summary_stale SELECT id FROM people")
    refresh(conn)
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
    rebuilt summaries stay: roll back to keep the old ones, commit to repair them."""
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
