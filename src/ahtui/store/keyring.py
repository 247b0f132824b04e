"""The keyring beside each site file: the site's data key, wrapped once per user.

A random 32-byte data key encrypts the SQLCipher file. Each user's passphrase is stretched with
scrypt into a key-encryption key, which wraps the data key with AES-256-GCM. Adding or removing
a user rewrites only this small JSON file, never the database. The keyring lives at
`<site file>.keys`; it holds no record content, only salts, nonces and wrapped keys. Users are
listed by a salted hash of their user name so the file does not reveal who works at the site.

Unwrapping happens before the database is touched, so a wrong passphrase cannot change the site
file in any way.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import NotASite, WrongPassphrase

FORMAT = "ahtui-keyring"
VERSION = 1
KEY_BYTES = 32
# scrypt N = 2**16 costs about 0.2 s on the reference machine: slow for guessing, quick enough
# to unlock. AHTUI_KDF_LOG2N lowers it for test suites (never below 2**14, the floor).
DEFAULT_LOG2N = 16
MIN_LOG2N = 14


def keyring_path(site_path: Path) -> Path:
    return site_path.with_name(site_path.name + ".keys")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _log2n() -> int:
    raw = os.environ.get("AHTUI_KDF_LOG2N", "")
    try:
        value = int(raw) if raw else DEFAULT_LOG2N
    except ValueError:
        value = DEFAULT_LOG2N
    return max(MIN_LOG2N, min(value, 20))


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
        log2n = _log2n()
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = derive_kek(passphrase, salt, log2n)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, self._aad(username))
        entries = dict(self.entries)
        entries[self.user_tag(username)] = {
            "kdf": "scrypt",
            "log2n": log2n,
            "r": 8,
            "p": 1,
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
    return Keyring(site_id, secrets.token_bytes(16), {})


def load_keyring(site_path: Path) -> Keyring:
    path = keyring_path(site_path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotASite(
            f"{site_path} is not an ahtui site: its key file {path.name} is missing. "
            "Keep the .keys file beside the site file (restore it from the same backup)."
        ) from exc
    except OSError as exc:
        raise NotASite(f"Cannot read the key file {path}: {exc.strerror}.") from exc
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise ValueError("format")
        if int(data.get("version", 0)) > VERSION:
            raise NotASite(
                f"The key file {path.name} was written by a newer ahtui. Upgrade ahtui to open it."
            )
        return Keyring(str(data["site_id"]), _unb64(data["user_salt"]), dict(data["users"]))
    except NotASite:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise NotASite(
            f"{site_path} is not an ahtui site: its key file {path.name} is not readable."
        ) from exc


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
