"""Bulk imports: the triggers and indexes set aside for speed all come back, whatever happens."""

from __future__ import annotations

import json

import pytest
from test_sync_helpers import ALL, Family, digest, full_digest, person

from ahtui.store import people
from ahtui.store.site import utc_now
from ahtui.sync import bundle, engine, keys
from ahtui.sync.errors import BundleRefused

MANY = engine.BULK_ROWS + 50


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
    result = engine.import_bundle(b, engine.export(a, b.site_id).data)
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
    engine.import_bundle(b, engine.export(a, b.site_id).data)
    assert _schema(b) == before
    assert b.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert b.one("SELECT count(*) FROM people WHERE family_name = 'Here'")[0] == 3 * MANY


def test_a_bulk_import_that_fails_half_way_changes_nothing(sites) -> None:
    a, b = sites["A"], sites["B"]
    _many(a, MANY)
    person(a, "Ada", "Lovelace", **ALL)
    data = engine.export(a, b.site_id).data
    # Re-seal the same payload with one bad row after the bulk rows: a pathway no site knows,
    # which the table's CHECK refuses only once the people before it are in. Nothing may
    # stay, and nothing may be skipped quietly either.
    parsed = bundle.parse(data, "x")
    payload = bundle.open_body(parsed, keys.decryption_keys(b), "x")
    block = payload["tables"]["people"]
    bad = json.loads(json.dumps(block["rows"][-1]))
    bad[6][block["cols"].index("id")] = "ffffffff-ffff-4fff-8fff-ffffffffffff"
    bad[6][block["cols"].index("pathway")] = "nonsense"
    block["rows"].append(bad)
    header = {k: v for k, v in parsed.header.items() if k not in {"to_key", "ephemeral", "nonce"}}
    header["bundle_id"] = "bad-" + str(header["bundle_id"])
    recipient = a.one("SELECT enc_public FROM sync_peers WHERE site_id = ?", (b.site_id,))[0]
    forged = bundle.seal(header, payload, keys.identity(a), bytes(recipient))
    before_schema, before = _schema(b), full_digest(b)
    with pytest.raises(BundleRefused, match="holds a record this site cannot store") as info:
        engine.import_bundle(b, forged)
    assert info.value.exit_code == 2 and "CHECK" in str(info.value)
    assert _schema(b) == before_schema
    assert full_digest(b) == before
