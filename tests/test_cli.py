"""The `ahtui` command line: in-process through `ahtui.cli.main` for most cases, and as a real
subprocess (`python -m ahtui`) for exit codes, piped output, a missing terminal and a busy file."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.cli import main
from ahtui.demo import DEMO_PASSPHRASE, DEMO_USER
from ahtui.errors import WrongPassphrase
from ahtui.store import keyring
from ahtui.store.site import init_site, open_site

NEW_PASSPHRASE = "a brand new passphrase"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def one_plain_line(self) -> str:
        """The error contract: exit 2, nothing on stdout, exactly one line on stderr."""
        assert self.code == 2, (self.code, self.out, self.err)
        assert "Traceback" not in self.err
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        return lines[0]


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> Result:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return Result(code, out, err)


def sub_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AHTUI_")}
    env.update(
        AHTUI_KDF_LOG2N="14",
        AHTUI_CONFIG_DIR=os.environ["AHTUI_CONFIG_DIR"],
        AHTUI_DATA_DIR=os.environ["AHTUI_DATA_DIR"],
    )
    env.update(extra)
    return env


def run_sub(*argv: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ahtui", *map(str, argv)],
        env=sub_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def template_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "site.ahtui"
    init_site(
        path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    ).close()
    return path


def copy_site(template: Path, path: Path, name: str | None = None) -> Path:
    """A fresh site (a copy of an empty one, so tests do not each pay for init)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".keys"):
        shutil.copyfile(f"{template}{suffix}", f"{path}{suffix}")
    if name:
        with open_site(path, ADMIN, PASSPHRASE) as s, s.write() as conn:
            conn.execute("UPDATE sites SET name = ? WHERE id = ?", (name, s.site_id))
    return path


