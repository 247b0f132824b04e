"""A rekey takes the site away from a removed user, keeps it for everyone else, and is settled
at the next unlock whatever state it was stopped in.

Real site files in a temp folder, the real CLI in a subprocess. The removed user is played in
earnest: they kept a copy of the key file from before, and their passphrase.
"""

from __future__ import annotations

import base64
import json
import os
import pty
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE, copy_site
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlcipher3 import dbapi2 as sqlcipher
from test_cli import run_sub, sub_env

from ahtui.errors import AhtuiError, BadInput, KeyFileDamaged, NotAllowed, WrongPassphrase
from ahtui.store import keyring, rekey, rows, users
from ahtui.store.site import Site, open_site, opens_with
from ahtui.store.site_check import check_site

PASS = {ADMIN: PASSPHRASE, "alice": "alice's long passphrase", "bob": "bob's long passphrase"}
MALLORY, MALLORY_PASS = "mallory", "mallory's long passphrase"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site with an admin, alice, bob and mallory (all with key pairs) and a few people."""
    from ahtui.store.site import init_site

    path = tmp_path_factory.mktemp("rekey") / "site.ahtui"
    site = init_site(
        path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    )
    try:
        for name in ("alice", "bob"):
            users.add_user(site, name, PASS[name])
        users.add_user(site, MALLORY, MALLORY_PASS, role="admin")
        with site.write():
            for i in range(30):
                rows.insert(
                    site,
                    "people",
                    {"given_name": f"Test{i}", "family_name": "Person", "pathway": "long"},
                )
        site.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        site.close()
    return path


@pytest.fixture
def fresh(template: Path, tmp_path: Path) -> Path:
    return copy_site(template, tmp_path)


def _admin(path: Path) -> Site:
    return open_site(path, ADMIN, PASSPHRASE)


def _keys(path: Path) -> Path:
    return keyring.keyring_path(path)


def _people(site: Site) -> int:
    return int(site.one("SELECT count(*) FROM people")[0])


def _old_key_of_mallory(old_keys: bytes, path: Path) -> bytes:
    """What mallory gets from their kept copy of the key file and their passphrase."""
    return keyring.parse_keyring(old_keys, path).unwrap(MALLORY, MALLORY_PASS)


def _opens_raw(path: Path, key: bytes) -> bool:
    """Open the file with a key by hand, as someone with sqlcipher and no ahtui would."""
    conn = sqlcipher.connect(str(path))
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher.DatabaseError:
        return False
    finally:
        conn.close()


def test_remove_with_rekey_takes_the_site_from_the_removed_user_only(
    fresh: Path, tmp_path: Path
) -> None:
    old_keys = _keys(fresh).read_bytes()
    site = _admin(fresh)
    old_key = site.data_key
    assert _old_key_of_mallory(old_keys, fresh) == old_key  # the hole being closed
    users.remove_user(site, MALLORY)
    assert opens_with(fresh, _old_key_of_mallory(old_keys, fresh))  # removal alone: still open
    result = rekey.rekey_site(site)
    assert result.kept == [ADMIN, "alice", "bob"] and result.dropped == []
    assert result.log_emptied
    new_key = site.data_key
    assert new_key != old_key and _people(site) == 30  # the session goes on, new key
    site.close()

    stolen = _old_key_of_mallory(old_keys, fresh)
    assert stolen == old_key
    assert not opens_with(fresh, stolen) and not _opens_raw(fresh, stolen)
    # The log was emptied into the file: the file alone, without it, is under the new key.
    alone = tmp_path / "alone" / fresh.name
    alone.parent.mkdir()
    shutil.copy(fresh, alone)
    assert not _opens_raw(alone, stolen) and _opens_raw(alone, new_key)
    # Nor does the removed user's passphrase against the key file as it is now.
    with pytest.raises(WrongPassphrase):
        open_site(fresh, MALLORY, MALLORY_PASS)
    # And not with the old key file put back beside the file either.
    _keys(fresh).write_bytes(old_keys)
    with pytest.raises(AhtuiError):
        open_site(fresh, MALLORY, MALLORY_PASS)


def test_every_remaining_user_unlocks_after_a_rekey_and_check_passes(fresh: Path) -> None:
    site = _admin(fresh)
    users.remove_user(site, MALLORY)
    rekey.rekey_site(site)
    new_key = site.data_key
    site.close()
    for name, passphrase in PASS.items():
        s = open_site(fresh, name, passphrase)
        try:
            assert s.data_key == new_key and _people(s) == 30
            assert check_site(s).problems == []
        finally:
            s.close()
    audit = _admin(fresh)
    assert audit.one("SELECT count(*) FROM audit WHERE action = 'rekey'")[0] == 1
    audit.close()
    ring = keyring.load_keyring(fresh)
    assert ring.pending is None and len(ring.entries) == 3


def test_a_second_rekey_shuts_out_the_key_before_it_too(fresh: Path) -> None:
    site = _admin(fresh)
    keys = [site.data_key]
    for _ in range(2):
        rekey.rekey_site(site)
        keys.append(site.data_key)
    site.close()
    assert len(set(keys)) == 3
    assert [opens_with(fresh, k) for k in keys] == [False, False, True]


def test_only_an_admin_may_rekey(fresh: Path) -> None:
    site = open_site(fresh, "alice", PASS["alice"])
    try:
        with pytest.raises(NotAllowed):
            rekey.rekey_site(site)
    finally:
        site.close()


def test_a_rekey_sqlite_refuses_changes_nothing(fresh: Path) -> None:
    """Another process holds the write lock past the busy timeout: SQLite refuses the rewrite,
    and the key file, the key and every user's unlock stay exactly as they were."""
    before = _keys(fresh).read_bytes()
    site = open_site(fresh, ADMIN, PASSPHRASE, busy_timeout_ms=200)
    old_key = site.data_key
    writer = open_site(fresh, "alice", PASS["alice"])
    writer.conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(AhtuiError) as err:
            rekey.rekey_site(site)
        assert err.value.exit_code == 1 and "its key is unchanged" in err.value.message
    finally:
        writer.conn.execute("ROLLBACK")
        writer.close()
    assert _people(site) == 30 and site.data_key == old_key  # still usable
    site.close()
    assert keyring.load_keyring(fresh).pending is None
    assert json.loads(_keys(fresh).read_bytes())["users"] == json.loads(before)["users"]
    for name, passphrase in PASS.items():
        open_site(fresh, name, passphrase).close()
    assert opens_with(fresh, old_key)


