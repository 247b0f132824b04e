"""The supervisors' meeting figures are the rules' own (issue 14): OMiC's handover, the short
pathway, the recall Meeting 1 and the two Final Reviews.

Hand-made people, one or more per rule, on a real encrypted site served through Datasette's
test client: every meeting figure Datasette returns (timescales, scorecard, equality) equals
the one counted here straight from `compute_schedule`. The summaries hold the rules' dates for
the day they were worked out; the people whose dates move with the day alone (indeterminate
sentences) are recomputed on the first refresh of each day, which is attacked by moving the day
past a tariff expiry date, and by drawing random cases of every other kind (hypothesis) whose
dates must not move with the day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from ahtui_datasette.queries import BY_NAME, MEETING_RULES, ONE_OFF_RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from ahtui import serve
from ahtui.domain import enums
from ahtui.domain.enums import DueStatus, Pathway
from ahtui.domain.facts import CaseFacts, MeetingFact
from ahtui.domain.schedule import compute_schedule
from ahtui.domain.workdays import add_months
from ahtui.serve.server import make_datasette
from ahtui.serve.unlock import unlock_sites
from ahtui.store import meetings, people, summaries, team
from ahtui.store.facts_loader import facts_for, load_facts
from ahtui.store.site import init_site, open_site

ADMIN = "admin"
PASSPHRASE = "correct horse battery staple"
SUPERVISOR = "sam.supervisor"
TODAY = date.today()


def _d(days: int) -> date:
    return TODAY + timedelta(days=days)


# name -> (the person's record, meetings held: (type, days from today))
CASES: dict[str, tuple[dict, list[tuple[str, int]]]] = {
    # Determinate, no PED: handover 8 months and 14 days before the CRD; held on time.
    "crd": (
        {
            "pathway": "long",
            "sentence_type": "determinate",
            "sentence_date": _d(-400),
            "conditional_release_date": _d(200),
            "ethnicity": "White",
        },
        [("handover", -80)],
    ),  # fmt: skip
    # Determinate with a PED: 12 months before it; not held, so overdue.
    "ped": (
        {
            "pathway": "long",
            "sentence_type": "determinate",
            "sentence_date": _d(-700),
            "parole_eligibility_date": _d(300),
            "conditional_release_date": _d(500),
            "ethnicity": "Asian",
        },
        [],
    ),  # fmt: skip
    # Early allocation to probation: 15 months before the earliest release; held late.
    "early": (
        {
            "pathway": "long",
            "sentence_type": "determinate",
            "sentence_date": _d(-800),
            "conditional_release_date": _d(400),
            "early_allocation": True,
            "ethnicity": "Black",
        },
        [("handover", -3)],
    ),  # fmt: skip
    # Life sentence, tariff ahead: 12 months before it, starting on the move to open conditions.
    "life": (
        {
            "pathway": "long",
            "sentence_type": "life",
            "sentence_date": _d(-4000),
            "tariff_expiry_date": _d(500),
            "target_hearing_date": _d(700),
            "open_conditions_since": _d(-20),
            "ethnicity": "White",
        },
        [],
    ),  # fmt: skip
    # The short pathway: release 10 months or less after sentence, no handover at all.
    "short": (
        {
            "pathway": "short",
            "sentence_type": "determinate",
            "sentence_date": _d(-60),
            "conditional_release_date": _d(150),
            "ethnicity": "Mixed",
        },
        [("planning_1", -40)],
    ),  # fmt: skip
    # Recall with a known release soon: Meeting 1 in 10 working days, but before the release.
    "recall_release": (
        {
            "pathway": "recall",
            "sentence_type": "determinate",
            "sentence_date": _d(-500),
            "recall_date": _d(-3),
            "release_date": _d(4),
            "recall_type": "standard",
            "ethnicity": "Asian",
        },
        [],
    ),  # fmt: skip
    # Recall, no release known: Meeting 1 10 working days after the recall; held.
    "recall": (
        {
            "pathway": "recall",
            "sentence_type": "determinate",
            "sentence_date": _d(-500),
            "recall_date": _d(-30),
            "recall_type": "fixed_term",
            "ethnicity": "Black",
        },
        [("planning_1", -25)],
    ),  # fmt: skip
    # On licence, turning 25 during it: two Final Reviews, the PA's (held) and the licence's.
    "two_endings": (
        {
            "pathway": "community",
            "sentence_type": "determinate",
            "sentence_date": _d(-900),
            "release_date": _d(-200),
            "licence_end_date": _d(300),
            "date_of_birth": date(_d(40).year - 25, _d(40).month, min(_d(40).day, 28)),
            "ethnicity": None,
        },
        [("final_review", -5)],
    ),  # fmt: skip
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "rules.ahtui"
    site = init_site(path, name="HMP Rules", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    lead = team.add_practitioner(site, {"name": "Pat Pom", "role": "pom"})
    ids = {}
    for n, (name, (record, held)) in enumerate(CASES.items()):
        fields = {k: v for k, v in record.items() if v is not None}
        pid = people.create_person(
            site,
            {"given_name": f"Rule{n}", "family_name": "Case", "crn": f"X{700000 + n}", **fields},
            lead_practitioner_id=lead,
            lead_role="pom",
            on=record["sentence_date"],
        )
        for kind, days in held:
            mid = meetings.schedule_meeting(
                site,
                pid,
                {"meeting_type": kind, "scheduled_at": f"{_d(days).isoformat()}T10:00",
                 "mode": "in_person"},
            )  # fmt: skip
            meetings.record_held(site, mid, held_on=_d(days))
        ids[name] = pid
    site.close()
    auth = path.with_name("supervisors.toml")
    serve.add_supervisor(auth, SUPERVISOR, "supervisor password one")
    ds = make_datasette(unlock_sites((path,), ADMIN, PASSPHRASE), auth)  # keeps the summaries
    site = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
    yield {"ds": ds, "site": site, "ids": ids}
    site.close()
    for db in ds.databases.values():
        db.close()


def _items(site, day: date) -> dict[str, list]:
    """Each person's dated meeting timescales, straight from the rules."""
    return {
        pid: [i for i in compute_schedule(f, day) if i.rule in MEETING_RULES and i.due_on]
        for pid, f in load_facts(site).items()
    }


