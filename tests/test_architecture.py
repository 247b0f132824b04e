"""The architecture, checked: the layers' import contracts, no import cycles, small modules, and
a headless core (domain, store, sync, exports, the non-app CLI commands) that never loads
Textual, Rich or the web stack, checked at run time in a fresh interpreter per package, in
Harlequin's manner, because an import contract sees only what the source says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import grimp
import pytest
from conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 700

# Packages and modules that must run with no terminal and no web stack loaded.
HEADLESS = [
    "ahtui.errors",
    "ahtui.domain",
    "ahtui.config",
    "ahtui.resources",
    "ahtui.forms_loader",
    "ahtui.store",
    "ahtui.sync",
    "ahtui.exports",
    "ahtui.demo",
    "ahtui.supervisors",
]


def test_import_contracts_hold() -> None:
    # The contracts live in pyproject.toml ([tool.importlinter]); lint-imports reads them there.
    tool = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(tool), "--no-cache"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, without recursion)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                part = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    part.append(top)
                    if top == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_import_cycles() -> None:
    # grimp reads function-level imports too, so a cycle cannot hide inside a function.
    graph = grimp.build_graph("ahtui", "ahtui_datasette", cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _cycles(graph) == [["pkg.a", "pkg.b"]]


def test_no_module_is_over_700_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in ("src", "plugins")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_package_loads_no_terminal_or_web_stack(package: str) -> None:
    script = textwrap.dedent(
        f"""
        import importlib, json, pkgutil, sys
        top = importlib.import_module({package!r})
        for mod in pkgutil.walk_packages(getattr(top, "__path__", []), top.__name__ + "."):
            importlib.import_module(mod.name)
        banned = ("textual", "rich", "datasette", "uvicorn")
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in banned)))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_cli_commands_run_without_textual(tmp_path: Path) -> None:
    """Run real non-app commands in one process and check Textual never loaded."""
    site = tmp_path / "s.ahtui"
    script = textwrap.dedent(
        f"""
        import json, os, sys
        from ahtui.cli import main
        site = {str(site)!r}
        codes = [
            main(["init", "--site", site, "--name", "HMP Headless", "--agency", "prison", "--admin", "admin"]),
            main(["demo", "--site", {str(tmp_path / "demo.ahtui")!r}, "--no-open", "--people", "5"]),
            main(["people", "--site", site, "--user", "admin", "--json"]),
            main(["user", "list", "--site", site, "--user", "admin"]),
            main(["check", "--site", site, "--user", "admin"]),
        ]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "datasette"))
        print("RESULT", json.dumps({{"codes": codes, "loaded": loaded}}))
        """
    )
    env = dict(os.environ, AHTUI_PASSPHRASE=PASSPHRASE)
    env.pop("AHTUI_USER", None)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    assert result == {"codes": [0, 0, 0, 0, 0], "loaded": []}


def test_the_architecture_map_matches_the_tree() -> None:
    """docs/architecture.md names only modules that exist, and every module of the tree."""
    import re

    text = (ROOT / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"`([a-z_/]+(?:\.py)?)`", text))
    src = ROOT / "src" / "ahtui"
    packages = {p.name for p in src.iterdir() if (p / "__init__.py").is_file()}
    modules = {
        p.stem
        for folder in (src, *(src / name for name in packages), src / "domain" / "schedule")
        for p in folder.glob("*.py")
        if p.stem not in ("__init__", "__main__")
    }
    plugin = {p.stem for p in (ROOT / "plugins" / "ahtui_datasette").glob("*.py")} - {"__init__"}
    # Every package, and every module of every package, is on the map.
    words = {w.removesuffix(".py").removesuffix("/").split("/")[-1] for w in named}
    assert sorted(packages - words) == []
    assert sorted((modules | plugin) - words) == []
    # And everything the map names as a file or a folder exists somewhere in the tree.
    files = {p.stem for p in ROOT.rglob("*.py") if ".venv" not in p.parts}
    folders = {p.name for p in ROOT.rglob("*") if p.is_dir() and ".venv" not in p.parts}
    made_up = [
        w
        for w in named
        if w.endswith((".py", "/"))
        and w.removesuffix(".py").removesuffix("/").split("/")[-1] not in files | folders
    ]
    assert made_up == []