@pytest.fixture
def site_file(tmp_path: Path, template_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A site file, with the admin's passphrase in the environment."""
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    return copy_site(template_site, tmp_path / "site.ahtui")


def people_count(path: Path, user: str = ADMIN, passphrase: str = PASSPHRASE) -> int:
    with open_site(path, user, passphrase) as s:
        return s.one("SELECT count(*) FROM people")[0]


# -- init ------------------------------------------------------------------------------------


def test_init_creates_the_site_and_its_keys(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "sites" / "northgate.ahtui"
    r = cli(
        capsys,
        "init",
        "--site",
        path,
        "--name",
        "HMP Northgate OMU",
        "--agency",
        "prison",
        "--admin",
        "alice",
        "--display-name",
        "Alice Admin",
    )
    assert r.code == 0, r.err
    assert "Created site 'HMP Northgate OMU' (prison)" in r.out
    assert f"{path}.keys" in r.out
    assert PASSPHRASE not in r.out + r.err
    keys = Path(f"{path}.keys")
    assert path.is_file() and keys.is_file()
    assert path.stat().st_mode & 0o077 == 0 and keys.stat().st_mode & 0o077 == 0
    assert b"SQLite format 3" not in path.read_bytes()[:16]  # encrypted from the first byte
    with open_site(path, "alice", PASSPHRASE) as s:
        assert (s.name, s.agency) == ("HMP Northgate OMU", "prison")
        assert (s.user.role, s.user.display_name) == ("admin", "Alice Admin")


def test_init_refuses_an_existing_path(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "notes.txt"
    path.write_text("someone's file\n")
    r = cli(capsys, "init", "--site", path, "--name", "X", "--agency", "prison", "--admin", "alice")
    assert "already exists" in r.one_plain_line()
    assert path.read_text() == "someone's file\n"
    assert not Path(f"{path}.keys").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--agency", "police", "--admin", "alice"], "invalid choice"),
        (["--agency", "prison", "--admin", "Alice Smith"], "not a usable user name"),
    ],
)
def test_init_refuses_bad_input(tmp_path, capsys, monkeypatch, args, fragment):
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    path = tmp_path / "site.ahtui"
    r = cli(capsys, "init", "--site", path, "--name", "X", *args)
    assert r.code == 2 and fragment in r.err
    assert not path.exists() and not Path(f"{path}.keys").exists()


def test_init_refuses_a_short_passphrase(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AHTUI_PASSPHRASE", "short")
    path = tmp_path / "site.ahtui"
    r = cli(capsys, "init", "--site", path, "--name", "X", "--agency", "hub", "--admin", "alice")
    assert "too short" in r.one_plain_line()
    assert not path.exists() and not Path(f"{path}.keys").exists()


def test_init_as_a_subprocess(tmp_path):
    path = tmp_path / "site.ahtui"
    args = (
        "init",
        "--site",
        path,
        "--name",
        "Leaving Care",
        "--agency",
        "local_authority",
        "--admin",
        "pat",
    )
    first = run_sub(*args, AHTUI_PASSPHRASE=PASSPHRASE)
    assert first.returncode == 0, first.stderr
    assert path.exists() and Path(f"{path}.keys").exists()
    again = run_sub(*args, AHTUI_PASSPHRASE=PASSPHRASE)
    assert again.returncode == 2
    assert again.stdout == "" and len(again.stderr.strip().splitlines()) == 1
    assert "already exists" in again.stderr
    bad = run_sub(
        "init", "--site", tmp_path / "b.ahtui", "--name", "X", "--agency", "zoo", "--admin", "pat"
    )
    assert bad.returncode == 2 and not (tmp_path / "b.ahtui").exists()


# -- user ------------------------------------------------------------------------------------


def test_user_add_list_passwd_remove(site_file, capsys, monkeypatch):
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "bobs first passphrase")
    r = cli(
        capsys,
        "user",
        "add",
        "bob",
        "--display-name",
        "Bob Smith",
        "--site",
        site_file,
        "--user",
        ADMIN,
    )
    assert r.code == 0, r.err
    assert r.out.strip() == "Added bob (practitioner)."
    r = cli(
        capsys, "user", "add", "rita", "--role", "readonly", "--site", site_file, "--user", ADMIN
    )
    assert r.code == 0, r.err

    r = cli(capsys, "user", "list", "--json", "--site", site_file, "--user", ADMIN)
    assert r.code == 0, r.err
    listed = {a["username"]: a for a in json.loads(r.out)}
    assert set(listed) == {ADMIN, "bob", "rita"}
    assert {k: listed["bob"][k] for k in ("role", "display_name", "can_unlock")} == {
        "role": "practitioner",
        "display_name": "Bob Smith",
        "can_unlock": True,
    }
    assert listed["rita"]["role"] == "readonly" and listed[ADMIN]["role"] == "admin"
    assert set(listed["bob"]) >= {
        "id",
        "username",
        "display_name",
        "role",
        "practitioner_id",
        "can_unlock",
    }

    r = cli(capsys, "user", "list", "--site", site_file, "--user", ADMIN)
    assert r.code == 0 and len(r.out.strip().splitlines()) == 3
    assert any(line.split()[:2] == ["bob", "practitioner"] for line in r.out.splitlines())

    with open_site(site_file, "bob", "bobs first passphrase"):
        pass
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "bobs second passphrase")
    r = cli(capsys, "user", "passwd", "bob", "--site", site_file, "--user", ADMIN)
    assert r.code == 0 and "Changed the passphrase for bob" in r.out
    with pytest.raises(WrongPassphrase):
        open_site(site_file, "bob", "bobs first passphrase")
    with open_site(site_file, "bob", "bobs second passphrase"):
        pass

    r = cli(capsys, "user", "remove", "bob", "--site", site_file, "--user", ADMIN)
    assert r.code == 0 and "Removed bob" in r.out
    r = cli(capsys, "user", "list", "--json", "--site", site_file, "--user", ADMIN)
    assert {a["username"] for a in json.loads(r.out)} == {ADMIN, "rita"}
    monkeypatch.setenv("AHTUI_PASSPHRASE", "bobs second passphrase")
    r = cli(capsys, "user", "list", "--site", site_file, "--user", "bob")
    assert "Wrong user name or passphrase" in r.one_plain_line()


