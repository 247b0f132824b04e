"""`ahtui serve` and `ahtui supervisor` from the command line: plain messages, exit codes, and
the loopback default. One test starts the real server on a free port and stops it."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui import serve, supervisors
from ahtui.cli import build_parser, main


@pytest.fixture
def auth(tmp_path: Path) -> Path:
    path = tmp_path / "supervisors.toml"
    serve.add_supervisor(path, "sam", "a supervisor password")
    return path


def test_supervisor_add_list_remove(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "logins.toml"
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "a long enough password")
    assert main(["supervisor", "add", "jo.bloggs", "--auth", str(path)]) == 0
    assert "Added supervisor jo.bloggs" in capsys.readouterr().out
    text = path.read_text()
    assert "a long enough password" not in text and "scrypt$" in text
    assert path.stat().st_mode & 0o777 == 0o600
    stored = serve.load_supervisors(path)["jo.bloggs"]
    assert supervisors.verify_password("a long enough password", stored)
    assert not supervisors.verify_password("a long enough passwore", stored)
    assert main(["supervisor", "list", "--auth", str(path)]) == 0
    assert capsys.readouterr().out.split() == ["jo.bloggs"]
    assert main(["supervisor", "remove", "jo.bloggs", "--auth", str(path)]) == 0
    assert serve.load_supervisors(path) == {}
    assert main(["supervisor", "remove", "jo.bloggs", "--auth", str(path)]) == 2
    assert "no supervisor" in capsys.readouterr().err


def test_supervisor_names_and_passwords_are_checked(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "logins.toml"
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "short")
    assert main(["supervisor", "add", "jo", "--auth", str(path)]) == 2
    assert "too short" in capsys.readouterr().err
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", "a long enough password")
    assert main(["supervisor", "add", 'Bad"Name', "--auth", str(path)]) == 2
    assert not path.exists()


def test_a_broken_supervisors_file_is_a_plain_error(tmp_path, site, capsys) -> None:
    path = tmp_path / "logins.toml"
    path.write_text("[supervisors]\nsam = 'password in clear'\n")
    code = main(["serve", "--site", str(site.path), "--user", ADMIN, "--auth", str(path)])
    assert code == 2
    assert "not in the expected form" in capsys.readouterr().err


def test_serve_defaults_to_loopback(site, auth) -> None:
    args = build_parser().parse_args(["serve", "--site", str(site.path), "--auth", str(auth)])
    options = serve.options_from_args(args, None)
    assert options.host == "127.0.0.1" and serve.is_loopback(options.host)
    assert options.port == 8001
    assert options.sites == (site.path,)
    args = build_parser().parse_args(
        ["serve", "--site", "a.ahtui", "--site", "b.ahtui", "--host", "0.0.0.0", "--port", "0"]
        + ["--auth", str(auth)]
    )
    options = serve.options_from_args(args, None)
    assert [p.name for p in options.sites] == ["a.ahtui", "b.ahtui"]
    assert not serve.is_loopback(options.host) and options.port == 0


def test_wrong_passphrase_is_exit_code_2(site, auth, monkeypatch, capsys) -> None:
    monkeypatch.setenv("AHTUI_PASSPHRASE", "not the passphrase at all")
    code = main(["serve", "--site", str(site.path), "--user", ADMIN, "--auth", str(auth)])
    assert code == 2
    err = capsys.readouterr().err
    assert "Wrong user name or passphrase" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_passphrase_is_exit_code_2(site, auth, monkeypatch, capsys) -> None:
    monkeypatch.delenv("AHTUI_PASSPHRASE", raising=False)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))  # not a terminal: no prompt
    code = main(["serve", "--site", str(site.path), "--user", ADMIN, "--auth", str(auth)])
    assert code == 2
    assert "No passphrase given" in capsys.readouterr().err


def test_no_supervisors_or_no_site_is_exit_code_2(site, tmp_path, capsys) -> None:
    empty = tmp_path / "none.toml"
    assert main(["serve", "--site", str(site.path), "--auth", str(empty)]) == 2
    assert "ahtui supervisor add" in capsys.readouterr().err
    serve.add_supervisor(empty, "sam", "a supervisor password")
    assert main(["serve", "--auth", str(empty)]) == 2
    assert "No site chosen" in capsys.readouterr().err
    assert main(["serve", "--site", str(site.path), "--port", "70000", "--auth", str(empty)]) == 2


def test_passphrase_file_must_be_owner_only(site, auth, tmp_path, capsys) -> None:
    secret = tmp_path / "pass"
    secret.write_text("not the passphrase at all\n")
    secret.chmod(0o644)
    argv = ["serve", "--site", str(site.path), "--user", ADMIN, "--auth", str(auth)]
    assert main(argv + ["--passphrase-file", str(secret)]) == 2
    assert "chmod 600" in capsys.readouterr().err
    secret.chmod(0o600)
    assert main(argv + ["--passphrase-file", str(secret)]) == 2
    assert "Wrong user name or passphrase" in capsys.readouterr().err


def test_serve_starts_on_loopback_and_stops(site, auth, tmp_path) -> None:
    """The real command: unlock, listen on a free loopback port, refuse anonymous, stop."""
    env = dict(os.environ, AHTUI_PASSPHRASE=PASSPHRASE, AHTUI_USER=ADMIN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ahtui", "serve", "--site", str(site.path), "--port", "0"]
        + ["--auth", str(auth)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, (line, proc.stderr.read() if proc.poll() is not None else "")
        url = match.group(0)
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                status = 200
            except urllib.error.HTTPError as exc:
                status = exc.code
                body = exc.read().decode()
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
                continue
            break
        assert status == 403 and "Sign in" in body
        login = urllib.request.urlopen(url + "-/ahtui/login", timeout=5)
        assert login.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert PASSPHRASE not in (proc.stdout.read() + proc.stderr.read())


# Datasette made unimportable, as in an installation without the extra `ahtui[serve]`.
WITHOUT_DATASETTE = (
    "import sys\n"
    "sys.modules['datasette'] = None\n"
    "from ahtui.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "loaded = sorted(\n"
    "    m for m, mod in sys.modules.items()\n"
    "    if mod is not None and m.split('.')[0] in ('datasette', 'uvicorn', 'ahtui_datasette')\n"
    ")\n"
    "print('LOADED', loaded, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _without_datasette(*argv: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_DATASETTE, *argv],
        capture_output=True,
        text=True,
        env=dict(os.environ, **env),
        timeout=120,
    )


def test_serve_without_datasette_says_how_to_install_it(site, auth) -> None:
    out = _without_datasette(
        "serve", "--site", str(site.path), "--user", ADMIN, "--auth", str(auth),
        AHTUI_PASSPHRASE=PASSPHRASE,
    )  # fmt: skip
    assert out.returncode == 1
    message, loaded = out.stderr.strip().splitlines()
    assert "pip install 'ahtui[serve]'" in message and "datasette" in message
    assert "Traceback" not in out.stderr
    assert loaded == "LOADED []"


def test_supervisor_logins_work_without_datasette(tmp_path) -> None:
    path = tmp_path / "logins.toml"
    out = _without_datasette(
        "supervisor", "add", "jo.bloggs", "--auth", str(path),
        AHTUI_NEW_PASSPHRASE="a long enough password",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Added supervisor jo.bloggs" in out.stdout
    out = _without_datasette("supervisor", "list", "--auth", str(path))
    assert out.returncode == 0 and out.stdout.split() == ["jo.bloggs"]
    assert out.stderr.strip() == "LOADED []"


def test_the_serve_entry_itself_refuses_without_the_web_stack(site, auth) -> None:
    """`serve.serve` checks too, for a caller that skipped `options_from_args`."""
    code = (
        "import sys\n"
        "sys.modules['uvicorn'] = None\n"
        "from pathlib import Path\n"
        "from ahtui import serve\n"
        f"options = serve.ServeOptions(sites=(Path({str(site.path)!r}),), host='127.0.0.1', "
        f"port=0, auth=Path({str(auth)!r}))\n"
        "try:\n"
        f"    serve.serve(options, {ADMIN!r}, {PASSPHRASE!r}, busy_timeout_ms=1000)\n"
        "except serve.WebStackMissing as exc:\n"
        "    print(exc.exit_code, exc.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1 ") and "missing: uvicorn" in out.stdout
    assert "pip install 'ahtui[serve]'" in out.stdout


@contextlib.contextmanager
def _serving(site, auth, *extra: str):
    """The real `ahtui serve` on a free loopback port: yields (host, port)."""
    env = dict(os.environ, AHTUI_PASSPHRASE=PASSPHRASE, AHTUI_USER=ADMIN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ahtui", "serve", "--site", str(site.path), "--port", "0"]
        + ["--auth", str(auth), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, (line, proc.stderr.read() if proc.poll() is not None else "")
        yield "127.0.0.1", int(match.group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _request(port: int, method: str, path: str, body: str = "", **headers: str):
    """One request over a fresh connection: (status, headers, text). A dropped connection
    raises, which is what the tests must never see."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        conn.close()


