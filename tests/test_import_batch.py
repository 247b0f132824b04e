"""A folder of bundles imported together (in one transaction) ends as importing
them one by one does: the same rows, the same message for each file, a refused file changing
nothing of its own and nothing of the others'.
"""

from __future__ import annotations

import json
import os
import queue
import re
import threading
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_sync_bulk import MANY, _many, _opened, _resealed, _schema
from test_sync_helpers import ALL, Family, digest, fast_open, person

from ahtui import cli
from ahtui.store import hlc as clock
from ahtui.sync import files, import_batch, outgoing
from ahtui.sync import wire as sync_wire

DAY_MS = 24 * 3600 * 1000
BAD_ID = "ffffffff-ffff-4fff-8fff-ffffffffffff"


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(
        tmp_path_factory.mktemp("batch"),
        [("A", "prison"), ("B", "probation"), ("C", "local_authority")],
    )


def _forged(a, b, data: bytes) -> bytes:
    """A's bundle re-signed with one row B's schema refuses, after rows that go in first."""
    payload = _opened(b, data)
    cols = payload["tables"]["people"]["cols"]
    rows, _ = sync_wire.decode_block(payload["tables"]["people"], payload["sites"])
    rows = json.loads(json.dumps(rows))
    bad = json.loads(json.dumps(rows[-1]))
    bad[6][cols.index("id")] = BAD_ID
    bad[6][cols.index("pathway")] = "nonsense"
    payload["tables"]["people"] = {"cols": cols, "rows": [*rows, bad]}
    return _resealed(a, b, data, payload)


def _folder(sites, folder: Path) -> tuple[list[Path], set[str]]:
    """Bundles for B from A and C, with a forged one, a damaged one and a replayed one among
    them; and the people only a refused one carries."""
    a, b, c = sites["A"], sites["B"], sites["C"]
    folder.mkdir()
    out: list[Path] = []

    def put(name: str, data: bytes) -> None:
        path = folder / f"{len(out):02d}-{name}.ahtuib"
        path.write_bytes(data)
        out.append(path)

    _many(a, MANY)  # enough for the bulk path: its triggers and indexes set aside
    first = outgoing.export(a, b.site_id).data
    put("a1", first)
    person(c, "Cee", "One", **ALL)
    put("c1", outgoing.export(c, b.site_id).data)
    only_refused = {person(a, "Refused", "Forged", **ALL)}
    put("forged", _forged(a, b, outgoing.export(a, b.site_id).data))
    person(c, "Sent", "Again", **ALL)  # refused here, but in C's next bundle too
    damaged = bytearray(outgoing.export(c, b.site_id).data)
    damaged[-100] ^= 0x01
    put("damaged", bytes(damaged))
    put("a1-again", first)
    person(c, "Cee", "Two", **ALL)
    put("c2", outgoing.export(c, b.site_id).data)
    return out, only_refused


def _state(site) -> tuple[object, ...]:
    """What an import leaves, less the times it happened at."""
    q = site.conn.execute
    return (
        digest(site),
        q("SELECT bundle_id, peer, sequence, since, upto, changes, purges, bytes "
          "FROM sync_bundles ORDER BY bundle_id").fetchall(),
        q("SELECT peer, since, upto FROM sync_received ORDER BY 1, 2, 3").fetchall(),
        q("SELECT tbl, row_id, hlc, origin FROM sync_rows ORDER BY 1, 2").fetchall(),
        q("SELECT count(*) FROM sync_conflicts").fetchone()[0],
        q("SELECT table_name, row_id, columns FROM audit WHERE action = 'sync import' "
          "ORDER BY row_id").fetchall(),
        q("SELECT seq FROM sync_clock").fetchone()[0],
        _schema(site),
    )  # fmt: skip


def _tuples(state: tuple[object, ...]) -> list[object]:
    return [[tuple(r) for r in part] if isinstance(part, list) else part for part in state]


