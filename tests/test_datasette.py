"""The supervisors' view, through Datasette's own test client, on real encrypted site files.

Two demo sites (a prison and a probation office) are built once for the module and served
together the way `ahtui serve` serves them. Every figure a query returns is checked against
numbers worked out here in Python from the store and the domain rules, never by running the
plugin's SQL again. Canary strings planted in a sensitive note and in free-text fields must
appear in no response a supervisor can reach.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import ahtui_datasette
import pytest
from ahtui_datasette.disclosure import COUNT, parts_of
from ahtui_datasette.queries import BY_NAME, MEETING_RULES, NEAR_RELEASE_DAYS, ONE_OFF_RULES

from ahtui import serve
from ahtui.demo import build_demo
from ahtui.domain.enums import ConsentEvent, DueStatus, Pathway
from ahtui.domain.facts import ConsentFact
from ahtui.domain.schedule import compute_schedule, consent_reoffer_3_months_after_refusal
from ahtui.domain.workdays import add_months
from ahtui.serve.configuration import datasette_metadata, datasette_settings
from ahtui.serve.server import make_datasette
from ahtui.serve.unlock import unlock_sites, url_name
from ahtui.store import actions, notes, people, release, rows, team
from ahtui.store.caseload import caseload
from ahtui.store.facts_loader import load_facts
from ahtui.store.site import init_site, open_site

ADMIN = "admin"
PASSPHRASE = "correct horse battery staple"
SUPERVISOR = "sam.supervisor"
SUPERVISOR_PASSWORD = "supervisor password one"
CANARY_SENSITIVE = "CANARY-SENSITIVE-7f3a9c"
CANARY_TEXT = "CANARY-FREETEXT-2b8e41"
SITES = {
    "north": ("HMP North", "prison", 40, 11),
    "south": ("South Probation", "probation", 30, 12),
}


def _plant(site, today: date) -> dict:
    """Records the demo does not make: canaries, people near release, a deleted person."""
    staff = team.list_practitioners(site, "pom")
    lead = staff[0]["id"]
    planted = {"near_release": []}
    with site.write():
        pid = site.one("SELECT id FROM people WHERE deleted_at IS NULL ORDER BY crn LIMIT 1")[0]
        notes.add_note(
            site,
            pid,
            {
                "contact_type": "phone",
                "contact_at": today.isoformat(),
                "sensitive": True,
                "body": f"Disclosed something private {CANARY_SENSITIVE}",
            },
        )
        actions.add_action(
            site, pid, {"step": f"Step text {CANARY_TEXT}", "due_on": today - timedelta(days=3)}
        )
        # Near release with no release plan, and with a plan that names no one for the gate.
        for n, with_plan in enumerate((False, False, True)):
            sentence = today - timedelta(days=200)
            new = people.create_person(
                site,
                {
                    "given_name": f"Gatename{n}",
                    "family_name": CANARY_TEXT,
                    "crn": f"Z{900000 + n}",
                    "pathway": Pathway.LONG,
                    "sentence_date": sentence,
                    "sentence_length_months": 24,
                    "conditional_release_date": today + timedelta(days=20 + 10 * n),
                    "ethnicity": "Mixed",
                },
                lead_practitioner_id=lead,
                lead_role="pom",
                on=sentence,
            )
            if with_plan:
                release.save_release_day(site, new, release_on=None, travel=f"Bus {CANARY_TEXT}")
            planted["near_release"].append(f"Z{900000 + n}")
        # A deleted person: their overdue actions must count nowhere.
        gone = people.create_person(
            site,
            {"given_name": "Gone", "family_name": "Person", "pathway": Pathway.REMAND},
            lead_practitioner_id=lead,
            lead_role="pom",
        )
        actions.add_action(site, gone, {"step": "Old", "due_on": today - timedelta(days=9)})
        rows.soft_delete(site, "people", gone)
        # Someone no one leads yet: the caseload must show them on a line of their own.
        people.create_person(
            site, {"given_name": "Nolead", "family_name": CANARY_TEXT, "pathway": "remand"}
        )
    return planted


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("supervisors")
    today = date.today()
    paths, planted = {}, {}
    for name, (title, agency, count, seed) in SITES.items():
        path = base / f"{name}.ahtui"
        site = init_site(path, name=title, agency=agency, admin=ADMIN, passphrase=PASSPHRASE)
        build_demo(site, people=count, seed=seed, actions_per_person=6, today=today)
        planted[name] = _plant(site, today)
        site.close()
        paths[name] = path
    auth = base / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, SUPERVISOR_PASSWORD)
    unlocked = unlock_sites(tuple(paths.values()), ADMIN, PASSPHRASE)
    ds = make_datasette(unlocked, auth)
    yield {"ds": ds, "paths": paths, "auth": auth, "planted": planted, "unlocked": unlocked}
    for db in ds.databases.values():
        db.close()


@pytest.fixture(scope="module")
def expected(served):
    """Every figure, worked out in Python from the store and the rules."""
    out = {}
    for name, path in served["paths"].items():
        site = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
        try:
            out[name] = _expected_for(site, date.today())
        finally:
            site.close()
    return out


def _expected_for(site, today: date) -> dict:
    facts = load_facts(site)
    pracs = {p["id"]: p for p in team.list_practitioners(site)}
    persons = {r.person_id: r for r in caseload(site, today)}
    details = {pid: people.get_person(site, pid) for pid in persons}
    result: dict = {"site": site.name}

    overdue: Counter = Counter()
    action_rows = []
    for pid in persons:
        for a in actions.actions_for(site, pid):
            action_rows.append((pid, a))
            if a["completed_on"] is None and a["due_on"] and a["due_on"] < today.isoformat():
                prac = pracs.get(a["responsible_practitioner_id"])
                overdue[prac["name"] if prac else "No practitioner named"] += 1
    result["overdue"] = overdue

    items = {}
    status_counts: dict[str, Counter] = defaultdict(Counter)
    for pid, f in facts.items():
        items[pid] = [
            i
            for i in compute_schedule(f, today)
            if i.rule in MEETING_RULES and i.due_on is not None
        ]
        for i in items[pid]:
            if i.done_on is not None:
                status = "held_on_time" if i.done_on <= i.due_on else "held_late"
            elif i.status is DueStatus.OVERDUE:
                status = "overdue"
            else:
                status = "not_yet_due"
            status_counts[i.rule][status] += 1
    result["timescales"] = status_counts

    loads: Counter = Counter()
    for r in persons.values():
        lead = pracs.get(r.lead_practitioner_id)
        loads[(r.pathway, lead["name"] if lead else "No lead")] += 1
    result["caseload"] = loads

    # Events recorded in the same millisecond are put in the order they were recorded (rowid):
    # the store's own ORDER BY on_date, created_at leaves such ties to chance.
    events: dict[str, list] = defaultdict(list)
    for c in site.query(
        "SELECT rowid, person_id, agency, event, on_date, reoffer_on, created_at FROM consents "
        "WHERE deleted_at IS NULL"
    ):
        events[c["person_id"]].append(c)
    consent: dict[str, Counter] = defaultdict(Counter)
    for pid in persons:
        ordered = sorted(events[pid], key=lambda c: (c["on_date"], c["created_at"], c["rowid"]))
        latest = {c["agency"]: c["event"] for c in ordered}
        for agency, event in latest.items():
            consent[agency][event] += 1
        in_order = facts[pid].model_copy(
            update={
                "consents": [
                    ConsentFact(
                        agency=c["agency"],
                        event=c["event"],
                        on=date.fromisoformat(c["on_date"]),
                        reoffer_on=date.fromisoformat(c["reoffer_on"]) if c["reoffer_on"] else None,
                    )
                    for c in ordered
                ]
            }
        )
        for i in consent_reoffer_3_months_after_refusal(in_order, today):
            agency = i.inputs["agency"]
            if i.status is DueStatus.OVERDUE:
                consent[agency]["reoffers_overdue"] += 1
            elif i.status is DueStatus.DUE:
                consent[agency]["reoffers_due_soon"] += 1
    result["consent"] = consent

    near = set()
    for pid, r in persons.items():
        p = details[pid]
        if r.pathway not in ("long", "short", "recall"):
            continue
        rel = p["conditional_release_date"] or p["release_date"]
        if r.pathway == "recall":
            rel = (
                p["release_date"]
                if p["release_date"] and p["release_date"] > (p["recall_date"] or "")
                else None
            )
        if (
            rel is None
            or not today.isoformat()
            <= rel
            <= (today + timedelta(days=NEAR_RELEASE_DAYS)).isoformat()
        ):
            continue
        plan = site.one(
            "SELECT gate_person FROM release_plans WHERE person_id = ? AND deleted_at IS NULL",
            (pid,),
        )
        if plan is None or not (plan["gate_person"] or "").strip():
            near.add(p["crn"])
    result["near_release"] = near

    first = add_months(today.replace(day=1), -11)
    months = [add_months(first, k).isoformat()[:7] for k in range(12)]
    score = {m: Counter() for m in months}
    by_eth: dict[str, Counter] = defaultdict(Counter)
    for pid in persons:
        eth = (details[pid]["ethnicity"] or "").strip() or "Not recorded"
        by_eth[eth]["people"] += 1
        for i in items[pid]:
            if i.rule in ONE_OFF_RULES and first <= i.due_on < today:
                on_time = i.done_on is not None and i.done_on <= i.due_on
                score[i.due_on.isoformat()[:7]].update(m_due=1, m_on=int(on_time))
                by_eth[eth].update(m_due=1, m_on=int(on_time))
    for pid, a in action_rows:
        if a["due_on"] and first.isoformat() <= a["due_on"] < today.isoformat():
            on_time = a["completed_on"] is not None and a["completed_on"][:10] <= a["due_on"]
            score[a["due_on"][:7]].update(a_due=1, a_on=int(on_time))
            eth = (details[pid]["ethnicity"] or "").strip() or "Not recorded"
            by_eth[eth].update(a_due=1, a_on=int(on_time))
    result["scorecard"] = score
    result["equality"] = by_eth
    return result


def rounded(n: int) -> int | str:
    """The published rule, written out plainly: 0 is 0, 1-4 is "<5", else the nearest 5."""
    return 0 if n == 0 else "<5" if n < 5 else 5 * round(n / 5)


def published(query: str, rows: list[dict]) -> list[dict]:
    """What a query should publish, from its exact rows: counts rounded, shares worked out
    from the rounded counts (blank if any is <5 or nothing is due)."""
    out = []
    for row in rows:
        shown = {}
        whole_of = parts_of(BY_NAME[query].columns)
        for col, kind in BY_NAME[query].columns.items():
            if kind == COUNT and col in whole_of and rounded(row[whole_of[col]]) == "<5":
                shown[col] = "<5"  # a part of a count under 5 says no more than it
            elif kind == COUNT:
                shown[col] = rounded(row[col])
            elif isinstance(kind, tuple):
                num = rounded(row[kind[1]])
                if isinstance(kind[2], tuple):  # of the parts as shown, none of them <5
                    parts = [rounded(row[c]) for c in kind[2]]
                    den = sum(parts) if all(isinstance(p, int) for p in parts) else "<5"
                else:
                    den = rounded(row[kind[2]])
                ok = isinstance(num, int) and isinstance(den, int) and den > 0
                shown[col] = round(100 * num / den) if ok else None
            else:
                shown[col] = row[col]
        out.append(shown)
    return out


def _cookie(ds, name: str = SUPERVISOR) -> dict:
    """A signed-in supervisor's cookie: a session started as the login form starts one."""
    return {"ds_actor": ahtui_datasette.logins.start_session(ds, name)}


