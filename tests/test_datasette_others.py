"""The plugin changes nothing for a Datasette that is not ahtui's, and an ahtui-configured one
started by the `datasette` command still reads its encrypted sites.

Each check runs in a fresh process with the plugin installed (through its entry point), as
another Datasette in the same environment would be: no ahtui server has run there.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import ADMIN, PASSPHRASE

from ahtui import serve
from ahtui.serve.configuration import datasette_metadata, datasette_settings
from ahtui.serve.unlock import unlock_sites

ORDINARY = r"""
import asyncio, json, sqlite3, sys
from datasette.app import Datasette
from datasette.plugins import pm
import datasette.utils.sqlite as chosen

ds = Datasette([sys.argv[1]])

async def get(path):
    response = await ds.client.get(path)
    return response.status_code, response.text

async def main():
    return {
        "table": await get("/plain/things.json?_shape=array"),
        "sql": await get("/plain.json?sql=select+sum(n)+as+total+from+things&_shape=array"),
        "login": (await get("/-/ahtui/login"))[0],
    }

pages = asyncio.run(main())
# To a file: Datasette prints its own traceback of the 404 on stdout.
with open(sys.argv[2], "w") as out:
    json.dump({
    "plugins": sorted(p.__name__ for p in pm.get_plugins()),
    "stdlib_sqlite3": chosen.sqlite3 is sqlite3,
    "pysqlite3": "pysqlite3" in sys.modules,
    "pages": pages,
}, out)
"""


def test_an_ordinary_datasette_keeps_plain_sqlite_and_the_plugin_stays_inert(tmp_path) -> None:
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (name TEXT, n INTEGER)")
    conn.executemany("INSERT INTO things VALUES (?, ?)", [("a", 2), ("b", 3)])
    conn.commit()
    conn.close()
    result = tmp_path / "result.json"
    out = subprocess.run(
        [sys.executable, "-c", ORDINARY, str(path), str(result)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(result.read_text())
    assert "ahtui_datasette" in got["plugins"]  # installed and loaded...
    assert got["stdlib_sqlite3"] and not got["pysqlite3"]  # ...yet Datasette's sqlite3 is stdlib
    status, body = got["pages"]["table"]
    assert status == 200 and json.loads(body) == [{"rowid": 1, "name": "a", "n": 2},
                                                  {"rowid": 2, "name": "b", "n": 3}]  # fmt: skip
    status, body = got["pages"]["sql"]
    assert status == 200 and json.loads(body) == [{"total": 5}]
    assert got["pages"]["login"] == 404  # no ahtui routes, no gate


def test_the_datasette_command_with_ahtui_metadata_reads_an_encrypted_site(site, tmp_path) -> None:
    """No `ahtui serve` in the process: the plugin's startup points Datasette at SQLCipher for an
    instance configured for ahtui, before Datasette's own check opens the file."""
    path = site.path
    site.close()
    auth = tmp_path / "supervisors.toml"
    serve.add_supervisor(auth, "sam", "a supervisor password")
    (unlocked,) = unlock_sites((path,), ADMIN, PASSPHRASE)
    key_file = tmp_path / "site.key"
    key_file.write_text(unlocked.key.hex() + "\n")
    key_file.chmod(0o600)
    metadata = datasette_metadata([unlocked], auth)
    metadata["plugins"]["ahtui"]["sites"][unlocked.name] = {"key_file": str(key_file)}
    meta_path = tmp_path / "metadata.json"
    meta_path.write_text(json.dumps(metadata))
    settings = [arg for k, v in datasette_settings().items() for arg in ("--setting", k, str(v))]
    datasette = Path(sys.executable).with_name("datasette")
    out = subprocess.run(
        [str(datasette), "serve", str(path), "-m", str(meta_path), *settings]
        + ["--get", "/-/ahtui/login"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert 'name="password"' in out.stdout
