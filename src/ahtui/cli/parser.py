"""The `ahtui` parser: every command, its options and its help in one place, and `main`,
which runs the chosen command and turns errors into exit codes: 0 ok, 1 failure, 2 bad input.

Each command's function lives in the module of its group (site.py, users.py, demo.py,
people.py, backup.py, serve.py, keys.py, sync.py, export.py) and is named here by a `Handler`, so a group's
module, with the store, sync or document code it needs, is imported only when one of its
commands runs: `ahtui --help` and the app's own start load none of them.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..domain.enums import Agency, UserRole
from ..errors import EXIT_FAILURE, EXIT_OK, AhtuiError, DiskFull, is_disk_full
from ..exports.kinds import KINDS
from ..serve import DEFAULT_HOST, DEFAULT_PORT
from .common import warn

AGENCIES = tuple(a.value for a in Agency)


@dataclass(frozen=True)
class Handler:
    """A command's function, by group module and name; calling it imports the module."""

    module: str
    name: str

    def __call__(self, args: argparse.Namespace) -> int:
        group = importlib.import_module(f"{__package__}.{self.module}")
        return int(getattr(group, self.name)(args))


OPEN_APP = Handler("site", "cmd_app")


def add_common_options(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--site and --user, on the top-level parser and on every command that opens a site."""
    # On subcommands the default is SUPPRESS, so `ahtui --site X check` keeps the X given
    # before the subcommand instead of overwriting it with None.
    default = None if top else argparse.SUPPRESS
    p.add_argument(
        "--site",
        metavar="PATH",
        default=default,
        help="the site file (else AHTUI_SITE, else config)",
    )
    p.add_argument(
        "--user", metavar="NAME", default=default, help="your user name (else AHTUI_USER)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ahtui",
        description="Joined-up planning for care-experienced people in custody and on release. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"ahtui {__version__}")
    add_common_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (  # in the order `ahtui --help` lists them
        add_init_command,
        add_users_commands,
        add_rekey_command,
        add_demo_commands,
        add_people_commands,
        add_check_command,
        add_backup_commands,
        add_serve_commands,
        add_keys_commands,
        add_sync_commands,
        add_export_commands,
        add_rules_command,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for bad usage, 0 for --help
        return int(exc.code or 0)
    func = getattr(args, "func", OPEN_APP)
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
    except Exception as exc:
        # Whatever write met a full disk without saying so itself: one plain line, not a trace.
        if not is_disk_full(exc):
            raise
        warn(DiskFull.at(getattr(exc, "filename", None)).message)
        return EXIT_FAILURE


# -- the commands, group by group -------------------------------------------------------------


def add_init_command(sub: Any) -> None:
    """Add `init` to the CLI's subcommands."""
    p = sub.add_parser("init", help="create a new site file with its first administrator")
    add_common_options(p)
    p.add_argument("--name", required=True, help="the site's name, e.g. 'HMP Northgate OMU'")
    p.add_argument("--agency", required=True, choices=AGENCIES)
    p.add_argument("--admin", required=True, metavar="USER", help="the administrator's user name")
    p.add_argument("--display-name", help="the administrator's full name")
    p.set_defaults(func=Handler("site", "cmd_init"))


def add_check_command(sub: Any) -> None:
    """Add `check` to the CLI's subcommands."""
    p = sub.add_parser(
        "check",
        help="verify the site's integrity, encryption and schema, and the figures it keeps",
        description="Verify encryption, page authentication, integrity, schema version and "
        "audit triggers, and compare the supervisors' summaries and the caseload's cached due "
        "dates with working them out again, naming the people whose figures differ.",
    )
    add_common_options(p)
    p.add_argument(
        "--repair", action="store_true", help="rebuild the summaries and due dates that differ"
    )
    p.set_defaults(func=Handler("site", "cmd_check"))


def add_backup_commands(sub: Any) -> None:
    """Add `backup` and `restore` to the CLI's subcommands."""
    p = sub.add_parser(
        "backup",
        help="write the site and its key file to one archive, while others go on working",
        description="Copy the site (still encrypted) and its key file into one archive, "
        "consistent even while practitioners write. The archive is written whole or not at "
        "all, readable by its owner only, and an existing file is kept unless --force is given.",
    )
    add_common_options(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the archive to write")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=Handler("backup", "cmd_backup"))
    p = sub.add_parser(
        "restore",
        help="unpack a backup to a site path, check it, and tell its peers it was restored",
        description="Unpack a backup archive to the site path (--site), open it with your "
        "passphrase and check its integrity before it takes that path. An existing site there "
        "is replaced only with --force, and never while any process has it open.",
    )
    add_common_options(p)
    p.add_argument("file", metavar="FILE", help="the backup archive")
    p.add_argument(
        "--force", action="store_true", help="replace the site at --site (nobody may be using it)"
    )
    p.set_defaults(func=Handler("backup", "cmd_restore"))


def add_users_commands(sub: Any) -> None:
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
    q.add_argument(
        "--rekey",
        action="store_true",
        help="also give the site a new key, so old copies of the key file stop opening it",
    )
    q.add_argument(
        "--force",
        action="store_true",
        help="with --rekey: leave users who cannot take the new key yet without access",
    )
    q = usub.add_parser("passwd", help="change a passphrase (yours, or another's if you are admin)")
    add_common_options(q)
    q.add_argument("name", nargs="?")
    p.set_defaults(func=Handler("users", "cmd_user"))


def add_rekey_command(sub: Any) -> None:
    """Add `rekey` to the CLI's subcommands."""
    p = sub.add_parser(
        "rekey",
        help="give the site a new key (admins): re-encrypt the file for its current users, so "
        "old copies of the key file stop opening it",
    )
    add_common_options(p)
    p.add_argument(
        "--force",
        action="store_true",
        help="leave users who cannot take the new key yet without access",
    )
    p.set_defaults(func=Handler("users", "cmd_rekey"))


def add_demo_commands(sub: Any) -> None:
    """Add `demo` to the CLI's subcommands."""
    p = sub.add_parser("demo", help="create or reuse a demo site of synthetic people and open it")
    p.add_argument(
        "--site",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="where the demo site lives (default: the data folder)",
    )
    p.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument(
        "--people", type=int, default=40, metavar="N", help="how many people (default 40)"
    )
    p.add_argument("--actions-per-person", type=int, default=10, metavar="N")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--agency", default="prison", choices=AGENCIES)
    p.add_argument("--fresh", action="store_true", help="throw away an existing demo site first")
    p.add_argument("--no-open", action="store_true", help="build it but do not open the app")
    p.set_defaults(func=Handler("demo", "cmd_demo"))


def add_people_commands(sub: Any) -> None:
    """Add `people` to the CLI's subcommands."""
    p = sub.add_parser("people", help="list people with pathway, lead and what is next due")
    add_common_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=Handler("people", "cmd_people"))


def add_sign_in_options(p: Any) -> None:
    """`ahtui serve`'s options for signing in: addresses, HTTPS, sessions, the limit."""
    p.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        help="another name supervisors reach the server by (the proxy's public name); repeat",
    )
    p.add_argument(
        "--behind-https",
        action="store_true",
        help="served through an HTTPS proxy on this machine: Secure cookies, HSTS, and the "
        "client's address from X-Forwarded-For",
    )
    p.add_argument(
        "--session-hours",
        type=float,
        default=8,
        help="how long a sign-in lasts (default 8)",
    )
    p.add_argument(
        "--login-attempts",
        type=int,
        default=10,
        help="failed sign-ins allowed per name (5 times as many per address) before a lockout "
        "(default 10)",
    )
    p.add_argument(
        "--lockout-minutes",
        type=float,
        default=15,
        help="how long a lockout lasts, and the period failures are counted over (default 15)",
    )


