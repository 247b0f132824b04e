"""The `ahtui` command line: open the app (the default), and the commands that work on a site
without it.

- parser.py: every command's options and help, and `main` (the `ahtui` entry point, exported
  here), which imports a command group's module only when one of its commands runs;
- common.py: what the commands share when they run (output, passphrases, opening the site);
- one module per command group, holding its commands' functions: site.py (the app, `init`,
  `check`), users.py (`user`), demo.py, people.py, keys.py, sync.py, export.py, serve.py
  (`serve`, `supervisor`).

Only opening the app imports Textual; every other command starts without it.
"""

from .parser import build_parser, main

__all__ = ["build_parser", "main"]
