"""The sync and conflicts screens, driven through the real app with real trusted sites.

Site A exports from its sync screen, site B imports in its sync screen (progress and a result
per file), a tampered file is refused with its message and nothing applied, a second import is
reported as already imported. A concurrent edit to the same field at two sites is a conflict on
the conflicts screen, resolved by choosing and by combining, and the resolution reaches the
other site by bundle. Snapshots at 80x24 of both screens (random keys and clock times are set
to fixed values first, so the pictures do not change from run to run).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for
from test_sync_helpers import ALL, Family, digest, fast_open, full_digest, person

from ahtui.app import AhtuiApp, AhtuiCommands
from ahtui.screens.conflicts import ConflictsScreen
from ahtui.screens.sync import SyncScreen
from ahtui.store import rows
from ahtui.sync import conflicts as sync_conflicts
from ahtui.sync import files as sync_files
from ahtui.sync import incoming, outgoing
from ahtui.widgets.form import FormScreen

SIZE = (80, 24)


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(
        tmp_path_factory.mktemp("appsync"),
        [("Alpha Prison", "prison"), ("Beta Probation", "probation")],
    )


A, B = "Alpha Prison", "Beta Probation"


def _swap(a, b) -> None:
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    incoming.import_bundle(a, outgoing.export(b, a.site_id).data)


def _app(path: Path) -> AhtuiApp:
    return AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)


async def _fill(pilot, values: dict) -> FormScreen:
    await wait_for(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, FormScreen) and bool(pilot.app.screen.query(".form-row"))
        ),
    )
    form = pilot.app.screen
    for name, value in values.items():
        form.set_value(name, value)
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()
    return form


async def _import(pilot, path: Path) -> SyncScreen:
    await pilot.press("i")
    await _fill(pilot, {"path": str(path)})
    screen = pilot.app.screen
    assert isinstance(screen, SyncScreen), type(screen)
    await wait_for(pilot, lambda: not screen.busy and not pilot.app.workers)
    return screen


def _ready_sites(family: Family, tmp_path: Path):
    sites = family.fresh(tmp_path)
    return sites, {n: s.path for n, s in sites.items()}


# -- export, import, refusal, re-import ------------------------------------------------------
async def test_export_from_one_site_and_import_at_another(family: Family, tmp_path: Path) -> None:
    sites, paths = _ready_sites(family, tmp_path)
    pid = person(sites[A], "Ada", "Exported", **ALL)
    b_id = sites[B].site_id
    for s in sites.values():
        s.close()
    outbox = tmp_path / "outbox"

    # Site A: the sync screen lists B; export a bundle for it to the outbox.
    app = _app(paths[A])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        assert [p.name for p in screen.peers] == [B]
        assert screen.peers[0].fingerprint_short
        await pilot.press("e")
        await _fill(pilot, {"peer": b_id, "folder": str(outbox)})
        await wait_for(pilot, lambda: screen.last_export is not None and not screen.busy)
        written = screen.last_export.path
        assert written.parent == outbox and written.exists()
        assert f"WROTE {written.name}: " in screen.result_text()
        assert screen.last_export.changes > 0
        history = screen.query_one("#sync-history")
        assert history.row_count == 1
        assert "Sent to" in [str(c) for c in history.get_row_at(0)]

    good = written
    tampered_dir = tmp_path / "tampered"
    tampered_dir.mkdir()
    data = bytearray(good.read_bytes())
    data[-100] ^= 0x01
    (tampered_dir / "zz-tampered.ahtuib").write_bytes(bytes(data))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(good, inbox / good.name)
    shutil.copy(tampered_dir / "zz-tampered.ahtuib", inbox / "zz-tampered.ahtuib")

    # Site B: a tampered bundle is refused with its message and changes nothing.
    app = _app(paths[B])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("s")
        before = full_digest(app.site)
        screen = await _import(pilot, tampered_dir)
        text = screen.result_text()
        assert "REFUSED zz-tampered.ahtuib" in text
        assert "changed or damaged since it was signed; nothing was applied" in text
        assert full_digest(app.site) == before
        assert app.site.one("SELECT 1 FROM people WHERE id = ?", (pid,)) is None

        # The good bundle applies, with the progress bar full and a result line.
        screen = await _import(pilot, good)
        bar = screen.query_one("#sync-progress")
        assert bar.display and bar.total == 1 and bar.progress == 1
        assert f"APPLIED {good.name}: applied " in screen.result_text()
        assert f"from {A}" in screen.result_text()
        assert app.site.one("SELECT given_name FROM people WHERE id = ?", (pid,))[0] == "Ada"

        # The inbox again: the good one is already imported, and so, by its header, is the
        # tampered copy of it: neither is read further, and nothing changes.
        after = full_digest(app.site)
        screen = await _import(pilot, inbox)
        text = screen.result_text()
        assert "2 files: 0 applied (0 changes), 2 already imported, 0 refused." in text
        assert f"ALREADY IMPORTED {good.name}: already imported from {A}" in text
        assert "ALREADY IMPORTED zz-tampered.ahtuib" in text
        assert full_digest(app.site) == after
        assert bar.total == 2 and bar.progress == 2
        directions = [str(screen.query_one("#sync-history").get_row_at(0)[1])]
        assert directions == ["Received from"]


async def test_import_form_names_a_missing_path_and_keeps_the_form(
    family: Family, tmp_path: Path
) -> None:
    sites, paths = _ready_sites(family, tmp_path)
    for s in sites.values():
        s.close()
    empty = tmp_path / "empty"
    empty.mkdir()
    app = _app(paths[A])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("s")
        await pilot.press("i")
        form = await _fill(pilot, {"path": str(tmp_path / "nowhere")})
        assert app.screen is form
        assert "There is no file or folder" in str(form.query_one("#error-path").render())
        form.set_value("path", str(empty))
        await pilot.press("ctrl+s")
        assert "holds no bundles" in str(form.query_one("#error-path").render())
        await pilot.press("escape", "d")  # Esc asks about the typed path; d discards it
        assert isinstance(app.screen, SyncScreen)


async def test_sync_keys_are_in_the_palette_and_a_revoked_site_says_so(
    family: Family, tmp_path: Path
) -> None:
    from ahtui.sync import keys

    sites, paths = _ready_sites(family, tmp_path)
    keys.revoke(sites[A], sites[B].site_id)
    for s in sites.values():
        s.close()
    app = _app(paths[A])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("s")
        table = app.screen.query_one("#sync-peers")
        assert str(table.get_row_at(0)[5]) == "REVOKED"
        assert "REVOKED: nothing is sent to it" in str(
            app.screen.query_one("#sync-peer-detail").render()
        )
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, SyncScreen)  # no form: there is no site to export to
        provider = AhtuiCommands(app.screen)
        names = {a.palette_name for a, _ in provider._commands()}
        assert {"Sync: export a bundle", "Sync: import bundles", "Sync: open conflicts"} <= names
        await pilot.press("f1")
        await pilot.pause()
        shown = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "Export" in shown and "Import" in shown
        await pilot.press("escape")
        await pilot.press("f")
        assert isinstance(app.screen, ConflictsScreen)
        names = {a.palette_name for a, _ in AhtuiCommands(app.screen)._commands()}
        assert {
            "Conflicts: keep this site's value",
            "Conflicts: take the other site's value",
            "Conflicts: combine both values",
        } <= names
        assert "No open conflicts" in str(app.screen.query_one("#conflict-detail").render())
        # With nothing to resolve, the keys do nothing (and say nothing is highlighted).
        await pilot.press("m", "c")
        assert isinstance(app.screen, ConflictsScreen)


# -- conflicts -------------------------------------------------------------------------------
def _row_for(screen: ConflictsScreen, column: str) -> int:
    return next(i for i, v in enumerate(screen.views) if v.column == column)


async def test_conflicts_resolved_by_choosing_and_combining_travel_back(
    family: Family, tmp_path: Path
) -> None:
    sites, paths = _ready_sites(family, tmp_path)
    a, b = sites[A], sites[B]
    pid = person(a, "Cora", "Conflict", **ALL)
    _swap(a, b)
    rows.update(a, "people", pid, {"prison": "HMP Alpha", "probation_area": "North"})
    rows.update(b, "people", pid, {"prison": "HMP Beta", "probation_area": "South"})
    _swap(a, b)
    _swap(a, b)
    assert digest(a) == digest(b)
    assert len(sync_conflicts.conflicts(b)) == 2
    for s in sites.values():
        s.close()

    app = _app(paths[B])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("f")
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        assert len(screen.views) == 2
        assert all(v.person_name == "Conflict, Cora" for v in screen.views)
        table = screen.query_one("#conflicts-table")
        table.move_cursor(row=_row_for(screen, "prison"))
        await pilot.pause()
        detail = str(screen.query_one("#conflict-detail").render())
        assert "Personal details: Prison" in detail
        assert f"Mine   (this site, {B}" in detail and ": HMP Beta" in detail
        assert f"Theirs ({A}" in detail and ": HMP Alpha" in detail
        # Choose theirs: A's value.
        await pilot.press("t")
        await pilot.pause()
        assert [v.column for v in screen.views] == ["probation_area"]
        assert app.site.one("SELECT prison FROM people WHERE id = ?", (pid,))[0] == "HMP Alpha"
        # Combine: the form starts with both (mine first), edited to what should stay.
        await pilot.press("c")
        form = await _fill(pilot, {})
        assert app.screen is not form
        await pilot.pause()
        assert screen.views == []
        row = app.site.one("SELECT probation_area FROM people WHERE id = ?", (pid,))
        assert row[0] == "South / North"
        assert "No open conflicts" in str(screen.query_one("#conflict-detail").render())

    # The resolutions reach A by bundle: equal values, no open conflicts on either site.
    a, b = fast_open(paths[A], family.keys[A]), fast_open(paths[B], family.keys[B])
    try:
        _swap(b, a)
        for s in (a, b):
            row = s.one("SELECT prison, probation_area FROM people WHERE id = ?", (pid,))
            assert tuple(row) == ("HMP Alpha", "South / North")
            assert sync_conflicts.conflicts(s) == []
        assert digest(a) == digest(b)
    finally:
        a.close()
        b.close()


async def test_combine_with_an_edited_value_and_choose_mine(family: Family, tmp_path: Path) -> None:
    sites, paths = _ready_sites(family, tmp_path)
    a, b = sites[A], sites[B]
    pid = person(a, "Cal", "Combine", **ALL)
    _swap(a, b)
    rows.update(a, "people", pid, {"prison": "HMP Alpha", "probation_area": "North"})
    rows.update(b, "people", pid, {"prison": "HMP Beta", "probation_area": "South"})
    _swap(a, b)
    _swap(a, b)
    for s in sites.values():
        s.close()

    app = _app(paths[A])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        app.push_screen(ConflictsScreen(pid))
        await pilot.pause()
        screen = app.screen
        assert "Combine, Cal" in str(screen.query_one("#conflicts-head").render())
        screen.query_one("#conflicts-table").move_cursor(row=_row_for(screen, "probation_area"))
        await pilot.pause()
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        form = app.screen
        assert form.values()["value"] == "North / South"
        await _fill(pilot, {"value": "North and South (shared)"})
        assert isinstance(app.screen, ConflictsScreen)
        await pilot.press("m")
        await pilot.pause()
        assert screen.views == []
        row = app.site.one("SELECT prison, probation_area FROM people WHERE id = ?", (pid,))
        assert tuple(row) == ("HMP Alpha", "North and South (shared)")

    a, b = fast_open(paths[A], family.keys[A]), fast_open(paths[B], family.keys[B])
    try:
        _swap(a, b)
        for s in (a, b):
            row = s.one("SELECT prison, probation_area FROM people WHERE id = ?", (pid,))
            assert tuple(row) == ("HMP Alpha", "North and South (shared)")
            assert sync_conflicts.conflicts(s) == []
    finally:
        a.close()
        b.close()


async def test_deleted_and_edited_record_explained_and_restored(
    family: Family, tmp_path: Path
) -> None:
    sites, paths = _ready_sites(family, tmp_path)
    a, b = sites[A], sites[B]
    gone = person(a, "Del", "Eted", **ALL)
    other = person(a, "Oth", "Er", **ALL)
    _swap(a, b)
    rows.soft_delete(a, "people", gone)
    rows.update(b, "people", gone, {"given_name": "Edited"})
    rows.update(a, "people", other, {"prison": "HMP One"})
    rows.update(b, "people", other, {"prison": "HMP Two"})
    _swap(a, b)
    _swap(a, b)
    assert {c["kind"] for c in sync_conflicts.conflicts(a)} == {"delete", "value"}
    for s in sites.values():
        s.close()

    app = _app(paths[A])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        app.push_screen(ConflictsScreen(gone))
        await pilot.pause()
        screen = app.screen
        assert [v.kind for v in screen.views] == ["delete"]
        detail = str(screen.query_one("#conflict-detail").render())
        assert f"{A} deleted this personal details record" in detail
        assert f"while {B} changed Given name to Edited" in detail
        assert "Keep the edit: the record is restored with the edit" in detail
        # Mine/theirs do not apply to a deleted record; their keys do nothing here.
        assert screen.check_action("choose", ("mine",)) is False
        await pilot.press("m")
        await pilot.pause()
        assert len(screen.views) == 1
        await pilot.press("k")
        await pilot.pause()
        assert screen.views == []
        row = app.site.one("SELECT given_name, deleted_at FROM people WHERE id = ?", (gone,))
        assert row["given_name"] == "Edited" and row["deleted_at"] is None
        # The other person's conflict is still open, on everyone's list.
        assert [v.person_id for v in sync_conflicts.conflict_views(app.site)] == [other]

    a, b = fast_open(paths[A], family.keys[A]), fast_open(paths[B], family.keys[B])
    try:
        _swap(a, b)
        assert b.one("SELECT deleted_at FROM people WHERE id = ?", (gone,))[0] is None
        assert digest(a) == digest(b)
    finally:
        a.close()
        b.close()


# -- the services under the screens --------------------------------------------------------
def test_import_files_reports_each_file_with_progress(family: Family, tmp_path: Path) -> None:
    from ahtui.errors import ValidationFailed

    sites, _paths = _ready_sites(family, tmp_path)
    a, b = sites[A], sites[B]
    try:
        person(a, "Pro", "Gress", **ALL)
        out = sync_files.export_to(a, b.site_id, tmp_path / "out")
        junk = tmp_path / "out" / "zz-junk.ahtuib"
        junk.write_text("not a bundle at all\n")
        files = sync_files.bundle_files(str(tmp_path / "out"))
        assert files == [out.path, junk]
        assert sync_files.bundle_files(str(tmp_path / "out" / "zz-*")) == [junk]
        with pytest.raises(ValidationFailed, match="No file matches"):
            sync_files.bundle_files(str(tmp_path / "out" / "nothing-*"))
        calls = []
        results = sync_files.import_files(b, files, lambda *c: calls.append(c))
        assert [(d, t) for d, t, _ in calls] == [(0, 2), (1, 2), (2, 2)]
        assert [r.outcome for r in results] == ["applied", "refused"]
        assert "not an ahtui sync bundle" in results[1].message
        assert junk.exists() and out.path.exists()
        again = sync_files.import_files(b, files, should_stop=lambda: False)
        assert [r.outcome for r in again] == ["already", "refused"]
        stopped = sync_files.import_files(b, files, should_stop=lambda: True)
        assert [r.outcome for r in stopped] == ["skipped", "skipped"]
        assert "site was locked" in sync_files.summary(stopped)
        missing = sync_files.import_one(b, tmp_path / "gone.ahtuib")
        assert missing.outcome == "refused" and "cannot be read" in missing.message
    finally:
        a.close()
        b.close()


def test_export_folder_problems_are_named(family: Family, tmp_path: Path) -> None:
    from ahtui.errors import ValidationFailed

    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(ValidationFailed, match="is a file, not a folder"):
        sync_files.check_out_folder(str(a_file))
    with pytest.raises(ValidationFailed, match="Give the folder"):
        sync_files.check_out_folder("")
    assert sync_files.check_out_folder(str(tmp_path / "new" / "box")).is_dir()


def test_default_folders_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AHTUI_SYNC_INBOX", str(tmp_path / "in"))
    monkeypatch.delenv("AHTUI_SYNC_OUTBOX", raising=False)
    monkeypatch.chdir(tmp_path)
    assert sync_files.default_folder("inbox") == tmp_path / "in"
    assert sync_files.default_folder("outbox") == tmp_path


# -- snapshots -------------------------------------------------------------------------------
FIXED_AT = "2025-03-03T09:30:00.000Z"
# 3 Mar 2025 09:30 UTC as a hybrid logical clock value (ms << 16).
FIXED_HLC = 1740994200000 << 16


def _fix_for_snapshot(site, pid: str | None = None) -> None:
    """Random keys, ids and clock times, set to fixed values so the pictures are stable."""
    with site.write() as conn:
        conn.execute(
            "UPDATE sync_peers SET fingerprint = '1a2b 3c4d 5e6f 7a8b 9c0d 1e2f 3a4b 5c6d 7e8f 9a0b'"
        )
        conn.execute(
            "UPDATE sync_peers SET last_sent_at = ?, last_received_at = ?", (FIXED_AT, FIXED_AT)
        )
        conn.execute("UPDATE sync_bundles SET at = ?, bytes = 4321", (FIXED_AT,))
        conn.execute("UPDATE sync_conflicts SET lost_hlc = ?", (FIXED_HLC,))
        conn.execute("UPDATE sync_cols SET hlc = ?", (FIXED_HLC + 1,))


@pytest.fixture
def snap_paths(family: Family, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    sites, paths = _ready_sites(family, tmp_path)
    a, b = sites[A], sites[B]
    pid = person(a, "Sam", "Snapshot", **ALL)
    _swap(a, b)
    # Milliseconds apart, so B's edits are the later ones and win on every run.
    time.sleep(0.01)
    rows.update(a, "people", pid, {"prison": "HMP Alpha", "probation_area": "North"})
    time.sleep(0.01)
    rows.update(b, "people", pid, {"prison": "HMP Beta", "probation_area": "South"})
    _swap(a, b)
    _swap(a, b)
    _fix_for_snapshot(b)
    for s in sites.values():
        s.close()
    monkeypatch.chdir(tmp_path)
    return paths


def _then(*keys: str):
    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: caseload_ready(pilot.app))
        await pilot.app.workers.wait_for_complete()
        await press_and_hold(pilot, keys)

    return run_before


def test_snapshot_sync_screen(snap_compare, snap_paths: dict[str, Path]) -> None:
    assert snap_compare(_app(snap_paths[B]), terminal_size=SIZE, run_before=_then("s"))


def test_snapshot_sync_after_import(snap_compare, snap_paths: dict[str, Path]) -> None:
    """Two files refused (a text file and a truncated one): the bar, the words, the summary."""
    inbox = snap_paths[B].parent / "inbox"
    inbox.mkdir()
    (inbox / "letter.ahtuib").write_text("Dear colleague,\n")
    (inbox / "short.ahtuib").write_bytes(b"AHTUI")

    async def run_before(pilot) -> None:
        await _then("s")(pilot)
        await pilot.press("i")
        await _fill(pilot, {"path": str(inbox)})
        await wait_for(pilot, lambda: not pilot.app.screen.busy)
        await pilot.app.workers.wait_for_complete()
        pilot.app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_paths[B]), terminal_size=SIZE, run_before=run_before)


def test_snapshot_conflicts_screen(snap_compare, snap_paths: dict[str, Path]) -> None:
    assert snap_compare(_app(snap_paths[B]), terminal_size=SIZE, run_before=_then("f"))


def test_snapshot_export_form(
    snap_compare, snap_paths: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AHTUI_SYNC_OUTBOX", "outbox")
    assert snap_compare(_app(snap_paths[B]), terminal_size=SIZE, run_before=_then("s", "e"))


def test_snapshot_combine_form(snap_compare, snap_paths: dict[str, Path]) -> None:
    assert snap_compare(_app(snap_paths[B]), terminal_size=SIZE, run_before=_then("f", "c"))


def test_snapshot_conflicts_no_color(
    snap_compare, snap_paths: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = _app(snap_paths[B])
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("f"))


async def test_a_clock_far_ahead_of_the_trusted_time_is_said_on_unlocking(
    family: Family, tmp_path: Path
) -> None:
    sites, paths = _ready_sites(family, tmp_path)
    ten_days_ago = int(time.time() * 1000) - 10 * 24 * 3600 * 1000
    with sites[A].write() as conn:
        conn.execute("UPDATE sync_clock SET trusted_ms = ?", (ten_days_ago,))
    for s in sites.values():
        s.close()
    app = _app(paths[A])
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        shown = " ".join(str(n.message) for n in app._notifications)
        assert (
            "This computer's clock is 10 days ahead of the latest date this site can trust" in shown
        )
        # And the sync screen says it in place of its hint.
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))
        assert "10 days ahead" in str(app.screen.query_one("#sync-result").render())
