"""What every `ahtui` command shares when it runs: saying things, asking for passphrases, and
opening the chosen site.

A site is the --site given (else AHTUI_SITE, else the config file), the user --user (else
AHTUI_USER, else asked), and the passphrase AHTUI_PASSPHRASE (else asked).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..config import Settings, load_settings
from ..domain.terminal_text import for_terminal
from ..errors import BadInput
from ..progress import Progress
from ..store.site import Site, open_site


def say(text: str = "") -> None:
    """One message on stdout; no control character in it reaches the terminal (its own line
    breaks stay). Stored values put in a message are passed through `one_line` first."""
    print(for_terminal(text, lines=True), flush=True)


def warn(text: str) -> None:
    print(for_terminal(text, lines=True), file=sys.stderr, flush=True)


def one_line(value: object) -> str:
    """A stored value for a line of output: control characters and line breaks made visible."""
    return for_terminal(value)


def print_json(data: Any) -> None:
    # JSON escapes every control character itself (\u001b); ensure_ascii does the bidi marks.
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=True)
    sys.stdout.write("\n")


def _prompt_secret(prompt: str, env: str) -> str:
    if not sys.stdin.isatty():
        raise BadInput(f"No passphrase given: set {env} or run the command in a terminal.")
    return getpass.getpass(prompt)


def passphrase(env: str = "AHTUI_PASSPHRASE", prompt: str = "Passphrase: ") -> str:
    """The passphrase from `env`, else asked for at the terminal."""
    value = os.environ.get(env)
    if value:
        return value
    return _prompt_secret(prompt, env)


def new_passphrase(env: str, who: str) -> str:
    """A new passphrase for `who` from `env`, else typed twice at the terminal."""
    value = os.environ.get(env)
    if value:
        return value
    first = _prompt_secret(f"New passphrase for {who}: ", env)
    second = _prompt_secret("Type it again: ", env)
    if first != second:
        raise BadInput("The two passphrases were different. Nothing was changed.")
    return first


def site_path(settings: Settings) -> Path:
    """The chosen site file; BadInput saying how to choose one when none is."""
    if settings.site is None:
        raise BadInput(
            'No site chosen. Give --site PATH, set AHTUI_SITE, put `site = "..."` in the '
            "config file, or try `ahtui demo`."
        )
    return settings.site


def username(settings: Settings) -> str:
    """The chosen user, else asked for at the terminal."""
    if settings.user:
        return settings.user
    if not sys.stdin.isatty():
        raise BadInput("No user given: use --user NAME or set AHTUI_USER.")
    return input("User: ").strip()


def open_chosen_site(args: argparse.Namespace, *, migrate: bool = True) -> Site:
    """Unlock the site the arguments (or environment, or config) choose, as the chosen user."""
    settings = load_settings(site=args.site, user=args.user)
    path = site_path(settings)
    user = username(settings)
    return open_site(
        path,
        user,
        passphrase(),
        busy_timeout_ms=settings.busy_timeout_ms,
        migrate=migrate,
        progress=Progress("Updating the site schema"),
    )
