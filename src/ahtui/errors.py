"""Errors as values: a plain message for the person at the keyboard and an exit code for scripts.

Exit codes follow the CLI contract: 0 ok, 1 failure, 2 bad input (including a site that cannot
be opened as asked: wrong passphrase, missing file, not a site, newer schema, busy file).
"""

from __future__ import annotations

import contextlib
import errno
from pathlib import Path

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class AhtuiError(Exception):
    """An error with a message fit to show a practitioner, and the CLI exit code it maps to."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class BadInput(AhtuiError):
    """The user asked for something that cannot be done as given (exit code 2)."""

    exit_code = EXIT_BAD_INPUT


class SiteOpenError(BadInput):
    """The site file could not be opened (wrong passphrase, missing, not a site, busy...)."""


class WrongPassphrase(SiteOpenError):
    pass


class SiteMissing(SiteOpenError):
    pass


class NotASite(SiteOpenError):
    pass


class KeyFileDamaged(NotASite):
    """The site's key file is there but holds something ahtui never writes (damaged or edited)."""


class SchemaTooNew(SiteOpenError):
    pass


class SiteBusy(SiteOpenError):
    pass


class NotFound(BadInput):
    """A record asked for by id or reference does not exist."""


class NotAllowed(BadInput):
    """The signed-in user's role does not allow this."""


class ValidationFailed(BadInput):
    """Input failed validation; `problems` maps a field name to a plain message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        text = "; ".join(f"{field}: {msg}" if field else msg for field, msg in problems.items())
        super().__init__(text or "the input is not valid")


class DiskFull(AhtuiError):
    """A write ran out of disk space (or SQLite's page limit): nothing was changed (exit 1)."""

    @classmethod
    def at(cls, path: object, needed_bytes: int | None = None) -> DiskFull:
        """The plain line for a full disk under `path`: which file, how much space it wants
        (roughly), and how much there is."""
        import shutil  # only here, on the rare way out

        if path is None:
            return cls("A disk is full: nothing was changed. Make room on it and try again.")
        free = None
        with contextlib.suppress(OSError):
            folder = Path(str(path)).expanduser().resolve().parent
            free = shutil.disk_usage(folder).free
        need = f" It needs about {megabytes(needed_bytes)} free there" if needed_bytes else ""
        if need and free is not None:
            need += " (nothing is)" if free < 1000 else f" ({megabytes(free)} is)"
        then = f"{need}; make room" if need else " Make room"
        return cls(f"The disk holding {path} is full: nothing was changed.{then} and try again.")


def megabytes(n: int) -> str:
    """A size in words a person can act on: '2.4 MB', '310 KB'."""
    if n < 1_000_000:
        return f"{max(1, round(n / 1000))} KB"
    return f"{n / 1_000_000:.1f} MB"


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether an error is SQLite's "database or disk is full" or the system's ENOSPC/EDQUOT,
    or was raised while cleaning up after one (SQLite may have rolled the transaction back
    itself, so undoing a step by hand then fails for another reason)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "database or disk is full" in str(exc).lower():
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