def test_the_real_server_refuses_other_hosts_and_never_drops_a_sign_in(site, auth) -> None:
    """Over a real socket: another Host is refused; `next` with tab, CR, LF, `//`, `\\` or a
    scheme is answered (never a dropped connection) and redirects only on this server."""
    with _serving(site, auth) as (_host, port):
        deadline = time.monotonic() + 10
        while True:
            try:
                status, headers, body = _request(port, "GET", "/-/ahtui/login")
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert status == 200
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"]
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.nip.io"):
            status, headers, body = _request(port, "GET", "/-/ahtui/login", Host=host)
            assert status == 400 and "does not answer" in body, host
            assert headers["x-frame-options"] == "DENY"
        assert _request(port, "GET", "/", Host=f"localhost:{port}")[0] == 403
        for escape in ("/%0d%0a/evil.example", "/%09/evil.example/", "/%0aSet-Cookie:%20x=1"):
            assert _request(port, "GET", f"/-/ahtui/login?next={escape}")[0] == 200
        for next_url in ("/\r\n/evil.example", "/\t/evil.example/", "/\n/x", "//evil.example",
                         "/\\evil.example", "https://evil.example/"):  # fmt: skip
            status, headers, body = _request(port, "GET", "/-/ahtui/login")
            token = re.search(r'name="csrftoken" value="([^"]+)"', body).group(1)
            cookie = headers["set-cookie"].split(";", 1)[0]
            form = urllib.parse.urlencode(
                {"csrftoken": token, "username": "sam", "password": "a supervisor password",
                 "next": next_url}
            )  # fmt: skip
            status, headers, _ = _request(
                port, "POST", "/-/ahtui/login", form, Cookie=cookie,
                Content_Type="application/x-www-form-urlencoded",
            )  # fmt: skip
            assert status == 302 and headers["location"] == "/", next_url


