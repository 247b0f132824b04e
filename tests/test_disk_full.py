"""A full disk is one plain line, not a traceback: an import, a form save in the app, a backup
and an export each meet it, change nothing, and the site passes `ahtui check` afterwards.

The disk is real where it can be: a small tmpfs mounted by the test (when run as root and
`mount` works), filled to the last few KB. Where no mount is possible (CI without root) the
test chooses, at run time, SQLite's own limit instead: `PRAGMA max_page_count` on the
connections that write, and writes that land on `/dev/full` (the kernel's ENOSPC) for the
plain files. `AHTUI_TEST_DISK=pages` forces the second way, to try it anywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN, APP_SIZE, APP_TODAY, PASSPHRASE, copy_site
from test_app_screens import fill, open_first_person
from test_app_shell import caseload_ready, wait_for
from test_sync_helpers import ALL, digest, make_sites, person

from ahtui.cli import main
from ahtui.store import site as site_mod
from ahtui.store.site import open_site
from ahtui.sync import outgoing
from ahtui.widgets.form import FormScreen


def _can_mount(folder: Path) -> bool:
    if os.environ.get("AHTUI_TEST_DISK") == "pages" or os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        return False
    subprocess.run(["umount", str(folder)], check=True)
    return True


class Disk:
    """A folder whose disk can be filled (`full`) and emptied again (`free`)."""

    def __init__(self, folder: Path, mode: str) -> None:
        self.folder, self.mode = folder, mode
        self._mp = pytest.MonkeyPatch()
        self._filler = folder / "filler"
        self._limited: list[Any] = []

    def full(self, *conns: Any, leave: int = 0) -> None:
        """No room left (but `leave` bytes) for files under the folder, or for these open
        connections and any opened from now on."""
        if self.mode == "tmpfs":
            free = shutil.disk_usage(self.folder).free - leave
            with open(self._filler, "wb") as fh:
                while free > 0:
                    chunk = min(free, 1 << 20)
                    try:
                        fh.write(b"\0" * chunk)
                        fh.flush()
                    except OSError:
                        break
                    free -= chunk
            return
        pages = max(1, leave // 4096)

        def limit(conn: Any) -> None:
            count = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {count + pages}")
            self._limited.append(conn)

        tune = site_mod._tune
        self._mp.setattr(site_mod, "_tune", lambda conn: (tune(conn), limit(conn)))
        connect = site_mod._connect

        def connect_limited(path: Path, *a: Any, **kw: Any) -> Any:
            conn = connect(path, *a, **kw)
            if Path(path).parent == self.folder or self.folder in Path(path).parents:
                limit(conn)
            return conn

        self._mp.setattr("ahtui.store.backup._connect", connect_limited)
        real_mkstemp = __import__("tempfile").mkstemp

        def mkstemp(*a: Any, dir: Any = None, **kw: Any) -> tuple[int, str]:
            fd, name = real_mkstemp(*a, dir=dir, **kw)
            if dir is not None and Path(dir) == self.folder:
                # Writes to this file now meet the kernel's "no space left on device".
                full = os.open("/dev/full", os.O_WRONLY)
                os.dup2(full, fd)
                os.close(full)
            return fd, name

        self._mp.setattr("tempfile.mkstemp", mkstemp)
        for conn in conns:
            limit(conn)

    def prepare(self, path: Path) -> None:
        """Without a real disk, a write only needs a new page when the file has no free
        pages left inside it: a site about to be limited is vacuumed first."""
        if self.mode == "pages":
            site = open_site(path, ADMIN, PASSPHRASE)
            try:
                site.conn.execute("VACUUM")
            finally:
                site.close()

    def free(self) -> None:
        if self.mode == "tmpfs":
            self._filler.unlink(missing_ok=True)
            return
        self._mp.undo()
        for conn in self._limited:
            with contextlib.suppress(Exception):
                conn.execute("PRAGMA max_page_count = 4294967294")


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    folder = tmp_path / "disk"
    mode = "tmpfs" if _can_mount(folder) else "pages"
    folder.mkdir(exist_ok=True)
    if mode == "tmpfs":
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs",
                        str(folder)], check=True)  # fmt: skip
    print(f"full disk by {mode}")
    monkeypatch.setenv("AHTUI_USER", ADMIN)
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    try:
        disk = Disk(folder, mode)
        yield disk
    finally:
        disk.free()
        if mode == "tmpfs":
            subprocess.run(["umount", "-l", str(folder)], check=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def one_plain_line(err: str, where: Path) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "sqlcipher" not in err.lower()
    assert "is full" in lines[0] and str(where) in lines[0]
    assert " KB" in lines[0] or " MB" in lines[0]
    assert "nothing was changed" in lines[0]


def checks_out(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--site", str(path))
    assert code == 0, out + err


def test_an_import_onto_a_full_disk_says_so_and_applies_nothing(
    disk: Disk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = make_sites(tmp_path / "sites", [("A", "prison"), ("B", "probation")])
    a, b = sites["A"], sites["B"]
    with a.write():
        for i in range(300):
            person(a, f"Person{i}", "Bulk", **ALL)
    bundle = tmp_path / "a-to-b.ahtuib"
    bundle.write_bytes(outgoing.export(a, b.site_id).data)
    before = digest(b)
    a.close()
    b.close()
    moved = copy_site(b.path, disk.folder)
    disk.prepare(moved)
    disk.full(leave=300_000)
    code, out, err = run(capsys, "sync", "import", str(bundle), "--site", str(moved))
    disk.free()
    assert code == 1, out + err
    one_plain_line(err, moved)
    again = open_site(moved, ADMIN, PASSPHRASE)
    try:
        assert digest(again) == before
        assert again.one("SELECT count(*) FROM sync_bundles")[0] == 0
    finally:
        again.close()
    checks_out(moved, capsys)
    # With room again, the same bundle goes in.
    code, out, err = run(capsys, "sync", "import", str(bundle), "--site", str(moved))
    assert code == 0, err


def test_a_backup_onto_a_full_disk_says_so_and_leaves_nothing(
    disk: Disk, demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = disk.folder / "site.ahtui-backup"
    disk.full(leave=200_000)
    code, said, err = run(capsys, "backup", "--site", str(demo_path), "--out", str(out))
    disk.free()
    assert code == 1, said + err
    one_plain_line(err, out)
    assert sorted(p.name for p in disk.folder.iterdir() if p.name != "filler") == []
    checks_out(demo_path, capsys)


def test_an_export_onto_a_full_disk_says_so_and_leaves_nothing(
    disk: Disk, demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = open_site(demo_path, ADMIN, PASSPHRASE)
    crn = site.one("SELECT crn FROM people WHERE crn IS NOT NULL ORDER BY crn LIMIT 1")[0]
    site.close()
    out = disk.folder / "plan.html"
    disk.full()
    code, said, err = run(capsys, "export", "myplan", "--person", crn, "--format", "html",
                          "--out", str(out), "--site", str(demo_path))  # fmt: skip
    disk.free()
    assert code == 1, said + err
    one_plain_line(err, out)
    assert sorted(p.name for p in disk.folder.iterdir() if p.name != "filler") == []
    checks_out(demo_path, capsys)


async def test_a_form_saved_onto_a_full_disk_keeps_its_input_and_saves_once_there_is_room(
    disk: Disk, demo_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ahtui.app import AhtuiApp

    path = copy_site(demo_template, disk.folder)
    disk.prepare(path)
    app = AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=APP_TODAY)
    # Long enough to need new pages of the file whichever way the disk is full.
    body = " ".join(["Talked through the move to the new wing; he wants his PA there."] * 280)
    async with app.run_test(size=APP_SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        pid = await open_first_person(app, pilot)
        await pilot.press("n")
        await pilot.press("n")
        before = app.site.one("SELECT count(*) FROM case_notes")[0]
        # Every later page must be new space (the log emptied first): the disk is full now.
        app.site.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        disk.full(app.site.conn)
        values = {
            "contact_type": "phone",
            "contact_at": "2025-02-27",
            "contact_time": "14:30",
            "body": body,
        }
        form = await fill(pilot, values)
        assert isinstance(app.screen, FormScreen), "the form closed"
        status = str(form.query_one("#form-status").render())
        assert "Nothing was saved" in status and "is full" in status, status
        assert form.values()["body"] == body
        assert app.site.one("SELECT count(*) FROM case_notes")[0] == before
        disk.free()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, FormScreen))
        saved = app.site.one(
            "SELECT count(*) FROM case_notes WHERE person_id = ? AND body = ?", (pid, body)
        )
        assert saved[0] == 1
    checks_out(path, capsys)


def test_a_schema_update_at_open_onto_a_full_disk_says_so_and_changes_nothing(
    disk: Disk,
    demo_template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ahtui.store import migrations

    path = copy_site(demo_template, disk.folder)
    disk.prepare(path)
    extra = tmp_path / "schema" / "migrations"
    extra.mkdir(parents=True)
    for m in migrations.available():
        (extra / m.path.name).write_text(m.sql())
    # A later version of ahtui whose update writes a few MB.
    (extra / f"{migrations.latest_version() + 1:04d}_bulky.sql").write_text(
        "CREATE TABLE bulky AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 4000) SELECT i, randomblob(1000) AS b FROM n;"
    )
    monkeypatch.setattr(migrations, "schema_dir", lambda: tmp_path / "schema")
    migrations.available.cache_clear()
    try:
        disk.full(leave=300_000)
        code, out, err = run(capsys, "people", "--site", str(path))
        disk.free()
    finally:
        monkeypatch.undo()
        migrations.available.cache_clear()
    assert code == 1, out + err
    one_plain_line(err, path)
    site = open_site(path, ADMIN, PASSPHRASE, migrate=False)
    try:
        assert migrations.current_version(site.conn) == migrations.latest_version()
        assert not site.one("SELECT 1 FROM sqlite_master WHERE name = 'bulky'")
    finally:
        site.close()
    monkeypatch.setenv("AHTUI_USER", ADMIN)
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    checks_out(path, capsys)
