"""The supervisors' queries: SQL with a plain title and description, as data.

Every query runs against one site file and reports per site, so a supervisor serving several
files sees each site under its own name, and a hub file (which holds records from many sites)
reports across them. "Site" is the site of the practitioner concerned: for people, their lead
practitioner's site; for actions, the responsible practitioner's site; when that is not known,
the site of the file itself.

What a supervisor may see, by design: counts and shares; practitioners' names and teams (work
is allocated to them); a person's CRN or NOMIS number only where someone must act on it. Never a
person's name, date of birth or any free text (case notes, outcomes, plans, answers), which may
be sensitive. Every query keeps to live rows (`deleted_at IS NULL`).

Dates: "today" is the server's local date, and month arithmetic uses SQLite's `floor` modifier
so that, like `ahtui.domain.workdays.add_months`, 31 August less 6 months is the end of February.
The meeting timescales are the rules of `ahtui.domain.schedule` themselves (rule names are
shared): their due dates are worked out by those rules at write time and summarised
(`ahtui.store.summaries`); the queries only compare them with today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .disclosure import COUNT, DATE, DAYS, LABEL, RULE, published_sql, share


@dataclass(frozen=True)
class Query:
    """A query as published. `exact_sql` is never served: `sql` wraps it so that each column
    in `columns` is shown by its kind, counts rounded (see `disclosure`)."""

    name: str
    title: str
    description: str
    exact_sql: str
    columns: dict[str, Any]
    sql: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sql", published_sql(self.exact_sql, self.columns))


def _labels(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, LABEL)


def _counts(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, COUNT)


# Plain names for the rules, in the order a case meets them.
MEETING_RULES: dict[str, str] = {
    "meeting1_within_10_weeks_of_sentence": "Meeting 1 within 10 weeks of sentence",
    "meeting1_within_10_working_days_of_recall": "Meeting 1 within 10 working days of recall",
    "handover_meeting_by_handover_start": "Handover meeting by the handover (OMiC)",
    "review_every_2_years_long_sentence": "Review every 2 years (long sentence)",
    "review_every_3_years_life_sentence": "Review every 3 years (life sentence)",
    "review_10_months_before_release_long_sentence": "Review 10 months before release",
    "review_at_least_once_short_sentence_or_recall": "Review at least once (short or recall)",
    "final_review_1_month_before_pa_support_ends": (
        "Final Review 1 month before Personal Advisor support ends"
    ),
    "final_review_1_month_before_licence_ends": "Final Review 1 month before the licence ends",
}
# Repeating reviews are never "done" (the next one is always ahead), so the scorecard's share of
# meetings on time counts only the one-off timescales.
ONE_OFF_RULES = tuple(r for r in MEETING_RULES if not r.startswith("review_every_"))

NEAR_RELEASE_DAYS = 90


# -- shared building blocks (common table expressions) ---------------------------------------

_TODAY = "today AS MATERIALIZED (SELECT date('now', 'localtime') AS d)"

_SITE = """local_site AS (
  SELECT coalesce(
    (SELECT name FROM sites WHERE is_local = 1 AND deleted_at IS NULL LIMIT 1), 'This site'
  ) AS name
)"""

_PRAC = """prac AS MATERIALIZED (
  SELECT pr.id, pr.name, pr.role,
         coalesce(nullif(pr.organisation, ''), pr.agency, 'No team recorded') AS team,
         coalesce(s.name, (SELECT name FROM local_site)) AS site
  FROM practitioners pr
  LEFT JOIN sites s ON s.id = pr.site_id AND s.deleted_at IS NULL
  WHERE pr.deleted_at IS NULL
),
-- How many sites the file's practitioners belong to: with one, every row is that site's and
-- nothing needs looking up per row. Read from the short sites list (the local site, and each
-- other live site a live practitioner belongs to), so a one-site file never builds `prac`.
site_count AS MATERIALIZED (
  SELECT 1 + count(DISTINCT s.name) AS n, (SELECT name FROM local_site) AS only_site
  FROM sites s
  WHERE s.deleted_at IS NULL AND s.name <> (SELECT name FROM local_site)
    AND EXISTS (SELECT 1 FROM practitioners pr WHERE pr.site_id = s.id AND pr.deleted_at IS NULL)
)"""

# What does not depend on today is kept at write time (ahtui.store.summaries, migration 0015),
# so a query reads small rows and compares them with today: per person, their site key (their
# lead practitioner's live site id, '' if none), ethnicity, each meeting timescale they are owed
# (due dates from the rules of `ahtui.domain.schedule`, run there) and their latest consent
# step per agency; and totals by day: timescales by site and rule, actions by site and ethnicity
# and by the responsible practitioner's site (migration 0020), open actions by practitioner,
# latest consent steps by site and agency. Summaries hold live people only. Site names are
# looked up when the query runs, so renaming a site needs no refresh; the totals are summed by
# site id first, so only their few sums are named.


def _site_of(site_id: str) -> str:
    """A summary row's site name: the file's only site, else its site if live, else the
    file's own site (as `prac` names a practitioner's site)."""
    return f"""CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
              ELSE coalesce((SELECT s.name FROM sites s
                             WHERE s.id = {site_id} AND s.deleted_at IS NULL),
                            (SELECT name FROM local_site)) END"""


def _named(pr: str) -> dict[str, str]:
    """A live practitioner looked up by id (`LEFT JOIN practitioners {pr}`, live only), named
    as `prac` names them, without building `prac`: their team, and their site (the file's
    only site, else their live site, else the file's own); NULLs when there is none."""
    return {
        "team": f"""CASE WHEN {pr}.id IS NULL THEN NULL
              ELSE coalesce(nullif({pr}.organisation, ''), {pr}.agency, 'No team recorded') END""",
        "site": f"""CASE WHEN {pr}.id IS NULL OR (SELECT n FROM site_count) = 1
              THEN (SELECT name FROM local_site)
              ELSE coalesce((SELECT s.name FROM sites s
                             WHERE s.id = {pr}.site_id AND s.deleted_at IS NULL),
                            (SELECT name FROM local_site)) END""",
    }


# The scorecard window: this month and the 11 before it; measures count what fell due before today.
_MONTHS = """months AS (
  SELECT date((SELECT d FROM today), 'start of month', '-11 months') AS m
  UNION ALL
  SELECT date(m, '+1 months') FROM months
  WHERE m < date((SELECT d FROM today), 'start of month')
),
window_ AS MATERIALIZED (
  SELECT (SELECT min(m) FROM months) AS first_day, (SELECT d FROM today) AS today,
         date((SELECT d FROM today), 'start of month') AS this_month
)"""


def _in_window(daily: str, monthly: str, cols: str, by_month: bool = False) -> str:
    """Rows of totals due in the window: its whole months from the monthly totals (migration
    0022), the current month, which ends today, from the daily ones; with each row's month
    first when `by_month`. The same rows as the daily totals over the whole window, a few a
    month instead of a few a day."""
    m, d = ("d.month AS month, ", "substr(d.due_on, 1, 7) AS month, ") if by_month else ("", "")
    return f"""SELECT {m}{cols} FROM {monthly} d
        WHERE d.month >= substr((SELECT first_day FROM window_), 1, 7)
          AND d.month < substr((SELECT this_month FROM window_), 1, 7)
        UNION ALL
        SELECT {d}{cols} FROM {daily} d
        WHERE d.due_on >= (SELECT this_month FROM window_)
          AND d.due_on < (SELECT today FROM window_)"""


# The one-off timescales (not the repeating reviews) kept by due date or month, site and
# ethnicity: the meetings the scorecard and equality monitoring count.
_ONE_OFF_IN_WINDOW = ("summary_item_groups", "summary_item_group_months")
_ONE_OFF_COLS = "d.site_id, d.ethnicity, d.n_all, d.n_on_time"


def _meetings_due(by: str) -> str:
    """The one-off timescales that fell due in the window, by site and `by` (month or
    ethnicity): how many, and how many were held on time, from the totals kept at write time
    (per due date or month, site and ethnicity). Summed by site id first, so only the few
    sums are named."""
    if by == "month":
        rows = _in_window(*_ONE_OFF_IN_WINDOW, _ONE_OFF_COLS, by_month=True)
        return f"""meetings_due AS MATERIALIZED (
  SELECT {_site_of("g.site_id")} AS site, g.month, sum(g.due) AS due, sum(g.on_time) AS on_time
  FROM (SELECT w.site_id, w.month, sum(w.n_all) AS due, sum(w.n_on_time) AS on_time
        FROM ({rows}) w
        GROUP BY 1, 2) g
  GROUP BY 1, 2
)"""
    rows = _in_window(*_ONE_OFF_IN_WINDOW, _ONE_OFF_COLS)
    return f"""meetings_due AS MATERIALIZED (
  SELECT {_site_of("g.site_id")} AS site, g.ethnicity, sum(g.due) AS due,
         sum(g.on_time) AS on_time
  FROM (SELECT w.site_id, w.ethnicity, sum(w.n_all) AS due, sum(w.n_on_time) AS on_time
        FROM ({rows}) w
        GROUP BY 1, 2) g
  GROUP BY 1, 2
)"""


# Actions due in the window, by the responsible practitioner's site and month, from the totals
# kept at write time (live people's live actions, by that site and due date).
_ACTIONS_DUE = f"""actions_due AS MATERIALIZED (
  SELECT {_site_of("g.site_id")} AS site, g.month, sum(g.due) AS due, sum(g.on_time) AS on_time
  FROM (SELECT d.site_id, substr(d.due_on, 1, 7) AS month,
               sum(d.n_all) AS due, sum(d.n_on_time) AS on_time
        FROM summary_rp_action_days d
        WHERE d.due_on >= (SELECT first_day FROM window_)
          AND d.due_on < (SELECT today FROM window_)
        GROUP BY 1, 2) g
  GROUP BY 1, 2
)"""


def _with(*parts: str) -> str:
    return "WITH RECURSIVE\n" + ",\n".join(parts) + "\n"


# -- the queries ------------------------------------------------------------------------------

OVERDUE_ACTIONS = Query(
    "overdue_actions",
    "Overdue actions by site, team and practitioner",
    "Open actions from the Team Actions Log whose due date has passed, counted for each "
    "practitioner responsible, with their team and site. Most overdue first. 'Days overdue' is "
    "the oldest action's lateness.",
    _with(_TODAY, _SITE, _PRAC)
    + """, open_overdue AS (
  -- Open actions of live people per practitioner and due date, kept at write time, with how
  -- many people's oldest open action for them falls due that day ('' is no practitioner).
  SELECT nullif(o.rp, '') AS rp, sum(o.n_open) AS n, sum(o.n_first) AS people,
         min(o.due_on) AS oldest
  FROM summary_open_days o
  WHERE o.due_on < (SELECT d FROM today)
  GROUP BY o.rp
),
-- Each practitioner looked up once by id (as `prac` names them, without building it).
named AS (
  SELECT o.*, pr.name, pr.role,
         coalesce(nullif(pr.organisation, ''), pr.agency, 'No team recorded') AS team,
         CASE WHEN pr.id IS NULL OR (SELECT n FROM site_count) = 1
              THEN (SELECT name FROM local_site)
              ELSE coalesce((SELECT s.name FROM sites s
                             WHERE s.id = pr.site_id AND s.deleted_at IS NULL),
                            (SELECT name FROM local_site)) END AS site
  FROM open_overdue o
  LEFT JOIN practitioners pr ON pr.id = o.rp AND pr.deleted_at IS NULL
)
SELECT site,
       coalesce(team, 'No team recorded') AS team,
       CASE WHEN rp IS NULL THEN 'No practitioner named'
            ELSE coalesce(name, 'Practitioner no longer listed') END AS practitioner,
       role,
       n AS overdue_actions,
       people,
       oldest AS oldest_due_on,
       CAST(julianday((SELECT d FROM today)) - julianday(oldest) AS INTEGER) AS days_overdue
FROM named
-- By the counts as published, so the order says nothing the rounded counts do not.
ORDER BY ahtui_order(overdue_actions) DESC, days_overdue DESC, site, team, practitioner""",
    {
        **_labels("site", "team", "practitioner", "role"),
        **_counts("overdue_actions", "people"),
        "oldest_due_on": DATE,
        "days_overdue": DAYS,
    },
)

MEETING_TIMESCALES = Query(
    "meeting_timescales",
    "Meetings against their timescales",
    "For each timescale (Meeting 1 within 10 weeks of sentence or 10 working days of recall, "
    "the handover meeting by the day the handover to probation starts under OMiC, reviews, a "
    "Final Review 1 month before each end of support: the Personal Advisor's and the "
    "licence's): how many were held "
    "on time, held late, are overdue (not held, past due) or are not yet due. 'On time %' is "
    "on time out of all that are held or past due, worked out from the rounded counts shown "
    "(blank when any of them is under 5). Repeating reviews show only the next one.",
    _with(_TODAY, _SITE, _PRAC)
    # Kept at write time per site, rule and due date: how many, held on time, held late; the
    # rest are overdue or not yet due by today. Counted by status, then a column per status.
    + f""", by_id AS (
  SELECT d.site_id, d.rule, sum(d.n_on_time) AS on_time, sum(d.n_late) AS late,
         sum(CASE WHEN nullif(d.due_on, '') < (SELECT d FROM today)
                  THEN d.n_all - d.n_on_time - d.n_late ELSE 0 END) AS overdue,
         sum(CASE WHEN nullif(d.due_on, '') < (SELECT d FROM today)
                  THEN 0 ELSE d.n_all - d.n_on_time - d.n_late END) AS not_yet_due
  FROM summary_item_days d
  GROUP BY d.site_id, d.rule
),
counted AS (
  SELECT {_site_of("b.site_id")} AS site, b.rule, b.on_time, b.late, b.overdue, b.not_yet_due
  FROM by_id b
)
SELECT s.site,
       CASE s.rule """
    + "\n".join(f"         WHEN '{k}' THEN '{v}'" for k, v in MEETING_RULES.items())
    + """
       END AS timescale,
       s.rule,
       sum(s.on_time) AS held_on_time,
       sum(s.late) AS held_late,
       sum(s.overdue) AS overdue,
       sum(s.not_yet_due) AS not_yet_due
FROM counted s
GROUP BY s.site, s.rule
ORDER BY s.site, CASE s.rule """
    + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(MEETING_RULES))
    + " END",
    {
        **_labels("site", "timescale", "rule"),
        # No "held or past due" total beside its parts: watched over time it gives away a
        # small part (see disclosure); the share is of the parts as published.
        **_counts("held_on_time", "held_late", "overdue", "not_yet_due"),
        "on_time_pct": share("held_on_time", ("held_on_time", "held_late", "overdue")),
    },
)

