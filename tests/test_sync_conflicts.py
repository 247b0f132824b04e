"""Edit versus delete: an edit the delete never saw is always raised as a 'delete' conflict.

Regression for what the long property run found (issue 5): site C edits a name while site A,
whose clock is ahead, edits the same name and then deletes the person. C's edit loses the name
to A's older edit by clock, so it survives only as a 'value' conflict; the delete had never
seen it, so it must also be raised as a 'delete' conflict, at every site, whatever order the
bundles take. Before the fix only the winning column versions were compared with the delete,
and A's edit (which the delete had seen) hid C's.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_sync_helpers import Family, digest
from test_sync_property import SPECS, Model

from ahtui.store import hlc as clock
from ahtui.sync import conflicts, incoming, outgoing


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("delfam"), SPECS)


@pytest.fixture
def model(family: Family, tmp_path: Path):
    sites = family.fresh(tmp_path)
    m = Model(sites)
    m.create("A")
    m.exchange(random.Random(0))
    # C's clock runs a minute slow, so its edit loses to A's later one by clock alone.
    clock.state(sites["C"].conn).offset_ms = -60_000
    yield m
    for s in sites.values():
        s.close()


def _send(m: Model, a: str, b: str) -> None:
    m.export(a, b)
    m.deliver(len(m.pool) - 1)


def _delete_conflict_everywhere(m: Model, edit: dict) -> None:
    m.exchange(random.Random(1))
    m.check()
    for s in m.sites.values():
        found = s.query(
            "SELECT kind, col, lost_value FROM sync_conflicts WHERE lost_hlc = ? "
            "AND lost_origin = ? ORDER BY kind",
            edit["version"],
        )
        assert [(r["kind"], r["col"]) for r in found] == [
            ("delete", "given_name"),
            ("value", "given_name"),
        ]
        assert {r["lost_value"] for r in found} == {f'"{edit["value"]}"'}
    assert len({digest(s) for s in m.sites.values()}) == 1


def test_edit_that_lost_to_an_older_edit_and_the_delete_arrive_together(model: Model) -> None:
    m = model
    m.edit("C", 0, "given_name")
    edit = m.events[-1]
    m.edit("A", 0, "given_name")
    m.delete("A", 0)
    # C meets A's edit and A's delete in one bundle: its own edit loses and is deleted at once.
    _send(m, "A", "R")
    _send(m, "R", "C")
    row = m.sites["C"].one("SELECT given_name, deleted_at FROM people")
    assert row["deleted_at"] is not None and row["given_name"] != edit["value"]
    assert m.sites["C"].one("SELECT 1 FROM sync_conflicts WHERE kind = 'delete'")
    _delete_conflict_everywhere(m, edit)


def test_edit_that_lost_before_the_delete_was_known(model: Model) -> None:
    m = model
    m.edit("C", 0, "given_name")
    edit = m.events[-1]
    m.edit("A", 0, "given_name")
    # R meets C's edit, then A's (older by causality, newer by clock): a value conflict.
    _send(m, "C", "R")
    _send(m, "A", "R")
    _send(m, "R", "C")
    assert m.sites["R"].one("SELECT kind FROM sync_conflicts")[0] == "value"
    # Only then does A delete; neither R nor C ever holds C's edit as the name any more.
    m.delete("A", 0)
    _send(m, "A", "R")
    assert m.sites["R"].one("SELECT 1 FROM sync_conflicts WHERE kind = 'delete'")
    _send(m, "R", "C")
    assert m.sites["C"].one("SELECT 1 FROM sync_conflicts WHERE kind = 'delete'")
    _delete_conflict_everywhere(m, edit)


def test_a_value_conflict_arriving_after_the_delete_is_checked_too(model: Model) -> None:
    m = model
    m.edit("C", 0, "given_name")
    edit = m.events[-1]
    m.edit("A", 0, "given_name")
    _send(m, "C", "R")
    _send(m, "A", "R")
    m.delete("A", 0)
    # B holds A's delete first; the value conflict reaches it later, from R alone.
    _send(m, "A", "B")
    assert not m.sites["B"].one("SELECT 1 FROM sync_conflicts")
    bundle = outgoing.export(m.sites["R"], m.ids["B"])
    incoming.import_bundle(m.sites["B"], bundle.data)
    kinds = {r[0] for r in m.sites["B"].query("SELECT kind FROM sync_conflicts")}
    assert kinds == {"value", "delete"}
    _delete_conflict_everywhere(m, edit)


def test_resolving_the_delete_conflict_restores_the_record_everywhere(model: Model) -> None:
    m = model
    m.edit("C", 0, "given_name")
    m.edit("A", 0, "given_name")
    m.delete("A", 0)
    _send(m, "A", "R")
    _send(m, "R", "C")
    c = m.sites["C"]
    [conflict] = [x for x in conflicts.conflicts(c) if x["kind"] == "delete"]
    conflicts.resolve_conflict(c, conflict["id"], "lost")
    m.exchange(random.Random(2))
    for s in m.sites.values():
        assert s.one("SELECT deleted_at FROM people")[0] is None
        assert conflict["id"] not in {x["id"] for x in conflicts.conflicts(s)}
    assert len({digest(s) for s in m.sites.values()}) == 1


def test_only_words_can_be_combined(site) -> None:
    from ahtui.sync import conflicts

    conn = site.conn
    assert conflicts.combinable(conn, "people", "prison")
    assert conflicts.combinable(conn, "case_notes", "body")
    assert conflicts.combinable(conn, "personal_contacts", "name")
    for table, col in [("people", "pathway"), ("people", "release_date"), ("people", "id"),
                       ("people", "lead_practitioner_id"), ("consents", "event"),
                       ("wheel_scores", "score")]:  # fmt: skip
        assert not conflicts.combinable(conn, table, col), (table, col)