def test_user_passwd_without_a_name_changes_your_own(site_file, capsys, monkeypatch):
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", NEW_PASSPHRASE)
    r = cli(capsys, "user", "passwd", "--site", site_file, "--user", ADMIN)
    assert r.code == 0 and f"for {ADMIN}" in r.out
    with pytest.raises(WrongPassphrase):
        open_site(site_file, ADMIN, PASSPHRASE)
    with open_site(site_file, ADMIN, NEW_PASSPHRASE):
        pass


def test_user_commands_refuse_plainly(site_file, capsys, monkeypatch):
    # No new passphrase in the environment and no terminal to ask on.
    monkeypatch.delenv("AHTUI_NEW_PASSPHRASE", raising=False)
    r = cli(capsys, "user", "add", "bob", "--site", site_file, "--user", ADMIN)
    assert "No passphrase given" in r.one_plain_line()
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "short")
    assert (
        "too short"
        in cli(capsys, "user", "add", "bob", "--site", site_file, "--user", ADMIN).one_plain_line()
    )
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "bobs first passphrase")
    assert (
        "already a user"
        in cli(capsys, "user", "add", ADMIN, "--site", site_file, "--user", ADMIN).one_plain_line()
    )
    assert (
        "no user called"
        in cli(
            capsys, "user", "remove", "nobody", "--site", site_file, "--user", ADMIN
        ).one_plain_line()
    )
    assert (
        "your own account"
        in cli(
            capsys, "user", "remove", ADMIN, "--site", site_file, "--user", ADMIN
        ).one_plain_line()
    )
    with open_site(site_file, ADMIN, PASSPHRASE) as s:
        assert [r["username"] for r in s.query("SELECT username FROM users")] == [ADMIN]

    # A practitioner cannot manage other accounts.
    assert cli(capsys, "user", "add", "bob", "--site", site_file, "--user", ADMIN).code == 0
    monkeypatch.setenv("AHTUI_PASSPHRASE", "bobs first passphrase")
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "carols first passphrase")
    line = cli(
        capsys, "user", "add", "carol", "--site", site_file, "--user", "bob"
    ).one_plain_line()
    assert "Only a site administrator" in line
    r = cli(capsys, "user", "list", "--json", "--site", site_file, "--user", "bob")
    assert {a["username"] for a in json.loads(r.out)} == {ADMIN, "bob"}


def test_missing_new_passphrase_names_the_right_variable(site_file, capsys, monkeypatch):
    monkeypatch.delenv("AHTUI_NEW_PASSPHRASE", raising=False)
    line = cli(capsys, "user", "add", "bob", "--site", site_file, "--user", ADMIN).one_plain_line()
    assert "AHTUI_NEW_PASSPHRASE" in line


# -- demo ------------------------------------------------------------------------------------


def test_demo_creates_reuses_and_rebuilds(capsys, monkeypatch):
    monkeypatch.delenv("AHTUI_USER", raising=False)
    monkeypatch.delenv("AHTUI_PASSPHRASE", raising=False)
    path = Path(os.environ["AHTUI_DATA_DIR"]) / "demo.ahtui"
    r = cli(capsys, "demo", "--no-open", "--people", "12")
    assert r.code == 0, r.err
    assert f"Created a demo site with 12 synthetic people at {path}" in r.out
    assert f"Sign in as user {DEMO_USER!r} with passphrase {DEMO_PASSPHRASE!r}." in r.out
    assert path.exists() and Path(f"{path}.keys").exists()
    with open_site(path, DEMO_USER, DEMO_PASSPHRASE) as s:
        assert s.one("SELECT count(*) FROM people")[0] == 12
        assert s.one("SELECT value FROM site_meta WHERE key = 'demo'")[0] == "1"
        first_id = s.site_id

    r = cli(capsys, "demo", "--no-open", "--people", "30")
    assert r.code == 0, r.err
    assert f"Reusing the demo site at {path} (12 people)" in r.out
    assert people_count(path, DEMO_USER, DEMO_PASSPHRASE) == 12

    r = cli(capsys, "demo", "--no-open", "--people", "5", "--fresh")
    assert r.code == 0, r.err
    assert "Created a demo site with 5 synthetic people" in r.out
    with open_site(path, DEMO_USER, DEMO_PASSPHRASE) as s:
        assert s.site_id != first_id
        assert s.one("SELECT count(*) FROM people")[0] == 5


