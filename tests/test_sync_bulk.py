"""Bulk imports: the triggers and indexes set aside for speed all come back, whatever happens."""

from __future__ import annotations

import json

import pytest
from test_sync_helpers import ALL, Family, digest, full_digest, person

from ahtui.store import people
from ahtui.store.site import utc_now
from ahtui.sync import bundle, incoming, keys, merge, outgoing
from ahtui.sync import wire as sync_wire
from ahtui.sync.errors import BundleRefused

MANY = merge.BULK_ROWS + 50


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("bulk"), [("A", "prison"), ("B", "probation")])


def _schema(site) -> list[tuple[str, str, str]]:
    return site.conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') "
        "ORDER BY type, name"
    ).fetchall()


def _many(site, n: int) -> list[str]:
    """n consented people written in one go, as an app would over weeks."""
    now = utc_now()
    ids = []
    with site.write() as conn:
        for i in range(n):
            pid = f"00000000-0000-4000-8000-{i:012d}"
            ids.append(pid)
            conn.execute(
                "INSERT INTO people (id, given_name, family_name, crn, pathway, updated_at, "
                "updated_by) VALUES (?, ?, ?, ?, 'long', ?, ?)",
                (pid, f"Given{i}", f"Family{i % 7}", f"B{i:06d}", now, site.user.id),
            )
            conn.execute(
                "INSERT INTO consents (id, person_id, agency, event, on_date, updated_at, "
                "updated_by) VALUES (?, ?, 'probation', 'given', '2026-01-05', ?, ?)",
                (f"10000000-0000-4000-8000-{i:012d}", pid, now, site.user.id),
            )
    return ids


def test_a_first_exchange_sets_indexes_and_triggers_aside_and_puts_them_back(sites) -> None:
    a, b = sites["A"], sites["B"]
    before = _schema(b)
    ids = _many(a, MANY)
    result = incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    assert result.applied >= 2 * MANY
    assert _schema(b) == before
    assert b.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert digest(a) == digest(b)
    # The rebuilt indexes answer, and the query planner still uses them.
    assert b.one("SELECT id FROM people WHERE crn = ?", ("B000007",))[0] == ids[7]
    plan = " ".join(r[3] for r in b.conn.execute("EXPLAIN QUERY PLAN SELECT id FROM people "
                                                  "WHERE crn = 'B000007'"))  # fmt: skip
    assert "people_crn" in plan
    # The restored triggers fire again for the site's own writes: audited and captured.
    audits = b.one("SELECT count(*) FROM audit")[0]
    seq = b.one("SELECT seq FROM sync_clock")[0]
    new = people.create_person(b, {"given_name": "Local", "family_name": "Edit", "pathway": "long"})
    assert b.one("SELECT count(*) FROM audit")[0] > audits
    assert b.one("SELECT seq FROM sync_rows WHERE tbl = 'people' AND row_id = ?", (new,))[0] > seq


def test_a_bulk_import_into_a_fuller_table_keeps_its_indexes(sites) -> None:
    a, b = sites["A"], sites["B"]
    for i in range(3 * MANY):
        person(b, f"Held{i}", "Here")
    before = _schema(b)
    _many(a, MANY)
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    assert _schema(b) == before
    assert b.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert b.one("SELECT count(*) FROM people WHERE family_name = 'Here'")[0] == 3 * MANY


def test_a_bulk_import_that_fails_half_way_changes_nothing(sites) -> None:
    a, b = sites["A"], sites["B"]
    _many(a, MANY)
    person(a, "Ada", "Lovelace", **ALL)
    data = outgoing.export(a, b.site_id).data
    # Re-seal the same payload with one bad row after the bulk rows: a pathway no site knows,
    # which the table's CHECK refuses only once the people before it are in. Nothing may
    # stay, and nothing may be skipped quietly either.
    payload = _opened(b, data)
    # Laid out row by row, as format 1 bundles carry them (still read).
    cols = payload["tables"]["people"]["cols"]
    rows, _ = sync_wire.decode_block(payload["tables"]["people"], payload["sites"])
    rows = json.loads(json.dumps(rows))
    bad = json.loads(json.dumps(rows[-1]))
    bad[6][cols.index("id")] = "ffffffff-ffff-4fff-8fff-ffffffffffff"
    bad[6][cols.index("pathway")] = "nonsense"
    payload["tables"]["people"] = {"cols": cols, "rows": [*rows, bad]}
    forged = _resealed(a, b, data, payload)
    before_schema, before = _schema(b), full_digest(b)
    with pytest.raises(BundleRefused, match="holds a record this site cannot store") as info:
        incoming.import_bundle(b, forged)
    assert info.value.exit_code == 2 and "CHECK" in str(info.value)
    assert _schema(b) == before_schema
    assert full_digest(b) == before


