"""`ahtui backup`: one archive holding a consistent copy of the site file, still encrypted
under its data key, and the key file beside it, taken while other ahtui processes write.

The copy is made with SQLite's online backup API over the SQLCipher connection, in one step:
the step reads the whole file inside one read transaction, so in WAL mode the writers go on
committing and the copy is the site exactly as it was when the step began (every commit made
before it, none after). The destination connection is keyed with the same raw data key, so
pages are decrypted and encrypted again under that key, never written in clear.

Why not `VACUUM INTO`, which gives the same snapshot? Measured on the 10,000-person demo site
(403 MB, this machine, one process): the backup API took 3.2 s, `VACUUM INTO` 4.2 s for a copy
6 % smaller. `VACUUM INTO` rebuilds every table and index rather than copying pages, so it
holds its read snapshot a third longer (the writers' WAL cannot be checkpointed past it
meanwhile), its copy is no longer in WAL mode, and its pages are not the ones the site's own
integrity checks ran over. The backup API copies what is there, faster.

The archive is an uncompressed tar (encrypted pages do not compress) of three members: a
small manifest (format, site id and name, schema version, people, last change, when taken; no
personal data), the site file and the key file, copied as bytes (ahtui never reads the key
file's insides here). It is written under a temporary name in the target's folder, owner-only,
flushed to disk, then linked into place, which never replaces a file, or, told to replace one,
renamed over it: a reader, or a backup killed at any point, never leaves a partial file under
the target's name, and an earlier backup there is kept unless replacing was asked for.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AhtuiError, BadInput, DiskFull, SiteBusy, is_disk_full
from . import keyring, migrations
from .site import OperationalError, Site, _connect, utc_now

ARCHIVE_FORMAT = "ahtui-backup"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"
SITE_MEMBER = "site.ahtui"
KEYS_MEMBER = "site.ahtui.keys"
SUFFIX = ".ahtui-backup"


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, as its manifest says and the CLI prints."""

    path: Path
    site_id: str
    site_name: str
    schema: int
    people: int
    last_change: str | None
    taken_at: str
    size: int

    def manifest(self) -> dict[str, Any]:
        return {
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "site_id": self.site_id,
            "site_name": self.site_name,
            "schema": self.schema,
            "people": self.people,
            "last_change": self.last_change,
            "taken_at": self.taken_at,
        }


def _exists(path: Path) -> BadInput:
    return BadInput(f"{path} already exists: choose another name, or replace it (--force).")


def check_target(out: Path, *, force: bool) -> Path:
    """Refuse a folder, or an existing file unless `force`, before any work is done."""
    out = Path(out).expanduser()
    if out.is_dir():
        raise BadInput(f"{out} is a folder: give a file name for the backup.")
    if out.exists() and not force:
        raise _exists(out)
    return out


def backup(site: Site, out: Path, *, force: bool = False) -> BackupInfo:
    """Write the backup archive of `site` to `out`; return what it holds."""
    out = check_target(out, force=force)
    site_bytes = _site_bytes(site.path)
    # The copy and the archive exist side by side for a moment: about twice the site.
    needed = 2 * site_bytes
    folder = out.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AhtuiError(f"Could not write {out}: {exc.strerror or exc}.") from None
    with _temporary(folder, out.name, ".site.part") as copy:
        keys = _snapshot(site, copy, out, needed)
        info = _describe(site, copy, out)
        with _temporary(folder, out.name, ".part") as tmp:
            try:
                size = _write_archive(tmp, info, copy, keys)
            except OSError as exc:
                if is_disk_full(exc):
                    raise DiskFull.at(out, needed) from None
                raise AhtuiError(f"Could not write {out}: {exc.strerror or exc}.") from None
            _place(tmp, out, force=force)
    return BackupInfo(**{**info.__dict__, "size": size})


def _site_bytes(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            total += path.with_name(path.name + suffix).stat().st_size
    return total


@contextlib.contextmanager
def _temporary(folder: Path, name: str, suffix: str) -> Iterator[Path]:
    """An empty owner-only file beside the target (mkstemp makes it 0600), gone afterwards
    unless it was moved into place."""
    try:
        fd, raw = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFull.at(folder / name) from None
        raise AhtuiError(f"Could not write in {folder}: {exc.strerror or exc}.") from None
    os.close(fd)
    tmp = Path(raw)
    try:
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _snapshot(site: Site, copy: Path, out: Path, needed: int) -> bytes:
    """Copy the site into `copy` in one backup step; return the key file's bytes, read so that
    they belong with the copy (read again until the same before and after it)."""
    ring = keyring.keyring_path(site.path)
    for _ in range(5):
        before = ring.read_bytes()
        dest = _connect(copy, site.data_key, create=True, busy_timeout_ms=_busy_ms(site))
        try:
            # pages=-1: the whole file in one step, inside one read transaction.
            site.conn.backup(dest, pages=-1)
        except OperationalError as exc:
            if is_disk_full(exc):
                raise DiskFull.at(out, needed) from None
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise SiteBusy(
                    f"The site file {site.path} is busy: another ahtui process has held it "
                    "for too long. Try the backup again in a moment."
                ) from None
            raise
        finally:
            dest.close()
        after = ring.read_bytes()
        if after == before:
            return after
    raise SiteBusy(f"The key file beside {site.path} kept changing; try the backup again.")


def _busy_ms(site: Site) -> int:
    return int(site.conn.execute("PRAGMA busy_timeout").fetchone()[0])


def _describe(site: Site, copy: Path, out: Path) -> BackupInfo:
    """The manifest's figures, read from the copy itself so they describe what it holds."""
    conn = _connect(copy, site.data_key, create=False, busy_timeout_ms=_busy_ms(site))
    try:
        people = conn.execute("SELECT count(*) FROM people WHERE deleted_at IS NULL").fetchone()
        # Unlocks (the backup's own among them) are not changes.
        last = conn.execute("SELECT max(at) FROM audit WHERE action <> 'unlock'").fetchone()
        schema = migrations.current_version(conn)
    finally:
        conn.close()
    return BackupInfo(out, site.site_id, site.name, schema, int(people[0]), last[0], utc_now(), 0)


def _write_archive(tmp: Path, info: BackupInfo, copy: Path, keys: bytes) -> int:
    manifest = json.dumps(info.manifest(), indent=2, sort_keys=True).encode()
    now = time.time()
    with open(tmp, "wb") as fh:
        with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, data in ((MANIFEST, manifest), (KEYS_MEMBER, keys)):
                member = tarfile.TarInfo(name)
                member.size, member.mode, member.mtime = len(data), 0o600, now
                tar.addfile(member, io.BytesIO(data))
            member = tarfile.TarInfo(SITE_MEMBER)
            member.size, member.mode, member.mtime = copy.stat().st_size, 0o600, now
            with open(copy, "rb") as src:
                tar.addfile(member, src)
        fh.flush()
        os.fsync(fh.fileno())
        return fh.tell()


def _place(tmp: Path, out: Path, *, force: bool) -> None:
    """Move the finished archive to `out`: over an existing file only when `force`."""
    try:
        if force:
            os.replace(tmp, out)
        else:
            try:
                # A hard link never replaces a file, even one made a moment ago elsewhere.
                os.link(tmp, out)
            except FileExistsError:
                raise _exists(out) from None
            except OSError:
                # Some file systems have no hard links: check, then rename.
                if out.exists():
                    raise _exists(out) from None
                os.replace(tmp, out)
        _sync_folder(out.parent)
    except OSError as exc:
        raise AhtuiError(f"Could not write {out}: {exc.strerror or exc}.") from None


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for the new name, so a power cut keeps it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