def test_demo_uses_the_credentials_in_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AHTUI_USER", "maria")
    monkeypatch.setenv("AHTUI_PASSPHRASE", "marias own passphrase")
    path = tmp_path / "mydemo.ahtui"
    r = cli(capsys, "demo", "--no-open", "--people", "12", "--site", path)
    assert r.code == 0, r.err
    assert "Sign in as" not in r.out and DEMO_PASSPHRASE not in r.out
    assert "marias own passphrase" not in r.out + r.err
    assert people_count(path, "maria", "marias own passphrase") == 12
    with pytest.raises(WrongPassphrase):
        open_site(path, DEMO_USER, DEMO_PASSPHRASE)
    r = cli(capsys, "demo", "--no-open", "--site", path)
    assert r.code == 0 and "Reusing" in r.out


def test_demo_refuses_a_site_that_is_not_a_demo(site_file, capsys, monkeypatch):
    # With the real site's own credentials it opens, then refuses.
    monkeypatch.setenv("AHTUI_USER", ADMIN)
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    line = cli(capsys, "demo", "--no-open", "--people", "12", "--site", site_file).one_plain_line()
    assert "not a demo site" in line
    line = cli(capsys, "demo", "--no-open", "--fresh", "--site", site_file).one_plain_line()
    assert "not a demo site" in line
    assert site_file.exists() and Path(f"{site_file}.keys").exists()
    assert people_count(site_file) == 0
    # With the demo credentials it cannot even open it.
    monkeypatch.delenv("AHTUI_USER")
    monkeypatch.delenv("AHTUI_PASSPHRASE")
    cli(capsys, "demo", "--no-open", "--fresh", "--site", site_file).one_plain_line()
    assert site_file.exists() and people_count(site_file) == 0


def test_demo_needs_at_least_one_person(capsys):
    r = cli(capsys, "demo", "--no-open", "--people", "0")
    assert r.code == 2 and "at least 1" in r.err
    assert not (Path(os.environ["AHTUI_DATA_DIR"]) / "demo.ahtui").exists()


def test_demo_piped_shows_no_progress_bar():
    proc = run_sub("demo", "--no-open", "--people", "12")
    assert proc.returncode == 0, proc.stderr
    assert "Created a demo site with 12" in proc.stdout
    assert "[#" not in proc.stdout + proc.stderr
    assert "\r" not in proc.stdout + proc.stderr


# -- people and check ------------------------------------------------------------------------


@pytest.fixture
def demo_file(tmp_path: Path, capsys, monkeypatch) -> Path:
    monkeypatch.delenv("AHTUI_USER", raising=False)
    monkeypatch.delenv("AHTUI_PASSPHRASE", raising=False)
    path = tmp_path / "demo.ahtui"
    assert cli(capsys, "demo", "--no-open", "--people", "12", "--site", path).code == 0
    monkeypatch.setenv("AHTUI_PASSPHRASE", DEMO_PASSPHRASE)
    return path


def test_people_json(demo_file, capsys):
    r = cli(capsys, "people", "--json", "--site", demo_file, "--user", DEMO_USER)
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert len(rows) == 12
    for row in rows:
        assert set(row) >= {
            "id",
            "name",
            "crn",
            "nomis_number",
            "pathway",
            "lead",
            "lead_role",
            "next_due",
            "next_due_on",
            "next_due_status",
            "overdue",
        }
        assert row["crn"].startswith("X") and row["nomis_number"].startswith("A")
        assert ", " in row["name"]
    assert {r["pathway"] for r in rows} == {"long", "short", "recall", "remand", "community"}
    overdue = [r["overdue"] for r in rows]
    assert overdue == sorted(overdue, reverse=True)
    with open_site(demo_file, DEMO_USER, DEMO_PASSPHRASE) as s:
        assert {r["id"] for r in rows} == {x[0] for x in s.query("SELECT id FROM people")}


