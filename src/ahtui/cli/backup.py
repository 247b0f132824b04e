"""`ahtui backup --out FILE` and `ahtui restore FILE --site PATH`: a site and its key file in
one archive taken while others write (`store.backup`), and back again, checked before it
takes the site's place (`store.restore`), its peers then told it was restored
(`sync.restored`) so they send again what the backup lacks."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..config import load_settings
from ..errors import EXIT_OK, megabytes
from ..progress import Progress
from ..store import backup as store_backup
from ..store import restore as store_restore
from ..sync.restored import mark_restored
from .common import open_chosen_site, passphrase, say, site_path, username


def cmd_backup(args: argparse.Namespace) -> int:
    out = store_backup.check_target(Path(args.out), force=args.force)
    # A backup changes nothing: an older schema is copied as it is, migrated on restore.
    site = open_chosen_site(args, migrate=False)
    try:
        info = store_backup.backup(site, out, force=args.force)
    finally:
        site.close()
    say(
        f"Backed up {info.site_name!r} to {info.path}: {info.people:,} people, "
        f"{megabytes(info.size)}, last change {_when(info.last_change)}."
    )
    say("The file holds the encrypted site and its key file: keep it somewhere else, safe.")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    settings = load_settings(site=args.site, user=args.user)
    target = store_restore.check_target(site_path(settings), force=args.force)
    user = username(settings)
    secret = passphrase()
    with store_restore.unpacked(Path(args.file), target) as done:
        site = store_restore.open_checked(
            done,
            Path(args.file),
            user,
            secret,
            busy_timeout_ms=settings.busy_timeout_ms,
            progress=Progress("Updating the site schema"),
        )
        try:
            peers = mark_restored(site, int(time.time() * 1000))
            name = site.name
        finally:
            site.close()
        store_restore.place(done, target)
    manifest = done.manifest
    say(
        f"Restored {name!r} to {target}: {manifest.get('people', 0):,} people, last change "
        f"{_when(manifest.get('last_change'))}, backed up {_when(manifest.get('taken_at'))}. "
        "Integrity: ok."
    )
    if peers:
        say(
            f"Its next bundle to each of its {peers} peer site(s) says it was restored, so they "
            "send again what the backup lacks: exchange bundles soon (`ahtui sync run`)."
        )
    return EXIT_OK


def _when(stamp: object) -> str:
    """A stored UTC time as the CLI shows it: '2026-12-03 15:02 UTC', or 'none'."""
    if not isinstance(stamp, str) or len(stamp) < 16:
        return "none"
    return f"{stamp[:10]} {stamp[11:16]} UTC"
