"""A site restored from a backup gets back, from its peers, what the backup lacked.

Site A backs up, goes on working and exchanging with B, exports more to B, and is then
restored from the backup: after two exchanges A and B hold the same records again, with
everything either of them wrote. A control run without telling the peers shows the restore
mechanism is what makes it so: without it, changes are lost for good.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_sync_helpers import ALL, digest, make_sites, person

from ahtui.cli import main
from ahtui.store.notes import add_note
from ahtui.store.people import update_person
from ahtui.store.site import Site, open_site
from ahtui.sync import incoming, outgoing


def send(src: Site, dst: Site, folder: Path) -> None:
    """One bundle from `src`, imported by `dst`."""
    ex = outgoing.export(src, dst.site_id)
    path = folder / f"{src.name}-{ex.sequence}-{ex.bundle_id[:8]}.ahtuib"
    path.write_bytes(ex.data)
    incoming.import_file(dst, path)


def exchange(a: Site, b: Site, folder: Path) -> None:
    send(a, b, folder)
    send(b, a, folder)


def note(site: Site, pid: str, text: str) -> str:
    return add_note(site, pid, {"contact_at": "2026-02-02T10:00", "contact_type": "phone",
                                "body": text})  # fmt: skip


def notes(site: Site) -> set[str]:
    return {r[0] for r in site.query("SELECT body FROM case_notes WHERE deleted_at IS NULL")}


def _pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Site, Site, Path]:
    """Sites A and B, trusting each other, and a folder for their bundles."""
    monkeypatch.setenv("AHTUI_USER", ADMIN)
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    sites = make_sites(tmp_path / "sites", [("A", "prison"), ("B", "probation")])
    box = tmp_path / "box"
    box.mkdir()
    return sites["A"], sites["B"], box


def restore(a: Site, archive: Path) -> Site:
    """A's disk dies; A is restored from `archive` over its own path, and opened again."""
    path = a.path
    a.close()
    assert main(["restore", str(archive), "--site", str(path), "--force"]) == 0
    return open_site(path, ADMIN, PASSPHRASE)


def _story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Site, Site, Path]:
    """A backed up, changed, exchanged, exported to B once more, then restored."""
    a, b, box = _pair(tmp_path, monkeypatch)
    ann = person(a, "Ann", **ALL)
    note(a, ann, "before the backup, from A")
    exchange(a, b, box)
    note(b, ann, "before the backup, from B")
    exchange(a, b, box)
    archive = tmp_path / "a.ahtui-backup"
    assert main(["backup", "--site", str(a.path), "--out", str(archive)]) == 0
    # After the backup: both sides write, and they exchange, so each acknowledges the other.
    bob = person(a, "Bob", **ALL)
    note(a, bob, "after the backup, from A")
    note(b, ann, "after the backup, from B")
    update_person(b, ann, {"preferred_name": "Annie"})
    exchange(a, b, box)
    # A writes once more and sends it to B; then A's disk dies.
    note(a, ann, "last words from A")
    send(a, b, box)
    a = restore(a, archive)
    assert "after the backup, from A" not in notes(a)
    # The restored site goes on working before it hears from anyone.
    note(a, ann, "after the restore, from A")
    return a, b, box


EVERY_NOTE = {
    "before the backup, from A",
    "before the backup, from B",
    "after the backup, from A",
    "after the backup, from B",
    "last words from A",
    "after the restore, from A",
}


def test_after_a_restore_two_exchanges_bring_both_sites_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, box = _story(tmp_path, monkeypatch)
    try:
        assert "says it was restored" in capsys.readouterr().out
        assert main(["sync", "status", "--site", str(a.path)]) == 0
        assert "restored from a backup: B sends again" in capsys.readouterr().out
        for _ in range(2):
            exchange(a, b, box)
        assert main(["sync", "status", "--site", str(a.path)]) == 0
        assert "restored from a backup" not in capsys.readouterr().out
        assert digest(a) == digest(b)
        assert notes(a) == notes(b) == EVERY_NOTE
        names = {r[0] for r in a.query("SELECT given_name FROM people")}
        assert names == {"Ann", "Bob"}
        assert a.one("SELECT preferred_name FROM people WHERE given_name = 'Ann'")[0] == "Annie"
        # And sync goes on as before: a change on either side travels in one exchange.
        note(b, a.one("SELECT id FROM people WHERE given_name = 'Bob'")[0], "later, from B")
        note(a, a.one("SELECT id FROM people WHERE given_name = 'Ann'")[0], "later, from A")
        exchange(a, b, box)
        send(a, b, box)
        assert digest(a) == digest(b)
        assert {"later, from A", "later, from B"} <= notes(b)
    finally:
        a.close()
        b.close()


def test_a_bundle_written_before_the_restore_and_delivered_after_does_not_undo_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, box = _pair(tmp_path, monkeypatch)
    ann = person(a, "Ann", **ALL)
    exchange(a, b, box)
    archive = tmp_path / "a.ahtui-backup"
    assert main(["backup", "--site", str(a.path), "--out", str(archive)]) == 0
    note(b, ann, "B after the backup")
    send(b, a, box)
    note(a, ann, "A after the backup")
    late = outgoing.export(a, b.site_id)  # written now, delivered after the restore
    a = restore(a, archive)
    try:
        send(a, b, box)  # B hears of the restore
        (box / "late.ahtuib").write_bytes(late.data)
        incoming.import_file(b, box / "late.ahtuib")  # its acknowledgement must not count
        for _ in range(2):
            exchange(a, b, box)
        assert digest(a) == digest(b)
        assert {"B after the backup", "A after the backup"} <= notes(a)
    finally:
        a.close()
        b.close()


def test_without_telling_its_peers_a_restored_site_loses_changes_for_good(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the same story with the restore kept from the peers."""
    monkeypatch.setattr("ahtui.cli.backup.mark_restored", lambda site, now_ms: 0)
    a, b, box = _story(tmp_path, monkeypatch)
    try:
        for _ in range(2):
            exchange(a, b, box)
        assert notes(a) != EVERY_NOTE
    finally:
        a.close()
        b.close()


def test_what_only_a_relay_holds_comes_back_to_the_restored_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A's changes after its backup went to B, which passed them on to C; the restored A
    exchanges with C only, which gives them back."""
    monkeypatch.setenv("AHTUI_USER", ADMIN)
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    sites = make_sites(tmp_path / "sites", [("A", "prison"), ("B", "probation"),
                                            ("C", "local_authority")])  # fmt: skip
    a, b, c = sites["A"], sites["B"], sites["C"]
    box = tmp_path / "box"
    box.mkdir()
    ann = person(a, "Ann", **ALL)
    for x, y in ((a, b), (a, c), (b, c)):
        exchange(x, y, box)
    archive = tmp_path / "a.ahtui-backup"
    assert main(["backup", "--site", str(a.path), "--out", str(archive)]) == 0
    note(a, ann, "A after the backup, by way of B")
    send(a, b, box)
    send(b, c, box)
    note(c, ann, "C after the backup")
    a = restore(a, archive)
    try:
        for _ in range(2):
            exchange(a, c, box)
        assert {"A after the backup, by way of B", "C after the backup"} <= notes(a)
        assert digest(a) == digest(c)
    finally:
        for s in (a, b, c):
            s.close()
