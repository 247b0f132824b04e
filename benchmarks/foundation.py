"""Foundation benchmark: open a 10,000-person site, compute every schedule, measure writes.

Builds the site with `ahtui demo --people N` (in a temp folder; nothing is kept), then prints
one figure per line as `name: number unit`:

  demo_build_time        building the site through the CLI (`ahtui demo --people N`)
  demo_N_s               the same figure named by its size (demo_10000_s: target <= 8 s)
  demo_build_cpu         the CPU time of that command (what a busy, shared machine does not
                         inflate)
  key_derivation_time    scrypt unwrapping the data key (the deliberate cost of an unlock)
  open_time              opening the site, key derivation included
  open_time_without_kdf  open_time less key_derivation_time
  facts_load_time        reading every person's dates and events
  schedule_all_time      computing every person's schedule (load included)
  schedule_per_person    the same, per person
  write_rate_audited     inserts per second with the audit and change-capture triggers
  write_rate_unaudited   inserts per second with both off
  audit_overhead_ratio   audited time over unaudited time
  backup_time            `ahtui backup`'s work: the site and its key file into one archive
  backup_size            the archive's size
  restore_time           `ahtui restore` to a new path: unpack, unlock, integrity check,
                         telling the peers (the key derivation included)

Usage: python benchmarks/foundation.py [--quick] [--people N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_common import PASSPHRASE, USER, build, figure


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (500 people)")
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--writes", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="build the site here and keep it")
    args = parser.parse_args()
    people = args.people or (500 if args.quick else 10_000)
    writes = args.writes or (2_000 if args.quick else 20_000)

    from ahtui.cli import main
    from ahtui.domain.schedule import compute_schedule
    from ahtui.store import audit, keyring, rows
    from ahtui.store import backup as store_backup
    from ahtui.store import hlc as sync_clock
    from ahtui.store.caseload import caseload
    from ahtui.store.facts_loader import load_facts
    from ahtui.store.site import open_site

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bench.ahtui"
        figure("people", people, "people")
        cpu_before = _children_cpu()
        took = build(path, people)
        figure("demo_build_time", took, "s")
        figure(f"demo_{people}_s", took, "s")
        figure("demo_build_cpu", _children_cpu() - cpu_before, "s")

        ring = keyring.load_keyring(path)
        entry = next(iter(ring.entries.values()))
        kdf = []
        for _ in range(3):
            t = time.perf_counter()
            keyring.derive_kek(PASSPHRASE, keyring._unb64(entry["salt"]), int(entry["log2n"]))
            kdf.append(time.perf_counter() - t)
        opens = []
        for _ in range(3):
            t = time.perf_counter()
            site = open_site(path, USER, PASSPHRASE)
            opens.append(time.perf_counter() - t)
            site.close()
        figure("key_derivation_time", statistics.median(kdf), "s")
        figure("open_time", statistics.median(opens), "s")
        figure("open_time_without_kdf", statistics.median(opens) - statistics.median(kdf), "s")

        site = open_site(path, USER, PASSPHRASE)
        today = date.today()
        t = time.perf_counter()
        facts = load_facts(site)
        load = time.perf_counter() - t
        for f in facts.values():
            compute_schedule(f, today)
        total = time.perf_counter() - t
        figure("facts_load_time", load, "s")
        figure("schedule_all_time", total, "s")
        figure("schedule_per_person", total / max(1, len(facts)) * 1000, "ms")
        t = time.perf_counter()
        caseload(site, today)
        figure("caseload_time", time.perf_counter() - t, "s")

        t = time.perf_counter()
        archive = store_backup.backup(site, folder / "bench.ahtui-backup", force=True)
        figure("backup_time", time.perf_counter() - t, "s")
        figure("backup_size", archive.size / 1e6, "MB")
        restored = folder / "restored" / "bench.ahtui"
        env = {"AHTUI_USER": USER, "AHTUI_PASSPHRASE": PASSPHRASE}
        os.environ.update(env)
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # its report is not a figure
            code = main(["restore", str(archive.path), "--site", str(restored), "--force"])
        figure("restore_time", time.perf_counter() - t, "s")
        assert code == 0, code

        person = site.one("SELECT id FROM people LIMIT 1")[0]

        def insert_batch(n: int) -> float:
            start = time.perf_counter()
            with site.write():
                for i in range(n):
                    rows.insert(site, "actions", {"person_id": person, "step": f"bench {i}"})
            return time.perf_counter() - start

        audited = insert_batch(writes)
        # "Without": no audit triggers and change capture switched off (its triggers check
        # sync_capture() first), so only the row, its indexes and the due-cache trigger remain.
        capture = sync_clock.state(site.conn)
        with site.write() as conn:
            audit.drop_audit_triggers(conn)
        capture.capture = 0
        try:
            unaudited = insert_batch(writes)
        finally:
            capture.capture = 1
            with site.write() as conn:
                audit.install_audit_triggers(conn)
        figure("write_rate_audited", writes / audited, "rows/s")
        figure("write_rate_unaudited", writes / unaudited, "rows/s")
        figure("audit_overhead_ratio", audited / unaudited, "x")
        site.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
