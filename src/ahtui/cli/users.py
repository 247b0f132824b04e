"""`ahtui user add|list|remove|passwd`: the user accounts of a site."""

from __future__ import annotations

import argparse

from ..errors import EXIT_OK
from ..store import users
from .common import new_passphrase, open_chosen_site, print_json, say


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