def test_a_folder_goes_in_as_one_file_at_a_time_does(family: Family, tmp_path: Path) -> None:
    sites = family.fresh(tmp_path / "sent")
    other = family.fresh(tmp_path / "alone")
    try:
        paths, only_refused = _folder(sites, tmp_path / "inbox")
        b, alone = sites["B"], other["B"]
        calls: list[tuple[int, int, str | None]] = []
        together = files.import_files(
            b, paths, lambda d, t, last: calls.append((d, t, last and last.outcome))
        )
        one_by_one = [files.import_one(alone, p) for p in paths]

        assert [r.line for r in together] == [r.line for r in one_by_one]
        assert [r.outcome for r in together] == [
            "applied", "applied", "refused", "refused", "already", "applied",
        ]  # fmt: skip
        assert "holds a record this site cannot store" in together[2].message
        assert "changed or damaged" in together[3].message
        assert "already imported from A" in together[4].message
        assert calls == [
            (0, 6, None), (1, 6, "applied"), (2, 6, "applied"), (3, 6, "refused"),
            (4, 6, "refused"), (5, 6, "already"), (6, 6, "applied"),
        ]  # fmt: skip
        assert _tuples(_state(b)) == _tuples(_state(alone))
        # Nothing of the refused ones landed, and what they set aside is back.
        held = {r[0] for r in b.query("SELECT id FROM people")}
        assert not held & (only_refused | {BAD_ID})
        assert b.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Committed, and the page cache put back as it was.
        assert not b.conn.in_transaction
        assert b.one("PRAGMA cache_size")[0] == alone.one("PRAGMA cache_size")[0]
    finally:
        Family.discard(sites)
        Family.discard(other)


def test_commits_along_the_way_change_nothing_of_the_outcome(
    family: Family, tmp_path: Path
) -> None:
    sites = family.fresh(tmp_path / "sent")
    other = family.fresh(tmp_path / "alone")
    try:
        paths, _ = _folder(sites, tmp_path / "inbox")
        b, alone = sites["B"], other["B"]
        # A transaction for every file that brought changes: at most one past the bound.
        got = import_batch.import_each(b, paths, changes_per_commit=1)
        together = [files.file_result(o) for o in got if o is not None]
        alone_results = files.import_files(alone, paths)
        assert [r.line for r in together] == [r.line for r in alone_results]
        assert _tuples(_state(b)) == _tuples(_state(alone))
    finally:
        Family.discard(sites)
        Family.discard(other)


def test_a_clock_refusal_is_noted_among_other_files(family: Family, tmp_path: Path) -> None:
    sites = family.fresh(tmp_path)
    try:
        a, b, c = sites["A"], sites["B"], sites["C"]
        folder = tmp_path / "inbox"
        folder.mkdir()
        person(c, "Before", "Ahead", **ALL)
        (folder / "0-c.ahtuib").write_bytes(outgoing.export(c, b.site_id).data)
        ahead = (clock.state(a.conn).wall_ms() + 6 * DAY_MS) << clock.SHIFT
        a.conn.execute("UPDATE sync_clock SET hlc = ?", (ahead,))
        person(a, "Far", "Ahead", **ALL)
        (folder / "1-a.ahtuib").write_bytes(outgoing.export(a, b.site_id).data)
        # Refused once it has begun to write: the transaction is rolled back and done again
        # without it, the clock note made again too.
        forged = _forged(c, b, outgoing.export(c, b.site_id).data)
        (folder / "2-forged.ahtuib").write_bytes(forged)
        person(c, "After", "Ahead", **ALL)
        (folder / "3-c.ahtuib").write_bytes(outgoing.export(c, b.site_id).data)
        results = files.import_files(b, files.bundle_files(str(folder)))
        assert [r.outcome for r in results] == ["applied", "refused", "refused", "applied"]
        assert "6 days ahead of this computer's clock" in results[1].message
        assert "cannot store" in results[2].message
        peer = b.one("SELECT * FROM sync_peers WHERE site_id = ?", (a.site_id,))
        assert peer["clock_refused_at"] and peer["clock_ahead_ms"] > 5 * DAY_MS
        assert not b.query("SELECT 1 FROM people WHERE given_name = 'Far'")
        assert len(b.query("SELECT 1 FROM people WHERE family_name = 'Ahead'")) == 2
    finally:
        Family.discard(sites)


