"""What makes a usable account name and passphrase at a site (checked before any key is made).

Creating a site checks its first admin's (store/site.py), adding a user or changing a
passphrase checks theirs (store/users.py), and so does the supervisors' file (supervisors.py).
"""

from __future__ import annotations

import re

from ..errors import BadInput

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSPHRASE = 10


def validate_username(username: str) -> None:
    if not USERNAME.match(username or ""):
        raise BadInput(
            f"{username!r} is not a usable user name: use 2 to 32 lower-case letters, digits, "
            "dots, dashes or underscores, starting with a letter."
        )


def validate_passphrase(passphrase: str) -> None:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise BadInput(
            f"That passphrase is too short: use at least {MIN_PASSPHRASE} characters "
            "(a few words are easier to remember than symbols)."
        )
