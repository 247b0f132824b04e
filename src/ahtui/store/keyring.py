"""The keyring beside each site file: the site's data key, once per user, under their passphrase.

A random 32-byte data key encrypts the SQLCipher file. Each user's entry holds an X25519 key
pair: the private half wrapped (AES-256-GCM) under a key stretched with scrypt from the user's
passphrase, the public half in the clear, and the data key sealed to that public key. Unlocking
stretches the passphrase, unwraps the private key and opens the seal. Sealing needs only the
public key, so an administrator can give every user a new data key (`store/rekey.py`) without
knowing anyone's passphrase. Each entry also carries a binding, a MAC under the data key over
the user and their public key, so a public key swapped in by someone without the data key is
noticed before anything is sealed to it.

Entries written before key pairs (the data key wrapped directly under the passphrase) still
unlock; each gains a key pair the next time its user unlocks (`give_key_pair`).

Adding or removing a user rewrites only this small JSON file, never the database. The keyring
lives at `<site file>.keys`; it holds no record content, only salts, nonces and keys. Users are
listed by a salted hash of their user name so the file does not reveal who works at the site,
and an unknown name costs the same key stretching as a wrong passphrase, so timing does not
either. A rekey under way keeps the new entries in the same file (`rekey`), settled at the next
unlock (`settle_rekey`; see store/rekey.py).

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
import hmac
import json
import os
import re
import secrets
import stat
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import KeyFileDamaged, NotASite, WrongPassphrase

FORMAT = "ahtui-keyring"
# Version 2 added key pairs and the pending rekey; version 1 files (every entry a direct wrap of
# the data key) are still read, and written back as version 2.
VERSION = 2
KEY_BYTES = 32
# scrypt N = 2**16 costs about 0.2 s on the reference machine: slow for guessing, quick enough
# to unlock. AHTUI_KDF_LOG2N lowers it for test suites (never below 2**14, the floor).
DEFAULT_LOG2N = 16
MIN_LOG2N = 14
# The ceiling `kdf_log2n()` clamps to: 2**20 takes 1 GiB of memory (128 * r * N bytes).
MAX_LOG2N = 20
SALT_BYTES = 16
NONCE_BYTES = 12
TAG_BYTES = 16  # AES-GCM's tag
# What `wrapped` holds: the data key (an entry from before key pairs) or the X25519 private key,
# both 32 bytes, plus the tag.
WRAPPED_BYTES = KEY_BYTES + TAG_BYTES
PUBLIC_BYTES = 32
# A seal: the sender's one-time X25519 public key, a nonce, and the data key with its tag.
SEALED_BYTES = PUBLIC_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES
BINDING_BYTES = 32  # HMAC-SHA256
SCRYPT_R, SCRYPT_P = 8, 1
# A key file holds about 500 bytes per user (twice that while a rekey is under way); 1 MiB is
# a thousand users, and the cap is checked before the file is parsed, so a huge file cannot
# take the memory or time of parsing it.
MAX_KEYRING_BYTES = 1 << 20
MAX_SITE_ID_CHARS = 128
# The fields of the file, of each user's entry and of a pending rekey, exactly as `to_json`,
# `wrap` and `begin_rekey` write them. An entry has exactly one of the two sets.
KEYRING_FIELDS = frozenset({"format", "version", "site_id", "user_salt", "users"})
REKEY_FIELD = "rekey"
PENDING_FIELDS = frozenset({"users"})
LEGACY_ENTRY_FIELDS = frozenset({"kdf", "log2n", "r", "p", "salt", "nonce", "wrapped"})
ENTRY_FIELDS = LEGACY_ENTRY_FIELDS | {"public", "sealed", "binding"}
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
class Unlocked:
    """What a passphrase opened: the data key, and the stretched key with the entry it opened
    (kept to give an entry from before key pairs its key pair without stretching again)."""

    data_key: bytes
    kek: bytes
    entry: dict

    @property
    def has_key_pair(self) -> bool:
        return "public" in self.entry


class NoKeyPair(Exception):
    """The entry wraps the data key directly: a new key can reach it only with the passphrase."""


@dataclass(frozen=True)
class Keyring:
    """The parsed keyring file; `pending` holds the entries of a rekey under way, if any."""

    site_id: str
    user_salt: bytes
    entries: dict[str, dict]
    pending: dict[str, dict] | None = None

    def user_tag(self, username: str) -> str:
        return hashlib.sha256(self.user_salt + username.encode("utf-8")).hexdigest()

    def has_user(self, username: str) -> bool:
        return self.user_tag(username) in self.entries

    def has_key_pair(self, username: str) -> bool:
        return "public" in self.entries.get(self.user_tag(username), {})

    def unwrap(self, username: str, passphrase: str) -> bytes:
        """Return the data key, or raise WrongPassphrase (same message for an unknown user)."""
        return self.unlock(username, passphrase).data_key

    def unlock(self, username: str, passphrase: str) -> Unlocked:
        """Open `username`'s entry with `passphrase` (WrongPassphrase, also for an unknown
        user, after the same key stretching a real attempt takes)."""
        entry = self.entries.get(self.user_tag(username))
        if entry is None:
            # Spend what a real attempt spends, at the cost this file's entries use, so timing
            # does not reveal which user names exist.
            derive_kek(passphrase, secrets.token_bytes(SALT_BYTES), self._usual_cost())
            raise WrongPassphrase(_WRONG)
        kek = self._stretch(entry, passphrase)
        return Unlocked(self.open_entry(username, entry, kek), kek, entry)

    def _usual_cost(self) -> int:
        costs = [e["log2n"] for e in self.entries.values()]
        return int(statistics.median_low(costs)) if costs else kdf_log2n()

    def _stretch(self, entry: dict, passphrase: str) -> bytes:
        return derive_kek(passphrase, _unb64(entry["salt"]), int(entry["log2n"]))

    def open_entry(self, username: str, entry: dict, kek: bytes) -> bytes:
        """The data key from `entry`, opened with the stretched passphrase `kek`."""
        if "public" not in entry:
            try:
                return AESGCM(kek).decrypt(
                    _unb64(entry["nonce"]), _unb64(entry["wrapped"]), self._aad(username)
                )
            except InvalidTag as exc:
                raise WrongPassphrase(_WRONG) from exc
        try:
            private = AESGCM(kek).decrypt(
                _unb64(entry["nonce"]), _unb64(entry["wrapped"]), self._aad(username, "private")
            )
        except InvalidTag as exc:
            raise WrongPassphrase(_WRONG) from exc
        secret = X25519PrivateKey.from_private_bytes(private)
        public = _unb64(entry["public"])
        if secret.public_key().public_bytes_raw() != public:
            raise KeyFileDamaged(_CHANGED)
        data_key = self._unseal(username, secret, public, _unb64(entry["sealed"]))
        if not hmac.compare_digest(
            _unb64(entry["binding"]), self._binding(username, public, data_key)
        ):
            raise KeyFileDamaged(_CHANGED)
        return data_key

    def _unseal(
        self, username: str, secret: X25519PrivateKey, public: bytes, sealed: bytes
    ) -> bytes:
        sender = sealed[:PUBLIC_BYTES]
        nonce = sealed[PUBLIC_BYTES : PUBLIC_BYTES + NONCE_BYTES]
        try:
            shared = secret.exchange(X25519PublicKey.from_public_bytes(sender))
            key = _seal_key(shared, sender, public)
            return AESGCM(key).decrypt(
                nonce, sealed[PUBLIC_BYTES + NONCE_BYTES :], self._aad(username, "sealed", public)
            )
        except (InvalidTag, ValueError) as exc:  # ValueError: a low-order point, a shared 0
            raise KeyFileDamaged(_CHANGED) from exc

    def _seal(self, username: str, public: bytes, data_key: bytes) -> bytes:
        """`data_key` sealed to `public`: only the matching private key opens it."""
        sender = X25519PrivateKey.generate()
        sender_public = sender.public_key().public_bytes_raw()
        try:
            shared = sender.exchange(X25519PublicKey.from_public_bytes(public))
        except ValueError as exc:
            raise KeyFileDamaged(_CHANGED) from exc
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(_seal_key(shared, sender_public, public)).encrypt(
            nonce, data_key, self._aad(username, "sealed", public)
        )
        return sender_public + nonce + sealed

    def _binding(self, username: str, public: bytes, data_key: bytes) -> bytes:
        # Only holders of the data key can make it: a public key put in by anyone else is caught
        # before a new data key is sealed to it.
        mac_key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"ahtui-keyring-binding"
        ).derive(data_key)
        return hmac.new(mac_key, self._aad(username, "binding", public), hashlib.sha256).digest()

    def _key_pair_entry(
        self, username: str, data_key: bytes, kek: bytes, salt: bytes, log2n: int
    ) -> dict:
        secret = X25519PrivateKey.generate()
        public = secret.public_key().public_bytes_raw()
        nonce = secrets.token_bytes(NONCE_BYTES)
        wrapped = AESGCM(kek).encrypt(
            nonce, secret.private_bytes_raw(), self._aad(username, "private")
        )
        return {
            "kdf": "scrypt",
            "log2n": log2n,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
            "public": _b64(public),
            "sealed": _b64(self._seal(username, public, data_key)),
            "binding": _b64(self._binding(username, public, data_key)),
        }

    def wrap(self, username: str, passphrase: str, data_key: bytes) -> Keyring:
        """A new keyring with `username` able to unlock `data_key` with `passphrase`."""
        return self.wrap_unlocked(username, passphrase, data_key)[0]

    def wrap_unlocked(
        self, username: str, passphrase: str, data_key: bytes
    ) -> tuple[Keyring, Unlocked]:
        """`wrap`, and what unlocking the new entry would give: a new site opens with it
        instead of stretching the passphrase a second time."""
        log2n = kdf_log2n()
        salt = secrets.token_bytes(SALT_BYTES)
        kek = derive_kek(passphrase, salt, log2n)
        entry = self._key_pair_entry(username, data_key, kek, salt, log2n)
        ring = replace(self, entries={**self.entries, self.user_tag(username): entry})
        return ring, Unlocked(data_key, kek, entry)

    def with_key_pair(self, username: str, unlocked: Unlocked) -> Keyring:
        """`username`'s entry from before key pairs given one, under the same stretched key."""
        entry = self._key_pair_entry(
            username,
            unlocked.data_key,
            unlocked.kek,
            _unb64(unlocked.entry["salt"]),
            int(unlocked.entry["log2n"]),
        )
        return replace(self, entries={**self.entries, self.user_tag(username): entry})

    def resealed(self, username: str, old_key: bytes, new_key: bytes) -> dict:
        """`username`'s entry with `new_key` sealed to their public key in place of `old_key`.

        NoKeyPair if the entry has no key pair yet; KeyFileDamaged if its public key is not
        bound by `old_key` (someone without the data key put it there)."""
        entry = self.entries[self.user_tag(username)]
        if "public" not in entry:
            raise NoKeyPair(username)
        public = _unb64(entry["public"])
        if not hmac.compare_digest(
            _unb64(entry["binding"]), self._binding(username, public, old_key)
        ):
            raise KeyFileDamaged(
                f"The key file's entry for {username} was changed by someone without the site's "
                "key; nothing was changed. Restore the key file from a backup, or give "
                f"{username} a new passphrase (`ahtui user passwd {username}`), then retry."
            )
        return {
            **entry,
            "sealed": _b64(self._seal(username, public, new_key)),
            "binding": _b64(self._binding(username, public, new_key)),
        }

    def without(self, username: str) -> Keyring:
        entries = {k: v for k, v in self.entries.items() if k != self.user_tag(username)}
        return replace(self, entries=entries)

    def begin_rekey(self, entries: dict[str, dict]) -> Keyring:
        return replace(self, pending=dict(entries))

    def finish_rekey(self) -> Keyring:
        assert self.pending is not None
        return replace(self, entries=dict(self.pending), pending=None)

    def abandon_rekey(self) -> Keyring:
        return replace(self, pending=None)

    def _aad(self, username: str, purpose: str = "", public: bytes = b"") -> bytes:
        # Binds each wrapped or sealed key to its site, user and purpose, so entries (or their
        # fields) cannot be swapped around. An entry from before key pairs has no purpose.
        middle = f"{purpose}:" if purpose else ""
        return f"{FORMAT}:{middle}{self.site_id}:{username}".encode() + public

    def to_json(self) -> str:
        data: dict[str, object] = {
            "format": FORMAT,
            "version": VERSION,
            "site_id": self.site_id,
            "user_salt": _b64(self.user_salt),
            "users": self.entries,
        }
        if self.pending is not None:
            data[REKEY_FIELD] = {"users": self.pending}
        return json.dumps(data, indent=2, sort_keys=True)