def test_people_text(demo_file, capsys):
    r = cli(capsys, "people", "--site", demo_file, "--user", DEMO_USER)
    assert r.code == 0, r.err
    header, *lines = r.out.strip().splitlines()
    assert len(lines) == 12
    assert header.split() == [
        "ID",
        "CRN",
        "NOMIS",
        "NAME",
        "PATHWAY",
        "LEAD",
        "LATE",
        "NEXT",
        "DUE",
    ]
    assert all(line.split()[1].startswith("X1000") for line in lines)
    assert any(line.split()[2].startswith("A") for line in lines)


def test_people_list_fits_80_columns_and_marks_what_it_cuts(demo_file, capsys):
    with open_site(demo_file, DEMO_USER, DEMO_PASSPHRASE) as s:
        from ahtui.store import people

        pid = s.query("SELECT id FROM people ORDER BY id LIMIT 1")[0][0]
        people.update_person(s, pid, {"family_name": "Montgomery-Fitzwilliam"})
    r = cli(capsys, "people", "--site", demo_file, "--user", DEMO_USER)
    lines = r.out.rstrip("\n").splitlines()
    assert max(len(line) for line in lines) <= 80
    # Every id is shown by its start, marked as cut; the long name too.
    assert all(line.split()[0].endswith("…") for line in lines[1:])
    (long_name,) = [line for line in lines if "Montgomery" in line]
    assert "Montgomery-Fi… " in long_name
    assert pid[:8] in long_name
    # Each shown id start finds one person in the JSON list, which has the id whole.
    rows = json.loads(cli(capsys, "people", "--json", "--site", demo_file, "--user", DEMO_USER).out)
    assert [r["id"] for r in rows if r["id"].startswith(pid[:8])] == [pid]


def test_check_passes_on_a_good_site(site_file, capsys):
    r = cli(capsys, "check", "--site", site_file, "--user", ADMIN)
    assert r.code == 0, r.err
    assert "Site: HMP Testbridge (prison)" in r.out
    assert "Integrity: ok" in r.out
    assert r.out.strip().endswith("OK: the site is intact.")
    assert r.err == ""


def test_check_names_each_thing_it_checked_on_its_own_line(site_file, capsys):
    out = cli(capsys, "check", "--site", site_file, "--user", ADMIN).out
    checked = out.split("Checked:\n", 1)[1].splitlines()[:-1]
    assert [line.split(":")[0].split()[-1] for line in checked] == [
        "encryption",
        "authentication",
        "integrity",
        "schema",
        "journal",
        "audit",
        "dates",
    ]
    assert all(line.startswith("  ok  ") for line in checked)


def test_check_reports_a_missing_audit_trigger(site_file, capsys):
    with open_site(site_file, ADMIN, PASSPHRASE) as s:
        s.conn.execute("DROP TRIGGER audit_people_update")
    r = cli(capsys, "check", "--site", site_file, "--user", ADMIN)
    assert r.code == 1
    assert "PROBLEM: Audit triggers missing on people: audit_people_update." in r.err


def test_check_as_a_subprocess(site_file):
    proc = run_sub("check", "--site", site_file, "--user", ADMIN, AHTUI_PASSPHRASE=PASSPHRASE)
    assert proc.returncode == 0, proc.stderr
    assert "OK: the site is intact." in proc.stdout


# -- failures to open ------------------------------------------------------------------------


def _plain_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES ('plaintext row')")
    conn.commit()
    conn.close()


def _made_up_keys(path: Path, user: str = ADMIN) -> None:
    ring = keyring.new_keyring("made-up-site-id").wrap(user, PASSPHRASE, secrets.token_bytes(32))
    keyring.save_keyring(path, ring)


