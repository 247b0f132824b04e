"""Supervisors' view benchmark: each query's latency on an encrypted site and a plain copy.

Builds a 10,000-person site with 200,000 actions through the CLI
(`ahtui demo --people 10000 --actions-per-person 20 --no-open`; a few minutes), unlocks it the
way `ahtui serve` does (which also migrates it and builds, or brings up to date, the
supervisors' summaries a served site keeps: ahtui.store.summaries), and makes an unencrypted
copy of it with `sqlcipher_export` in the same temporary folder (synthetic people only; the
copy is deleted at the end). Both are opened read-only (`?mode=ro`) and prepared exactly as
the plugin prepares Datasette's connections. Then, for each query in
plugins/ahtui_datasette/queries.py, it prints one figure per line as `name: number unit`:

  QUERY_median, QUERY_p95   the query on the encrypted file
  QUERY_cpu_median          its CPU time (what a busy, shared machine does not inflate)
  QUERY_plain_p95           the same query on the plain copy
  encrypted_plain_ratio     the worst ratio of encrypted p95 to plain p95
  QUERY_served_first        its JSON page through Datasette as a supervisor, the first time
                            (the plugin's result cache is empty: the query runs)
  QUERY_served_p95          the same page asked again while the file is unchanged (the plugin
                            checks the file's data_version and serves its cached result)
  QUERY_page_p95            its HTML page (`/<site>/<query>`, 50 rows a page, headings and
                            values in words, its chart if it has one) as a supervisor gets
                            it, asked again while the file is unchanged
  QUERY_page_cpu_median     its CPU time (the process's, query threads too)
  QUERY_page_cold_p95       the same page with the plugin's result cache emptied before each
                            request: what the first request after a change to the file costs
                            (the query's own time, QUERY_p95, and the page); _cold_cpu_median
  home_page_p95, site_home_page_p95, scorecard_page_p95 (and _cold_p95, _median)
                            the home page of all sites, the site's home page, and the charts
                            page (`/-/ahtui/scorecard`: scorecard, timescales and equality)

Targets: every QUERY_p95 and every page's p95 under 100 ms; encrypted_plain_ratio at most 1.5. QUERY_p95 is the SQL
itself, every run: what the first request after any change to the file costs.

Usage: python benchmarks/datasette.py [--quick] [--people N] [--repeat N] [--site PATH]
  --site PATH reuses an existing site (unlocked with AHTUI_USER and AHTUI_PASSPHRASE, else
  the benchmark's own user); nothing is built then.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
# This file is named datasette.py: its folder must not shadow the real `datasette` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
USER = "bench"
PASSPHRASE = "benchmark passphrase"


def figure(name: str, value: float, unit: str) -> None:
    print(f"{name}: {value:.4g} {unit}", flush=True)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def build(path: Path, people: int, actions: int) -> float:
    env = dict(os.environ, AHTUI_USER=USER, AHTUI_PASSPHRASE=PASSPHRASE)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ahtui", "demo", "--site", str(path), "--people", str(people)]
        + ["--actions-per-person", str(actions), "--no-open", "--fresh"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def connect(path: Path, key: bytes | None):
    import ahtui_datasette
    from ahtui_datasette.sqlcipher import sqlcipher

    conn = sqlcipher.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    ahtui_datasette.prepare(conn, key)
    return conn


def export_plain(path: Path, key: bytes, plain: Path) -> None:
    from ahtui_datasette.sqlcipher import sqlcipher

    conn = sqlcipher.connect(str(path))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute(f"ATTACH DATABASE '{plain}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()


def timings(enc, plain, sql: str, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """Encrypted and plain runs taken in turn, so a busy machine slows both alike; also the
    encrypted runs' CPU time, which other work on the machine does not inflate."""
    for conn in (enc, plain):
        for _ in range(2):  # warm the page cache, as a running server's connections are
            conn.execute(sql).fetchall()
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: list[float] = []
    for _ in range(repeat):
        for conn, samples in zip((enc, plain), wall, strict=True):
            start, start_cpu = time.perf_counter(), time.process_time()
            conn.execute(sql).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
            if conn is enc:
                cpu.append((time.process_time() - start_cpu) * 1000)
    return wall[0], wall[1], cpu


