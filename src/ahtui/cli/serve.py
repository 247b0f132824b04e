"""`ahtui serve` (the supervisors' read-only web view of one or more sites) and
`ahtui supervisor add|remove|list` (their logins); the work is done by ahtui.serve."""

from __future__ import annotations

import argparse
from typing import Any

from .. import serve
from ..config import load_settings
from ..errors import EXIT_OK
from .common import new_passphrase, passphrase, say, username


def register(sub: Any) -> None:
    """Add `serve` and `supervisor` to the CLI's subcommands."""
    p = sub.add_parser(
        "serve",
        help="start the supervisors' read-only web view (Datasette) of one or more sites",
        description="Unlock each site (as --user, with AHTUI_PASSPHRASE, a prompt or "
        "--passphrase-file) and serve read-only queries to supervisors who sign in.",
    )
    p.add_argument(
        "--site",
        metavar="PATH",
        action="append",
        default=argparse.SUPPRESS,
        help="a site file to serve; repeat for several (else AHTUI_SITE, else config)",
    )
    p.add_argument(
        "--user",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the user that unlocks every site (else AHTUI_USER)",
    )
    p.add_argument(
        "--host",
        default=serve.DEFAULT_HOST,
        help=f"address to listen on (default {serve.DEFAULT_HOST}: this machine only)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=serve.DEFAULT_PORT,
        help=f"port (default {serve.DEFAULT_PORT}; 0: any free)",
    )
    p.add_argument(
        "--auth",
        metavar="FILE",
        help="the supervisors' logins (default supervisors.toml in the config folder)",
    )
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the passphrase from this owner-only file instead of AHTUI_PASSPHRASE",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("supervisor", help="manage the supervisors' logins for `ahtui serve`")
    ssub = p.add_subparsers(dest="supervisor_command", metavar="ACTION", required=True)
    for action, text in (
        ("add", "add a supervisor or change their password (AHTUI_NEW_PASSPHRASE or a prompt)"),
        ("remove", "remove a supervisor; they can no longer sign in"),
        ("list", "list the supervisors who can sign in"),
    ):
        q = ssub.add_parser(action, help=text)
        if action != "list":
            q.add_argument("name")
        q.add_argument(
            "--auth",
            metavar="FILE",
            help="the supervisors' file (default supervisors.toml in the config folder)",
        )
    p.set_defaults(func=cmd_supervisor)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings(user=args.user)
    options = serve.options_from_args(args, settings.site)
    user = username(settings)
    if args.passphrase_file:
        secret = serve.read_passphrase_file(args.passphrase_file)
    else:
        secret = passphrase()
    return serve.serve(options, user, secret, busy_timeout_ms=settings.busy_timeout_ms)


def cmd_supervisor(args: argparse.Namespace) -> int:
    path = serve.auth_path(args.auth)
    if args.supervisor_command == "add":
        password = new_passphrase("AHTUI_NEW_PASSPHRASE", args.name)
        is_new = serve.add_supervisor(path, args.name, password)
        done = "Added" if is_new else "Changed the password of"
        say(f"{done} supervisor {args.name} in {path}.")
    elif args.supervisor_command == "remove":
        serve.remove_supervisor(path, args.name)
        say(f"Removed supervisor {args.name} from {path}; they can no longer sign in.")
    else:
        names = sorted(serve.load_supervisors(path))
        if not names:
            say(f"No supervisors in {path}.")
        for name in names:
            say(name)
    return EXIT_OK