async def _exact(ds, query: str) -> list[dict]:
    result = await ds.get_database("rules").execute(BY_NAME[query].exact_sql)
    return [dict(r) for r in result.rows]


def test_each_rule_gives_the_dates_it_should(built) -> None:
    """The hand-made people reach every rule, with the formula each was made for."""
    by = {
        name: {i.rule: i for i in _items(built["site"], TODAY)[pid]}
        for name, pid in built["ids"].items()
    }
    handover = "handover_meeting_by_handover_start"
    crd, ped = CASES["crd"][0], CASES["ped"][0]
    assert by["crd"][handover].due_on == add_months(
        crd["conditional_release_date"], -8
    ) - timedelta(days=14)
    assert by["crd"][handover].done_on == _d(-80)
    assert by["ped"][handover].due_on == add_months(ped["parole_eligibility_date"], -12)
    assert by["early"][handover].due_on == add_months(
        CASES["early"][0]["conditional_release_date"], -15
    )
    assert by["life"][handover].due_on == _d(-20)  # the move to open conditions came first
    assert handover not in by["short"] and "meeting1_within_10_weeks_of_sentence" in by["short"]
    recall = "meeting1_within_10_working_days_of_recall"
    assert by["recall_release"][recall].due_on <= CASES["recall_release"][0]["release_date"]
    assert by["recall"][recall].due_on > _d(-30) and by["recall"][recall].done_on == _d(-25)
    assert {"final_review_1_month_before_pa_support_ends",
            "final_review_1_month_before_licence_ends"} <= set(by["two_endings"])  # fmt: skip
    reached = {rule for rules in by.values() for rule in rules}
    assert {handover, recall, "final_review_1_month_before_licence_ends"} <= reached


