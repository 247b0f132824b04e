"""A rekey killed with SIGKILL at random points: every remaining user still unlocks, with the old
key or the new one (never neither), `ahtui check` passes, and once a rekey went through, the
removed user's entry from an old copy of the key file and their passphrase no longer open it.

Each kill is a forked child that unlocks as the admin, removes mallory, says it is ready and
rekeys; the parent kills it after a random delay across the time a rekey takes. A fresh seed
each run, printed with any failure.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_cli import run_sub

from ahtui.store import keyring, rekey, users
from ahtui.store.site import init_site, open_site, opens_with
from ahtui.store.site_check import check_site

PASS = {ADMIN: PASSPHRASE, "alice": "alice's long passphrase", "bob": "bob's long passphrase"}
MALLORY, MALLORY_PASS = "mallory", "mallory's long passphrase"
SUFFIXES = ("", ".keys", "-wal", "-shm")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 200-person demo site (a rekey of it takes a few tenths of a second) with alice, bob
    and mallory besides the admin."""
    from ahtui.demo import build_demo

    path = tmp_path_factory.mktemp("rekey-kill") / "site.ahtui"
    site = init_site(
        path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    )
    try:
        build_demo(site, people=200, seed=3, today=date(2025, 3, 3))
        for name in ("alice", "bob"):
            users.add_user(site, name, PASS[name])
        users.add_user(site, MALLORY, MALLORY_PASS)
        site.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        site.close()
    return path


def _copy(template: Path, folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    target = folder / template.name
    for suffix in SUFFIXES:
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copy2(source, target.with_name(target.name + suffix))
    return target


def _rekey_in_child(path: Path, delay: float | None) -> None:
    """Rekey in a forked child, killed `delay` seconds after it is ready (None: let it finish)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            site = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
            users.remove_user(site, MALLORY)
            os.write(write_fd, b"r")
            rekey.rekey_site(site)
            site.close()
        finally:
            os._exit(0)
    os.close(write_fd)
    assert os.read(read_fd, 1) == b"r"
    if delay is not None:
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read_fd)


def _measure(template: Path, folder: Path) -> float:
    """How long a whole rekey takes here, from a copy like the ones killed."""
    path = _copy(template, folder)
    site = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
    users.remove_user(site, MALLORY)
    started = time.perf_counter()
    rekey.rekey_site(site)
    took = time.perf_counter() - started
    site.close()
    return took


def _check(
    path: Path, old_key: bytes, old_keys: bytes, people: int, rng: random.Random, what: str
) -> str:
    """After a kill: every remaining user unlocks (in a random order, so any of them may be the
    one who settles it), all with the same key; the site checks clean. Returns "old" or "new"."""
    order = list(PASS)
    rng.shuffle(order)
    keys = set()
    for name in order:
        site = open_site(path, name, PASS[name])
        try:
            keys.add(site.data_key)
            if name == order[0]:
                assert check_site(site).problems == [], what
                count = site.one("SELECT count(*) FROM people")[0]
                assert count == people, what
        finally:
            site.close()
    assert len(keys) == 1, f"{what}: users unlock with different keys"
    ring = keyring.load_keyring(path)
    assert ring.pending is None, f"{what}: the stopped rekey was not settled"
    (key,) = keys
    if key == old_key:
        return "old"
    # The rekey went through: mallory's kept entry and passphrase give the old key, which no
    # longer opens the file.
    stolen = keyring.parse_keyring(old_keys, path).unwrap(MALLORY, MALLORY_PASS)
    assert stolen == old_key and not opens_with(path, stolen), what
    return "new"


def _run(template: Path, tmp_path: Path, points: int) -> None:
    took = _measure(template, tmp_path / "probe")
    old_keys = keyring.keyring_path(template).read_bytes()
    old_key = keyring.load_keyring(template).unwrap(ADMIN, PASSPHRASE)
    probe = open_site(_copy(template, tmp_path / "count"), ADMIN, PASSPHRASE)
    people = probe.one("SELECT count(*) FROM people")[0]
    probe.close()
    seed = random.randrange(2**32)
    print(f"rekey kill test: seed {seed}, {points} kills across {took:.3f} s")
    rng = random.Random(seed)
    seen = {"old": 0, "new": 0}
    midway = {"old": 0, "new": 0}  # killed with the rekey under way: undone, or finished
    for i in range(points):
        delay = rng.uniform(0, took * 1.1)
        what = f"seed {seed}, kill {i} after {delay:.4f} s of {took:.3f} s"
        path = _copy(template, tmp_path / f"k{i % 3}")
        _rekey_in_child(path, delay)
        stopped = keyring.load_keyring(path).pending is not None
        outcome = _check(path, old_key, old_keys, people, rng, what)
        seen[outcome] += 1
        midway[outcome] += stopped
        if i % 8 == 0:  # `ahtui check` itself, now and then (a subprocess is slow)
            r = run_sub("check", "--site", path, "--user", "alice", AHTUI_PASSPHRASE=PASS["alice"])
            assert r.returncode == 0, (what, r.stdout, r.stderr)
    # A kill late enough finds the rekey done and an early one finds it not begun; make sure
    # both ends were seen.
    if seen["new"] == 0:
        path = _copy(template, tmp_path / "late")
        _rekey_in_child(path, None)
        seen[_check(path, old_key, old_keys, people, rng, f"seed {seed}, no kill")] += 1
    if seen["old"] == 0:
        path = _copy(template, tmp_path / "early")
        _rekey_in_child(path, 0)
        seen[_check(path, old_key, old_keys, people, rng, f"seed {seed}, kill at once")] += 1
    print(f"rekey kill test: seed {seed}, outcomes {seen}, of which stopped midway {midway}")
    assert seen["old"] > 0 and seen["new"] > 0, (seed, seen)
    # Most of a rekey is the rewrite, with the pending entries written: many kills land there
    # and are settled at the next unlock.
    assert sum(midway.values()) >= points // 4, (seed, midway)


def test_rekey_killed_at_random_points(template: Path, tmp_path: Path) -> None:
    _run(template, tmp_path, 24)


@pytest.mark.slow
def test_rekey_killed_at_many_random_points(template: Path, tmp_path: Path) -> None:
    _run(template, tmp_path, 150)