CASELOAD = Query(
    "caseload_by_pathway_and_lead",
    "Caseload by pathway and lead",
    "How many people each lead practitioner holds on each pathway, site by site. The lead is "
    "the one the rules gave when the caseload was last worked out (it follows the handover to "
    "probation), else the one recorded. People with no lead are counted on their own line "
    "('No lead') so they can be allocated.",
    _with(_TODAY, _SITE, _PRAC)
    # Counted by the lead's id first, so each lead is looked up once, then by what is shown
    # (two leads may share a name, team and site). People the caseload has not worked out are
    # counted in the order of the index people_caseload (migration 0020), with no sorting.
    + f""", by_lead AS MATERIALIZED (
  SELECT p.lead_practitioner_id AS lead_id, p.pathway, p.lead_role, count(*) AS n
  FROM people p
  WHERE p.deleted_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM due_cache d WHERE d.person_id = p.id)
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT d.lead_practitioner_id, p.pathway, d.lead_role, count(*)
  FROM due_cache d CROSS JOIN people p ON p.id = d.person_id  -- few, or none on a hub
  WHERE p.deleted_at IS NULL
  GROUP BY 1, 2, 3
),
named AS (
  SELECT {_named("lp")["site"]} AS site, b.pathway,
         CASE WHEN lp.id IS NULL THEN 'No lead' ELSE lp.name END AS lead,
         CASE WHEN lp.id IS NULL THEN NULL ELSE coalesce(b.lead_role, lp.role) END AS lead_role,
         {_named("lp")["team"]} AS team, lp.id AS lead_id, b.n
  FROM by_lead b
  LEFT JOIN practitioners lp ON lp.id = b.lead_id AND lp.deleted_at IS NULL
)
SELECT site, pathway, lead, lead_role, team, sum(n) AS people, max(lead_id IS NOT NULL) AS led
FROM named
GROUP BY 1, 2, 3, 4, 5
ORDER BY site, CASE pathway WHEN 'long' THEN 1 WHEN 'short' THEN 2 WHEN 'recall' THEN 3
  WHEN 'remand' THEN 4 ELSE 5 END, led, ahtui_order(people) DESC, lead""",
    {**_labels("site", "pathway", "lead", "lead_role", "team"), **_counts("people")},
)

