"""Where the app's data files are: the `schema/` directory of forms and migrations."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def schema_dir() -> Path:
    """The `schema/` directory: inside the installed package, else the repository's top level."""
    # A wheel ships schema/ as ahtui/schema (see pyproject force-include); an editable or
    # development install has it beside src/ instead.
    packaged = files("ahtui") / "schema"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2] / "schema"
    if repo.is_dir():
        return repo
    raise FileNotFoundError(f"cannot find the schema directory: looked in {packaged} and {repo}")
