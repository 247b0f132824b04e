"""`ahtui backup` and `ahtui restore`: a consistent copy taken while four processes write, a
backup killed at random points, and every refusal (real sites, real processes, no mocks)."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.store import backup as store_backup
from ahtui.store.notes import add_note
from ahtui.store.restore import unpacked
from ahtui.store.site import _connect, open_site
from ahtui.store.users import add_user

USERS = {ADMIN: PASSPHRASE, "pat.one": "first practitioner pass", "pat.two": "second one pass",
         "pat.six": "third practitioner pass"}  # fmt: skip


def ahtui(*args: str, user: str = ADMIN, passphrase: str = PASSPHRASE, env_extra=None, **kw):
    env = dict(os.environ, AHTUI_USER=user, AHTUI_PASSPHRASE=passphrase, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "ahtui", *args], env=env, capture_output=True,
                          text=True, **kw)  # fmt: skip


def _with_users(path: Path) -> None:
    site = open_site(path, ADMIN, PASSPHRASE)
    try:
        for name, secret in USERS.items():
            if name != ADMIN:
                add_user(site, name, secret)
    finally:
        site.close()


WRITER = """
import sys, time
from pathlib import Path
from ahtui.store.notes import add_note
from ahtui.store.site import open_site
path, user, secret, log, stop = sys.argv[1:6]
site = open_site(path, user, secret)
pid = site.one("SELECT id FROM people ORDER BY id LIMIT 1")[0]
with open(log, "a") as out:
    n = 0
    while not Path(stop).exists():
        n += 1
        nid = add_note(site, pid, {"contact_at": "2025-03-01", "contact_type": "phone",
                                   "body": f"{user} note {n}"})
        # Written only once the note is committed.
        out.write(nid + "\\n")
        out.flush()
