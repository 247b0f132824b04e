"""`ahtui export myplan|assessment|meetings|minutes`: write one person's document to a file,
through exports.documents.export_document (the same code as the app's export screen)."""

from __future__ import annotations

import argparse

from ..errors import EXIT_OK
from ..exports.documents import export_document
from ..exports.kinds import NOT_ENCRYPTED, check_format, check_meeting
from .common import open_chosen_site, say, warn


def cmd_export(args: argparse.Namespace) -> int:
    # Bad combinations are refused before the passphrase is asked for.
    check_format(args.kind, args.fmt)
    check_meeting(args.kind, args.meeting)
    site = open_chosen_site(args)
    try:
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
