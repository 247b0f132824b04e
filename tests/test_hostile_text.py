"""A hostile name, synced from another site, reaches no terminal raw: not the CLI's, not the app's.

Today's forms refuse control characters, but a site written by an older version, or a hostile
peer's own software, can still hold them, and sync carries them on. So a person named with
every class of control character (an OSC title-set, a clear-screen, BEL, CR, LF, tab, DEL, NUL,
a C1 CSI, the right-to-left override and the bidi isolates) and with markup (Rich's and
Textual's, a hyperlink, a stray closing tag that would raise) is written at site A with SQL,
as such software would, and synced by a real bundle to site B. On B the CLI, the caseload and
the person screens show every such character as a visible escape and the markup as typed; the
terminal is sent none of them, whatever widget draws them (an input being edited included).
"""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN, PASSPHRASE
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Group
from rich.table import Table
from rich.text import Text
from test_app_shell import caseload_ready, press_and_hold, wait_for
from test_sync_helpers import make_sites
from test_terminal_text import RAW, _cli

from ahtui.app import AhtuiApp
from ahtui.screens.caseload import CaseloadList
from ahtui.screens.person import PersonScreen
from ahtui.screens.sync import SyncScreen
from ahtui.store import consent, people, team
from ahtui.store.site import open_site
from ahtui.sync import incoming, keys, outgoing
from ahtui.widgets.shown import Shown, ShownTable, cell, one_line, safe

TODAY = date(2025, 3, 3)
SIZE = (120, 30)
SRC = Path(__file__).resolve().parent.parent / "src" / "ahtui"

