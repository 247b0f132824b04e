"""The sync policy file: every synced column has a class, and what has none never leaves.

Real sites and real bundles throughout. A column is added the way a migration adds one (ALTER
TABLE on every site, then the audit and capture triggers again), given a value, and each kind
of peer is sent a bundle: a site of the same agency, one of another agency with consent, one
without consent, and a supervisors' hub. What the bundle carries (opened with the receiver's
key) and what the receiver then holds are both checked.
"""

from __future__ import annotations

import copy
import json
import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sync_helpers import Family, fast_open, person, policy_with

from ahtui.resources import schema_dir
from ahtui.store import audit, capture, networks, rows
from ahtui.store.capture import synced_tables
from ahtui.store.notes import add_note
from ahtui.store.site import Site
from ahtui.store.team import add_practitioner
from ahtui.sync import bundle, conflicts, incoming, keys, outgoing, policy
from ahtui.sync.policy_file import (
    CLASSES,
    SyncPolicy,
    SyncPolicyError,
    build_policy,
    load_policy,
    policy_path,
    read_policy,
)

SECRET = "Quillon-9b2e"
# A date, so that the month-only class has a day to drop.
DAY = "2003-05-17"
PEERS = ("P2", "B", "L", "H")


# The column each test gives a class to (or none), added to the tables it is tried on.
PROBED = ("people", "practitioners", "plan_progress")


def _migrate(site: Site, *statements: str) -> None:
    """Change the schema as the migration runner does: the statements, then the triggers."""
    with site.write() as conn:
        for sql in statements:
            conn.execute(sql)
        audit.install_audit_triggers(conn)
        capture.install_capture_triggers(conn)


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    """Five sites that trust each other, each with a `probe` column (a text column no
    migration has, and so no class) added as a migration would add it. Added once here, so
    every test of the module starts from the same schema."""
    fam = Family(
        tmp_path_factory.mktemp("policy"),
        [("P", "prison"), ("P2", "prison"), ("B", "probation"), ("L", "local_authority"),
         ("H", "hub")],
    )  # fmt: skip
    for name in fam.names:
        s = fast_open(fam.folder / f"{name}.ahtui", fam.keys[name])
        _migrate(s, *(f"ALTER TABLE {t} ADD COLUMN probe TEXT" for t in PROBED))
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        s.close()
    return fam


def _send(sender: Site, receiver: Site, rules: SyncPolicy | None = None) -> dict[str, Any]:
    """Export for `receiver`, import it there; what the bundle carried, opened."""
    data = outgoing.export(sender, receiver.site_id, rules=rules).data
    carried = bundle.open_body(bundle.parse(data, "x"), keys.decryption_keys(receiver), "x")
    incoming.import_bundle(receiver, data)
    return carried


def _dump(site: Site) -> str:
    """Every row of every table of a site, as text."""
    out = []
    for (name,) in site.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        out += [repr(tuple(r)) for r in site.conn.execute(f'SELECT * FROM "{name}"')]
    return "\n".join(out)


def _columns_sent(carried: dict[str, Any], table: str) -> list[str]:
    block = carried["tables"].get(table)
    return [] if block is None else list(block["cols"])


def _person(p: Site) -> str:
    """A person the prison and probation may hold, and the local authority may not."""
    return person(p, "Nia", "Policy", prison="given", probation="given", local_authority="declined")


# -- (1) the schema against the file -----------------------------------------------------------


def _unclassified(conn: Any, rules: SyncPolicy) -> tuple[list[str], list[str]]:
    """Columns of synced tables (as SQLite lists them) with no class; entries naming no column."""
    real = {
        t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in synced_tables(conn)
    }
    missing = [
        f"{t}.{c}" for t, cols in real.items() for c in cols if rules.column_class(t, c) is None
    ]
    unreal = [
        f"{t}.{c}" for t, cols in rules.columns.items() for c in cols if c not in real.get(t, [])
    ]
    return missing, unreal


