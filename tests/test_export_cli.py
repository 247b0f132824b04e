"""`ahtui export myplan|assessment|meetings|minutes|actions`: every kind written and read back,
and the exit codes for bad input (2) and failures (1), through the real command line entry point.
"""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_exports_documents import build_case

from ahtui.cli import main


@pytest.fixture
def cli_site(site, monkeypatch: pytest.MonkeyPatch):
    ids = build_case(site)
    site.close()
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    return ["--site", str(site.path), "--user", ADMIN], ids


def test_every_kind_and_format_is_written(cli_site, tmp_path: Path, capsys) -> None:
    import icalendar

    common, ids = cli_site
    out = tmp_path / "out"
    for kind, fmt, needle in (
        ("myplan", "md", "### Goal 1: Get my own flat"),
        ("myplan", "html", "<h3>Goal 1: Get my own flat</h3>"),
        ("assessment", "md", "### Section 3: Accommodation"),
        ("assessment", "html", "Part 2: for the Pathway Plan"),
        ("minutes", "md", "| Book Meeting 2 with Zak | Jo Patel |"),
    ):
        target = out / f"{kind}.{fmt}"
        code = main(
            ["export", kind, *common, "--person", "X100022", "--format", fmt, "--out", str(target)]
        )
        assert code == 0, (kind, fmt, capsys.readouterr())
        assert needle in target.read_text(encoding="utf-8"), (kind, fmt)
    captured = capsys.readouterr()
    assert f"to {out / 'minutes.md'}" in captured.out
    assert "not encrypted" in captured.err
    # The format defaults by kind; a folder as --out takes the suggested name; by NOMIS number.
    assert main(["export", "meetings", *common, "--person", "a1234bc", "--out", str(out)]) == 0
    (ics_file,) = out.glob("meetings-x100022-*.ics")
    cal = icalendar.Calendar.from_ical(ics_file.read_bytes())
    assert len(cal.walk("VEVENT")) == 3  # two meetings, and the cancelled one marked
    # One meeting's minutes, by id.
    one = out / "one.md"
    args = ["export", "minutes", *common, "--person", ids["person"], "--meeting", ids["held"]]
    assert main([*args, "--out", str(one)]) == 0
    assert "## Joined-up Planning Meeting 1, 10 Feb 2025 10:00" in one.read_text()


def test_without_out_the_file_goes_in_the_current_folder(cli_site, tmp_path, monkeypatch) -> None:
    common, _ids = cli_site
    monkeypatch.chdir(tmp_path)
    assert main(["export", "assessment", *common, "--person", "X100022"]) == 0
    (written,) = tmp_path.glob("assessment-x100022-*.md")
    assert "## Part 2: for the Pathway Plan (Personal Advisor)" in written.read_text()


def test_bad_input_is_exit_2_with_a_plain_message(cli_site, tmp_path: Path, capsys) -> None:
    common, ids = cli_site
    out = str(tmp_path / "x.ics")
    cases = [
        (["myplan", "--format", "ics"], "My Plan can be written as md or html, not ics."),
        (["minutes", "--format", "html"], "Meeting minutes can be written as md, not html."),
        (["meetings", "--format", "md"], "can be written as ics, not md"),
        (["myplan", "--meeting", ids["held"]], "--meeting is for meetings and minutes only."),
    ]
    for extra, message in cases:
        assert (
            main(["export", extra[0], *common, "--person", "X100022", *extra[1:], "--out", out])
            == 2
        ), extra
        assert message in capsys.readouterr().err, extra
    assert not Path(out).exists()
    # Unknown person, unknown meeting, unknown kind or format.
    assert main(["export", "myplan", *common, "--person", "Z999999", "--out", out]) == 2
    assert "No person with id, CRN or NOMIS number 'Z999999'" in capsys.readouterr().err
    assert (
        main(
            ["export", "minutes", *common, "--person", "X100022", "--meeting", "nope", "--out", out]
        )
        == 2
    )
    assert "no meeting with id nope" in capsys.readouterr().err
    assert main(["export", "plans", *common, "--person", "X100022"]) == 2
    assert main(["export", "myplan", *common, "--person", "X100022", "--format", "pdf"]) == 2
    assert main(["export", "myplan", *common]) == 2  # --person is required


def test_existing_files_are_kept_unless_forced(cli_site, tmp_path: Path, capsys) -> None:
    common, _ids = cli_site
    target = tmp_path / "docs" / "plan.md"
    target.parent.mkdir()
    target.write_text("someone's own notes\n")
    args = ["export", "myplan", *common, "--person", "X100022", "--out", str(target)]
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_text() == "someone's own notes\n"
    assert main([*args, "--force"]) == 0
    assert "\n# My Plan: Zak Roberts\n" in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == ["plan.md"]  # no temporary files left