def add_serve_commands(sub: Any) -> None:
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
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0: any free)",
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
    add_sign_in_options(p)
    p.set_defaults(func=Handler("serve", "cmd_serve"))

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
    p.set_defaults(func=Handler("serve", "cmd_supervisor"))


def add_keys_commands(sub: Any) -> None:
    """Add `keys` and its actions to the CLI's subcommands."""
    p = sub.add_parser("keys", help="this site's keys and the sites it trusts")
    add_common_options(p)
    ks = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    q = ks.add_parser("card", help="write this site's public card to give to another site")
    add_common_options(q)
    q.add_argument("--out", required=True, metavar="FILE")
    q = ks.add_parser("trust", help="trust a site from its card, after comparing fingerprints")
    add_common_options(q)
    q.add_argument("file")
    q.add_argument("--yes", action="store_true", help="skip the fingerprint question (scripts)")
    q = ks.add_parser("list", help="list trusted and revoked sites")
    add_common_options(q)
    q.add_argument("--json", action="store_true")
    q = ks.add_parser("revoke", help="stop trusting a site")
    add_common_options(q)
    q.add_argument("peer", metavar="SITE")
    q = ks.add_parser("rotate", help="new keys for this site, signed by the old ones")
    add_common_options(q)
    q.add_argument("--out", metavar="FILE", help="also write the new card here")
    p.set_defaults(func=Handler("keys", "cmd_keys"))