def _seal_key(shared: bytes, sender: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=b"ahtui-keyring-seal:" + sender + recipient,
    ).derive(shared)


_WRONG = "Wrong user name or passphrase for this site. Check both and try again."
_CHANGED = (
    "The key file is damaged or was changed (a user entry does not match itself). Restore it "
    "from the backup made together with the site file."
)


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
    # Version 1 knew neither key pairs nor a pending rekey.
    pending_allowed = version >= 2
    fields = KEYRING_FIELDS | {REKEY_FIELD} if pending_allowed and REKEY_FIELD in data else None
    _check_fields(site_path, data, fields or KEYRING_FIELDS, "the file")
    site_id = data["site_id"]
    if (
        not isinstance(site_id, str)
        or not 1 <= len(site_id) <= MAX_SITE_ID_CHARS
        or not site_id.isprintable()
    ):
        raise _damaged(site_path, "its site id is not valid")
    user_salt = _bytes_field(site_path, data["user_salt"], SALT_BYTES, "user salt")
    users = _entries(site_path, data["users"], "its users", key_pairs=version >= 2)
    pending = None
    if REKEY_FIELD in data:
        rekey = data[REKEY_FIELD]
        if not isinstance(rekey, dict):
            raise _damaged(site_path, "its pending new key is not a JSON object")
        _check_fields(site_path, rekey, PENDING_FIELDS, "its pending new key")
        pending = _entries(
            site_path, rekey["users"], "its pending new key's users", only_pairs=True
        )
        # A rekey changes only the seal and its binding; the rest is the user's own entry.
        kept = ENTRY_FIELDS - {"sealed", "binding"}
        for tag, entry in pending.items():
            if tag not in users:
                raise _damaged(site_path, "its pending new key names a user it does not hold")
            if any(entry[f] != users[tag].get(f) for f in kept):
                raise _damaged(site_path, "its pending new key does not match a user's entry")
    return Keyring(site_id, user_salt, users, pending)


