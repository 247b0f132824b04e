"""The `ahtui` command line: open the app (the default), init, user, demo, people, check.

Every command takes --site (or AHTUI_SITE, else the config file) and --user (or AHTUI_USER),
and reads the passphrase from AHTUI_PASSPHRASE or a prompt. Exit codes: 0 ok, 1 failure,
2 bad input. Only opening the app imports Textual; everything else starts without it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__
from .config import Settings, data_dir, load_settings
from .errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, AhtuiError, BadInput

AGENCIES = ("prison", "probation", "local_authority", "ces", "hub")


# -- helpers ---------------------------------------------------------------------------------


def _say(text: str = "") -> None:
    print(text)


def _warn(text: str) -> None:
    print(text, file=sys.stderr)


def _prompt_secret(prompt: str, env: str) -> str:
    if not sys.stdin.isatty():
        raise BadInput(f"No passphrase given: set {env} or run the command in a terminal.")
    return getpass.getpass(prompt)


def _passphrase(env: str = "AHTUI_PASSPHRASE", prompt: str = "Passphrase: ") -> str:
    value = os.environ.get(env)
    if value:
        return value
    return _prompt_secret(prompt, env)


def _new_passphrase(env: str, who: str) -> str:
    value = os.environ.get(env)
    if value:
        return value
    first = _prompt_secret(f"New passphrase for {who}: ", env)
    second = _prompt_secret("Type it again: ", env)
    if first != second:
        raise BadInput("The two passphrases were different. Nothing was changed.")
    return first


def _site_path(settings: Settings) -> Path:
    if settings.site is None:
        raise BadInput(
            'No site chosen. Give --site PATH, set AHTUI_SITE, put `site = "..."` in the '
            "config file, or try `ahtui demo`."
        )
    return settings.site


def _username(settings: Settings) -> str:
    if settings.user:
        return settings.user
    if not sys.stdin.isatty():
        raise BadInput("No user given: use --user NAME or set AHTUI_USER.")
    return input("User: ").strip()


def _open(args: argparse.Namespace, *, migrate: bool = True) -> Any:
    from .progress import Progress
    from .store.site import open_site

    settings = load_settings(site=args.site, user=args.user)
    path = _site_path(settings)
    user = _username(settings)
    return open_site(
        path,
        user,
        _passphrase(),
        busy_timeout_ms=settings.busy_timeout_ms,
        migrate=migrate,
        progress=Progress("Updating the site schema"),
    )


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


# -- commands --------------------------------------------------------------------------------


def cmd_app(args: argparse.Namespace) -> int:
    settings = load_settings(site=args.site, user=args.user)
    path = _site_path(settings)
    if not path.exists():
        raise BadInput(
            f"There is no site file at {path}. Check --site, or create one with `ahtui init`."
        )
    return _run_app(path, settings)


def _run_app(
    path: Path, settings: Settings, user: str | None = None, passphrase: str | None = None
) -> int:
    from .app import AhtuiApp  # the only place the CLI pulls in Textual

    user = user or settings.user
    passphrase = passphrase or os.environ.get("AHTUI_PASSPHRASE") or None
    from .keymap import check_keymap

    overrides = check_keymap(settings.keys or {})
    app = AhtuiApp(
        path,
        username=user,
        passphrase=passphrase if user else None,
        idle_lock_seconds=settings.idle_lock_minutes * 60 if settings.idle_lock_minutes else None,
    )
    if overrides:
        # A site whose terminals swallow a key remaps it by binding id in config.toml [keys].
        app.set_keymap(overrides)
    app.run()
    return EXIT_OK if app.return_code in (None, 0) else int(app.return_code)


def cmd_init(args: argparse.Namespace) -> int:
    from .store.site import init_site

    settings = load_settings(site=args.site, user=args.admin)
    path = _site_path(settings)
    if path.exists():
        raise BadInput(f"{path} already exists. Choose another --site or open the existing site.")
    passphrase = _new_passphrase("AHTUI_PASSPHRASE", args.admin)
    site = init_site(
        path,
        name=args.name,
        agency=args.agency,
        admin=args.admin,
        passphrase=passphrase,
        admin_display_name=args.display_name,
    )
    _say(f"Created site {site.name!r} ({site.agency}) at {path}")
    _say(f"Key file: {path}.keys (back it up with the site file; neither opens without the other)")
    _say(f"Administrator: {args.admin}")
    site.close()
    return EXIT_OK


def cmd_user(args: argparse.Namespace) -> int:
    from .store import users

    site = _open(args)
    try:
        if args.user_command == "list":
            accounts = users.list_users(site)
            if args.json:
                _print_json([a.__dict__ for a in accounts])
            else:
                for a in accounts:
                    flag = "" if a.can_unlock else "  (cannot unlock: no key entry)"
                    _say(f"{a.username:<20} {a.role:<13} {a.display_name}{flag}")
        elif args.user_command == "add":
            passphrase = _new_passphrase("AHTUI_NEW_PASSPHRASE", args.name)
            users.add_user(
                site,
                args.name,
                passphrase,
                role=args.role,
                display_name=args.display_name,
                practitioner_id=args.practitioner,
            )
            _say(f"Added {args.name} ({args.role}).")
        elif args.user_command == "remove":
            users.remove_user(site, args.name)
            _say(f"Removed {args.name}. They can no longer unlock this site.")
        elif args.user_command == "passwd":
            name = args.name or site.user.username
            passphrase = _new_passphrase("AHTUI_NEW_PASSPHRASE", name)
            users.change_passphrase(site, name, passphrase)
            _say(f"Changed the passphrase for {name}.")
    finally:
        site.close()
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DEMO_PASSPHRASE, DEMO_USER, build_demo
    from .progress import Progress
    from .store.site import init_site, open_site

    settings = load_settings(site=args.site)
    path = Path(args.site).expanduser() if args.site else data_dir() / "demo.ahtui"
    env_user, env_pass = os.environ.get("AHTUI_USER"), os.environ.get("AHTUI_PASSPHRASE")
    user, passphrase = (
        (env_user, env_pass) if env_user and env_pass else (DEMO_USER, DEMO_PASSPHRASE)
    )
    if args.fresh and path.exists():
        _remove_demo(path, user, passphrase)
    if path.exists():
        site = open_site(path, user, passphrase)
        if site.one("SELECT value FROM site_meta WHERE key = 'demo'") is None:
            site.close()
            raise BadInput(
                f"{path} is not a demo site; `ahtui demo` will not add invented people to it."
            )
        count = site.one("SELECT count(*) FROM people WHERE deleted_at IS NULL")[0]
        _say(f"Reusing the demo site at {path} ({count} people). Use --fresh to build it again.")
    else:
        site = init_site(
            path,
            name="Demo site (synthetic people)",
            agency=args.agency,
            admin=user,
            passphrase=passphrase,
            admin_display_name="Demo user",
        )
        with site.write() as conn:
            conn.execute("INSERT INTO site_meta (key, value) VALUES ('demo', '1')")
        build_demo(
            site,
            people=args.people,
            seed=args.seed,
            actions_per_person=args.actions_per_person,
            progress=Progress("Building the demo caseload"),
        )
        _say(f"Created a demo site with {args.people} synthetic people at {path}")
    site.close()
    if not (env_user and env_pass):
        _say(f"Sign in as user {DEMO_USER!r} with passphrase {DEMO_PASSPHRASE!r}.")
    if args.no_open:
        return EXIT_OK
    return _run_app(path, settings, user, passphrase)


def _remove_demo(path: Path, user: str, passphrase: str) -> None:
    from .store.keyring import keyring_path
    from .store.site import open_site

    site = open_site(path, user, passphrase, audit_unlock=False)
    is_demo = site.one("SELECT value FROM site_meta WHERE key = 'demo'") is not None
    site.close()
    if not is_demo:
        raise BadInput(f"{path} is not a demo site; --fresh only rebuilds demo sites.")
    for p in (path, keyring_path(path), *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        p.unlink(missing_ok=True)


def cmd_people(args: argparse.Namespace) -> int:
    from .store.caseload import caseload

    site = _open(args)
    try:
        rows = caseload(site, date.today())
    finally:
        site.close()
    if args.json:
        _print_json(
            [
                {
                    "id": r.person_id,
                    "name": r.name,
                    "crn": r.crn,
                    "nomis_number": r.nomis_number,
                    "pathway": r.pathway,
                    "lead": r.lead_name,
                    "lead_role": r.lead_role,
                    "next_due": r.next_due_title,
                    "next_due_on": r.next_due_on,
                    "next_due_status": r.next_due_status,
                    "overdue": r.overdue_count,
                }
                for r in rows
            ]
        )
        return EXIT_OK
    from .domain.enums import Pathway

    for r in rows:
        due = f"{r.next_due_on} {r.next_due_title}" if r.next_due_on else "nothing due"
        overdue = f"  OVERDUE {r.overdue_count}" if r.overdue_count else ""
        _say(
            f"{r.crn or r.nomis_number or '-':<8} {r.name:<24.24} {Pathway(r.pathway).label():<15} "
            f"{(r.lead_name or 'no lead'):<18.18} {due}{overdue}"
        )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .store.site_check import check_site

    site = _open(args, migrate=False)
    try:
        report = check_site(site)
    finally:
        site.close()
    for line in report.lines:
        _say(line)
    if report.problems:
        for problem in report.problems:
            _warn(f"PROBLEM: {problem}")
        return EXIT_FAILURE
    _say("OK: the site is intact.")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from . import serve

    settings = load_settings(user=args.user)
    options = serve.options_from_args(args, settings.site)
    user = _username(settings)
    if args.passphrase_file:
        passphrase = serve.read_passphrase_file(args.passphrase_file)
    else:
        passphrase = _passphrase()
    return serve.serve(options, user, passphrase, busy_timeout_ms=settings.busy_timeout_ms)


def cmd_supervisor(args: argparse.Namespace) -> int:
    from . import serve

    path = serve.auth_path(args.auth)
    if args.supervisor_command == "add":
        password = _new_passphrase("AHTUI_NEW_PASSPHRASE", args.name)
        is_new = serve.add_supervisor(path, args.name, password)
        done = "Added" if is_new else "Changed the password of"
        _say(f"{done} supervisor {args.name} in {path}.")
    elif args.supervisor_command == "remove":
        serve.remove_supervisor(path, args.name)
        _say(f"Removed supervisor {args.name} from {path}; they can no longer sign in.")
    else:
        names = sorted(serve.load_supervisors(path))
        if not names:
            _say(f"No supervisors in {path}.")
        for name in names:
            _say(name)
    return EXIT_OK


def _add_serve_parsers(sub: Any) -> None:
    from .serve import DEFAULT_HOST, DEFAULT_PORT

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
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free)"
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
    p.set_defaults(func=cmd_serve)

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
    p.set_defaults(func=cmd_supervisor)


# -- parser ----------------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
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
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create a new site file with its first administrator")
    _common(p)
    p.add_argument("--name", required=True, help="the site's name, e.g. 'HMP Northgate OMU'")
    p.add_argument("--agency", required=True, choices=AGENCIES)
    p.add_argument("--admin", required=True, metavar="USER", help="the administrator's user name")
    p.add_argument("--display-name", help="the administrator's full name")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("user", help="manage the user accounts of a site")
    _common(p)
    usub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    q = usub.add_parser(
        "add", help="add a user (new passphrase from AHTUI_NEW_PASSPHRASE or a prompt)"
    )
    _common(q)
    q.add_argument("name")
    q.add_argument("--role", default="practitioner", choices=("admin", "practitioner", "readonly"))
    q.add_argument("--display-name")
    q.add_argument("--practitioner", metavar="ID", help="link the account to a practitioner record")
    q = usub.add_parser("list", help="list users")
    _common(q)
    q.add_argument("--json", action="store_true")
    q = usub.add_parser("remove", help="remove a user; they can no longer unlock the site")
    _common(q)
    q.add_argument("name")
    q = usub.add_parser("passwd", help="change a passphrase (yours, or another's if you are admin)")
    _common(q)
    q.add_argument("name", nargs="?")
    p.set_defaults(func=cmd_user)

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
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("people", help="list people with pathway, lead and what is next due")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_people)

    p = sub.add_parser("check", help="verify the site's integrity, encryption and schema")
    _common(p)
    p.set_defaults(func=cmd_check)
    _add_serve_parsers(sub)
    from .exports.commands import register as register_exports  # light, like sync's
    from .sync.commands import register as register_sync  # light: imports nothing heavy

    register_sync(sub, _common)
    register_exports(sub, _common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for bad usage, 0 for --help
        return int(exc.code or 0)
    func = getattr(args, "func", cmd_app)
    if args.command == "demo" and args.people < 1:
        _warn("--people must be at least 1.")
        return EXIT_BAD_INPUT
    try:
        return func(args)
    except AhtuiError as exc:
        _warn(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        _warn("Stopped.")
        return EXIT_FAILURE
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
