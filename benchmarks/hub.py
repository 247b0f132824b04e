"""National hub benchmark: 300 sites of 300 people each, their bundles imported by one hub, then
every supervisors' query on the hub.

Builds 300 sites (prisons, probation offices and leaving-care teams in the proportions of
England and Wales: about 122 prisons, 108 probation delivery units and 152 local authorities)
of 300 invented people each, 90,000 in all, with their teams, consents, meetings, actions and
notes, written through the bulk path (ahtui.demo_bulk, ahtui.store.bulk_people). Each site
trusts the hub and exports its bundle to it; a child process then opens the hub (served, so
as a national hub is first filled, before it is served) and imports every bundle, so its peak
memory is the import's alone. Then the hub is unlocked as `ahtui serve` unlocks it, which
builds the supervisors' summaries. Then a day passes as it does once the hub is served: the hub
acknowledges each site's bundle, each site does a day's work and sends what changed, and the
hub imports those. Last, each query of plugins/ahtui_datasette/queries.py runs on it as the
plugin runs it. Prints one figure per line as `name: number unit`:

  hub_sites, hub_people        sites and people on the hub
  hub_build_all_s              building every site and its bundle (--jobs at once)
  site_build_s                 building one site (median): create it, write its people
  site_file_mb                 one site's file (median)
  bundle_mb                    one site's bundle (median)
  hub_changes                  changes imported (rows, each with its versions)
  hub_import_s                 importing every bundle
  hub_import_changes_per_s     hub_changes over hub_import_s (target >= 40,000)
  hub_import_changes_per_cpu_s the same over the import's CPU time (hub_import_cpu_s): what a
                               busy, shared machine does not inflate
  hub_import_peak_rss_third    the importing process's peak memory after a third of them
  hub_import_peak_rss          ... and after all of them (target <= 1 GB; no growth with sites)
  hub_file_mb                  the hub's file after the imports
  hub_summaries_build_s        unlocking it to serve: the summaries built for everyone
  hub_summaries_peak_rss       the peak memory of a process doing only that
  hub_day_refresh_s            the summaries of a twentieth of the hub's people worked out
                               again, as a served hub's import of a day's bundles from every
                               site does (in a process of its own, after the build)
  hub_day_refresh_peak_rss     that process's peak memory
  hub_acks_s                   the served hub writing each site its acknowledgement bundle
  site_day_s                   a day's work at one site (median): a twentieth of its people
                               each have an action done, a new one set and a contact noted
  hub_day_changes              the changes of the day's bundles, every site's
  hub_day_import_s             the served hub importing them (its summaries kept up to date)
  hub_day_import_changes_per_s hub_day_changes over hub_day_import_s
  hub_day_import_peak_rss      the importing process's peak memory
  QUERY_p95                    each supervisors' query on the hub (target <= 100 ms)
  QUERY_cpu_p95                its CPU time (what a busy, shared machine does not inflate)
  worst_query_p95              the slowest of them (and worst_query_cpu_p95)

Usage: python benchmarks/hub.py [--quick] [--sites N] [--people N] [--repeat N] [--jobs N]
                                [--keep DIR | --hub PATH] [--keep-bundles DIR | --reimport DIR]
                                [--one-by-one] [--no-day] [--reimport-day DIR]
  --quick: 20 sites. The machine's other work slows every figure; the figures are wall time.
  --keep DIR: build the hub in DIR (DIR/hub.ahtui) and leave it there; --hub PATH: build
  nothing, time the queries on a hub kept so (after a change to the queries or summaries).
  --keep-bundles DIR: keep the empty hub and the sites' bundles in DIR; --reimport DIR: build
  nothing, only import those again into a copy of the empty hub (after a change to import).
  --one-by-one: import the bundles a transaction each, as before they went in together.
  --no-day: skip the day at the sites and its import into the served hub. --keep DIR keeps
  the hub as it was before the day and the day's bundles too; --reimport-day DIR: build
  nothing, only import those again into a copy of that hub.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

os.environ.setdefault("AHTUI_KDF_LOG2N", "14")

ROOT = Path(__file__).resolve().parent.parent
# benchmarks/datasette.py must not shadow the real `datasette` package the plugin imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
USER = "bench"
PASSPHRASE = "benchmark passphrase"
# Sites per kind, out of 382: prisons, probation delivery units, local authorities' teams.
KINDS = (("prison", 122), ("probation", 108), ("local_authority", 152))


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def kinds(n: int) -> list[str]:
    """`n` site kinds in the national proportions, interleaved."""
    total = sum(share for _, share in KINDS)
    out: list[str] = []
    for kind, share in KINDS:
        out += [kind] * round(n * share / total)
    while len(out) < n:
        out.append(KINDS[-1][0])
    random.Random(0).shuffle(out)
    return out[:n]


def build_site(folder: Path, n: int, kind: str, people: int, hub_card: Path) -> tuple[float, Path]:
    """One site of `people` people, trusting the hub; its bundle for the hub written out."""
    from ahtui.demo_bulk import MIXES, build_demo_bulk
    from ahtui.store.site import init_site
    from ahtui.sync import keys, outgoing

    start = time.perf_counter()
    label = {"prison": "HMP", "probation": "Probation", "local_authority": "Leaving care"}[kind]
    site = init_site(
        folder / f"site{n:03d}.ahtui", name=f"{label} {n}", agency=kind, admin=USER,
        passphrase=PASSPHRASE,
    )  # fmt: skip
    try:
        # Every 1000th person onwards of the site's own numbers, so references differ by site.
        build_demo_bulk(
            site, people=people, seed=n, today=TODAY, mix=MIXES[kind], extras_every=10**9,
            first=n * 1000,
        )  # fmt: skip
        took = time.perf_counter() - start
        keys.trust(site, keys.read_card(hub_card))
        keys.write_card(site, folder / f"site{n:03d}.card")
        bundle = folder / "bundles" / f"site{n:03d}.bundle"
        bundle.write_bytes(outgoing.export(site, keys.read_card(hub_card).site_id).data)
    finally:
        site.close()
    return took, bundle


# A day's bundles from every site touch about this share of a served hub's people.
DAY_SHARE = 0.05


def a_days_work(site, rng: random.Random) -> None:
    """A day's work at a site, through the services as the app does it: for a twentieth of
    its people, their soonest open action done, a new one set, and a contact noted."""
    from ahtui.store import actions, notes

    ids = [r[0] for r in site.conn.execute("SELECT id FROM people WHERE deleted_at IS NULL")]
    for person_id in rng.sample(ids, max(1, round(len(ids) * DAY_SHARE))):
        open_ = [a for a in actions.actions_for(site, person_id) if not a["completed_on"]]
        if open_:
            actions.complete_action(site, open_[0]["id"])
        actions.add_action(
            site, person_id,
            {
                "step": "Check the housing referral has been received",
                "responsible_practitioner_id": (
                    open_[0]["responsible_practitioner_id"] if open_ else None
                ),
                "due_on": TODAY + timedelta(days=14),
            },
        )  # fmt: skip
        notes.add_note(
            site, person_id,
            {
                "contact_type": "phone",
                "contact_at": f"{TODAY.isoformat()}T10:00",
                "body": "Talked through the plan for the week of release.",
            },
        )  # fmt: skip


def site_day(folder: Path, n: int, ack: Path, hub_id: str) -> tuple[float, Path]:
    """A day at one site: the hub's acknowledgement imported, a day's work done, and the
    bundle of what changed written for the hub."""
    from ahtui.store.site import open_site
    from ahtui.sync import incoming, outgoing

    site = open_site(folder / f"site{n:03d}.ahtui", USER, PASSPHRASE, audit_unlock=False)
    try:
        incoming.import_file(site, ack)
        start = time.perf_counter()
        a_days_work(site, random.Random(n))
        took = time.perf_counter() - start
        bundle = folder / "day" / f"site{n:03d}.bundle"
        bundle.write_bytes(outgoing.export(site, hub_id).data)
    finally:
        site.close()
    return took, bundle


def day_cycle(folder: Path, hub_path: Path, n_sites: int, jobs: int, keep: Path | None) -> None:
    """A day once the hub is served: it acknowledges every site, each does a day's work and
    sends what changed, and the hub imports all of it (in a process of its own). With `keep`,
    the hub as it was before the day and the day's bundles are kept there (`--reimport-day`)."""
    from ahtui.store.site import open_site
    from ahtui.sync import keys, outgoing

    (folder / "acks").mkdir()
    (folder / "day").mkdir()
    hub = open_site(hub_path, USER, PASSPHRASE, audit_unlock=False)
    acks = []
    start = time.perf_counter()
    for n in range(n_sites):
        ack = folder / "acks" / f"site{n:03d}.bundle"
        site_id = keys.read_card(folder / f"site{n:03d}.card").site_id
        ack.write_bytes(outgoing.export(hub, site_id).data)
        acks.append(ack)
    figure("hub_acks_s", time.perf_counter() - start, "s")
    hub_id = hub.site_id
    hub.close()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        made = [pool.submit(site_day, folder, n, ack, hub_id) for n, ack in enumerate(acks)]
        days = [job.result() for job in made]
    figure("site_day_s", statistics.median(took for took, _ in days), "s")
    if keep is not None:
        import shutil

        (keep / "day").mkdir(exist_ok=True)
        for extra in ("", ".keys"):
            shutil.copy(hub_path.with_name(hub_path.name + extra), keep / f"day-hub.ahtui{extra}")
        for _, bundle in days:
            shutil.copy(bundle, keep / "day" / bundle.name)
    print_import(run_import(hub_path, [bundle for _, bundle in days], False), "hub_day")