CONSENT_STATUS = Query(
    "consent_status",
    "Consent status and re-offers due",
    "For each agency, how many people have given consent to share with it, declined, "
    "withdrawn, or been offered it without answering yet (their latest recorded step), and how "
    "many re-offers after a refusal are overdue or due in the next 14 days.",
    _with(_TODAY, _SITE, _PRAC)
    # Each person's latest step per agency and any re-offer owed are kept at write time.
    + f""", counted AS (
  SELECT {_site_of("c.site_id")} AS site, c.agency, c.event, sum(c.n) AS n
  FROM summary_consent_counts c
  GROUP BY 1, 2, 3
),
reoffer AS (
  SELECT c.site_id, c.agency,
    CASE WHEN c.reoffer_due_on < (SELECT d FROM today) THEN 'overdue'
         WHEN (SELECT d FROM today) >= max(date(c.reoffer_due_on, '-14 days'), c.declined_on)
           THEN 'due'
         ELSE 'upcoming' END AS status
  FROM summary_consents c WHERE c.declined_on IS NOT NULL
),
reoffers AS MATERIALIZED (
  SELECT {_site_of("g.site_id")} AS site, g.agency, sum(g.overdue) AS overdue, sum(g.due) AS due
  FROM (SELECT site_id, agency, sum(status = 'overdue') AS overdue, sum(status = 'due') AS due
        FROM reoffer GROUP BY 1, 2) g
  GROUP BY 1, 2
),
states AS (
  SELECT site, agency,
         sum((event = 'given') * n) AS given,
         sum((event = 'declined') * n) AS declined,
         sum((event = 'withdrawn') * n) AS withdrawn,
         sum((event = 'offered') * n) AS offered_no_answer
  FROM counted
  GROUP BY site, agency
)
SELECT s.site, s.agency, s.given, s.declined, s.withdrawn, s.offered_no_answer,
       coalesce(r.overdue, 0) AS reoffers_overdue,
       coalesce(r.due, 0) AS reoffers_due_soon
FROM states s LEFT JOIN reoffers r ON r.site = s.site AND r.agency = s.agency
ORDER BY s.site, s.agency""",
    {
        **_labels("site", "agency"),
        **_counts(
            "given",
            "declined",
            "withdrawn",
            "offered_no_answer",
            "reoffers_overdue",
            "reoffers_due_soon",
        ),
    },
)

