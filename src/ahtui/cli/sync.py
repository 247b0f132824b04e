"""`ahtui sync status|export|import|run`: exchange change bundles with trusted sites.

Bundles are written to a `.part` file and renamed into place, so a transfer job never picks up
half a bundle; `sync run` holds a lock beside the site so two runs from cron never overlap.
Refusals exit 2, unreadable files 1.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, AhtuiError, BadInput
from ..store.site import Site
from ..sync import keys
from ..sync.bundle import SUFFIX
from ..sync.import_batch import import_each
from ..sync.outgoing import export
from ..sync.status import clock_warning, peer_notes, status
from .common import one_line, open_chosen_site, print_json, say, warn
from .keys import NO_PEERS


def cmd_sync(args: argparse.Namespace) -> int:
    site = open_chosen_site(args)
    try:
        action = args.sync_command
        if action == "status":
            found = status(site)
            if args.json:
                print_json(found)
            elif not found:
                say(NO_PEERS)
            else:
                for line in _status_lines(site, found):
                    say(line)
            return EXIT_OK
        if action == "export":
            ex = export(site, args.to)
            assert ex is not None  # only skip_if_empty gives None
            path = _write_bundle(Path(args.out), site.name, ex)
            say(
                f"Wrote {path}: {ex.changes} changes, {ex.purges} purges for {one_line(ex.peer_name)}."
            )
            _warn_clock(site)
            return EXIT_OK
        if action == "import":
            return _import_each(site, [Path(f) for f in args.files], total=True)
        if action == "run":
            return _run(site, Path(args.inbox), Path(args.outbox))
        raise BadInput(f"Unknown sync action {action!r}.")
    finally:
        site.close()


def _status_lines(site: Site, found: list[dict[str, Any]]) -> list[str]:
    lines = []
    warning = clock_warning(site)
    if warning:
        lines.append(f"Clock: {warning}")
    for p in found:
        lines.append(
            f"{one_line(p['name'])} ({one_line(p['agency'])}, {p['status']}): last sent "
            f"{p['last_sent'] or 'never'}, last received {p['last_received'] or 'never'}, "
            f"{p['changes_pending']} changes pending, {p['open_conflicts']} open conflicts"
        )
        lines += [f"    {line}" for line in peer_notes(p)]
    return lines


def _warn_clock(site: Site) -> None:
    warning = clock_warning(site)
    if warning:
        warn(warning)


def _write_bundle(out_dir: Path, site_name: str, ex: Any) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() else "-" for ch in f"{site_name}-to-{ex.peer_name}")
    path = out_dir / f"{safe}-{ex.sequence:06d}-{ex.bundle_id[:8]}{SUFFIX}"
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(ex.data)
    os.replace(tmp, path)
    return path


def _report(file_name: str, r: Any) -> str:
    # A peer's name and a file's are the sender's choice: each kept to its own line.
    name, peer = one_line(file_name), one_line(r.peer_name)
    if r.already:
        return f"{name}: already imported from {peer}; nothing to do."
    return "\n".join(
        [
            f"{name}: applied from {peer}: {r.changes} changes, {r.conflicts} new "
            f"conflicts, {r.purges} people removed (consent no longer allows this site).",
            *(f"{name}: {note}" for note in r.notes),
        ]
    )


@contextlib.contextmanager
def _lock(site_path: Path) -> Iterator[None]:
    lock_path = site_path.with_name(site_path.name + ".sync.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AhtuiError(
                "Another `ahtui sync run` is still working on this site; try again later."
            ) from exc
        yield
    finally:
        os.close(fd)


def _said(outcome: Any, *, quiet_if_already: bool = False) -> int:
    """Say what happened to one file; its exit code (0, 1 or 2)."""
    exc = outcome.error
    if exc is not None:
        if not isinstance(exc, AhtuiError):
            # Nothing of it stayed and the other files go on: said, not a traceback.
            name = one_line(outcome.path.name)
            warn(f"{name} could not be imported ({type(exc).__name__}); nothing was applied.")
            return EXIT_FAILURE
        warn(f"Refused: {exc.message}" if exc.exit_code == EXIT_BAD_INPUT else exc.message)
        return exc.exit_code
    r = outcome.imported
    if not (quiet_if_already and r.already):
        say(_report(outcome.path.name, r))
    return EXIT_OK


def _worst(codes: set[int]) -> int:
    """0 if every file went in, 1 if a file could not be read, else 2 if one was refused."""
    if EXIT_FAILURE in codes:
        return EXIT_FAILURE
    return EXIT_BAD_INPUT if EXIT_BAD_INPUT in codes else EXIT_OK


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _total(outcomes: list[Any]) -> str:
    """One line for several files, after theirs: a hub takes hundreds in one go."""
    applied = [o.imported for o in outcomes if o.error is None and not o.imported.already]
    already = sum(1 for o in outcomes if o.error is None and o.imported.already)
    refused = len(outcomes) - len(applied) - already
    changes = sum(r.changes for r in applied)
    conflicts = sum(r.conflicts for r in applied)
    purges = sum(r.purges for r in applied)
    return (
        f"{_plural(len(outcomes), 'file', 'files')}: {len(applied)} applied "
        f"({_plural(changes, 'change', 'changes')}, "
        f"{_plural(conflicts, 'new conflict', 'new conflicts')}, "
        f"{_plural(purges, 'person', 'people')} removed), {already} already imported, "
        f"{refused} not imported."
    )


def _import_each(
    site: Site, paths: list[Path], *, quiet_if_already: bool = False, total: bool = False
) -> int:
    """Every file in turn, whatever happened to the one before; together, in as few
    transactions as `import_batch.import_each` allows. Should one of them fail to commit, each
    of its files is reported again with the failure, and that is its exit code. With `total`,
    several files end with a line for them all."""
    codes: dict[int, int] = {}
    # The last word on each file: one reported again with its transaction's failure counts so.
    last: dict[int, Any] = {}

    def each(i: int, outcome: Any) -> None:
        last[i] = outcome
        codes[i] = _said(outcome, quiet_if_already=quiet_if_already)

    try:
        import_each(site, paths, each)
    except KeyboardInterrupt:
        # The files go in together: some already said to be applied were undone with the rest.
        warn(
            "Stopped: the last files said to be applied were undone with the one in hand. "
            "Import them all again: those that were kept are skipped as already imported."
        )
        raise
    if total and len(last) > 1:
        say(_total([last[i] for i in sorted(last)]))
    return _worst({EXIT_OK, *codes.values()})


def _run(site: Site, inbox: Path, outbox: Path) -> int:
    if not inbox.is_dir():
        raise BadInput(f"The inbox {inbox} is not a folder.")
    codes = {EXIT_OK}
    with _lock(site.path):
        codes.add(_import_each(site, sorted(inbox.glob(f"*{SUFFIX}")), quiet_if_already=True))
        for peer in keys.peers(site):
            if peer["status"] != "trusted":
                continue
            ex = export(site, peer["site_id"], skip_if_empty=True)
            if ex is not None:
                out = _write_bundle(outbox, site.name, ex)
                say(f"Wrote {out.name}: {ex.changes} changes for {one_line(ex.peer_name)}.")
    _warn_clock(site)
    return _worst(codes)