TODAY = date.today()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_child(hub_path: Path, bundles: list[Path], one_by_one: bool = False) -> None:
    """In a process of its own: import every bundle into the hub, as `ahtui sync import` of
    the folder does (together, in few transactions); print what it took."""
    from ahtui.store.site import open_site
    from ahtui.sync import files, incoming

    hub = open_site(hub_path, USER, PASSPHRASE)
    changes = 0
    third = 0.0
    start, start_cpu = time.perf_counter(), time.process_time()
    if one_by_one:  # as before imports went together: a transaction per bundle
        for i, path in enumerate(bundles, 1):
            changes += incoming.import_file(hub, path).changes
            if i == max(1, len(bundles) // 3):
                third = peak_rss_mb()
    else:

        def progress(done: int, _total: int, last: object) -> None:
            nonlocal third
            if done == max(1, len(bundles) // 3) and last is not None:
                third = peak_rss_mb()

        results = files.import_files(hub, bundles, progress)
        refused = [r.line for r in results if r.outcome != "applied"]
        if refused:
            raise SystemExit("\n".join(refused))
        changes = sum(r.changes for r in results)
    took = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    hub.close()
    got = {"changes": changes, "took": took, "cpu": cpu, "third": third, "peak": peak_rss_mb()}
    print(json.dumps(got))


def reimport(folder: Path, one_by_one: bool) -> None:
    """Import the bundles kept by --keep-bundles again into a copy of the empty hub."""
    import shutil

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        hub_path = Path(tmp) / "hub.ahtui"
        for extra in ("", ".keys"):
            shutil.copy(folder / f"empty-hub.ahtui{extra}", Path(tmp) / f"hub.ahtui{extra}")
        bundles = sorted((folder / "bundles").glob("*.bundle"))
        got = run_import(hub_path, bundles, one_by_one)
        print_import(got)


def reimport_day(folder: Path) -> None:
    """Import the day's bundles kept by --keep again into a copy of the hub before the day."""
    import shutil

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        hub_path = Path(tmp) / "hub.ahtui"
        for extra in ("", ".keys"):
            shutil.copy(folder / f"day-hub.ahtui{extra}", Path(tmp) / f"hub.ahtui{extra}")
        bundles = sorted((folder / "day").glob("*.bundle"))
        print_import(run_import(hub_path, bundles, False), "hub_day")


def run_import(hub_path: Path, bundles: list[Path], one_by_one: bool) -> dict[str, float]:
    child = subprocess.run(
        [
            sys.executable, __file__, *(["--one-by-one"] if one_by_one else []),
            "--import-child", str(hub_path), *map(str, bundles),
        ],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    got: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return got


def print_import(got: dict[str, float], name: str = "hub") -> None:
    """The first load's figures (`hub_...`), or the day's (`hub_day_...`, fewer)."""
    first = name == "hub"
    figure(f"{name}_changes", got["changes"], "changes")
    figure(f"{name}_import_s", got["took"], "s")
    figure(f"{name}_import_changes_per_s", got["changes"] / got["took"], "changes/s")
    if first:
        figure("hub_import_cpu_s", got["cpu"], "s")
        figure("hub_import_changes_per_cpu_s", got["changes"] / got["cpu"], "changes/s")
        figure("hub_import_peak_rss_third", got["third"], "MB")
    figure(f"{name}_import_peak_rss", got["peak"], "MB")


def summaries_child(hub_path: Path, step: str) -> None:
    """In a process of its own, so its peak memory is this step's alone: build the summaries
    as the first `ahtui serve` does (`summaries.keep`; built again from scratch on a hub kept
    with them, as after a change to them), or ("day") mark a day's share of the people stale
    and work them out again in one write, as an import's commit does."""
    from ahtui.store import summaries
    from ahtui.store.site import open_site

    hub = open_site(hub_path, USER, PASSPHRASE, audit_unlock=False)
    ids = [r[0] for r in hub.conn.execute("SELECT id FROM people WHERE deleted_at IS NULL")]
    day = random.sample(ids, max(1, round(len(ids) * DAY_SHARE)))
    start = time.perf_counter()
    with hub.write() as conn:
        if step == "day":  # the commit refreshes the stale, as after an import
            summaries.mark(conn, day)
        elif summaries.kept(conn):
            summaries.rebuild(conn)
        else:
            summaries.keep(conn)
    took = time.perf_counter() - start
    hub.close()
    print(json.dumps({"took": took, "peak": peak_rss_mb()}))


def run_summaries(hub_path: Path) -> None:
    for step, took, peak in (
        ("build", "hub_summaries_build_s", "hub_summaries_peak_rss"),
        ("day", "hub_day_refresh_s", "hub_day_refresh_peak_rss"),
    ):
        child = subprocess.run(
            [sys.executable, __file__, "--summaries-child", step, str(hub_path)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        got = json.loads(child.stdout.strip().splitlines()[-1])
        figure(took, got["took"], "s")
        figure(peak, got["peak"], "MB")


def run_queries(hub_path: Path, repeat: int) -> dict[str, tuple[float, float]]:
    sys.path.insert(0, str(ROOT / "plugins"))
    import ahtui_datasette
    from ahtui_datasette.queries import QUERIES
    from ahtui_datasette.sqlcipher import sqlcipher

    from ahtui.serve.unlock import unlock_sites

    # As `ahtui serve` unlocks it (the summaries are built by then, `run_summaries`).
    (site,) = unlock_sites((hub_path,), USER, PASSPHRASE)
    conn = sqlcipher.connect(f"file:{quote(str(hub_path))}?mode=ro", uri=True)
    ahtui_datasette.prepare(conn, site.key)
    out = {}
    for q in QUERIES:
        for _ in range(2):  # warm the page cache, as a running server's connections are
            conn.execute(q.sql).fetchall()
        runs, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            conn.execute(q.sql).fetchall()
            runs.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        out[q.name] = (p95(runs), p95(cpu))
    conn.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 sites instead of 300")
    parser.add_argument("--sites", type=int, default=None)
    parser.add_argument("--people", type=int, default=300, help="people per site")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--jobs", type=int, default=2, help="sites built at once")
    parser.add_argument("--keep", type=Path, help="build the hub in this folder and keep it")
    parser.add_argument("--hub", type=Path, help="time the queries on this hub, build nothing")
    parser.add_argument(
        "--one-by-one", action="store_true", help="a transaction per bundle (as before)"
    )
    parser.add_argument(
        "--keep-bundles", type=Path, metavar="DIR", help="keep the empty hub and the bundles"
    )
    parser.add_argument(
        "--reimport", type=Path, metavar="DIR", help="only import the bundles kept in DIR again"
    )
    parser.add_argument(
        "--no-day", action="store_true", help="skip the day at the sites and its import"
    )
    parser.add_argument(
        "--reimport-day", type=Path, metavar="DIR",
        help="only import the day's bundles kept by --keep in DIR again",
    )  # fmt: skip
    parser.add_argument("--import-child", nargs="+", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--summaries-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.summaries_child:
        summaries_child(Path(args.summaries_child[1]), args.summaries_child[0])
        return 0
    if args.import_child:
        import_child(args.import_child[0], args.import_child[1:], args.one_by_one)
        return 0
    if args.reimport:
        reimport(args.reimport, args.one_by_one)
        return 0
    if args.reimport_day:
        reimport_day(args.reimport_day)
        return 0
    if args.hub:
        time_queries(args.hub, args.repeat)
        return 0
    n_sites = args.sites or (20 if args.quick else 300)

    from ahtui.store.site import init_site
    from ahtui.sync import keys

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.keep) as tmp:
        folder = Path(tmp)
        (folder / "bundles").mkdir()
        hub_path = folder / "hub.ahtui"
        hub = init_site(
            hub_path, name="National hub", agency="hub", admin=USER, passphrase=PASSPHRASE
        )
        hub_card = folder / "hub.card"
        keys.write_card(hub, hub_card)
        builds, bundles = [], []
        start = time.perf_counter()
        # Sites are independent: built side by side, as many at once as --jobs.
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            made = [
                pool.submit(build_site, folder, n, kind, args.people, hub_card)
                for n, kind in enumerate(kinds(n_sites))
            ]
            for n, job in enumerate(made):
                took, bundle = job.result()
                builds.append(took)
                bundles.append(bundle)
                keys.trust(hub, keys.read_card(folder / f"site{n:03d}.card"))
        hub.close()
        figure("hub_build_all_s", time.perf_counter() - start, "s")
        figure("hub_sites", n_sites, "sites")
        figure("site_build_s", statistics.median(builds), "s")
        sizes = [(folder / f"site{n:03d}.ahtui").stat().st_size for n in range(n_sites)]
        figure("site_file_mb", statistics.median(sizes) / 2**20, "MB")
        figure("bundle_mb", statistics.median(b.stat().st_size for b in bundles) / 2**20, "MB")

        if args.keep_bundles:  # the empty hub and the bundles, for --reimport
            import shutil

            args.keep_bundles.mkdir(parents=True, exist_ok=True)
            (args.keep_bundles / "bundles").mkdir(exist_ok=True)
            for extra in ("", ".keys"):
                shutil.copy(
                    hub_path.with_name(hub_path.name + extra),
                    args.keep_bundles / f"empty-hub.ahtui{extra}",
                )
            for bundle in bundles:
                shutil.copy(bundle, args.keep_bundles / "bundles" / bundle.name)
        got = run_import(hub_path, bundles, args.one_by_one)
        from ahtui.store.site import open_site

        hub = open_site(hub_path, USER, PASSPHRASE, audit_unlock=False)
        figure("hub_people", hub.one("SELECT count(*) FROM people")[0], "people")
        hub.close()
        print_import(got)
        wal = hub_path.with_name(hub_path.name + "-wal")
        size = hub_path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        figure("hub_file_mb", size / 2**20, "MB")
        run_summaries(hub_path)  # as the first `ahtui serve`: served from here on
        if not args.no_day:
            day_cycle(folder, hub_path, n_sites, args.jobs, args.keep)
        for n in range(n_sites):  # the sites are not needed again: room on the disk
            for suffix in ("", ".keys", "-wal", "-shm"):
                (folder / f"site{n:03d}.ahtui{suffix}").unlink(missing_ok=True)
        time_queries(hub_path, args.repeat, summaries=False)
        if args.keep:
            for bundle in bundles:
                bundle.unlink()
            for extra in ("", ".keys", "-wal", "-shm"):
                kept = hub_path.with_name(hub_path.name + extra)
                if kept.exists():
                    kept.rename(args.keep / kept.name)
            print(f"hub kept: {args.keep / hub_path.name}", flush=True)
    return 0


def time_queries(hub_path: Path, repeat: int, *, summaries: bool = True) -> None:
    """The summaries' figures (built if not yet) unless `summaries` is false, then every
    query's on the hub."""
    if summaries:
        run_summaries(hub_path)
    timed = run_queries(hub_path, repeat)
    for name, (wall, cpu) in timed.items():
        figure(f"{name}_p95", wall, "ms")
        figure(f"{name}_cpu_p95", cpu, "ms")
    figure("worst_query_p95", max(wall for wall, _ in timed.values()), "ms")
    figure("worst_query_cpu_p95", max(cpu for _, cpu in timed.values()), "ms")


if __name__ == "__main__":
    sys.exit(main())
