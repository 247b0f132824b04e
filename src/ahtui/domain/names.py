"""How a person is named on screens, in documents and in lists: one place for all three.

Lists sort by family name, so they show "Family, Known-as"; documents address the person,
so they show "Known-as Family". Either way the name a person goes by (preferred name) wins
over the given name. Takes any mapping or row with the three name fields.
"""

from __future__ import annotations

from typing import Any


def known_as(person: Any) -> str:
    """The first name the person goes by: the preferred name, else the given name."""
    return person["preferred_name"] or person["given_name"]


def listed_name(person: Any) -> str:
    """A name for lists and headings: `Family, Known-as`."""
    return f"{person['family_name']}, {known_as(person)}"


def document_name(person: Any) -> str:
    """A name to head a document with: `Known-as Family`."""
    return f"{known_as(person)} {person['family_name']}"