def _entries(
    site_path: Path, users: object, what: str, *, key_pairs: bool = True, only_pairs: bool = False
) -> dict[str, dict]:
    """Check a JSON object of user entries, tag by tag and field by field."""
    if not isinstance(users, dict):
        raise _damaged(site_path, f"{what} are not a JSON object")
    for tag, entry in users.items():
        if not _USER_TAG.fullmatch(tag):
            raise _damaged(site_path, "a user entry's name is not valid")
        if not isinstance(entry, dict):
            raise _damaged(site_path, "a user entry is not a JSON object")
        # Exactly one of the two shapes: with a key pair if any of its fields is there (or
        # one must be), else the older direct wrap (the only shape a version 1 file knows).
        pair_fields = ENTRY_FIELDS - LEGACY_ENTRY_FIELDS
        with_pair = only_pairs or (key_pairs and bool(pair_fields & set(entry)))
        _check_fields(
            site_path, entry, ENTRY_FIELDS if with_pair else LEGACY_ENTRY_FIELDS, "a user entry"
        )
        _check_entry(site_path, entry)
    return dict(users)


def _check_entry(site_path: Path, entry: dict) -> None:
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
    if "public" in entry:
        _bytes_field(site_path, entry["public"], PUBLIC_BYTES, "public key")
        _bytes_field(site_path, entry["sealed"], SEALED_BYTES, "sealed key")
        _bytes_field(site_path, entry["binding"], BINDING_BYTES, "key binding")


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
    """Replace the keyring atomically (and durably), readable by the owner only."""
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
    # The rename itself reaches the disk only once the folder is synced: a rekey relies on it.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@contextlib.contextmanager
