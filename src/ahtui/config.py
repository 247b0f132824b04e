"""Settings: flags beat AHTUI_* environment variables, which beat the TOML config file.

The config file is `config.toml` in the platform config folder (platformdirs; on Linux
~/.config/ahtui/), or in AHTUI_CONFIG_DIR. Data that ahtui makes for itself, such as the demo
site, goes in the platform data folder (~/.local/share/ahtui/) or AHTUI_DATA_DIR.
Passphrases are never read from the config file.

Bank holidays the `holidays` package does not know yet (a one-off announced after its release)
are added in the config file, and `bank_holidays_known_through` says up to which year the site
has checked them; both take effect for the working-day rules as soon as the settings are read:

    extra_bank_holidays = [2027-06-07]
    bank_holidays_known_through = 2027
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from .domain.workdays import add_bank_holidays
from .errors import BadInput

APP = "ahtui"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


def config_dir() -> Path:
    env = os.environ.get("AHTUI_CONFIG_DIR")
    if env:
        return Path(env)
    return Path(user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    env = os.environ.get("AHTUI_DATA_DIR")
    if env:
        return Path(env)
    return Path(user_data_dir(APP, appauthor=False))


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True)
class Settings:
    site: Path | None = None
    user: str | None = None
    busy_timeout_ms: int = 10_000
    idle_lock_minutes: int = 15
    reply_wait_working_days: int = 10
    keys: dict[str, str] | None = None
    extra_bank_holidays: tuple[date, ...] = ()
    bank_holidays_known_through: int | None = None
    # Printed at the top and bottom of every document meant for a statutory record.
    protective_marking: str = DEFAULT_MARKING
    # Calendar files name people by initials and CRN unless the site chooses full names.
    calendar_full_names: bool = False


_INT_KEYS = ("busy_timeout_ms", "idle_lock_minutes", "reply_wait_working_days")


def load_settings(*, site: str | None = None, user: str | None = None) -> Settings:
    """Merge the config file, the environment and the given flags."""
    path = config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BadInput(f"The config file {path} is not valid TOML: {exc}.") from exc
    values: dict[str, Any] = {}
    for key in _INT_KEYS:
        env = os.environ.get(f"AHTUI_{key.upper()}")
        value = env if env is not None else raw.get(key)
        if value is None:
            continue
        try:
            values[key] = int(value)
        except (TypeError, ValueError):
            raise BadInput(f"{key} must be a whole number (got {value!r}).") from None
    site_value = site or os.environ.get("AHTUI_SITE") or raw.get("site")
    user_value = user or os.environ.get("AHTUI_USER") or raw.get("user")
    keys = raw.get("keys")
    if keys is not None and not isinstance(keys, dict):
        raise BadInput(f"[keys] in {path} must be a table of action = key.")
    extra, known = _bank_holidays(raw, path)
    if extra or known is not None:
        add_bank_holidays(extra, known_through=known)
    values.update(_document_settings(raw, path))
    return Settings(
        site=Path(site_value).expanduser() if site_value else None,
        user=user_value or None,
        keys={str(k): str(v) for k, v in (keys or {}).items()},
        extra_bank_holidays=extra,
        bank_holidays_known_through=known,
        **values,
    )


def _bank_holidays(raw: dict[str, Any], path: Path) -> tuple[tuple[date, ...], int | None]:
    """The site's extra bank holidays and the year it has checked them to, from the file."""
    listed = raw.get("extra_bank_holidays", [])
    if not isinstance(listed, list):
        raise BadInput(f"extra_bank_holidays in {path} must be a list of dates, like [2027-06-07].")
    days = []
    for value in listed:
        try:
            days.append(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise BadInput(
                f"extra_bank_holidays in {path}: {value!r} is not a date (YYYY-MM-DD)."
            ) from None
    known = raw.get("bank_holidays_known_through")
    if known is not None and (not isinstance(known, int) or isinstance(known, bool)):
        raise BadInput(f"bank_holidays_known_through in {path} must be a year, like 2027.")
    return tuple(days), known


def _document_settings(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """`protective_marking` (one line of text) and `calendar_full_names` (true or false)."""
    out: dict[str, Any] = {}
    marking = os.environ.get("AHTUI_PROTECTIVE_MARKING", raw.get("protective_marking"))
    if marking is not None:
        if not isinstance(marking, str) or not marking.strip() or "\n" in marking:
            raise BadInput(
                f"protective_marking in {path} must be one line of text, "
                "such as OFFICIAL-SENSITIVE."
            )
        out["protective_marking"] = marking.strip()
    names = os.environ.get("AHTUI_CALENDAR_FULL_NAMES", raw.get("calendar_full_names"))
    if names is not None:
        words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
        flag = names if isinstance(names, bool) else words.get(str(names).strip().lower())
        if flag is None:
            raise BadInput(f"calendar_full_names in {path} must be true or false (got {names!r}).")
        out["calendar_full_names"] = flag
    return out
