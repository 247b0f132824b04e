"""The `ahtui keys ...` and `ahtui sync ...` commands; cli.py calls `register`.

Nothing here imports Textual. Errors are AhtuiError with plain messages; refusals exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, AhtuiError, BadInput
from .bundle import SUFFIX


def _say(text: str = "") -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _open(args: argparse.Namespace) -> Any:
    from ..cli import _open as cli_open

    return cli_open(args)


def _print_json(data: Any) -> None:
    from ..cli import _print_json as cli_print_json

    cli_print_json(data)


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add `keys` and `sync` to the CLI's subparsers."""
    p = sub.add_parser("keys", help="this site's keys and the sites it trusts")
    common(p)
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    q = ks.add_parser("card", help="write this site's public card to give to another site")
    common(q)
    q.add_argument("--out", required=True, metavar="FILE")
    q = ks.add_parser("trust", help="trust a site from its card, after comparing fingerprints")
    common(q)
    q.add_argument("file")
    q.add_argument("--yes", action="store_true", help="skip the fingerprint question (scripts)")
    q = ks.add_parser("list", help="list trusted and revoked sites")
    common(q)
    q.add_argument("--json", action="store_true")
    q = ks.add_parser("revoke", help="stop trusting a site")
    common(q)
    q.add_argument("peer", metavar="SITE")
    q = ks.add_parser("rotate", help="new keys for this site, signed by the old ones")
    common(q)
    q.add_argument("--out", metavar="FILE", help="also write the new card here")
    p.set_defaults(func=cmd_keys)

    p = sub.add_parser("sync", help="exchange change bundles with trusted sites")
    common(p)
    ss = p.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    q = ss.add_parser("status", help="per site: last sent, last received, pending, conflicts")
    common(q)
    q.add_argument("--json", action="store_true")
    q = ss.add_parser("export", help="write a bundle of what one site lacks")
    common(q)
    q.add_argument("--to", required=True, metavar="SITE")
    q.add_argument("--out", default=".", metavar="DIR")
    q = ss.add_parser("import", help="verify and apply bundles")
    common(q)
    q.add_argument("files", nargs="+", metavar="FILE")
    q = ss.add_parser("run", help="import every new bundle in the inbox, export one per site")
    common(q)
    q.add_argument("--inbox", required=True, metavar="DIR")
    q.add_argument("--outbox", required=True, metavar="DIR")
    p.set_defaults(func=cmd_sync)


# -- keys ------------------------------------------------------------------------------------


def cmd_keys(args: argparse.Namespace) -> int:
    from . import keys

    site = _open(args)
    try:
        action = args.keys_command
        if action == "card":
            data = keys.write_card(site, Path(args.out))
            _say(f"Wrote the card of {site.name} to {args.out}.")
            _say(f"Fingerprint: {data['fingerprint']}")
        elif action == "trust":
            card = keys.read_card(Path(args.file))
            _say(f"Site: {card.name} ({card.agency}), id {card.site_id}")
            _say(f"Fingerprint: {card.fingerprint}")
            if not args.yes:
                if not sys.stdin.isatty():
                    raise BadInput(
                        "Compare the fingerprint with the other site by phone, then run again "
                        "with --yes (no terminal to ask on)."
                    )
                answer = input("Does it match what the other site reads out? [y/N] ")
                if answer.strip().lower() not in {"y", "yes"}:
                    _say("Not trusted.")
                    return EXIT_FAILURE
            _say(keys.trust(site, card))
        elif action == "list":
            found = keys.peers(site)
            if args.json:
                _print_json(found)
            elif not found:
                _say("No trusted sites yet: `ahtui keys card` and `ahtui keys trust`.")
            else:
                for p in found:
                    _say(f"{p['name']}  {p['agency']}  {p['status']}  {p['site_id']}")
                    _say(f"    {p['fingerprint']}")
        elif action == "revoke":
            _say(keys.revoke(site, args.peer))
        elif action == "rotate":
            me = keys.rotate(site)
            _say(f"New keys for {site.name}; fingerprint {me.fingerprint}.")
            _say(
                "Peers that trust the old key learn the new one from the next bundle this site "
                "sends them (the rotation travels in it, signed by the old key)."
            )
            if args.out:
                keys.write_card(site, Path(args.out))
                _say(f"New card written to {args.out}; it is signed by the old key too.")
        return EXIT_OK
    finally:
        site.close()


# -- sync ------------------------------------------------------------------------------------


