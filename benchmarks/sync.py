"""Sync benchmark: capture, export and import of 100,000 changes between two sites.

Prints one figure per line as `name: number unit`:

  floor_insert_time        inserting the rows into a plain SQLCipher table (no triggers, indexes)
  untracked_write_time     inserting them into the site with change capture switched off
  tracked_write_time       the same with change capture on
  tracked_write_ratio      tracked over untracked write time (target <= 1.2)
  untracked_write_rate     rows/s of the untracked writes: the schema's own ceiling (indexes,
                           audit and due-cache triggers) that an import cannot beat
  export_time              building, sealing and signing the bundle for a peer
  bundle_bytes_per_change  bundle size over the number of changes in it
  import_changes_per_s     verifying, decrypting and applying the bundle at an empty peer;
                           a change is a whole row (a person, a consent event). The median
                           of three imports, each into a fresh peer of its own, so one
                           hiccup of a shared machine does not decide the figure
  import_column_values_per_s  the same import counted as cr-sqlite counts changes (one per
                           column value written: names, CRN, pathway; agency, event, date)
  served_import_changes_per_s  the same import into a peer that is served to supervisors, so
                           keeps their summaries (ahtui.store.summaries): worked out for
                           every person in the import's own transaction
  merge_changes_per_s      applying a second bundle that edits every person the peer holds
  session_apply_changes_per_s  the native floor: the same rows, in tables made from the
                           site's own definitions (indexes included, no triggers) on a plain
                           SQLite file, recorded by SQLite's session extension (apsw) as a
                           changeset and applied to an empty copy; median of three, each
                           run right after one of the three imports
  import_vs_session_ratio  import_changes_per_s over session_apply_changes_per_s (target
                           >= 0.5), though an import also verifies, decrypts, judges consent,
                           merges per field and keeps conflicts
  import_peak_rss          peak memory of a child process importing a bundle of
                           --stream-changes changes (1,000,000; 20,000 with --quick) at an
                           empty peer (target < 500 MB)

The changes are people (half) and a consent event for each (half), so every one passes the
consent filter. Usage: python benchmarks/sync.py [--quick] [--changes N] [--stream-changes N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("AHTUI_KDF_LOG2N", "14")

from ahtui.store import hlc as clock  # noqa: E402
from ahtui.store import summaries  # noqa: E402
from ahtui.store.site import init_site, new_id, utc_now  # noqa: E402
from ahtui.sync import incoming, keys, outgoing  # noqa: E402

USER = "bench"
PASSPHRASE = "benchmark passphrase"
BATCH = 1000


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def _rows(n_people: int, user: str) -> tuple[list[tuple], list[tuple]]:
    now = utc_now()
    people, consents = [], []
    for i in range(n_people):
        # Ids made the way the app makes them (time-ordered), so the indexes see what they
        # see in use.
        pid = new_id()
        people.append((pid, f"Given{i}", f"Family{i % 997}", f"X{i:06d}", "long", now, now, user))
        consents.append((new_id(), pid, "probation", "given", "2026-01-01", now, now, user))
    return people, consents


PEOPLE_SQL = (
    "INSERT INTO {t} (id, given_name, family_name, crn, pathway, created_at, updated_at, "
    "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
CONSENT_SQL = (
    "INSERT INTO {t} (id, person_id, agency, event, on_date, created_at, updated_at, "
    "updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _batch(site, people: list[tuple], consents: list[tuple], tables: tuple[str, str]) -> float:
    start = time.perf_counter()
    with site.write() as conn:
        conn.executemany(PEOPLE_SQL.format(t=tables[0]), people)
        conn.executemany(CONSENT_SQL.format(t=tables[1]), consents)
    return time.perf_counter() - start


def _write_all(plain, untracked, tracked, people: list[tuple], consents: list[tuple]):
    """Floor, untracked and tracked writes, batch by batch in turn, so a busy machine slows
    all three alike and the ratio stays fair."""
    times = [0.0, 0.0, 0.0]
    for at in range(0, len(people), BATCH):
        p, c = people[at : at + BATCH], consents[at : at + BATCH]
        times[0] += _batch(plain, p, c, ("plain_people", "plain_consents"))
        times[1] += _batch(untracked, p, c, ("people", "consents"))
        times[2] += _batch(tracked, p, c, ("people", "consents"))
    return times


def _plain_db(path: Path, ddl: list[str]) -> Any:
    import apsw  # a benchmark-only dependency (the test extra)

    db = apsw.Connection(str(path))
    # As a site is set up (store.site), less the encryption.
    db.execute("PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY")
    for sql in ddl:
        db.execute(sql)
    return db


def _changeset(folder: Path, site, people: list[tuple], consents: list[tuple]):
    """The same rows as an SQLite session-extension changeset, and a function that applies it
    to a fresh, empty copy of the tables and returns the seconds the apply took."""
    import apsw

    ddl = [
        sql
        for (sql,) in site.conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN ('people', 'consents') "
            "AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC, name"
        )
    ]
    source = _plain_db(folder / "session-source.db", ddl)
    session = apsw.Session(source, "main")
    session.attach()
    with source:
        source.executemany(PEOPLE_SQL.format(t="people"), people)
        source.executemany(CONSENT_SQL.format(t="consents"), consents)
    changeset = session.changeset()
    session.close()
    source.close()
    made = [0]

    def apply() -> float:
        made[0] += 1
        target = _plain_db(folder / f"session-target{made[0]}.db", ddl)
        start = time.perf_counter()
        with target:
            apsw.Changeset.apply(changeset, target)
        took = time.perf_counter() - start
        (applied,) = target.execute("SELECT count(*) FROM people").fetchone()
        assert applied == len(people), applied
        target.close()
        return took

    return apply


def _peak_rss(folder: Path, changes: int) -> float:
    """Peak resident memory (MB) of a child process that imports a bundle of `changes`
    changes at an empty peer: the bundle is written here, the import runs alone there."""
    a = init_site(folder / "big-a.ahtui", name="big a", agency="prison", admin=USER,
                  passphrase=PASSPHRASE)  # fmt: skip
    b = init_site(folder / "big-b.ahtui", name="big b", agency="probation", admin=USER,
                  passphrase=PASSPHRASE)  # fmt: skip
    for x, y in ((a, b), (b, a)):
        keys.write_card(y, folder / "card")
        keys.trust(x, keys.read_card(folder / "card"))
    step = 50_000
    for at in range(0, changes // 2, step):
        people, consents = _rows(min(step, changes // 2 - at), a.user.id)
        _batch(a, people, consents, ("people", "consents"))
        del people, consents
    bundle = folder / "big.ahtuib"
    bundle.write_bytes(outgoing.export(a, b.site_id).data)
    a.close()
    b.close()
    out = subprocess.run(
        [sys.executable, __file__, "--child-import", str(folder / "big-b.ahtui"), str(bundle)],
        check=True,
        capture_output=True,
        text=True,
    )
    imported, peak = out.stdout.split()
    if int(imported) != changes:
        print(f"warning: {imported} changes imported, expected {changes}", file=sys.stderr)
    return float(peak)


def _high_water_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: after a fork, ru_maxrss
    carries the parent's peak (here the exporter's, gigabytes) into the child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_import(site_path: str, bundle: str) -> int:
    from ahtui.store.site import open_site

    site = open_site(Path(site_path), USER, PASSPHRASE)
    result = incoming.import_file(site, Path(bundle))
    site.close()
    print(result.changes, f"{_high_water_mb():.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 changes instead of 100,000")
    ap.add_argument("--changes", type=int, default=None)
    ap.add_argument("--stream-changes", type=int, default=None)
    ap.add_argument("--child-import", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_import:
        return _child_import(*args.child_import)
    changes = args.changes or (10_000 if args.quick else 100_000)
    stream_changes = args.stream_changes or (20_000 if args.quick else 1_000_000)
    n_people = changes // 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sites = {
            name: init_site(folder / f"{name}.ahtui", name=name, agency=agency, admin=USER,
                            passphrase=PASSPHRASE)
            for name, agency in (("a", "prison"), ("b", "probation"), ("b2", "probation"),
                                 ("b3", "probation"), ("h", "probation"), ("u", "prison"))
        }  # fmt: skip
        a, b, u = sites["a"], sites["b"], sites["u"]
        peers = [b, sites["b2"], sites["b3"]]
        served = sites["h"]
        with served.write() as conn:
            summaries.keep(conn)
        for p in [*peers, served]:
            for x, y in ((a, p), (p, a)):
                keys.write_card(y, folder / "card")
                keys.trust(x, keys.read_card(folder / "card"))

        people, consents = _rows(n_people, a.user.id)
        with u.write() as conn:
            conn.execute("CREATE TABLE plain_people AS SELECT * FROM people WHERE 0")
            conn.execute("CREATE TABLE plain_consents AS SELECT * FROM consents WHERE 0")
        clock.state(u.conn).capture = 0
        floor, untracked, tracked = _write_all(u, u, a, people, consents)
        figure("floor_insert_time", floor, "s")
        figure("untracked_write_time", untracked, "s")
        figure("tracked_write_time", tracked, "s")
        figure("tracked_write_ratio", tracked / untracked, "x")
        figure("untracked_write_rate", changes / untracked, "rows/s")

        start = time.perf_counter()
        ex = outgoing.export(a, b.site_id)
        figure("export_time", time.perf_counter() - start, "s")
        figure("bundle_bytes_per_change", len(ex.data) / max(ex.changes, 1), "B")
        bundles = [ex.data] + [outgoing.export(a, p.site_id).data for p in peers[1:]]
        apply_changeset = _changeset(folder, u, people, consents)
        took_each, session_each = [], []
        # Each import, then SQLite's own apply, in turn: a busy machine slows both alike.
        for peer, data in zip(peers, bundles, strict=True):
            start = time.perf_counter()
            result = incoming.import_bundle(peer, data)
            took_each.append(time.perf_counter() - start)
            session_each.append(apply_changeset())
        took = statistics.median(took_each)
        figure("import_changes_per_s", result.changes / took, "changes/s")
        session_rate = changes / statistics.median(session_each)
        figure("session_apply_changes_per_s", session_rate, "changes/s")
        figure("import_vs_session_ratio", result.changes / took / session_rate, "x")
        # cr-sqlite counts one change per column value; the same import in its unit.
        values = sum(sum(v is not None for v in r[1:5]) for r in people) + sum(
            sum(v is not None for v in r[1:5]) for r in consents
        )
        figure("import_column_values_per_s", values / took, "values/s")
        data = outgoing.export(a, served.site_id).data
        start = time.perf_counter()
        incoming.import_bundle(served, data)
        figure("served_import_changes_per_s", changes / (time.perf_counter() - start), "changes/s")
        if result.changes != changes:
            print(
                f"warning: {result.changes} changes imported, expected {changes}", file=sys.stderr
            )

        # B acknowledges, so the next bundle carries only the edits.
        incoming.import_bundle(a, outgoing.export(b, a.site_id).data)
        with a.write() as conn:
            conn.execute("UPDATE people SET prison = 'HMP Bench', updated_at = ?", (utc_now(),))
        ex2 = outgoing.export(a, b.site_id)
        start = time.perf_counter()
        merged = incoming.import_bundle(b, ex2.data)
        figure("merge_changes_per_s", merged.changes / (time.perf_counter() - start), "changes/s")
        for s in sites.values():
            s.close()
        figure("import_peak_rss", _peak_rss(folder, stream_changes), "MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
