"""The `ahtui check` report: is the site whole, encrypted as it should be, on its schema? And
do the figures it keeps worked out (the supervisors' summaries, today's due dates in the
caseload's cache) agree with working them out again? `--repair` rebuilds those that do not.

A backup copies whatever is there, a wrong summary included, and nothing else would notice
one: the summaries are only ever updated person by person, the cache only cleared by writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from . import audit, keyring, migrations, summaries
from .caseload import _compute_due, _store_due
from .rekey import blocked_users, names
from .site import Site


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Whether the site keeps supervisors' summaries, so that they were compared.
    summaries_checked: bool = False


def check_site(site: Site, *, repair: bool = False, today: date | None = None) -> CheckReport:
    report = CheckReport()
    conn = site.conn
    report.lines.append(f"Site: {site.name} ({site.agency}), id {site.site_id}")
    cipher = conn.execute("PRAGMA cipher_version").fetchone()
    report.lines.append(f"Encryption: SQLCipher {cipher[0] if cipher else 'missing'}")
    if not cipher or not cipher[0]:
        report.problems.append("The database is not running under SQLCipher.")
    # cipher_integrity_check verifies every page's HMAC: tampering shows here.
    bad_pages = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check")]
    if bad_pages:
        report.problems.append(f"{len(bad_pages)} page(s) fail their authentication check.")
    integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        report.problems.extend(f"integrity: {line}" for line in integrity[:20])
    else:
        report.lines.append("Integrity: ok")
    have, want = migrations.current_version(conn), migrations.latest_version()
    report.lines.append(f"Schema: version {have} (this program: {want})")
    if have < want:
        report.problems.append(
            f"{want - have} migration(s) not applied; open the site to apply them."
        )
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if journal.lower() != "wal":
        report.problems.append(f"Journal mode is {journal}, expected wal.")
    existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    for table in audit.audited_tables(conn):
        missing = [
            n for n in (f"audit_{table}_insert", f"audit_{table}_update") if n not in existing
        ]
        if missing:
            report.problems.append(f"Audit triggers missing on {table}: {', '.join(missing)}.")
    orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    if orphans:
        # Rows can arrive from other sites before their parents do: a warning, not a failure.
        report.lines.append(f"Note: {len(orphans)} row(s) refer to records not (yet) at this site.")
    check_key_file(site, report)
    # sqlite-utils reads the schema for us; imported here, off every other command's start path.
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    counts = {t: db[t].count for t in audit.audited_tables(conn) if t not in ("sites", "users")}
    busiest = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
    report.lines.append("Rows: " + ", ".join(f"{t} {n:,}" for t, n in busiest))
    report.lines.append(f"People: {summaries.live_people(conn)}")
    check_summaries(site, report, repair=repair)
    check_due_cache(site, report, today or date.today(), repair=repair)
    return report


def check_key_file(site: Site, report: CheckReport) -> None:
    """The key file as a rekey would find it: nothing left pending, and who it would leave out."""
    ring = keyring.load_keyring(site.path)
    if ring.pending is not None:
        # Unlocking settles a stopped rekey before anything else, so one left here is a
        # rekey running now in another program, or one unlocking could not settle.
        report.problems.append(
            "The key file holds a new key that was never finished or undone (a rekey stopped "
            "part-way, or running now in another program). If no rekey is running, open the "
            "site again (any command) to settle it, then run `ahtui check` again."
        )
    else:
        report.lines.append("Key file: no rekey pending")
    users = sorted(r[0] for r in site.tuples("SELECT username FROM users WHERE deleted_at IS NULL"))
    locked_out = [u for u in users if not ring.has_user(u)]
    if locked_out:
        report.lines.append(
            f"Note: no key entry for {names(locked_out)} (they cannot unlock; an administrator "
            "can give them a new passphrase)."
        )
    no_pair = blocked_users(site)
    if no_pair:
        report.lines.append(
            f"Note: {names(no_pair)} {'has' if len(no_pair) == 1 else 'have'} not unlocked since "
            "key pairs came in, so a rekey would leave them out; ask them to unlock once first."
        )
    report.lines.append(f"Users: {len(users)}; key entries: {len(ring.entries)}")


_LISTED = 10


def _people(site: Site, ids: Iterable[str]) -> str:
    """People by reference (CRN, else NOMIS number, else the start of their id), never by
    name: the report may be pasted into a ticket."""
    wanted = sorted(ids)
    refs = {
        r[0]: r[1] or r[2] or r[0][:8]
        for r in site.tuples(
            "SELECT id, crn, nomis_number FROM people WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted[:_LISTED]),),
        )
    }
    shown = ", ".join(refs.get(p, p[:8]) for p in wanted[:_LISTED])
    more = len(wanted) - _LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _count(people: Iterable[str]) -> str:
    n = len(set(people))
    return "1 person" if n == 1 else f"{n} people"


class _Keep(Exception):
    """Raised to roll back a rebuild that was only for comparing."""


def check_summaries(site: Site, report: CheckReport, *, repair: bool) -> None:
    """Rebuild the supervisors' summaries, where the site keeps them, and compare."""
    if not summaries.has_summaries(site.conn) or not summaries.kept(site.conn):
        return
    report.summaries_checked = True
    try:
        with site.write() as conn:
            found = summaries.rebuild_differences(conn)
            if not repair:
                raise _Keep
    except _Keep:
        pass
    if not found.people and not found.totals:
        report.lines.append("Supervisors' summaries: the same as a rebuild")
        return
    what = []
    if found.people:
        what.append(f"those of {_count(found.people)} ({_people(site, found.people)})")
    if found.totals:
        what.append(f"{len(found.totals)} table(s) of totals")
    text = f"The supervisors' summaries differ from a rebuild: {' and '.join(what)}"
    if repair:
        report.lines.append(f"Repaired: {text}; they were rebuilt.")
    else:
        report.problems.append(f"{text}. `ahtui check --repair` rebuilds them.")


def check_due_cache(site: Site, report: CheckReport, today: date, *, repair: bool) -> None:
    """Work out again today's due dates the caseload's cache holds, and compare."""
    cached = {
        r[0]: tuple(r[1:])
        for r in site.tuples(
            "SELECT d.person_id, d.next_due_title, d.next_due_on, d.next_due_status, "
            "d.overdue_count FROM due_cache d JOIN people p ON p.id = d.person_id "
            "WHERE d.computed_on = ? AND p.deleted_at IS NULL",
            (today.isoformat(),),
        )
    }
    if not cached:
        return
    fresh = _compute_due(site, today, list(cached) if len(cached) < 2000 else None)
    differ = {
        pid: due
        for pid, row in cached.items()
        if (due := fresh.get(pid)) is not None
        and row != (due[0], due[1].isoformat() if due[1] else None, due[2], due[3])
    }
    if not differ:
        report.lines.append(f"Due dates in the caseload's cache: {len(cached)} as the rules say")
        return
    text = (
        f"The caseload's cached due dates of {_count(differ)} differ from the pathway "
        f"rules ({_people(site, differ)})"
    )
    if repair:
        with site.write() as conn:
            # Gone, they are worked out again by the next caseload whatever happens next.
            conn.execute(
                "DELETE FROM due_cache WHERE person_id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(differ)),),
            )
        _store_due(site, today, differ, prune=False)
        report.lines.append(f"Repaired: {text}; they were worked out again.")
    else:
        report.problems.append(f"{text}. `ahtui check --repair` works them out again.")
