"""Row ids for records that exist once per person (or once per person and key).

A person has one My Plan, one release-day plan, one remand support record, one answer to each
assessment question, and so on; a meeting has one record per agenda item. Rows normally get a random id (`site.id_factory()`), so two
sites that each create "the" release plan before they have synced would make two rows: after
sync both sites hold both, the app shows one, and the other site's work is hidden, a lost edit
(issue 5). Giving such a row an id made from what makes it unique (table, person, key) means
both sites create the SAME row: the sync merge then treats it as one row written at two sites
and merges it column by column, keeping the overwritten value as a conflict.

The id is a UUID version 5 (name-based, SHA-1) in a namespace of our own, so it is the same
at every site and on every version of the app, and never collides with the random (version 4
or 7) ids of other rows. Changing NAMESPACE or the name format would split records again:
never change them.

Sites that created such rows before this existed hold them under random ids; services look
records up by person (and key) first and use this id only when they create one.
"""

from __future__ import annotations

import json
import uuid

NAMESPACE = uuid.UUID("3d0c7a52-9f3e-4c1b-8b7e-5a2f6e1d9c40")
"""The namespace of every one-per-person id (fixed for ever: see the module docstring)."""


def one_per_person(table: str, person_id: str, *key: str) -> str:
    """The id of `table`'s one row for this person (and key, e.g. a question code). The owner
    may be another record: a meeting's one row per agenda item is `(meetings id, item code)`.

    The parts are joined as a JSON list, so no key can run into the next one ("a:b", "c" and
    "a", "b:c" give different ids).
    """
    name = json.dumps([table, person_id, *key], separators=(",", ":"), ensure_ascii=False)
    return str(uuid.uuid5(NAMESPACE, name))
