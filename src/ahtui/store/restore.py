"""`ahtui restore`: a backup archive (`store.backup`) unpacked to a site path, checked before
it takes that path.

The archive's members are read one by one, by name, into files in a new owner-only folder
beside the target (never `extractall`: a member's name is never used as a path), so a
damaged or foreign archive is refused with nothing placed. The caller then opens the unpacked
site with the user's passphrase and checks it; only then are the two files moved to the
target. An existing site there is replaced only when asked, and never while some process
has it open (SQLite's shared-memory lock says so), since that process would go on writing to
the file it holds and its write-ahead log would be laid over the restored one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import struct
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import AhtuiError, BadInput, DiskFull, is_disk_full
from .backup import ARCHIVE_FORMAT, ARCHIVE_VERSION, KEYS_MEMBER, MANIFEST, SITE_MEMBER
from .keyring import keyring_path
from .site import DatabaseError, Site, open_site
from .site_check import check_site

# A manifest is a few hundred bytes; a key file a few KB per user.
_MAX_SMALL = 1 << 20
# Where SQLite (unix) keeps the lock every connection to a WAL site holds on its -shm file.
_SHM_DMS_BYTE = 128


@dataclass(frozen=True)
class Unpacked:
    """A backup unpacked into `folder`: the site file (its key file beside it), the manifest."""

    folder: Path
    site: Path
    manifest: dict[str, Any]


def _not_backup(path: Path, why: str) -> BadInput:
    return BadInput(f"{path} is not an ahtui backup ({why}); nothing was restored.")


def check_target(target: Path, *, force: bool) -> Path:
    """Refuse a target that is a folder, or an existing site unless `force`, or one in use."""
    target = Path(target).expanduser()
    if target.is_dir():
        raise BadInput(f"{target} is a folder: give the path of the site file to restore to.")
    existing = [p for p in (target, keyring_path(target)) if p.exists()]
    if existing and not force:
        raise BadInput(
            f"{existing[0]} already exists: restore to a new path, or replace that site "
            "(--force) once nobody is using it."
        )
    if in_use(target):
        raise BadInput(
            f"The site at {target} is open in another ahtui process: close the app and stop "
            "scheduled jobs on it everywhere, then restore again. Nothing was restored."
        )
    return target


def in_use(site: Path) -> bool:
    """Whether any process has the site open: each one holds a shared lock on its -shm file."""
    shm = site.with_name(site.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDONLY)
    except OSError:
        return False
    try:
        probe = struct.pack("hhllhh", fcntl.F_WRLCK, os.SEEK_SET, _SHM_DMS_BYTE, 1, 0, 0)
        found = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
        return struct.unpack("hhllhh", found)[0] != fcntl.F_UNLCK
    except OSError:
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def unpacked(archive: Path, target: Path) -> Iterator[Unpacked]:
    """Unpack `archive` into a new folder beside `target`, removed afterwards (with whatever
    was not moved out of it)."""
    archive = Path(archive).expanduser()
    if not archive.is_file():
        raise BadInput(f"There is no backup file at {archive}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.restore.", dir=target.parent))
    except OSError as exc:
        raise AhtuiError(f"Could not write in {target.parent}: {exc.strerror or exc}.") from None
    try:
        yield _unpack(archive, folder, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _unpack(archive: Path, folder: Path, target: Path) -> Unpacked:
    site = folder / target.name
    wanted = {MANIFEST: None, SITE_MEMBER: site, KEYS_MEMBER: keyring_path(site)}
    manifest: dict[str, Any] | None = None
    seen: set[str] = set()
    try:
        with tarfile.open(archive, mode="r:") as tar:
            for member in tar:
                if member.name not in wanted or member.name in seen or not member.isfile():
                    raise _not_backup(archive, f"it holds {member.name!r}")
                seen.add(member.name)
                src = tar.extractfile(member)
                assert src is not None  # a regular file, checked above
                if member.name == MANIFEST:
                    manifest = _manifest(archive, src, member.size)
                elif member.name == KEYS_MEMBER and member.size > _MAX_SMALL:
                    raise _not_backup(archive, "its key file is too large")
                else:
                    _copy_out(src, wanted[member.name], target, member.size)
    except (tarfile.TarError, EOFError) as exc:
        raise _not_backup(archive, f"it is damaged or cut short: {exc}") from None
    if manifest is None or seen != set(wanted):
        raise _not_backup(archive, "the site file, its key file or its description is missing")
    return Unpacked(folder, site, manifest)


def _manifest(archive: Path, src: IO[bytes], size: int) -> dict[str, Any]:
    if size > _MAX_SMALL:
        raise _not_backup(archive, "its description is too large")
    try:
        found = json.loads(src.read())
    except ValueError:
        raise _not_backup(archive, "its description cannot be read") from None
    if not isinstance(found, dict) or found.get("format") != ARCHIVE_FORMAT:
        raise _not_backup(archive, "its description is not ahtui's")
    if not isinstance(found.get("version"), int) or found["version"] > ARCHIVE_VERSION:
        raise BadInput(
            f"{archive} was made by a newer ahtui (backup format {found.get('version')}); "
            "upgrade ahtui to restore it."
        )
    return found


def _copy_out(src: IO[bytes], dest: Path | None, target: Path, size: int) -> None:
    assert dest is not None
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFull.at(target, size) from None
        raise AhtuiError(f"Could not write {target}: {exc.strerror or exc}.") from None


def open_checked(
    done: Unpacked,
    archive: Path,
    username: str,
    passphrase: str,
    *,
    busy_timeout_ms: int,
    progress: Callable[[int, int], None] | None = None,
) -> Site:
    """The unpacked site, opened with the user's passphrase (migrated if it is older) and
    passing `ahtui check`; a damaged one is refused in one line, with nothing placed."""
    try:
        site = open_site(
            done.site, username, passphrase, busy_timeout_ms=busy_timeout_ms, progress=progress
        )
    except DatabaseError as exc:
        raise _damaged(archive, str(exc)) from None
    try:
        site.conn.execute("PRAGMA journal_mode = WAL")
        report = check_site(site)
    except DatabaseError as exc:
        site.close()
        raise _damaged(archive, str(exc)) from None
    except BaseException:
        site.close()
        raise
    if report.problems:
        site.close()
        raise _damaged(archive, report.problems[0])
    return site


def _damaged(archive: Path, why: str) -> AhtuiError:
    return AhtuiError(
        f"The backup {archive} is damaged ({why.rstrip('.')}); nothing was restored. "
        "Try an earlier backup."
    )


def place(done: Unpacked, target: Path) -> None:
    """Move the checked site and its key file to `target`, over what was there, and remove
    the old site's write-ahead log and shared memory, which belong to the file replaced."""
    if in_use(target):
        raise BadInput(
            f"The site at {target} was opened by another ahtui process during the restore: "
            "close it everywhere, then restore again. Nothing was restored."
        )
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            target.with_name(target.name + suffix).unlink()
    # The key file first: a site file never sits beside a key file that cannot open it
    # for longer than one rename (and `open_site` says which to restore if it does).
    os.replace(keyring_path(done.site), keyring_path(target))
    os.replace(done.site, target)
    with contextlib.suppress(OSError):
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
