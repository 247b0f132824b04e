"""Sync between sites by signed, encrypted change bundles (see README, "Sync between sites").

Modules: clock (per-connection SQL functions), capture (triggers), keys (identity, cards,
trust), bundle (file format and crypto), engine (export, import, merge, status, conflicts),
commands (the `keys` and `sync` CLI commands). Nothing here imports Textual.
"""
