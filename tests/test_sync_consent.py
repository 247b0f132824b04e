"""Consent and entitlement on export: canaries never reach a site that may not hold them."""

from __future__ import annotations

import json
import re

import pytest
from test_sync_helpers import Family, digest, person

from ahtui.store.consent import record_consent
from ahtui.store.notes import add_note
from ahtui.sync import bundle, incoming, keys, outgoing, policy

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
    direct = _plain(la, outgoing.export(p, la.site_id).data)
    assert CANARY_NAME not in direct and hidden not in direct
    assert shared in direct and "ordinary note text" in direct
    assert CANARY_TEXT not in direct
    # Probation may hold both; relaying through it keeps both rules.
    to_b = outgoing.export(p, b.site_id).data
    assert CANARY_NAME in _plain(b, to_b) and CANARY_TEXT not in _plain(b, to_b)
    incoming.import_bundle(b, to_b)
    relayed = _plain(la, outgoing.export(b, la.site_id).data)
    assert CANARY_NAME not in relayed and hidden not in relayed and CANARY_TEXT not in relayed
    assert shared in relayed


def test_sensitive_notes_go_only_to_the_same_agency_and_hub_gets_no_free_text(sites) -> None:
    p, p2, h = sites["P"], sites["P2"], sites["H"]
    hidden, shared = _setup(p)
    same = _plain(p2, outgoing.export(p, p2.site_id).data)
    assert CANARY_TEXT in same
    hub = _plain(h, outgoing.export(p, h.site_id).data)
    assert CANARY_TEXT not in hub and "ordinary note text" not in hub
    assert shared in hub  # consented to the sending agency, so counted by supervisors
    incoming.import_bundle(h, outgoing.export(p, h.site_id).data)
    assert h.one("SELECT count(*) FROM case_notes WHERE body <> ''")[0] == 0
    # A hub never sends records back.
    back = _plain(p, outgoing.export(h, p.site_id).data)
    assert shared not in back


def test_withdrawn_consent_purges_the_person_at_the_agency_that_lost_it(sites) -> None:
    p, la = sites["P"], sites["L"]
    _, shared = _setup(p)
    incoming.import_bundle(la, outgoing.export(p, la.site_id).data)
    incoming.import_bundle(p, outgoing.export(la, p.site_id).data)
    assert la.one("SELECT count(*) FROM people WHERE id = ?", (shared,))[0] == 1
    record_consent(p, shared, {"agency": "local_authority", "event": "withdrawn",
                               "on_date": "2026-02-01"})  # fmt: skip
    r = incoming.import_bundle(la, outgoing.export(p, la.site_id).data)
    assert r.purges == 1
    for table in ("people", "case_notes", "consents", "pathway_history"):
        col = "id" if table == "people" else "person_id"
        assert la.one(f"SELECT count(*) FROM {table} WHERE {col} = ?", (shared,))[0] == 0
    assert la.one("SELECT count(*) FROM sync_rows WHERE row_id = ?", (shared,))[0] == 0
    # Given again: the person is sent in full.
    record_consent(p, shared, {"agency": "local_authority", "event": "given",
                               "on_date": "2026-03-01"})  # fmt: skip
    incoming.import_bundle(p, outgoing.export(la, p.site_id).data)
    incoming.import_bundle(la, outgoing.export(p, la.site_id).data)
    allowed = policy.allowed_people(p, "local_authority")
    tables = ["people", "consents", "pathway_history", "identifications"]
    assert digest(la, allowed, tables=tables) == digest(p, allowed, tables=tables)
    assert la.one("SELECT count(*) FROM case_notes")[0] == 1  # the ordinary note only


