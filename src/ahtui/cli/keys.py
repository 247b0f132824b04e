"""`ahtui keys card|trust|list|revoke|rotate`: this site's keys and the sites it trusts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import EXIT_FAILURE, EXIT_OK, BadInput
from ..sync import keys
from .common import one_line, open_chosen_site, print_json, say

NO_PEERS = "No trusted sites yet: `ahtui keys card` and `ahtui keys trust`."


def cmd_keys(args: argparse.Namespace) -> int:
    site = open_chosen_site(args)
    try:
        action = args.keys_command
        if action == "card":
            data = keys.write_card(site, Path(args.out))
            say(f"Wrote the card of {one_line(site.name)} to {args.out}.")
            say(f"Fingerprint: {data['fingerprint']}")
        elif action == "trust":
            return _trust(site, Path(args.file), yes=args.yes)
        elif action == "list":
            found = keys.peers(site)
            if args.json:
                print_json(found)
            elif not found:
                say(NO_PEERS)
            else:
                for p in found:
                    name, agency = one_line(p["name"]), one_line(p["agency"])
                    say(f"{name}  {agency}  {p['status']}  {one_line(p['site_id'])}")
                    say(f"    {p['fingerprint']}")
        elif action == "revoke":
            # One line about a peer, by the peer's name: its line breaks shown, not obeyed.
            say(one_line(keys.revoke(site, args.peer)))
        elif action == "rotate":
            me = keys.rotate(site)
            say(f"New keys for {one_line(site.name)}; fingerprint {me.fingerprint}.")
            say(
                "Peers that trust the old key learn the new one from the next bundle this site "
                "sends them (the rotation travels in it, signed by the old key)."
            )
            if args.out:
                keys.write_card(site, Path(args.out))
                say(f"New card written to {args.out}; it is signed by the old key too.")
        return EXIT_OK
    finally:
        site.close()


def _trust(site: Any, path: Path, *, yes: bool) -> int:
    card = keys.read_card(path)
    # The fingerprint first, on its own line, before anything the card's sender chose: a name
    # can hold nothing that moves, hides or imitates it (control characters are shown escaped).
    say(f"Fingerprint: {card.fingerprint}")
    say(f"Site: {one_line(card.name)} ({one_line(card.agency)}), id {one_line(card.site_id)}")
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput(
                "Compare the fingerprint with the other site by phone, then run again "
                "with --yes (no terminal to ask on)."
            )
        answer = input("Does it match what the other site reads out? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            say("Not trusted.")
            return EXIT_FAILURE
    say(one_line(keys.trust(site, card)))
    return EXIT_OK