def test_every_column_of_every_synced_table_is_classified(site: Site) -> None:
    rules = load_policy()
    missing, unreal = _unclassified(site.conn, rules)
    assert not missing, (
        f"These columns have no class in {rules.path}, so they never leave a site; list each "
        f"under its table, in the class that says where it may go: {', '.join(missing)}"
    )
    assert not unreal, f"{rules.path} names columns the schema does not have: {', '.join(unreal)}"
    assert set(rules.rows) == set(synced_tables(site.conn))
    assert all(rules.column_class(t, c) in CLASSES for t in rules.columns for c in rules.columns[t])
    # The check made as the file is first used on a site passes too.
    assert policy.site_policy(site.conn) is rules


def test_the_classification_test_names_a_column_a_migration_adds(site: Site) -> None:
    _migrate(site, "ALTER TABLE people ADD COLUMN nickname TEXT")
    missing, unreal = _unclassified(site.conn, load_policy())
    assert missing == ["people.nickname"] and not unreal
    # ... and the file itself still loads: a column with no class is not an error, it stays.
    policy.site_policy(site.conn)


def test_the_policy_is_the_file_beside_the_schema_read_once() -> None:
    assert policy_path() == schema_dir() / "sync_policy.toml"
    assert load_policy() is load_policy()
    assert load_policy().path == policy_path()


# -- (2) a new column with no class ------------------------------------------------------------


def test_a_new_column_or_table_without_a_class_reaches_no_one(sites: dict[str, Site]) -> None:
    p = sites["P"]
    pid = person(p, "Nia", "New", prison="given", probation="given", local_authority="given")
    nid = add_note(p, pid, {"contact_type": "phone", "contact_at": "2026-01-06",
                            "body": "ordinary note text"})  # fmt: skip
    for s in sites.values():
        _migrate(
            s,
            "ALTER TABLE people ADD COLUMN nickname TEXT",
            "ALTER TABLE case_notes ADD COLUMN summary TEXT",
            "ALTER TABLE plan_progress ADD COLUMN summary TEXT",
            "CREATE TABLE widgets (id TEXT PRIMARY KEY NOT NULL, person_id TEXT NOT NULL, "
            "label TEXT, created_at TEXT, updated_at TEXT, updated_by TEXT, deleted_at TEXT)",
        )
    # Written by an edit (a column version of its own) and as a new row is created.
    rows.update(p, "people", pid, {"nickname": SECRET})
    rows.update(p, "case_notes", nid, {"summary": SECRET})
    rows.insert(p, "plan_progress", {"person_id": pid, "noted_on": "2026-01-07",
                                     "note": "progress", "summary": SECRET})  # fmt: skip
    rows.insert(p, "widgets", {"person_id": pid, "label": SECRET})
    assert p.one("SELECT 1 FROM sync_rows WHERE tbl = 'widgets'")  # captured, as any table
    for name in PEERS:
        r = sites[name]
        carried = _send(p, r)
        assert _columns_sent(carried, "people"), name  # the person went...
        assert "plan_progress" in carried["tables"] and "case_notes" in carried["tables"]
        assert SECRET not in json.dumps(carried), name  # ... without the new columns
        # Not even their names, nor the versions of their changes; nor the new table.
        text = json.dumps(carried)
        assert "nickname" not in text and "summary" not in text and "widgets" not in text
        assert r.one("SELECT nickname FROM people WHERE id = ?", (pid,))[0] is None
        assert r.one("SELECT count(*) FROM plan_progress WHERE person_id = ?", (pid,))[0] == 1
        assert r.one("SELECT count(*) FROM widgets")[0] == 0
        assert SECRET not in _dump(r), name
    # The same agency's site, passing the person on, has nothing of it to pass.
    assert SECRET not in json.dumps(_send(sites["P2"], sites["B"]))


# -- (3) each class, with real bundles ---------------------------------------------------------

