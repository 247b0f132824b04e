"""Import: a bundle file read, checked, verified, decrypted and merged in one transaction, or
refused whole with a plain reason, changing nothing.

Checks before anything is read whole: a regular file, not too large, for this site, from a
trusted peer, not imported already; then its signature (or a key the peer has rotated to),
schema, the hub's "acknowledgements only", texts within the services' limits and clocks not
too far ahead. `sharing` then judges whose rows this site may take, and `merge` applies them.
"""

from __future__ import annotations

import gc
import mmap
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..domain import limits
from ..domain.consent import Decision, from_list
from ..domain.terminal_text import for_terminal
from ..errors import AhtuiError
from ..store import hlc as clock
from ..store import summaries
from ..store.capture import synced_tables
from ..store.migrations import latest_version
from ..store.site import (
    IntegrityError,
    Site,
    utc_now,
)
from . import leaving, policy, restored, sharing
from .bundle import FORMAT, parse, parts, read_head, signed_by, verify
from .errors import BundleRefused
from .keys import decryption_keys, replace_peer_keys, retired_key_date, rotated_keys
from .labels import table_label
from .merge import Merger
from .status import local_clock, received_cover
from .wire import Block, Row, decode_block


@dataclass
class Imported:
    """What importing one bundle did (or that it was imported already)."""

    bundle_id: str
    peer_name: str
    changes: int = 0
    applied: int = 0
    conflicts: int = 0
    purges: int = 0
    already: bool = False
    notes: list[str] = field(default_factory=list)


def _int(header: dict[str, Any], key: str, name: str) -> int:
    try:
        value = header[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value
    except (KeyError, TypeError) as exc:
        raise BundleRefused(f"{name} is damaged: its header has no valid {key}.") from exc


def _addressed(site: Site, h: dict[str, Any], name: str) -> Any:
    """The trusted peer a bundle header comes from, after the checks that need no more of the
    file than its header: format, sender, recipient. Raises BundleRefused."""
    fmt = _int(h, "format", name)
    if fmt > FORMAT:
        raise BundleRefused(
            f"{name} uses bundle format {fmt}, newer than this ahtui reads ({FORMAT}). "
            "Upgrade ahtui, then import it again."
        )
    to, frm = h.get("to"), h.get("from")
    if not isinstance(to, str) or not isinstance(frm, str):
        raise BundleRefused(f"{name} is damaged: its header does not say who it is from and to.")
    if to != site.site_id:
        other = site.one("SELECT name FROM sync_peers WHERE site_id = ?", (to,))
        # The header is not yet checked against any signature: what it says is shown escaped.
        where = f"{for_terminal(other['name'])} ({for_terminal(to)})" if other else for_terminal(to)
        raise BundleRefused(f"{name} is addressed to another site, {where}, not to this one.")
    peer = site.one("SELECT * FROM sync_peers WHERE site_id = ?", (frm,))
    if peer is None:
        raise BundleRefused(
            f"{name} comes from a site this site does not trust ({for_terminal(frm)}). "
            "Exchange site cards with `ahtui keys card` and `ahtui keys trust` first."
        )
    if peer["status"] == "revoked":
        raise BundleRefused(
            f"{name} comes from {peer['name']}, whose key was revoked on {peer['revoked_at']}."
        )
    return peer


def already_imported(site: Site, h: dict[str, Any]) -> bool:
    found = site.one("SELECT 1 FROM sync_bundles WHERE bundle_id = ?", (str(h.get("bundle_id")),))
    return bool(found)


class Unreadable(AhtuiError):
    """A file in the way of an import that could not be read as a file at all (exit code 1)."""


def import_file(site: Site, path: Path) -> Imported:
    """Import one bundle file: refused before it is read if it is not a regular file or is
    too large, and after reading only its header if it is for another site or imported
    already; only then read whole, verified and applied."""
    name = path.name
    try:
        # O_NONBLOCK: a pipe named like a bundle must not hang the import.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise Unreadable(f"{name} cannot be read: {exc.strerror}; it was skipped.") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise Unreadable(
            f"{name} is not a regular file (a folder, a pipe or a device), so it was "
            "skipped. Only bundle files written by `ahtui sync export` belong here."
        )
    with os.fdopen(fd, "rb") as f:
        if info.st_size > policy.MAX_BUNDLE_BYTES:
            raise BundleRefused(_too_big(name, info.st_size))
        header = read_head(f, info.st_size, name)
        peer = _addressed(site, header, name)
        if already_imported(site, header):
            return Imported(str(header.get("bundle_id")), peer["name"], already=True)
        try:
            # Mapped, not read: a large bundle is verified and opened a part at a time
            # without a copy of it in memory.
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise Unreadable(f"{name} cannot be read: it changed while it was read; it was "
                             "skipped.") from exc  # fmt: skip
    try:
        return import_bundle(site, data, name)
    finally:
        try:
            data.close()
        except BufferError:
            # A refusal's traceback still holds views of the mapping: it is unmapped when
            # they go, and the refusal itself is what the caller must see.
            pass


