"""What lands in an inbox is not always a bundle: pipes, folders, huge files, unreadable files,
records written around the services, bundles that unpack to more than any bundle holds.

Each is met with a message and nothing applied, and the files after it are still imported.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_sync_helpers import ALL, Family, full_digest, person

from ahtui import cli
from ahtui.store import rows
from ahtui.store.notes import add_note
from ahtui.sync import bundle, incoming, keys, outgoing, policy
from ahtui.sync.errors import BundleRefused


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("inbox"), [("A", "prison"), ("B", "probation")])


def _ahtui(site, *argv: str) -> int:
    os.environ["AHTUI_PASSPHRASE"] = PASSPHRASE
    command = [argv[0], argv[1], "--site", str(site.path), "--user", ADMIN, *argv[2:]]
    return cli.main(command)


def _bundle_files(a, b, folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        person(a, f"Inbox{i}", "Person", **ALL)
        path = folder / f"{i:02d}-good.ahtuib"
        path.write_bytes(outgoing.export(a, b.site_id).data)
        out.append(path)
    return out


def _finishes(target, *args) -> object:
    """Run target(*args), failing (not hanging) if it has not returned within a minute."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(target(*args)), daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the import hung"
    return result[0]


def test_sync_run_skips_pipes_folders_and_huge_files_and_imports_the_rest(
    sites, tmp_path: Path, capsys
) -> None:
    a, b = sites["A"], sites["B"]
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    good = _bundle_files(a, b, inbox, 2)
    os.mkfifo(inbox / "01-pipe.ahtuib")
    (inbox / "01-folder.ahtuib").mkdir()
    huge = inbox / "01-huge.ahtuib"
    with open(huge, "wb") as f:  # sparse: no disk, and never read
        f.truncate(policy.MAX_BUNDLE_BYTES + 1)
    b.close()
    code = _finishes(_ahtui, b, "sync", "run", "--inbox", str(inbox), "--outbox", str(outbox))
    err = capsys.readouterr().err
    assert code == 1  # a file that could not be read at all
    assert "01-pipe.ahtuib is not a regular file" in err
    assert "01-folder.ahtuib is not a regular file" in err
    assert "01-huge.ahtuib is 512 MiB, more than the 512 MiB a bundle may be" in err
    from ahtui.store.site import open_site

    reopened = open_site(b.path, ADMIN, PASSPHRASE, audit_unlock=False)
    try:
        names = {r[0] for r in reopened.query("SELECT given_name FROM people")}
        assert {"Inbox0", "Inbox1"} <= names
        assert len(list(outbox.iterdir())) >= 1
    finally:
        reopened.close()
    assert all(p.exists() for p in good)


def test_sync_import_goes_on_past_a_file_it_cannot_read_and_reports_each(
    sites, tmp_path: Path, capsys
) -> None:
    a, b = sites["A"], sites["B"]
    first, second = _bundle_files(a, b, tmp_path / "in", 2)
    missing = tmp_path / "in" / "gone.ahtuib"
    b.close()
    code = _ahtui(b, "sync", "import", str(first), str(missing), str(second))
    out, err = capsys.readouterr()
    assert code == 1
    assert f"{first.name}: applied from A" in out and f"{second.name}: applied from A" in out
    assert "gone.ahtuib cannot be read: No such file or directory" in err
    # Only refusals (bad bundles) among them: exit code 2, the others still imported.
    junk = tmp_path / "in" / "junk.ahtuib"
    junk.write_text("not a bundle")
    assert _ahtui(b, "sync", "import", str(first), str(junk)) == 2
    out, err = capsys.readouterr()
    assert "already imported" in out and "Refused: junk.ahtuib is not an ahtui sync bundle" in err


def test_a_bundle_is_checked_by_its_header_before_it_is_read_whole(sites, tmp_path: Path) -> None:
    a, b = sites["A"], sites["B"]
    [path] = _bundle_files(a, b, tmp_path / "in", 1)
    assert incoming.import_file(b, path).changes > 0
    # Imported already, or for another site: known from the header, the body never read.
    reads = []
    real = os.fdopen

    def counting(fd, *args, **kw):
        f = real(fd, *args, **kw)
        original = f.read
        f.read = lambda n=-1: reads.append(n) or original(n)  # type: ignore[method-assign]
        return f

    os.fdopen = counting  # type: ignore[assignment]
    try:
        assert incoming.import_file(b, path).already
        with pytest.raises(BundleRefused, match="addressed to another site"):
            incoming.import_file(a, path)
    finally:
        os.fdopen = real  # type: ignore[assignment]
    assert reads and all(n != -1 and n < 4096 for n in reads), reads


def test_a_record_longer_than_the_services_allow_refuses_the_bundle(sites) -> None:
    a, b = sites["A"], sites["B"]
    pid = person(a, "Long", "Note", **ALL)
    nid = add_note(a, pid, {"contact_type": "phone", "contact_at": "2026-01-06", "body": "x"})
    rows.update(a, "case_notes", nid, {"body": "y" * 10_000_000})  # around add_note's limit
    before = full_digest(b)
    with pytest.raises(BundleRefused, match=r"text of 10,000,000 characters where this site "
                                            r"allows at most 20,000 \(a Case note record\)"):  # fmt: skip
        incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    assert full_digest(b) == before
    # Once shortened where it was written, the next bundle goes through.
    rows.update(a, "case_notes", nid, {"body": "shortened"})
    assert incoming.import_bundle(b, outgoing.export(a, b.site_id).data).changes > 0


def test_a_bundle_that_unpacks_to_more_than_the_limit_is_refused(sites) -> None:
    a, b = sites["A"], sites["B"]
    me = keys.identity(a)
    # 64 MiB of one repeated character: a small file that unpacks huge.
    payload = {"tables": {}, "pad": "z" * (64 * 2**20)}
    header = {"from": a.site_id, "to": b.site_id, "schema": 1, "bundle_id": "bomb",
              "sequence": 1, "since": 0, "upto": 0, "created_at": "now"}  # fmt: skip
    data = bundle.seal(header, payload, me, keys.identity(b).enc_public)
    assert len(data) < 2**20
    parsed = bundle.parse(data, "bomb")
    with pytest.raises(BundleRefused, match="unpacks to more than 16 MiB"):
        bundle.open_body(parsed, keys.decryption_keys(b), "bomb", 16 * 2**20)
    assert json.loads(zlib.decompress(zlib.compress(b"{}"))) == {}
    assert bundle.open_body(parsed, keys.decryption_keys(b), "bomb")["tables"] == {}