def test_consent_withdrawn_and_given_again_at_once_resends_what_was_not_taken(sites) -> None:
    """The sender never saw the withdrawal as the latest decision (withdrawn and given again
    arrived together), yet the receiver refused its note meanwhile: a new decision sends the
    person in full again."""
    p, la = sites["P"], sites["L"]
    _, shared = _setup(p)
    incoming.import_bundle(la, outgoing.export(p, la.site_id).data)
    incoming.import_bundle(p, outgoing.export(la, p.site_id).data)
    record_consent(la, shared, {"agency": "local_authority", "event": "withdrawn",
                                "on_date": "2026-02-01"})  # fmt: skip
    add_note(p, shared, {"contact_type": "pa_visit", "contact_at": "2026-02-02",
                         "body": "written while the withdrawal was in the post"})  # fmt: skip
    # The local authority is leaving the person; it takes nothing new of theirs.
    incoming.import_bundle(la, outgoing.export(p, la.site_id).data)
    assert "written while the withdrawal was in the post" not in {
        r[0] for r in la.query("SELECT body FROM case_notes")
    }
    record_consent(la, shared, {"agency": "local_authority", "event": "given",
                                "on_date": "2026-02-03"})  # fmt: skip
    incoming.import_bundle(p, outgoing.export(la, p.site_id).data)  # both decisions at once
    incoming.import_bundle(la, outgoing.export(p, la.site_id).data)
    assert "written while the withdrawal was in the post" in {
        r[0] for r in la.query("SELECT body FROM case_notes")
    }
    tables = ["people", "consents", "pathway_history"]
    incoming.import_bundle(p, outgoing.export(la, p.site_id).data)
    assert digest(la, {shared}, tables=tables) == digest(p, {shared}, tables=tables)
    assert la.one("SELECT count(*) FROM sync_leaving")[0] == 0


def _as_hub(hub, to, payload: dict) -> bytes:
    """A bundle signed and sealed by the hub's own keys, carrying `payload`."""
    import uuid

    from ahtui.store.migrations import latest_version
    from ahtui.store.site import utc_now

    peer = hub.one("SELECT enc_public FROM sync_peers WHERE site_id = ?", (to.site_id,))
    header = {"from": hub.site_id, "to": to.site_id, "schema": latest_version(),
              "bundle_id": str(uuid.uuid4()), "sequence": 1, "since": 0, "upto": 1,
              "created_at": utc_now()}  # fmt: skip
    return bundle.seal(header, payload, keys.identity(hub), bytes(peer[0]))


def test_a_bundle_from_a_hub_that_carries_anything_but_acknowledgements_is_refused(sites) -> None:
    from test_sync_helpers import full_digest

    from ahtui.sync.errors import BundleRefused

    p, h, b = sites["P"], sites["H"], sites["B"]
    _, shared = _setup(p)
    incoming.import_bundle(h, outgoing.export(p, h.site_id).data)
    carried = json.loads(_plain(h, outgoing.export(p, h.site_id).data))
    one_table = {k: v for k, v in carried["tables"].items() if k == "practitioners"} or {
        "people": carried["tables"]["people"]
    }
    attempts = [
        {"tables": carried["tables"], "sites": carried["sites"], "ack": 0},
        {"tables": one_table, "sites": carried["sites"], "ack": 0},
        {"tables": {}, "notices": [[shared, "probation", None]], "ack": 0},
        {"tables": {}, "withheld": [["x", 1, p.site_id]], "ack": 0},
        {"tables": {}, "purge": [shared], "ack": 0},
    ]
    before = full_digest(b)
    for payload in attempts:
        with pytest.raises(BundleRefused, match="a supervisors' hub, but carries records"):
            incoming.import_bundle(b, _as_hub(h, b, payload))
    assert full_digest(b) == before
    # Acknowledgements alone are what a hub sends, and they are taken.
    assert not incoming.import_bundle(b, outgoing.export(h, b.site_id).data).already


def test_a_hub_never_holds_a_persons_names_or_day_of_birth(sites) -> None:
    from ahtui.store.people import create_person

    p, h = sites["P"], sites["H"]
    pid = create_person(p, {"given_name": "Zephyrinus", "family_name": "Quorndonhall",
                            "preferred_name": "Zeffo", "pathway": "long",
                            "date_of_birth": "2003-05-17", "crn": "X123456"})  # fmt: skip
    for agency in ("prison", "probation", "local_authority"):
        record_consent(p, pid, {"agency": agency, "event": "given", "on_date": "2026-01-05"})
    incoming.import_bundle(h, outgoing.export(p, h.site_id).data)
    everything = []
    for (name,) in h.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        everything += [repr(tuple(r)) for r in h.query(f'SELECT * FROM "{name}"')]
    dump = "\n".join(everything)
    for canary in ("Zephyrinus", "Quorndonhall", "Zeffo", "2003-05-17"):
        assert canary not in dump, canary
    row = h.one("SELECT given_name, family_name, date_of_birth, crn FROM people WHERE id = ?",
                (pid,))  # fmt: skip
    assert tuple(row) == ("", "", "2003-05-01", "X123456")