def _write_bundle(out_dir: Path, site_name: str, ex: Any) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() else "-" for ch in f"{site_name}-to-{ex.peer_name}")
    path = out_dir / f"{safe}-{ex.sequence:06d}-{ex.bundle_id[:8]}{SUFFIX}"
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(ex.data)
    os.replace(tmp, path)
    return path


def _report(name: str, r: Any) -> str:
    if r.already:
        return f"{name}: already imported from {r.peer_name}; nothing to do."
    return "\n".join(
        [
            f"{name}: applied from {r.peer_name}: {r.changes} changes, {r.conflicts} new "
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


def _status_lines(site: Any, found: list[dict[str, Any]]) -> list[str]:
    from .status import clock_warning, peer_notes

    lines = []
    warning = clock_warning(site)
    if warning:
        lines.append(f"Clock: {warning}")
    for p in found:
        lines.append(
            f"{p['name']} ({p['agency']}, {p['status']}): last sent "
            f"{p['last_sent'] or 'never'}, last received {p['last_received'] or 'never'}, "
            f"{p['changes_pending']} changes pending, {p['open_conflicts']} open conflicts"
        )
        lines += [f"    {line}" for line in peer_notes(p)]
    return lines


def cmd_sync(args: argparse.Namespace) -> int:
    from .outgoing import export
    from .status import clock_warning, status

    site = _open(args)
    try:
        action = args.sync_command
        if action == "status":
            found = status(site)
            if args.json:
                _print_json(found)
            elif not found:
                _say("No trusted sites yet: `ahtui keys card` and `ahtui keys trust`.")
            else:
                for line in _status_lines(site, found):
                    _say(line)
            return EXIT_OK
        if action == "export":
            ex = export(site, args.to)
            path = _write_bundle(Path(args.out), site.name, ex)
            _say(f"Wrote {path}: {ex.changes} changes, {ex.purges} purges for {ex.peer_name}.")
            warning = clock_warning(site)
            if warning:
                _warn(warning)
            return EXIT_OK
        if action == "import":
            return _import_each(site, [Path(f) for f in args.files])
        if action == "run":
            return _run(site, Path(args.inbox), Path(args.outbox))
        raise BadInput(f"Unknown sync action {action!r}.")
    finally:
        site.close()


def _import_one(site: Any, path: Path) -> int:
    """Import one file, saying what happened to it; its exit code (0, 1 or 2)."""
    from .incoming import import_file

    try:
        r = import_file(site, path)
    except AhtuiError as exc:
        _warn(f"Refused: {exc.message}" if exc.exit_code == EXIT_BAD_INPUT else exc.message)
        return exc.exit_code
    _say(_report(path.name, r))
    return EXIT_OK


def _import_each(site: Any, paths: list[Path]) -> int:
    """Every file in turn, whatever happened to the one before: 0 if all went in, 1 if a file
    could not be read, else 2 if a bundle was refused."""
    codes = {_import_one(site, path) for path in paths}
    if codes == {EXIT_OK}:
        return EXIT_OK
    return EXIT_FAILURE if EXIT_FAILURE in codes else EXIT_BAD_INPUT


def _run(site: Any, inbox: Path, outbox: Path) -> int:
    from .incoming import import_file
    from .outgoing import export
    from .status import clock_warning

    if not inbox.is_dir():
        raise BadInput(f"The inbox {inbox} is not a folder.")
    codes = {EXIT_OK}
    with _lock(site.path):
        for path in sorted(inbox.glob(f"*{SUFFIX}")):
            try:
                r = import_file(site, path)
            except AhtuiError as exc:
                refused = exc.exit_code == EXIT_BAD_INPUT
                _warn(f"Refused: {exc.message}" if refused else exc.message)
                codes.add(exc.exit_code)
                continue
            if not r.already:
                _say(_report(path.name, r))
        for peer in site.query("SELECT site_id FROM sync_peers WHERE status = 'trusted'"):
            ex = export(site, peer["site_id"], skip_if_empty=True)
            if ex is not None:
                out = _write_bundle(outbox, site.name, ex)
                _say(f"Wrote {out.name}: {ex.changes} changes for {ex.peer_name}.")
    warning = clock_warning(site)
    if warning:
        _warn(warning)
    if EXIT_FAILURE in codes:
        return EXIT_FAILURE
    return EXIT_BAD_INPUT if EXIT_BAD_INPUT in codes else EXIT_OK
