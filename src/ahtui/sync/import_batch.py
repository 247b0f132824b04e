"""Several bundle files imported together: as few transactions as bound the log, yet each
file's outcome the same as `incoming.import_file` gives it alone.

Every bundle's random ids dirty pages all over every index and `sync_rows`; a transaction a
file would encrypt most of them again at each commit, so a folder of many sites' bundles goes
in one transaction (committed every `BATCH_CHANGES` changes) with a larger page cache.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AhtuiError, DiskFull, is_disk_full
from ..store.site import KEY_CHANGED, DatabaseError, Site, SiteKeyChanged
from .incoming import LATER_WRITES, Imported, import_file
from .keys import decryption_keys

# Several files are imported in one transaction: every bundle's random ids dirty pages all
# over every index and `sync_rows`, and a transaction apiece would encrypt most of them again
# at each commit. The transaction commits once this many changes are in it, so the log it
# writes ahead stays bounded however many sites send bundles.
BATCH_CHANGES = 200_000
# The page cache while files are imported (allocated only as used, so a small site's file
# never fills it): pages the bundles share stay decrypted from one bundle to the next instead
# of being spilled and read back. Several files, a hub's folder of sites' bundles, get twice
# what one does: a national hub's first load of 300 sites (2.2 GB) took 342 s with 512 MiB
# where 256 MiB took 415 s, the importer's peak memory 702 MB instead of 412 MB; one bundle
# keeps within the 500 MB a bundle of a million changes may take to import.
ONE_FILE_CACHE_KIB = 256 * 1024
BATCH_CACHE_KIB = 512 * 1024


@dataclass
class Outcome:
    """What importing one of several files came to: what it did, or the error that refused it
    (an AhtuiError with its message, or any other exception); nothing of a refused file stays."""

    path: Path
    imported: Imported | None = None
    error: Exception | None = None


def import_each(
    site: Site,
    paths: Sequence[Path],
    each: Callable[[int, Outcome], None] | None = None,
    *,
    hold: Any = None,
    should_stop: Callable[[], bool] | None = None,
    changes_per_commit: int = BATCH_CHANGES,
    seconds_per_commit: float | None = None,
) -> list[Outcome | None]:
    """Import files in order, to the same end as `import_file` one by one, in as few
    transactions as bound the log: a refused file changes nothing and the others still apply.

    Most refusals come before a bundle writes anything (its signature, its contents, its
    clocks). One refused after it began to write (a record this site cannot store) has the
    transaction rolled back and the files before it applied again: a savepoint per file
    would do the same, but copy every page already changed each time a file touches it, which
    costs more than the commits saved.

    `each(i, outcome)` is called after each file; again, with the failure, for every file of a
    transaction that could not commit (nothing of those stayed). `hold` (a lock) is held for
    each transaction, and a transaction commits at the first file boundary past
    `changes_per_commit` changes or `seconds_per_commit` seconds, so others waiting for the
    lock or the site wait no longer. Before each file `should_stop()` is asked: once true,
    what is in hand commits and the files left are not tried (their outcome is None). An
    interrupt (ctrl+c) rolls back the transaction in hand, as it would a single file.
    """
    outcomes: list[Outcome | None] = [None] * len(paths)
    if not paths:
        return outcomes
    batch = _Batch(site, paths, outcomes, each, should_stop, changes_per_commit,
                   seconds_per_commit)  # fmt: skip
    conn = site.conn
    # The site's keys, made now if need be, so no rolled back transaction takes them along.
    decryption_keys(site)
    before = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    cache = BATCH_CACHE_KIB if len(paths) > 1 else ONE_FILE_CACHE_KIB
    conn.execute(f"PRAGMA cache_size = {min(before, -cache)}")
    LATER_WRITES[id(site)] = []
    try:
        i = 0
        while i < len(paths) and not (should_stop is not None and should_stop()):
            with hold if hold is not None else contextlib.nullcontext():
                i = batch.transaction(i)
    finally:
        LATER_WRITES.pop(id(site), None)
        with contextlib.suppress(Exception):  # a connection gone with its site needs nothing
            conn.execute(f"PRAGMA cache_size = {before}")
    return outcomes


class _Undo(Exception):
    """A file was refused after it had begun to write: the transaction is rolled back."""

    def __init__(self, i: int, error: Exception, later: list[Callable[[Any], Any]]) -> None:
        super().__init__(i)
        self.i = i
        self.error = error
        self.later = later  # the writes its refusal made, to make again


@dataclass
class _Batch:
    site: Site
    paths: Sequence[Path]
    outcomes: list[Outcome | None]
    each: Callable[[int, Outcome], None] | None
    should_stop: Callable[[], bool] | None
    changes_per_commit: int
    seconds_per_commit: float | None
    # What the open transaction holds, in order, to do again should it be rolled back: the
    # index of a file applied, or a write a refusal made.
    done: list[int | Callable[[Any], Any]] = field(default_factory=list)
    changes: int = 0  # in the open transaction

    def transaction(self, i: int) -> int:
        """Files from `i` on in one transaction, until it is due to commit; the next index."""
        self.done = []
        started = time.monotonic()
        while True:
            self.changes = 0
            try:
                with self.site.write() as conn:
                    self._again(conn)
                    i = self._files(conn, i, started)
                return i
            except _Undo as undo:
                # Rolled back: the refused file is said, the others go in again, and on.
                self._said(undo.i, Outcome(self.paths[undo.i], error=undo.error))
                self.done.extend(undo.later)
                i = undo.i + 1
            except Exception as exc:  # the commit failed: nothing of the transaction stayed
                for j in self.done:
                    if isinstance(j, int):
                        self._said(j, Outcome(self.paths[j], error=exc))
                return i

    def _said(self, i: int, outcome: Outcome) -> None:
        self.outcomes[i] = outcome
        if self.each is not None:
            self.each(i, outcome)

    def _again(self, conn: Any) -> None:
        """What a rolled back transaction held, done again (its files said already)."""
        for j in self.done:
            if not isinstance(j, int):
                j(conn)
                continue
            outcome, wrote = self._one(conn, self.paths[j])
            if outcome.imported is not None:
                self.changes += outcome.imported.changes
            if outcome.error is not None:  # the file changed meanwhile: said as it is now
                self._said(j, outcome)
                if wrote:
                    raise outcome.error

    def _files(self, conn: Any, i: int, started: float) -> int:
        first = i
        while i < len(self.paths):
            if self.done and (
                self.changes >= self.changes_per_commit
                or (
                    self.seconds_per_commit is not None
                    and time.monotonic() - started >= self.seconds_per_commit
                )
            ):
                break
            if i > first and self.should_stop is not None and self.should_stop():
                break
            outcome, wrote = self._one(conn, self.paths[i])
            later = LATER_WRITES.get(id(self.site)) or []
            if wrote:
                assert outcome.error is not None
                raise _Undo(i, outcome.error, list(later))
            self.done.extend(later)
            later.clear()
            if outcome.imported is not None and not outcome.imported.already:
                self.done.append(i)
                self.changes += outcome.imported.changes
            self._said(i, outcome)
            i += 1
        return i

    def _one(self, conn: Any, path: Path) -> tuple[Outcome, bool]:
        """One file imported in the open transaction; whether it was refused having written
        (rows, or the schema its bulk insert set aside), or having lost the transaction."""
        later = LATER_WRITES.setdefault(id(self.site), [])
        later.clear()
        rows = conn.total_changes
        schema = conn.execute("PRAGMA schema_version").fetchone()[0]
        try:
            return Outcome(path, import_file(self.site, path)), False
        except Exception as exc:
            error = _plain_error(self.site, exc)
        if not conn.in_transaction:
            return Outcome(path, error=error), True
        wrote = (
            conn.total_changes != rows
            or conn.execute("PRAGMA schema_version").fetchone()[0] != schema
        )
        if not wrote:  # else made once the transaction is rolled back
            for write in later:
                write(conn)
        return Outcome(path, error=error), wrote


def _plain_error(site: Site, exc: Exception) -> Exception:
    """SQLite's error as a transaction of its own would have said it: a full disk, or the
    site's key changed meanwhile; anything else as it is."""
    if isinstance(exc, AhtuiError):
        return exc
    if is_disk_full(exc):
        return DiskFull.at(site.path)
    if isinstance(exc, DatabaseError) and site.key_changed(exc):
        return SiteKeyChanged(KEY_CHANGED)
    return exc