FULL, BLANK, MONTH, NOT_SENT, NO_ROW = "full", "blank", "month", "not sent", "no row"
# Who holds what of a column, by its class: P2 is of the sender's agency, B of another with
# consent, L of one without, H a hub. None: a column the file does not name.
EXPECTED: dict[str | None, tuple[str, dict[str, str]]] = {
    "everywhere": ("practitioners", {"P2": FULL, "B": FULL, "L": FULL, "H": FULL}),
    "consent": ("people", {"P2": FULL, "B": FULL, "L": NO_ROW, "H": FULL}),
    "agency": ("people", {"P2": FULL, "B": NOT_SENT, "L": NO_ROW, "H": NOT_SENT}),
    "hub_blank": ("people", {"P2": FULL, "B": FULL, "L": NO_ROW, "H": BLANK}),
    "hub_month": ("people", {"P2": FULL, "B": FULL, "L": NO_ROW, "H": MONTH}),
    "local": ("people", {"P2": NOT_SENT, "B": NOT_SENT, "L": NO_ROW, "H": NOT_SENT}),
    None: ("people", {"P2": NOT_SENT, "B": NOT_SENT, "L": NO_ROW, "H": NOT_SENT}),
}


def _held(site: Site, table: str, rid: str, column: str) -> str:
    row = site.one(f'SELECT "{column}" FROM "{table}" WHERE id = ?', (rid,))
    if row is None:
        return NO_ROW
    return {DAY: FULL, "2003-05-01": MONTH, None: NOT_SENT}.get(row[0], repr(row[0]))


def test_every_class_is_tested() -> None:
    assert set(EXPECTED) == {*CLASSES, None}


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda c: str(c))
def test_who_gets_a_column_of_each_class(sites: dict[str, Site], cls: str | None) -> None:
    p = sites["P"]
    table, expected = EXPECTED[cls]
    rules = policy_with({table: {cls: ["probe"]}}) if cls else None
    if table == "people":
        rid = _person(p)
        rows.update(p, "people", rid, {"probe": DAY})
    else:
        rid = add_practitioner(p, {"name": "Pat Lee", "role": "pom"})
        rows.update(p, "practitioners", rid, {"probe": DAY})
    for name, want in expected.items():
        carried = _send(p, sites[name], rules)
        sent = "probe" in _columns_sent(carried, table)
        got = _held(sites[name], table, rid, "probe")
        if want == BLANK:
            # The column travels (its version too), its value does not.
            assert sent and got == NOT_SENT, name
        else:
            assert got == want, (name, got)
            assert sent == (want in (FULL, MONTH)), name
        if want != FULL:
            assert DAY not in json.dumps(carried), name
    # A site of the sender's agency passing the record on keeps the same rules.
    for name in ("B", "H"):
        _send(sites["P2"], sites[name], rules)
        want = expected[name]
        assert _held(sites[name], table, rid, "probe") == (NOT_SENT if want == BLANK else want)