# Every control class the issue names, each in the form an attacker would send it.
CONTROLS = (
    "\x1b]0;pwned\x07"  # set the terminal's title (OSC ... BEL)
    "\x1b[2J"  # clear the screen
    "\x1b[8m"  # hide what follows
    "\x07\r\n\t\x7f\x00"  # BEL, CR, LF, tab, DEL, NUL
    "\x9b31m"  # C1 CSI: red, on terminals that obey C1
    "\u202eRTL\u2066\u2067\u2068\u2069"  # right-to-left override, the bidi isolates
)
# Markup a widget would read: Rich's style and link, Textual's, and a closing tag that raises.
MARKUP = "[bold red]Red[/] [link=https://evil.example]click[/link] [@click=app.quit]q[/] [/]"
FAMILY = f"Evil{CONTROLS}"
# What the screens show in their place: each character as its escape.
SHOWN_CONTROLS = (
    "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[8m\\x07\\x0d\\x0a\\x09\\x7f\\x00\\x9b31m\\u202eRTL"
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Site B, holding the hostile person (and their hostile lead) synced from site A."""
    folder = tmp_path_factory.mktemp("hostile")
    sites = make_sites(folder, [("Site A", "prison"), ("Site B", "probation")])
    a, b = sites["Site A"], sites["Site B"]
    lead = team.add_practitioner(a, {"name": "Pat Lead", "role": "pom"})
    pid = people.create_person(
        a,
        {
            "given_name": "Ann",
            "family_name": "Hostile",
            "pathway": "long",
            "crn": "X123456",
            "date_of_birth": "2004-05-01",
            "prison": "HMP Testbridge",
        },
        lead_practitioner_id=lead,
        on=TODAY,
    )
    team.add_to_team(a, pid, lead, is_lead=True, from_date=TODAY)
    consent.record_consent(a, pid, {"agency": "probation", "event": "given", "on_date": TODAY})
    # Straight into the tables, below every input check, as an older version or a peer would.
    with a.write() as conn:
        conn.execute(
            "UPDATE people SET family_name = ?, preferred_name = ?, prison = ? WHERE id = ?",
            (FAMILY, MARKUP, f"HMP {MARKUP}\x1b[5m", pid),
        )
        conn.execute(
            "UPDATE practitioners SET name = ? WHERE id = ?", (f"Pat\x1b[8m{MARKUP}", lead)
        )
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    # And the name A's card gave it at B, as a hostile site's own software would write it.
    with b.write() as conn:
        conn.execute(
            "UPDATE sync_peers SET name = ? WHERE site_id = ?", (f"Site A{CONTROLS}", a.site_id)
        )
    assert b.one("SELECT family_name FROM people WHERE id = ?", (pid,))[0] == FAMILY
    assert b.one("SELECT name FROM practitioners WHERE id = ?", (lead,))[0].startswith("Pat\x1b")
    path = b.path
    for s in sites.values():
        s.close()
    return path


def _app(path: Path) -> AhtuiApp:
    return AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)


def drawn(app: AhtuiApp) -> tuple[str, str, list[Any]]:
    """The screen as text, what the terminal would be sent for it, and its segments.

    Through the compositor, as Textual's own screenshot is (`App.export_screenshot`).
    """
    update: Any = app.screen._compositor.render_update(full=True)
    segments = [s for line in update.strips for strip in line for s in strip]
    text = "\n".join("".join(s.text for strip in line for s in strip) for line in update.strips)
    return text, update.render_segments(app.console), segments


# The only sequences the app itself sends: colours and styles (SGR), and cursor moves.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\d+;\d+H")


def assert_nothing_raw(app: AhtuiApp) -> str:
    """No control character in any text drawn, none sent but the app's own; the text drawn."""
    text, sent, segments = drawn(app)
    for segment in segments:
        assert RAW.search(segment.text) is None, repr(segment.text)
        assert segment.style is None or not segment.style.link, "markup made a hyperlink"
    assert "\x1b]" not in sent  # no title set, no hyperlink
    assert RAW.search(_OWN_SEQUENCES.sub("", sent)) is None
    assert "\t" not in sent and "\r" not in sent
    return text


def test_the_cli_shows_the_synced_name_escaped(hostile_site: Path) -> None:
    for argv in (["people"], ["people", "--json"], ["keys", "list"], ["sync", "status"]):
        out = _cli(*argv, "--site", hostile_site, "--user", ADMIN)
        assert out.returncode == 0, out.stderr
        assert RAW.search(out.stdout) is None and RAW.search(out.stderr) is None, argv
    peers = _cli("keys", "list", "--site", hostile_site, "--user", ADMIN).stdout.splitlines()
    assert len(peers) == 2 and peers[0].startswith(f"Site A{SHOWN_CONTROLS}")
    status = _cli("sync", "status", "--site", hostile_site, "--user", ADMIN).stdout
    assert status.startswith(f"Site A{SHOWN_CONTROLS}")
    listed = _cli("people", "--site", hostile_site, "--user", ADMIN).stdout
    # A header, then the person on one line, cut to its columns with "…" after the escapes.
    header, row = listed.splitlines()
    assert header.split()[:4] == ["ID", "CRN", "NOMIS", "NAME"]
    assert "Evil\\x1b]0;pw…" in row and "Pat\\x1b[8m…" in row
    # Whole in the JSON, the markup as typed (the CLI reads none).
    whole = _cli("people", "--json", "--site", hostile_site, "--user", ADMIN).stdout
    assert "[bold red]" in json.loads(whole)[0]["lead"]


async def test_caseload_and_person_screens_show_it_escaped_and_as_typed(
    hostile_site: Path,
) -> None:
    app = _app(hostile_site)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = assert_nothing_raw(app)
        # The list cuts the name; the detail line below it has it whole, on one line.
        assert "Evil\\x1b]0;pwned" in text and SHOWN_CONTROLS in text
        # (The lead column is narrower since the list shows the CRN at every width.)
        assert ", [bold red]Red[/]" in text and "POM Pat\\x1b[8m[bol…" in text
        assert app.screen.query_one(CaseloadList).current is not None

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await pilot.pause()
        text = assert_nothing_raw(app)
        # The heading wraps at the screen's edge, but the line break in the name does not end
        # it: the name, then its CRN, then the screen's own second line.
        lines = [line.strip() for line in text.splitlines()]
        assert lines[0].startswith(f"Evil{SHOWN_CONTROLS}") and "[bold red]Red[/]" in lines[0]
        assert lines[1].endswith("[/] · CRN X123456") and lines[2] == "Long sentence · Overview"
        assert f"Prison HMP {MARKUP}\\x1b[5m" in text
        assert "Lead       Pat\\x1b[8m[bold red]Red[/]" in text

        # Editing the person puts the stored text, raw, in the form's inputs: the app's net
        # still sends the terminal none of it.
        await pilot.press("d")
        await pilot.pause(0.2)
        assert app.screen.query("Input")
        assert_nothing_raw(app)
        await pilot.press("escape")  # nothing changed: the form closes at once
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))

        # The lead form lists the team by name: a choice reads no markup (a "[/]" in it would
        # raise and close the app), open or closed.
        await pilot.press("l")
        await pilot.pause(0.2)
        assert "Pat\\x1b[8m[bold red]Red[/]" in assert_nothing_raw(app)
        await pilot.press("enter")  # the list of choices, open
        await pilot.pause(0.2)
        assert "Pat\\x1b[8m[bold red]Red[/]" in assert_nothing_raw(app)


async def test_every_other_screen_of_the_person_is_drawn_safely(hostile_site: Path) -> None:
    app = _app(hostile_site)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await pilot.press("t")
        await pilot.pause(0.1)
        assert "Evil\\x1b]0;pwned" in assert_nothing_raw(app)  # the timeline
        # consent, team, actions, notes, emails, meetings, My Plan, assessment, network,
        # release, exports, conflicts: each opened from the person and drawn.
        for key in ("c", "m", "a", "n", "e", "g", "y", "s", "w", "r", "x", "f"):
            await pilot.press(key)
            await pilot.pause(0.1)
            assert not isinstance(app.screen, PersonScreen), key
            text = assert_nothing_raw(app)
            assert "Evil\\x1b]0;pwned" in text or "Evil\\x1b" in text, key
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        # A notification quoting the name: never markup (no error), no control.
        app.notify(f"Saved {FAMILY} {MARKUP}", title=FAMILY)
        await pilot.pause(0.2)
        text = assert_nothing_raw(app)
        assert "[bold red]Red[/]" in text


