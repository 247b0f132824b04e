"""Clock skew: sites a day behind or two days ahead converge; far-future stamps are refused."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_sync_helpers import Family
from test_sync_property import SPECS, Model

from ahtui.store import hlc as clock
from ahtui.sync import incoming, outgoing, status
from ahtui.sync.errors import BundleRefused

DAY_MS = 24 * 3600 * 1000


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("clockfam"), SPECS)


def test_skewed_clocks_still_converge_and_keep_conflicts(family: Family, tmp_path: Path) -> None:
    sites = family.fresh(tmp_path)
    try:
        clock.state(sites["A"].conn).offset_ms = -DAY_MS
        clock.state(sites["B"].conn).offset_ms = 2 * DAY_MS
        m = Model(sites)
        m.create("A")
        m.create("B")
        m.exchange(random.Random(3))
        for round_ in range(3):
            for name in ("A", "B", "C"):
                m.edit(name, round_, "given_name")
                m.edit(name, round_ + 1, "family_name")
            m.delete("A", round_ + 2) if round_ == 2 else None
            m.export("A", "R")
            m.export("B", "R")
            m.deliver(len(m.pool) - 1)
            m.deliver(len(m.pool) - 2)
        m.exchange(random.Random(4))
        m.check()
        assert sites["A"].one("SELECT count(*) FROM sync_conflicts")[0] > 0
        # A's clock is a day slow, yet its clock has moved past everything it has seen.
        latest = max(e["version"][0] for e in m.events)
        assert sites["A"].one("SELECT hlc FROM sync_clock")[0] >= latest
    finally:
        for s in sites.values():
            s.close()


def test_a_clock_days_fast_stamps_no_later_than_a_day_past_the_trusted_time(
    family: Family, tmp_path: Path
) -> None:
    """One edit made while the computer's clock ran six days fast does not block the site:
    its stamp is held to a day past the time the site trusts, so peers take its bundles, and
    the site says what happened."""
    sites = family.fresh(tmp_path)
    try:
        a, b = sites["A"], sites["B"]
        trusted = clock.trusted_ms(a.conn)
        clock.state(a.conn).offset_ms = 6 * DAY_MS
        m = Model(sites)
        m.create("A")
        newest = a.one("SELECT max(hlc) FROM sync_rows")[0]
        assert clock.physical_ms(newest) <= trusted + clock.CLAMP_MS
        assert clock.state(a.conn).ahead_ms > 5 * DAY_MS
        assert "ahead of the latest date this site can trust" in status.clock_warning(a)
        # The clamped write did not move the trusted time, so a second one is held too.
        m.create("A")
        assert clock.trusted_ms(a.conn) == trusted
        assert incoming.import_bundle(b, outgoing.export(a, b.site_id).data).changes > 0
        # The clock put right: writes are stamped by it again, and the warning goes.
        clock.state(a.conn).offset_ms = 0
        m.create("A")
        assert status.clock_warning(a) is None
        assert incoming.import_bundle(b, outgoing.export(a, b.site_id).data).changes > 0
    finally:
        for s in sites.values():
            s.close()


def test_an_idle_site_is_confirmed_by_the_next_bundle(family: Family, tmp_path: Path) -> None:
    """A site not used for a week (its clock right) stamps its first changes a day past its
    last; the next bundle from another site confirms the date and its stamps catch up."""
    sites = family.fresh(tmp_path)
    try:
        a, b = sites["A"], sites["B"]
        for s in (a, b):
            clock.state(s.conn).offset_ms = 7 * DAY_MS
        m = Model(sites)
        m.create("A")
        assert clock.state(a.conn).ahead_ms > 6 * DAY_MS
        incoming.import_bundle(a, outgoing.export(b, a.site_id).data)
        assert clock.trusted_ms(a.conn) >= clock.state(a.conn).wall_ms() - 60_000
        m.create("A")
        newest = a.one("SELECT max(hlc) FROM sync_rows")[0]
        assert clock.physical_ms(newest) >= clock.state(a.conn).wall_ms() - 60_000
    finally:
        for s in sites.values():
            s.close()


def test_stamps_beyond_the_allowed_drift_are_refused_and_said_in_status(
    family: Family, tmp_path: Path
) -> None:
    """Changes stamped days ahead (from an ahtui without the clamp, say) are refused; the
    refusal is noted for `ahtui sync status`, and cleared once a bundle is taken."""
    sites = family.fresh(tmp_path)
    try:
        a, b = sites["A"], sites["B"]
        ahead = (clock.state(a.conn).wall_ms() + 6 * DAY_MS) << clock.SHIFT
        a.conn.execute("UPDATE sync_clock SET hlc = ?", (ahead,))
        m = Model(sites)
        m.create("A")
        data = outgoing.export(a, b.site_id).data
        before = b.one("SELECT count(*) FROM people")[0]
        with pytest.raises(BundleRefused, match="6 days ahead of this computer's clock"):
            incoming.import_bundle(b, data)
        assert b.one("SELECT count(*) FROM people")[0] == before
        [peer] = [p for p in status.status(b) if p["site_id"] == a.site_id]
        assert peer["clock_refused_at"] and peer["clock_ahead_hours"] >= 143
        # Once this computer's clock agrees, the same bundle goes through and the note clears.
        clock.state(b.conn).offset_ms = 5 * DAY_MS
        assert incoming.import_bundle(b, data).changes > 0
        [peer] = [p for p in status.status(b) if p["site_id"] == a.site_id]
        assert peer["clock_refused_at"] is None
    finally:
        for s in sites.values():
            s.close()