def test_nothing_to_export_and_failures(site, tmp_path: Path, monkeypatch, capsys) -> None:
    from ahtui.store import people

    people.create_person(
        site, {"given_name": "Ali", "family_name": "Khan", "pathway": "remand", "crn": "R100001"}
    )
    site.close()
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    common = ["--site", str(site.path), "--user", ADMIN, "--person", "R100001"]
    assert main(["export", "minutes", *common, "--out", str(tmp_path / "m.md")]) == 2
    assert "no held meetings yet" in capsys.readouterr().err
    assert main(["export", "meetings", *common, "--out", str(tmp_path / "m.ics")]) == 2
    assert "no scheduled or held meetings" in capsys.readouterr().err
    # A place that cannot be written: a failure (1), with the system's reason.
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["export", "myplan", *common, "--out", str(blocker / "sub" / "p.md")]) == 1
    assert "Could not write" in capsys.readouterr().err
    assert main(["export", "myplan", *common, "--out", str(blocker / "p.md")]) == 1
    assert "Could not write" in capsys.readouterr().err
    # An empty plan still exports, saying what is missing.
    assert main(["export", "myplan", *common, "--out", str(tmp_path / "p.md")]) == 0
    assert "Not yet agreed with Ali." in (tmp_path / "p.md").read_text()


def test_export_runs_without_textual(cli_site, tmp_path: Path) -> None:
    common, _ids = cli_site
    script = (
        "import json, sys\n"
        "from ahtui.cli import main\n"
        f"code = main(['export', 'myplan', *{common!r}, '--person', 'X100022', '--format', "
        f"'html', '--out', {str(tmp_path / 'p.html')!r}])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'datasette'))\n"
        "print('RESULT', json.dumps([code, loaded]))\n"
    )
    env = dict(os.environ, AHTUI_PASSPHRASE=PASSPHRASE)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert "RESULT [0, []]" in done.stdout


# -- actions as CSV ----------------------------------------------------------------------------
def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_actions_for_one_person_and_for_everyone(site, tmp_path: Path, monkeypatch, capsys) -> None:
    from ahtui.store import actions, people

    ids = build_case(site)
    actions.add_action(site, ids["person"], {"step": '=HYPERLINK("http://evil.example","x")'})
    other = people.create_person(
        site, {"given_name": "Ali", "family_name": "Khan", "pathway": "remand"}
    )
    actions.add_action(site, other, {"step": "@SUM(1,2)", "notes": "-1"})
    site.close()
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    common = ["--site", str(site.path), "--user", ADMIN]
    out = tmp_path / "out"
    out.mkdir()
    today = date.today().isoformat()
    # One person, by CRN, into a folder: the suggested name is their reference, not their name.
    assert main(["export", "actions", *common, "--person", "X100022", "--out", str(out)]) == 0
    one = out / f"actions-x100022-{today}.csv"
    assert stat.S_IMODE(os.stat(one).st_mode) == 0o600
    assert "(4 actions) as CSV to" in capsys.readouterr().out
    rows = _csv(one)
    assert len(rows) == 4 and {r["crn"] for r in rows} == {"X100022"}
    assert '\'=HYPERLINK("http://evil.example","x")' in {r["step"] for r in rows}
    # Again: refused, kept, until --force.
    args = ["export", "actions", *common, "--person", "X100022", "--out", str(one)]
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    # A person without a CRN: a short id.
    assert main(["export", "actions", *common, "--person", other, "--out", str(out)]) == 0
    (khan,) = _csv(out / f"actions-{other[:8]}-{today}.csv")
    assert khan["step"] == "'@SUM(1,2)" and khan["notes"] == "'-1"
    # Everyone.
    assert main(["export", "actions", *common, "--all", "--out", str(out)]) == 0
    everyone = _csv(out / f"actions-all-{today}.csv")
    assert len(everyone) == 5
    assert {r["crn"] for r in everyone} == {"X100022", ""}
    assert stat.S_IMODE(os.stat(out / f"actions-all-{today}.csv").st_mode) == 0o600
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [one.name, f"actions-{other[:8]}-{today}.csv", f"actions-all-{today}.csv"]
    )  # no temporary files left


def test_actions_needs_one_of_person_or_all(cli_site, tmp_path: Path, capsys) -> None:
    common, _ids = cli_site
    out = str(tmp_path / "a.csv")
    assert main(["export", "actions", *common, "--out", out]) == 2
    assert "--all" in capsys.readouterr().err
    assert main(["export", "actions", *common, "--person", "X100022", "--all"]) == 2
    assert main(["export", "myplan", *common, "--all", "--out", out]) == 2
    assert "actions only" in capsys.readouterr().err
    assert main(["export", "actions", *common, "--all", "--format", "md"]) == 2
    assert main(["export", "actions", *common, "--all", "--meeting", "x"]) == 2
    assert not (tmp_path / "a.csv").exists()