def add_sync_commands(sub: Any) -> None:
    """Add `sync` and its actions to the CLI's subcommands."""
    p = sub.add_parser("sync", help="exchange change bundles with trusted sites")
    add_common_options(p)
    ss = p.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    q = ss.add_parser("status", help="per site: last sent, last received, pending, conflicts")
    add_common_options(q)
    q.add_argument("--json", action="store_true")
    q = ss.add_parser("export", help="write a bundle of what one site lacks")
    add_common_options(q)
    q.add_argument("--to", required=True, metavar="SITE")
    q.add_argument("--out", default=".", metavar="DIR")
    q = ss.add_parser("import", help="verify and apply bundles")
    add_common_options(q)
    q.add_argument("files", nargs="+", metavar="FILE")
    q = ss.add_parser("run", help="import every new bundle in the inbox, export one per site")
    add_common_options(q)
    q.add_argument("--inbox", required=True, metavar="DIR")
    q.add_argument("--outbox", required=True, metavar="DIR")
    p.set_defaults(func=Handler("sync", "cmd_sync"))


def add_export_commands(sub: Any) -> None:
    """Add `export` to the CLI's subcommands."""
    p = sub.add_parser(
        "export",
        help="write My Plan, the assessment, meetings (.ics), minutes or actions (CSV) to a file",
        description="Write a person's My Plan (md, html), Combined Assessment grouped for OASys "
        "and for the Pathway Plan (md, html), meetings as a calendar (ics), the minutes of "
        "held meetings with their actions (md), or the Team Actions Log as CSV, for one person "
        "or (actions --all) everyone. The file is written whole or not at all, readable by its "
        "owner only, named by the person's CRN (never their name), and an existing file is "
        "kept unless --force is given.",
    )
    add_common_options(p)
    p.add_argument("kind", choices=tuple(KINDS), help="what to write")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--person", metavar="ID_OR_CRN", help="the person: id, CRN or NOMIS number")
    who.add_argument("--all", action="store_true", help="everyone's actions (actions only)")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("md", "html", "ics", "csv"),
        help="md or html for myplan and assessment; ics for meetings; md for minutes; csv for "
        "actions (default: the first of these)",
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
    p.set_defaults(func=Handler("export", "cmd_export"))


def add_rules_command(sub: Any) -> None:
    """Add `rules` (the rules as a calculator, on facts given as JSON) to the subcommands."""
    p = sub.add_parser(
        "rules",
        help="work out responsibility, the handover and what is due from facts in a JSON file",
        description="Run the pathway rules on one person's facts, given as JSON (the facts "
        "model; --schema prints its JSON Schema), for a day. Opens no site.",
    )
    p.add_argument("--facts", metavar="FILE.json", help="the person's facts as JSON")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="the day to work out (default: today)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a readable list")
    p.add_argument("--schema", action="store_true", help="print the facts model's JSON Schema")
    p.set_defaults(func=Handler("rules", "cmd_rules"))
