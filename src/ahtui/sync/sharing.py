"""Who may hold a person's records, kept true whatever order bundles arrive in.

Consent decides where a person's records go, and sensitivity where a case note goes. Both are
replicated, versioned state here, never commands applied in the order bundles happen to arrive
(docs/sync.md has the reasoning and the cases it answers):

- A **decision** for a person and an agency is their latest consent event for it
  (`ahtui.domain.consent`); it only moves forward. A site of agency A is sent a person's records
  while their decision for A allows it, or, at the person's home site (where they were first
  recorded), while there is no decision for A yet. A site that may no longer be sent them is
  told the decision itself in a **notice**; it keeps the decision in `sync_decisions`, so a
  bundle written before the decision brings nothing back when it arrives late, and a notice
  older than a decision it knows changes nothing.
- A site that may no longer hold a person (not their home) **leaves** them: it takes nothing
  more of theirs from anyone, and removes their records once every site that may hold them has
  acknowledged what this site holds of them (`leaving.release`), so nothing written here is lost on the
  way out. When the decision changes again the person is sent in full, from every site that
  shared them, including what the leaving site itself wrote.
- A **sensitive** case note stays with the agency that wrote it (`case_notes.agency`). Other
  sites are told it is withheld, with the version of the change that made it sensitive; they
  give it up the same way and refuse any older, not-yet-sensitive copy that arrives later.
- A supervisors' hub receives what each site may hold itself, and holds a person while any
  site's agency may; it sends nothing but acknowledgements.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any

from ..domain.consent import RANK, Decision, allows_sharing, decision, later, receives
from ..domain.enums import Agency, ConsentAgency
from ..store.capture import columns as table_columns
from ..store.site import Site
from .wire import Block, Row

HUB = Agency.HUB.value
# Children whose person is their parent's.
PARENTS = {
    "meeting_attendees": ("meetings", "meeting_id"),
    "meeting_items": ("meetings", "meeting_id"),
    "plan_goal_steps": ("plan_goals", "goal_id"),
    "network_members": ("support_networks", "network_id"),
}
_RANK_SQL = "CASE event WHEN 'offered' THEN 0 WHEN 'withdrawn' THEN 2 ELSE 1 END"


def person_expr(conn: Any, table: str, alias: str = "t") -> str | None:
    if table == "people":
        return f"{alias}.id"
    if "person_id" in table_columns(conn, table):
        return f"{alias}.person_id"
    if table in PARENTS:
        parent, fk = PARENTS[table]
        return f"(SELECT person_id FROM {parent} WHERE id = {alias}.{fk})"
    return None


def _json(values: Iterable[str]) -> str:
    return json.dumps(sorted(values))


# -- decisions -------------------------------------------------------------------------------


# A bundle about this many people or fewer has what this site knows of them (and of its notes,
# as many) read by index when it is judged; a larger one, a site's first exchange say, has it
# read in one pass over the site. Every bundle made that pass before: a day's few dozen
# people judged against all 84,000 a hub held, 300 times, took 71 s of an 81 s import.
JUDGE_BY_PERSON = 10_000


def decisions(conn: Any, agency: str, people: Iterable[str] | None = None) -> dict[str, Decision]:
    """The decision this site knows for `agency`, per person: its consent events and the
    decisions it was told in notices (or only these people's)."""
    only, params = "", [agency]
    if people is not None:
        only = " AND person_id IN (SELECT value FROM json_each(?))"
        params.append(_json(people))
    # Plain tuples and one pass: of the ways tried (a window, a grouped max in SQL), the
    # cheapest on a large site, where this runs for every bundle written or read.
    found: dict[str, Decision] = {}
    cursor = conn.cursor()
    cursor.row_factory = None
    try:
        for pid, on, event, created, eid in cursor.execute(
            "SELECT person_id, on_date, event, created_at, id FROM consents "
            f"WHERE agency = ? AND deleted_at IS NULL{only}",
            params,
        ):
            d = (on, RANK.get(event, 1), created, eid, event)
            old = found.get(pid)
            if old is None or d[:4] > old[:4]:
                found[pid] = d
    finally:
        cursor.close()
    for pid, on, rank, created, eid, event in conn.execute(
        "SELECT person_id, on_date, rank, created_at, event_id, event FROM sync_decisions "
        f"WHERE agency = ?{only}",
        params,
    ):
        kept = (on, rank, created, eid, event)
        found[pid] = later(found.get(pid), kept) or kept
    return found


def decision_of(conn: Any, person_id: str, agency: str) -> Decision | None:
    return decisions(conn, agency, [person_id]).get(person_id)


def keep_decision(conn: Any, person_id: str, agency: str, d: Decision | None) -> None:
    """Remember a decision (if later than the one kept): it outlives the person's records."""
    if d is None:
        return
    conn.execute(
        "INSERT INTO sync_decisions (person_id, agency, on_date, rank, created_at, event_id, "
        "event) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, agency) DO UPDATE SET "
        "on_date = excluded.on_date, rank = excluded.rank, created_at = excluded.created_at, "
        "event_id = excluded.event_id, event = excluded.event WHERE "
        "(excluded.on_date, excluded.rank, excluded.created_at, excluded.event_id) > "
        "(on_date, rank, created_at, event_id)",
        (person_id, agency, *d),
    )


def homes(conn: Any, site_id: str, people: Iterable[str] | None = None) -> set[str]:
    """People first recorded at `site_id` (their people row was created there)."""
    sql = "SELECT row_id FROM sync_rows WHERE tbl = 'people' AND ins_origin = ?"
    params: list[Any] = [site_id]
    if people is not None:
        sql += " AND row_id IN (SELECT value FROM json_each(?))"
        params.append(_json(people))
    return {r[0] for r in conn.execute(sql, params)}


def home_of(conn: Any, person_id: str) -> str | None:
    row = conn.execute(
        "SELECT ins_origin FROM sync_rows WHERE tbl = 'people' AND row_id = ?", (person_id,)
    ).fetchone()
    return row[0] if row else None


def _basis(d: Decision | None) -> str:
    # A decision is its consent event (events never change): its id says which.
    return "" if d is None else d[3]


# -- export ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a bundle for one peer says about people: whose records may go (`allowed`), who
    goes in full (new to the peer, or under a new decision), and the notices: decisions
    (person, agency, decision) the peer must know and has not been told."""

    allowed: set[str]
    full: list[str]
    notices: list[tuple[str, str, Decision | None]]
    updates: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)


# Every agency a consent decision can be about.
AGENCIES = tuple(a.value for a in ConsentAgency)


def plan_export(site: Site, peer: Any, ack: int, upto: int) -> Plan:
    """Who goes to `peer`, in full or not at all, and what it must be told.

    A peer is told (once per decision, until it acknowledges the bundle that told it):
    - for anyone it was sent, and anyone its agency was once allowed to hold but is no longer,
      that decision: it can then refuse the person from any site whose news is older
      (`judge`), whichever site it had them from. Nobody is named to an agency that was never
      allowed them;
    - for people first recorded there that it may not be sent, every decision about them:
      it still holds them, and must know where they may go.
    """
    conn = site.conn
    peer_id = peer["site_id"]
    hub = peer["agency"] == HUB
    # A hub is sent what this site may hold itself.
    about = site.agency if hub else peer["agency"]
    home_site = site.site_id if hub else peer_id
    decided = decisions(conn, about)
    held = {r[0] for r in site.tuples("SELECT id FROM people")}
    undecided = held - decided.keys()
    allowed = {p for p, d in decided.items() if allows_sharing(d)}
    if undecided:
        allowed |= homes(conn, home_site, undecided)
    plan = Plan(allowed, [], [])
    shared = {
        r[0]: r[1:]
        for r in site.tuples(
            "SELECT person_id, state, upto, basis FROM sync_shared WHERE peer = ?", (peer_id,)
        )
    }
    for p in sorted(allowed & held):
        basis = _basis(decided.get(p))
        old = shared.get(p)
        if old is not None and old[0] == "shared" and old[2] is None and old[1] <= ack:
            # Shared before decisions were recorded (ahtui before 0017): under this one.
            plan.updates.append(
                (
                    "UPDATE sync_shared SET basis = ? WHERE peer = ? AND person_id = ?",
                    (basis, peer_id, p),
                )
            )
            continue
        if old is None or old[0] == "purging" or old[1] > ack or old[2] != basis:
            plan.full.append(p)
            plan.updates.append(
                (
                    "INSERT OR REPLACE INTO sync_shared (peer, person_id, state, upto, basis) "
                    "VALUES (?, ?, 'shared', ?, ?)",
                    (peer_id, p, upto, basis),
                )
            )
    told = set(shared)
    refused = {p for p, d in decided.items() if not allows_sharing(d)} if not hub else set()
    if refused:
        # Those its agency may have been sent by someone: consent once given, or a decision
        # this site was itself told about.
        told |= {
            r[0]
            for r in conn.execute(
                "SELECT person_id FROM consents WHERE agency = :a AND event = 'given' AND "
                "person_id IN (SELECT value FROM json_each(:p)) UNION SELECT person_id FROM "
                "sync_decisions WHERE agency = :a AND person_id IN "
                "(SELECT value FROM json_each(:p))",
                {"a": about, "p": _json(refused)},
            )
        }
    told -= allowed
    theirs = (homes(conn, peer_id, told & held) if told & held else set()) if not hub else set()
    everything = {a: decisions(conn, a, theirs) for a in AGENCIES} if theirs else {}
    for p in sorted(told):
        d = decided.get(p)
        news = [(about, d)]
        if p in theirs:
            news = [(a, everything[a].get(p)) for a in AGENCIES if everything[a].get(p)]
            news = news or [(about, d)]
        basis = json.dumps([[a, None if x is None else list(x)] for a, x in news])
        old = shared.get(p)
        if old is not None and old[0] == "purging" and old[1] <= ack and old[2] == basis:
            continue  # the peer has this news already
        plan.notices.extend((p, a, x) for a, x in news)
        if old is None or old[0] == "shared" or old[2] != basis:
            plan.updates.append(
                (
                    "INSERT OR REPLACE INTO sync_shared (peer, person_id, state, upto, basis) "
                    "VALUES (?, ?, 'purging', ?, ?)",
                    (peer_id, p, upto, basis),
                )
            )
    return plan


def note_agency(conn: Any, site: Site, agency: str | None, origin: str) -> str | None:
    """The agency a case note belongs to: its own column, or (notes written before it had one)
    the agency of the site that wrote it, if this site knows it."""
    if agency:
        return agency
    if origin == site.site_id:
        return site.agency
    row = conn.execute("SELECT agency FROM sync_peers WHERE site_id = ?", (origin,)).fetchone()
    return row[0] if row else None


def note_allowed(site_agency: str, note_agency: str | None, sender_agency: str) -> bool:
    """Whether a site of `site_agency` may hold a sensitive note of `note_agency`. A note whose
    agency nobody knows stays within the agency of the sites passing it on, as before."""
    if site_agency == HUB:
        return False
    if note_agency is None:
        return site_agency == sender_agency
    return site_agency == note_agency


def note_goes(
    conn: Any, site: Site, peer_agency: str, sensitive: Any, agency: str | None, origin: str
) -> bool:
    """Whether a case note held here (and so the conflicts about it) may go to a peer of
    `peer_agency`: any note not sensitive; a sensitive one only within its agency, never to a
    hub."""
    if not sensitive:
        return True
    return note_allowed(peer_agency, note_agency(conn, site, agency, origin), site.agency)


# -- import ----------------------------------------------------------------------------------


@dataclass
class Judged:
    """What an arriving bundle may change here, person by person and note by note."""

    drop: set[str] = field(default_factory=set)  # people whose rows are not applied
    leaving: set[str] = field(default_factory=set)  # people held here who must now leave
    purge_now: set[str] = field(default_factory=set)  # (a hub) people it holds no longer
    drop_notes: set[str] = field(default_factory=set)  # case notes not applied
    leaving_notes: dict[str, str] = field(default_factory=dict)  # note -> person, to give up
    lifted: set[str] = field(default_factory=set)  # withheld notes no longer withheld


def _consent_decisions(cols: list[str], rows: Sequence[Row], agency: str) -> dict[str, Decision]:
    """The latest consent event for `agency` per person among a bundle's consents rows."""
    need = ("person_id", "agency", "event", "on_date", "created_at", "id", "deleted_at")
    if not set(need) <= set(cols):
        return {}
    ip, ia, ie, io, ic, ii, idel = (cols.index(c) for c in need)
    values = list(map(attrgetter("values"), rows))
    pids = list(map(itemgetter(ip), values))
    if (
        set(map(itemgetter(ia), values)) == {agency}
        and set(map(itemgetter(idel), values)) == {None}
        and len(set(pids)) == len(pids)
    ):
        # One event each, all for this agency (a first exchange): no comparing needed.
        ranks = list(map(RANK.get, map(itemgetter(ie), values), repeat(1)))
        return dict(
            zip(
                pids,
                zip(
                    map(itemgetter(io), values),
                    ranks,
                    map(itemgetter(ic), values),
                    map(itemgetter(ii), values),
                    map(itemgetter(ie), values),
                    strict=True,
                ),
                strict=True,
            )
        )
    found: dict[str, Decision] = {}
    for v in values:
        if v[ia] != agency or v[idel] is not None:
            continue
        d = decision(v[io], v[ie], v[ic], v[ii])
        old = found.get(v[ip])
        if old is None or d[:4] > old[:4]:
            found[v[ip]] = d
    return found


@dataclass
class Brought:
    """What judging a bundle needs of its rows, gathered table by table (or a slice of one at
    a time, so a large bundle need not be held whole): whose rows it carries, the latest
    consent decision it brings for each, and (for a hub) who the sender created."""

    about: str  # the agency whose decisions count
    sender: str  # the sending site's id
    hub: bool = False  # judged at a hub, which needs `created`
    people: set[str] = field(default_factory=set)
    consents: dict[str, Decision] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    _same: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, table: str, cols: list[str], rows: Sequence[Row]) -> None:
        self.people.update(filter(None, map(attrgetter("person"), rows)))
        if table == "consents":
            # A date and an event recur in nearly every decision: one copy of each is kept
            # (a large bundle brings hundreds of thousands of decisions, held until judged).
            found = _consent_decisions(cols, rows, self.about)
            if not found:
                return
            days, ranks, created, ids, events = map(list, zip(*found.values(), strict=True))
            same = self._same.setdefault
            found = dict(
                zip(
                    found,
                    zip(
                        map(same, days, days),
                        ranks,
                        created,
                        ids,
                        map(same, events, events),
                        strict=True,
                    ),
                    strict=True,
                )
            )
            if self.consents.keys().isdisjoint(found):
                self.consents.update(found)
                return
            for p, d in found.items():
                old = self.consents.get(p)
                if old is None or d[:4] > old[:4]:
                    self.consents[p] = d
        elif table == "people" and self.hub:
            self.created.update(
                r.person for r in rows if r.ins_origin == self.sender and r.person is not None
            )