def test_recording_the_end_of_this_sites_own_consent_says_the_person_will_leave(sites) -> None:
    from ahtui.store.consent import leaves_this_site

    p, la = sites["P"], sites["L"]
    _, shared = _setup(p)
    incoming.import_bundle(la, outgoing.export(p, la.site_id).data)
    assert not leaves_this_site(la, shared)
    record_consent(la, shared, {"agency": "local_authority", "event": "withdrawn",
                                "on_date": "2026-02-01"})  # fmt: skip
    assert leaves_this_site(la, shared)
    # The home site keeps its own record whatever its agency's consent says.
    record_consent(p, shared, {"agency": "prison", "event": "withdrawn", "on_date": "2026-02-01"})
    assert not leaves_this_site(p, shared)
    # The local authority holds them until a site that takes them has what it wrote about them.
    # Not the prison: their home keeps its own record, but its agency may no longer be sent
    # theirs (the local authority learns that while leaving). Probation, then.
    for other, still in ((p, 1), (sites["B"], 0)):
        incoming.import_bundle(other, outgoing.export(la, other.site_id).data)
        incoming.import_bundle(la, outgoing.export(other, la.site_id).data)
        assert la.one("SELECT count(*) FROM people WHERE id = ?", (shared,))[0] == still
    assert "withdrawn" in {
        r[0]
        for r in sites["B"].query(
            "SELECT event FROM consents WHERE person_id = ? AND agency = 'local_authority'",
            (shared,),
        )
    }


# The whole-site passes a large bundle's judging makes (`sharing.JUDGE_BY_PERSON`).
WHOLE_SITE_READS = re.compile(
    r"FROM (consents|sync_decisions) WHERE agency = |FROM sync_withheld WHERE tbl = 'case_notes'"
)


def test_a_hub_judges_a_days_bundle_by_the_people_in_it(sites) -> None:
    """A served hub takes a day's bundle from each of hundreds of sites: judging one reads
    what the hub knows of the people and notes in it, not of everyone it holds."""
    p, h = sites["P"], sites["H"]
    people = [person(p, f"Day{i}", "Test", prison="given") for i in range(12)]
    note = add_note(p, people[2], {"contact_type": "phone", "contact_at": "2026-01-06",
                                   "body": "kept within the prison", "sensitive": True})  # fmt: skip
    incoming.import_bundle(h, outgoing.export(p, h.site_id).data)
    incoming.import_bundle(p, outgoing.export(h, p.site_id).data)  # the hub's acknowledgement
    assert h.one("SELECT count(*) FROM sync_withheld WHERE row_id = ?", (note,))[0] == 1
    add_note(p, people[0], {"contact_type": "phone", "contact_at": "2026-01-07",
                            "body": "Rang about housing"})  # fmt: skip
    record_consent(p, people[1], {"agency": "prison", "event": "withdrawn",
                                  "on_date": "2026-01-09"})  # fmt: skip
    day = outgoing.export(p, h.site_id).data
    ran: list[str] = []
    h.conn.set_trace_callback(ran.append)
    try:
        incoming.import_bundle(h, day)
    finally:
        h.conn.set_trace_callback(None)
    assert [sql for sql in ran if WHOLE_SITE_READS.search(sql) and "json_each" not in sql] == []
    assert any("FROM consents WHERE agency = " in sql for sql in ran)  # it did judge
    # And judged right: the withdrawal reached the hub, which holds that person no longer.
    assert h.one("SELECT count(*) FROM people WHERE id = ?", (people[1],))[0] == 0
    assert h.one("SELECT count(*) FROM people WHERE id = ?", (people[0],))[0] == 1
    assert h.one("SELECT count(*) FROM case_notes WHERE id = ?", (note,))[0] == 0
