"""`ahtui user add|list|remove|passwd`: the user accounts of a site."""

from __future__ import annotations

import argparse
from typing import Any

from ..domain.enums import UserRole
from ..errors import EXIT_OK
from ..store import users
from .common import add_common_options, new_passphrase, open_chosen_site, print_json, say


def register(sub: Any) -> None:
    """Add `user` and its actions to the CLI's subcommands."""
    p = sub.add_parser("user", help="manage the user accounts of a site")
    add_common_options(p)
    usub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    q = usub.add_parser(
        "add", help="add a user (new passphrase from AHTUI_NEW_PASSPHRASE or a prompt)"
    )
    add_common_options(q)
    q.add_argument("name")
    q.add_argument(
        "--role", default=UserRole.PRACTITIONER.value, choices=tuple(r.value for r in UserRole)
    )
    q.add_argument("--display-name")
    q.add_argument("--practitioner", metavar="ID", help="link the account to a practitioner record")
    q = usub.add_parser("list", help="list users")
    add_common_options(q)
    q.add_argument("--json", action="store_true")
    q = usub.add_parser("remove", help="remove a user; they can no longer unlock the site")
    add_common_options(q)
    q.add_argument("name")
    q = usub.add_parser("passwd", help="change a passphrase (yours, or another's if you are admin)")
    add_common_options(q)
    q.add_argument("name", nargs="?")
    p.set_defaults(func=cmd_user)


def cmd_user(args: argparse.Namespace) -> int:
    site = open_chosen_site(args)
    try:
        if args.user_command == "list":
            accounts = users.list_users(site)
            if args.json:
                print_json([a.__dict__ for a in accounts])
            else:
                for a in accounts:
                    flag = "" if a.can_unlock else "  (cannot unlock: no key entry)"
                    say(f"{a.username:<20} {a.role:<13} {a.display_name}{flag}")
        elif args.user_command == "add":
            passphrase = new_passphrase("AHTUI_NEW_PASSPHRASE", args.name)
            users.add_user(
                site,
                args.name,
                passphrase,
                role=args.role,
                display_name=args.display_name,
                practitioner_id=args.practitioner,
            )
            say(f"Added {args.name} ({args.role}).")
        elif args.user_command == "remove":
            users.remove_user(site, args.name)
            say(f"Removed {args.name}. They can no longer unlock this site.")
        elif args.user_command == "passwd":
            name = args.name or site.user.username
            passphrase = new_passphrase("AHTUI_NEW_PASSPHRASE", name)
            users.change_passphrase(site, name, passphrase)
            say(f"Changed the passphrase for {name}.")
    finally:
        site.close()
    return EXIT_OK
