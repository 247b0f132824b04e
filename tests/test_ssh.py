"""The app offered over SSH, for real: Debian's OpenSSH server, two practitioners, one site.

The test starts `/usr/sbin/sshd` on the loopback address and a free port with a configuration
of its own (host key, authorized keys, the README's account settings: `ForceCommand` starts
ahtui on the site, no forwarding of any kind), then connects twice with `ssh -tt` inside tmux
at 80x24, as two practitioners with keys of their own. Each types their user name and
passphrase into the unlock screen and sees the caseload; one writes a case note (moving to it
and typing it in one burst of keys, with a backspace), and the other sees it after going back
into the notes. What the terminal shows is read with capture-pane.

It fails, saying what is missing, when sshd, ssh or tmux is not installed (`./dev test`
installs them on a Debian machine where it can).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE

SSHD = Path("/usr/sbin/sshd")
REPO = Path(__file__).resolve().parents[1]
SECOND_USER = "bea"
SECOND_PASSPHRASE = "another horse battery staple"


def _needed() -> None:
    missing = [
        name
        for name, there in (
            ("openssh-server (/usr/sbin/sshd)", SSHD.exists()),
            ("openssh-client (ssh, ssh-keygen)", bool(shutil.which("ssh"))),
            ("tmux", bool(shutil.which("tmux"))),
        )
        if not there
    ]
    if missing:
        pytest.fail(
            f"The SSH test needs {', '.join(missing)}: apt-get install openssh-server "
            "openssh-client tmux (./dev test does it as root on Debian).",
            pytrace=False,
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )
    return path.with_suffix(".pub").read_text().strip()


SSHD_CONFIG = """\
# The server for the test: the loopback address, a free port, keys in a temporary folder.
ListenAddress 127.0.0.1
Port {port}
HostKey {dir}/host_ed25519
PidFile {dir}/sshd.pid
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
PermitUserEnvironment no
# Only the account under test, and only with the keys the test made (the Match block's file).
AllowUsers {login}
AuthorizedKeysFile none
# The test's files are in a temporary folder that sshd would find too open.
StrictModes no
LogLevel ERROR
"""


def _readme_block(marker: str) -> str:
    """The README's code block holding `marker`: the test runs what the README tells."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Offering the app over SSH", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("\n", 1)[1] for b in section.split("```")[1::2]]
    (block,) = [b for b in blocks if marker in b]
    return "\n".join(line.strip() for line in block.splitlines()) + "\n"


def sshd_config(d: Path, port: int, login: str) -> str:
    """The README's settings for the account, for this test's account, keys and command."""
    account = (
        _readme_block("Match User ahtui")
        .replace("Match User ahtui", f"Match User {login}")
        .replace("/etc/ssh/ahtui_authorized_keys", str(d / "authorized_keys"))
        .replace("/usr/local/bin/ahtui-over-ssh", str(d / "ahtui-over-ssh"))
    )
    return SSHD_CONFIG.format(port=port, dir=d, login=login) + account


def wrapper(d: Path, site: Path) -> str:
    """The README's forced command, on the test's site, config and data folders."""
    script = _readme_block("#!/bin/sh").replace(
        "/srv/ahtui/site/northgate.ahtui",
        f"{site} AHTUI_CONFIG_DIR={d}/config AHTUI_DATA_DIR={d}/data",
    )
    return script.replace("/opt/ahtui/.venv/bin/ahtui", str(Path(sys.executable).parent / "ahtui"))