def import_bundle(site: Site, data: Any, name: str = "the bundle") -> Imported:
    """Verify, decrypt and apply one bundle in one transaction (or refuse it, changing nothing).
    `data` is the bundle's bytes, or a buffer such as a mapped file."""
    if len(data) > policy.MAX_BUNDLE_BYTES:
        raise BundleRefused(_too_big(name, len(data)))
    parsed = parse(data, name)
    h = parsed.header
    peer = _addressed(site, h, name)
    frm = peer["site_id"]
    sign_key = bytes(peer["sign_public"])
    rotated = rotated_keys(frm, h.get("rotations"), sign_key)
    try:
        verify(parsed, rotated[0] if rotated else sign_key, name)
    except BundleRefused:
        retired = retired_key_date(peer, lambda key: signed_by(parsed, key))
        if retired is not None:
            raise BundleRefused(
                f"{name} was signed with a key {peer['name']} replaced on {retired[:10]}, so "
                "it is refused; nothing was applied. Its changes come again in the site's "
                "next bundle."
            ) from None
        raise
    schema = _int(h, "schema", name)
    if schema > latest_version():
        raise BundleRefused(
            f"{name} was written with a newer schema (version {schema}) than this ahtui "
            f"knows ({latest_version()}). Upgrade ahtui, then import it again."
        )
    bundle_id = str(h.get("bundle_id"))
    since, upto = _int(h, "since", name), _int(h, "upto", name)
    result = Imported(bundle_id, peer["name"])
    if already_imported(site, h):
        result.already = True
        return result
    with _collector_paused():
        read = _scan(site, peer, parsed, name)
        _apply(site, peer, h, read, since, upto, len(data), result, rotated)
        # Freed while the collector is paused: alive when it restarts, the next collection
        # would walk every one of these objects once more.
        del read
    return result


def _too_big(name: str, size: int) -> str:
    return (
        f"{name} is {size / 2**20:.0f} MiB, more than the {policy.MAX_BUNDLE_BYTES // 2**20} MiB a "
        "bundle may be; it was not read. Ask the sender to export again (bundles of that size "
        "only come from a first exchange of a very large site: export it in several steps)."
    )


def _hub_refused(name: str, sender: str) -> BundleRefused:
    """A supervisors' hub only acknowledges: anything else it sends is refused, whatever it is."""
    return BundleRefused(
        f"{name} comes from {sender}, a supervisors' hub, but carries records. A hub "
        "only acknowledges what it received, so the bundle was refused and nothing was "
        "applied. Check the hub's software and keys with its administrator."
    )


# A bundle of at most this many rows (about 100 MB of them decoded) is kept in memory from
# reading it to applying it; a larger one is read twice, a part at a time: once to check and
# judge it, then to apply it.
KEEP_ROWS = 100_000
# What of a case note judging it needs (sharing.judge_notes).
_NOTE_COLS = ["id", "sensitive", "agency"]


@dataclass
class _Read:
    """A bundle read through once, a part at a time: what must be known of all of it before
    any of it is applied, and its blocks (while few enough to keep)."""

    name: str
    meta: dict[str, Any]
    notices: dict[tuple[str, str], Decision | None]
    withheld: list[tuple[str, int, str]]
    brought: sharing.Brought | None
    notes: list[Row] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    newest: int = 0
    kept: list[tuple[str, Block]] | None = field(default_factory=list)
    again: Any = None  # reads the parts again, when they were not kept

    def blocks(self) -> Iterator[tuple[str, Block]]:
        if self.kept is not None:
            yield from self.kept
            return
        for table, block in self.again():
            if table is not None:
                yield table, _decoded(table, block, self.meta["sites"], self.name)