async def test_datasette_counts_what_the_rules_give(built) -> None:
    items = _items(built["site"], TODAY)
    eth = {
        pid: (f.model_dump().get("ethnicity") or "") for pid, f in load_facts(built["site"]).items()
    }
    ethnicity = {
        r["id"]: (r["ethnicity"] or "").strip() or "Not recorded"
        for r in built["site"].query("SELECT id, ethnicity FROM people")
    }
    assert eth.keys() == ethnicity.keys()
    status: dict[str, Counter] = defaultdict(Counter)
    first = add_months(TODAY.replace(day=1), -11)
    months: dict[str, Counter] = defaultdict(Counter)
    groups: dict[str, Counter] = defaultdict(Counter)
    for pid, owed in items.items():
        for i in owed:
            if i.done_on is not None:
                s = "held_on_time" if i.done_on <= i.due_on else "held_late"
            else:
                s = "overdue" if i.status is DueStatus.OVERDUE else "not_yet_due"
            status[i.rule][s] += 1
            if i.rule in ONE_OFF_RULES and first <= i.due_on < TODAY:
                on = int(i.done_on is not None and i.done_on <= i.due_on)
                months[i.due_on.isoformat()[:7]].update(due=1, on=on)
                groups[ethnicity[pid]].update(due=1, on=on)
    ds = built["ds"]
    got = {
        r["rule"]: Counter(
            {k: r[k] for k in ("held_on_time", "held_late", "overdue", "not_yet_due")}
        )
        for r in await _exact(ds, "meeting_timescales")
    }
    assert {k: +v for k, v in got.items()} == {k: +v for k, v in status.items()}
    assert len(got) >= 7
    card = {
        r["month"]: Counter(due=r["meetings_due"], on=r["meetings_on_time"])
        for r in await _exact(ds, "monthly_scorecard")
    }
    assert {m: +c for m, c in card.items() if +c} == {m: +c for m, c in months.items()}
    assert sum(c["due"] for c in months.values()) >= 3
    equality = {
        r["ethnicity"]: Counter(due=r["meetings_due"], on=r["meetings_on_time"])
        for r in await _exact(ds, "equality_monitoring")
    }
    assert {e: +c for e, c in equality.items() if +c} == {e: +c for e, c in groups.items()}


def _summary(site, pid: str) -> set[tuple]:
    return {
        tuple(r)
        for r in site.query(
            "SELECT rule, due_on, done_on FROM summary_items WHERE person_id = ?", (pid,)
        )
    }


def _ruled(site, pid: str, day: date) -> set[tuple]:
    return {
        (i.rule, i.due_on.isoformat(), i.done_on and i.done_on.isoformat())
        for i in compute_schedule(facts_for(site, pid), day)
        if i.rule in MEETING_RULES and i.due_on
    }


def _refresh_on(site, day: date) -> int:
    """A refresh as a write on `day` makes it (the site's own writes refresh for the real day)."""
    site.conn.execute("BEGIN IMMEDIATE")
    try:
        return summaries.refresh(site.conn, day)
    finally:
        site.conn.execute("COMMIT")


