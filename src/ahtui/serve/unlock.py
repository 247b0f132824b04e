"""The sites `ahtui serve` serves: each file unlocked once, its data key kept in memory only.

A site is unlocked the way every command unlocks one (a service user's passphrase unwraps the
data key), made to keep the supervisors' summaries, then closed: Datasette opens the file again
read-only, keyed by the plugin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import summaries
from ..store.site import open_site


@dataclass(frozen=True)
class UnlockedSite:
    """A site ready to serve: its database name in URLs, its own name, file and data key."""

    name: str
    title: str
    agency: str
    path: Path
    key: bytes


def url_name(path: Path, taken: set[str]) -> str:
    """A name for the site in URLs, from its file name, unlike any in `taken` (which it joins)."""
    base = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_") or "site"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def unlock_sites(
    paths: tuple[Path, ...],
    user: str,
    passphrase: str,
    *,
    busy_timeout_ms: int = 10_000,
    tell: Callable[[str], None] | None = None,
) -> list[UnlockedSite]:
    """Unlock each site as `user` (wrong passphrase etc.: SiteOpenError, exit code 2).
    `tell` hears, in plain words, of any long wait for the supervisors' figures."""
    taken: set[str] = set()
    unlocked = []
    for path in paths:
        site = open_site(path, user, passphrase, busy_timeout_ms=busy_timeout_ms)
        try:
            # A served site keeps the supervisors' summaries: built the first time (a few
            # seconds for 10,000 people, half a minute for a national hub's 84,000), brought
            # up to date otherwise.
            with site.write() as conn:
                waiting = _waiting(conn, site.name)
                if waiting and tell:
                    tell(waiting)
                started = time.monotonic()
                summaries.keep(conn)
            if waiting and tell:
                tell(f"Done in {_seconds(time.monotonic() - started)}.")
            unlocked.append(
                UnlockedSite(
                    name=url_name(path, taken),
                    title=site.name,
                    agency=site.agency,
                    path=path.resolve(),
                    key=site.data_key,
                )
            )
        finally:
            site.close()
    return unlocked


def _waiting(conn: Any, name: str) -> str | None:
    """What serving this site waits for, said before it starts: its figures worked out for
    the first time. Once kept, every write keeps them (`summaries.refresh` as it commits), so
    a later serve has only the day's few to do."""
    if summaries.kept(conn):
        return None
    people = summaries.live_people(conn)
    return (
        f"Working out the supervisors' figures for {name} for the first time "
        f"({people:,} {'person' if people == 1 else 'people'}); a large site takes a while "
        "(about half a minute for 80,000 people)."
    )


def _seconds(took: float) -> str:
    if took < 1:
        return "under a second"
    n = round(took)
    return f"{n:,} second{'s' if n != 1 else ''}"
