"""The supervisors' logins: scrypt password hashes kept in the supervisors' file.

`ahtui supervisor add|remove|list` writes the file (`supervisors.toml` in the config folder
unless `--auth FILE` names another); the Datasette plugin reads it to sign supervisors in. It
holds a `[supervisors]` table of name = self-describing scrypt hash, never a password.

Both the server (ahtui.serve) and the plugin (ahtui_datasette) import this module, so it imports
neither of them, nor Datasette.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import os
import re
import secrets
import tomllib
from pathlib import Path

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .config import config_dir
from .errors import BadInput
from .store import credentials, keyring

AUTH_FILE_NAME = "supervisors.toml"

_HASH = re.compile(r"^scrypt\$(\d{2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


def default_auth_path() -> Path:
    return config_dir() / AUTH_FILE_NAME


def auth_path(given: str | None) -> Path:
    return Path(given).expanduser() if given else default_auth_path()


# -- password hashes --------------------------------------------------------------------------


def _scrypt(password: str, salt: bytes, log2n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**log2n, r=r, p=p).derive(password.encode("utf-8"))


def hash_password(password: str) -> str:
    """A self-describing scrypt hash: `scrypt$log2n$r$p$salt$hash` (base64)."""
    # The same work factor as the site keys' passphrases (AHTUI_KDF_LOG2N lowers it in tests).
    log2n, r, p = keyring.kdf_log2n(), 8, 1
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, log2n, r, p)
    b64 = base64.b64encode
    return f"scrypt${log2n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True if `password` matches `stored`; with no stored hash, the same work, then False."""
    m = _HASH.match(stored or "")
    if m is None:
        _scrypt(password, secrets.token_bytes(16), keyring.kdf_log2n(), 8, 1)
        return False
    log2n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (10 <= log2n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        return False
    salt, expected = base64.b64decode(m.group(4)), base64.b64decode(m.group(5))
    return hmac.compare_digest(_scrypt(password, salt, log2n, r, p), expected)


# -- the supervisors' file --------------------------------------------------------------------


def load_supervisors(path: Path) -> dict[str, str]:
    """Name -> hash from the supervisors' file. A missing file is an empty list."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BadInput(f"Cannot read the supervisors' file {path}: {exc.strerror}.") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"The supervisors' file {path} is not valid TOML: {exc}.") from exc
    table = data.get("supervisors", {})
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _HASH.match(v) for k, v in table.items()
    ):
        raise BadInput(
            f"The supervisors' file {path} is not in the expected form: a [supervisors] table "
            "of name = scrypt hash, as `ahtui supervisor add` writes it."
        )
    return dict(table)


def save_supervisors(path: Path, supervisors: dict[str, str]) -> None:
    """Write the file atomically, readable by its owner only."""
    lines = [
        "# Supervisors' logins for `ahtui serve --auth FILE`.",
        "# Managed with `ahtui supervisor add|remove|list`; each value is a scrypt hash.",
        "[supervisors]",
    ]
    # Names are validated user names and hashes are base64, so neither needs TOML escaping.
    lines += [f'"{name}" = "{value}"' for name, value in sorted(supervisors.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def add_supervisor(path: Path, name: str, password: str) -> bool:
    """Add or replace a login; True if it was new."""
    credentials.validate_username(name)
    credentials.validate_passphrase(password)
    supervisors = load_supervisors(path)
    is_new = name not in supervisors
    supervisors[name] = hash_password(password)
    save_supervisors(path, supervisors)
    return is_new


def remove_supervisor(path: Path, name: str) -> None:
    supervisors = load_supervisors(path)
    if name not in supervisors:
        raise BadInput(f"There is no supervisor {name!r} in {path}.")
    del supervisors[name]
    save_supervisors(path, supervisors)
