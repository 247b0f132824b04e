"""A conflict about a case note holds the note's text (the value that lost): it goes only where
the note may go, and a site giving the note up gives up its conflicts too.

Real sites and real bundles: two prisons edit one note's body at the same time (a conflict),
the note is then marked sensitive, and the local authority, probation and the supervisors' hub
are checked, every table of them, for either text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_sync_helpers import ALL, Family, person

from ahtui.store import rows
from ahtui.store.notes import add_note, set_sensitive
from ahtui.store.site import Site
from ahtui.sync import bundle, incoming, keys, outgoing

MINE = "Lost-or-kept text from the first prison 5c1e"
THEIRS = "Lost-or-kept text from the second prison 5c1e"


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(
        tmp_path_factory.mktemp("notecf"),
        [("P", "prison"), ("P2", "prison"), ("L", "local_authority"), ("B", "probation"),
         ("H", "hub")],
    )  # fmt: skip


@pytest.fixture
def sites(family: Family, tmp_path: Path):
    out = family.fresh(tmp_path)
    yield out
    for s in out.values():
        s.close()


def _send(a: Site, b: Site) -> str:
    """Export for `b`, import it there; what the bundle carried, opened with b's key."""
    data = outgoing.export(a, b.site_id).data
    carried = bundle.open_body(bundle.parse(data, "x"), keys.decryption_keys(b), "x")
    incoming.import_bundle(b, data)
    return json.dumps(carried)


def _everything(site: Site) -> str:
    """Every value of every table of a site, as text."""
    out = []
    for (name,) in site.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        out += [repr(tuple(r)) for r in site.conn.execute(f'SELECT * FROM "{name}"')]
    return "\n".join(out)


def _conflicted_note(sites: dict[str, Site]) -> tuple[str, str]:
    """A person everyone may hold, and a note the two prisons changed at the same time."""
    p, p2 = sites["P"], sites["P2"]
    pid = person(p, **ALL)
    nid = add_note(p, pid, {"contact_type": "phone", "contact_at": "2026-01-06",
                            "body": "First words."})  # fmt: skip
    _send(p, p2)
    rows.update(p, "case_notes", nid, {"body": MINE})
    rows.update(p2, "case_notes", nid, {"body": THEIRS})
    _send(p2, p)
    _send(p, p2)
    for s in (p, p2):
        [c] = s.query("SELECT col FROM sync_conflicts WHERE row_id = ?", (nid,))
        assert c["col"] == "body"
    return pid, nid


def _clean(site: Site, nid: str, carried: str = "") -> None:
    """Neither text anywhere at this site, nor in what it was just sent."""
    text = _everything(site) + carried
    assert MINE not in text and THEIRS not in text, site.name
    assert site.one("SELECT count(*) FROM sync_conflicts WHERE row_id = ?", (nid,))[0] == 0


def test_a_conflict_about_a_sensitive_note_stays_in_its_agency(sites) -> None:
    p, p2 = sites["P"], sites["P2"]
    pid, nid = _conflicted_note(sites)
    set_sensitive(p, nid)
    _send(p, p2)
    for name in ("L", "B", "H"):
        _clean(sites[name], nid, _send(p, sites[name]))
        # And from the other prison, which knows it is sensitive.
        _clean(sites[name], nid, _send(p2, sites[name]))
        assert sites[name].one("SELECT count(*) FROM people WHERE id = ?", (pid,))[0] == 1
    # Relayed on by the sites that hold the person: still nowhere outside the prisons.
    for a in ("L", "B"):
        for b in ("L", "B", "H"):
            if a != b:
                _clean(sites[b], nid, _send(sites[a], sites[b]))
    # The other prison, of the note's agency, keeps the conflict and both texts.
    assert MINE in _everything(p2) and THEIRS in _everything(p2)
    assert p2.one("SELECT count(*) FROM sync_conflicts WHERE row_id = ?", (nid,))[0] == 1


def test_an_ordinary_notes_conflict_goes_with_the_person_and_blank_to_a_hub(sites) -> None:
    p = sites["P"]
    _, nid = _conflicted_note(sites)
    for name in ("L", "H"):
        _send(p, sites[name])
    [lost] = sites["L"].query("SELECT lost_value FROM sync_conflicts WHERE row_id = ?", (nid,))
    assert MINE in lost[0] or THEIRS in lost[0]
    [blank] = sites["H"].query("SELECT lost_value FROM sync_conflicts WHERE row_id = ?", (nid,))
    assert blank[0] is None


def test_a_conflict_that_arrived_before_the_note_turned_sensitive_leaves_with_it(sites) -> None:
    p, p2, la, h = sites["P"], sites["P2"], sites["L"], sites["H"]
    _, nid = _conflicted_note(sites)
    for r in (la, h):
        _send(p, r)
        assert r.one("SELECT count(*) FROM sync_conflicts WHERE row_id = ?", (nid,))[0] == 1
    # The other prison writes a bundle before it knows the note is sensitive; it arrives late.
    held_up = {r.name: outgoing.export(p2, r.site_id).data for r in (la, h)}
    set_sensitive(p, nid)
    for r in (la, h):
        _send(p, r)
        _send(r, p)  # acknowledged
        _send(p, r)
        _clean(r, nid)
        incoming.import_bundle(r, held_up[r.name])  # found a week later
        _send(p, r)
        _clean(r, nid)
    # Everyone exchanges until nothing changes: still only the prisons hold it.
    for _ in range(3):
        for a in ("P", "P2", "L"):
            for b in ("P", "P2", "L", "H"):
                if a != b:
                    _send(sites[a], sites[b])
    _clean(la, nid)
    _clean(h, nid)
    for s in (p, p2):
        assert s.one("SELECT count(*) FROM sync_conflicts WHERE row_id = ?", (nid,))[0] == 1