CONSENT_REOFFERS = Query(
    "consent_reoffers_due",
    "Consent re-offers overdue or due soon",
    "People who declined consent to share with an agency and have not been offered it again: "
    "the re-offer is due 3 months after the refusal (or on the date set then). Identified by "
    "CRN or NOMIS number only, with the lead practitioner who can make the offer.",
    _with(_TODAY, _SITE, _PRAC)
    # Each person's latest refusal per agency not yet followed by an offer is kept at write
    # time, with the day the re-offer is due.
    + f""", reoffer AS (
  SELECT c.person_id, c.agency, c.declined_on, c.reoffer_due_on,
    CASE WHEN c.reoffer_due_on < (SELECT d FROM today) THEN 'overdue'
         WHEN (SELECT d FROM today) >= max(date(c.reoffer_due_on, '-14 days'), c.declined_on)
           THEN 'due'
         ELSE 'upcoming' END AS status
  FROM summary_consents c WHERE c.declined_on IS NOT NULL
),
due AS MATERIALIZED (SELECT * FROM reoffer WHERE status IN ('overdue', 'due'))
SELECT {_named("lp")["site"]} AS site,
       p.crn, p.nomis_number, r.agency, r.declined_on, r.reoffer_due_on,
       r.status, coalesce(lp.name, 'No lead') AS lead, {_named("lp")["team"]} AS team
FROM due r
JOIN people p ON p.id = r.person_id AND p.deleted_at IS NULL
LEFT JOIN practitioners lp ON lp.id = p.lead_practitioner_id AND lp.deleted_at IS NULL
ORDER BY 1, r.reoffer_due_on, p.crn""",
    {
        **_labels("site", "crn", "nomis_number", "agency"),
        "declined_on": DATE,
        "reoffer_due_on": DATE,
        **_labels("status", "lead", "team"),
    },
)

