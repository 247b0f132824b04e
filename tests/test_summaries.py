"""Summaries for the supervisors' queries (migration 0015, ahtui.store.summaries) are exact.

After random app-level changes on a real encrypted site, the summary tables kept at write time
equal a from-scratch rebuild, and every supervisors' query returns exactly what the SQL it
replaced (kept below, verbatim, as the reference) returns on the same file, for several
"today"s. Only a site that is served keeps them (`summaries.keep`); a site made before 0015
gets them when it is first served after upgrading.
"""

from __future__ import annotations

import random
import sys
import types
from datetime import date, timedelta
from pathlib import Path

import pytest
from ahtui_datasette import prepare
from ahtui_datasette.disclosure import register
from ahtui_datasette.queries import MEETING_RULES, QUERIES
from conftest import copy_site

from ahtui.demo import build_demo
from ahtui.domain.schedule import compute_schedule
from ahtui.errors import AhtuiError
from ahtui.store import actions, consent, migrations, people, rows, summaries
from ahtui.store.facts_loader import load_facts
from ahtui.store.site import init_site, open_site

ADMIN = "admin"
PASSPHRASE = "correct horse battery staple"
TABLES = (
    "summary_people",
    "summary_items",
    "summary_consents",
    "summary_person_actions",
    "summary_action_days",
    "summary_open_days",
    "summary_item_days",
    "summary_consent_counts",
    "summary_item_groups",
    "summary_people_counts",
    "summary_rp_action_days",
    "summary_action_months",
    "summary_item_group_months",
)
TODAYS = ("2024-06-15", "2025-03-03", "2025-09-30", "2026-01-01")


def _reference() -> dict[str, str]:
    """The queries' SQL before the summaries: name -> SQL."""
    module = types.ModuleType("reference_queries")
    sys.modules["reference_queries"] = module  # dataclasses look their module up
    exec(compile(_REFERENCE_SOURCE, "reference_queries", "exec"), module.__dict__)
    return {q.name: q.sql for q in module.QUERIES}


REFERENCE = None


def _on(sql: str, today: str) -> str:
    return sql.replace("date('now', 'localtime')", f"'{today}'")


def _snapshot(conn) -> dict[str, list]:
    return {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}")) for t in TABLES}


def _check(site) -> None:
    """Summaries equal a rebuild, and each query equals its reference on several days."""
    global REFERENCE
    REFERENCE = REFERENCE or _reference()
    conn = site.conn
    assert conn.execute("SELECT count(*) FROM summary_stale").fetchone()[0] == 0
    kept = _snapshot(conn)
    conn.execute("SAVEPOINT fresh")
    summaries.rebuild(conn)
    fresh = _snapshot(conn)
    conn.execute("ROLLBACK TO fresh")
    conn.execute("RELEASE fresh")
    for table in TABLES:
        assert kept[table] == fresh[table], table
    register(conn)  # the rounding functions the queries' SQL calls
    _domain_items(site)
    for today in TODAYS:
        for q in QUERIES:
            got = _rows(conn, _on(q.exact_sql, today))
            want = _rows(conn, _on(REFERENCE[q.name], today))
            assert _same_figures(q.name, got, want), (q.name, today)


def _domain_items(site) -> None:
    """Every live person's dated meeting timescales straight from the rules, for the day the
    summaries were worked out (what the reference's SQL once restated)."""
    day = date.fromisoformat(
        site.one("SELECT value FROM site_meta WHERE key = ?", (summaries.DAY,))[0]
    )
    conn = site.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS domain_items (person_id, rule, due_on, done_on)")
    conn.execute("DELETE FROM temp.domain_items")
    conn.executemany(
        "INSERT INTO temp.domain_items VALUES (?, ?, ?, ?)",
        [
            (pid, i.rule, i.due_on.isoformat(), i.done_on and i.done_on.isoformat())
            for pid, f in load_facts(site).items()
            for i in compute_schedule(f, day)
            if i.rule in MEETING_RULES and i.due_on is not None
        ],
    )


def _rows(conn, sql: str) -> list[dict]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor]


def _same_figures(name: str, got: list[dict], want: list[dict]) -> bool:
    """The exact figures (before rounding) agree with the reference on every column both have,
    in any order (rows are now ordered by rounded counts); the reference blanked some equality
    figures, which are then not compared."""
    shared = [c for c in (got[0] if got else {}) if want and c in want[0]]
    assert len(shared) >= 3 or not got, (name, shared)
    if name == "equality_monitoring":
        by_group = {(r["site"], r["ethnicity"]): r for r in want}
        got = [
            {c: (None if by_group[r["site"], r["ethnicity"]][c] is None else r[c]) for c in r}
            for r in got
            if (r["site"], r["ethnicity"]) in by_group
        ]
        if len(got) != len(want):
            return False
    return sorted(repr([r[c] for c in shared]) for r in got) == sorted(
        repr([r[c] for c in shared]) for r in want
    ) and len(got) == len(want)


def _live(site, table: str) -> list[str]:
    return [
        r[0] for r in site.query(f"SELECT id FROM {table} WHERE deleted_at IS NULL ORDER BY id")
    ]


def _shake(site, rng: random.Random, rounds: int) -> None:
    """Random app-level writes, each in its own transaction (so refresh runs every time)."""
    base = date(2025, 3, 3)
    for _ in range(rounds):
        who = _live(site, "people")
        pid = rng.choice(who)
        day = base + timedelta(days=rng.randint(-400, 200))
        kind = rng.randrange(16)
        try:
            _one_change(site, rng, pid, day, kind)
        except AhtuiError:
            pass  # refused (e.g. release before sentence): rolled back, summaries untouched


