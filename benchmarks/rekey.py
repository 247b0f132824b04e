"""Rekey benchmark: give a generated 10,000-person site a new data key.

Builds the site with `ahtui demo --people N` (in a temp folder; nothing is kept), adds a few
users, then prints one figure per line as `name: number unit`:

  site_size      the site file before the rekey
  rekey_time     `rekey_site` start to finish: the pending entries written, every page
                 rewritten under the new key, the key file settled, the log checkpointed
  rekey_rate     site_size over rekey_time
  unlock_time    unlocking a user afterwards, key stretching included

Usage: python benchmarks/rekey.py [--quick] [--people N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench_common import PASSPHRASE, USER, build, figure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (500 people)")
    parser.add_argument("--people", type=int, default=None)
    args = parser.parse_args()
    people = args.people or (500 if args.quick else 10_000)

    from ahtui.store import rekey, users
    from ahtui.store.site import open_site

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.ahtui"
        figure("people", people, "people")
        build(path, people)
        site = open_site(path, USER, PASSPHRASE)
        for i in range(3):
            users.add_user(site, f"user{i}", f"{PASSPHRASE} {i}")
        site.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = path.stat().st_size
        figure("site_size", size / 2**20, "MiB")
        started = time.perf_counter()
        result = rekey.rekey_site(site)
        took = time.perf_counter() - started
        site.close()
        assert len(result.kept) == 4 and not result.dropped
        figure("rekey_time", took, "s")
        figure("rekey_rate", size / 2**20 / took, "MiB/s")
        started = time.perf_counter()
        open_site(path, "user1", f"{PASSPHRASE} 1").close()
        figure("unlock_time", time.perf_counter() - started, "s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