NEAR_RELEASE = Query(
    "near_release_no_gate_plan",
    "People near release with no gate plan",
    f"People in custody whose expected release is in the next {NEAR_RELEASE_DAYS} days and "
    "whose release plan does not yet name who will meet them at the gate (or who have no "
    "release plan). Identified by CRN or NOMIS number only.",
    _with(_TODAY, _SITE, _PRAC)
    + f""", custody AS (
  SELECT p.id, p.crn, p.nomis_number, p.pathway, p.lead_practitioner_id, p.lead_role,
    CASE WHEN p.pathway = 'recall' THEN
      CASE WHEN p.release_date > coalesce(p.recall_date, (
             SELECT max(h.from_date) FROM pathway_history h
             WHERE h.person_id = p.id AND h.deleted_at IS NULL AND h.pathway = 'recall'), '')
           THEN p.release_date END
    ELSE coalesce(p.conditional_release_date, p.release_date) END AS release_on
  FROM people p
  WHERE p.deleted_at IS NULL AND p.pathway IN ('long', 'short', 'recall')
)
SELECT {_named("lp")["site"]} AS site,
       x.crn, x.nomis_number, x.pathway, x.release_on,
       CAST(julianday(x.release_on) - julianday((SELECT d FROM today)) AS INTEGER)
         AS days_to_release,
       coalesce(lp.name, 'No lead') AS lead, x.lead_role, {_named("lp")["team"]} AS team,
       CASE WHEN EXISTS (SELECT 1 FROM release_plans rp WHERE rp.person_id = x.id
                         AND rp.deleted_at IS NULL)
            THEN 'Release plan names no one to meet them'
            ELSE 'No release plan' END AS gap
FROM custody x
LEFT JOIN practitioners lp ON lp.id = x.lead_practitioner_id AND lp.deleted_at IS NULL
WHERE x.release_on >= (SELECT d FROM today)
  AND x.release_on <= date((SELECT d FROM today), '+{NEAR_RELEASE_DAYS} days')
  AND NOT EXISTS (SELECT 1 FROM release_plans rp WHERE rp.person_id = x.id
                  AND rp.deleted_at IS NULL AND trim(coalesce(rp.gate_person, '')) <> '')
ORDER BY 1, x.release_on, x.crn""",
    {
        **_labels("site", "crn", "nomis_number", "pathway"),
        "release_on": DATE,
        "days_to_release": DAYS,
        **_labels("lead", "lead_role", "team", "gap"),
    },
)

