"""A new data key for a site: the file re-encrypted in place, every remaining user given the key.

Removing a user drops their key-file entry, but the data key stays the same, so an old copy of
the key file and their passphrase would still open the site file. A rekey ends that: a new
random data key, the site file re-encrypted under it with SQLCipher's `PRAGMA rekey`, and the
new key sealed to each remaining user's public key (store/keyring.py), which needs none of their
passphrases. A user whose entry has no key pair yet (made before key pairs, and not unlocked
since) cannot be reached; `blocked_users` names them, and they keep access only if they unlock
once before the rekey (or are given a new passphrase after it).

Crash safety: the site is never left with neither key working. In order:

1. Under the keyring lock, the key file is replaced (atomically: a temporary file, fsync,
   rename, fsync of the folder) by one that holds both the current entries and, as a pending
   rekey, the new ones. The site file is untouched; the old key still opens it.
2. `PRAGMA rekey` rewrites every page under the new key inside SQLite's own write transaction.
   The site is in WAL mode, so the rewritten pages go to the write-ahead log and count only
   once the commit frame is there: a crash before it leaves the file under the old key, a
   crash after it leaves it under the new key, and nothing in between.
3. A fresh connection checks which key opens the file. The new key: the key file is replaced
   by one holding only the new entries (the rekey is done). The old key (SQLite refused, say
   the file was busy): the pending entries are dropped and nothing has changed.
4. A checkpoint copies the log into the file and empties it, so no page under the old key
   stays behind.

A process killed anywhere in 1 to 3 leaves a key file with a pending rekey. The next unlock
(`keyring.settle_rekey`, under the same lock, which a rekey still running holds) tries the new
key on the site file, then the old, and finishes or undoes the rekey to match.

Other programs with the site open keep the old key and fail on their next read; they must
unlock again. A running rekey blocks the keyring lock, so unlocks wait for it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ..errors import AhtuiError, BadInput, NotAllowed
from . import keyring as keys
from .site import DatabaseError, Site, opens_with


@dataclass(frozen=True)
class RekeyResult:
    """Who unlocks with the new key, and who was left without it (with their agreement)."""

    kept: list[str]
    dropped: list[str]
    log_emptied: bool


def _usernames(site: Site) -> list[str]:
    rows = site.query("SELECT username FROM users WHERE deleted_at IS NULL ORDER BY username")
    return [r["username"] for r in rows]


def blocked_users(site: Site, *, leaving: str | None = None) -> list[str]:
    """The users a rekey cannot give the new key to: their key-file entry has no key pair yet.
    Users without any entry (who cannot unlock already) and `leaving` are not counted."""
    ring = keys.load_keyring(site.path)
    return [
        u
        for u in _usernames(site)
        if u != leaving and ring.has_user(u) and not ring.has_key_pair(u)
    ]


def rekey_site(site: Site, *, drop: tuple[str, ...] = ()) -> RekeyResult:
    """Re-encrypt the site under a new data key for every current user (admins only).

    `drop` names users from `blocked_users` who may lose access; any other blocked user makes
    this refuse (BadInput) before anything changes. On success `site` is connected under the
    new key. Raises AhtuiError (exit code 1) if SQLite did not re-encrypt; nothing changed then.
    """
    if site.user.role != "admin":
        raise NotAllowed("Only a site administrator can give the site a new key.")
    if site.conn.in_transaction:
        raise BadInput("Finish the current change before giving the site a new key.")
    journal = site.conn.execute("PRAGMA journal_mode").fetchone()[0]
    if str(journal).lower() != "wal":
        # Only the write-ahead log makes the rewrite all-or-nothing without the old key (a
        # rollback journal would need the old key to roll back after a crash).
        raise BadInput(
            "The site file is not in the journal mode ahtui keeps it in (write-ahead log), so "
            "it cannot be re-encrypted safely; run `ahtui check`."
        )
    old_key = site.data_key
    with keys.locked_keyring(site.path):
        ring = keys.load_keyring(site.path)
        if ring.pending is not None:
            # Stopped since this session unlocked; settle it the way an unlock would.
            if not opens_with(site.path, old_key):
                raise BadInput(
                    "The site's key changed since you unlocked it; run the command again."
                )
            ring = ring.abandon_rekey()
        new_key = secrets.token_bytes(keys.KEY_BYTES)
        entries: dict[str, dict] = {}
        kept, blocked = [], []
        for username in _usernames(site):
            if not ring.has_user(username):
                continue
            try:
                entries[ring.user_tag(username)] = ring.resealed(username, old_key, new_key)
                kept.append(username)
            except keys.NoKeyPair:
                blocked.append(username)
        refused = [u for u in blocked if u not in drop]
        if refused:
            raise BadInput(
                f"{names(refused)} cannot be given a new key yet: they have not unlocked since "
                "key pairs came in. Ask them to unlock once, or give --force to leave them "
                "without access. Nothing was changed."
            )
        if site.user.username not in kept:
            raise BadInput(
                "Your own key-file entry cannot take a new key yet; unlock the site again "
                "(any command) and retry. Nothing was changed."
            )
        pending = ring.begin_rekey(entries)
        keys.save_keyring(site.path, pending)  # step 1
        # The commit must be on disk before step 3 drops the old entries: in WAL mode only FULL
        # syncs the log at every commit (NORMAL could lose it to a power cut).
        site.conn.execute("PRAGMA synchronous = FULL")
        try:
            site.conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")  # step 2
            problem = None
        except DatabaseError as exc:  # busy past the timeout, disk full: nothing was rewritten
            problem = exc
        if opens_with(site.path, new_key):  # step 3
            keys.save_keyring(site.path, pending.finish_rekey())
        else:
            keys.save_keyring(site.path, pending.abandon_rekey())
            site.reconnect(old_key)
            raise AhtuiError(
                "The site file could not be re-encrypted (another ahtui process may be writing "
                "to it, or the disk may be short of space); its key is unchanged. Try again in "
                "a moment."
            ) from problem
    site.reconnect(new_key)
    busy = site.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]  # step 4
    with site.write() as conn:
        conn.execute(
            "INSERT INTO audit (user_id, action, table_name) VALUES (?, 'rekey', 'users')",
            (site.user.id,),
        )
    return RekeyResult(kept, blocked, log_emptied=not busy)


def names(usernames: list[str]) -> str:
    """User names as a phrase: "a", "a and b", "a, b and c"."""
    if len(usernames) <= 1:
        return "".join(usernames)
    return ", ".join(usernames[:-1]) + " and " + usernames[-1]
