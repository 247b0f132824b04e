"""What may leave this site for a peer, and what an arriving bundle may be.

What leaves for a peer (see README, "Sync between sites"; `sharing` decides who may hold whom):
- only what the sync policy file (`schema/sync_policy.toml`, read by `policy_file`) classifies:
  a table or column it does not name never leaves, not even for a site of the same agency;
- the team directory (rows "everywhere") to every trusted peer;
- a person's rows (and their children's) only while the peer may be sent them: the person's
  latest consent decision for the peer's agency allows it, or the peer is the person's home
  and no one has decided about its agency yet; a peer that may no longer have them is sent
  the decision as a notice; newly consented people, and people under a new decision, are sent
  in full;
- sensitive case notes only to peers of the agency that wrote them; others are told the note
  is withheld, with the version that made it sensitive; columns classed "agency" only to peers
  of this site's agency;
- a supervisors' hub gets what this site may hold itself, with the columns classed
  "hub_blank" blank (free text, the person's names) and those classed "hub_month" as their
  month only (the day of birth dropped), and no sensitive notes; a hub sends
  acknowledgements only, and a bundle from a hub carrying anything else is refused;
- a conflict only where the column it is about goes, as that column's rows go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain.consent import allows_sharing
from ..store import hlc as clock
from ..store.capture import columns as table_columns
from ..store.capture import not_null_columns, synced_tables
from ..store.site import Site
from . import sharing
from .policy_file import (
    AGENCY,
    HUB_BLANK,
    HUB_MONTH,
    LOCAL,
    Schema,
    SyncPolicy,
    load_policy,
)

# Columns whose concurrent changes are not conflicts (two deletes mean the same thing).
NO_CONFLICT = {"deleted_at"}
# Changes stamped further ahead of this computer's clock are refused.
MAX_DRIFT_MS = clock.MAX_DRIFT_MS
# The largest bundle file read (refused before reading), and the most its sealed changes may
# unpack to: far above a first exchange of a 50,000-person site, far below this machine's
# memory, so a damaged or hostile file cannot exhaust it.
MAX_BUNDLE_BYTES = 512 * 2**20
MAX_PAYLOAD_BYTES = 2 * 2**30


def allowed_people(site: Site, agency: str) -> set[str]:
    """People whose latest consent decision for `agency` allows sharing (a hub: this site's)."""
    if agency == sharing.HUB:
        agency = site.agency
    if agency == sharing.HUB:
        return set()
    return {p for p, d in sharing.decisions(site.conn, agency).items() if allows_sharing(d)}


def owner_column(conn: Any, table: str) -> str | None:
    """The column that says whose record a row is: the person's id, or their parent record's."""
    if table == "people":
        return "id"
    if "person_id" in table_columns(conn, table):
        return "person_id"
    parent = sharing.PARENTS.get(table)
    return parent[1] if parent else None


# Columns the receiving site's rules read, besides each row's id and owner (`sharing.judge`
# decides by consent events, `judge_notes` by sensitivity, `merge` files conflicts by what
# they are about): they travel wherever their rows do.
READ_ON_ARRIVAL = {
    "consents": ("agency", "event", "on_date", "created_at", "deleted_at"),
    "case_notes": ("sensitive", "agency"),
    "sync_conflicts": ("tbl", "row_id", "col", "kind", "lost_hlc", "lost_origin"),
}


def schema_of(conn: Any) -> Schema:
    """What the policy is checked against: this site's tables and synced columns."""
    synced = synced_tables(conn)
    return Schema(
        tables=frozenset(
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ),
        columns={t: tuple(table_columns(conn, t)) for t in synced},
        owners={t: owner_column(conn, t) for t in synced},
        read_on_arrival=READ_ON_ARRIVAL,
    )


# id(conn) -> (schema version, the policy) last checked on it. The policy itself, not its id:
# held here, no other policy can come to have its id.
_CHECKED: dict[int, tuple[int, SyncPolicy]] = {}


def site_policy(conn: Any, rules: SyncPolicy | None = None) -> SyncPolicy:
    """The sync policy (the shipped file unless given), checked against this site's schema
    the first time it is used on it, and again after any schema change."""
    rules = rules or load_policy()
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    checked = _CHECKED.get(id(conn))
    if checked is None or checked[0] != version or checked[1] is not rules:
        rules.check(schema_of(conn))
        _CHECKED[id(conn)] = (version, rules)
    return rules


@dataclass(frozen=True)
class SentColumns:
    """How one table goes to one peer: the columns it is sent, in table order, and which of
    them a hub is sent blank (with the blank) or as their month only (indexes into `names`)."""

    names: list[str]
    blank: list[tuple[int, Any]]
    month_only: list[int]


def _goes(cls: str | None, same_agency: bool) -> bool:
    return cls is not None and cls != LOCAL and (cls != AGENCY or same_agency)


def sent_columns(
    conn: Any, rules: SyncPolicy, table: str, *, same_agency: bool, hub: bool
) -> SentColumns | None:
    """What of `table` a peer is sent (None: nothing). A hub is never of this site's agency."""
    rows = rules.rows.get(table)
    if rows is None or rows == LOCAL:
        return None
    same_agency = same_agency and not hub
    notnull = not_null_columns(conn, table)
    names: list[str] = []
    blank: list[tuple[int, Any]] = []
    month_only: list[int] = []
    for c in table_columns(conn, table):
        cls = rules.column_class(table, c)
        if not _goes(cls, same_agency):
            continue
        if hub and cls == HUB_BLANK:
            blank.append((len(names), "" if c in notnull else None))
        elif hub and cls == HUB_MONTH:
            month_only.append(len(names))
        names.append(c)
    return SentColumns(names, blank, month_only)


def column_goes(
    rules: SyncPolicy, table: str, column: str, *, same_agency: bool, hub: bool
) -> str | None:
    """Where rows carrying this column's values go to a peer (its table's rows class), or
    None if the column does not go to it at all: what a conflict about it is sent by."""
    rows = rules.rows.get(table)
    if rows is None or rows == LOCAL:
        return None
    return rows if _goes(rules.column_class(table, column), same_agency and not hub) else None


def hub_blanked(conn: Any, table: str, column: str) -> bool:
    """Whether a hub is sent this column blank: free text, or a name of someone around the
    person."""
    return site_policy(conn).column_class(table, column) == HUB_BLANK