def _opened(b, data: bytes) -> dict:
    return bundle.open_body(bundle.parse(data, "x"), keys.decryption_keys(b), "x")


def _resealed(a, b, data: bytes, payload: dict) -> bytes:
    """The payload signed and sealed by A as a new bundle: what a faulty sender could write."""
    parsed = bundle.parse(data, "x")
    header = {k: v for k, v in parsed.header.items() if k not in {"to_key", "ephemeral", "nonce"}}
    header["bundle_id"] = "bad-" + str(header["bundle_id"])
    recipient = a.one("SELECT enc_public FROM sync_peers WHERE site_id = ?", (b.site_id,))[0]
    return bundle.seal(header, payload, keys.identity(a), bytes(recipient))


def test_blocks_carry_every_part_of_a_row_by_column() -> None:
    """Rows come back exactly as they went, the parts most rows share left out only where
    every row shares them."""
    cols = ["id", "person_id", "note", "empty"]
    s1, s2 = "site-one", "site-two"
    rows = [
        # Created here and never changed: latest version, vector and person all implied.
        ["p1", 10, s1, 10, s1, '{"site-one":10}', ("n1", "p1", "a", None), None],
        # Changed at another site: its own latest version, vector and column versions.
        ["p1", 11, s1, 15, s2, '{"site-one":11,"site-two":15}', ("n2", "p1", None, None),
         {"note": [15, s2, '{"site-one":11}']}],
    ]  # fmt: skip
    sites: dict[str, int] = {}
    block = sync_wire.encode_block(cols, [list(r) for r in rows], sites)
    assert block["values"][3] is None and block["pid_col"] == "person_id"
    wire = json.loads(json.dumps(block))
    back, empty = sync_wire.decode_block(wire, list(sites))
    assert empty == {"empty"}
    expected = [list(rows[0]), list(rows[1])]
    expected[0][5] = None  # "created by its origin" travels as nothing
    assert [[*r[:6], tuple(r[6]), r[7]] for r in back] == expected
    alone = sync_wire.encode_block(cols, [list(rows[0])], {})
    assert {"hlc", "origin", "vv", "colvers", "pid"}.isdisjoint(alone)


@pytest.mark.parametrize(
    "damage",
    [
        lambda blk: blk["values"][0].pop(),  # one column shorter than the others
        lambda blk: blk.__setitem__("ins_origin", [-1] * blk["n"]),  # no such site
        lambda blk: blk.__setitem__("ins_origin", [99] * blk["n"]),
        lambda blk: blk.__setitem__("n", "many"),
        lambda blk: blk.__setitem__("values", blk["values"][:-1]),
    ],
    ids=["short column", "negative site", "unknown site", "count not a number", "column missing"],
)
def test_a_block_that_does_not_add_up_is_refused_whole(sites, damage) -> None:
    a, b = sites["A"], sites["B"]
    person(a, "Grace", "Hopper", **ALL)
    data = outgoing.export(a, b.site_id).data
    payload = _opened(b, data)
    damage(payload["tables"]["people"])
    forged = _resealed(a, b, data, payload)
    before = full_digest(b)
    with pytest.raises(BundleRefused, match="damaged") as info:
        incoming.import_bundle(b, forged)
    assert info.value.exit_code == 2
    assert full_digest(b) == before
    # The sender's real bundle still goes in afterwards.
    incoming.import_bundle(b, data)