"""


def _ids(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if len(line) == 36]


def test_a_backup_taken_while_four_processes_write_holds_every_earlier_commit(
    demo_path: Path, tmp_path: Path
) -> None:
    _with_users(demo_path)
    stop = tmp_path / "stop"
    logs = [tmp_path / f"writer{i}.log" for i in range(4)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(demo_path), name, secret, str(log), str(stop)]
        )  # fmt: skip
        for (name, secret), log in zip(USERS.items(), logs, strict=True)
    ]
    try:
        deadline = time.monotonic() + 60
        while any(not log.exists() or len(_ids(log)) < 5 for log in logs):
            assert time.monotonic() < deadline, "the writers never got going"
            assert all(w.poll() is None for w in writers), "a writer died"
            time.sleep(0.05)
        committed = {i for log in logs for i in _ids(log)}
        out = tmp_path / "during.ahtui-backup"
        done = ahtui("backup", "--site", str(demo_path), "--out", str(out), timeout=120)
        assert done.returncode == 0, done.stderr
        during = {i for log in logs for i in _ids(log)}
        assert len(during) > len(committed), "nobody wrote while the backup ran"
    finally:
        stop.touch()
        for w in writers:
            assert w.wait(timeout=60) == 0
    assert "40 people" in done.stdout and "last change" in done.stdout
    assert os.stat(out).st_mode & 0o777 == 0o600
    restored = tmp_path / "restored" / "site.ahtui"
    back = ahtui("restore", str(out), "--site", str(restored), timeout=120)
    assert back.returncode == 0, back.stderr
    for name, secret in USERS.items():
        site = open_site(restored, name, secret)
        try:
            held = {r[0] for r in site.query("SELECT id FROM case_notes")}
        finally:
            site.close()
        assert committed <= held
    checked = ahtui("check", "--site", str(restored), timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "OK: the site is intact." in checked.stdout


def test_backup_refuses_a_folder_and_an_existing_file_unless_forced(
    demo_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "b.ahtui-backup"
    out.write_bytes(b"an earlier backup")
    refused = ahtui("backup", "--site", str(demo_path), "--out", str(out))
    assert refused.returncode == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_bytes() == b"an earlier backup"
    folder = ahtui("backup", "--site", str(demo_path), "--out", str(tmp_path))
    assert folder.returncode == 2 and "is a folder" in folder.stderr
    forced = ahtui("backup", "--site", str(demo_path), "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert tarfile.is_tarfile(out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _archive_ok(path: Path, key: bytes, tmp: Path) -> bool:
    """Whether `path` is a whole backup whose site decrypts and passes its page checks."""
    try:
        with unpacked(path, tmp / "check.ahtui") as done:
            conn = _connect(done.site, key, create=False, busy_timeout_ms=1000)
            try:
                return conn.execute("PRAGMA cipher_integrity_check").fetchall() == [] and (
                    conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
                )
            finally:
                conn.close()
    except Exception:
        return False


def _bulk_up(path: Path, notes: int) -> bytes:
    """Make the demo site big enough that a backup spends a while copying; its data key."""
    site = open_site(path, ADMIN, PASSPHRASE)
    try:
        pid = site.one("SELECT id FROM people ORDER BY id LIMIT 1")[0]
        filler = "A long synthetic note about nothing in particular. " * 300
        with site.write():
            for i in range(notes):
                add_note(site, pid, {"contact_at": "2025-03-01", "contact_type": "phone",
                                     "body": f"{i} {filler}"})  # fmt: skip
        site.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return site.data_key
    finally:
        site.close()


def _kill_backups(demo_path: Path, tmp_path: Path, kills: int) -> None:
    seed = random.SystemRandom().randrange(2**32)
    print(f"kill test seed {seed} ({kills} kills)")
    rng = random.Random(seed)
    key = _bulk_up(demo_path, 800)
    old = tmp_path / "old.ahtui-backup"
    assert ahtui("backup", "--site", str(demo_path), "--out", str(old)).returncode == 0
    old_bytes = old.read_bytes()
    started = time.perf_counter()
    full = tmp_path / "full.ahtui-backup"
    assert ahtui("backup", "--site", str(demo_path), "--out", str(full)).returncode == 0
    took = time.perf_counter() - started
    outcomes = {"old kept": 0, "new whole": 0, "absent": 0, "mid-work": 0}
    for n in range(kills):
        replace = rng.random() < 0.5
        target = tmp_path / f"target{n}.ahtui-backup"
        if replace:
            target.write_bytes(old_bytes)
        args = ["backup", "--site", str(demo_path), "--out", str(target)]
        env = dict(os.environ, AHTUI_USER=ADMIN, AHTUI_PASSPHRASE=PASSPHRASE)
        proc = subprocess.Popen([sys.executable, "-m", "ahtui", *args, *(["--force"] * replace)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        if n % 2:
            # Aimed: once the backup's temporary files exist, somewhere in its copying.
            deadline = time.monotonic() + 30
            while not list(tmp_path.glob(f".{target.name}.*")) and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.002)
            # Copying this site takes tens of milliseconds (more on a loaded machine).
            time.sleep(rng.uniform(0, 0.04))
        else:
            time.sleep(rng.uniform(0, 1.05) * took)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        leftovers = list(tmp_path.glob(f".{target.name}.*"))
        outcomes["mid-work"] += bool(leftovers)
        for p in leftovers:
            p.unlink()
        where = f"seed {seed}, kill {n} ({'replacing' if replace else 'new file'})"
        if not target.exists():
            assert not replace, f"{where}: the earlier backup is gone"
            outcomes["absent"] += 1
        elif replace and target.read_bytes() == old_bytes:
            outcomes["old kept"] += 1
        else:
            assert _archive_ok(target, key, tmp_path), f"{where}: a damaged file at the target"
            outcomes["new whole"] += 1
        assert _archive_ok(old, key, tmp_path)
        target.unlink(missing_ok=True)
    print(f"outcomes: {outcomes}")
    # Killed backups leave their temporary files (a kill runs no clean-up), never the name;
    # and a good share of the kills landed while the backup was copying.
    assert outcomes["mid-work"] >= kills // 5, outcomes
    checked = ahtui("check", "--site", str(demo_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_backup_killed_at_random_points_never_damages_the_target(
    demo_path: Path, tmp_path: Path
) -> None:
    _kill_backups(demo_path, tmp_path, 20)


@pytest.mark.slow
def test_a_backup_killed_at_many_random_points_never_damages_the_target(
    demo_path: Path, tmp_path: Path
) -> None:
    _kill_backups(demo_path, tmp_path, 150)


# -- restore refusals ------------------------------------------------------------------------


@pytest.fixture
def archive(demo_path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "a.ahtui-backup"
    assert ahtui("backup", "--site", str(demo_path), "--out", str(out)).returncode == 0
    return out


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".restore." in p.name)


def test_restore_never_replaces_a_site_unless_forced_and_never_one_in_use(
    demo_path: Path, archive: Path
) -> None:
    before = demo_path.stat().st_ino
    refused = ahtui("restore", str(archive), "--site", str(demo_path))
    assert refused.returncode == 2 and "already exists" in refused.stderr
    live = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        busy = ahtui("restore", str(archive), "--site", str(demo_path), "--force")
    finally:
        live.close()
    assert busy.returncode == 2 and "open in another ahtui process" in busy.stderr
    assert demo_path.stat().st_ino == before  # the same file, not replaced
    forced = ahtui("restore", str(archive), "--site", str(demo_path), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Integrity: ok" in forced.stdout
    assert demo_path.stat().st_ino != before
    open_site(demo_path, ADMIN, PASSPHRASE).close()
    assert _leftovers(demo_path.parent) == []


def test_restore_refuses_a_wrong_passphrase_and_places_nothing(
    archive: Path, tmp_path: Path
) -> None:
    target = tmp_path / "new" / "site.ahtui"
    wrong = ahtui("restore", str(archive), "--site", str(target), passphrase="not the one")
    assert wrong.returncode == 2 and "Wrong user name or passphrase" in wrong.stderr
    assert not target.exists() and _leftovers(target.parent) == []


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "extra member", "text"])
def test_restore_refuses_a_damaged_or_foreign_archive(
    archive: Path, tmp_path: Path, damage: str
) -> None:
    data = archive.read_bytes()
    bad = tmp_path / "bad.ahtui-backup"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        # A byte inside the site file's pages: SQLCipher's page check finds it.
        middle = len(data) // 2
        bad.write_bytes(data[:middle] + bytes([data[middle] ^ 0x40]) + data[middle + 1 :])
    elif damage == "text":
        bad.write_text("not an archive at all")
    else:
        with tarfile.open(bad, "w") as tar:
            names = ["manifest.json", "../escape"] if damage == "extra member" else ["hello.txt"]
            for name in names:
                member = tarfile.TarInfo(name)
                member.size = 2
                tar.addfile(member, io.BytesIO(b"{}"))
    target = tmp_path / "new" / "site.ahtui"
    done = ahtui("restore", str(bad), "--site", str(target))
    assert done.returncode in (1, 2), done.stderr
    assert done.stderr.strip() and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not target.exists() and _leftovers(target.parent) == []
    assert not (tmp_path / "escape").exists()


def test_backup_info_names_people_size_and_last_change(demo_path: Path, tmp_path: Path) -> None:
    site = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        info = store_backup.backup(site, tmp_path / "x.ahtui-backup")
    finally:
        site.close()
    assert info.people == 40 and info.size == (tmp_path / "x.ahtui-backup").stat().st_size
    assert info.last_change and info.last_change[:4].isdigit()
    with tarfile.open(tmp_path / "x.ahtui-backup") as tar:
        assert sorted(tar.getnames()) == ["manifest.json", "site.ahtui", "site.ahtui.keys"]
        keys = tar.extractfile("site.ahtui.keys")
        assert keys is not None
        assert keys.read() == demo_path.with_name(demo_path.name + ".keys").read_bytes()


def test_a_busy_site_is_waited_for_then_said_to_be_busy(demo_path: Path, tmp_path: Path) -> None:
    holder = open_site(demo_path, ADMIN, PASSPHRASE)
    out = tmp_path / "busy.ahtui-backup"
    try:
        holder.conn.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        done = ahtui("backup", "--site", str(demo_path), "--out", str(out),
                     env_extra={"AHTUI_BUSY_TIMEOUT_MS": "700"})  # fmt: skip
        waited = time.monotonic() - started
        holder.conn.execute("ROLLBACK")
    finally:
        holder.close()
    assert done.returncode == 2, done.stderr
    assert "busy" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert waited >= 0.7
    assert not out.exists()