async def _json(ds, path: str) -> list[dict]:
    response = await ds.client.get(path + ".json?_shape=array", cookies=_cookie(ds))
    assert response.status_code == 200, response.text
    return response.json()


async def _exact(ds, database: str, query: str) -> list[dict]:
    """A query's exact figures, before rounding: never served, read here to check them."""
    result = await ds.get_database(database).execute(BY_NAME[query].exact_sql)
    return [dict(r) for r in result.rows]


# -- access -------------------------------------------------------------------------------------


async def test_anonymous_gets_403_everywhere(served) -> None:
    ds = served["ds"]
    for path in (
        "/",
        "/.json",
        "/north",
        "/north/overdue_actions",
        "/north/overdue_actions.json",
        "/-/ahtui/scorecard",
        "/-/versions",
        "/north/people",
    ):
        response = await ds.client.get(path)
        assert response.status_code == 403, path
        assert "Sign in" in response.text


async def test_login_form_signs_a_supervisor_in(served, monkeypatch) -> None:
    monkeypatch.setattr(ahtui_datasette.logins, "FAILED_LOGIN_DELAY", 0)
    ds = served["ds"]
    page = await ds.client.get("/-/ahtui/login?next=/north")
    assert page.status_code == 200
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    csrf = {"ds_csrftoken": page.cookies["ds_csrftoken"]}
    form = {"csrftoken": token, "username": SUPERVISOR, "next": "/north"}
    wrong = await ds.client.post(
        "/-/ahtui/login", data={**form, "password": "not the password"}, cookies=csrf
    )
    assert wrong.status_code == 403 and "Wrong name or password" in wrong.text
    assert "ds_actor" not in wrong.cookies
    right = await ds.client.post(
        "/-/ahtui/login", data={**form, "password": SUPERVISOR_PASSWORD}, cookies=csrf
    )
    assert right.status_code == 302 and right.headers["location"] == "/north"
    actor = {"ds_actor": right.cookies["ds_actor"]}
    assert (await ds.client.get("/north", cookies=actor)).status_code == 200
    # An open redirect to another site is refused.
    evil = await ds.client.post(
        "/-/ahtui/login",
        data={**form, "password": SUPERVISOR_PASSWORD, "next": "//evil.example"},
        cookies=csrf,
    )
    assert evil.headers["location"] == "/"


