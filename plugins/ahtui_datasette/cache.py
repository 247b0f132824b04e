"""A short cache of the supervisors' query results, never older than the site file.

Each query reads a whole caseload, and a supervisor's pages share them (the scorecard chart and
the scorecard query run the same SQL; a page is often reloaded or its JSON fetched). A result is
kept with a stamp: the file's `PRAGMA data_version` as seen by one monitoring connection (it
changes whenever any other connection, in any process, commits to the file), today's date (the
queries count from today) and the time it was made. A request whose stamp differs, or that comes
more than `MAX_AGE_SECONDS` later, runs the query again, so a changed file is never served a
result computed before the change.

The stamp is taken before the query runs: a commit landing while it runs leaves the result
stamped as older than the file, and the next request runs it again.

Only the configured queries are cached, keyed by their exact SQL and parameters; they return
counts and identifiers every supervisor may see alike, so one result serves them all. Results
live in this process's memory only, like any response being built.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

MAX_AGE_SECONDS = 60.0
# A cap on entries per site file: queries times the few parameter sets a page uses.
MAX_ENTRIES = 64


@dataclass(frozen=True)
class _Entry:
    stamp: tuple[int, str]
    made: float
    results: Any


class ResultCache:
    """Results of known SQL for one database, checked against its data_version."""

    def __init__(self, connect: Any, cacheable: frozenset[str]) -> None:
        # `connect()` makes the monitoring connection, keyed and read-only like the others.
        self._connect = connect
        self._cacheable = cacheable
        self._monitor: Any = None
        self._lock = threading.Lock()
        self._entries: dict[tuple, _Entry] = {}
        self.hits = 0
        self.misses = 0

    def stamp(self) -> tuple[int, str]:
        with self._lock:
            if self._monitor is None:
                self._monitor = self._connect()
            version = self._monitor.execute("PRAGMA data_version").fetchone()[0]
        return int(version), date.today().isoformat()

    def key(self, sql: str, params: Any, extra: tuple) -> tuple | None:
        if sql not in self._cacheable:
            return None
        if params is None:
            frozen: tuple = ()
        elif isinstance(params, dict):
            frozen = tuple(sorted((str(k), repr(v)) for k, v in params.items()))
        else:
            frozen = tuple(repr(v) for v in params)
        return (sql, frozen, extra)

    def get(self, key: tuple, stamp: tuple[int, str]) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry.stamp != stamp:
            self.misses += 1
            return None
        if time.monotonic() - entry.made > MAX_AGE_SECONDS:
            self.misses += 1
            return None
        self.hits += 1
        return entry.results

    def put(self, key: tuple, stamp: tuple[int, str], made: float, results: Any) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES and key not in self._entries:
                oldest = min(self._entries, key=lambda k: self._entries[k].made)
                del self._entries[oldest]
            self._entries[key] = _Entry(stamp, made, results)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def install(db: Any, cache: ResultCache) -> None:
    """Route a Datasette `Database`'s `execute` through the cache (idempotent)."""
    if getattr(db, "_ahtui_cache", None) is not None:
        db._ahtui_cache = cache
        return
    original = db.execute

    async def execute(sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                      log_sql_errors=True):  # fmt: skip
        current = db._ahtui_cache
        key = current.key(sql, params, (bool(truncate), page_size))
        kwargs = {
            "truncate": truncate,
            "custom_time_limit": custom_time_limit,
            "page_size": page_size,
            "log_sql_errors": log_sql_errors,
        }
        if key is None:
            return await original(sql, params, **kwargs)
        stamp = await db.execute_fn(lambda _conn: current.stamp())
        hit = current.get(key, stamp)
        if hit is not None:
            return hit
        made, made_at = time.monotonic(), time.time()
        results = await original(sql, params, **kwargs)
        # The pages' "Figures as of": when these figures were worked out, not when served.
        results.ahtui_made_at = made_at
        current.put(key, stamp, made, results)
        return results

    db._ahtui_cache = cache
    db.execute = execute
