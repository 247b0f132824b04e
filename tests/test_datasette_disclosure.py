"""The disclosure rule attacked: no combination of published figures, across the queries and
across snapshots taken as people of new and rare groups are added, recovers a count under 5.

The site is real (an encrypted file, demo people plus planted rare groups), every figure is read
through Datasette's test client as a supervisor reads it, and the people are added through the
store between snapshots. The attacker is the strongest we can state: they know exactly how
every count changed between snapshots (as if they had made every change themselves), and every
relation between figures of different queries (equality monitoring sums to the caseload and to
the scorecard; on time never exceeds due; a timescale's parts are never shown beside their
total, since a watched total less its watched large parts is the small one). They narrow each hidden count's possible values by interval reasoning over all of that,
then try every remaining value in turn against everything else ("shaving").

What rounding cannot hide, and the test says so: a count whose own published value changes
from <5 to 5 as someone adds people to it is pinned by that step (4 + 1 shows as 5). Anyone who
can add a person to a site can already read every person on it in the app, so that is not the
supervisors' view disclosing anything; the test asserts that every count the attacker recovers
is one of these, pinned by its own values alone, never by combining figures. A part of a
count under 5 (meetings on time, of meetings due) shows as <5 too, even when it is 0: else
"<5" against 0 would tell whether the one meeting of a due count pinned at 1 was on time
(seed 2650639521).
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from ahtui_datasette import logins
from ahtui_datasette.disclosure import (
    COUNT,
    LABEL,
    parts_of,
    published_count,
    published_part,
    published_share_of_parts,
)
from ahtui_datasette.queries import BY_NAME

from ahtui import serve
from ahtui.demo import build_demo
from ahtui.domain.enums import Pathway
from ahtui.serve.server import make_datasette
from ahtui.serve.unlock import unlock_sites
from ahtui.store import actions, people, team
from ahtui.store.site import init_site, open_site

ADMIN = "admin"
PASSPHRASE = "correct horse battery staple"
SUPERVISOR = "sam.supervisor"
RARE = {"Roma": 1, "Arab": 2, "Gypsy or Irish Traveller": 3, "Any other ethnic group": 4}
# Sums that hold between queries: (query, column) on the left equals the right, site by site.
SUMS = [
    (("equality_monitoring", "people"), ("caseload_by_pathway_and_lead", "people")),
    (("equality_monitoring", "meetings_due"), ("monthly_scorecard", "meetings_due")),
    (("equality_monitoring", "meetings_on_time"), ("monthly_scorecard", "meetings_on_time")),
    (("equality_monitoring", "actions_due"), ("monthly_scorecard", "actions_due")),
    (("equality_monitoring", "actions_on_time"), ("monthly_scorecard", "actions_on_time")),
]
AT_MOST = [
    ("equality_monitoring", "meetings_on_time", "meetings_due"),
    ("equality_monitoring", "actions_on_time", "actions_due"),
    ("monthly_scorecard", "meetings_on_time", "meetings_due"),
    ("monthly_scorecard", "actions_on_time", "actions_due"),
]
# A total published beside its parts; none is now (this once leaked a held-late count of 4,
# seed 3200766897), so the relations are used only if a query brings one back.
PARTS = [("meeting_timescales", "held_or_past_due", ("held_on_time", "held_late", "overdue"))]


class Infeasible(Exception):
    pass


def interval(shown, part: bool = False) -> tuple[int, int]:
    """The true counts a published value can stand for (a part of a count under 5 shows as
    <5 even when it is 0)."""
    if shown == "<5":
        return (0 if part else 1), 4
    if shown == 0:
        return 0, 0
    return max(5, shown - 2), shown + 2


def propagate(dom: dict, eqs: list, les: list) -> None:
    """Narrow `dom` (var -> [lo, hi]) to fixpoint under sum(pos) - sum(neg) == k and x <= y."""
    changed = True
    while changed:
        changed = False

        def tighten(v, lo, hi):
            nonlocal changed
            old = dom[v]
            new = [max(old[0], lo), min(old[1], hi)]
            if new[0] > new[1]:
                raise Infeasible
            if new != old:
                dom[v], changed = new, True

        for pos, neg, k in eqs:
            lo_p, hi_p = sum(dom[v][0] for v in pos), sum(dom[v][1] for v in pos)
            lo_n, hi_n = sum(dom[v][0] for v in neg), sum(dom[v][1] for v in neg)
            for v in pos:
                lo, hi = dom[v]
                tighten(v, k + lo_n - (hi_p - hi), k + hi_n - (lo_p - lo))
            for v in neg:
                lo, hi = dom[v]
                tighten(v, lo_p - k - (hi_n - hi), hi_p - k - (lo_n - lo))
        for x, y in les:
            tighten(x, dom[x][0], dom[y][1])
            tighten(y, dom[x][0], dom[y][1])


def recovered(dom: dict, eqs: list, les: list, targets) -> dict:
    """Targets whose value the attacker pins down: var -> value."""
    propagate(dom, eqs, les)
    found = {}
    for v in targets:
        possible = []
        for value in range(dom[v][0], dom[v][1] + 1):
            trial = {k: list(d) for k, d in dom.items()}
            trial[v] = [value, value]
            try:
                propagate(trial, eqs, les)
            except Infeasible:
                continue
            possible.append(value)
        if len(possible) == 1:
            found[v] = possible[0]
    return found


def test_the_attacker_finds_what_an_exact_total_gives_away() -> None:
    """The attacker is real: three rounded parts and an exact total pin the small one."""
    dom = {"a": [1, 4], "b": [8, 12], "c": [8, 12], "t": [24, 24]}
    eqs = [(("t",), ("a", "b", "c"), 0)]
    assert recovered({**dom, "b": [10, 10], "c": [10, 10]}, eqs, [], ["a"]) == {"a": 4}
    assert recovered(dict(dom), eqs, [], ["a"]) == {}


def test_a_share_of_parts_is_worked_out_from_the_parts_as_published() -> None:
    assert published_share_of_parts(10, 10, 5, 5) == 50
    assert published_share_of_parts(10, 10, "<5", 5) is None  # no total the parts do not give
    assert published_share_of_parts(0, 0, 0, 0) is None
    assert published_share_of_parts(5, 5, 0, 15) == 25


# -- the site and its snapshots ---------------------------------------------------------------


def _keys(query: str) -> list[str]:
    return [c for c, k in BY_NAME[query].columns.items() if k == LABEL]


def _counts(query: str) -> list[str]:
    return [c for c, k in BY_NAME[query].columns.items() if k == COUNT]


async def _snapshot(ds, cookie) -> tuple[dict, dict]:
    """Every count cell, as published (through the client) and exact: cell -> value."""
    shown, exact = {}, {}
    for query in BY_NAME:
        if not _counts(query):
            continue
        response = await ds.client.get(f"/site/{query}.json?_shape=array", cookies=cookie)
        assert response.status_code == 200
        result = await ds.get_database("site").execute(BY_NAME[query].exact_sql)
        published, worked = response.json(), [dict(r) for r in result.rows]
        labels = Counter(tuple(row[c] for c in _keys(query)) for row in worked)
        for target, rows in ((shown, published), (exact, worked)):
            for row in rows:
                key = tuple(row[c] for c in _keys(query))
                if labels[key] > 1:
                    # Two rows alike in every label (two practitioners of one name in one
                    # team): a reader cannot tell which figure is whose, so neither is a cell
                    # the attacker can pin to one group.
                    continue
                for col in _counts(query):
                    cell = (query, key, col)
                    assert cell not in target, f"two rows for {cell}"
                    target[cell] = row[col]
    return shown, exact


def _add(site, rng, ethnicity: str, n: int, today: date) -> None:
    staff = team.list_practitioners(site)
    with site.write():
        for _ in range(n):
            lead = rng.choice(staff)
            sentenced = today - timedelta(days=rng.randint(75, 300))
            pid = people.create_person(
                site,
                {
                    "given_name": "Added",
                    "family_name": "Person",
                    "pathway": rng.choice([Pathway.LONG, Pathway.SHORT]),
                    "sentence_date": sentenced,
                    "sentence_length_months": 30,
                    "ethnicity": ethnicity,
                },
                lead_practitioner_id=lead["id"],
                lead_role=lead["role"],
                on=sentenced,
            )
            for _ in range(rng.randint(0, 2)):
                due = today - timedelta(days=rng.randint(1, 200))
                actions.add_action(site, pid, {"step": "A step", "due_on": due})


@pytest.fixture
def seed() -> int:
    # A failing seed is replayed with DISCLOSURE_SEED=<seed>; otherwise every run draws afresh.
    value = int(os.environ.get("DISCLOSURE_SEED") or random.SystemRandom().randrange(2**32))
    print(f"disclosure attack seed: {value}")
    return value


async def test_no_combination_of_published_figures_recovers_a_count_under_5(tmp_path, seed) -> None:
    # People of new groups, then of the rare ones, then of both: a snapshot after each.
    rng = random.Random(seed)
    rounds = [
        {"Kurdish": 1},
        {"Roma": rng.randint(1, 3), "Arab": rng.randint(1, 3), "Somali": 2},
        {"Gypsy or Irish Traveller": rng.randint(1, 4), "Kurdish": rng.randint(1, 3)},
    ]
    await _run_attack(tmp_path, rng, rounds)


@pytest.mark.slow
async def test_many_snapshots_of_random_additions_recover_no_count_under_5(tmp_path, seed) -> None:
    rng = random.Random(seed)
    groups = [*RARE, "Kurdish", "Somali", "Irish", "Chinese"]
    rounds = [
        {g: rng.randint(1, 3) for g in rng.sample(groups, rng.randint(1, 3))} for _ in range(10)
    ]
    await _run_attack(tmp_path, rng, rounds)


async def _run_attack(tmp_path, rng: random.Random, rounds: list[dict[str, int]]) -> None:
    today = date.today()
    path = tmp_path / "site.ahtui"
    site = init_site(path, name="HMP Rare", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    build_demo(site, people=40, seed=rng.randrange(1000), actions_per_person=4, today=today)
    for ethnicity, n in RARE.items():
        _add(site, rng, ethnicity, n, today)
    site.close()
    auth = tmp_path / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, "supervisor password one")
    ds = make_datasette(unlock_sites((path,), ADMIN, PASSPHRASE), auth)
    try:
        cookie = {"ds_actor": logins.start_session(ds, SUPERVISOR)}
        snapshots = [await _snapshot(ds, cookie)]
        for additions in rounds:
            site = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
            try:
                for ethnicity, n in additions.items():
                    _add(site, rng, ethnicity, n, today)
            finally:
                site.close()
            snapshots.append(await _snapshot(ds, cookie))
    finally:
        for db in ds.databases.values():
            db.close()
    _attack(snapshots)


def _attack(snapshots: list[tuple[dict, dict]]) -> None:
    cells = sorted({c for shown, exact in snapshots for c in (*shown, *exact)}, key=repr)
    base = snapshots[0][1]
    # Every published value is the rule applied to the exact one; absent rows are zeros.
    whole = {}  # a part's cell -> its whole's cell
    for c in cells:
        of = parts_of(BY_NAME[c[0]].columns).get(c[2])
        if of is not None:
            whole[c] = (c[0], c[1], of)
    for shown, exact in snapshots:
        for c in cells:
            if c in whole:
                want = published_part(exact.get(c, 0), exact.get(whole[c], 0))
            else:
                want = published_count(exact.get(c, 0))
            assert shown.get(c, 0) == want, c

    # What each cell's own published values say about its first count, given known changes.
    def own(c) -> list[int]:
        lo, hi = 0, 10**9
        for shown, exact in snapshots:
            delta = exact.get(c, 0) - base.get(c, 0)
            a, b = interval(shown.get(c, 0), c in whole)
            lo, hi = max(lo, a - delta), min(hi, b - delta)
        assert lo <= base.get(c, 0) <= hi
        return [lo, hi]

    dom = {c: own(c) for c in cells}
    eqs, les = [], []
    sites = {c[1][0] for c in cells}
    for (lq, lcol), (rq, rcol) in SUMS:
        for site in sites:
            left = tuple(c for c in cells if c[0] == lq and c[2] == lcol and c[1][0] == site)
            right = tuple(c for c in cells if c[0] == rq and c[2] == rcol and c[1][0] == site)
            for _shown, exact in snapshots:  # the relation is true at every snapshot
                assert sum(exact.get(c, 0) for c in left) == sum(exact.get(c, 0) for c in right)
            eqs.append((left, right, 0))
    for query, small, large in AT_MOST:
        for c in cells:
            if c[0] == query and c[2] == small and (query, c[1], large) in dom:
                les.append((c, (query, c[1], large)))
    for query, total, parts in PARTS:
        for c in cells:
            if c[0] == query and c[2] == total:
                eqs.append(((c,), tuple((query, c[1], p) for p in parts), 0))
    for pos, neg, _k in eqs:
        for v in (*pos, *neg):
            dom.setdefault(v, own(v))
    # Counts under 5, and parts (0 included) of counts under 5: all shown as <5.
    targets = [
        c
        for c in cells
        if 1 <= base.get(c, 0) <= 4 or (c in whole and 1 <= base.get(whole[c], 0) <= 4)
    ]
    assert len(targets) >= len(RARE), "the site should have small counts to attack"
    by_own = {c: own(c) for c in targets}
    found = recovered(dom, eqs, les, targets)
    combined = {c: v for c, v in found.items() if by_own[c][0] != by_own[c][1]}
    assert not combined, f"counts under 5 recovered by combining figures: {combined}"

    # Those pinned by their own values crossed from <5 to 5 as people were added to them (or,
    # for a part, its whole did, and the part showed what it had been all along).
    def grew(c) -> bool:
        return any(exact.get(c, 0) > base.get(c, 0) for _s, exact in snapshots)

    for c in found:
        assert grew(c) or (c in whole and grew(whole[c])), c
    print(
        f"{len(targets)} counts under 5 attacked over {len(snapshots)} snapshots and "
        f"{len(eqs)} relations; {len(found)} pinned by their own step from <5 to 5"
    )


# -- every count on every page and chart ------------------------------------------------------


async def test_every_count_in_the_scorecard_chart_is_rounded(tmp_path) -> None:
    path = tmp_path / "site.ahtui"
    site = init_site(path, name="HMP Chart", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    build_demo(site, people=30, seed=9, actions_per_person=5, today=date.today())
    site.close()
    auth = tmp_path / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, "supervisor password one")
    ds = make_datasette(unlock_sites((path,), ADMIN, PASSPHRASE), auth)
    try:
        cookie = {"ds_actor": logins.start_session(ds, SUPERVISOR)}
        page = await ds.client.get("/-/ahtui/scorecard", cookies=cookie)
        assert page.status_code == 200
        text = page.text
        assert "Counts under 5 are shown as &lt;5" in text
        tips = re.findall(r"(\d+)% \((&lt;5|\d+) of (&lt;5|\d+)\)", text)
        assert tips
        cells = re.findall(r'<td class="num">([^<]*)</td>', text)
        seen: Counter = Counter()
        for _pct, on, due in tips:
            for value in (on, due):
                assert value == "&lt;5" or int(value) % 5 == 0, value
                seen[value] += 1
        for i, value in enumerate(cells):
            if i % 3 == 2 or value == "":  # the share column
                continue
            assert value == "&lt;5" or int(value) % 5 == 0, value
        home = await ds.client.get("/", cookies=cookie)
        assert "Counts under 5 are shown as &lt;5" in home.text
        for query in BY_NAME:
            description = (await ds.client.get(f"/site/{query}", cookies=cookie)).text
            if _counts(query):
                assert "Counts under 5 are shown as &lt;5" in description, query
    finally:
        for db in ds.databases.values():
            db.close()
