"""Change capture reads the computer's clock once per short window, not once per row
(migration 0023): the versions it writes must stay as they were, strictly ordered and fresh."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_sync_helpers import ALL, digest, make_sites, person

from ahtui.store import capture, migrations
from ahtui.store import hlc as clock
from ahtui.store.site import new_id, open_site, utc_now
from ahtui.sync import incoming, outgoing

PEOPLE_SQL = (
    "INSERT INTO people (id, given_name, family_name, pathway, created_at, updated_at, "
    "updated_by) VALUES (?, ?, ?, 'long', ?, ?, ?)"
)


def _count_stamps(site) -> list[int]:
    """Count the capture triggers' calls for the clock (the same function, counted)."""
    state = clock.state(site.conn)
    calls: list[int] = []

    def stamp(trusted_ms):
        calls.append(1)
        return state.stamp(trusted_ms)

    site.conn.create_function("sync_stamp", 1, stamp, deterministic=False)
    return calls


def _people(site, n: int) -> list[str]:
    now = utc_now()
    ids = [new_id() for _ in range(n)]
    site.conn.executemany(
        PEOPLE_SQL, [(i, f"G{k}", "Window", now, now, site.user.id) for k, i in enumerate(ids)]
    )
    return ids


def _versions(site, ids: list[str]) -> list[tuple[int, int, int, str]]:
    return [
        tuple(site.one("SELECT hlc, ins_hlc, seq, origin FROM sync_rows WHERE row_id = ?", (i,)))
        for i in ids
    ]


@pytest.fixture
def pair(tmp_path: Path):
    sites = make_sites(tmp_path, [("A", "prison"), ("B", "probation")])
    yield sites["A"], sites["B"]
    for s in sites.values():
        s.close()


def test_a_batch_reads_the_clock_once_and_its_versions_stay_strictly_ordered(pair) -> None:
    a, _ = pair
    calls = _count_stamps(a)
    seq0 = a.one("SELECT seq FROM sync_clock")[0]
    start = time.monotonic()
    with a.write():
        ids = _people(a, 300)
    took_ms = (time.monotonic() - start) * 1000
    # One reading to begin with, and one per window the batch outlasted (a slow machine).
    assert 1 <= len(calls) <= 2 + took_ms / capture.STAMP_WINDOW_MS
    got = _versions(a, ids)
    hlcs = [v[0] for v in got]
    assert all(v[0] == v[1] and v[3] == a.site_id for v in got)
    assert hlcs == sorted(set(hlcs)), "every row its own, later, version"
    assert [v[2] for v in got] == list(range(seq0 + 1, seq0 + 301))
    hlc, seq = a.one("SELECT hlc, seq FROM sync_clock")
    assert (hlc, seq) == (hlcs[-1], seq0 + 300)
    # The reading is the computer's clock: the first row is stamped now.
    assert abs(clock.physical_ms(hlcs[0]) - clock.state(a.conn).wall_ms()) < 60_000


def test_each_transaction_reads_the_clock_again(pair) -> None:
    """A clock put forward between two writes a moment apart is seen by the second."""
    a, _ = pair
    calls = _count_stamps(a)
    with a.write():
        [first] = _people(a, 1)
    clock.state(a.conn).offset_ms = 3_600_000
    with a.write():
        [second] = _people(a, 1)
    assert len(calls) == 2
    (h1, *_), (h2, *_) = _versions(a, [first, second])
    assert clock.physical_ms(h2) >= clock.physical_ms(h1) + 3_500_000
    assert a.one("SELECT stamp_until FROM sync_clock")[0] == 0


def test_a_long_transaction_reads_the_clock_again_after_the_window(pair) -> None:
    a, _ = pair
    calls = _count_stamps(a)
    with a.write():
        [first] = _people(a, 1)
        time.sleep(3 * capture.STAMP_WINDOW_MS / 1000)
        [second] = _people(a, 1)
    assert len(calls) == 2
    (h1, *_), (h2, *_) = _versions(a, [first, second])
    assert clock.physical_ms(h2) - clock.physical_ms(h1) >= 2 * capture.STAMP_WINDOW_MS


def test_a_window_left_open_far_ahead_counts_as_closed(pair) -> None:
    """A window recorded before the computer's clock was set back does not hold stamps still."""
    a, _ = pair
    calls = _count_stamps(a)
    ahead = clock.state(a.conn).wall_ms() + 3_600_000
    with a.write() as conn:
        conn.execute("UPDATE sync_clock SET stamp_until = ?", (ahead,))
        _people(a, 1)
    assert len(calls) == 1


def test_updates_and_bundles_still_converge(pair) -> None:
    from ahtui.store import rows

    a, b = pair
    pid = person(a, "Win", "Dow", **ALL)
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    rows.update(a, "people", pid, {"prison": "HMP Window"})
    rows.update(b, "people", pid, {"prison": "HMP Pane"})
    for x, y in ((a, b), (b, a), (a, b)):
        incoming.import_bundle(y, outgoing.export(x, y.site_id).data)
    assert digest(a) == digest(b)
    col = a.one("SELECT hlc FROM sync_cols WHERE row_id = ? AND col = 'prison'", (pid,))[0]
    assert col > a.one("SELECT ins_hlc FROM sync_rows WHERE row_id = ?", (pid,))[0]


def test_a_site_from_before_0023_upgrades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    every = migrations.available()
    monkeypatch.setattr(migrations, "available", lambda: tuple(m for m in every if m.version < 23))
    sites = make_sites(tmp_path, [("A", "prison"), ("B", "probation")])
    a = sites["A"]
    old = person(a, "Old", "Site", **ALL)
    assert "stamp_until" not in a.one("SELECT sql FROM sqlite_master WHERE name = ?",
                                      ("sync_people_insert",))[0]  # fmt: skip
    before = a.one("SELECT hlc, seq FROM sync_rows WHERE row_id = ?", (old,))[:]
    paths = {n: s.path for n, s in sites.items()}
    for s in sites.values():
        s.close()
    monkeypatch.setattr(migrations, "available", lambda: every)
    a = open_site(paths["A"], ADMIN, PASSPHRASE)
    b = open_site(paths["B"], ADMIN, PASSPHRASE)
    try:
        trig = a.one("SELECT sql FROM sqlite_master WHERE name = 'sync_people_insert'")[0]
        assert "stamp_until" in trig
        assert a.one("SELECT hlc, seq FROM sync_rows WHERE row_id = ?", (old,))[:] == before
        new = person(a, "New", "Site", **ALL)
        h, s = a.one("SELECT hlc, seq FROM sync_rows WHERE row_id = ?", (new,))
        assert h > before[0] and s > before[1]
        incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
        assert b.one("SELECT count(*) FROM people WHERE id IN (?, ?)", (old, new))[0] == 2
        assert digest(a) == digest(b)
    finally:
        a.close()
        b.close()