def _one_change(site, rng: random.Random, pid: str, day: date, kind: int) -> None:
    with site.write():
        if kind == 0:
            people.update_person(site, pid, {"ethnicity": rng.choice(["", "White", "Asian"])})
        elif kind == 1:
            rows.update(site, "people", pid, {"sentence_date": day.isoformat()})
        elif kind == 2:
            rows.update(site, "people", pid, {"conditional_release_date": day.isoformat()})
        elif kind == 3:
            rows.soft_delete(site, "people", pid)
        elif kind == 4:
            lead = rng.choice(_live(site, "practitioners") + [None])
            rows.update(site, "people", pid, {"lead_practitioner_id": lead})
        elif kind == 5:
            pr = rng.choice(_live(site, "practitioners"))
            other = rng.choice([r[0] for r in site.query("SELECT id FROM sites")] + [None])
            rows.update(site, "practitioners", pr, {"site_id": other})
        elif kind == 6:
            held = site.query(
                "SELECT id FROM meetings WHERE person_id = ? AND deleted_at IS NULL", (pid,)
            )
            if held:
                m = rng.choice(held)[0]
                change = rng.choice(
                    [
                        {"status": "held", "held_on": day.isoformat()},
                        {"scheduled_at": day.isoformat() + "T10:00"},
                        {"status": "cancelled"},
                    ]
                )
                rows.update(site, "meetings", m, change)
        elif kind == 7:
            held = site.query(
                "SELECT id FROM meetings WHERE person_id = ? AND deleted_at IS NULL", (pid,)
            )
            if held:
                rows.soft_delete(site, "meetings", rng.choice(held)[0])
        elif kind == 8:
            rows.insert(
                site,
                "pathway_history",
                {
                    "person_id": pid,
                    "pathway": rng.choice(["long", "short", "recall"]),
                    "from_date": day.isoformat(),
                },
            )
        elif kind == 9:
            consent.record_consent(
                site,
                pid,
                {
                    "agency": rng.choice(["prison", "probation", "ces"]),
                    "event": rng.choice(["offered", "given", "declined", "withdrawn"]),
                    "on_date": min(day, date.today()),
                },
            )
        elif kind == 10:
            actions.add_action(site, pid, {"step": "Step", "due_on": day})
        elif kind in (11, 12, 13):
            acts = site.query(
                "SELECT id, completed_on FROM actions WHERE person_id = ? AND deleted_at IS NULL",
                (pid,),
            )
            if acts:
                aid, done = rng.choice(acts)
                if kind == 13:
                    rows.soft_delete(site, "actions", aid)
                elif done:
                    actions.reopen_action(site, aid)
                else:
                    rows.update(site, "actions", aid, {"completed_on": day.isoformat()})
        elif kind == 14:
            rows.soft_delete(site, "practitioners", rng.choice(_live(site, "practitioners")))
        elif kind == 15:
            # Sites are named when the queries run: a rename or a closure needs no refresh.
            others = site.query("SELECT id, deleted_at FROM sites WHERE is_local = 0")
            if others:
                sid, gone = rng.choice(others)
                if gone:  # opened again (no service does this; the queries must follow)
                    site.conn.execute("UPDATE sites SET deleted_at = NULL WHERE id = ?", (sid,))
                elif rng.random() < 0.5:
                    rows.update(site, "sites", sid, {"name": f"Renamed {rng.randrange(99)}"})
                else:
                    rows.soft_delete(site, "sites", sid)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("summaries") / "demo.ahtui"
    site = init_site(path, name="HMP Summary", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    # Kept from the start (as once served), so building the demo goes through the triggers
    # and a refresh at every commit.
    with site.write() as conn:
        summaries.keep(conn)
    build_demo(site, people=60, seed=7, actions_per_person=6, today=date(2025, 3, 3))
    with site.write():
        # A second site, so the queries' several-sites path is taken too.
        other = rows.insert(site, "sites", {"name": "Other Prison", "agency": "prison"})
        staff = site.query("SELECT id FROM practitioners ORDER BY id")
        for (pr,) in staff[::3]:
            rows.update(site, "practitioners", pr, {"site_id": other})
    site.close()
    return path


@pytest.fixture
def copied(demo, tmp_path):
    """A copy of the demo site, open, for a test that writes to it."""
    opened = open_site(copy_site(demo, tmp_path), ADMIN, PASSPHRASE, audit_unlock=False)
    yield opened
    opened.close()


def test_a_built_site_has_exact_summaries(demo) -> None:
    site = open_site(demo, ADMIN, PASSPHRASE, audit_unlock=False)
    try:
        assert site.one("SELECT count(*) FROM summary_people")[0] == 60
        _check(site)
    finally:
        site.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_keep_summaries_exact(copied, seed) -> None:
    rng = random.Random(seed)
    for _ in range(3):
        _shake(copied, rng, 40)
        _check(copied)
    # Hard deletes too (not an app path, but the triggers must keep up).
    with copied.write():
        gone = copied.one("SELECT person_id FROM actions ORDER BY id LIMIT 1")[0]
        copied.conn.execute("DELETE FROM actions WHERE person_id = ?", (gone,))
    _check(copied)


def test_many_changes_in_one_transaction_refresh_at_commit(copied) -> None:
    with copied.write():
        _shake(copied, random.Random(9), 60)
        assert copied.one("SELECT count(*) FROM summary_stale")[0] > 0
    _check(copied)


def test_mark_and_refresh_cover_writes_the_triggers_do_not_see(copied) -> None:
    """What a sync import does: triggers idle (sync_local() = 0), then `mark` and `refresh`."""
    from ahtui.store import hlc as clock

    pid = _live(copied, "people")[0]
    state = clock.state(copied.conn)
    with copied.write():
        state.local = 0
        try:
            rows.soft_delete(copied, "people", pid)
            assert copied.one("SELECT count(*) FROM summary_stale")[0] == 0
        finally:
            state.local = 1
        summaries.mark(copied.conn, [pid])
    assert copied.one("SELECT count(*) FROM summary_people WHERE person_id = ?", (pid,))[0] == 0
    _check(copied)


_OMIC_COLUMNS = {
    "parole_eligibility_date",
    "automatic_release_date",
    "tariff_expiry_date",
    "target_hearing_date",
    "early_allocation",
    "open_conditions_since",
    "mappa_level",
    "parole_outcome",
    "immigration_case",
    "lead_override_reason",
}


def test_a_site_from_before_0015_is_summarised_once_served(tmp_path, monkeypatch) -> None:
    path = tmp_path / "old.ahtui"
    # Made and used by an ahtui that knew only the migrations before 0015.
    older = tuple(m for m in migrations.available() if m.version < 15)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "available", lambda: older)
        # Its notes did not yet name the agency that wrote them (migration 0017).
        insert = rows.insert
        patch.setattr(
            rows,
            "insert",
            lambda site, table, values: insert(
                site,
                table,
                {
                    k: v
                    for k, v in values.items()
                    if (table, k) != ("case_notes", "agency")
                    # Nor the person's OMiC inputs (migration 0018).
                    and not (table == "people" and k in _OMIC_COLUMNS)
                },
            ),
        )
        site = init_site(path, name="HMP Old", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
        build_demo(site, people=25, seed=3, actions_per_person=4, today=date(2025, 3, 3))
        assert not summaries.has_summaries(site.conn)
        with site.write():  # writing on the old schema works (nothing to refresh yet)
            rows.update(site, "people", _live(site, "people")[0], {"ethnicity": "Asian"})
        site.close()
    site = open_site(path, ADMIN, PASSPHRASE)  # migrates: the tables, empty until served
    try:
        assert 15 in migrations.applied_versions(site.conn)
        assert not summaries.kept(site.conn)
        assert site.one("SELECT count(*) FROM summary_people")[0] == 0
        with site.write() as conn:  # what `ahtui serve` does on start-up
            assert summaries.keep(conn) == 25
        assert summaries.kept(site.conn)
        _check(site)
    finally:
        site.close()


def test_a_site_kept_before_0020_is_rebuilt_once_served(tmp_path, monkeypatch) -> None:
    """Migration 0020 adds the actions' practitioner sites: a file kept before it has none, so
    its summaries are rebuilt (and the practitioners' triggers made again) when next served."""
    path = tmp_path / "kept.ahtui"
    older = tuple(m for m in migrations.available() if m.version < 20)
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "available", lambda: older)
        site = init_site(path, name="HMP Kept", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
        build_demo(site, people=20, seed=5, actions_per_person=4, today=date(2025, 3, 3))
        with site.write() as conn:  # kept, as an ahtui before 0020 kept it: flag and trigger
            conn.executemany(
                "INSERT INTO site_meta (key, value) VALUES (?, ?)",
                [(summaries.KEPT, "then"), (summaries.DAY, date.today().isoformat())],
            )
            conn.execute(
                "CREATE TRIGGER summary_practitioners_update AFTER UPDATE OF site_id ON "
                "practitioners BEGIN INSERT OR IGNORE INTO summary_stale "
                "SELECT id FROM people WHERE lead_practitioner_id = NEW.id; END"
            )
        site.close()
    site = open_site(path, ADMIN, PASSPHRASE)  # migrates
    try:
        assert 20 in migrations.applied_versions(site.conn)
        assert not summaries.kept(site.conn)
        assert not site.query("SELECT 1 FROM sqlite_master WHERE name LIKE 'summary_pr%'")
        with site.write() as conn:  # what `ahtui serve` does on start-up
            assert summaries.keep(conn) == 20
        with site.write():  # a practitioner moving site moves the actions they hold
            other = rows.insert(site, "sites", {"name": "Other Prison", "agency": "prison"})
            (pr,) = site.one(
                "SELECT responsible_practitioner_id FROM actions "
                "WHERE responsible_practitioner_id IS NOT NULL LIMIT 1"
            )
            rows.update(site, "practitioners", pr, {"site_id": other})
        assert site.one(
            "SELECT count(*) FROM summary_person_actions WHERE rp_site_id = ?", (other,)
        )[0]
        _check(site)
    finally:
        site.close()


def test_a_sync_import_leaves_exact_summaries(tmp_path) -> None:
    from ahtui.sync import incoming, keys, outgoing

    a = init_site(tmp_path / "a.ahtui", name="A", agency="prison", admin=ADMIN,
                  passphrase=PASSPHRASE)  # fmt: skip
    b = init_site(tmp_path / "b.ahtui", name="B", agency="probation", admin=ADMIN,
                  passphrase=PASSPHRASE)  # fmt: skip
    try:
        for x, y in ((a, b), (b, a)):
            keys.write_card(y, tmp_path / "card")
            keys.trust(x, keys.read_card(tmp_path / "card"))
        build_demo(a, people=30, seed=4, actions_per_person=4, today=date(2025, 3, 3))
        with b.write() as conn:  # B is served: it keeps summaries; A does not
            summaries.keep(conn)
        incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
        assert a.one("SELECT count(*) FROM summary_people")[0] == 0
        assert b.one("SELECT count(*) FROM people")[0] > 0
        _check(b)
        # Edits and deletes travel too: the importer marks the people a bundle touched.
        incoming.import_bundle(a, outgoing.export(b, a.site_id).data)
        rng = random.Random(5)
        shared = {r[0] for r in b.query("SELECT id FROM people")}
        for _ in range(40):
            pid = rng.choice(sorted(shared & set(_live(a, "people"))))
            day = date(2025, 3, 3) + timedelta(days=rng.randint(-300, 100))
            try:
                _one_change(a, rng, pid, day, rng.choice([1, 3, 6, 9, 10, 11, 13]))
            except AhtuiError:
                pass
        incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
        _check(b)
        assert b.one("SELECT count(*) FROM summary_people")[0] > 0
        # Consent withdrawn: the person is purged at B, and so are their summaries.
        gone = sorted(shared & set(_live(a, "people")))[0]
        consent.record_consent(
            a, gone, {"agency": "probation", "event": "withdrawn", "on_date": "2025-03-03"}
        )
        assert incoming.import_bundle(b, outgoing.export(a, b.site_id).data).purges == 1
        assert b.one("SELECT count(*) FROM summary_people WHERE person_id = ?", (gone,))[0] == 0
        _check(b)
    finally:
        a.close()
        b.close()


def test_a_site_that_is_not_served_keeps_no_summaries_until_it_is(tmp_path) -> None:
    """No triggers, no rows and nothing marked on a site no supervisor reads; once one process
    keeps them, every other process writing to the file keeps them too."""
    path = tmp_path / "site.ahtui"
    site = init_site(path, name="HMP Plain", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    other = None
    try:
        build_demo(site, people=12, seed=2, actions_per_person=3, today=date(2025, 3, 3))
        assert not summaries.kept(site.conn)
        assert not site.query("SELECT name FROM sqlite_master WHERE name LIKE 'summary_%' "
                              "AND type = 'trigger'")  # fmt: skip
        with site.write() as conn:
            summaries.mark(conn, _live(site, "people"))
            assert conn.execute("SELECT count(*) FROM summary_stale").fetchone()[0] == 0
        for table in TABLES:
            assert site.one(f"SELECT count(*) FROM {table}")[0] == 0, table
        # A second process has the file open before it is served, and writes after.
        other = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
        with site.write() as conn:
            assert summaries.keep(conn) == 12
        _shake(other, random.Random(11), 30)
        _check(other)
        with site.write() as conn:  # served again: nothing to build, nothing stale
            assert summaries.keep(conn) == 0
        _check(site)
    finally:
        site.close()
        if other is not None:
            other.close()


def test_plugin_connections_read_the_summaries(demo) -> None:
    """The queries run on a read-only plugin connection (as Datasette runs them)."""
    from urllib.parse import quote

    from ahtui_datasette.sqlcipher import sqlcipher

    site = open_site(demo, ADMIN, PASSPHRASE, audit_unlock=False)
    key = site.data_key
    site.close()
    conn = sqlcipher.connect(f"file:{quote(str(Path(demo)))}?mode=ro", uri=True)
    try:
        prepare(conn, key)
        for q in QUERIES:
            conn.execute(q.sql).fetchall()
    finally:
        conn.close()


# The supervisors' queries as they were before migration 0015 (verbatim), the reference.
_REFERENCE_SOURCE = r'''"""The supervisors' queries: SQL with a plain title and description, as data.

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
The meeting timescales follow the rules in `ahtui.domain.schedule` (rule names are shared).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    description: str
    sql: str


# Plain names for the rules, in the order a case meets them.
# (Issue 14 renamed three rules and split the Final Review in two.)
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
SUPPRESS_BELOW = 5


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

# A person's dates as the rules read them: the sentence and recall dates fall back to the start
# of the latest matching period in the pathway history; the expected release from custody is,
# on recall, a release date after the recall, else the conditional release date. (Remand has no
# sentence rules, and only recall reads the recall date, so neither is looked up otherwise.) The
# history is read only when the person's own date is missing, so repeating the expression where
# a date is used costs nothing in the usual case and saves a second pass over every person.
_SENTENCE_START = """coalesce(p.sentence_date, (
           SELECT max(h.from_date) FROM pathway_history h
           WHERE h.person_id = p.id AND h.deleted_at IS NULL AND h.pathway IN ('long', 'short')
         ))"""
_RECALL_START = """coalesce(p.recall_date, (
           SELECT max(h.from_date) FROM pathway_history h
           WHERE h.person_id = p.id AND h.deleted_at IS NULL AND h.pathway = 'recall'
         ))"""
_MEETING_KINDS = {"p1": "planning_1", "ho": "handover", "rv": "review", "fr": "final_review"}

# Held meetings per person, in one pass: the first and last of each kind the rules read. Then
# each person once, with what every rule reads (the dates that need date() are worked out by
# the rule that uses them, below).
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
        WHERE status = 'held' AND deleted_at IS NULL
          AND meeting_type IN ('planning_1', 'handover', 'review', 'final_review'))
  GROUP BY person_id
),
person AS MATERIALIZED (
  SELECT p.id, p.pathway, p.sentence_type, p.licence_end_date,
         coalesce(nullif(trim(p.ethnicity), ''), 'Not recorded') AS ethnicity,
         CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
              ELSE coalesce((SELECT site FROM prac WHERE id = p.lead_practitioner_id),
                            (SELECT name FROM local_site)) END AS site,
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
  WHERE p.deleted_at IS NULL AND p.pathway <> 'remand'
)"""
)

# Who each live person is, for counting (remand included): site and ethnicity only.
_WHO = """who AS MATERIALIZED (
  SELECT p.id,
         coalesce(nullif(trim(p.ethnicity), ''), 'Not recorded') AS ethnicity,
         CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
              ELSE coalesce((SELECT site FROM prac WHERE id = p.lead_practitioner_id),
                            (SELECT name FROM local_site)) END AS site
  FROM people p WHERE p.deleted_at IS NULL
)"""

_HELD = """held AS (
  SELECT person_id, meeting_type,
         substr(coalesce(held_on, scheduled_at), 1, 10) AS on_date
  FROM meetings
  WHERE status = 'held' AND deleted_at IS NULL
)"""


def _items(one_off_only: bool = False) -> str:
    """One row per meeting timescale a person is owed, with its status: the rule, the due date
    and when it was held, as the rules of `ahtui.domain.schedule` give them (worked out in
    Python by the test into `temp.domain_items`: the reference no longer restates the rules).
    The scorecard leaves out repeating reviews (`one_off_only`)."""
    one_off = ", ".join(f"'{r}'" for r in ONE_OFF_RULES)
    return (
        "items AS (\n"
        + "  SELECT x.site, x.ethnicity, r.rule, r.due_on, r.done_on\n"
        + "  FROM person x JOIN temp.domain_items r ON r.person_id = x.id"
        + (f"\n  WHERE r.rule IN ({one_off})" if one_off_only else "")
        + """
),
item_status AS (
  SELECT i.*,
    CASE WHEN i.done_on IS NOT NULL AND i.done_on <= i.due_on THEN 'on_time'
         WHEN i.done_on IS NOT NULL THEN 'late'
         WHEN i.due_on < (SELECT d FROM today) THEN 'overdue'
         ELSE 'not_yet_due' END AS status
  FROM items i
)"""
    )


_ITEMS = _items()
_ONE_OFF_ITEMS = _items(one_off_only=True)

# The scorecard window: this month and the 11 before it; measures count what fell due before today.
_MONTHS = """months AS (
  SELECT date((SELECT d FROM today), 'start of month', '-11 months') AS m
  UNION ALL
  SELECT date(m, '+1 months') FROM months
  WHERE m < date((SELECT d FROM today), 'start of month')
),
window_ AS MATERIALIZED (
  SELECT (SELECT min(m) FROM months) AS first_day, (SELECT d FROM today) AS today
)"""


def _meetings_due(by: str) -> str:
    """The one-off timescales that fell due in the window, by site and `by` (month or
    ethnicity): how many, and how many were held on time."""
    column = {"month": "substr(s.due_on, 1, 7)", "ethnicity": "s.ethnicity"}[by]
    return f"""meetings_due AS (
  SELECT s.site, {column} AS {by}, count(*) AS due, sum(s.status = 'on_time') AS on_time
  FROM item_status s
  WHERE s.due_on >= (SELECT first_day FROM window_) AND s.due_on < (SELECT today FROM window_)
  GROUP BY s.site, {by}
)"""


# Actions due in the window, by site and month. A file whose practitioners all belong to one
# site (every site file; a hub holding one site) counts each month straight off two indexes in
# due-date order, all actions and those done on time (a partial index), less any of deleted
# people (rarely any, found by person); only a hub with several sites looks up each action's
# practitioner.
_ON_TIME = "a.completed_on IS NOT NULL AND a.due_on >= substr(a.completed_on, 1, 10)"
_ACTIONS_DUE = f"""gone AS (SELECT id FROM people WHERE deleted_at IS NOT NULL),
gone_actions AS (
  SELECT substr(a.due_on, 1, 7) AS month, count(*) AS due, sum({_ON_TIME}) AS on_time
  -- CROSS JOIN keeps the short list of deleted people the outer loop.
  FROM gone g CROSS JOIN actions a
  WHERE a.person_id = g.id AND a.deleted_at IS NULL
    AND a.due_on >= (SELECT first_day FROM window_) AND a.due_on < (SELECT today FROM window_)
  GROUP BY 1
),
month_range AS (
  SELECT m, min(date(m, '+1 months'), (SELECT today FROM window_)) AS until FROM months
),
actions_due AS (
  SELECT (SELECT only_site FROM site_count) AS site, substr(mo.m, 1, 7) AS month,
         (SELECT count(*) FROM actions a
          WHERE a.deleted_at IS NULL AND a.due_on >= mo.m AND a.due_on < mo.until)
           - coalesce(g.due, 0) AS due,
         (SELECT count(*) FROM actions a
          WHERE a.deleted_at IS NULL AND a.due_on >= mo.m AND a.due_on < mo.until
            AND {_ON_TIME})
           - coalesce(g.on_time, 0) AS on_time
  FROM month_range mo LEFT JOIN gone_actions g ON g.month = substr(mo.m, 1, 7)
  WHERE (SELECT n FROM site_count) = 1
  UNION ALL
  SELECT coalesce(pr.site, (SELECT name FROM local_site)), substr(a.due_on, 1, 7),
         count(*), sum({_ON_TIME})
  -- CROSS JOIN keeps site_count the outer loop, so a one-site file never starts this scan.
  FROM site_count sc CROSS JOIN actions a LEFT JOIN prac pr ON pr.id = a.responsible_practitioner_id
  WHERE sc.n > 1 AND a.deleted_at IS NULL AND a.due_on >= (SELECT first_day FROM window_)
    AND a.due_on < (SELECT today FROM window_) AND a.person_id NOT IN gone
  GROUP BY 1, a.due_on
)"""


def _with(*parts: str) -> str:
    return "WITH RECURSIVE\n" + ",\n".join(parts) + "\n"


def _pct(num: str, den: str) -> str:
    return f"CASE WHEN {den} > 0 THEN round(100.0 * {num} / {den}, 1) END"


# -- the queries ------------------------------------------------------------------------------

OVERDUE_ACTIONS = Query(
    "overdue_actions",
    "Overdue actions by site, team and practitioner",
    "Open actions from the Team Actions Log whose due date has passed, counted for each "
    "practitioner responsible, with their team and site. Most overdue first. 'Days overdue' is "
    "the oldest action's lateness.",
    _with(_TODAY, _SITE, _PRAC)
    + """, open_overdue AS (
  -- Counted per practitioner straight off the open-actions index, before any join.
  SELECT a.responsible_practitioner_id AS rp, count(*) AS n,
         count(DISTINCT a.person_id) AS people, min(a.due_on) AS oldest
  FROM actions a
  WHERE a.completed_on IS NULL AND a.deleted_at IS NULL AND a.due_on < (SELECT d FROM today)
    AND a.person_id NOT IN (SELECT id FROM people WHERE deleted_at IS NOT NULL)
  GROUP BY a.responsible_practitioner_id
)
SELECT coalesce(pr.site, (SELECT name FROM local_site)) AS site,
       coalesce(pr.team, 'No team recorded') AS team,
       CASE WHEN o.rp IS NULL THEN 'No practitioner named'
            ELSE coalesce(pr.name, 'Practitioner no longer listed') END AS practitioner,
       pr.role AS role,
       o.n AS overdue_actions,
       o.people,
       o.oldest AS oldest_due_on,
       CAST(julianday((SELECT d FROM today)) - julianday(o.oldest) AS INTEGER) AS days_overdue
FROM open_overdue o
LEFT JOIN prac pr ON pr.id = o.rp
ORDER BY overdue_actions DESC, days_overdue DESC, site, team, practitioner""",
)

MEETING_TIMESCALES = Query(
    "meeting_timescales",
    "Meetings against their timescales",
    "For each timescale (Meeting 1 within 10 weeks of sentence or recall, the handover 6 months "
    "before release, reviews, the Final Review 1 month before support ends): how many were held "
    "on time, held late, are overdue (not held, past due) or are not yet due. 'On time %' is "
    "on time out of all that are held or past due. Repeating reviews show only the next one.",
    _with(_TODAY, _SITE, _PRAC, _PERSON, _HELD, _ITEMS)
    # Counted by status first (one count per item), then laid out a column per status.
    + """, counted AS (
  SELECT site, rule, status, count(*) AS n FROM item_status GROUP BY site, rule, status
)
SELECT s.site,
       CASE s.rule """
    + "\n".join(f"         WHEN '{k}' THEN '{v}'" for k, v in MEETING_RULES.items())
    + """
       END AS timescale,
       s.rule,
       sum((s.status = 'on_time') * s.n) AS held_on_time,
       sum((s.status = 'late') * s.n) AS held_late,
       sum((s.status = 'overdue') * s.n) AS overdue,
       sum((s.status = 'not_yet_due') * s.n) AS not_yet_due,
       """
    + _pct(
        "sum((s.status = 'on_time') * s.n)",
        "sum((s.status IN ('on_time', 'late', 'overdue')) * s.n)",
    )
    + """ AS on_time_pct
FROM counted s
GROUP BY s.site, s.rule
ORDER BY s.site, CASE s.rule """
    + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(MEETING_RULES))
    + " END",
)

CASELOAD = Query(
    "caseload_by_pathway_and_lead",
    "Caseload by pathway and lead",
    "How many people each lead practitioner holds on each pathway, site by site. People with "
    "no lead recorded are counted on their own line ('No lead') so they can be allocated.",
    _with(_TODAY, _SITE, _PRAC)
    + """SELECT coalesce(lp.site, (SELECT name FROM local_site)) AS site,
       p.pathway,
       CASE WHEN lp.id IS NULL THEN 'No lead' ELSE lp.name END AS lead,
       CASE WHEN lp.id IS NULL THEN NULL ELSE coalesce(p.lead_role, lp.role) END AS lead_role,
       lp.team,
       count(*) AS people
FROM people p
LEFT JOIN prac lp ON lp.id = p.lead_practitioner_id
WHERE p.deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5
ORDER BY site, CASE p.pathway WHEN 'long' THEN 1 WHEN 'short' THEN 2 WHEN 'recall' THEN 3
  WHEN 'remand' THEN 4 ELSE 5 END, lp.id IS NOT NULL, people DESC, lead""",
)

# The latest consent event per person and agency, and each agency's latest refusal with
# whether consent has been offered again since (as `consent_reoffer_3_months_after_refusal`).
# Events are ordered by date, then by when they were recorded; `k` is that order as one text
# key, so one grouped pass (max(k) with the row's other columns) finds each latest event.
_CONSENT = """consent_keyed AS (
  SELECT rowid AS rid, person_id, agency, event,
         on_date || created_at || (1000000000000 + rowid) AS k
  FROM consents WHERE deleted_at IS NULL
),
latest AS (
  SELECT person_id, agency, event, max(k) AS k
  FROM consent_keyed GROUP BY person_id, agency
),
last_declined AS (
  SELECT d.person_id, d.agency, d.k, c.on_date AS declined_on, c.reoffer_on
  FROM (SELECT person_id, agency, max(k) AS k, rid FROM consent_keyed
        WHERE event = 'declined' GROUP BY person_id, agency) d
  JOIN consents c ON c.rowid = d.rid
),
reoffer AS (
  SELECT r.*,
    CASE WHEN r.reoffer_due_on < (SELECT d FROM today) THEN 'overdue'
         WHEN (SELECT d FROM today) >= max(date(r.reoffer_due_on, '-14 days'), r.declined_on)
           THEN 'due'
         ELSE 'upcoming' END AS status
  FROM (
    SELECT d.person_id, d.agency, d.declined_on,
           coalesce(d.reoffer_on, date(d.declined_on, '+3 months', 'floor')) AS reoffer_due_on
    FROM last_declined d
    WHERE NOT EXISTS (SELECT 1 FROM consent_keyed o WHERE o.person_id = d.person_id
                      AND o.agency = d.agency AND o.k > d.k AND o.event IN ('offered', 'given'))
  ) r
)"""

CONSENT_STATUS = Query(
    "consent_status",
    "Consent status and re-offers due",
    "For each agency, how many people have given consent to share with it, declined, "
    "withdrawn, or been offered it without answering yet (their latest recorded step), and how "
    "many re-offers after a refusal are overdue or due in the next 14 days.",
    _with(_TODAY, _SITE, _PRAC, _WHO, _CONSENT)
    + """, gone AS (SELECT id FROM people WHERE deleted_at IS NOT NULL),
-- Each latest step counted once by site, agency and step, then laid out a column per step.
-- Only a file with several sites looks each person's site up.
counted AS (
  SELECT CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
              ELSE (SELECT x.site FROM who x WHERE x.id = l.person_id) END AS site,
         l.agency, l.event, count(*) AS n
  FROM latest l
  WHERE l.person_id NOT IN gone
  GROUP BY 1, 2, 3
),
reoffers AS (
  SELECT CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
              ELSE (SELECT x.site FROM who x WHERE x.id = r.person_id) END AS site,
         r.agency, sum(r.status = 'overdue') AS overdue, sum(r.status = 'due') AS due
  FROM reoffer r
  WHERE r.person_id NOT IN gone
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
)

CONSENT_REOFFERS = Query(
    "consent_reoffers_due",
    "Consent re-offers overdue or due soon",
    "People who declined consent to share with an agency and have not been offered it again: "
    "the re-offer is due 3 months after the refusal (or on the date set then). Identified by "
    "CRN or NOMIS number only, with the lead practitioner who can make the offer.",
    _with(_TODAY, _SITE, _PRAC, _CONSENT)
    + """, due AS MATERIALIZED (SELECT * FROM reoffer WHERE status IN ('overdue', 'due'))
SELECT CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
            ELSE coalesce(lp.site, (SELECT name FROM local_site)) END AS site,
       p.crn, p.nomis_number, r.agency, r.declined_on, r.reoffer_due_on,
       r.status, coalesce(lp.name, 'No lead') AS lead, lp.team
FROM due r
JOIN people p ON p.id = r.person_id AND p.deleted_at IS NULL
LEFT JOIN prac lp ON lp.id = p.lead_practitioner_id
ORDER BY 1, r.reoffer_due_on, p.crn""",
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
SELECT CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
            ELSE coalesce(lp.site, (SELECT name FROM local_site)) END AS site,
       x.crn, x.nomis_number, x.pathway, x.release_on,
       CAST(julianday(x.release_on) - julianday((SELECT d FROM today)) AS INTEGER)
         AS days_to_release,
       coalesce(lp.name, 'No lead') AS lead, x.lead_role, lp.team,
       CASE WHEN EXISTS (SELECT 1 FROM release_plans rp WHERE rp.person_id = x.id
                         AND rp.deleted_at IS NULL)
            THEN 'Release plan names no one to meet them'
            ELSE 'No release plan' END AS gap
FROM custody x
LEFT JOIN prac lp ON lp.id = x.lead_practitioner_id
WHERE x.release_on >= (SELECT d FROM today)
  AND x.release_on <= date((SELECT d FROM today), '+{NEAR_RELEASE_DAYS} days')
  AND NOT EXISTS (SELECT 1 FROM release_plans rp WHERE rp.person_id = x.id
                  AND rp.deleted_at IS NULL AND trim(coalesce(rp.gate_person, '')) <> '')
ORDER BY 1, x.release_on, x.crn""",
)

MONTHLY_SCORECARD = Query(
    "monthly_scorecard",
    "Monthly scorecard",
    "Month by month for the last 12 months, site by site: of the meetings whose timescale fell "
    "due that month (Meeting 1, handover, the review before release, the review owed on a "
    "short sentence or recall, the Final Review), the share held on time; of the actions due "
    "that month, the share completed by their due date. Counts only what fell due before today.",
    _with(
        _TODAY,
        _SITE,
        _PRAC,
        _PERSON,
        _HELD,
        _ONE_OFF_ITEMS,
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
       """
    + _pct("md.on_time", "md.due")
    + """ AS meetings_on_time_pct,
       coalesce(ad.due, 0) AS actions_due,
       coalesce(ad.on_time, 0) AS actions_on_time,
       """
    + _pct("ad.on_time", "ad.due")
    + """ AS actions_on_time_pct
FROM site_list sl CROSS JOIN months mo
LEFT JOIN (SELECT site, month, sum(due) AS due, sum(on_time) AS on_time
           FROM meetings_due GROUP BY site, month) md
  ON md.site = sl.site AND md.month = substr(mo.m, 1, 7)
LEFT JOIN (SELECT site, month, sum(due) AS due, sum(on_time) AS on_time
           FROM actions_due GROUP BY site, month) ad
  ON ad.site = sl.site AND ad.month = substr(mo.m, 1, 7)
ORDER BY sl.site, month""",
)


def _suppressed(value: str, flag: str, count: str, rank: str) -> str:
    """A count shown only if it is not small and not the one cell that would reveal another."""
    return f"CASE WHEN {flag} OR ({count} = 1 AND {rank} = 1) THEN NULL ELSE {value} END"


EQUALITY = Query(
    "equality_monitoring",
    "Equality monitoring by ethnicity",
    "The scorecard's measures over the same 12 months, by ethnicity, site by site: people on the "
    f"caseload, meetings due and held on time, actions due and completed on time. Any count "
    f"below {SUPPRESS_BELOW} is left blank, and so is any count that would let a blank one be "
    "worked out (the difference between due and on time, or the only blank in a column, which "
    "the site's totals would reveal: then the next smallest is blanked too).",
    _with(_TODAY, _SITE, _PRAC, _PERSON, _HELD, _ONE_OFF_ITEMS, _MONTHS, _meetings_due("ethnicity"))
    + f""", who_acts AS MATERIALIZED (
  -- Each live person once, with their actions due in the window counted straight off the
  -- per-person index; one look-up returns both counts, packed as due * 2^32 + on time.
  SELECT coalesce(nullif(trim(p.ethnicity), ''), 'Not recorded') AS ethnicity,
         CASE WHEN (SELECT n FROM site_count) = 1 THEN (SELECT only_site FROM site_count)
              ELSE coalesce((SELECT site FROM prac WHERE id = p.lead_practitioner_id),
                            (SELECT name FROM local_site)) END AS site,
         (SELECT (count(*) << 32) + coalesce(sum({_ON_TIME}), 0) FROM actions a
          WHERE a.person_id = p.id AND a.deleted_at IS NULL
            AND a.due_on >= (SELECT first_day FROM window_)
            AND a.due_on < (SELECT today FROM window_)) AS acts
  FROM people p WHERE p.deleted_at IS NULL
),
people_eq AS (
  SELECT site, ethnicity, count(*) AS n,
         sum(acts >> 32) AS a_due, sum(acts & 4294967295) AS a_on
  FROM who_acts GROUP BY site, ethnicity
),
meetings_eq AS (
  SELECT site, ethnicity, sum(due) AS due, sum(on_time) AS on_time
  FROM meetings_due GROUP BY site, ethnicity
),
base AS (
  SELECT g.site, g.ethnicity, coalesce(pe.n, 0) AS people,
         coalesce(m.due, 0) AS m_due, coalesce(m.on_time, 0) AS m_on,
         coalesce(pe.a_due, 0) AS a_due, coalesce(pe.a_on, 0) AS a_on
  FROM (SELECT site, ethnicity FROM people_eq
        UNION SELECT site, ethnicity FROM meetings_eq) g
  LEFT JOIN people_eq pe ON pe.site = g.site AND pe.ethnicity = g.ethnicity
  LEFT JOIN meetings_eq m ON m.site = g.site AND m.ethnicity = g.ethnicity
),
-- Primary suppression: small counts, and on-time counts whose complement is small.
p1 AS (
  SELECT *, people < {SUPPRESS_BELOW} AS s_people,
         m_due < {SUPPRESS_BELOW} AS s_mdue, a_due < {SUPPRESS_BELOW} AS s_adue
  FROM base
),
-- Secondary suppression of the denominators: a lone blank in a column is recoverable from the
-- site's totals, so the next smallest value in that column is blanked too.
p2 AS (
  SELECT *,
    sum(s_people) OVER w AS n_people,
    row_number() OVER (PARTITION BY site, s_people ORDER BY people, ethnicity) AS r_people,
    sum(s_mdue) OVER w AS n_mdue,
    row_number() OVER (PARTITION BY site, s_mdue ORDER BY m_due, ethnicity) AS r_mdue,
    sum(s_adue) OVER w AS n_adue,
    row_number() OVER (PARTITION BY site, s_adue ORDER BY a_due, ethnicity) AS r_adue
  FROM p1 WINDOW w AS (PARTITION BY site)
),
p3 AS (
  SELECT *,
    s_mdue OR (n_mdue = 1 AND r_mdue = 1) AS f_mdue,
    s_adue OR (n_adue = 1 AND r_adue = 1) AS f_adue
  FROM p2
),
p4 AS (
  SELECT *,
    (f_mdue OR m_on < {SUPPRESS_BELOW} OR m_due - m_on < {SUPPRESS_BELOW}) AS s_mon,
    (f_adue OR a_on < {SUPPRESS_BELOW} OR a_due - a_on < {SUPPRESS_BELOW}) AS s_aon
  FROM p3
),
p5 AS (
  SELECT *,
    sum(s_mon) OVER w AS n_mon,
    row_number() OVER (PARTITION BY site, s_mon ORDER BY m_on, ethnicity) AS r_mon,
    sum(s_aon) OVER w AS n_aon,
    row_number() OVER (PARTITION BY site, s_aon ORDER BY a_on, ethnicity) AS r_aon
  FROM p4 WINDOW w AS (PARTITION BY site)
),
shown AS (
  SELECT site, ethnicity,
    {_suppressed("people", "s_people", "n_people", "r_people")} AS people,
    CASE WHEN f_mdue THEN NULL ELSE m_due END AS meetings_due,
    {_suppressed("m_on", "s_mon", "n_mon", "r_mon")} AS meetings_on_time,
    CASE WHEN f_adue THEN NULL ELSE a_due END AS actions_due,
    {_suppressed("a_on", "s_aon", "n_aon", "r_aon")} AS actions_on_time
  FROM p5
)
SELECT site, ethnicity, people, meetings_due, meetings_on_time,
       {_pct("meetings_on_time", "meetings_due")} AS meetings_on_time_pct,
       actions_due, actions_on_time,
       {_pct("actions_on_time", "actions_due")} AS actions_on_time_pct
FROM shown
ORDER BY site, ethnicity""",
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
'''


def _summarised(conn, who: list[str] | None, check) -> dict[str, list]:
    """Every summary table's rows after a build (`who` None) or a refresh of `who`, once
    `check` has looked at how it went; the site is left as it was."""
    conn.execute("SAVEPOINT summarised")
    try:
        if who is None:
            summaries.rebuild(conn)
        else:
            summaries.mark(conn, who)
            summaries.refresh(conn)
        check()
        return _snapshot(conn)
    finally:
        conn.execute("ROLLBACK TO summarised")
        conn.execute("RELEASE summarised")


def test_actions_read_whole_or_by_person_give_the_same_summaries(copied, monkeypatch) -> None:
    """With many people stale every action is read in file order (`summaries._ACTIONS_WHOLE`),
    else each stale person's through the index: both give the same rows, for everyone (a
    first build) and for some (a refresh, where only the stale people's actions may count)."""
    conn = copied.conn
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    people_ids = [r[0] for r in conn.execute("SELECT id FROM people ORDER BY id")]
    some = random.Random().sample(people_ids, len(people_ids) // 3)

    def summarised(whole: bool, who: list[str] | None) -> dict[str, list]:
        monkeypatch.setattr(summaries, "_BULK", 0 if whole else 10**9)
        ran.clear()

        def check() -> None:
            assert any("NOT INDEXED" in sql for sql in ran) is whole

        return _summarised(conn, who, check)

    for who in (None, some):
        assert summarised(True, who) == summarised(False, who)
    conn.set_trace_callback(None)


def test_facts_read_in_chunks_give_the_same_summaries(copied, monkeypatch) -> None:
    """A large site's people are read for the rules a share at a time (`FACTS_CHUNK`), by IN
    lists; a site that fits one share is read whole. Every way gives the same rows, for
    everyone (a first build) and for some (a refresh: only the stale are read and counted),
    with a share that does not divide the people evenly."""
    conn = copied.conn
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    people_ids = [r[0] for r in conn.execute("SELECT id FROM people ORDER BY id")]
    some = random.Random().sample(people_ids, len(people_ids) // 3)
    live = summaries.live_people(conn)

    def summarised(chunk: int, bulk: int, who: list[str] | None) -> dict[str, list]:
        monkeypatch.setattr(summaries, "FACTS_CHUNK", chunk)
        monkeypatch.setattr(summaries, "_BULK", bulk)
        ran.clear()

        def check() -> None:
            reads = [sql for sql in ran if sql.startswith("SELECT person_id, pathway, from_date")]
            stale = live if who is None else len(who)
            expected_reads = 1 if chunk >= live and stale > bulk else -(-stale // chunk)
            assert len(reads) == expected_reads, (chunk, bulk, len(reads))
            assert all(("IN (" in sql) is (expected_reads > 1 or stale <= bulk) for sql in reads)

        return _summarised(conn, who, check)

    for who in (None, some):
        whole = summarised(live, 0, who)
        assert summarised(7, 0, who) == whole
        assert summarised(live, 10**9, who) == whole
    conn.set_trace_callback(None)