def locked_keyring(site_path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the keyring between processes (user add, passwd, a rekey
    and settling one). The lock goes with the process, so a killed rekey leaves none behind."""
    lock_path = keyring_path(site_path).with_suffix(".keys.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def settle_rekey(
    site_path: Path, username: str, passphrase: str, opens: Callable[[bytes], bool]
) -> Unlocked:
    """Unlock a site whose key file holds a pending rekey, finishing or undoing that first.

    A rekey that was stopped part-way (store/rekey.py) left both sets of entries. Whichever data
    key opens the site file is the one: the new key means the file was re-encrypted, so the new
    entries replace the old; the old key means it was not, so the new entries are dropped. Done
    under the keyring lock, which a rekey still running holds, so a live rekey is never judged.
    """
    with locked_keyring(site_path):
        ring = load_keyring(site_path)
        if ring.pending is None:  # settled by someone else meanwhile
            return ring.unlock(username, passphrase)
        old = ring.unlock(username, passphrase)
        tag = ring.user_tag(username)
        new, damaged = None, None
        if tag in ring.pending:
            entry = ring.pending[tag]
            try:
                new = Unlocked(ring.open_entry(username, entry, old.kek), old.kek, entry)
            except (KeyFileDamaged, WrongPassphrase) as exc:
                damaged = exc  # useless only if the file was re-encrypted: tried below
        if new is not None and opens(new.data_key):
            save_keyring(site_path, ring.finish_rekey())
            return new
        if opens(old.data_key):
            save_keyring(site_path, ring.abandon_rekey())
            return old
        if damaged is not None:
            raise KeyFileDamaged(_CHANGED) from damaged
        # The file was re-encrypted and this user was not given the new key.
        raise WrongPassphrase(_WRONG)


def give_key_pair(site_path: Path, username: str, unlocked: Unlocked) -> None:
    """After an unlock by an entry from before key pairs (its data key just shown to open the
    file), replace that entry by one with a key pair, so a later rekey can reach this user.

    Best effort: if the key file cannot be written now (a read-only folder), the next unlock
    tries again; if it changed meanwhile (a new passphrase, a rekey), it is left as it is."""
    with contextlib.suppress(OSError, NotASite), locked_keyring(site_path):
        ring = load_keyring(site_path)
        if ring.pending is None and ring.entries.get(ring.user_tag(username)) == unlocked.entry:
            save_keyring(site_path, ring.with_key_pair(username, unlocked))