def test_sign_in_options_reach_the_plugin(site, auth, capsys) -> None:
    argv = ["serve", "--site", str(site.path), "--auth", str(auth)]
    options = serve.options_from_args(build_parser().parse_args(argv), None)
    settings = options.sign_in()
    assert set(settings["hosts"]) == {"127.0.0.1", "localhost", "::1"}
    assert settings["behind_https"] is False and settings["session_hours"] == 8
    assert (settings["login_attempts"], settings["lockout_minutes"]) == (10, 15)
    more = ["--allow-host", "Figures.Example.org", "--behind-https", "--session-hours", "2"]
    more += ["--login-attempts", "4", "--lockout-minutes", "30"]
    options = serve.options_from_args(build_parser().parse_args(argv + more), None)
    settings = options.sign_in()
    assert "figures.example.org" in settings["hosts"] and settings["behind_https"] is True
    assert (settings["session_hours"], settings["login_attempts"]) == (2, 4)
    assert settings["lockout_minutes"] == 30
    for bad in (["--session-hours", "0"], ["--login-attempts", "-1"]):
        assert main(argv + bad) == 2
        assert "must be more than 0" in capsys.readouterr().err


def test_serving_says_when_it_works_out_the_figures(demo_path) -> None:
    """A first serve works out every person's figures (half a minute on a national hub):
    the administrator is told before it starts and when it is done. Later serves say nothing,
    even after edits: a served site keeps its figures as each write commits."""
    from ahtui.serve import unlock
    from ahtui.store.people import update_person
    from ahtui.store.site import open_site

    said: list[str] = []
    unlock.unlock_sites((demo_path,), ADMIN, PASSPHRASE, tell=said.append)
    assert said[0] == (
        "Working out the supervisors' figures for HMP Testbridge for the first time (40 "
        "people); a large site takes a while (about half a minute for 80,000 people)."
    )
    assert re.fullmatch(r"Done in (under a second|1 second|[\d,]+ seconds)\.", said[1])
    assert len(said) == 2

    site = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        for (pid,) in site.conn.execute("SELECT id FROM people LIMIT 3").fetchall():
            update_person(site, pid, {"ethnicity": "Not stated"})
    finally:
        site.close()
    said.clear()
    unlock.unlock_sites((demo_path,), ADMIN, PASSPHRASE, tell=said.append)
    assert said == []


def test_the_waiting_message_sends_no_control_character(demo_path, capsys) -> None:
    """The message names the site as its file does; a name with a terminal's escape in it (a
    file written by something else) reaches the administrator's terminal made visible."""
    from ahtui.serve import unlock
    from ahtui.serve.server import _say_waiting
    from ahtui.store.site import open_site

    site = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        with site.write() as conn:
            conn.execute(
                "UPDATE sites SET name = ? WHERE id = ?",
                ("Testbridge\x1b]0;owned\x07\u202e", site.site_id),
            )
    finally:
        site.close()
    unlock.unlock_sites((demo_path,), ADMIN, PASSPHRASE, tell=_say_waiting)
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err
    assert "figures for Testbridge\\x1b]0;owned\\x07\\u202e for the first time" in err
    assert re.search(r"^Done in .+\.$", err, re.M)


def test_the_waiting_message_breaks_between_words_on_a_terminal(monkeypatch) -> None:
    """On an 80-column terminal (here 60) the message is broken between words; piped, it is
    one line, for whatever reads it."""
    import io
    import os
    import shutil

    from ahtui.serve.server import _say_waiting

    message = (
        "Working out the supervisors' figures for Demo site (synthetic people) for the first "
        "time (3,000 people); a large site takes a while (about half a minute for 80,000 "
        "people)."
    )

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(shutil, "get_terminal_size", lambda *_: os.terminal_size((60, 24)))
    for stream in (Terminal(), io.StringIO()):
        monkeypatch.setattr(sys, "stderr", stream)
        _say_waiting(message)
        out = stream.getvalue().splitlines()
        if stream.isatty():
            assert len(out) > 1 and max(len(line) for line in out) < 60
        else:
            assert len(out) == 1
        assert " ".join(out) == message
