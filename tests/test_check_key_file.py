"""`ahtui check` reports the key file as a rekey would find it: a rekey left pending, users a
rekey would leave out (no key pair yet), users with no key entry at all.

Real site files (test_rekey's, with an admin, alice, bob and mallory) and the real CLI.
"""

from __future__ import annotations

from pathlib import Path

import test_rekey
from conftest import ADMIN, PASSPHRASE
from test_cli import run_sub
from test_rekey import PASS, _legacy

from ahtui.store import keyring
from ahtui.store.site import open_site
from ahtui.store.site_check import check_site

# test_rekey's site: an admin, alice, bob and mallory, all with key pairs.
template = test_rekey.template
fresh = test_rekey.fresh


def _check(path: Path) -> tuple[int, str, str]:
    done = run_sub("check", "--site", path, "--user", ADMIN, AHTUI_PASSPHRASE=PASSPHRASE)
    return done.returncode, done.stdout, done.stderr


def test_check_names_who_a_rekey_would_leave_out_and_who_has_no_entry(fresh: Path) -> None:
    code, out, _ = _check(fresh)
    assert code == 0, out
    assert "Key file: no rekey pending" in out
    assert "not unlocked since" not in out and "no key entry" not in out
    # alice and bob as ahtui wrote them before key pairs; mallory's entry gone.
    _legacy(fresh, PASS)
    code, out, err = _check(fresh)  # the admin's own entry gains its key pair on the way
    assert code == 0, (out, err)
    assert "Note: alice and bob have not unlocked since key pairs came in" in out
    assert "a rekey would leave them out" in out
    assert "Note: no key entry for mallory (they cannot unlock" in out
    assert "Users: 4; key entries: 3" in out
    open_site(fresh, "alice", PASS["alice"]).close()
    _, out, _ = _check(fresh)
    assert "Note: bob has not unlocked since key pairs came in" in out


def test_check_says_so_when_a_rekey_is_left_pending(fresh: Path) -> None:
    """Unlocking settles a stopped rekey, so one left is a rekey running elsewhere (or one
    unlocking could not settle): a problem, exit code 1."""
    site = open_site(fresh, ADMIN, PASSPHRASE)
    try:
        ring = keyring.load_keyring(fresh)
        old_key = site.data_key
        pending = {ring.user_tag(u): ring.resealed(u, old_key, bytes(32)) for u in PASS}
        keyring.save_keyring(fresh, ring.begin_rekey(pending))
        report = check_site(site)
    finally:
        site.close()
    [problem] = [p for p in report.problems if "key file" in p.lower()]
    assert "never finished or undone" in problem
    assert "Key file: no rekey pending" not in report.lines
    # The next unlock settles it (the new key never reached the file): check is clean again.
    code, out, _ = _check(fresh)
    assert code == 0 and "Key file: no rekey pending" in out
    assert keyring.load_keyring(fresh).pending is None
