"""`ahtui export myplan|assessment|meetings|minutes|actions`: write one person's document (or,
for actions, everyone's log with --all) to a file, through exports.documents (the same code as
the app's export screen)."""

from __future__ import annotations

import argparse

from ..errors import EXIT_OK, BadInput
from ..exports.documents import export_actions, export_document
from ..exports.kinds import NOT_ENCRYPTED, check_format, check_meeting
from .common import open_chosen_site, say, warn


def cmd_export(args: argparse.Namespace) -> int:
    # Bad combinations are refused before the passphrase is asked for.
    check_format(args.kind, args.fmt)
    check_meeting(args.kind, args.meeting)
    if args.all and args.kind != "actions":
        raise BadInput("--all is for actions only: give --person for one person's document.")
    if not args.all and not args.person:
        everyone = " (or --all for everyone's actions)" if args.kind == "actions" else ""
        raise BadInput(f"Whose? Give --person ID_OR_CRN{everyone}.")
    site = open_chosen_site(args)
    try:
        if args.all:
            done = export_actions(site, None, out=args.out, force=args.force)
        else:
            done = export_document(
                site,
                args.kind,
                args.person,
                fmt=args.fmt,
                out=args.out,
                force=args.force,
                meeting_id=args.meeting,
            )
    finally:
        site.close()
    say(done.message)
    warn(NOT_ENCRYPTED)
    return EXIT_OK
