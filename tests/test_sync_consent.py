"""Consent and entitlement on export: canaries never reach a site that may not hold them."""

from __future__ import annotations

import json

import pytest
from test_sync_helpers import Family, digest, person

from ahtui.store.consent import record_consent
from ahtui.store.notes import add_note
from ahtui.sync import bundle, engine, keys

CANARY_NAME = "Quillonabey"
CANARY_TEXT = "CANARY-SENSITIVE-7f3a"


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(
        tmp_path_factory.mktemp("cfam"),
        [("P", "prison"), ("B", "probation"), ("L", "local_authority"), ("H", "hub"),
         ("P2", "prison")],
    )  # fmt: skip


def _plain(receiver, data: bytes) -> str:
    parsed = bundle.parse(data, "x")
    return json.dumps(bundle.open_body(parsed, keys.decryption_keys(receiver), "x"))


def _setup(p):
    hidden = person(p, CANARY_NAME, "Hidden", prison="given", probation="given",
                    local_authority="declined")  # fmt: skip
    shared = person(p, "Open", "Shared", prison="given", probation="given",
                    local_authority="given")  # fmt: skip
    add_note(p, shared, {"contact_type": "phone", "contact_at": "2026-01-06",
                         "body": CANARY_TEXT, "sensitive": True})  # fmt: skip
    add_note(p, shared, {"contact_type": "phone", "contact_at": "2026-01-06",
                         "body": "ordinary note text"})  # fmt: skip
    return hidden, shared


def test_no_consent_never_reaches_the_local_authority_even_by_relay(sites) -> None:
    p, b, la = sites["P"], sites["B"], sites["L"]
    hidden, shared = _setup(p)
    direct = _plain(la, engine.export(p, la.site_id).data)
    assert CANARY_NAME not in direct and hidden not in direct
    assert shared in direct and "ordinary note text" in direct
    assert CANARY_TEXT not in direct
    # Probation may hold both; relaying through it keeps both rules.
    to_b = engine.export(p, b.site_id).data
    assert CANARY_NAME in _plain(b, to_b) and CANARY_TEXT not in _plain(b, to_b)
    engine.import_bundle(b, to_b)
    relayed = _plain(la, engine.export(b, la.site_id).data)
    assert CANARY_NAME not in relayed and hidden not in relayed and CANARY_TEXT not in relayed
    assert shared in relayed


def test_sensitive_notes_go_only_to_the_same_agency_and_hub_gets_no_free_text(sites) -> None:
    p, p2, h = sites["P"], sites["P2"], sites["H"]
    hidden, shared = _setup(p)
    same = _plain(p2, engine.export(p, p2.site_id).data)
    assert CANARY_TEXT in same
    hub = _plain(h, engine.export(p, h.site_id).data)
    assert CANARY_TEXT not in hub and "ordinary note text" not in hub
    assert shared in hub  # consented to the sending agency, so counted by supervisors
    engine.import_bundle(h, engine.export(p, h.site_id).data)
    assert h.one("SELECT count(*) FROM case_notes WHERE body <> ''")[0] == 0
    # A hub never sends records back.
    back = _plain(p, engine.export(h, p.site_id).data)
    assert shared not in back


def test_withdrawn_consent_purges_the_person_at_the_agency_that_lost_it(sites) -> None:
    p, la = sites["P"], sites["L"]
    _, shared = _setup(p)
    engine.import_bundle(la, engine.export(p, la.site_id).data)
    engine.import_bundle(p, engine.export(la, p.site_id).data)
    assert la.one("SELECT count(*) FROM people WHERE id = ?", (shared,))[0] == 1
    record_consent(p, shared, {"agency": "local_authority", "event": "withdrawn",
                               "on_date": "2026-02-01"})  # fmt: skip
    r = engine.import_bundle(la, engine.export(p, la.site_id).data)
    assert r.purges == 1
    for table in ("people", "case_notes", "consents", "pathway_history"):
        col = "id" if table == "people" else "person_id"
        assert la.one(f"SELECT count(*) FROM {table} WHERE {col} = ?", (shared,))[0] == 0
    assert la.one("SELECT count(*) FROM sync_rows WHERE row_id = ?", (shared,))[0] == 0
    # Given again: the person is sent in full.
    record_consent(p, shared, {"agency": "local_authority", "event": "given",
                               "on_date": "2026-03-01"})  # fmt: skip
    engine.import_bundle(p, engine.export(la, p.site_id).data)
    engine.import_bundle(la, engine.export(p, la.site_id).data)
    allowed = engine.allowed_people(p, "local_authority")
    tables = ["people", "consents", "pathway_history", "identifications"]
    assert digest(la, allowed, tables=tables) == digest(p, allowed, tables=tables)
    assert la.one("SELECT count(*) FROM case_notes")[0] == 1  # the ordinary note only
