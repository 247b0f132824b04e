"""Sync between sites by signed, encrypted change bundles (see README, "Sync between sites",
and docs/sync.md).

Modules: clock (per-connection SQL functions, the clamped clock), capture (triggers), keys
(identity, cards, trust), bundle (file format and crypto; docs/bundle-format.md), sharing (who
may hold a person or a note: decisions, notices, leaving), engine (export, import, merge,
status, conflicts), labels (plain words for tables and fields), app_services (what the screens
need), commands (the `keys` and `sync` CLI commands). Nothing here imports Textual.
"""