class Tmux:
    """One tmux server of the test's own, one session per SSH connection, 80x24."""

    def __init__(self, socket_path: Path) -> None:
        self.socket = socket_path

    def run(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["tmux", "-S", str(self.socket), "-f", "/dev/null", *args],
            check=check,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def start(self, name: str, command: list[str]) -> None:
        self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24", *command)
        # The pane stays after ssh ends, so a failure still shows what was on screen.
        self.run("set-option", "-t", name, "remain-on-exit", "on")

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name, check=False)

    def type(self, name: str, text: str) -> None:
        self.run("send-keys", "-t", name, "-l", text)

    def keys(self, name: str, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", name, key)
            time.sleep(0.15)

    def wait_for(
        self, name: str, seen: Callable[[str], bool], what: str, timeout: float = 30.0
    ) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen(name)
            if seen(shown):
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: never saw {what}; the screen was:\n{shown}")
            time.sleep(0.2)

    def kill(self) -> None:
        self.run("kill-server", check=False)


@pytest.fixture
def served(demo_path: Path, tmp_path: Path) -> Iterator[tuple[Tmux, int, Path]]:
    """sshd on a free loopback port, serving ahtui on a copy of the demo site to two keys."""
    _needed()
    from ahtui.store import team, users
    from ahtui.store.site import open_site

    site = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        practitioner = team.add_practitioner(site, {"name": "Bea Moss", "role": "pp"})
        users.add_user(
            site,
            SECOND_USER,
            SECOND_PASSPHRASE,
            display_name="Bea Moss",
            practitioner_id=practitioner,
        )
    finally:
        site.close()

    d = tmp_path / "ssh"
    d.mkdir()
    host = _keygen(d / "host_ed25519")
    keys = [_keygen(d / f"id_{who}") for who in ("sam", "bea")]
    (d / "authorized_keys").write_text("\n".join(keys) + "\n")
    port = _free_port()
    (d / "known_hosts").write_text(f"[127.0.0.1]:{port} {host.rsplit(' ', 1)[0]}\n")
    (d / "config").mkdir()
    (d / "config" / "config.toml").write_text("idle_lock_minutes = 15\n")
    login = pwd.getpwuid(os.getuid()).pw_name
    (d / "sshd_config").write_text(sshd_config(d, port, login))
    command = d / "ahtui-over-ssh"
    command.write_text(wrapper(d, demo_path))
    command.chmod(0o755)
    if os.getuid() == 0:
        # Run as root, sshd wants the privilege-separation folder Debian's service makes.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    checked = subprocess.run(
        [str(SSHD), "-t", "-f", str(d / "sshd_config")], capture_output=True, text=True
    )
    assert checked.returncode == 0, f"sshd refused the test's configuration: {checked.stderr}"
    server = subprocess.Popen(
        [str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=(d / "sshd.log").open("w"),
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log = (d / "sshd.log").read_text()
                raise AssertionError(f"sshd did not start: {log}") from None
            time.sleep(0.1)
    tmux = Tmux(d / "tmux.sock")
    try:
        yield tmux, port, d
    finally:
        tmux.kill()
        server.terminate()
        server.wait(timeout=10)


def _ssh(d: Path, port: int, who: str) -> list[str]:
    login = pwd.getpwuid(os.getuid()).pw_name
    return [
        "ssh",
        "-tt",
        "-F",
        "/dev/null",
        "-i",
        str(d / f"id_{who}"),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        f"UserKnownHostsFile={d / 'known_hosts'}",
        "-p",
        str(port),
        f"{login}@127.0.0.1",
    ]


def _unlock(tmux: Tmux, name: str, user: str, passphrase: str) -> str:
    tmux.wait_for(name, lambda s: "Passphrase" in s, "the unlock screen")
    tmux.type(name, user)
    tmux.keys(name, "Enter")
    tmux.type(name, passphrase)
    tmux.keys(name, "Enter")
    return tmux.wait_for(
        name, lambda s: "signed in as" in s and "40 people" in s, "the caseload", timeout=60
    )


def test_two_practitioners_over_ssh_share_one_site(served) -> None:
    tmux, port, d = served
    tmux.start("sam", _ssh(d, port, "sam"))
    tmux.start("bea", _ssh(d, port, "bea"))
    sam = _unlock(tmux, "sam", ADMIN, PASSPHRASE)
    bea = _unlock(tmux, "bea", SECOND_USER, SECOND_PASSPHRASE)
    assert "signed in as Sam Admin" in sam and "signed in as Bea Moss" in bea
    for shown in (sam, bea):
        lines = shown.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        assert "40 people" in shown
    # Both open the first person's case notes.
    for name in ("sam", "bea"):
        tmux.keys(name, "Enter")
        tmux.wait_for(name, lambda s: "· Overview" in s, "the person")
        tmux.keys(name, "n")
        tmux.wait_for(name, lambda s: "Case notes" in s, "the case notes")
    assert "Written over SSH" not in tmux.screen("bea")
    # Sam writes a note: the contact type's first choice, then the note itself.
    tmux.keys("sam", "n")
    tmux.wait_for("sam", lambda s: "New case note" in s, "the note form")
    tmux.keys("sam", "Down")
    tmux.wait_for("sam", lambda s: "Phone" in s, "the contact types")
    tmux.keys("sam", "Down", "Enter")
    tmux.wait_for("sam", lambda s: "Choose" not in s, "a contact type chosen")
    # Day, time, where, fact or opinion, sensitive: the note is the sixth field on. The Tabs
    # and the note go in one burst, a slip put right on the way, as keys typed quickly arrive
    # over SSH: each is handled in turn (ahtui.key_order), none in the wrong field.
    tmux.run("send-keys", "-t", "sam", *["Tab"] * 6, "Writtem", "BSpace", "n over SSH")
    tmux.wait_for("sam", lambda s: "Written over SSH" in s, "the note typed")
    tmux.keys("sam", "C-s")
    tmux.wait_for("sam", lambda s: "Note saved" in s, "the note saved")
    # Bea, at the same time on the same file, sees it once her list is read again.
    tmux.keys("bea", "Escape", "n")
    tmux.wait_for("bea", lambda s: "Written over SSH" in s, "Sam's note")
    # Neither connection can be turned into a shell: what follows the host name is ignored.
    shell = subprocess.run(
        ["ssh", "-T", *_ssh(d, port, "bea")[2:], "echo", "a shell"],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert "a shell" not in shell.stdout and shell.returncode == 1
    assert "ahtui needs a terminal: connect with ssh -t." in shell.stderr
    # Nor a tunnel: the server refuses to forward a port.
    tunnel = subprocess.run(
        [
            "ssh",
            "-T",
            "-o",
            "ExitOnForwardFailure=yes",
            "-R",
            f"127.0.0.1:{_free_port()}:127.0.0.1:{port}",
        ]
        + _ssh(d, port, "bea")[2:],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert "forwarding failed" in tunnel.stderr, tunnel.stderr
    for name in ("sam", "bea"):
        tmux.keys(name, "C-q")


def test_without_the_server_the_test_fails_saying_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "SSHD", Path("/nonexistent/sshd"))
    with pytest.raises(pytest.fail.Exception, match=r"needs openssh-server \(/usr/sbin/sshd\)"):
        _needed()
