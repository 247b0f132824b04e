"""`ahtui serve` (the supervisors' read-only web view of one or more sites) and
`ahtui supervisor add|remove|list` (their logins); the work is done by ahtui.serve."""

from __future__ import annotations

import argparse

from .. import serve
from ..config import load_settings
from ..errors import EXIT_OK
from .common import new_passphrase, passphrase, say, username


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
