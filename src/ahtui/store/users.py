"""User accounts at a site: add, list, remove and change passphrases.

An account is a row in `users` plus an entry in the keyring that holds the site's data key under
the user's passphrase (store/keyring.py). Removing a user deletes their keyring entry (they can
no longer unlock) and soft-deletes the row (their past writes stay attributed); a rekey
(store/rekey.py) then makes old copies of the key file useless too. Only admins manage other
users.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import BadInput, NotAllowed, NotFound
from . import keyring as keys
from . import rows
from .credentials import validate_passphrase, validate_username
from .site import Site, new_id, utc_now

ROLES = ("admin", "practitioner", "readonly")


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    display_name: str
    role: str
    practitioner_id: str | None
    can_unlock: bool
    # False for an entry from before key pairs, until its user unlocks: a rekey cannot reach it.
    has_key_pair: bool = True


def _require_admin(site: Site) -> None:
    if site.user.role != "admin":
        raise NotAllowed("Only a site administrator can manage user accounts.")


def list_users(site: Site) -> list[Account]:
    ring = keys.load_keyring(site.path)
    rows = site.query(
        "SELECT id, username, display_name, role, practitioner_id FROM users "
        "WHERE deleted_at IS NULL ORDER BY username"
    )
    return [
        Account(
            r["id"],
            r["username"],
            r["display_name"],
            r["role"],
            r["practitioner_id"],
            ring.has_user(r["username"]),
            ring.has_key_pair(r["username"]),
        )
        for r in rows
    ]


def add_user(
    site: Site,
    username: str,
    passphrase: str,
    *,
    role: str = "practitioner",
    display_name: str | None = None,
    practitioner_id: str | None = None,
    data_key: bytes | None = None,
) -> Account:
    """Create an account. The data key is unwrapped from the admin's own entry if not given."""
    _require_admin(site)
    validate_username(username)
    validate_passphrase(passphrase)
    if role not in ROLES:
        raise BadInput(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    if site.one("SELECT 1 FROM users WHERE username = ? AND deleted_at IS NULL", (username,)):
        raise BadInput(f"There is already a user called {username} at this site.")
    if data_key is None:
        data_key = _current_key(site)
    user_id = new_id()
    with keys.locked_keyring(site.path), site.write() as conn:
        conn.execute(
            "INSERT INTO users (id, username, display_name, role, practitioner_id, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, username, display_name or username, role, practitioner_id, site.user.id),
        )
        ring = keys.load_keyring(site.path).wrap(username, passphrase, data_key)
        keys.save_keyring(site.path, ring)
    return Account(user_id, username, display_name or username, role, practitioner_id, True)


def check_removable(site: Site, username: str) -> str:
    """The id of the account `remove_user` would remove, or why it may not (nothing changed)."""
    _require_admin(site)
    if username == site.user.username:
        raise BadInput("You cannot remove your own account; ask another administrator.")
    row = site.one("SELECT id FROM users WHERE username = ? AND deleted_at IS NULL", (username,))
    if row is None:
        raise NotFound(f"There is no user called {username} at this site.")
    return str(row["id"])


def remove_user(site: Site, username: str) -> None:
    """Stop `username` unlocking: their key-file entry goes. The data key stays the same, so an
    old copy of the key file still opens the site file for them until a rekey (store/rekey.py,
    `ahtui user remove NAME --rekey`)."""
    user_id = check_removable(site, username)
    with keys.locked_keyring(site.path), site.write() as conn:
        now = utc_now()
        conn.execute(
            "UPDATE users SET deleted_at = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            (now, now, site.user.id, user_id),
        )
        keys.save_keyring(site.path, keys.load_keyring(site.path).without(username))


def link_practitioner(site: Site, username: str, practitioner_id: str | None) -> None:
    """Say which practitioner's record an account works as ("my cases", notes' author)."""
    if username != site.user.username:
        _require_admin(site)
    row = site.one("SELECT id FROM users WHERE username = ? AND deleted_at IS NULL", (username,))
    if row is None:
        raise NotFound(f"There is no user called {username} at this site.")
    if practitioner_id is not None:
        rows.get(site, "practitioners", practitioner_id)
    rows.update(site, "users", row["id"], {"practitioner_id": practitioner_id})
    if username == site.user.username:
        site.user = replace(site.user, practitioner_id=practitioner_id)


def change_passphrase(
    site: Site, username: str, new_passphrase: str, *, data_key: bytes | None = None
) -> None:
    """Re-wrap the data key for `username`. Users may change their own; admins anyone's."""
    if username != site.user.username:
        _require_admin(site)
    validate_passphrase(new_passphrase)
    row = site.one("SELECT id FROM users WHERE username = ? AND deleted_at IS NULL", (username,))
    if row is None:
        raise NotFound(f"There is no user called {username} at this site.")
    if data_key is None:
        data_key = _current_key(site)
    with keys.locked_keyring(site.path), site.write() as conn:
        now = utc_now()
        conn.execute(
            "UPDATE users SET updated_at = ?, updated_by = ? WHERE id = ?",
            (now, site.user.id, row["id"]),
        )
        keys.save_keyring(
            site.path, keys.load_keyring(site.path).wrap(username, new_passphrase, data_key)
        )


def _current_key(site: Site) -> bytes:
    key = getattr(site, "data_key", None)
    if key is None:
        raise BadInput("This session cannot manage keys; unlock the site again and retry.")
    return key
