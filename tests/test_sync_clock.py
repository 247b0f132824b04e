"""Clock skew: sites a day behind or two days ahead converge; far-future stamps are refused."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_sync_helpers import Family
from test_sync_property import SPECS, Model

from ahtui.sync import clock, engine
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


def test_stamps_beyond_the_allowed_drift_are_refused(family: Family, tmp_path: Path) -> None:
    sites = family.fresh(tmp_path)
    try:
        a, b = sites["A"], sites["B"]
        clock.state(a.conn).offset_ms = 6 * DAY_MS
        m = Model(sites)
        m.create("A")
        data = engine.export(a, b.site_id).data
        before = b.conn.total_changes
        with pytest.raises(BundleRefused, match="hours ahead of this computer's clock"):
            engine.import_bundle(b, data)
        assert b.conn.total_changes == before
        # Once B's clock agrees (or A's is fixed and it re-exports), it goes through.
        clock.state(b.conn).offset_ms = 5 * DAY_MS
        assert engine.import_bundle(b, data).changes > 0
    finally:
        for s in sites.values():
            s.close()