def test_a_folder_import_stopped_half_way_keeps_what_went_in(
    family: Family, tmp_path: Path
) -> None:
    sites = family.fresh(tmp_path)
    try:
        paths, _ = _folder(sites, tmp_path / "inbox")
        b = sites["B"]
        asked = 0

        def should_stop() -> bool:
            nonlocal asked
            asked += 1
            return asked > 2

        calls: list[tuple[int, int]] = []
        results = files.import_files(
            b, paths, lambda d, t, _last: calls.append((d, t)), should_stop=should_stop
        )
        assert [r.outcome for r in results] == ["applied", "applied", *["skipped"] * 4]
        assert all("site was locked" in r.message for r in results[2:])
        assert calls == [(i, 6) for i in range(7)]
        # What went in is committed: another connection sees it.
        assert not b.conn.in_transaction
        seen = fast_open(b.path, b.data_key)
        try:
            assert (
                seen.one("SELECT count(*) FROM sync_bundles WHERE direction = 'received'")[0] == 2
            )
        finally:
            seen.close()
        # Imported again, the two are already in and the rest go in as before.
        again = files.import_files(b, paths)
        assert [r.outcome for r in again] == [
            "already", "already", "refused", "refused", "already", "applied",
        ]  # fmt: skip
    finally:
        Family.discard(sites)


def test_a_screen_waiting_for_the_lock_does_not_hold_up_the_import(
    family: Family, tmp_path: Path
) -> None:
    """As the app's: progress waits for the screen's thread, which is itself waiting for the
    lock (the person quit while the files went in). The import stops at the next file."""
    sites = family.fresh(tmp_path)
    try:
        paths, _ = _folder(sites, tmp_path / "inbox")
        b = sites["B"]
        lock = threading.RLock()
        screen: queue.SimpleQueue = queue.SimpleQueue()
        quitting = threading.Event()

        def run_screen() -> None:
            while (show := screen.get()) is not None:
                show()

        def progress(done: int, _total: int, _last: object) -> None:
            shown = threading.Event()

            def show() -> None:
                if done == 1:  # quit: the site is given up, then closed under the lock
                    quitting.set()
                    with lock:
                        pass
                shown.set()

            screen.put(show)
            assert shown.wait(30), "the screen and the import wait for each other"

        threading.Thread(target=run_screen, daemon=True).start()
        got: list[list[files.FileResult]] = []
        worker = threading.Thread(
            target=lambda: got.append(
                files.import_files(b, paths, progress, lock, quitting.is_set)
            ),
            daemon=True,
        )
        worker.start()
        worker.join(60)
        screen.put(None)
        assert not worker.is_alive() and got, "the import hung"
        outcomes = [r.outcome for r in got[0]]
        assert outcomes[0] == "applied" and outcomes[-1] == "skipped"
        tried = outcomes.index("skipped")
        assert set(outcomes[tried:]) == {"skipped"}
        assert not b.conn.in_transaction
        applied = outcomes.count("applied")
        assert b.one("SELECT count(*) FROM sync_bundles WHERE direction = 'received'")[0] == applied
    finally:
        Family.discard(sites)


def test_sync_import_of_many_files_says_each_and_exits_2_for_a_refusal(
    family: Family, tmp_path: Path, capsys
) -> None:
    sites = family.fresh(tmp_path)
    try:
        paths, only_refused = _folder(sites, tmp_path / "inbox")
        b = sites["B"]
        os.environ["AHTUI_PASSPHRASE"] = PASSPHRASE
        code = cli.main(
            ["sync", "import", "--site", str(b.path), "--user", ADMIN, *map(str, paths)]
        )
        out, err = capsys.readouterr()
        assert code == 2
        assert "00-a1.ahtuib: applied from A" in out
        assert "04-a1-again.ahtuib: already imported from A" in out
        assert "05-c2.ahtuib: applied from C" in out
        changes = sum(int(n) for n in re.findall(r"applied from \w+: (\d+) changes", out))
        assert out.splitlines()[-1] == (
            f"6 files: 3 applied ({changes} changes, 0 new conflicts, 0 people removed), "
            "1 already imported, 2 not imported."
        )
        assert "Refused:" in err and "cannot store" in err and "changed or damaged" in err
        held = {r[0] for r in b.query("SELECT id FROM people")}
        assert not held & (only_refused | {BAD_ID})
        assert len(held) >= MANY + 2
    finally:
        Family.discard(sites)