def test_snapshot_hostile_caseload(snap_compare, hostile_site: Path) -> None:
    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: caseload_ready(pilot.app))
        await press_and_hold(pilot, ())

    assert snap_compare(_app(hostile_site), terminal_size=SIZE, run_before=run_before)


def test_snapshot_hostile_person(snap_compare, hostile_site: Path) -> None:
    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: caseload_ready(pilot.app))
        await pilot.app.workers.wait_for_complete()
        await press_and_hold(pilot, ("enter",))

    assert snap_compare(_app(hostile_site), terminal_size=SIZE, run_before=run_before)


async def test_the_sync_screen_shows_a_spoofed_site_name_on_one_line(tmp_path: Path) -> None:
    """A card named to look like a second fingerprint line: the true fingerprint stands alone."""
    sites = make_sites(tmp_path, [("A", "prison"), ("B", "probation")])
    a, b = sites["A"], sites["B"]
    fake = keys.identity(b).fingerprint
    with b.write() as conn:
        conn.execute(
            "UPDATE sync_peers SET name = ? WHERE site_id = ?",
            (f"Evil\nKey fingerprint: {fake}\x1b[8m", a.site_id),
        )
    true_print = keys.identity(a).fingerprint
    path = b.path
    for s in sites.values():
        s.close()
    app = _app(path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))
        await pilot.pause()
        text = assert_nothing_raw(app)
        printed = [line.strip() for line in text.splitlines() if "Key fingerprint:" in line]
        assert printed[-1] == f"Key fingerprint: {true_print}", printed
        assert sum(line.startswith("Key fingerprint:") for line in printed) == 1


# -- the pieces ------------------------------------------------------------------------------
def test_rich_tables_and_text_are_walked_and_markup_stays_text() -> None:
    grid = Table.grid()
    grid.add_column()
    grid.add_column()
    styled = Text("ok ", style="bold")
    styled.append("\x1b[2Jred", style="red")
    grid.add_row(f"Lead {MARKUP}", styled)
    shown: Any = safe(grid)
    cells = [c for column in shown.columns for c in column.cells]
    assert [c.plain for c in cells] == [f"Lead {MARKUP}", "ok \\x1b[2Jred"]
    assert all(isinstance(c, Text) for c in cells)  # a Text is never read as markup
    # The red span still covers the escaped text; the table given is left as it was.
    assert any(span.start <= 5 < span.end and span.style == "red" for span in cells[1].spans)
    assert [c for column in grid.columns for c in column.cells][1] is styled


def test_the_fast_check_agrees_with_for_terminal_on_every_character() -> None:
    from ahtui.domain.terminal_text import for_terminal
    from ahtui.widgets.shown import _UNSAFE

    for code in range(0x3000):
        ch = chr(code)
        assert bool(_UNSAFE.search(ch)) == (for_terminal(ch) != ch), hex(code)


@given(st.text(), st.text())
def test_any_text_in_any_shape_comes_out_with_no_control(value: str, other: str) -> None:
    styled = Text(value, style="bold")
    styled.append(other, style="red")
    grid = Table.grid()
    grid.add_row(value, styled)
    shown: Any = safe(Group(value, styled, grid))
    texts = [shown.renderables[0], shown.renderables[1].plain]
    texts += [c.plain for column in shown.renderables[2].columns for c in column.cells]
    texts += [ShownTable._cell(value, no_wrap=True).plain, cell(other), one_line(value)]
    for text in texts:
        assert RAW.search(text) is None, repr(text)
    for text in texts[-3:]:  # one line each: no break, no tab
        assert "\n" not in text and "\t" not in text
    # What holds no control is shown exactly as it is, markup and all.
    if RAW.search(value + other) is None and not set("\t\n") & set(value):
        assert texts[0] == value and texts[1] == value + other and texts[-1] == value


def test_screens_draw_stored_text_only_through_the_safe_widgets() -> None:
    """No screen builds a bare Static or DataTable; a Label holds only the program's words."""
    from textual.widgets import DataTable, Static

    found = []
    for path in [*sorted((SRC / "screens").glob("*.py")), SRC / "widgets" / "form.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            # The program's own words: a string in the code, or a form's label read as text.
            literal = bool(node.args) and isinstance(node.args[0], ast.Constant)
            plain = any(
                k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in node.keywords
            )
            if name in {"Static", "DataTable", "Markdown", "OptionList", "Pretty"} or (
                name == "Label" and not (literal or plain)
            ):
                found.append(f"{path.name}:{node.lineno} {name}")
    assert not found, found
    assert issubclass(Shown, Static) and issubclass(ShownTable, DataTable)


def test_a_person_opened_by_the_cli_after_sync_is_unchanged(hostile_site: Path) -> None:
    """The app escapes what it shows, never what it stores: the text is kept as it came."""
    with open_site(hostile_site, ADMIN, PASSPHRASE) as site:
        assert site.one("SELECT family_name FROM people")[0] == FAMILY
