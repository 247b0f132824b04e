"""Sync between sites by signed, encrypted change bundles (see README, "Sync between sites",
and docs/sync.md). Change capture and the clock are the store's (`store.capture`,
`store.hlc`); sync consumes them.

Modules: keys (identity, cards, trust), bundle (file format and crypto;
docs/bundle-format.md), wire (the payload's row layouts and blocks), policy (what may leave
for a peer, and the limits on what arrives), sharing (who may hold a person or a note:
decisions, notices), leaving (giving up those this site may no longer hold), outgoing
(export), incoming (import), merge (applying rows, recording conflicts), conflicts (listing,
describing and resolving them), status (where sync stands with each peer), files (bundle
files in and out for the app), labels (plain words for tables, fields, values and times).
The `keys` and `sync` commands are in `cli/keys.py` and `cli/sync.py`. Nothing here imports
Textual.
"""
