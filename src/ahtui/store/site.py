"""Opening and creating a site: one SQLCipher 4 file, unlocked by a user's passphrase.

`open_site` checks, in this order and before writing anything to the site file: the file
exists, its keyring is there and readable, the user's passphrase unwraps the data key, the key
decrypts the file, the file is an ahtui site, and its schema is not newer than this program.
Each failure is a `SiteOpenError` with one plain line and exit code 2. Then pending migrations
are applied. Only the key file may change on the way: a rekey stopped part-way is finished or
undone (store/rekey.py), and an entry from before key pairs gains one (store/keyring.py).

A `Site` is an open connection plus the signed-in user. Writes go through `Site.write()`,
an IMMEDIATE transaction, so concurrent processes queue on the busy timeout instead of
failing half-way through a read-then-write. Its reads and writes meet SQLite's refusals as
ours: a busy file (`SiteBusy`), a file given a new key by another program since it was
unlocked (`SiteKeyChanged`: unlock again).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlcipher3 import dbapi2 as sqlcipher

from ..domain.enums import Agency
from ..domain.terminal_text import control_characters
from ..errors import (
    AhtuiError,
    BadInput,
    DiskFull,
    NotASite,
    SiteBusy,
    SiteMissing,
    SiteOpenError,
    WrongPassphrase,
    is_disk_full,
)
from . import hlc, migrations, summaries
from . import keyring as keys
from .credentials import validate_passphrase, validate_username

SITE_FORMAT = "ahtui-site"
DEFAULT_BUSY_TIMEOUT_MS = 10_000
AGENCIES = tuple(a.value for a in Agency)
"""The kinds of organisation a site belongs to (`domain.enums.Agency`), the hub among them."""

Row = sqlcipher.Row
DatabaseError = sqlcipher.DatabaseError
OperationalError = sqlcipher.OperationalError
IntegrityError = sqlcipher.IntegrityError

# sqlcipher3 looks for an adapter for every None it binds and takes about 1.5 µs to find
# none; records are mostly empty optional fields, so an import of 100,000 rows spent seconds
# there. Naming None's adapter (itself) makes that lookup a single dict hit.
sqlcipher.register_adapter(type(None), lambda value: value)


# The last id's millisecond and counter: ids made in the same millisecond count up from there.
_last_id = [0, 0]
_id_lock = threading.Lock()


def new_id() -> str:
    """A new row id: a UUID version 7 (RFC 9562), milliseconds since 1970 then 74 random bits.

    Ids made one after another sort next to each other, so a new row lands at the end of its
    table's id index (and of the sync version table) instead of on a random page. A batch of
    writes then touches a few pages, not one per row: on an encrypted file, where every page
    written is encrypted and signed, that made writing 100,000 rows about three times faster.
    Within one millisecond the 12 bits after the version count up from a random start (the
    RFC's dedicated counter), so lists ordered by (created_at, id) keep the order records were
    made in, even for several made in the same millisecond.
    """
    rand = int.from_bytes(os.urandom(8), "big")
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_id[0]:
            ms, seq = _last_id[0], _last_id[1] + 1
            if seq > 0xFFF:
                ms, seq = ms + 1, 0
        else:
            # A random start in the lower half leaves at least 2,048 ids for this millisecond.
            seq = rand >> 53 & 0x7FF
        _last_id[0], _last_id[1] = ms, seq
    value = (ms & (1 << 48) - 1) << 80 | 0x7 << 76 | seq << 64 | 0b10 << 62 | rand & (1 << 62) - 1
    return str(uuid.UUID(int=value))


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    role: str
    practitioner_id: str | None


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _busy_message(path: Path) -> str:
    return (
        f"The site file {path} is busy: another ahtui process has held it for too long. "
        "Try again in a moment."
    )


class SiteKeyChanged(AhtuiError):
    """The site file was given a new key (a rekey, by another program) since this site was
    unlocked: the connection reads and writes nothing more, and the user must unlock again."""


KEY_CHANGED = "This site was given a new key since you unlocked it; unlock again."


class Site:
    """An unlocked site: the connection, the site's identity and the signed-in user."""

    def __init__(self, path: Path, conn: Any, user: User, data_key: bytes) -> None:
        self.path = path
        self.conn = conn
        self.user = user
        # Kept in memory only, to wrap the key for new users without asking the admin again.
        self.data_key = data_key
        # Swappable so the demo generator can make the same ids from the same seed.
        self.id_factory = new_id
        self._depth = 0
        # The app writes from worker threads too (the caseload's due cache, sync imports): one
        # thread's transaction at a time, so another thread never joins it by mistake.
        self._write_lock = threading.RLock()
        meta = dict(conn.execute("SELECT key, value FROM site_meta").fetchall())
        self.site_id: str = meta["site_id"]
        row = conn.execute(
            "SELECT name, agency FROM sites WHERE id = ?", (self.site_id,)
        ).fetchone()
        self.name: str = row["name"]
        self.agency: str = row["agency"]

    # -- reading -------------------------------------------------------------------------
    def query(self, sql: str, params: Any = ()) -> list[Any]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except DatabaseError as exc:
            raise self._plain(exc) from exc

    def tuples(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        """Like `query`, as plain tuples: cheaper than named rows when there are thousands."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        try:
            return cursor.execute(sql, params).fetchall()
        except DatabaseError as exc:
            raise self._plain(exc) from exc
        finally:
            cursor.close()

    def _plain(self, exc: Exception) -> Exception:
        """SQLite's error as ours where there is one: the file busy, or its key changed."""
        if isinstance(exc, OperationalError) and _is_busy(exc):
            return SiteBusy(_busy_message(self.path))
        if self.key_changed(exc):
            return SiteKeyChanged(KEY_CHANGED)
        return exc

    def key_changed(self, exc: BaseException) -> bool:
        """Whether `exc` is SQLCipher failing because the file is under another key now (it
        reads as "file is not a database", or as a read-only file to a writer): the key this
        site was unlocked with no longer opens it. Asked only on the way out of an error."""
        if not isinstance(exc, DatabaseError) or isinstance(exc, IntegrityError):
            return False
        try:
            return not opens_with(self.path, self.data_key, busy_timeout_ms=1000)
        except AhtuiError:  # busy, or gone: not a question of keys
            return False

    def one(self, sql: str, params: Any = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Any]:
        """An IMMEDIATE transaction; nested calls (in the same thread) join the outer one."""
        with self._write_lock:
            yield from self._write()

    def _write(self) -> Iterator[Any]:
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except DatabaseError as exc:
            raise self._plain(exc) from exc
        self._depth = 1
        wal = _size(self.path.with_name(self.path.name + "-wal"))
        try:
            yield self.conn
            # On a site that keeps the supervisors' summaries, those of whatever this
            # transaction changed commit with it; so does the clock's trusted time.
            summaries.refresh(self.conn)
            hlc.settle(self.conn)
            self.conn.execute("COMMIT")
        except BaseException as exc:
            changed = isinstance(exc, DatabaseError) and self.key_changed(exc)
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except DatabaseError:
                    # Under a new key nothing of this transaction could reach the file anyway.
                    if not changed:
                        raise
            if changed:
                raise SiteKeyChanged(KEY_CHANGED) from exc
            if not isinstance(exc, AhtuiError) and is_disk_full(exc):
                # The log had grown this much when the space ran out: it wants more than that.
                grown = _size(self.path.with_name(self.path.name + "-wal")) - wal
                raise DiskFull.at(self.path, max(2 * grown, 1_000_000)) from exc
            raise
        finally:
            self._depth = 0

    def reconnect(self, data_key: bytes) -> None:
        """Open the file again under `data_key`, in place of this connection (after a rekey)."""
        busy_ms = int(self.conn.execute("PRAGMA busy_timeout").fetchone()[0])
        self.close()
        self.conn = _connect(self.path, data_key, create=False, busy_timeout_ms=busy_ms)
        _check_decrypts(self.conn, self.path)
        _tune(self.conn)
        self.data_key = data_key

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _connect(path: Path, data_key: bytes, *, create: bool, busy_timeout_ms: int) -> Any:
    mode = "rwc" if create else "rw"
    uri = f"file:{quote(str(path.resolve()))}?mode={mode}"
    try:
        conn = sqlcipher.connect(
            uri,
            uri=True,
            isolation_level=None,
            timeout=busy_timeout_ms / 1000,
            check_same_thread=False,
        )
    except OperationalError as exc:
        raise SiteOpenError(f"Cannot open {path}: {exc}.") from exc
    conn.row_factory = sqlcipher.Row
    # SQLCipher would otherwise print its own errors to stderr; ours are the plain ones.
    conn.execute("PRAGMA cipher_log_level = NONE")
    # A raw 256-bit key: SQLCipher skips its own passphrase stretching (ours is scrypt).
    conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
    # Temporary tables and sort spills stay in memory, never in plaintext temp files.
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    # The clock and capture switch the sync capture triggers call (store/hlc.py).
    hlc.register(conn)
    return conn


def _tune(conn: Any) -> None:
    # Every page read from disk is decrypted and authenticated; a larger page cache (64 MiB,
    # allocated only as used) keeps a 10,000-person caseload from being decrypted twice.
    conn.execute("PRAGMA cache_size = -65536")


def _check_decrypts(conn: Any, path: Path) -> None:
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as exc:  # OperationalError included
        if isinstance(exc, OperationalError) and _is_busy(exc):
            raise SiteBusy(_busy_message(path)) from exc
        raise NotASite(
            f"{path} could not be decrypted with its key file: the key file is older than "
            "the site's key (a copy from before `ahtui rekey`: use the current one), or the "
            "file is not an ahtui site or is damaged."
        ) from exc


def opens_with(path: Path, data_key: bytes, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> bool:
    """Whether `data_key` decrypts the site file (a fresh connection, closed again)."""
    conn = _connect(path, data_key, create=False, busy_timeout_ms=busy_timeout_ms)
    try:
        _check_decrypts(conn, path)
    except NotASite:
        return False
    finally:
        conn.close()
    return True


def open_site(
    path: str | os.PathLike[str],
    username: str,
    passphrase: str,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    migrate: bool = True,
    progress: Callable[[int, int], None] | None = None,
    audit_unlock: bool = True,
) -> Site:
    """Unlock a site file as `username`. Raises SiteOpenError subclasses (exit code 2)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise SiteMissing(
            f"There is no site file at {path}. Check --site, or create one with `ahtui init`."
        )
    if path.is_dir():
        raise NotASite(f"{path} is a folder, not an ahtui site file.")
    ring = keys.load_keyring(path)
    if ring.pending is None:
        unlocked = ring.unlock(username, passphrase)
    else:  # a rekey was stopped part-way: finish or undo it (store/rekey.py)
        unlocked = keys.settle_rekey(
            path, username, passphrase, lambda key: opens_with(path, key, busy_timeout_ms)
        )
    return _open_unlocked(
        path,
        ring.site_id,
        username,
        unlocked,
        busy_timeout_ms=busy_timeout_ms,
        migrate=migrate,
        progress=progress,
        audit_unlock=audit_unlock,
    )


def _open_unlocked(
    path: Path,
    site_id: str,
    username: str,
    unlocked: keys.Unlocked,
    *,
    busy_timeout_ms: int,
    migrate: bool = True,
    progress: Callable[[int, int], None] | None = None,
    audit_unlock: bool = True,
) -> Site:
    data_key = unlocked.data_key
    conn = _connect(path, data_key, create=False, busy_timeout_ms=busy_timeout_ms)
    try:
        _check_decrypts(conn, path)
        _tune(conn)
        _check_is_site(conn, path, site_id)
        if migrate:
            try:
                migrations.migrate(conn, progress)
            except OperationalError as exc:
                if _is_busy(exc):
                    raise SiteBusy(_busy_message(path)) from exc
                if is_disk_full(exc):
                    # A migration may rewrite whole tables: room for the file again, roughly.
                    raise DiskFull.at(path, _size(path)) from exc
                raise
        else:
            migrations.pending(conn)  # still refuse a newer schema
        user = _load_user(conn, username)
        if not unlocked.has_key_pair:
            keys.give_key_pair(path, username, unlocked)
        site = Site(path, conn, user, data_key)
        if audit_unlock:
            with site.write():
                conn.execute(
                    "INSERT INTO audit (user_id, action, table_name) VALUES (?, 'unlock', 'users')",
                    (user.id,),
                )
        return site
    except BaseException:
        conn.close()
        raise


def _check_is_site(conn: Any, path: Path, site_id: str) -> None:
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'site_meta'"
    ).fetchone()
    meta = dict(conn.execute("SELECT key, value FROM site_meta").fetchall()) if has_meta else {}
    if meta.get("format") != SITE_FORMAT:
        raise NotASite(f"{path} is an encrypted database but not an ahtui site.")
    if meta.get("site_id") != site_id:
        raise NotASite(
            f"The key file beside {path} belongs to a different site. "
            "Restore the site file and its .keys file from the same backup."
        )


def _load_user(conn: Any, username: str) -> User:
    row = conn.execute(
        "SELECT id, username, display_name, role, practitioner_id FROM users "
        "WHERE username = ? AND deleted_at IS NULL",
        (username,),
    ).fetchone()
    if row is None:
        raise WrongPassphrase(
            "Wrong user name or passphrase for this site. Check both and try again."
        )
    return User(
        row["id"], row["username"], row["display_name"], row["role"], row["practitioner_id"]
    )


def init_site(
    path: str | os.PathLike[str],
    *,
    name: str,
    agency: str,
    admin: str,
    passphrase: str,
    admin_display_name: str | None = None,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
) -> Site:
    """Create a new site file and its keyring, with one admin user; return it unlocked."""
    path = Path(path).expanduser()
    ring_path = keys.keyring_path(path)
    if path.exists() or ring_path.exists():
        raise BadInput(f"{path} already exists. Choose another path or open the existing site.")
    if agency not in AGENCIES:
        *most, last = AGENCIES
        raise BadInput(f"Unknown agency {agency!r}: use {', '.join(most)} or {last}.")
    if not name.strip():
        raise BadInput("The site needs a name.")
    if control_characters(name.strip()):
        # The name travels on the site's card and is shown to every site that trusts it.
        raise BadInput(
            "The site's name holds a line break, tab or terminal control character; "
            "type it again without."
        )
    validate_username(admin)
    validate_passphrase(passphrase)
    path.parent.mkdir(parents=True, exist_ok=True)
    site_id = new_id()
    data_key = secrets.token_bytes(keys.KEY_BYTES)
    # Stretching the passphrase (scrypt, which lets go of the GIL: 0.15 s) and making the
    # schema (0.05 s) are done side by side.
    stretching = ThreadPoolExecutor(1, thread_name_prefix="ahtui-stretch")
    wrapped = stretching.submit(
        keys.new_keyring(site_id).wrap_unlocked, admin, passphrase, data_key
    )
    created: list[Path] = []
    try:
        # Create the file owner-only before SQLite opens it.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        created.append(path)
        conn = _connect(path, data_key, create=True, busy_timeout_ms=busy_timeout_ms)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            migrations.migrate(conn)
            admin_id = new_id()
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO site_meta (key, value) VALUES (?, ?)",
                [("format", SITE_FORMAT), ("site_id", site_id), ("created_at", utc_now())],
            )
            conn.execute(
                "INSERT INTO sites (id, name, agency, is_local, updated_by) VALUES (?, ?, ?, 1, ?)",
                (site_id, name.strip(), agency, admin_id),
            )
            conn.execute(
                "INSERT INTO users (id, username, display_name, role, updated_by) "
                "VALUES (?, ?, ?, 'admin', ?)",
                (admin_id, admin, admin_display_name or admin, admin_id),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
        ring, unlocked = wrapped.result()
        keys.save_keyring(path, ring)
        created.append(ring_path)
    except BaseException:
        for p in created + [path.with_name(path.name + s) for s in ("-wal", "-shm")]:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        raise
    finally:
        # Its thread gone before going on: a bulk write forks only a process of one thread.
        stretching.shutdown(wait=True, cancel_futures=True)
    # Opened with the key just wrapped: stretching the passphrase again would only repeat it.
    return _open_unlocked(path, site_id, admin, unlocked, busy_timeout_ms=busy_timeout_ms)
