"""Nothing a person types, or another site sends, reaches the terminal raw.

An attacker's name holds ESC (set the title, clear the screen, hide text), BEL, CR and a line
break (forge rows), and a right-to-left override (reorder a fingerprint). Such names are refused
at input; one that still arrives (from an older version, or a hostile site by sync) is shown with
every such character as a visible escape by `ahtui people`, `ahtui keys` and `ahtui sync`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from hypothesis import given
from hypothesis import strategies as st
from test_sync_helpers import Family, person

from ahtui.domain.terminal_text import control_characters, for_terminal
from ahtui.errors import BadInput, ValidationFailed
from ahtui.store import notes, people, rows
from ahtui.store.site import init_site
from ahtui.sync import incoming, keys, outgoing

# Every class the issue names: C0 (NUL, BEL, BS, tab, LF, CR, ESC), DEL, C1 (CSI), bidi.
HOSTILE = "Evil\x00\x07\x08\t\n\r\x1b]0;owned\x07\x1b[2J\x1b[8m\x7f\x9b31m\u202e\u2066x"
# What must never reach the terminal: the same classes, as one pattern.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("termfam"), [("A", "prison"), ("B", "probation")])


def test_every_control_class_is_shown_as_a_visible_escape() -> None:
    shown = for_terminal(HOSTILE)
    assert RAW.search(shown) is None and "\n" not in shown and "\t" not in shown
    assert shown.startswith("Evil\\x00\\x07\\x08\\x09\\x0a\\x0d\\x1b]0;owned")
    assert "\\x7f\\x9b31m\\u202e\\u2066x" in shown
    # A message's own line breaks stay when asked; nothing else does.
    assert for_terminal("one\ntwo\x1b", lines=True) == "one\ntwo\\x1b"
    # Ordinary text, accents and scripts included, is untouched.
    plain = "Siân O'Brien-Łukasz · 李 · Zoë ✓"
    assert for_terminal(plain) == plain and control_characters(plain) == []


@given(st.text())
def test_nothing_unsafe_survives_and_safe_text_is_unchanged(text: str) -> None:
    shown = for_terminal(text)
    assert RAW.search(shown) is None and "\n" not in shown and "\t" not in shown
    if not control_characters(text):
        assert shown == text


def test_names_with_control_characters_are_refused_at_input(site) -> None:
    for bad in ("Ann\x1b[2J", "Ann\nFingerprint: x", "Ann\u202eeman", "Ann\x07", "A\tB"):
        with pytest.raises(ValidationFailed) as info:
            people.create_person(
                site, {"given_name": bad, "family_name": "Test", "pathway": "long"}
            )
        assert "cannot be stored" in info.value.problems["given_name"]
    pid = person(site, "Ann", "Test")
    # A note may run over several lines (and hold a tab), but holds no terminal control.
    notes.add_note(
        site,
        pid,
        {
            "contact_type": "phone",
            "contact_at": "2026-01-05T10:00",
            "body": "First line\n\tsecond line",
        },
    )
    with pytest.raises(ValidationFailed):
        notes.add_note(
            site,
            pid,
            {
                "contact_type": "phone",
                "contact_at": "2026-01-05T10:00",
                "body": "Looks fine\x1b[8m hidden",
            },
        )


def test_a_site_name_with_control_characters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="terminal control"):
        init_site(
            tmp_path / "x.ahtui",
            name="HMP\x1b]0;x\x07",
            agency="prison",
            admin=ADMIN,
            passphrase=PASSPHRASE,
        )


def _cli(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, AHTUI_PASSPHRASE=PASSPHRASE)
    return subprocess.run(
        [sys.executable, "-m", "ahtui", *map(str, argv)],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_a_hostile_name_that_arrives_by_sync_is_shown_escaped(sites) -> None:
    a, b = sites["A"], sites["B"]
    pid = person(a, "Ann", "Test", probation="given")
    # Written below the input models, as an older version or a hostile site could.
    with a.write():
        rows.update(a, "people", pid, {"family_name": HOSTILE, "preferred_name": HOSTILE})
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    assert b.one("SELECT family_name FROM people WHERE id = ?", (pid,))[0] == HOSTILE
    b.close()
    for argv in (["people"], ["people", "--json"], ["keys", "list"], ["sync", "status"]):
        out = _cli(*argv, "--site", b.path, "--user", ADMIN)
        assert out.returncode == 0, out.stderr
        assert RAW.search(out.stdout) is None and RAW.search(out.stderr) is None, argv
    listed = _cli("people", "--site", b.path, "--user", ADMIN).stdout
    # A header line, then the one person, their name escaped (and cut, with "…", at 80 columns).
    assert "Evil\\x00\\x07" in listed and len(listed.splitlines()) == 2


def test_a_spoofed_card_shows_the_true_fingerprint_first(sites, tmp_path: Path) -> None:
    a, b = sites["A"], sites["B"]
    real = keys.identity(b).fingerprint
    # A card whose name imitates a fingerprint line (the real site's), then hides what follows;
    # written below the input checks, as a hostile site's own software would.
    evil = f"Evil\nFingerprint: {real}\x1b[8m"
    with a.write() as conn:
        conn.execute("UPDATE sites SET name = ? WHERE id = ?", (evil, a.site_id))
    a.name = evil
    card = tmp_path / "evil.card"
    keys.write_card(a, card)
    read = keys.read_card(card)
    assert read.name == evil
    true_print = read.fingerprint
    b.close()
    out = _cli("keys", "trust", card, "--site", b.path, "--user", ADMIN)
    assert out.returncode == 2  # no terminal to ask on: refused, nothing trusted
    lines = out.stdout.splitlines()
    assert lines[0] == f"Fingerprint: {true_print}"
    assert sum(line.startswith("Fingerprint:") for line in lines) == 1
    assert RAW.search(out.stdout + out.stderr) is None


def test_a_refused_bundles_unsigned_header_is_echoed_escaped(sites, tmp_path: Path) -> None:
    from ahtui.sync.bundle import SUFFIX

    a, b = sites["A"], sites["B"]
    person(a, "Ann", "Test", probation="given")
    data = outgoing.export(a, b.site_id).data
    # The header (JSON after the magic line and its length) is read before any signature is
    # checked; rewrite who it claims to be from, keeping the layout whole.
    magic, size = data[:14], int.from_bytes(data[14:18], "big")
    header = json.loads(data[18 : 18 + size])
    header["from"] = "x\nREFUSED nothing\x1b]0;t\x07\u202e"
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    path = tmp_path / f"forged{SUFFIX}"
    path.write_bytes(magic + len(raw).to_bytes(4, "big") + raw + data[18 + size :])
    b.close()
    out = _cli("sync", "import", path, "--site", b.path, "--user", ADMIN)
    assert out.returncode in (1, 2)
    assert RAW.search(out.stdout + out.stderr) is None
    assert len(out.stderr.strip().splitlines()) == 1
