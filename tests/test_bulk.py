"""The bulk path writes exactly what the services write: the same rows, audit entries and change
capture, compared between two real site files, one built each way from the same records."""

from __future__ import annotations

import random
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ahtui import demo, demo_bulk
from ahtui.domain.enums import Pathway, Role
from ahtui.errors import BadInput
from ahtui.store import bulk_people, hlc, rows, summaries, team
from ahtui.store.capture import synced_tables
from ahtui.store.site import Site, init_site, open_site

TODAY = date.today() - timedelta(days=3)
FIXED = "2026-12-01T09:00:00.000Z"
FIXED_MS = int(time.time() * 1000)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty site; every comparison starts from two copies of it, so the two files share
    their site id, users and clock, and differ only by how the people were written."""
    path = tmp_path_factory.mktemp("template") / "site.ahtui"
    init_site(
        path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    ).close()
    return path


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both paths stamp rows and versions from the same fixed time, so rows compare whole."""
    monkeypatch.setattr(rows, "utc_now", lambda: FIXED)
    monkeypatch.setattr(hlc.ConnState, "wall_ms", lambda self: FIXED_MS)


def copy_of(template: Path, folder: Path, name: str) -> Site:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    for suffix in ("", ".keys"):
        shutil.copy2(
            template.with_name(template.name + suffix), target.with_name(target.name + suffix)
        )
    return open_site(target, ADMIN, PASSPHRASE, audit_unlock=False)


