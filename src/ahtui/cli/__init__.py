"""The `ahtui` command line: open the app (the default), and the commands that work on a site
without it.

- parser.py: the parser and `main` (the `ahtui` entry point, exported here);
- common.py: what every command shares (--site/--user, passphrases, opening the site, output);
- one module per command group, each with `register(subparsers)`: site.py (the app, `init`,
  `check`), users.py (`user`), demo.py, people.py, keys.py, sync.py, export.py, serve.py
  (`serve`, `supervisor`).

Only opening the app imports Textual; every other command starts without it.
"""

from .parser import build_parser, main

__all__ = ["build_parser", "main"]