MONTHLY_SCORECARD = Query(
    "monthly_scorecard",
    "Monthly scorecard",
    "Month by month for the last 12 months, site by site: of the meetings whose timescale fell "
    "due that month (Meeting 1, the handover meeting, the review before release, the review "
    "owed on a short sentence or recall, the Final Reviews), the share held on time; of the "
    "actions due "
    "that month, the share completed by their due date. Counts only what fell due before today.",
    _with(
        _TODAY,
        _SITE,
        _PRAC,
        _MONTHS,
        _meetings_due("month"),
        _ACTIONS_DUE,
    )
    + """, site_list AS (
  SELECT site FROM meetings_due UNION SELECT site FROM actions_due
  UNION SELECT name FROM local_site
  WHERE NOT EXISTS (SELECT 1 FROM meetings_due) AND NOT EXISTS (SELECT 1 FROM actions_due)
)
SELECT sl.site, substr(mo.m, 1, 7) AS month,
       coalesce(md.due, 0) AS meetings_due,
       coalesce(md.on_time, 0) AS meetings_on_time,
       coalesce(ad.due, 0) AS actions_due,
       coalesce(ad.on_time, 0) AS actions_on_time
FROM site_list sl CROSS JOIN months mo
LEFT JOIN (SELECT site, month, sum(due) AS due, sum(on_time) AS on_time
           FROM meetings_due GROUP BY site, month) md
  ON md.site = sl.site AND md.month = substr(mo.m, 1, 7)
LEFT JOIN (SELECT site, month, sum(due) AS due, sum(on_time) AS on_time
           FROM actions_due GROUP BY site, month) ad
  ON ad.site = sl.site AND ad.month = substr(mo.m, 1, 7)
ORDER BY sl.site, month""",
    {
        **_labels("site", "month"),
        **_counts("meetings_due", "meetings_on_time"),
        "meetings_on_time_pct": share("meetings_on_time", "meetings_due"),
        **_counts("actions_due", "actions_on_time"),
        "actions_on_time_pct": share("actions_on_time", "actions_due"),
    },
)