async def test_a_removed_or_forged_login_is_refused(served, tmp_path) -> None:
    ds = served["ds"]
    unlisted = {"a": {"id": "not.listed", "ahtui": "supervisor", "sid": "x"}}
    assert (
        await ds.client.get("/", cookies={"ds_actor": ds.sign(unlisted, "actor")})
    ).status_code == 403
    # Signed by this server, but naming no session: what every cookie was before sessions.
    sessionless = {"ds_actor": ds.sign({"a": {"id": SUPERVISOR, "ahtui": "supervisor"}}, "actor")}
    assert (await ds.client.get("/", cookies=sessionless)).status_code == 403
    forged = {"ds_actor": "eyJhIjp7ImlkIjoic2FtIn19.bad"}
    assert (await ds.client.get("/", cookies=forged)).status_code == 403
    other = {"ds_actor": ds.sign({"a": {"id": SUPERVISOR}}, "actor")}  # not a supervisor actor
    assert (await ds.client.get("/", cookies=other)).status_code == 403


async def test_tables_sql_downloads_and_writes_are_refused(served) -> None:
    ds = served["ds"]
    cookie = _cookie(ds)
    site = open_site(served["paths"]["north"], ADMIN, PASSPHRASE, audit_unlock=False)
    try:
        tables = [r[0] for r in site.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
        before = site.one("SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM actions)")
        person_id = site.one("SELECT id FROM people LIMIT 1")[0]
    finally:
        site.close()
    assert "case_notes" in tables and "people" in tables
    refused = [f"/north/{t}{ext}" for t in tables for ext in ("", ".json", ".csv")]
    refused += [
        f"/north/people/{person_id}",
        f"/north/people/{person_id}.json",
        "/north.db",
        "/south.db",
        "/north?sql=select+body+from+case_notes",
        "/north.json?sql=select+body+from+case_notes",
        "/north/overdue_actions?sql=select+body+from+case_notes",
        "/_memory",
        "/_internal",
        "/-/metadata",
        "/-/versions",
        "/-/plugins",
        "/-/settings",
        "/-/config",
        "/-/databases",
        "/-/threads",
        "/-/actor",
        "/-/permissions",
        "/-/messages",
        "/-/allow-debug",
        "/-/patterns",
    ]
    for path in refused:
        response = await ds.client.get(path, cookies=cookie)
        assert response.status_code == 403, path
        assert CANARY_SENSITIVE not in response.text
    writes = [
        ("post", "/north/people/-/insert", {"row": {"id": "x", "given_name": "x"}}),
        ("post", "/north/-/create", {"table": "t", "columns": [{"name": "a"}]}),
        ("post", f"/north/people/{person_id}/-/update", {"update": {"given_name": "x"}}),
        ("post", f"/north/people/{person_id}/-/delete", {}),
        ("post", "/north/people/-/drop", {}),
        ("post", "/north/overdue_actions", {}),
        ("put", "/north/people", {}),
        ("patch", "/north/people", {}),
        ("delete", "/north/people", {}),
    ]
    for method, path, body in writes:
        response = await getattr(ds.client, method)(
            path, cookies=cookie, **({"json": body} if method != "delete" else {})
        )
        assert response.status_code == 403, (method, path)
    site = open_site(served["paths"]["north"], ADMIN, PASSPHRASE, audit_unlock=False)
    try:
        after = site.one("SELECT (SELECT count(*) FROM people), (SELECT count(*) FROM actions)")
    finally:
        site.close()
    assert tuple(after) == tuple(before)


async def test_connections_are_read_only_and_encrypted(served) -> None:
    ds = served["ds"]
    db = ds.get_database("north")
    with pytest.raises(Exception, match="readonly|read-only|query_only"):
        await db.execute_write("DELETE FROM sites")
    path = served["paths"]["north"]
    assert not path.read_bytes()[:16].startswith(b"SQLite format 3")
    import sqlite3

    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master").fetchone()
    # ... yet Datasette reads it, through SQLCipher.
    assert await _json(ds, "/north/caseload_by_pathway_and_lead")


async def test_keys_can_come_from_an_environment_variable(served, monkeypatch) -> None:
    from datasette.app import Datasette
    from datasette.database import Database

    north = next(s for s in served["unlocked"] if s.name == "north")
    metadata = datasette_metadata([north], served["auth"])
    metadata["plugins"]["ahtui"]["sites"]["north"] = {"key_env": "AHTUI_TEST_NORTH_KEY"}
    ds = Datasette(files=[], metadata=metadata, settings=datasette_settings())
    ds.add_database(Database(ds, path=str(north.path), is_mutable=True), name="north")
    monkeypatch.delenv("AHTUI_TEST_NORTH_KEY", raising=False)
    with pytest.raises(
        ahtui_datasette.ConfigError, match=r"\$AHTUI_TEST_NORTH_KEY, which is not set"
    ):
        await ds.invoke_startup()
    monkeypatch.setenv("AHTUI_TEST_NORTH_KEY", north.key.hex())
    await ds.invoke_startup()
    response = await ds.client.get(
        "/north/caseload_by_pathway_and_lead.json?_shape=array", cookies=_cookie(ds)
    )
    assert response.status_code == 200 and response.json()
    ds.get_database("north").close()


async def test_a_wrong_key_or_a_file_never_served_is_refused_at_start(
    served, tmp_path, monkeypatch
) -> None:
    """Datasette given a key that does not open a file, or pointed straight at a file `ahtui
    serve` never prepared, says so at start instead of failing on every page or showing empty
    numbers; with the right key and once served, it starts."""
    from conftest import copy_site
    from datasette.app import Datasette
    from datasette.database import Database

    north = next(s for s in served["unlocked"] if s.name == "north")
    copy = copy_site(north.path, tmp_path)
    site = open_site(copy, ADMIN, PASSPHRASE, audit_unlock=False)
    with site.write() as conn:  # as if it had never been served
        conn.execute("DELETE FROM site_meta WHERE key = 'summaries_kept'")
    site.close()

    def datasette() -> Datasette:
        metadata = datasette_metadata([north], served["auth"])
        metadata["plugins"]["ahtui"]["sites"]["north"] = {"key_env": "AHTUI_TEST_COPY_KEY"}
        ds = Datasette(files=[], metadata=metadata, settings=datasette_settings())
        ds.add_database(Database(ds, path=str(copy), is_mutable=True), name="north")
        return ds

    monkeypatch.setenv("AHTUI_TEST_COPY_KEY", bytes(32).hex())  # not this file's key
    ds = datasette()
    with pytest.raises(ahtui_datasette.ConfigError, match="does not open it"):
        await ds.invoke_startup()
    ds.get_database("north").close()
    monkeypatch.setenv("AHTUI_TEST_COPY_KEY", north.key.hex())
    ds = datasette()
    with pytest.raises(ahtui_datasette.ConfigError, match="ahtui serve --site FILE"):
        await ds.invoke_startup()
    ds.get_database("north").close()
    unlock_sites((copy,), ADMIN, PASSPHRASE)  # what `ahtui serve` does first
    ds = datasette()
    await ds.invoke_startup()
    response = await ds.client.get("/north/consent_status.json", cookies=_cookie(ds))
    assert response.status_code == 200
    ds.get_database("north").close()


async def test_key_files_must_be_owner_only(served, tmp_path) -> None:
    from datasette.app import Datasette
    from datasette.database import Database

    north = next(s for s in served["unlocked"] if s.name == "north")
    key_file = tmp_path / "north.key"
    key_file.write_text(north.key.hex() + "\n")
    key_file.chmod(0o644)
    metadata = datasette_metadata([north], served["auth"])
    metadata["plugins"]["ahtui"]["sites"]["north"] = {"key_file": str(key_file)}
    ds = Datasette(files=[], metadata=metadata, settings=datasette_settings())
    ds.add_database(Database(ds, path=str(north.path), is_mutable=True), name="north")
    with pytest.raises(ahtui_datasette.ConfigError, match="chmod 600"):
        await ds.invoke_startup()
    key_file.chmod(0o600)
    await ds.invoke_startup()
    assert (
        await ds.client.get("/north/consent_status.json", cookies=_cookie(ds))
    ).status_code == 200
    ds.get_database("north").close()


# -- the queries ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SITES)
async def test_overdue_actions(served, expected, name) -> None:
    got = await _exact(served["ds"], name, "overdue_actions")
    assert {r["site"] for r in got} == {expected[name]["site"]}
    counts: Counter = Counter()
    for r in got:
        counts[r["practitioner"]] += r["overdue_actions"]
        assert r["days_overdue"] >= 1 and r["team"]
    assert counts == expected[name]["overdue"]


# The rules as they were before issue 14 (handover 6 months before release, recall Meeting 1
# within 10 weeks, one Final Review): the supervisors' figures state none of them now.
BEFORE_ISSUE_14 = {
    "meeting1_within_10_weeks_of_recall",
    "handover_6_months_before_conditional_release",
    "final_review_1_month_before_end_of_support",
}


@pytest.mark.parametrize("name", SITES)
async def test_meeting_timescales(served, expected, name) -> None:
    got = await _exact(served["ds"], name, "meeting_timescales")
    want = expected[name]["timescales"]
    assert {r["rule"] for r in got} == set(want)
    for r in got:
        assert r["timescale"] == MEETING_RULES[r["rule"]]
        figures = {k: r[k] for k in ("held_on_time", "held_late", "overdue", "not_yet_due")}
        assert figures == {k: want[r["rule"]][k] for k in figures}, r["rule"]


@pytest.mark.parametrize("name", SITES)
async def test_supervisors_sql_states_the_rules_of_issue_14(served, expected, name) -> None:
    got = {r["rule"] for r in await _json(served["ds"], f"/{name}/meeting_timescales")}
    assert not got & BEFORE_ISSUE_14
    assert got <= set(MEETING_RULES) and not BEFORE_ISSUE_14 & set(MEETING_RULES)
    assert {
        "handover_meeting_by_handover_start",
        "final_review_1_month_before_pa_support_ends",
    } <= (got)


@pytest.mark.parametrize("name", SITES)
async def test_caseload_by_pathway_and_lead(served, expected, name) -> None:
    got = await _exact(served["ds"], name, "caseload_by_pathway_and_lead")
    counts: Counter = Counter()
    for r in got:
        counts[(r["pathway"], r["lead"])] += r["people"]
    assert counts == expected[name]["caseload"]
    assert counts[("remand", "No lead")] >= 1


@pytest.mark.parametrize("name", SITES)
async def test_consent_status(served, expected, name) -> None:
    got = await _exact(served["ds"], name, "consent_status")
    want = expected[name]["consent"]
    assert {r["agency"] for r in got} == set(want)
    for r in got:
        w = want[r["agency"]]
        assert r["given"] == w[ConsentEvent.GIVEN.value]
        assert r["declined"] == w["declined"]
        assert r["withdrawn"] == w["withdrawn"]
        assert r["offered_no_answer"] == w["offered"]
        assert r["reoffers_overdue"] == w["reoffers_overdue"]
        assert r["reoffers_due_soon"] == w["reoffers_due_soon"]
    listed = await _json(served["ds"], f"/{name}/consent_reoffers_due")
    assert len(listed) == sum(w["reoffers_overdue"] + w["reoffers_due_soon"] for w in want.values())


@pytest.mark.parametrize("name", SITES)
async def test_near_release_with_no_gate_plan(served, expected, name) -> None:
    got = await _json(served["ds"], f"/{name}/near_release_no_gate_plan")
    assert {r["crn"] for r in got} == expected[name]["near_release"]
    assert set(served["planted"][name]["near_release"]) <= {r["crn"] for r in got}
    assert {"given_name", "family_name", "name", "date_of_birth"}.isdisjoint(got[0])


@pytest.mark.parametrize("name", SITES)
async def test_monthly_scorecard(served, expected, name) -> None:
    got = await _exact(served["ds"], name, "monthly_scorecard")
    want = expected[name]["scorecard"]
    assert [r["month"] for r in got] == list(want)
    for r in got:
        w = want[r["month"]]
        assert (r["meetings_due"], r["meetings_on_time"]) == (w["m_due"], w["m_on"]), r["month"]
        assert (r["actions_due"], r["actions_on_time"]) == (w["a_due"], w["a_on"]), r["month"]
    assert sum(w["a_due"] for w in want.values()) > 0


@pytest.mark.parametrize("name", SITES)
async def test_equality_monitoring(served, expected, name) -> None:
    got = await _exact(served["ds"], name, "equality_monitoring")
    want = expected[name]["equality"]
    assert {r["ethnicity"] for r in got} == set(want)
    names = {"people": "people", "meetings_due": "m_due", "meetings_on_time": "m_on"}
    names.update(actions_due="a_due", actions_on_time="a_on")
    for r in got:
        assert {k: r[k] for k in names} == {k: want[r["ethnicity"]][v] for k, v in names.items()}


@pytest.mark.parametrize("name", SITES)
@pytest.mark.parametrize("query", BY_NAME)
async def test_every_query_publishes_its_figures_rounded(served, name, query) -> None:
    """What is served (JSON, CSV) is the exact figures with the published rule applied."""
    ds = served["ds"]
    exact = await _exact(ds, name, query)
    got = await _json(ds, f"/{name}/{query}")
    assert got == published(query, exact)
    counts = [c for c, kind in BY_NAME[query].columns.items() if kind == COUNT]
    for row in got:
        for c in counts:
            assert row[c] == "<5" or (isinstance(row[c], int) and row[c] % 5 == 0), (c, row)
    csv = await ds.client.get(f"/{name}/{query}.csv", cookies=_cookie(ds))
    assert csv.status_code == 200
    assert len(csv.text.strip().splitlines()) == len(got) + 1


async def test_scorecard_chart_is_plain_svg(served) -> None:
    ds = served["ds"]
    response = await ds.client.get("/-/ahtui/scorecard", cookies=_cookie(ds))
    assert response.status_code == 200
    text = response.text
    assert text.count("<svg") >= 3  # the menu icon and one chart per site
    assert "HMP North" in text and "South Probation" in text
    assert "Meetings held on time" in text and "Actions completed on time" in text
    assert "<script src" not in text and "cdn" not in text.lower()


# -- nothing sensitive, anywhere a supervisor can go -----------------------------------------


async def test_crawl_finds_no_canary_key_or_name(served) -> None:
    ds = served["ds"]
    cookie = _cookie(ds)
    forbidden = [CANARY_SENSITIVE, CANARY_TEXT] + [s.key.hex() for s in served["unlocked"]]
    # Nor the queries' SQL (their tables and the rounding function), nor an exact figure.
    forbidden += ["summary_open_days", "summary_item_days", "ahtui_count"]
    for path in served["paths"].values():
        site = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
        try:
            for p in site.query("SELECT given_name, family_name FROM people"):
                forbidden += [f"{p[0]} {p[1]}", f"{p[1]}, {p[0]}"]
        finally:
            site.close()
    seen: set[str] = set()
    queue = ["/"]
    statuses: dict[str, int] = {}
    while queue and len(seen) < 300:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = await ds.client.get(path, cookies=cookie)
        statuses[path] = response.status_code
        body = response.text
        for needle in forbidden:
            assert needle not in body, (needle, path)
        if "html" not in response.headers.get("content-type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)', body):
            href = href.replace("&amp;", "&")
            url = urlsplit(urljoin("http://localhost" + path, href))
            if url.netloc not in ("", "localhost") or url.path.startswith("/-/static"):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
    reached = {p for p, s in statuses.items() if s == 200}
    for name in SITES:
        for query in ahtui_datasette.queries.BY_NAME:
            assert f"/{name}/{query}" in reached
    assert "/-/ahtui/scorecard" in reached
    assert not any(p.startswith("/north/people") for p in reached)


def test_served_sites_are_named_after_their_files(served) -> None:
    assert [s.name for s in served["unlocked"]] == ["north", "south"]
    assert [s.title for s in served["unlocked"]] == ["HMP North", "South Probation"]
    assert served["ds"].metadata("allow") == {"ahtui": "supervisor"}
    assert served["ds"].setting("allow_download") is False
    assert served["ds"].setting("default_allow_sql") is False


def test_site_slugs_are_unique_and_url_safe() -> None:
    taken: set[str] = set()
    names = [
        url_name(Path(p), taken) for p in ("/a/HMP North.ahtui", "/b/hmp north.ahtui", "/c/..ahtui")
    ]
    assert names == ["hmp-north", "hmp-north-2", "site"]


# -- the result cache -------------------------------------------------------------------------


async def test_cached_results_are_never_older_than_the_file(tmp_path) -> None:
    """A repeat is served from the cache; any commit to the file, by any process, is seen."""
    path = tmp_path / "cached.ahtui"
    site = init_site(path, name="HMP Cache", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    today = date.today()
    build_demo(site, people=8, seed=5, actions_per_person=3, today=today)
    site.close()
    auth = tmp_path / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, SUPERVISOR_PASSWORD)
    unlocked = unlock_sites((path,), ADMIN, PASSPHRASE)
    ds = make_datasette(unlocked, auth)
    try:
        first = await _json(ds, "/cached/overdue_actions")
        db = ds.get_database("cached")
        cache = db._ahtui_cache
        before = cache.hits
        assert await _json(ds, "/cached/overdue_actions") == first
        assert cache.hits == before + 1
        # Another connection (the app) adds 5 overdue actions, which always changes a rounded
        # count, then deletes a person.
        writer = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
        try:
            with writer.write():
                pid = writer.one("SELECT id FROM people WHERE deleted_at IS NULL LIMIT 1")[0]
                for _ in range(5):
                    actions.add_action(
                        writer, pid, {"step": "Late step", "due_on": today - timedelta(days=4)}
                    )
        finally:
            writer.close()
        after = await _json(ds, "/cached/overdue_actions")
        assert after != first
        assert after == published("overdue_actions", await _exact(ds, "cached", "overdue_actions"))
        caseload_before = await _exact(ds, "cached", "caseload_by_pathway_and_lead")
        assert await _json(ds, "/cached/caseload_by_pathway_and_lead") == published(
            "caseload_by_pathway_and_lead", caseload_before
        )
        writer = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
        try:
            with writer.write():
                rows.soft_delete(writer, "people", pid)
        finally:
            writer.close()
        misses = cache.misses
        caseload_after = await _exact(ds, "cached", "caseload_by_pathway_and_lead")
        assert sum(r["people"] for r in caseload_after) == (
            sum(r["people"] for r in caseload_before) - 1
        )
        assert await _json(ds, "/cached/caseload_by_pathway_and_lead") == published(
            "caseload_by_pathway_and_lead", caseload_after
        )
        assert cache.misses == misses + 1
        # A new day is a new result too (the queries count from today).
        key = next(iter(cache._entries))
        stamp = cache.stamp()
        assert cache.get(key, (stamp[0], "1999-01-01")) is None
    finally:
        for db in ds.databases.values():
            db.close()


async def test_the_cache_can_be_turned_off(served) -> None:
    from datasette.app import Datasette
    from datasette.database import Database

    north = next(s for s in served["unlocked"] if s.name == "north")
    metadata = datasette_metadata([north], served["auth"])
    metadata["plugins"]["ahtui"]["cache"] = False
    ds = Datasette(files=[], metadata=metadata, settings=datasette_settings())
    ds.add_database(Database(ds, path=str(north.path), is_mutable=True), name="north")
    ahtui_datasette.register_key(ds, "north", north.key)
    await ds.invoke_startup()
    assert getattr(ds.get_database("north"), "_ahtui_cache", None) is None
    assert await _json(ds, "/north/consent_status")
    ds.get_database("north").close()


# -- a file whose practitioners work at several sites (a hub) ----------------------------------


async def _summed_by_site(
    ds, path: str, sites: set[str], key: str, columns: dict[str, str]
) -> dict[str, Counter]:
    """A query's rows, which must name exactly these sites, summed over them by `key`: each
    figure under its name in `columns` (name -> column); zero counts dropped."""
    database, query = path.strip("/").split("/")
    got = await _exact(ds, database, query)
    assert {r["site"] for r in got} == sites
    summed: dict[str, Counter] = defaultdict(Counter)
    for r in got:
        summed[r[key]].update({name: r[col] for name, col in columns.items()})
    return {k: +c for k, c in summed.items()}


async def test_a_file_with_several_sites_reports_each_and_counts_everything_once(tmp_path) -> None:
    """Per-site rows come from each practitioner's site (a deleted site counts as the file's
    own); summed over the sites, every figure is the one worked out for the whole file."""
    path = tmp_path / "hub.ahtui"
    site = init_site(path, name="Hub North", agency="hub", admin=ADMIN, passphrase=PASSPHRASE)
    today = date.today()
    build_demo(site, people=30, seed=21, actions_per_person=6, today=today)
    with site.write():
        other = rows.insert(site, "sites", {"name": "Other Prison", "agency": "prison"})
        closed = rows.insert(site, "sites", {"name": "Closed Office", "agency": "probation"})
        rows.soft_delete(site, "sites", closed)
        staff = team.list_practitioners(site)
        for n, p in enumerate(staff):
            rows.update(site, "practitioners", p["id"], {"site_id": (other, closed, None)[n % 3]})
        # A deleted person's actions due in the window count nowhere.
        gone = site.one("SELECT id FROM people WHERE deleted_at IS NULL ORDER BY crn LIMIT 1")[0]
        actions.add_action(site, gone, {"step": "Gone", "due_on": today - timedelta(days=2)})
        rows.soft_delete(site, "people", gone)
    want = _expected_for(site, today)
    site.close()
    auth = tmp_path / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, SUPERVISOR_PASSWORD)
    ds = make_datasette(unlock_sites((path,), ADMIN, PASSPHRASE), auth)
    sites = {"Hub North", "Other Prison"}
    try:
        assert await _summed_by_site(
            ds, "/hub/meeting_timescales", sites, "rule",
            {k: k for k in ("held_on_time", "held_late", "overdue", "not_yet_due")},
        ) == {rule: +c for rule, c in want["timescales"].items()}  # fmt: skip
        assert await _summed_by_site(
            ds, "/hub/monthly_scorecard", sites, "month",
            {"m_due": "meetings_due", "m_on": "meetings_on_time", "a_due": "actions_due",
             "a_on": "actions_on_time"},
        ) == {m: +c for m, c in want["scorecard"].items()}  # fmt: skip
        assert await _summed_by_site(
            ds, "/hub/consent_status", sites, "agency",
            {"given": "given", "declined": "declined", "withdrawn": "withdrawn",
             "offered": "offered_no_answer", "reoffers_overdue": "reoffers_overdue",
             "reoffers_due_soon": "reoffers_due_soon"},
        ) == {a: +c for a, c in want["consent"].items()}  # fmt: skip

        got = await _json(ds, "/hub/equality_monitoring")
        assert {r["site"] for r in got} <= sites
        got = await _exact(ds, "hub", "caseload_by_pathway_and_lead")
        assert sum(r["people"] for r in got) == sum(want["caseload"].values())
    finally:
        for db in ds.databases.values():
            db.close()


def test_every_served_connection_keeps_temporary_data_in_memory(served) -> None:
    """What the supervisors' Datasette opens on a site file keeps temp data off disk too."""
    ds = served["ds"]
    for name in served["paths"]:
        conn = ds.get_database(name).connect()
        try:
            ds._prepare_connection(conn, name)  # what Datasette does with every connection
            assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2
        finally:
            conn.close()
