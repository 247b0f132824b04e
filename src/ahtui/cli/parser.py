"""The `ahtui` parser, built from each command group's `register`, and `main`, which runs the
chosen command and turns errors into exit codes: 0 ok, 1 failure, 2 bad input."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .. import __version__
from ..errors import EXIT_FAILURE, EXIT_OK, AhtuiError
from . import demo, export, keys, people, serve, site, sync, users
from .common import add_common_options, warn

# In the order `ahtui --help` lists them.
COMMAND_GROUPS = (site, users, demo, people, serve, keys, sync, export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ahtui",
        description="Joined-up planning for care-experienced people in custody and on release. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"ahtui {__version__}")
    add_common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for bad usage, 0 for --help
        return int(exc.code or 0)
    func = getattr(args, "func", site.cmd_app)
    try:
        return int(func(args))
    except AhtuiError as exc:
        warn(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        warn("Stopped.")
        return EXIT_FAILURE
    except BrokenPipeError:
        return EXIT_OK