def brought_by(site: Site, peer: Any) -> Brought:
    """An empty Brought for a bundle from `peer` to this site."""
    hub = site.agency == HUB
    return Brought(peer["agency"] if hub else site.agency, peer["site_id"], hub)


def judge(
    site: Site,
    peer: Any,
    blocks: dict[str, Block],
    notices: dict[tuple[str, str], Decision | None],
) -> Judged:
    """Decide, before anything is merged, whose rows in a bundle this site may take (the
    bundle's blocks whole; `judge_brought` for one gathered a part at a time)."""
    brought = brought_by(site, peer)
    for table, (cols, rows, _) in blocks.items():
        brought.add(table, cols, rows)
    return judge_brought(site, peer, brought, notices)


def judge_brought(
    site: Site,
    peer: Any,
    bundle: Brought,
    notices: dict[tuple[str, str], Decision | None],
) -> Judged:
    """Decide, before anything is merged, whose rows in a bundle this site may take.

    The decision that counts is the latest of what this site knows (its consent events, the
    decisions it keeps) and what the bundle brings (its consents rows, its notices): so a
    bundle written before a withdrawal this site has heard of is refused for that person,
    and a notice older than a consent given since is ignored.
    """
    conn = site.conn
    out = Judged()
    hub_here = site.agency == HUB
    about = bundle.about
    for (p, agency), d in notices.items():
        keep_decision(conn, p, agency, d)
    told = {p: d for (p, agency), d in notices.items() if agency == about}
    people: set[str] = set(told) | bundle.people if told else bundle.people
    if not people:
        return out
    known: dict[str, Decision] = {}
    if (
        conn.execute("SELECT 1 FROM consents LIMIT 1").fetchone()
        or conn.execute("SELECT 1 FROM sync_decisions LIMIT 1").fetchone()
    ):
        known = decisions(conn, about, people if len(people) <= JUDGE_BY_PERSON else None)
    brought = bundle.consents
    if known or told:
        merged: dict[str, Decision | None] = {}
        for p in people:
            k, b, t = known.get(p), brought.get(p), told.get(p)
            merged[p] = k if b is None and t is None else later(later(k, b), t)
    else:
        # Nothing known here yet (a first exchange): the bundle's own decisions are all.
        merged = dict.fromkeys(people)
        if brought.keys() <= people:
            merged.update(brought)  # in C: a first exchange brings only its own people
        else:
            merged.update((p, d) for p, d in brought.items() if p in people)
    undecided = [p for p, d in merged.items() if d is None]
    if hub_here:
        # A hub takes from a person's home site (the creator of their record) what that site
        # may hold before anyone decided about its own agency.
        home = homes(conn, peer["site_id"], undecided) if undecided else set()
        home |= bundle.created
    else:
        home = homes(conn, site.site_id, undecided) if undecided else set()
    if not (known or told) and set(map(itemgetter(4), brought.values())) <= {"given"}:
        refused = people - brought.keys() - home  # in C: a first exchange is mostly this
    else:
        refused = {
            p for p, d in merged.items() if (d is None and p not in home) or (d and d[4] != "given")
        }
    if not refused:
        return out
    out.drop = refused
    held = {
        r[0]
        for r in conn.execute(
            "SELECT id FROM people WHERE id IN (SELECT value FROM json_each(?))", (_json(refused),)
        )
    }
    for p in refused:
        keep_decision(conn, p, about, merged[p])
    if hub_here:
        out.purge_now = {p for p in held if not _hub_keeps(conn, p)}
    else:
        out.leaving = held - homes(conn, site.site_id, held) if held else set()
    return out


