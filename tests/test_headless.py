"""The headless core (domain, store and the non-app CLI commands) never imports Textual."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import PASSPHRASE


def test_domain_and_store_do_not_import_textual() -> None:
    script = textwrap.dedent(
        """
        import json, pkgutil, importlib, sys
        import ahtui.domain, ahtui.store, ahtui.sync, ahtui.exports
        for pkg in (ahtui.domain, ahtui.store, ahtui.sync, ahtui.exports):
            for mod in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
                importlib.import_module(mod.name)
        import ahtui.cli, ahtui.demo, ahtui.config, ahtui.forms_loader
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich", "datasette"))))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_screens_and_widgets_leave_sql_to_the_store() -> None:
    # Screens call services; a query written in a screen would skip attribution and audit.
    src = Path(__file__).resolve().parents[1] / "src" / "ahtui"
    offenders = []
    for path in [*(src / "screens").glob("*.py"), *(src / "widgets").glob("*.py")]:
        text = path.read_text()
        for needle in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", ".execute(", "site.one("):
            if needle in text:
                offenders.append(f"{path.name}: {needle.strip()}")
    assert offenders == []


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
