"""`ahtui export myplan|assessment|meetings|minutes`: write one person's document to a file,
through exports.documents.export_document (the same code as the app's export screen)."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import EXIT_OK
from ..exports.documents import KINDS, NOT_ENCRYPTED, check_format, check_meeting, export_document
from .common import add_common_options, open_chosen_site, say, warn


def register(sub: Any) -> None:
    """Add `export` to the CLI's subcommands."""
    p = sub.add_parser(
        "export",
        help="write My Plan, the assessment, meetings (.ics) or minutes to a file",
        description="Write a person's My Plan (md, html), Combined Assessment grouped for OASys "
        "and for the Pathway Plan (md, html), meetings as a calendar (ics) or the minutes of "
        "held meetings with their actions (md). The file is written whole or not at all, and "
        "an existing file is kept unless --force is given.",
    )
    add_common_options(p)
    p.add_argument("kind", choices=tuple(KINDS), help="what to write")
    p.add_argument(
        "--person", required=True, metavar="ID_OR_CRN", help="the person: id, CRN or NOMIS number"
    )
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("md", "html", "ics"),
        help="md or html for myplan and assessment; ics for meetings; md for minutes "
        "(default: the first of these)",
    )
    p.add_argument(
        "--out",
        metavar="PATH",
        help="the file to write, or a folder for the default name (default: the current folder)",
    )
    p.add_argument(
        "--meeting", metavar="ID", help="one meeting only (meetings and minutes; default: all)"
    )
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=cmd_export)


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
