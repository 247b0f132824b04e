"""Dependencies, checked: every package the code imports is declared in pyproject.toml, and
the lock file that `./dev` installs from pins every declared one at a version the declaration
allows (so a clean clone tests exactly what was tested here)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OURS = {"ahtui", "ahtui_datasette"}


def _declared() -> dict[str, list[Requirement]]:
    """Declared requirements by group: the core, then each extra."""
    groups = {"core": [Requirement(r) for r in PROJECT["dependencies"]]}
    for extra, reqs in PROJECT["optional-dependencies"].items():
        groups[extra] = [Requirement(r) for r in reqs]
    return groups


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {
        canonicalize_name(m.group(1)): m.group(2)
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.MULTILINE)
    }


def _third_party_imports(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in OURS}


def test_every_imported_package_is_declared() -> None:
    declared = {
        canonicalize_name(r.name)
        for group, reqs in _declared().items()
        if group != "test"
        for r in reqs
    }
    owners = packages_distributions()
    missing = {}
    for name in _third_party_imports(ROOT / "src") | _third_party_imports(ROOT / "plugins"):
        dists = {canonicalize_name(d) for d in owners.get(name, [name])}
        if not dists & declared:
            missing[name] = sorted(dists)
    assert missing == {}


def test_the_lock_pins_every_declared_package_within_its_range() -> None:
    locked = _locked()
    wrong = {}
    for reqs in _declared().values():
        for req in reqs:
            name = canonicalize_name(req.name)
            if name == "ahtui":
                continue  # the test extra names the serve extra of the project itself
            if name not in locked or not req.specifier.contains(locked[name], prereleases=True):
                wrong[str(req)] = locked.get(name, "not in requirements.lock")
    assert wrong == {}


def test_the_lock_records_hashes() -> None:
    # ./dev installs with --require-hashes: a pin without its hash would stop every install.
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text().strip())
    assert blocks and all("--hash=sha256:" in b for b in blocks if not b.startswith("#"))
