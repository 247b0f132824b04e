"""The `keys` and `sync` commands, through the CLI's parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_sync_helpers import ALL, person

from ahtui.cli import build_parser
from ahtui.errors import AhtuiError
from ahtui.store.site import init_site, open_site


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AhtuiError as exc:
        print(exc.message)
        return exc.exit_code


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    paths = {}
    for name, agency in (("north", "prison"), ("south", "probation")):
        p = tmp_path / f"{name}.ahtui"
        init_site(p, name=name, agency=agency, admin=ADMIN, passphrase=PASSPHRASE).close()
        paths[name] = str(p)
    return paths


def test_cards_trust_export_import_run_and_status(two, tmp_path: Path, capsys) -> None:
    n, s = two["north"], two["south"]
    common = ["--user", ADMIN]
    assert run(["keys", "card", "--site", n, *common, "--out", str(tmp_path / "n.card")]) == 0
    assert run(["keys", "card", "--site", s, *common, "--out", str(tmp_path / "s.card")]) == 0
    out = capsys.readouterr().out
    assert "Fingerprint:" in out
    # Without --yes and without a terminal, trusting asks to compare fingerprints first.
    assert run(["keys", "trust", "--site", n, *common, str(tmp_path / "s.card")]) == 2
    assert run(["keys", "trust", "--site", n, *common, str(tmp_path / "s.card"), "--yes"]) == 0
    assert run(["keys", "trust", "--site", s, *common, str(tmp_path / "n.card"), "--yes"]) == 0
    capsys.readouterr()
    assert run(["keys", "list", "--site", n, *common, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in listed] == ["south"]
    site = open_site(n, ADMIN, PASSPHRASE)
    pid = person(site, "Cli", "Person", **ALL)
    site.close()
    out_dir = tmp_path / "out"
    assert (
        run(["sync", "export", "--site", n, *common, "--to", "south", "--out", str(out_dir)]) == 0
    )
    files = sorted(out_dir.iterdir())
    assert len(files) == 1
    assert run(["sync", "import", "--site", s, *common, str(files[0])]) == 0
    assert "applied from north" in capsys.readouterr().out
    assert run(["sync", "import", "--site", s, *common, str(files[0])]) == 0
    assert "already imported" in capsys.readouterr().out
    assert run(["sync", "import", "--site", n, *common, str(files[0])]) == 2
    assert "addressed to another site" in capsys.readouterr().err
    south = open_site(s, ADMIN, PASSPHRASE)
    assert south.one("SELECT given_name FROM people WHERE id = ?", (pid,))[0] == "Cli"
    south.close()
    # run: south's inbox is north's outbox and the other way round; twice is harmless.
    box_n, box_s = tmp_path / "box_n", tmp_path / "box_s"
    box_n.mkdir()
    box_s.mkdir()
    for _ in range(2):
        assert (
            run(
                ["sync", "run", "--site", n, *common, "--inbox", str(box_n), "--outbox", str(box_s)]
            )
            == 0
        )
        assert (
            run(
                ["sync", "run", "--site", s, *common, "--inbox", str(box_s), "--outbox", str(box_n)]
            )
            == 0
        )
    capsys.readouterr()
    assert run(["sync", "status", "--site", n, *common, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status[0]["name"] == "south" and status[0]["last_received"]
    assert run(["sync", "status", "--site", n, *common]) == 0
    assert "south (probation, trusted)" in capsys.readouterr().out
    assert run(["keys", "revoke", "--site", n, *common, "south"]) == 0
    assert (
        run(["sync", "export", "--site", n, *common, "--to", "south", "--out", str(out_dir)]) == 2
    )
    assert run(["keys", "rotate", "--site", s, *common, "--out", str(tmp_path / "s2.card")]) == 0


def test_a_second_sync_run_waits_its_turn(two, tmp_path: Path, capsys) -> None:
    import fcntl
    import os

    lock = Path(two["north"] + ".sync.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        box = tmp_path / "box"
        box.mkdir()
        argv = ["sync", "run", "--site", two["north"], "--user", ADMIN]
        assert run([*argv, "--inbox", str(box), "--outbox", str(box)]) == 1
        assert "still working" in capsys.readouterr().out
    finally:
        os.close(fd)