def test_the_shipped_classes_of_a_persons_details(sites: dict[str, Site]) -> None:
    """Names and contact details blank for a hub, the day of birth cut to its month, the rest
    in full; nothing at all for a site without consent."""
    from ahtui.store.actions import add_action
    from ahtui.store.emails import record_email
    from ahtui.store.myplan import add_support
    from ahtui.store.people import record_identification
    from ahtui.store.team import add_contact

    p = sites["P"]
    pid = _person(p)
    rows.update(p, "people", pid, {"date_of_birth": DAY, "crn": "X123456"})
    cid = add_contact(p, pid, {"name": "Rowan Policy", "relationship": "aunt",
                               "phone": "07700 900123"})  # fmt: skip
    prac = add_practitioner(p, {"name": "Pat Lee", "role": "pom"})
    net = networks.offer(p, pid, offer_type="lifelong_links", offered_on=date(2026, 1, 5))
    mid = networks.add_member(p, net, name="Sol Policy", relationship="cousin",
                              contact="sol@example.org")  # fmt: skip
    # The names of the people around the person, typed as text where they appear.
    around = {
        ("identifications", "identified_by_name"): record_identification(
            p, pid, {"identified_on": "2026-01-05", "method": "key_worker",
                     "identified_by_name": "Kit Around"}),
        ("actions", "responsible_name"): add_action(
            p, pid, {"step": "Ring the hostel", "responsible_name": "Ash Around"}),
        ("emails", "to_name"): record_email(
            p, pid, template=None, to_name="Bo Around", to_address="bo@example.org"),
        ("plan_support", "from_whom"): add_support(p, pid, "Lifts", from_whom="Cy Around"),
    }  # fmt: skip
    for name in PEERS:
        r = sites[name]
        _send(p, r)
        for (table, col), rid in around.items():
            got = r.one(f"SELECT {col} FROM {table} WHERE id = ?", (rid,))
            if name == "L":
                assert got is None, table
            else:
                assert (got[0] is None) == (name == "H"), (name, table)
        address = r.one(
            "SELECT to_address FROM emails WHERE id = ?", (around["emails", "to_name"],)
        )
        if name != "L":
            assert address[0] == (None if name == "H" else "bo@example.org")
        member = r.one("SELECT name, relationship, contact FROM network_members WHERE id = ?",
                       (mid,))  # fmt: skip
        who = r.one("SELECT given_name, family_name, date_of_birth, crn FROM people WHERE id = ?",
                    (pid,))  # fmt: skip
        contact = r.one("SELECT name, relationship, phone FROM personal_contacts WHERE id = ?",
                        (cid,))  # fmt: skip
        assert r.one("SELECT name FROM practitioners WHERE id = ?", (prac,))[0] == "Pat Lee"
        if name == "L":
            assert who is None and contact is None and member is None
        elif name == "H":
            assert tuple(who) == ("", "", "2003-05-01", "X123456")
            assert tuple(contact) == ("", "", None)
            # README: a hub holds none of the contact details of the people around the person.
            assert tuple(member) == ("", None, None)
        else:
            assert tuple(who) == ("Nia", "Policy", DAY, "X123456")
            assert tuple(contact) == ("Rowan Policy", "aunt", "07700 900123")
            assert tuple(member) == ("Sol Policy", "cousin", "sol@example.org")


def test_a_conflict_about_an_agency_column_stays_in_the_agency(sites: dict[str, Site]) -> None:
    p, p2, b, h = sites["P"], sites["P2"], sites["B"], sites["H"]
    rules = policy_with({"people": {"agency": ["probe"]}})
    pid = _person(p)
    _send(p, p2, rules)
    rows.update(p, "people", pid, {"probe": f"{SECRET} from P"})
    rows.update(p2, "people", pid, {"probe": f"{SECRET} from P2"})
    _send(p2, p, rules)
    [lost] = [c for c in conflicts.conflicts(p, pid) if c["col"] == "probe"]
    assert SECRET in lost["lost_value"]
    # The other prison is told of it; probation and the hub never hear of it.
    assert SECRET in json.dumps(_send(p, p2, rules))
    for r in (b, h):
        carried = _send(p, r, rules)
        assert SECRET not in json.dumps(carried)
        assert r.one("SELECT count(*) FROM sync_conflicts WHERE col = 'probe'")[0] == 0


# -- merge: a column the sender does not send --------------------------------------------------


def test_a_same_agency_value_arrives_after_the_row_came_by_another_agency(
    sites: dict[str, Site],
) -> None:
    """The row reaches the other prison first through probation, without the column; the
    prison's own bundle, arriving later, still brings the value (written as the row was
    created, so with no version of its own)."""
    p, p2, b = sites["P"], sites["P2"], sites["B"]
    rules = policy_with({"plan_progress": {"agency": ["probe"]}})
    pid = _person(p)
    rid = rows.insert(p, "plan_progress", {"person_id": pid, "noted_on": "2026-01-07",
                                           "note": "progress", "probe": SECRET})  # fmt: skip
    _send(p, b, rules)
    _send(b, p2, rules)
    assert p2.one("SELECT probe FROM plan_progress WHERE id = ?", (rid,))[0] is None
    _send(p, p2, rules)
    assert p2.one("SELECT probe FROM plan_progress WHERE id = ?", (rid,))[0] == SECRET
    # Passed on between sites that both had the row, it is not lost again either way.
    _send(p2, b, rules)
    _send(b, p2, rules)
    assert p2.one("SELECT probe FROM plan_progress WHERE id = ?", (rid,))[0] == SECRET
    assert SECRET not in _dump(b)
    assert not conflicts.conflicts(p2, pid) and not conflicts.conflicts(p, pid)


