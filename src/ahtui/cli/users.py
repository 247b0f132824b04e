"""`ahtui user add|list|remove|passwd` and `ahtui rekey`: the user accounts of a site and its key."""

from __future__ import annotations

import argparse
import sys

from ..errors import EXIT_OK, AhtuiError, BadInput
from ..store import rekey, users
from ..store.site import Site
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
                    if a.can_unlock and not a.has_key_pair:
                        flag = "  (a rekey would leave them out until they unlock once)"
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
            drop: tuple[str, ...] = ()
            if args.rekey:
                users.check_removable(site, args.name)
                drop = _agree_to_drop(site, args, leaving=args.name)
            users.remove_user(site, args.name)
            say(f"Removed {args.name}. They can no longer unlock this site.")
            if args.rekey:
                try:
                    _rekey(site, drop)
                except AhtuiError as exc:
                    raise AhtuiError(
                        f"{exc.message} {args.name} is removed all the same; run `ahtui rekey` "
                        "to give the site a new key.",
                        exit_code=exc.exit_code,
                    ) from exc
        elif args.user_command == "passwd":
            name = args.name or site.user.username
            passphrase = new_passphrase("AHTUI_NEW_PASSPHRASE", name)
            users.change_passphrase(site, name, passphrase)
            say(f"Changed the passphrase for {name}.")
    finally:
        site.close()
    return EXIT_OK


def cmd_rekey(args: argparse.Namespace) -> int:
    site = open_chosen_site(args)
    try:
        if site.user.role != "admin":
            raise BadInput("Only a site administrator can give the site a new key.")
        _rekey(site, _agree_to_drop(site, args))
    finally:
        site.close()
    return EXIT_OK


def _agree_to_drop(
    site: Site, args: argparse.Namespace, *, leaving: str | None = None
) -> tuple[str, ...]:
    """The users a rekey would leave without access, once the admin has agreed (--force, or y
    at the prompt); BadInput, with nothing changed, if they do not."""
    blocked = rekey.blocked_users(site, leaving=leaving)
    if not blocked or args.force:
        return tuple(blocked)
    why = (
        f"{rekey.names(blocked)} would lose access: a new key can reach a user only once they have unlocked "
        "with this version of ahtui."
    )
    if not sys.stdin.isatty():
        raise BadInput(
            f"{why} Ask them to unlock once, or give --force to leave them without access. "
            "Nothing was changed."
        )
    say(why)
    answer = input("Give the site a new key anyway, leaving them without access? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise BadInput("Nothing was changed.")
    return tuple(blocked)


def _rekey(site: Site, drop: tuple[str, ...]) -> None:
    result = rekey.rekey_site(site, drop=drop)
    say(
        "Gave the site a new key: the site file is re-encrypted, and "
        f"{rekey.names(result.kept)} "
        f"{'unlocks' if len(result.kept) == 1 else 'unlock'} with their own passphrase as before."
    )
    say("Older copies of the key file no longer open the site file.")
    for name in result.dropped:
        say(
            f"{name} can no longer unlock. To let them back in, give them a new passphrase "
            f"with `ahtui user passwd {name}`."
        )
    if not result.log_emptied:
        say("Another program still has the site open: close it and unlock the site again.")
    say("Back up the site file and its key file together again now.")