async def served_timings(site, folder: Path, repeat: int, names: list[str]) -> dict:
    """Each query's JSON page as a supervisor gets it: the first request, then repeats; then
    every HTML page, warm (the file unchanged) and cold (the result cache emptied first)."""
    import ahtui_datasette

    from ahtui import supervisors
    from ahtui.serve.server import make_datasette

    auth = folder / "supervisors.toml"
    supervisors.save_supervisors(auth, {"bench": supervisors.hash_password("benchmark password")})
    ds = make_datasette([site], auth)
    await ds.invoke_startup()
    # A session started as the sign-in form starts one (the server keeps sessions).
    cookie = {"ds_actor": ahtui_datasette.logins.start_session(ds, "bench")}
    out: dict[str, tuple[float, list]] = {}
    for name in names:
        runs = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            response = await ds.client.get(f"/{site.name}/{name}.json?_shape=array", cookies=cookie)
            assert response.status_code == 200, response.status_code
            runs.append((time.perf_counter() - start) * 1000)
        out[name] = (runs[0], runs[1:])
    pages = {f"{name}_page": f"/{site.name}/{name}" for name in names}
    pages |= {
        "home_page": "/",
        "site_home_page": f"/{site.name}",
        "scorecard_page": "/-/ahtui/scorecard",
    }
    cache = getattr(ds.get_database(site.name), "_ahtui_cache", None)
    for label, path in pages.items():
        out[label] = (0.0, await page_timings(ds, cookie, path, repeat))
        out[f"{label}_cold"] = (0.0, await page_timings(ds, cookie, path, repeat, cache))
    for db in ds.databases.values():
        db.close()
    return out


async def page_timings(ds, cookie: dict, path: str, repeat: int, emptied=None) -> list[tuple]:
    """One page's (wall, CPU) times in ms after two warming requests; with `emptied` (the
    result cache), the cache is emptied before each timed request, so each runs its queries.
    CPU time is the whole process's (Datasette's query threads too)."""
    out = []
    for i in range(repeat + 2):
        if emptied is not None:
            emptied.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = await ds.client.get(path, cookies=cookie)
        assert response.status_code == 200, (path, response.status_code)
        assert "<h1" in response.text and len(response.text) < 400_000, path
        if i >= 2:
            out.append(
                ((time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000)
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (500 people)")
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--actions-per-person", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per query")
    parser.add_argument("--site", type=Path, default=None, help="reuse this site; build nothing")
    args = parser.parse_args()
    people = args.people or (500 if args.quick else 10_000)
    repeat = args.repeat or (10 if args.quick else 30)

    sys.path.insert(0, str(ROOT / "plugins"))  # a checkout without `pip install -e .`
    from ahtui_datasette.queries import QUERIES

    from ahtui.serve.unlock import unlock_sites

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.site:
            path = args.site.expanduser().resolve()
            user = os.environ.get("AHTUI_USER", USER)
            passphrase = os.environ.get("AHTUI_PASSPHRASE", PASSPHRASE)
        else:
            path, user, passphrase = folder / "bench.ahtui", USER, PASSPHRASE
            figure("demo_build_time", build(path, people, args.actions_per_person), "s")
        (site,) = unlock_sites((path,), user, passphrase)
        plain = folder / "plain.db"
        export_plain(path, site.key, plain)
        enc = connect(path, site.key)
        figure("people", enc.execute("SELECT count(*) FROM people").fetchone()[0], "people")
        figure("actions", enc.execute("SELECT count(*) FROM actions").fetchone()[0], "actions")
        clear = connect(plain, None)
        worst = 0.0
        for q in QUERIES:
            encrypted, plain_runs, cpu = timings(enc, clear, q.sql, repeat)
            figure(f"{q.name}_median", statistics.median(encrypted), "ms")
            figure(f"{q.name}_cpu_median", statistics.median(cpu), "ms")
            figure(f"{q.name}_p95", p95(encrypted), "ms")
            figure(f"{q.name}_plain_p95", p95(plain_runs), "ms")
            worst = max(worst, p95(encrypted) / p95(plain_runs))
        figure("encrypted_plain_ratio", worst, "x")
        enc.close()
        clear.close()
        served = asyncio.run(served_timings(site, folder, repeat, [q.name for q in QUERIES]))
        for q in QUERIES:
            first, again = served[q.name]
            figure(f"{q.name}_served_first", first, "ms")
            figure(f"{q.name}_served_p95", p95(again), "ms")
        for label in [f"{q.name}_page" for q in QUERIES] + [
            "home_page",
            "site_home_page",
            "scorecard_page",
        ]:
            warm, cold = served[label][1], served[f"{label}_cold"][1]
            figure(f"{label}_median", statistics.median(w for w, _ in warm), "ms")
            figure(f"{label}_p95", p95([w for w, _ in warm]), "ms")
            figure(f"{label}_cpu_median", statistics.median(c for _, c in warm), "ms")
            figure(f"{label}_cold_p95", p95([w for w, _ in cold]), "ms")
            figure(f"{label}_cold_cpu_median", statistics.median(c for _, c in cold), "ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