def draw(seed: int, people: int, actions: int = 4, mix=None):
    """The practitioners and people the demo would draw for `seed`."""
    rng = random.Random(seed)
    staff_values = demo_bulk.practitioner_records(rng, max(1, people // 4))
    return rng, staff_values


def build_both(
    template: Path, folder: Path, seed: int, people: int, actions: int, mix=None, fork=None
):
    """The same records through the services into one copy and in bulk into the other (drawn
    in a copy of this process while this one writes, unless `fork` is False)."""
    built = []
    for how in ("services", "bulk"):
        site = copy_of(template, folder / how, "site.ahtui")
        site.id_factory = demo._seeded_ids(random.Random(seed + 1))
        rng = random.Random(seed)
        staff_values = demo_bulk.practitioner_records(rng, max(1, people // 4))
        if how == "services":
            with site.write():
                ids = [team.add_practitioner(site, v) for v in staff_values]
        else:
            ids = bulk_people.add_practitioners(site, staff_values, now=lambda: FIXED)
        staff: dict[Role, list[str]] = {}
        for v, pid in zip(staff_values, ids, strict=True):
            staff.setdefault(v["role"], []).append(pid)
        records = [
            r
            for r, _ in demo_bulk.records(
                rng, 0, people, TODAY, staff, actions_per_person=actions, mix=mix
            )
        ]
        if how == "services":
            bulk_people.through_services(site, records, today=TODAY)
        else:
            bulk_people.add_people(
                site, records, today=TODAY, batch=97, now=lambda: FIXED, fork=fork
            )
        built.append(site)
    return built


def contents(site: Site) -> dict[str, list[tuple]]:
    """Every synced table's rows in the order written, the audit log (less its own id and
    time), the change capture and the clock."""
    out = {
        t: site.tuples(f'SELECT rowid, * FROM "{t}" ORDER BY rowid')
        for t in synced_tables(site.conn)
    }
    out["audit"] = site.tuples(
        "SELECT user_id, action, table_name, row_id, columns FROM audit ORDER BY id"
    )
    out["sync_rows"] = site.tuples("SELECT * FROM sync_rows ORDER BY tbl, row_id")
    out["sync_cols"] = site.tuples("SELECT * FROM sync_cols ORDER BY tbl, row_id, col")
    out["sync_clock"] = site.tuples("SELECT * FROM sync_clock")
    out["due_cache"] = site.tuples("SELECT * FROM due_cache ORDER BY person_id")
    out["schema"] = site.tuples("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    return out


def assert_same(a: Site, b: Site) -> None:
    left, right = contents(a), contents(b)
    assert left.keys() == right.keys()
    for name in left:
        assert left[name] == right[name], name


@pytest.mark.parametrize("fork", [None, False], ids=["drawn-apart", "drawn-here"])
def test_bulk_writes_what_the_services_write(
    template: Path, tmp_path: Path, fixed_clock, fork
) -> None:
    a, b = build_both(template, tmp_path, seed=7, people=60, actions=6, fork=fork)
    try:
        assert a.one("SELECT count(*) FROM people")[0] == 60
        # Every kind the records carry is there, and updates (held meetings, done actions) too.
        for table in ("consents", "meetings", "meeting_attendees", "actions", "case_notes", "team_members",
                      "personal_contacts", "milestones", "identifications", "pathway_history"):  # fmt: skip
            assert b.one(f"SELECT count(*) FROM {table}")[0] > 0, table
        assert b.one("SELECT count(*) FROM sync_cols")[0] > 0
        assert b.one("SELECT count(*) FROM audit WHERE action = 'update'")[0] > 0
        assert_same(a, b)
    finally:
        a.close()
        b.close()


@settings(
    max_examples=6,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10**6),
    people=st.integers(1, 12),
    actions=st.integers(0, 5),
    kind=st.sampled_from(sorted(demo_bulk.MIXES)),
)
def test_random_people_are_written_alike(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    fixed_clock,
    seed: int,
    people: int,
    actions: int,
    kind: str,
) -> None:
    a, b = build_both(
        template, tmp_path_factory.mktemp("prop"), seed, people, actions, demo_bulk.MIXES[kind]
    )
    try:
        assert_same(a, b)
    finally:
        a.close()
        b.close()


def _records(site: Site, people: int, seed: int = 3):
    rng = random.Random(seed)
    values = demo_bulk.practitioner_records(rng, 2)
    ids = bulk_people.add_practitioners(site, values)
    staff: dict[Role, list[str]] = {}
    for v, pid in zip(values, ids, strict=True):
        staff.setdefault(v["role"], []).append(pid)
    return [r for r, _ in demo_bulk.records(rng, 0, people, TODAY, staff, actions_per_person=3)]


def _counts(site: Site) -> dict[str, int]:
    names = [*synced_tables(site.conn), "audit", "sync_rows", "sync_cols"]
    return {t: site.one(f'SELECT count(*) FROM "{t}"')[0] for t in names}


@pytest.mark.parametrize(
    "spoil, said",
    [
        (
            lambda r: r.consents.append({"agency": "prison", "event": "maybe", "on_date": TODAY}),
            "event",
        ),
        (lambda r: r.details.update(date_of_birth="not a date"), "date_of_birth"),
        (lambda r: r.team.append(("no-such-practitioner", Role.PA, False, TODAY)), "not recorded"),
        (lambda r: r.actions[0].values.update(step="   "), "step"),
    ],
)
def test_a_bad_record_writes_nothing_of_the_batch(site: Site, spoil, said: str) -> None:
    records = _records(site, 40)
    spoil(records[29])
    before = _counts(site)
    with pytest.raises(BadInput) as refused:
        # Batches of 50 rows: several are written before the bad record is reached.
        bulk_people.add_people(site, records, today=TODAY, batch=50)
    message = str(refused.value)
    assert "person 30" in message and said in message and "Nothing was imported" in message
    assert "\n" not in message
    assert _counts(site) == before
    assert site.tuples("SELECT type, name, sql FROM sqlite_master WHERE type = 'index'")


def test_the_same_reference_twice_is_refused(site: Site) -> None:
    records = _records(site, 5)
    records[4].details["crn"] = records[1].details["crn"]
    with pytest.raises(BadInput, match="already has CRN"):
        bulk_people.add_people(site, records, today=TODAY)
    assert site.one("SELECT count(*) FROM people")[0] == 0


def test_indexes_dropped_for_the_load_are_all_made_again(site: Site) -> None:
    before = site.tuples(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    )
    bulk_people.add_people(site, _records(site, 30), today=TODAY, batch=40)
    after = site.tuples(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    )
    assert after == before
    assert site.one("PRAGMA integrity_check")[0] == "ok"
    # A second load into tables that now hold rows keeps their indexes as they are.
    bulk_people.add_people(site, _records(site, 3, seed=4)[:0], today=TODAY)
    assert (
        site.tuples(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        )
        == before
    )


def test_a_served_site_keeps_its_summaries_through_a_bulk_write(site: Site) -> None:
    with site.write() as conn:
        summaries.keep(conn)
    bulk_people.add_people(site, _records(site, 25), today=TODAY)
    with site.write() as conn:
        found = summaries.rebuild_differences(conn)
    assert not found.people and not found.totals


def test_a_bulk_site_syncs_every_row_to_a_peer(site: Site, tmp_path: Path) -> None:
    from ahtui.sync import incoming, keys, outgoing

    peer = init_site(
        tmp_path / "peer.ahtui",
        name="Probation",
        agency="probation",
        admin=ADMIN,
        passphrase=PASSPHRASE,
    )
    try:
        for x, y in ((site, peer), (peer, site)):
            keys.write_card(y, tmp_path / "card")
            keys.trust(x, keys.read_card(tmp_path / "card"))
        bulk_people.add_people(site, _records(site, 20), today=TODAY)
        got = incoming.import_bundle(peer, outgoing.export(site, peer.site_id).data)
        assert got.applied > 0
        shared = peer.one("SELECT count(*) FROM people")[0]
        # Some people decline or withdraw probation's consent: only the others reach probation.
        assert 0 < shared <= 20
        mine = {
            r[0]: r[1:] for r in site.tuples("SELECT id, given_name, family_name, crn FROM people")
        }
        for pid, *values in peer.tuples("SELECT id, given_name, family_name, crn FROM people"):
            assert mine[pid] == tuple(values)
    finally:
        peer.close()


def test_a_meeting_without_a_chair_is_refused_plainly(site: Site) -> None:
    records = _records(site, 8)
    with_meeting = next(r for r in records if r.meetings)
    with_meeting.meetings[0].values["chair_practitioner_id"] = None
    with pytest.raises(BadInput, match="chair"):
        bulk_people.add_people(site, records, today=TODAY)
    assert site.one("SELECT count(*) FROM people")[0] == 0


def test_every_pathway_mix_draws_only_its_pathways() -> None:
    rng = random.Random(5)
    staff = {role: [f"p-{role.value}"] for role in Role}
    for kind, mix in demo_bulk.MIXES.items():
        allowed = {p for p, _ in mix}
        drawn = {
            r.details["pathway"] for r, _ in demo_bulk.records(rng, 0, 80, TODAY, staff, mix=mix)
        }
        assert drawn == allowed, kind
    assert Pathway.REMAND not in {p for p, _ in demo_bulk.MIXES["probation"]}


def test_the_caseload_after_a_bulk_write_has_everyone_due_as_the_rules_say(site: Site) -> None:
    """A second bulk write onto a site whose caseload is cached: the new people are worked out,
    the cached ones stay as they were, and each matches the caseload worked out afresh."""
    from ahtui.store.caseload import caseload

    records = _records(site, 6)
    ids = bulk_people.add_people(site, records[:3], today=TODAY)
    first = {r.person_id: r for r in caseload(site, TODAY)}
    assert site.one("SELECT count(*) FROM due_cache")[0] == 3
    more = bulk_people.add_people(site, records[3:], today=TODAY)
    rows = {r.person_id: r for r in caseload(site, TODAY)}
    assert set(rows) == {*ids, *more}
    assert {pid: rows[pid] for pid in ids} == first
    with site.write() as conn:
        conn.execute("DELETE FROM due_cache")
    assert {r.person_id: r for r in caseload(site, TODAY)} == rows


def test_drawing_apart_is_used_on_linux_with_two_cores_and_one_thread() -> None:
    import os
    import sys
    import threading

    from ahtui.store import bulk

    if sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) >= 2:
        if threading.active_count() == 1:
            assert bulk._can_fork()
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        try:
            assert not bulk._can_fork()
        finally:
            stop.set()
            other.join()


def test_a_failure_in_the_writing_process_stops_the_drawing_one_and_writes_nothing(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from ahtui.store import bulk

    records = _records(site, 40)
    before = _counts(site)
    real = bulk.Loader.write
    seen: list[int] = []

    def write(self, batch) -> None:
        seen.append(os.getpid())
        if len(seen) == 2:
            raise OSError("the disk went away")
        real(self, batch)

    monkeypatch.setattr(bulk.Loader, "write", write)
    with pytest.raises(OSError, match="disk went away"):
        bulk_people.add_people(site, records, today=TODAY, batch=50, fork=True)
    monkeypatch.undo()
    # Written by this process only (the copy draws), and the copy is gone: no child is left.
    assert set(seen) == {os.getpid()}
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    assert _counts(site) == before
    # The site takes the same people afterwards.
    bulk_people.add_people(site, records, today=TODAY, batch=50)
    assert site.one("SELECT count(*) FROM people")[0] == 40
