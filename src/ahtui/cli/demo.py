"""`ahtui demo`: create (or reuse, or rebuild with --fresh) a site of invented people, then
open the app on it.

Only a site marked as a demo site (store/demo_site.py) is reused or deleted, so a real site
given by mistake is never filled with invented people or thrown away.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..config import data_dir, load_settings
from ..demo import DEMO_PASSPHRASE, DEMO_USER
from ..demo_bulk import build_demo_bulk
from ..errors import EXIT_OK, BadInput
from ..progress import Progress
from ..store.bulk import filling_new_file
from ..store.demo_site import is_demo_site, mark_demo_site, people_count
from ..store.keyring import keyring_path
from ..store.site import init_site, open_site
from .common import say
from .site import run_app


def cmd_demo(args: argparse.Namespace) -> int:
    if args.people < 1:
        raise BadInput("--people must be at least 1.")
    settings = load_settings(site=args.site)
    path = Path(args.site).expanduser() if args.site else data_dir() / "demo.ahtui"
    env_user, env_pass = os.environ.get("AHTUI_USER"), os.environ.get("AHTUI_PASSPHRASE")
    user, passphrase = (
        (env_user, env_pass) if env_user and env_pass else (DEMO_USER, DEMO_PASSPHRASE)
    )
    if args.fresh and path.exists():
        _remove_demo(path, user, passphrase)
    if path.exists():
        site = open_site(path, user, passphrase)
        if not is_demo_site(site):
            site.close()
            raise BadInput(
                f"{path} is not a demo site; `ahtui demo` will not add invented people to it."
            )
        count = people_count(site)
        say(f"Reusing the demo site at {path} ({count} people). Use --fresh to build it again.")
    else:
        site = init_site(
            path,
            name="Demo site (synthetic people)",
            agency=args.agency,
            admin=user,
            passphrase=passphrase,
            admin_display_name="Demo user",
        )
        mark_demo_site(site)
        with filling_new_file(site):
            build_demo_bulk(
                site,
                people=args.people,
                seed=args.seed,
                actions_per_person=args.actions_per_person,
                progress=Progress("Building the demo caseload"),
            )
        say(f"Created a demo site with {args.people} synthetic people at {path}")
    site.close()
    if not (env_user and env_pass):
        say(f"Sign in as user {DEMO_USER!r} with passphrase {DEMO_PASSPHRASE!r}.")
    if args.no_open:
        return EXIT_OK
    return run_app(path, settings, user, passphrase)


def _remove_demo(path: Path, user: str, passphrase: str) -> None:
    site = open_site(path, user, passphrase, audit_unlock=False)
    is_demo = is_demo_site(site)
    site.close()
    if not is_demo:
        raise BadInput(f"{path} is not a demo site; --fresh only rebuilds demo sites.")
    for p in (path, keyring_path(path), *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        p.unlink(missing_ok=True)