def test_the_handover_follows_the_day_past_a_tariff_expiry(tmp_path) -> None:
    site = init_site(tmp_path / "d.ahtui", name="HMP Day", agency="prison", admin=ADMIN,
                     passphrase=PASSPHRASE)  # fmt: skip
    try:
        with site.write() as conn:
            summaries.keep(conn)
        ted, thd = date(2027, 3, 10), date(2028, 9, 1)
        life = people.create_person(
            site,
            {"given_name": "Life", "family_name": "Case", "pathway": "long",
             "sentence_type": "ipp", "sentence_date": date(2012, 1, 5),
             "tariff_expiry_date": ted, "target_hearing_date": thd},
            on=date(2012, 1, 5),
        )  # fmt: skip
        other = people.create_person(
            site,
            {"given_name": "Fixed", "family_name": "Case", "pathway": "long",
             "sentence_type": "determinate", "sentence_date": date(2025, 1, 5),
             "conditional_release_date": date(2028, 1, 5)},
            on=date(2025, 1, 5),
        )  # fmt: skip
        before, after = ted - timedelta(days=1), ted + timedelta(days=1)
        assert _refresh_on(site, before) == 1  # the new day: only the indeterminate sentence
        assert _refresh_on(site, before) == 0  # the same day again: nothing to redo
        assert _summary(site, life) == _ruled(site, life, before)
        assert ("handover_meeting_by_handover_start", add_months(ted, -12).isoformat(), None) in (
            _summary(site, life)
        )
        assert _refresh_on(site, after) == 1
        assert _summary(site, life) == _ruled(site, life, after) != _ruled(site, life, before)
        assert ("handover_meeting_by_handover_start", add_months(thd, -12).isoformat(), None) in (
            _summary(site, life)
        )
        assert _summary(site, other) == _ruled(site, other, after)
        # `ahtui check`'s rebuild brings the day to the real one first: no damage reported.
        with site.write() as conn:
            found = summaries.rebuild_differences(conn)
        assert not found.people and not found.totals
        assert _summary(site, life) == _ruled(site, life, TODAY)
    finally:
        site.close()


_DAYS = st.integers(min_value=-2000, max_value=2000)


@st.composite
def _cases(draw) -> CaseFacts:
    """Any case but an indeterminate sentence: dates around 2026, some meetings held."""
    base = date(2026, 6, 1)

    def maybe(name: str) -> dict:
        return {name: base + timedelta(days=draw(_DAYS))} if draw(st.booleans()) else {}

    fields: dict = {}
    for name in ("sentence_date", "conditional_release_date", "parole_eligibility_date",
                 "automatic_release_date", "recall_date", "release_date", "licence_end_date",
                 "pa_support_ends_on", "date_of_birth", "tariff_expiry_date",
                 "target_hearing_date", "open_conditions_since"):  # fmt: skip
        fields.update(maybe(name))
    held = [
        MeetingFact(
            id=str(n),
            type=draw(st.sampled_from(list(enums.MeetingType))),
            status=enums.MeetingStatus.HELD,
            held_on=base + timedelta(days=draw(_DAYS)),
        )
        for n in range(draw(st.integers(0, 4)))
    ]
    return CaseFacts(
        pathway=draw(st.sampled_from(list(Pathway))),
        sentence_type=draw(
            st.sampled_from(
                [None, *(t for t in enums.SentenceType if t.value not in ("life", "ipp"))]
            )
        ),
        early_allocation=draw(st.booleans()),
        mappa_level=draw(st.sampled_from([None, 0, 1, 2, 3])),
        parole_outcome=draw(st.sampled_from([None, *enums.ParoleOutcome])),
        immigration_case=draw(st.booleans()),
        recall_type=draw(st.sampled_from([None, *enums.RecallType])),
        meetings=held,
        **fields,
    )


@settings(max_examples=300, deadline=None)
@given(_cases(), _DAYS, _DAYS)
def test_only_indeterminate_sentences_move_with_the_day(facts, a, b) -> None:
    """The summaries recompute only indeterminate sentences on a new day: for every other case
    the rules' dated meeting timescales (due date, day held) must be the same on any day."""

    def dated(day: date) -> set[tuple]:
        return {
            (i.rule, i.due_on, i.done_on)
            for i in compute_schedule(facts, day)
            if i.rule in MEETING_RULES and i.due_on
        }

    base = date(2026, 6, 1)
    assert dated(base + timedelta(days=a)) == dated(base + timedelta(days=b))
