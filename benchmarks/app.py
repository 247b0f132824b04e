"""App benchmark: unlock to caseload drawn, and search-as-you-type latency, on a big site.

Builds (or reuses, with --site: kept there, built once) a demo site of 10,000 people with 10
actions each (100,000 actions) through the CLI, then runs the real app headless at 80x24 and
prints one figure per line as `name: number unit`. The app is opened on a day D (within two
months of today, where the demo's dates are), then on D+1 and D+8, then on D+9 with the
caseload's cache emptied:

  caseload_drawn_cold    site open to caseload drawn, first open of the day after D: whatever
                         is known is drawn at once (a big site's most urgent rows first)
  caseload_current_cold  the same, to today's due items drawn: the new-day figure (only the
                         people whose row the new day changes are worked out again)
  caseload_current_week  the same, a week later (D+8)
  caseload_current_uncached  the same with no cache (a first open, or after an upgrade of the
                         rules): every schedule worked out
  caseload_drawn         site open to caseload drawn, warm (the day's due cache already filled)
  unlock_total           Enter on the unlock screen to caseload drawn, warm, key derivation
                         (scrypt, deliberately slow) included
  keystroke_median       a key typed into the caseload search, to the filtered list redrawn
  keystroke_p95
  app_peak_rss           the benchmark process's peak resident memory (the app runs in it),
                         after all the opens

Each time figure is followed by its CPU time (`_cpu`: every thread of the process, from the
site open), which other work on a shared machine does not stretch as it does the wall clock.

Usage: python benchmarks/app.py [--quick] [--people N] [--site PATH] [--keys N] [--day D]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_common import PASSPHRASE, USER, build, figure

# Typed into the search box: names, a CRN, deletions back to empty, as a user would.
TYPED = ["l", "e", "w", "i", "backspace", "backspace", "backspace", "backspace", "backspace"]
TYPED += ["h", "u", "g", "h", "e", "s", *["backspace"] * 6, "x", "1", "0", "0", "0", "4"]
TYPED += ["backspace"] * 6


def _stop_if_refused(app: Any) -> None:
    """Say why and stop when the unlock screen refuses the file, rather than wait for ever
    for a caseload that will not come (a development file left at another migration)."""
    from textual.widgets import Static

    from ahtui.screens.unlock import UnlockScreen

    screen = app.screen
    if isinstance(screen, UnlockScreen) and not screen.busy:
        status = screen.query_one("#unlock-status", Static)
        if status.has_class("-error"):
            raise SystemExit(f"The app would not open the site: {status.render()}")


async def open_app(path: Path, today: date, keys: int) -> dict[str, float]:
    """Unlock through the screen, wait for the caseload, type into the search."""
    import ahtui.store.site as site_module
    from ahtui.app import AhtuiApp
    from ahtui.screens.caseload import CaseloadList, CaseloadScreen

    app = AhtuiApp(path, today=today)
    out: dict[str, float] = {}
    # CPU time (every thread of the process) beside the wall clock, which the other work on a
    # shared machine stretches: taken as the site is open and at each of the app's marks.
    cpu: dict[str, float] = {}
    first: dict[str, float] = {}
    real_open, real_mark = site_module.open_site, app.mark

    def open_site(*args: Any, **kwargs: Any) -> Any:
        site = real_open(*args, **kwargs)
        cpu["unlocked"] = time.process_time()
        return site

    def mark(name: str, at: float | None = None) -> None:
        # The first of each: a later load marks "caseload_drawn" again, and the polling below
        # could read that one instead.
        cpu.setdefault(name, time.process_time())
        real_mark(name, at)
        first.setdefault(name, app.timings[name])

    site_module.open_site = open_site  # type: ignore[assignment]
    app.mark = mark  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#username").value = USER
        screen.query_one("#passphrase").value = PASSPHRASE
        screen.query_one("#passphrase").focus()
        await pilot.press("enter")
        while "caseload_drawn" not in first:
            _stop_if_refused(app)
            await asyncio.sleep(0.005)
        out["unlock_total"] = first["caseload_drawn"] - first["unlock_started"]
        out["caseload_drawn"] = first["caseload_drawn"] - first["unlocked"]
        out["caseload_drawn_cpu"] = cpu["caseload_drawn"] - cpu["unlocked"]
        # On a new day the first draw shows the last day's due items; today's follow.
        while "caseload_current" not in first:
            await asyncio.sleep(0.005)
        out["caseload_current"] = first["caseload_current"] - first["unlocked"]
        out["caseload_current_cpu"] = cpu["caseload_current"] - cpu["unlocked"]
        assert isinstance(app.screen, CaseloadScreen)
        out["rows"] = app.screen.query_one(CaseloadList).total
        if keys:
            from textual import events

            await pilot.press("slash")
            search = app.screen.query_one("#search")
            loop = asyncio.get_running_loop()
            times, cpu_times = [], []
            typed = (TYPED * (keys // len(TYPED) + 1))[:keys]
            for key in typed:
                expected = search.value[:-1] if key == "backspace" else search.value + key
                done: asyncio.Future[float] = loop.create_future()
                started, cpu_started = time.perf_counter(), time.process_time()
                app.post_message(events.Key(key, None if key == "backspace" else key))
                while search.value != expected:
                    await asyncio.sleep(0)
                # After the next refresh: the filtered list is on the screen.
                app.screen.call_after_refresh(lambda f=done: f.set_result(time.perf_counter()))
                times.append(await done - started)
                cpu_times.append(time.process_time() - cpu_started)
                await pilot.pause()
            out["keystroke_median"] = statistics.median(times)
            out["keystroke_p95"] = statistics.quantiles(times, n=20)[18]
            out["keystroke_cpu_median"] = statistics.median(cpu_times)
            out["keystroke_cpu_p95"] = statistics.quantiles(cpu_times, n=20)[18]
        await pilot.press("ctrl+q")
    site_module.open_site = real_open  # type: ignore[assignment]
    return out


def empty_cache(path: Path) -> None:
    """As on a first open, or after the rules changed: nothing known of anyone's due items."""
    from ahtui.store.site import open_site

    with open_site(path, USER, PASSPHRASE) as site, site.write() as conn:
        conn.execute("DELETE FROM due_cache")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (500 people)")
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--actions-per-person", type=int, default=10)
    parser.add_argument("--site", type=Path, default=None, help="reuse (or build and keep) here")
    parser.add_argument("--keys", type=int, default=200, help="keystrokes to time")
    parser.add_argument(
        "--day",
        type=date.fromisoformat,
        default=None,
        help="the day D (YYYY-MM-DD), to compare two runs on the same days",
    )
    args = parser.parse_args()
    people = args.people or (500 if args.quick else 10_000)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.site or Path(tmp) / "bench.ahtui"
        if not path.exists():
            figure("demo_build_time", build(path, people, args.actions_per_person), "s")
        # A day near the demo's dates (where the rows still move), then the days after it.
        day = args.day or date.today() + timedelta(days=int(time.time()) % 60)
        asyncio.run(open_app(path, day, 0))
        cold = asyncio.run(open_app(path, day + timedelta(days=1), 0))
        warm = asyncio.run(open_app(path, day + timedelta(days=1), args.keys))
        week = asyncio.run(open_app(path, day + timedelta(days=8), 0))
        empty_cache(path)
        uncached = asyncio.run(open_app(path, day + timedelta(days=9), 0))
        print(f"people: {int(cold['rows'])} people", flush=True)
        for name, got, key in [
            ("caseload_drawn_cold", cold, "caseload_drawn"),
            ("caseload_current_cold", cold, "caseload_current"),
            ("caseload_current_week", week, "caseload_current"),
            ("caseload_current_uncached", uncached, "caseload_current"),
            ("caseload_drawn", warm, "caseload_drawn"),
        ]:
            figure(name, got[key], "s")
            figure(f"{name}_cpu", got[f"{key}_cpu"], "s")
        figure("unlock_total", warm["unlock_total"], "s")
        for name in (
            "keystroke_median",
            "keystroke_p95",
            "keystroke_cpu_median",
            "keystroke_cpu_p95",
        ):
            figure(name, warm[name] * 1000, "ms")
        # ru_maxrss is in kilobytes on Linux.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figure("app_peak_rss", peak, "MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
