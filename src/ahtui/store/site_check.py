"""The `ahtui check` report: is the site whole, encrypted as it should be, on its schema?"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import audit, keyring, migrations
from .site import Site


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_site(site: Site) -> CheckReport:
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
    ring = keyring.load_keyring(site.path)
    users = [r[0] for r in conn.execute("SELECT username FROM users WHERE deleted_at IS NULL")]
    locked_out = [u for u in users if not ring.has_user(u)]
    if locked_out:
        report.lines.append(f"Note: no key entry for {', '.join(locked_out)} (they cannot unlock).")
    report.lines.append(f"Users: {len(users)}; key entries: {len(ring.entries)}")
    # sqlite-utils reads the schema for us; imported here, off every other command's start path.
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    counts = {t: db[t].count for t in audit.audited_tables(conn) if t not in ("sites", "users")}
    busiest = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
    report.lines.append("Rows: " + ", ".join(f"{t} {n:,}" for t, n in busiest))
    people = conn.execute("SELECT count(*) FROM people WHERE deleted_at IS NULL").fetchone()[0]
    report.lines.append(f"People: {people}")
    return report