def _scan(site: Site, peer: Any, parsed: Any, name: str) -> _Read:
    """Decrypt and check every part of a signed bundle: refused here (nothing applied) if a
    part does not open, cannot be read, holds a text too long or a clock too far ahead, or a
    hub sends more than acknowledgements."""
    hub = peer["agency"] == sharing.HUB
    keys = decryption_keys(site)

    def again() -> Iterator[tuple[str | None, Any]]:
        return parts(parsed, keys, name, policy.MAX_PAYLOAD_BYTES)

    stream = again()
    _, meta = next(stream)
    if hub and any(meta.get(k) for k in ("notices", "withheld", "purge", "forget")):
        raise _hub_refused(name, peer["name"])
    sites = meta.get("sites", [])
    if not isinstance(sites, list) or not all(isinstance(x, str) for x in sites):
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.")
    meta["sites"] = sites
    notices, withheld = _sharing_parts(meta, name)
    read = _Read(name, meta, notices, withheld, sharing.brought_by(site, peer), again=again)
    kept = 0
    for table, block in stream:
        assert table is not None
        if hub and isinstance(block, dict) and (block.get("n") or block.get("rows")):
            raise _hub_refused(name, peer["name"])
        cols, rows, empty = _decoded(table, block, sites, name)
        read.rows[table] = read.rows.get(table, 0) + len(rows)
        read.newest = max(read.newest, _newest(rows, name))
        assert read.brought is not None
        read.brought.add(table, cols, rows)
        if table == "case_notes" and rows:
            at = [cols.index(c) if c in cols else None for c in _NOTE_COLS]
            read.notes.extend(
                r._replace(values=[None if i is None else r.values[i] for i in at]) for r in rows
            )
        kept += len(rows)
        if read.kept is not None:
            if kept > KEEP_ROWS:
                read.kept = None
            else:
                read.kept.append((table, (cols, rows, empty)))
        del rows
    _check_drift(site, read.newest, name, peer)
    return read


def _decoded(table: str, block: Any, sites: list[str], name: str) -> Block:
    """One table's (or slice's) columns, rows and all-empty columns, or a refusal if they
    cannot be read or hold a text longer than the services would have accepted."""
    try:
        rows, empty = decode_block(block, sites)
        cols = block["cols"]
        _check_lengths(table, cols, block.get("values"), rows, name)
        return cols, rows, empty
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.") from exc


def _sharing_parts(
    payload: dict[str, Any], name: str
) -> tuple[dict[tuple[str, str], Decision | None], list[tuple[str, int, str]]]:
    """A bundle's notices ((person, agency) -> decision) and withheld notes (id, hlc, origin)."""
    try:
        notices: dict[tuple[str, str], Decision | None] = {}
        for pid, agency, d in payload.get("notices") or []:
            if not isinstance(pid, str) or agency not in sharing.AGENCIES:
                raise ValueError("not a person")
            notices[(pid, agency)] = from_list(d)
        withheld = []
        for rid, hlc, origin in payload.get("withheld") or []:
            if not isinstance(rid, str) or not isinstance(origin, str):
                raise ValueError("not a note")
            if isinstance(hlc, bool) or not isinstance(hlc, int):
                raise ValueError("not a version")
            withheld.append((rid, hlc, origin))
        return notices, withheld
    except (TypeError, ValueError) as exc:
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.") from exc


def _longest(values: Sequence[Any]) -> int:
    try:
        return max(map(len, values), default=0)  # a column of text only: in C
    except TypeError:
        return max(map(len, filter(str.__instancecheck__, values)), default=0)