def test_a_receiver_keeps_its_own_value_of_a_column_it_is_not_sent(
    sites: dict[str, Site],
) -> None:
    p, b = sites["P"], sites["B"]
    rules = policy_with({"people": {"local": ["probe"]}})
    pid = _person(p)
    _send(p, b, rules)
    rows.update(b, "people", pid, {"probe": "written at probation"})
    rows.update(p, "people", pid, {"probe": "written at the prison", "crn": "X765432"})
    _send(p, b, rules)
    assert tuple(b.one("SELECT probe, crn FROM people WHERE id = ?", (pid,))) == (
        "written at probation", "X765432",
    )  # fmt: skip
    _send(b, p, rules)
    assert p.one("SELECT probe FROM people WHERE id = ?", (pid,))[0] == "written at the prison"
    assert not [c for c in conflicts.conflicts(p, pid) + conflicts.conflicts(b, pid)
                if c["col"] == "probe"]  # fmt: skip


def test_a_new_row_without_a_required_column_is_stored_with_a_blank(
    sites: dict[str, Site],
) -> None:
    # A column that may not be empty and has no default, kept at the site that wrote it.
    p, b = sites["P"], sites["B"]
    rules = policy_with({"plan_progress": {"local": ["note"]}})
    pid = _person(p)
    rid = rows.insert(p, "plan_progress", {"person_id": pid, "noted_on": "2026-01-07",
                                           "note": SECRET})  # fmt: skip
    carried = _send(p, b, rules)
    assert "note" not in _columns_sent(carried, "plan_progress")
    assert tuple(b.one("SELECT note, noted_on FROM plan_progress WHERE id = ?", (rid,))) == (
        "", "2026-01-07",
    )  # fmt: skip
    assert SECRET not in _dump(b)


# -- the file's checks -------------------------------------------------------------------------


def _shipped() -> dict[str, Any]:
    return tomllib.loads(policy_path().read_text(encoding="utf-8"))


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(_shipped())
    change(data)
    return data


