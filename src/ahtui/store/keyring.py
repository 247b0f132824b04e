"""The keyring beside each site file: the site's data key, wrapped once per user.

A random 32-byte data key encrypts the SQLCipher file. Each user's passphrase is stretched with
scrypt into a key-encryption key, which wraps the data key with AES-256-GCM. Adding or removing
a user rewrites only this small JSON file, never the database. The keyring lives at
`<site file>.keys`; it holds no record content, only salts, nonces and wrapped keys. Users are
listed by a salted hash of their user name so the file does not reveal who works at the site.

Unwrapping happens before the database is touched, so a wrong passphrase cannot change the site
file in any way.

Every field is checked on read against fixed ranges before any key stretching (`parse_keyring`):
a key file that was damaged or edited, say with an absurd scrypt cost that would take gigabytes
of memory or minutes, is refused at once in one plain line (`KeyFileDamaged`, exit code 2).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import KeyFileDamaged, NotASite, WrongPassphrase

FORMAT = "ahtui-keyring"
VERSION = 1
KEY_BYTES = 32
# scrypt N = 2**16 costs about 0.2 s on the reference machine: slow for guessing, quick enough
# to unlock. AHTUI_KDF_LOG2N lowers it for test suites (never below 2**14, the floor).
DEFAULT_LOG2N = 16
MIN_LOG2N = 14
# The ceiling `kdf_log2n()` clamps to: 2**20 takes 1 GiB of memory (128 * r * N bytes).
MAX_LOG2N = 20
SALT_BYTES = 16
NONCE_BYTES = 12
WRAPPED_BYTES = KEY_BYTES + 16  # the data key and AES-GCM's 16-byte tag
SCRYPT_R, SCRYPT_P = 8, 1
# A key file holds about 300 bytes per user; 1 MiB is thousands of users, and the cap is checked
# before the file is parsed, so a huge file cannot take the memory or time of parsing it.
MAX_KEYRING_BYTES = 1 << 20
MAX_SITE_ID_CHARS = 128
# The fields of the file and of each user's entry, exactly as `to_json` and `wrap` write them.
KEYRING_FIELDS = frozenset({"format", "version", "site_id", "user_salt", "users"})
ENTRY_FIELDS = frozenset({"kdf", "log2n", "r", "p", "salt", "nonce", "wrapped"})
_USER_TAG = re.compile(r"[0-9a-f]{64}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


def keyring_path(site_path: Path) -> Path:
    return site_path.with_name(site_path.name + ".keys")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def kdf_log2n() -> int:
    """The scrypt cost (log2 of N) for new wraps: DEFAULT_LOG2N, or AHTUI_KDF_LOG2N clamped to
    MIN_LOG2N..MAX_LOG2N. Those bounds are exactly the range a key file is allowed on read."""
    raw = os.environ.get("AHTUI_KDF_LOG2N", "")
    try:
        value = int(raw) if raw else DEFAULT_LOG2N
    except ValueError:
        value = DEFAULT_LOG2N
    return max(MIN_LOG2N, min(value, MAX_LOG2N))


def derive_kek(passphrase: str, salt: bytes, log2n: int) -> bytes:
    """Stretch a passphrase into a key-encryption key (the slow step of every unlock)."""
    return Scrypt(salt=salt, length=KEY_BYTES, n=2**log2n, r=8, p=1).derive(
        passphrase.encode("utf-8")
    )


@dataclass(frozen=True)
class Keyring:
    """The parsed keyring file."""

    site_id: str
    user_salt: bytes
    entries: dict[str, dict]

    def user_tag(self, username: str) -> str:
        return hashlib.sha256(self.user_salt + username.encode("utf-8")).hexdigest()

    def has_user(self, username: str) -> bool:
        return self.user_tag(username) in self.entries

    def unwrap(self, username: str, passphrase: str) -> bytes:
        """Return the data key, or raise WrongPassphrase (same message for an unknown user)."""
        entry = self.entries.get(self.user_tag(username))
        if entry is None:
            # Spend the same effort as a real attempt so timing does not reveal user names.
            derive_kek(passphrase, secrets.token_bytes(16), DEFAULT_LOG2N)
            raise WrongPassphrase(_WRONG)
        try:
            kek = derive_kek(passphrase, _unb64(entry["salt"]), int(entry["log2n"]))
            return AESGCM(kek).decrypt(
                _unb64(entry["nonce"]), _unb64(entry["wrapped"]), self._aad(username)
            )
        except (InvalidTag, KeyError, ValueError) as exc:
            raise WrongPassphrase(_WRONG) from exc

    def wrap(self, username: str, passphrase: str, data_key: bytes) -> Keyring:
        """A new keyring with `username` able to unlock `data_key` with `passphrase`."""
        log2n = kdf_log2n()
        salt = secrets.token_bytes(SALT_BYTES)
        nonce = secrets.token_bytes(NONCE_BYTES)
        kek = derive_kek(passphrase, salt, log2n)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, self._aad(username))
        entries = dict(self.entries)
        entries[self.user_tag(username)] = {
            "kdf": "scrypt",
            "log2n": log2n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }
        return Keyring(self.site_id, self.user_salt, entries)

    def without(self, username: str) -> Keyring:
        entries = {k: v for k, v in self.entries.items() if k != self.user_tag(username)}
        return Keyring(self.site_id, self.user_salt, entries)

    def _aad(self, username: str) -> bytes:
        # Binds each wrapped key to its site and user, so entries cannot be swapped around.
        return f"{FORMAT}:{self.site_id}:{username}".encode()

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "site_id": self.site_id,
                "user_salt": _b64(self.user_salt),
                "users": self.entries,
            },
            indent=2,
            sort_keys=True,
        )


_WRONG = "Wrong user name or passphrase for this site. Check both and try again."


def new_keyring(site_id: str) -> Keyring:
    return Keyring(site_id, secrets.token_bytes(SALT_BYTES), {})


def load_keyring(site_path: Path) -> Keyring:
    """Read and check the key file beside `site_path` (NotASite / KeyFileDamaged, exit code 2)."""
    path = keyring_path(site_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise NotASite(
            f"{site_path} is not an ahtui site: its key file {path.name} is missing. "
            "Keep the .keys file beside the site file (restore it from the same backup)."
        ) from exc
    except OSError as exc:
        raise NotASite(f"Cannot read the key file {path}: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise _damaged(site_path, "it is not a regular file")
            raw = fh.read(MAX_KEYRING_BYTES + 1)
    except OSError as exc:
        raise NotASite(f"Cannot read the key file {path}: {exc.strerror}.") from exc
    if len(raw) > MAX_KEYRING_BYTES:
        raise _damaged(site_path, f"it is larger than {MAX_KEYRING_BYTES // 1024} KiB")
    return parse_keyring(raw, site_path)


def parse_keyring(raw: bytes, site_path: Path) -> Keyring:
    """Parse a key file's bytes, every field checked against the fixed ranges above.

    Nothing is stretched or decrypted here, so a refusal is immediate. Anything outside what
    ahtui itself writes raises KeyFileDamaged, one line naming the first problem found.
    """
    try:
        data = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
        )
    except (ValueError, RecursionError) as exc:  # bad UTF-8, not JSON, nested too deep
        raise _damaged(site_path, "it is not valid JSON") from exc
    if not isinstance(data, dict):
        raise _damaged(site_path, "it is not a JSON object")
    if data.get("format") != FORMAT:
        raise _damaged(site_path, "it is not an ahtui key file")
    version = data.get("version")
    if not _is_int(version) or version < 1:
        raise _damaged(site_path, "its version is missing or not valid")
    if version > VERSION:
        raise NotASite(
            f"The key file {keyring_path(site_path).name} was written by a newer ahtui. "
            "Upgrade ahtui to open it."
        )
    _check_fields(site_path, data, KEYRING_FIELDS, "the file")
    site_id = data["site_id"]
    if (
        not isinstance(site_id, str)
        or not 1 <= len(site_id) <= MAX_SITE_ID_CHARS
        or not site_id.isprintable()
    ):
        raise _damaged(site_path, "its site id is not valid")
    user_salt = _bytes_field(site_path, data["user_salt"], SALT_BYTES, "user salt")
    users = data["users"]
    if not isinstance(users, dict):
        raise _damaged(site_path, "its users are not a JSON object")
    for tag, entry in users.items():
        if not _USER_TAG.fullmatch(tag):
            raise _damaged(site_path, "a user entry's name is not valid")
        if not isinstance(entry, dict):
            raise _damaged(site_path, "a user entry is not a JSON object")
        _check_fields(site_path, entry, ENTRY_FIELDS, "a user entry")
        if entry["kdf"] != "scrypt":
            raise _damaged(site_path, "a user entry names an unknown key stretching")
        log2n = entry["log2n"]
        # Exactly the range `kdf_log2n()` can write (MIN_LOG2N..MAX_LOG2N, 14..20): below is too
        # weak to be ours, above would take more memory and time than ahtui ever asks for.
        if not _is_int(log2n) or not MIN_LOG2N <= log2n <= MAX_LOG2N:
            raise _damaged(site_path, "a user entry's key-stretching cost is out of range")
        r, p = entry["r"], entry["p"]
        if not (_is_int(r) and _is_int(p) and r == SCRYPT_R and p == SCRYPT_P):
            raise _damaged(site_path, "a user entry's scrypt parameters are not valid")
        _bytes_field(site_path, entry["salt"], SALT_BYTES, "salt")
        _bytes_field(site_path, entry["nonce"], NONCE_BYTES, "nonce")
        _bytes_field(site_path, entry["wrapped"], WRAPPED_BYTES, "wrapped key")
    return Keyring(site_id, user_salt, dict(users))


def _damaged(site_path: Path, why: str) -> KeyFileDamaged:
    name = keyring_path(site_path).name
    return KeyFileDamaged(
        f"The key file {name} is damaged or was changed ({why}). Restore {name} from the backup "
        f"made together with {site_path.name}."
    )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a key appears twice")
    return out


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _check_fields(site_path: Path, obj: dict, expected: frozenset[str], what: str) -> None:
    if set(obj) != expected:
        why = "is missing a field" if expected - set(obj) else "has a field ahtui does not write"
        raise _damaged(site_path, f"{what} {why}")


def _bytes_field(site_path: Path, value: object, size: int, what: str) -> bytes:
    """Base64 text decoding to exactly `size` bytes."""
    if isinstance(value, str) and len(value) <= 4 * size and _BASE64.fullmatch(value):
        try:
            data = _unb64(value)
        except ValueError:
            pass
        else:
            if len(data) == size:
                return data
    raise _damaged(site_path, f"a {what} is not {size} bytes of base64")


def save_keyring(site_path: Path, keyring: Keyring) -> None:
    """Replace the keyring atomically, readable by the owner only."""
    path = keyring_path(site_path)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(keyring.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def locked_keyring(site_path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the keyring between processes (user add, passwd...)."""
    lock_path = keyring_path(site_path).with_suffix(".keys.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