# Live actions due in the window by the person's site and ethnicity (equality monitoring).
_ACTIONS_EQ = _in_window(
    "summary_action_days", "summary_action_months", "d.site_id, d.ethnicity, d.n_all, d.n_on_time"
)

EQUALITY = Query(
    "equality_monitoring",
    "Equality monitoring by ethnicity",
    "The scorecard's measures over the same 12 months, by ethnicity, site by site: people on the "
    "caseload, meetings due and held on time, actions due and completed on time. " + RULE,
    _with(_TODAY, _SITE, _PRAC, _MONTHS, _meetings_due("ethnicity"))
    + f""", people_eq AS MATERIALIZED (
  -- Live people, and their actions due in the window, from the totals kept at write time
  -- (whole months from the monthly totals).
  SELECT {_site_of("p.site_id")} AS site, p.ethnicity, sum(p.n) AS n
  FROM summary_people_counts p GROUP BY 1, 2
),
acts_eq AS MATERIALIZED (
  SELECT {_site_of("g.site_id")} AS site, g.ethnicity, sum(g.a_due) AS a_due,
         sum(g.a_on) AS a_on
  FROM (SELECT w.site_id, w.ethnicity, sum(w.n_all) AS a_due, sum(w.n_on_time) AS a_on
        FROM ({_ACTIONS_EQ}) w
        GROUP BY 1, 2) g
  GROUP BY 1, 2
),
meetings_eq AS MATERIALIZED (
  SELECT site, ethnicity, sum(due) AS due, sum(on_time) AS on_time
  FROM meetings_due GROUP BY site, ethnicity
),
base AS (
  SELECT g.site, g.ethnicity, coalesce(pe.n, 0) AS people,
         coalesce(m.due, 0) AS m_due, coalesce(m.on_time, 0) AS m_on,
         coalesce(ae.a_due, 0) AS a_due, coalesce(ae.a_on, 0) AS a_on
  FROM (SELECT site, ethnicity FROM people_eq
        UNION SELECT site, ethnicity FROM meetings_eq) g
  LEFT JOIN people_eq pe ON pe.site = g.site AND pe.ethnicity = g.ethnicity
  LEFT JOIN meetings_eq m ON m.site = g.site AND m.ethnicity = g.ethnicity
  LEFT JOIN acts_eq ae ON ae.site = g.site AND ae.ethnicity = g.ethnicity
)
SELECT site, ethnicity, people, m_due AS meetings_due, m_on AS meetings_on_time,
       a_due AS actions_due, a_on AS actions_on_time
FROM base
ORDER BY site, ethnicity""",
    {
        **_labels("site", "ethnicity"),
        **_counts("people", "meetings_due", "meetings_on_time"),
        "meetings_on_time_pct": share("meetings_on_time", "meetings_due"),
        **_counts("actions_due", "actions_on_time"),
        "actions_on_time_pct": share("actions_on_time", "actions_due"),
    },
)

