"""Writing an export to disk: the default file name (the person's reference, never their
name), and writing all of a file or nothing, readable by its owner only.

A file is written to a temporary file in the same folder, then renamed into place, so a reader
never sees half a file; an existing file is kept unless the caller says to replace it. Files
are owner-only because they hold a person's records outside the encrypted site.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import AhtuiError, BadInput, DiskFull, is_disk_full


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "person"


def default_filename(kind: str, fmt: str, person: Any, today: date, suffix: str = "") -> str:
    """e.g. myplan-x100022-2025-03-03.html: the person's reference, never their name."""
    ref = slug(person["crn"] or person["nomis_number"] or person["id"][:8])
    extra = f"-{slug(suffix)}" if suffix else ""
    return f"{kind}-{ref}{extra}-{today.isoformat()}.{fmt}"


def _exists(path: Path) -> BadInput:
    return BadInput(f"{path} already exists: choose another name, or replace it (--force).")


def write_file(path: Path, data: str | bytes, *, force: bool = False) -> Path:
    """Write all of `data` to `path` or nothing: a temporary file renamed into place.

    Refuses (BadInput) when `path` exists and `force` is false; other failures are AhtuiError
    (exit 1) with the system's reason. The temporary file never outlives a failure.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise BadInput(f"{path} is a folder: give a file name to write to.")
    if path.exists() and not force:
        raise _exists(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file readable by its owner only.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        elif not _place_new(tmp, path):
            raise _exists(path)
        tmp = None
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFull.at(path, len(raw)) from None
        raise AhtuiError(f"Could not write {path}: {exc.strerror or exc}.") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def _place_new(tmp: str, path: Path) -> bool:
    """Move `tmp` to `path` unless something is there already; False if it was."""
    # A hard link never replaces an existing file, even one made a moment ago by someone else.
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError:
        # Some file systems have no hard links: check, then rename.
        if path.exists():
            return False
        os.replace(tmp, path)
        return True
    os.unlink(tmp)
    return True