def _setup_failure(kind: str, site_file: Path, tmp_path: Path, monkeypatch) -> tuple[Path, str]:
    """Make the situation; return the --site path and the --user to try."""
    other = tmp_path / "other.ahtui"
    if kind == "wrong passphrase":
        monkeypatch.setenv("AHTUI_PASSPHRASE", "not the passphrase")
        return site_file, ADMIN
    if kind == "unknown user":
        return site_file, "nobody"
    if kind == "missing file":
        return tmp_path / "nothing-here.ahtui", ADMIN
    if kind == "a folder":
        other.mkdir()
        return other, ADMIN
    if kind == "text file":
        other.write_text("shopping list\n")
        return other, ADMIN
    if kind == "text file with made-up keys":
        other.write_text("shopping list\n")
        _made_up_keys(other)
        return other, ADMIN
    if kind == "sqlite with made-up keys":
        _plain_sqlite(other)
        _made_up_keys(other)
        return other, ADMIN
    if kind == "sqlite with garbage keys":
        _plain_sqlite(other)
        Path(f"{other}.keys").write_text('{"format": "something else"}')
        return other, ADMIN
    if kind == "empty file with made-up keys":
        other.touch()
        _made_up_keys(other)
        return other, ADMIN
    if kind == "keys from another site":
        init_site(other, name="Other", agency="hub", admin=ADMIN, passphrase=PASSPHRASE).close()
        shutil.copyfile(f"{other}.keys", f"{site_file}.keys")
        return site_file, ADMIN
    if kind == "schema newer than the program":
        with open_site(site_file, ADMIN, PASSPHRASE) as s:
            s.conn.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
        return site_file, ADMIN
    raise AssertionError(kind)


FAILURES = {
    "wrong passphrase": "Wrong user name or passphrase",
    "unknown user": "Wrong user name or passphrase",
    "missing file": "There is no site file",
    "a folder": "is a folder",
    "text file": "key file other.ahtui.keys is missing",
    "text file with made-up keys": "could not be decrypted",
    "sqlite with made-up keys": "could not be decrypted",
    "sqlite with garbage keys": "key file other.ahtui.keys is damaged or was changed",
    "empty file with made-up keys": "not an ahtui site",
    "keys from another site": "could not be decrypted",
    "schema newer than the program": "newer than this ahtui understands",
}


@pytest.mark.parametrize("kind", list(FAILURES))
@pytest.mark.parametrize("command", [("people",), ("user", "list")])
def test_open_failures_are_one_plain_line(kind, command, site_file, tmp_path, capsys, monkeypatch):
    path, user = _setup_failure(kind, site_file, tmp_path, monkeypatch)
    before = path.read_bytes() if path.is_file() else None
    r = cli(capsys, *command, "--site", path, "--user", user)
    line = r.one_plain_line()
    assert FAILURES[kind] in line, line
    assert PASSPHRASE not in line
    if before is not None:
        assert path.read_bytes() == before  # refusing to open changes nothing


def test_schema_too_new_also_refused_by_check(site_file, tmp_path, capsys, monkeypatch):
    _setup_failure("schema newer than the program", site_file, tmp_path, monkeypatch)
    line = cli(capsys, "check", "--site", site_file, "--user", ADMIN).one_plain_line()
    assert "version 999" in line and "Upgrade ahtui" in line