QUERIES: tuple[Query, ...] = (
    OVERDUE_ACTIONS,
    MEETING_TIMESCALES,
    CASELOAD,
    CONSENT_STATUS,
    CONSENT_REOFFERS,
    NEAR_RELEASE,
    MONTHLY_SCORECARD,
    EQUALITY,
)
BY_NAME: dict[str, Query] = {q.name: q for q in QUERIES}

# Not a list of its own: the home page's "Meeting 1 on time this quarter", published by the
# same rule as every figure (rounded counts, the share worked out from them).
MEETING1_RULES = (
    "meeting1_within_10_weeks_of_sentence",
    "meeting1_within_10_working_days_of_recall",
)
MEETING1_QUARTER = Query(
    "meeting1_this_quarter",
    "Meeting 1 on time this quarter",
    "Of the Meeting 1 timescales (10 weeks from sentence, 10 working days from recall) that "
    "fell due since the quarter began and before today, how many were held on time.",
    _with(_TODAY, _SITE, _PRAC)
    + f""", quarter AS MATERIALIZED (
  SELECT date(d, 'start of month',
              '-' || ((CAST(strftime('%m', d) AS INTEGER) - 1) % 3) || ' months') AS first_day
  FROM today
)
SELECT {_site_of("d.site_id")} AS site, (SELECT first_day FROM quarter) AS quarter_from,
       sum(d.n_all) AS meeting1_due, sum(d.n_on_time) AS meeting1_on_time
FROM summary_item_days d
WHERE d.rule IN ({", ".join(f"'{r}'" for r in MEETING1_RULES)})
  AND d.due_on >= (SELECT first_day FROM quarter) AND d.due_on < (SELECT d FROM today)
GROUP BY 1
ORDER BY 1""",
    {
        **_labels("site"),
        "quarter_from": DATE,
        **_counts("meeting1_due", "meeting1_on_time"),
        "meeting1_on_time_pct": share("meeting1_on_time", "meeting1_due"),
    },
)