BROKEN = {
    "unknown class": (
        lambda d: d["tables"]["people"].update(hub_blnk=["crn"]),
        "tables.people.hub_blnk: unknown class 'hub_blnk'",
    ),
    "unknown rows class": (
        lambda d: d["tables"]["people"].update(rows="consnet"),
        "tables.people.rows: 'consnet' is not where rows may go",
    ),
    "listed twice": (
        lambda d: d["tables"]["people"]["hub_blank"].append("crn"),
        "tables.people.hub_blank: 'crn' is listed already, in tables.people.consent",
    ),
    "not a list": (
        lambda d: d["tables"]["people"].update(hub_month="date_of_birth"),
        "tables.people.hub_month: expected a list of column names",
    ),
    "the wrong class of the rows": (
        lambda d: d["tables"]["people"].update(everywhere=["religion"]),
        "tables.people.everywhere: this table's rows are consent",
    ),
    "unknown entry": (lambda d: d.update(defaults={}), "defaults: unknown entry"),
}
BROKEN_FOR_THE_SCHEMA = {
    "unknown table": (
        lambda d: d["tables"].update(nonesuch={"rows": "consent", "consent": ["person_id"]}),
        "tables.nonesuch: there is no such table",
    ),
    "a table that is not synced": (
        lambda d: d["tables"].update(users={"rows": "local", "local": ["name"]}),
        "tables.users: this table is not synced",
    ),
    "unknown column": (
        lambda d: d["tables"]["people"]["consent"].append("nickname"),
        "tables.people.consent: people has no column 'nickname'",
    ),
    "rows of no person by consent": (
        lambda d: d["tables"]["practitioners"].update(
            rows="consent", consent=d["tables"]["practitioners"].pop("everywhere")
        ),
        "tables.practitioners.rows: its rows belong to no person",
    ),
    "a person's rows everywhere": (
        lambda d: d["tables"]["wheel_scores"].update(
            rows="everywhere", everywhere=d["tables"]["wheel_scores"].pop("consent")
        ),
        "tables.wheel_scores.rows: its rows are a person's",
    ),
    "whose record it is kept back": (
        lambda d: (
            d["tables"]["plan_progress"]["consent"].remove("person_id"),
            d["tables"]["plan_progress"].update(local=["person_id"]),
        ),
        "tables.plan_progress.local: plan_progress.person_id must be listed to travel as the "
        "rows do (consent)",
    ),
    "what a receiver judges by kept back": (
        lambda d: (
            d["tables"]["case_notes"]["consent"].remove("sensitive"),
            d["tables"]["case_notes"].update(agency=["sensitive"]),
        ),
        "tables.case_notes.agency: case_notes.sensitive must be listed to travel as the rows "
        "do (consent)",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_is_refused_on_reading_naming_the_file_and_entry(case: str) -> None:
    change, message = BROKEN[case]
    path = Path("/somewhere/sync_policy.toml")
    with pytest.raises(SyncPolicyError) as err:
        build_policy(path, _broken(change))
    text = str(err.value)
    assert text.startswith(f"{path}: 1 problem in the sync policy:") and message in text, text


@pytest.mark.parametrize("case", list(BROKEN_FOR_THE_SCHEMA))
def test_a_file_that_does_not_fit_the_schema_is_refused_before_anything_leaves(
    sites: dict[str, Site], case: str
) -> None:
    change, message = BROKEN_FOR_THE_SCHEMA[case]
    p, b = sites["P"], sites["B"]
    _person(p)
    rules = build_policy(policy_path(), _broken(change))
    sent = p.one("SELECT count(*) FROM sync_bundles")[0]
    with pytest.raises(SyncPolicyError) as err:
        outgoing.export(p, b.site_id, rules=rules)
    text = str(err.value)
    assert text.startswith(f"{policy_path()}: 1 problem in the sync policy:"), text
    assert message in text, text
    assert p.one("SELECT count(*) FROM sync_bundles")[0] == sent


def test_a_missing_or_unreadable_file_is_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "sync_policy.toml"
    with pytest.raises(SyncPolicyError, match="the sync policy file is missing"):
        read_policy(missing)
    missing.write_text("[tables.people\nrows = 1\n")
    with pytest.raises(SyncPolicyError) as err:
        read_policy(missing)
    assert str(err.value).startswith(f"{missing}: not valid TOML")
    missing.write_text('[every_table]\ncolumns = ["id"]\n[tables.people]\nrows = "consent"\n')
    assert read_policy(missing).column_class("people", "id") == "consent"


# -- any writes, any delivery: each class holds ------------------------------------------------

# plan_progress.probe is tried under each class in turn, one example at a time; the other
# columns of the row travel as they do.
WRITERS = ("P", "P2", "B")
EDGES = [(a, b) for a in WRITERS for b in ("P", "P2", "B", "L", "H") if a != b]
prop_step = st.one_of(
    st.tuples(st.just("insert"), st.sampled_from(WRITERS), st.booleans()),
    st.tuples(st.just("write"), st.sampled_from(WRITERS), st.integers(0, 5)),
    *[st.tuples(st.just("send"), st.sampled_from(EDGES))] * 3,
)
AGENCY_OF = {"P": "prison", "P2": "prison", "B": "probation", "L": "local_authority", "H": "hub"}


def _may_hold(cls: str | None, writer: str, holder: str) -> bool:
    """Whether a value written at `writer` may be found anywhere at `holder`, in full."""
    if holder == writer:
        return True
    if cls in (None, "local") or holder in ("L", "H") and cls != "consent":
        return False
    if holder == "L":
        return False  # the person's consent does not allow the local authority
    if cls == "agency":
        return AGENCY_OF[holder] == AGENCY_OF[writer]
    return True


def _run_classes(
    family: Family, root: Path, cls: str | None, steps: list[Any], order: list[Any]
) -> None:
    sites = family.fresh(root)
    try:
        rules = policy_with({"plan_progress": {cls: ["probe"]}}) if cls else None
        p = sites["P"]
        pid = _person(p)
        for name in ("P2", "B", "H"):
            _send(p, sites[name], rules)
        written: dict[str, str] = {}  # value -> the site that wrote it
        made: list[str] = []

        def value(at: str) -> str:
            n = len(written)
            v = f"{1900 + n:04d}-{1 + n % 12:02d}-{11 + n % 17:02d}"
            written[v] = at
            return v

        for kind, *args in steps:
            if kind == "insert":
                at, with_probe = args
                values = {"person_id": pid, "noted_on": "2026-01-07", "note": "progress"}
                made.append(rows.insert(sites[at], "plan_progress",
                                        {**values, "probe": value(at) if with_probe else None}))  # fmt: skip
            elif kind == "write":
                at, k = args
                held = [r for r in made if sites[at].one(
                    "SELECT 1 FROM plan_progress WHERE id = ?", (r,))]  # fmt: skip
                if held:
                    rows.update(sites[at], "plan_progress", held[k % len(held)],
                                {"probe": value(at)})  # fmt: skip
            else:
                ((a, b),) = args
                _send(sites[a], sites[b], rules)
        # Everyone exchanges, in the order drawn, then once more in every direction.
        for a, b in [*order, *EDGES]:
            _send(sites[a], sites[b], rules)
        dumps = {n: _dump(s) for n, s in sites.items()}
        for v, writer in written.items():
            for holder, dump in dumps.items():
                assert (v in dump) <= _may_hold(cls, writer, holder), (v, writer, holder)
            month = v[:7] + "-01"
            if cls == "hub_month" and v in dumps["P"]:
                assert month in dumps["H"] or v not in _current(sites["P"], made)
        # Where the column goes, the sites it goes between agree on it in the end.
        agree = {"consent": ("P", "P2", "B", "H"),
                 "hub_blank": ("P", "P2", "B"), "hub_month": ("P", "P2", "B"),
                 "agency": ("P", "P2")}.get(cls or "", ())  # fmt: skip
        for a in agree[1:]:
            assert _current(sites[a], made) == _current(sites[agree[0]], made), (a, cls)
        held_by_hub = [x for x in _current(sites["H"], made) if x is not None]
        if cls in ("hub_blank", "agency", "local", None):
            assert not held_by_hub
        if cls == "hub_month":
            assert all(x.endswith("-01") for x in held_by_hub)
    finally:
        Family.discard(sites)


def _current(site: Site, made: list[str]) -> list[str | None]:
    """The probe of each row made, as this site holds it (None where it holds no such row)."""
    out = []
    for rid in made:
        row = site.one("SELECT probe FROM plan_progress WHERE id = ?", (rid,))
        out.append(None if row is None else row[0])
    return out


PROP_CLASSES = ["consent", "agency", "hub_blank", "hub_month", "local", None]


@pytest.mark.parametrize("cls", PROP_CLASSES, ids=str)
@settings(
    max_examples=int(os.environ.get("AHTUI_POLICY_EXAMPLES", "8")),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(prop_step, min_size=1, max_size=14), order=st.permutations(EDGES))
def test_each_class_holds_under_any_writes_and_delivery(
    family: Family, tmp_path: Path, cls: str | None, steps: list[Any], order: list[Any]
) -> None:
    _run_classes(family, tmp_path, cls, steps, order)


@pytest.mark.slow
@pytest.mark.parametrize("cls", PROP_CLASSES, ids=str)
@settings(
    max_examples=int(os.environ.get("AHTUI_POLICY_LONG_EXAMPLES", "300")),
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
@given(steps=st.lists(prop_step, min_size=1, max_size=40), order=st.permutations(EDGES))
def test_each_class_holds_long_run(
    family: Family, tmp_path: Path, cls: str | None, steps: list[Any], order: list[Any]
) -> None:
    _run_classes(family, tmp_path, cls, steps, order)