def _check_lengths(
    table: str, cols: list[str], by_col: list[Any] | None, rows: list[Row], name: str
) -> None:
    given = limits.column_limits(table)
    columns = by_col if by_col is not None else list(zip(*(r.values for r in rows), strict=True))
    for col, values in zip(cols, columns, strict=False):
        if not values:
            continue
        allowed = given.get(col, limits.CEILING)
        longest = _longest(values)
        if longest > allowed:
            raise BundleRefused(
                f"{name} holds a record with a text of {longest:,} characters where this "
                f"site allows at most {allowed:,} (a {table_label(table)} record); nothing "
                "was applied. It was written around ahtui's own checks at the sending site: "
                "ask its administrator to shorten it, then send a fresh bundle."
            )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A payload is hundreds of thousands of small lists, all alive until the import ends:
    Python's cycle collector would walk them again and again and find nothing to free."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _newest(rows: list[Row], name: str) -> int:
    """The newest clock among some rows."""
    if not rows:
        return 0
    try:
        best = max(max(map(attrgetter("ins_hlc"), rows)), max(map(attrgetter("hlc"), rows)))
        for colv in filter(None, map(attrgetter("colvers"), rows)):
            best = max(best, *(h for h, _origin, _ctx in colv.values()))
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.") from exc
    return int(best) if isinstance(best, int) else _not_a_clock(name)


def _not_a_clock(name: str) -> int:
    raise BundleRefused(f"{name} is damaged: its contents cannot be read.")


def _check_drift(site: Site, newest: int, name: str, peer: Any) -> None:
    """Refuse a bundle whose newest clock is too far ahead of this computer's clock (and note
    the refusal for `ahtui sync status`)."""
    now_ms = clock.physical_ms(clock.state(site.conn).now())
    ahead = clock.physical_ms(newest) - now_ms
    if ahead > policy.MAX_DRIFT_MS:
        _kept_write(
            site,
            lambda conn: conn.execute(
                "UPDATE sync_peers SET clock_refused_at = ?, clock_ahead_ms = ? WHERE site_id = ?",
                (utc_now(), ahead, peer["site_id"]),
            ),
        )
        raise BundleRefused(
            f"{name} from {peer['name']} holds changes stamped {_days(ahead)} ahead of this "
            f"computer's clock (at most {_days(policy.MAX_DRIFT_MS)} are allowed); nothing was "
            "applied. Check the date and time on both computers. Once the other site's clock "
            "is right, its next bundle is accepted."
        )


def _days(ms: int) -> str:
    hours = ms / 3_600_000
    if hours < 48:
        return f"{hours:.0f} hours"
    return f"{hours / 24:.0f} days"