def _failure_as_subprocess(kind: str, site_file: Path, tmp_path: Path, monkeypatch) -> str:
    path, user = _setup_failure(kind, site_file, tmp_path, monkeypatch)
    proc = run_sub(
        "people", "--site", path, "--user", user, AHTUI_PASSPHRASE=os.environ["AHTUI_PASSPHRASE"]
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert FAILURES[kind] in proc.stderr and "Traceback" not in proc.stderr
    return proc.stderr


@pytest.mark.parametrize("kind", ["wrong passphrase", "text file", "schema newer than the program"])
def test_open_failures_exit_2_as_a_subprocess(kind, site_file, tmp_path, monkeypatch):
    stderr = _failure_as_subprocess(kind, site_file, tmp_path, monkeypatch)
    assert len(stderr.strip().splitlines()) == 1, stderr


# SQLCipher's own log lines (hmac check failed...) must not reach stderr either.
@pytest.mark.parametrize("kind", ["sqlite with made-up keys", "keys from another site"])
def test_decrypt_failure_is_one_line_as_a_subprocess(kind, site_file, tmp_path, monkeypatch):
    stderr = _failure_as_subprocess(kind, site_file, tmp_path, monkeypatch)
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_no_passphrase_and_no_terminal(site_file, capsys, monkeypatch):
    monkeypatch.delenv("AHTUI_PASSPHRASE")
    assert not sys.stdin.isatty()
    line = cli(capsys, "people", "--site", site_file, "--user", ADMIN).one_plain_line()
    assert "AHTUI_PASSPHRASE" in line
    proc = run_sub("people", "--site", site_file, "--user", ADMIN)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "No passphrase given" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_no_user_and_no_terminal(site_file, capsys, monkeypatch):
    monkeypatch.delenv("AHTUI_USER", raising=False)
    assert "AHTUI_USER" in cli(capsys, "people", "--site", site_file).one_plain_line()


def test_no_site_chosen(capsys, monkeypatch):
    monkeypatch.delenv("AHTUI_SITE", raising=False)
    assert "No site chosen" in cli(capsys, "people", "--user", ADMIN).one_plain_line()


def test_bad_config_file(site_file, capsys):
    config = Path(os.environ["AHTUI_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("site = [unclosed\n")
    assert (
        "not valid TOML"
        in cli(capsys, "check", "--site", site_file, "--user", ADMIN).one_plain_line()
    )


def test_usage_errors_and_version(capsys):
    assert cli(capsys, "frobnicate").code == 2
    assert cli(capsys, "user").code == 2  # the action is required
    r = cli(capsys, "--version")
    assert r.code == 0 and r.out.startswith("ahtui ")


# -- which site ------------------------------------------------------------------------------


def test_site_flag_beats_environment_beats_config(tmp_path, template_site, capsys, monkeypatch):
    flag = copy_site(template_site, tmp_path / "flag.ahtui", "Flag Site")
    env = copy_site(template_site, tmp_path / "env.ahtui", "Env Site")
    conf = copy_site(template_site, tmp_path / "conf.ahtui", "Config Site")
    config = Path(os.environ["AHTUI_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'site = "{conf}"\nuser = "{ADMIN}"\n')
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("AHTUI_USER", raising=False)

    def site_named() -> str:
        r = cli(capsys, "check", *extra)
        assert r.code == 0, r.err
        return r.out.splitlines()[0]

    monkeypatch.delenv("AHTUI_SITE", raising=False)
    extra: tuple = ()
    assert site_named().startswith("Site: Config Site")
    monkeypatch.setenv("AHTUI_SITE", str(env))
    assert site_named().startswith("Site: Env Site")
    extra = ("--site", flag)
    assert site_named().startswith("Site: Flag Site")
    # --user beats AHTUI_USER the same way.
    monkeypatch.setenv("AHTUI_USER", "nobody")
    extra = ("--site", flag, "--user", ADMIN)
    assert site_named().startswith("Site: Flag Site")


@pytest.mark.parametrize(
    "argv",
    [
        ("--site", "{site}", "--user", ADMIN, "check"),
        ("user", "--site", "{site}", "--user", ADMIN, "list"),
    ],
    ids=["top-level", "user-level"],
)
def test_site_flag_before_the_subcommand(site_file, capsys, monkeypatch, argv):
    monkeypatch.delenv("AHTUI_SITE", raising=False)
    r = cli(capsys, *(a.format(site=site_file) for a in argv))
    assert r.code == 0, r.err


# -- a busy site -----------------------------------------------------------------------------


def test_busy_site_gives_exit_2(site_file):
    holder = open_site(site_file, ADMIN, PASSPHRASE)
    try:
        holder.conn.execute("BEGIN EXCLUSIVE")
        proc = run_sub(
            "user",
            "add",
            "bob",
            "--site",
            site_file,
            "--user",
            ADMIN,
            AHTUI_PASSPHRASE=PASSPHRASE,
            AHTUI_NEW_PASSPHRASE="bobs first passphrase",
            AHTUI_BUSY_TIMEOUT_MS="300",
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        assert "busy" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    finally:
        holder.conn.execute("ROLLBACK")
        holder.close()
    with open_site(site_file, ADMIN, PASSPHRASE) as s:
        assert s.one("SELECT count(*) FROM users WHERE username = 'bob'")[0] == 0
    # Released, the same command works.
    proc = run_sub(
        "user",
        "add",
        "bob",
        "--site",
        site_file,
        "--user",
        ADMIN,
        AHTUI_PASSPHRASE=PASSPHRASE,
        AHTUI_NEW_PASSPHRASE="bobs first passphrase",
    )
    assert proc.returncode == 0, proc.stderr
