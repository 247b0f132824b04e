"""`ahtui` with no command (open the app), `ahtui init` (a new site) and `ahtui check`
(`--repair` rebuilds the kept figures that differ from working them out again).

Only opening the app imports Textual; everything else starts without it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..config import Settings, load_settings
from ..errors import EXIT_FAILURE, EXIT_OK, BadInput
from ..keymap import check_keymap
from ..store.site import init_site
from ..store.site_check import check_site
from .common import (
    new_passphrase,
    open_chosen_site,
    say,
    site_path,
    warn,
)


def cmd_app(args: argparse.Namespace) -> int:
    settings = load_settings(site=args.site, user=args.user)
    path = site_path(settings)
    if not path.exists():
        raise BadInput(
            f"There is no site file at {path}. Check --site, or create one with `ahtui init`."
        )
    return run_app(path, settings)


def run_app(
    path: Path, settings: Settings, user: str | None = None, passphrase: str | None = None
) -> int:
    """Open the app on `path`, unlocking it at once when both user and passphrase are known."""
    # Imported here, not at the top: Textual and every screen take a noticeable part of a
    # second to import, and only this command needs them (`ahtui --help` and the others start
    # without them; tests/test_headless.py checks it).
    from ..app import AhtuiApp

    user = user or settings.user
    passphrase = passphrase or os.environ.get("AHTUI_PASSPHRASE") or None
    overrides = check_keymap(settings.keys or {})
    app = AhtuiApp(
        path,
        username=user,
        passphrase=passphrase if user else None,
        idle_lock_seconds=settings.idle_lock_minutes * 60 if settings.idle_lock_minutes else None,
    )
    if overrides:
        # A site whose terminals swallow a key remaps it by binding id in config.toml [keys].
        app.set_keymap(overrides)
    app.run()
    return EXIT_OK if app.return_code in (None, 0) else int(app.return_code)


def cmd_init(args: argparse.Namespace) -> int:
    settings = load_settings(site=args.site, user=args.admin)
    path = site_path(settings)
    if path.exists():
        raise BadInput(f"{path} already exists. Choose another --site or open the existing site.")
    passphrase = new_passphrase("AHTUI_PASSPHRASE", args.admin)
    site = init_site(
        path,
        name=args.name,
        agency=args.agency,
        admin=args.admin,
        passphrase=passphrase,
        admin_display_name=args.display_name,
    )
    say(f"Created site {site.name!r} ({site.agency}) at {path}")
    say(f"Key file: {path}.keys (back it up with the site file; neither opens without the other)")
    say(f"Administrator: {args.admin}")
    site.close()
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    site = open_chosen_site(args, migrate=False)
    try:
        report = check_site(site, repair=args.repair)
    finally:
        site.close()
    for line in report.lines:
        say(line)
    if report.problems:
        for problem in report.problems:
            warn(f"PROBLEM: {problem}")
        return EXIT_FAILURE
    say("Checked:")
    for what in (
        CHECKED + ((SUMMARIES_CHECKED,) if report.summaries_checked else ()) + (DUE_CHECKED,)
    ):
        say(f"  ok  {what}")
    say("OK: the site is intact.")
    return EXIT_OK


# What `ahtui check` verifies (store/site_check.py), in words, printed one a line once all pass.
CHECKED = (
    "encryption: the database is encrypted with SQLCipher",
    "page authentication: no page has been altered outside ahtui",
    "integrity: every table and index reads back whole",
    "schema: this program's version, every change applied",
    "journal: write-ahead logging, so readers never block a writer",
    "audit: every recorded table logs its changes",
)
SUMMARIES_CHECKED = "summaries: the supervisors' figures match working them out again"
DUE_CHECKED = "due dates: today's cached due dates match the rules"
