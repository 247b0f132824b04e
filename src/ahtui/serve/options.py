"""What `ahtui serve` is asked to serve, checked before anything is unlocked.

The command line (sites, address, port, the supervisors' file), the passphrase file, and the
packages of the optional extra `ahtui[serve]` (Datasette and its web stack): each problem is a
plain error before a passphrase is asked for or a site opened.
"""

from __future__ import annotations

import socket
import stat
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from ..errors import AhtuiError, BadInput
from ..supervisors import auth_path, load_supervisors

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
_LOOPBACK = ("127.", "::1", "localhost")
# What the server and the plugin import beyond ahtui's own dependencies: the extra `ahtui[serve]`.
WEB_PACKAGES = ("datasette", "uvicorn", "itsdangerous")
INSTALL_HINT = "pip install 'ahtui[serve]'"


class WebStackMissing(AhtuiError):
    """`ahtui serve` in an installation without the extra `ahtui[serve]` (exit code 1)."""


_WILDCARDS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class ServeOptions:
    sites: tuple[Path, ...]
    host: str
    port: int
    auth: Path
    # Names supervisors may reach the server by (the Host header) besides --host itself.
    allow_hosts: tuple[str, ...] = ()
    behind_https: bool = False
    session_hours: float = 8
    login_attempts: int = 10
    lockout_minutes: float = 15

    def host_names(self) -> list[str]:
        """The Host header names the server answers to: --host, --allow-host, and this
        machine's own names when listening on loopback or on every address."""
        names = [self.host, *self.allow_hosts]
        if is_loopback(self.host) or self.host in _WILDCARDS:
            names += ["localhost", "127.0.0.1", "::1"]
        if self.host in _WILDCARDS:
            names += [socket.gethostname(), socket.getfqdn()]
        return sorted({n.lower().strip("[]") for n in names if n and n not in _WILDCARDS})

    def sign_in(self) -> dict[str, Any]:
        """The plugin's sign-in settings (see ahtui_datasette.instance)."""
        return {
            "hosts": self.host_names(),
            "behind_https": self.behind_https,
            "session_hours": self.session_hours,
            "login_attempts": self.login_attempts,
            "lockout_minutes": self.lockout_minutes,
        }


def require_web_stack() -> None:
    """Raise WebStackMissing, saying how to install it, unless Datasette and its web stack are
    importable (found without importing them)."""
    missing = [name for name in WEB_PACKAGES if find_spec(name) is None]
    if missing:
        raise WebStackMissing(
            "The supervisors' view needs Datasette and its web server, which are not installed "
            f"here (missing: {', '.join(missing)}). Install them with: {INSTALL_HINT}"
        )


def is_loopback(host: str) -> bool:
    return host.startswith(_LOOPBACK)


def options_from_args(args: Any, default_site: Path | None) -> ServeOptions:
    """Check the command line before anything is unlocked (exit code 2 for each problem; 1 if
    the web stack is not installed)."""
    require_web_stack()
    given = getattr(args, "site", None)
    if isinstance(given, str):
        given = [given]
    paths = [Path(p).expanduser() for p in (given or ([default_site] if default_site else []))]
    if not paths:
        raise BadInput("No site chosen. Give --site PATH (once for each site to serve).")
    for p in paths:
        if any(c in str(p) for c in "?#%"):
            raise BadInput(f"{p}: a site served to supervisors cannot have ?, # or % in its path.")
    if len({p.resolve() for p in paths}) != len(paths):
        raise BadInput("The same site file was given twice.")
    port = args.port
    if not 0 <= port <= 65535:
        raise BadInput(f"--port must be between 0 and 65535 (got {port}).")
    auth = auth_path(args.auth)
    supervisors = load_supervisors(auth)
    if not supervisors:
        raise BadInput(
            f"No supervisors can sign in: {auth} has no logins. Create one with "
            f"`ahtui supervisor add NAME --auth {auth}`."
        )
    limits = {
        "session_hours": getattr(args, "session_hours", 8),
        "login_attempts": getattr(args, "login_attempts", 10),
        "lockout_minutes": getattr(args, "lockout_minutes", 15),
    }
    for name, value in limits.items():
        if not value > 0:
            flag = "--" + name.replace("_", "-")
            raise BadInput(f"{flag} must be more than 0 (got {value}).")
    return ServeOptions(
        sites=tuple(paths),
        host=args.host,
        port=port,
        auth=auth,
        allow_hosts=tuple(getattr(args, "allow_host", None) or ()),
        behind_https=bool(getattr(args, "behind_https", False)),
        session_hours=float(limits["session_hours"]),
        login_attempts=int(limits["login_attempts"]),
        lockout_minutes=float(limits["lockout_minutes"]),
    )


def read_passphrase_file(path_text: str) -> str:
    path = Path(path_text).expanduser()
    try:
        info = path.stat()
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BadInput(
                f"The passphrase file {path} can be read by other users; "
                "make it owner-only (chmod 600)."
            )
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise BadInput(f"Cannot read the passphrase file {path}: {exc.strerror}.") from exc
    if not text:
        raise BadInput(f"The passphrase file {path} is empty.")
    return text