# -- a rekey stopped part-way is settled at the next unlock ----------------------------------


def _stopped_rekey(path: Path, *, rewritten: bool) -> tuple[bytes, bytes]:
    """Leave the site as a rekey killed after writing its pending entries would: with the file
    rewritten under the new key or not. Returns (old key, new key)."""
    site = _admin(path)
    old_key = site.data_key
    users.remove_user(site, MALLORY)
    site.close()
    ring = keyring.load_keyring(path)
    new_key = bytes(range(32))
    pending = {ring.user_tag(u): ring.resealed(u, old_key, new_key) for u in PASS}
    keyring.save_keyring(path, ring.begin_rekey(pending))
    if rewritten:
        conn = sqlcipher.connect(str(path), isolation_level=None)
        conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        conn.close()
    return old_key, new_key


@pytest.mark.parametrize("who", list(PASS))
def test_a_stopped_rekey_that_rewrote_the_file_is_finished(fresh: Path, who: str) -> None:
    old_key, new_key = _stopped_rekey(fresh, rewritten=True)
    site = open_site(fresh, who, PASS[who])
    assert site.data_key == new_key and _people(site) == 30
    site.close()
    ring = keyring.load_keyring(fresh)
    assert ring.pending is None
    for name, passphrase in PASS.items():
        assert ring.unwrap(name, passphrase) == new_key
    assert not opens_with(fresh, old_key)


@pytest.mark.parametrize("who", list(PASS))
def test_a_stopped_rekey_that_did_not_rewrite_the_file_is_undone(fresh: Path, who: str) -> None:
    old_key, _ = _stopped_rekey(fresh, rewritten=False)
    site = open_site(fresh, who, PASS[who])
    assert site.data_key == old_key
    site.close()
    ring = keyring.load_keyring(fresh)
    assert ring.pending is None
    for name, passphrase in PASS.items():
        assert ring.unwrap(name, passphrase) == old_key