def _apply(
    site: Site,
    peer: Any,
    header: dict[str, Any],
    read: _Read,
    since: int,
    upto: int,
    size: int,
    result: Imported,
    rotated: tuple[bytes, bytes] | None = None,
) -> None:
    conn = site.conn
    state = clock.state(conn)
    with site.write():
        if conn.execute(
            "SELECT 1 FROM sync_bundles WHERE bundle_id = ?", (result.bundle_id,)
        ).fetchone():
            result.already = True
            return
        state.capture = 0
        state.local = 0
        try:
            hlc, seq = local_clock(conn)
            seq += 1
            merger = Merger(conn, peer["site_id"], seq)
            purged: set[str] = set()
            try:
                assert read.brought is not None
                judged = sharing.judge_brought(site, peer, read.brought, read.notices)
                # Judged: what it took to judge goes before the rows come again.
                read.brought = None
                sharing.judge_notes(site, peer, _NOTE_COLS, read.notes, read.withheld, judged)
                payload = read.meta
                # Bundles of format 2 or older say "purge" and "forget" instead: as then.
                for pid in payload.get("purge", []):
                    leaving.purge_person(conn, str(pid), site.agency)
                    purged.add(str(pid))
                for table, rid in payload.get("forget", []):
                    leaving.forget_row(conn, str(table), str(rid))
                tables = set(synced_tables(conn))
                dropped = 0
                for table, (cols, rows, empty) in read.blocks():
                    if table not in tables:
                        continue
                    kept = _without(table, cols, rows, judged)
                    dropped += len(rows) - len(kept)
                    merger.merge_table(table, cols, kept, empty, total=read.rows[table])
                    del rows, kept
                merger.end_bulk()
                if dropped:
                    result.notes.append(
                        f"{dropped} records were not taken: consent or sensitivity does not "
                        "allow this site to hold them (a later decision than the sender's is "
                        "known here)."
                    )
                merger.check_deletes()
                merger.clear_due_cache()
                sharing.after_merge(conn, judged)
                for pid in sorted(judged.purge_now):
                    leaving.purge_person(conn, pid, site.agency)
                    purged.add(pid)
            except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
                raise BundleRefused(
                    f"The bundle from {peer['name']} is damaged: its contents cannot be read."
                ) from exc
            except IntegrityError as exc:
                # A signed bundle whose rows this site's schema refuses (a code it does not
                # know, a missing value): applying the rest would lose that row silently.
                raise BundleRefused(
                    f"The bundle from {peer['name']} holds a record this site cannot store "
                    f"({exc}); nothing was applied. Check both sites run the same ahtui "
                    "version, then ask for a fresh bundle."
                ) from exc
            result.changes = merger.changes
            result.applied = merger.applied
            result.conflicts = merger.conflicts
            conn.execute(
                "UPDATE sync_clock SET hlc = ?, seq = ? WHERE id = 1",
                (max(hlc, read.newest), seq if merger.applied or merger.conflicts else seq - 1),
            )
            # The sender's clock when it wrote the bundle is evidence of the time here too.
            written = clock.iso_ms(header.get("created_at"))
            if written is not None:
                clock.confirm(conn, written)
            if merger.tables:
                # One audit row for the bundle: its rows skipped the per-row audit triggers.
                conn.execute(
                    "INSERT INTO audit (user_id, action, table_name, row_id, columns) "
                    "VALUES (?, 'sync import', 'sync_bundles', ?, ?)",
                    (site.user.id, result.bundle_id, ",".join(sorted(merger.tables))),
                )
            conn.execute(
                "INSERT OR IGNORE INTO sync_received (peer, since, upto) VALUES (?, ?, ?)",
                (peer["site_id"], since, upto),
            )
            cover = received_cover(conn, peer["site_id"])
            conn.execute(
                "DELETE FROM sync_received WHERE peer = ? AND upto <= ?", (peer["site_id"], cover)
            )
            conn.execute(
                "INSERT OR IGNORE INTO sync_received (peer, since, upto) VALUES (?, 0, ?)",
                (peer["site_id"], cover),
            )
            if rotated is not None:
                fp = replace_peer_keys(conn, peer, *rotated)
                result.notes.append(
                    f"{peer['name']} rotated its keys (signed by its old key); "
                    f"new fingerprint {fp}."
                )
            # What the peer holds of ours; less than before if it was restored from a backup.
            restored.take_ack(conn, peer["site_id"], payload)
            conn.execute(
                "UPDATE sync_peers SET last_received_at = ?, "
                "clock_refused_at = NULL, clock_ahead_ms = NULL WHERE site_id = ?",
                (utc_now(), peer["site_id"]),
            )
            # With the peer's acknowledgement in, whatever was waiting for it may leave.
            purged |= leaving.release(site)
            result.purges = len(purged)
            # On a site that keeps the supervisors' summaries, theirs are worked out again
            # before this commits.
            summaries.mark(conn, {*merger.people, *purged})
            conn.execute(
                "INSERT INTO sync_bundles (bundle_id, direction, peer, sequence, since, upto, "
                "changes, purges, bytes) VALUES (?, 'received', ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.bundle_id,
                    peer["site_id"],
                    int(header.get("sequence") or 0),
                    since,
                    upto,
                    merger.changes,
                    result.purges,
                    size,
                ),
            )
        finally:
            state.capture = 1
            state.local = 1


def _without(table: str, cols: list[str], rows: list[Row], judged: sharing.Judged) -> list[Row]:
    """The rows less those this site may not take (judged by `sharing`)."""
    kept = rows
    if judged.drop:
        kept = [
            r
            for r in rows
            if r.person not in judged.drop or sharing.takes_while_leaving(table, r.person, judged)
        ]
    if table == "case_notes" and judged.drop_notes:
        i = cols.index("id")
        kept = [r for r in kept if r.values[i] not in judged.drop_notes]
    return kept


# Per site being imported into several files at once: the writes a bundle's refusal makes
# (its clock note), which must stay whatever becomes of the bundle.
LATER_WRITES: dict[int, list[Callable[[Any], Any]]] = {}


def _kept_write(site: Site, write: Callable[[Any], Any]) -> None:
    """A write that stays whatever becomes of the bundle: in a transaction of its own, or,
    while several files are imported, in theirs once the bundle is refused."""
    later = LATER_WRITES.get(id(site))
    if later is not None:
        later.append(write)
        return
    with site.write() as conn:
        write(conn)