def takes_while_leaving(table: str, person_id: str, out: Judged) -> bool:
    """A site leaving a person still takes their consent events: they say which sites may
    hold the person, so which must have this site's records before it lets them go."""
    return table == "consents" and person_id in out.leaving


def _hub_keeps(conn: Any, person_id: str) -> bool:
    """A hub holds a person while some site it hears from may hold them itself."""
    home = home_of(conn, person_id)
    for peer_id, agency in conn.execute(
        "SELECT site_id, agency FROM sync_peers WHERE status = 'trusted' AND agency <> 'hub'"
    ):
        if receives(decision_of(conn, person_id, agency), is_home=home == peer_id):
            return True
    return False


def judge_notes(
    site: Site,
    peer: Any,
    cols: list[str] | None,
    rows: Sequence[Row],
    withheld: list[tuple[str, int, str]],
    out: Judged,
) -> None:
    """Case notes: refuse sensitive ones of another agency and copies older than what made
    them sensitive; give up those held here that were made sensitive since."""
    conn = site.conn
    # What made each note sensitive, for the notes this bundle carries or withholds only.
    ids = {w[0] for w in withheld}
    if cols is not None:
        i_id = cols.index("id")
        ids.update(r.values[i_id] for r in rows)
    tombs: dict[str, tuple[int, str]] = {}
    sql = "SELECT row_id, hlc, origin FROM sync_withheld WHERE tbl = 'case_notes'"
    if ids and len(ids) <= JUDGE_BY_PERSON:
        sql += " AND row_id IN (SELECT value FROM json_each(?))"
        tombs = {r[0]: (int(r[1]), r[2]) for r in conn.execute(sql, (_json(ids),))}
    elif ids:
        tombs = {r[0]: (int(r[1]), r[2]) for r in conn.execute(sql)}
    new_tombs: dict[str, tuple[int, str]] = {}
    for rid, hlc, origin in withheld:
        tomb = (int(hlc), str(origin))
        if rid not in tombs or tomb > tombs[rid]:
            tombs[rid] = new_tombs[rid] = tomb
    if cols is not None and rows:
        i_sens = cols.index("sensitive")
        i_agency = cols.index("agency") if "agency" in cols else None
        for r in rows:
            v = r.values
            rid = v[i_id]
            colv = r.colvers or {}
            version: tuple[int, str] = (
                (colv["sensitive"][0], colv["sensitive"][1])
                if "sensitive" in colv
                else (r.ins_hlc, r.ins_origin)
            )
            if v[i_sens]:
                agency = note_agency(conn, site, v[i_agency] if i_agency is not None else None,
                                     r.ins_origin)  # fmt: skip
                if not note_allowed(site.agency, agency, peer["agency"]):
                    out.drop_notes.add(rid)
                    if rid not in tombs or version > tombs[rid]:
                        tombs[rid] = new_tombs[rid] = version
                    continue
            if rid in tombs:
                if version <= tombs[rid]:
                    out.drop_notes.add(rid)
                else:
                    out.lifted.add(rid)
    for rid, (hlc, origin) in new_tombs.items():
        conn.execute(
            "INSERT OR REPLACE INTO sync_withheld (tbl, row_id, hlc, origin) "
            "VALUES ('case_notes', ?, ?, ?)",
            (rid, hlc, origin),
        )
    if not new_tombs:
        return
    # Notes held here, in a version from before they were made sensitive, leave.
    for rid, person_id, ins_hlc, ins_origin, s_hlc, s_origin in conn.execute(
        "SELECT n.id, n.person_id, r.ins_hlc, r.ins_origin, c.hlc, c.origin FROM case_notes n "
        "JOIN sync_rows r ON r.tbl = 'case_notes' AND r.row_id = n.id "
        "LEFT JOIN sync_cols c ON c.tbl = 'case_notes' AND c.row_id = n.id "
        "AND c.col = 'sensitive' WHERE n.id IN (SELECT value FROM json_each(?))",
        (_json(new_tombs),),
    ):
        here = (s_hlc, s_origin) if s_hlc is not None else (ins_hlc, ins_origin)
        if here < tombs[rid]:
            out.leaving_notes[rid] = person_id


def after_merge(conn: Any, out: Judged) -> None:
    """Record who is leaving and which notes are no longer withheld."""
    for p in sorted(out.leaving):
        conn.execute(
            "INSERT OR IGNORE INTO sync_leaving (tbl, row_id, person_id) VALUES ('people', ?, ?)",
            (p, p),
        )
    for rid, p in sorted(out.leaving_notes.items()):
        conn.execute(
            "INSERT OR IGNORE INTO sync_leaving (tbl, row_id, person_id) "
            "VALUES ('case_notes', ?, ?)",
            (rid, p),
        )
    if out.lifted:
        lifted = _json(out.lifted)
        for t in ("sync_withheld", "sync_leaving"):
            conn.execute(
                f"DELETE FROM {t} WHERE tbl = 'case_notes' AND row_id IN "
                "(SELECT value FROM json_each(?))",
                (lifted,),
            )