def test_a_user_without_the_new_key_cannot_settle_a_stopped_rekey(fresh: Path) -> None:
    """Left out of a rewritten file, a user is refused like any wrong passphrase, and the
    pending rekey stays for the next user who has the new key."""
    site = _admin(fresh)
    users.add_user(site, "carol", "carol's long passphrase")
    site.close()
    ring = keyring.load_keyring(fresh)
    old_key = ring.unwrap(ADMIN, PASSPHRASE)
    new_key = bytes(32)
    pending = {ring.user_tag(u): ring.resealed(u, old_key, new_key) for u in PASS}
    keyring.save_keyring(fresh, ring.begin_rekey(pending))
    conn = sqlcipher.connect(str(fresh), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{old_key.hex()}'\"")
    conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    conn.close()
    with pytest.raises(WrongPassphrase):
        open_site(fresh, "carol", "carol's long passphrase")
    assert keyring.load_keyring(fresh).pending is not None
    open_site(fresh, "bob", PASS["bob"]).close()
    assert keyring.load_keyring(fresh).pending is None


# -- entries from before key pairs ------------------------------------------------------------


def _legacy(path: Path, names: dict[str, str]) -> None:
    """Rewrite the key file as ahtui wrote it before key pairs: version 1, each entry the data
    key wrapped directly under the passphrase."""
    ring = keyring.load_keyring(path)
    data_key = ring.unwrap(ADMIN, PASSPHRASE)
    data = json.loads(_keys(path).read_text())
    data["version"] = 1
    data["users"] = {}
    for name, passphrase in names.items():
        salt, nonce = bytes(16), bytes(12)
        kek = keyring.derive_kek(passphrase, salt, 14)
        wrapped = AESGCM(kek).encrypt(nonce, data_key, ring._aad(name))
        data["users"][ring.user_tag(name)] = {
            "kdf": "scrypt", "log2n": 14, "r": 8, "p": 1, "salt": _b64(salt),
            "nonce": _b64(nonce), "wrapped": _b64(wrapped),
        }  # fmt: skip
    _keys(path).write_text(json.dumps(data))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_an_entry_from_before_key_pairs_gains_one_at_its_next_unlock(fresh: Path) -> None:
    _legacy(fresh, {**PASS, MALLORY: MALLORY_PASS})
    assert not keyring.load_keyring(fresh).has_key_pair("alice")
    open_site(fresh, "alice", PASS["alice"]).close()
    ring = keyring.load_keyring(fresh)
    assert ring.has_key_pair("alice") and not ring.has_key_pair("bob")
    assert json.loads(_keys(fresh).read_text())["version"] == keyring.VERSION
    for name, passphrase in PASS.items():
        assert ring.unwrap(name, passphrase) == ring.unwrap(ADMIN, PASSPHRASE)


def test_a_rekey_names_users_it_cannot_reach_and_refuses_without_force(fresh: Path) -> None:
    _legacy(fresh, {**PASS, MALLORY: MALLORY_PASS})
    site = _admin(fresh)  # the admin's own entry gains its key pair here
    users.remove_user(site, MALLORY)
    assert rekey.blocked_users(site) == ["alice", "bob"]
    before = _keys(fresh).read_bytes()
    with pytest.raises(BadInput) as err:
        rekey.rekey_site(site)
    assert "alice and bob" in err.value.message and "--force" in err.value.message
    assert _keys(fresh).read_bytes() == before and opens_with(fresh, site.data_key)
    result = rekey.rekey_site(site, drop=("alice", "bob"))
    assert result.kept == [ADMIN] and result.dropped == ["alice", "bob"]
    # Dropped users can be let back in with a new passphrase.
    users.change_passphrase(site, "alice", "alice's new passphrase")
    site.close()
    with pytest.raises(WrongPassphrase):
        open_site(fresh, "bob", PASS["bob"])
    open_site(fresh, "alice", "alice's new passphrase").close()


# -- the key pairs cannot be turned against the rekey -----------------------------------------


def _swap_public_key(path: Path, name: str) -> None:
    """Put someone else's public key in `name`'s entry, as someone without the data key can."""
    ring = keyring.load_keyring(path)
    data = json.loads(_keys(path).read_text())
    theirs = X25519PrivateKey.generate().public_key().public_bytes_raw()
    data["users"][ring.user_tag(name)]["public"] = _b64(theirs)
    _keys(path).write_text(json.dumps(data))


def test_a_swapped_public_key_gets_no_new_key(fresh: Path) -> None:
    site = _admin(fresh)
    _swap_public_key(fresh, "bob")
    before = _keys(fresh).read_bytes()
    with pytest.raises(KeyFileDamaged) as err:
        rekey.rekey_site(site)
    assert "bob" in err.value.message and "\n" not in err.value.message
    assert _keys(fresh).read_bytes() == before and opens_with(fresh, site.data_key)
    site.close()
    # And bob's own unlock notices too.
    with pytest.raises(KeyFileDamaged):
        open_site(fresh, "bob", PASS["bob"])


# -- an unknown user name costs what a wrong passphrase costs ---------------------------------


def _refusal_time(path: Path, name: str, passphrase: str) -> float:
    started = time.perf_counter()
    with pytest.raises(WrongPassphrase):
        open_site(path, name, passphrase)
    return time.perf_counter() - started


def test_an_unknown_user_takes_as_long_to_refuse_as_a_wrong_passphrase(fresh: Path) -> None:
    """Measured in the same run, interleaved, median of several: within a generous factor.
    (Before, an unknown user was stretched at the default cost, 4 times the tests' cost.)"""
    unknown, wrong = [], []
    for _ in range(7):
        unknown.append(_refusal_time(fresh, "nobody-here", "some long passphrase"))
        wrong.append(_refusal_time(fresh, "alice", "not alice's passphrase"))
    ratio = sorted(unknown)[3] / sorted(wrong)[3]
    assert 0.6 < ratio < 1.6, (unknown, wrong)


# -- the CLI ----------------------------------------------------------------------------------


def _cli(path: Path, *argv: str, user: str = ADMIN, **env: str):
    return run_sub(
        *argv, "--site", path, "--user", user, AHTUI_PASSPHRASE=PASS.get(user, MALLORY_PASS), **env
    )


def test_cli_user_remove_with_rekey(fresh: Path, tmp_path: Path) -> None:
    old_copy = tmp_path / "stolen"
    old_copy.mkdir()
    shutil.copy(_keys(fresh), old_copy / "site.ahtui.keys")
    r = _cli(fresh, "user", "remove", MALLORY, "--rekey")
    assert r.returncode == 0, r.stderr
    assert f"Removed {MALLORY}" in r.stdout
    assert "re-encrypted" in r.stdout and "admin, alice and bob" in r.stdout
    assert r.stderr == ""
    for name in PASS:
        c = _cli(fresh, "check", user=name)
        assert c.returncode == 0, c.stderr
    # The removed user with the kept key file beside the current site file: refused.
    shutil.copy(old_copy / "site.ahtui.keys", _keys(fresh))
    r = _cli(fresh, "check", user=MALLORY)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_rekey_asks_about_users_it_cannot_reach(fresh: Path) -> None:
    _legacy(fresh, {**PASS, MALLORY: MALLORY_PASS})
    open_site(fresh, "alice", PASS["alice"]).close()
    old_key = keyring.load_keyring(fresh).unwrap("alice", PASS["alice"])
    r = _cli(fresh, "rekey")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "bob and mallory would lose access" in r.stderr
    assert "--force" in r.stderr and "Nothing was changed" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert opens_with(fresh, old_key) and keyring.load_keyring(fresh).pending is None
    r = _cli(fresh, "rekey", "--force")
    assert r.returncode == 0, r.stderr
    assert "bob can no longer unlock" in r.stdout and "ahtui user passwd bob" in r.stdout
    assert _cli(fresh, "check", user="alice").returncode == 0
    assert _cli(fresh, "check", user="bob").returncode == 2


def test_cli_user_list_shows_who_a_rekey_would_leave_out(fresh: Path) -> None:
    _legacy(fresh, {**PASS, MALLORY: MALLORY_PASS})
    r = _cli(fresh, "user", "list")  # the admin's own entry gains its key pair here
    assert r.returncode == 0, r.stderr
    flagged = {line.split()[0] for line in r.stdout.splitlines() if "rekey" in line}
    assert flagged == {"alice", "bob", MALLORY}
    listed = {a["username"]: a for a in json.loads(_cli(fresh, "user", "list", "--json").stdout)}
    assert listed[ADMIN]["has_key_pair"] and not listed["bob"]["has_key_pair"]


def test_cli_rekey_is_for_admins(fresh: Path) -> None:
    r = _cli(fresh, "rekey", user="alice")
    assert r.returncode == 2 and "administrator" in r.stderr
    assert keyring.load_keyring(fresh).pending is None


def _rekey_at_a_terminal(path: Path, answer: str) -> tuple[int, str]:
    """`ahtui rekey` with a terminal for its input; `answer` typed at the question."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ahtui", "rekey", "--site", str(path), "--user", ADMIN],
        env=sub_env(AHTUI_PASSPHRASE=PASSPHRASE),
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    seen = b""
    while b"[y/N]" not in seen:
        chunk = os.read(leader, 1024)
        assert chunk, seen
        seen += chunk
    os.write(leader, answer.encode() + b"\n")
    while True:
        try:
            chunk = os.read(leader, 1024)
        except OSError:  # the terminal closed with the program
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return proc.wait(timeout=60), seen.decode(errors="replace")


@pytest.mark.parametrize("answer", ["n", "y"])
def test_cli_rekey_asks_at_a_terminal(fresh: Path, answer: str) -> None:
    _legacy(fresh, {**PASS, MALLORY: MALLORY_PASS})
    old_key = keyring.load_keyring(fresh).unwrap(ADMIN, PASSPHRASE)
    code, out = _rekey_at_a_terminal(fresh, answer)
    assert "alice, bob and mallory would lose access" in out
    if answer == "n":
        assert code == 2 and "Nothing was changed" in out
        assert opens_with(fresh, old_key)
    else:
        assert code == 0 and "alice can no longer unlock" in out
        assert not opens_with(fresh, old_key)
