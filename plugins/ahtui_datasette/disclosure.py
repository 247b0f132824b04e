"""Statistical disclosure control for every figure the supervisors' view publishes.

The rule, in one sentence (as ONS, HMPPS and DfE publications state it): counts under 5 are
shown as <5; all other counts are rounded to the nearest 5, totals included; a share is worked
out from the rounded counts shown next to it, and is left blank when either is <5.

Where it lives, so that no query can publish an unrounded count: a query's SQL is never served
as written. `published_sql` wraps it in an outer SELECT that names every column the query
declares, each with its kind: a count goes through `ahtui_count()`, a share through
`ahtui_share()` over the two rounded counts, anything else (a name, a date, days since) as it
is. Rows are put in order by `ahtui_order()` of a count, never by the count itself, so the
order of two rows shown as <5 says nothing about which is larger. A column the query does not declare is not selected at all, so a count added to a query
without a kind is not shown, never shown unrounded. Both functions are registered on every
connection the plugin opens (`register`, called from `sites.prepare`), and the query pages,
their CSV and JSON, and the charts all read through the wrapped SQL.

Why rounding and not blanking: a blank is only safe while no sum of what is shown around it
equals a total shown elsewhere, a property that fails as soon as two groups are blank or a
snapshot later differs by one person. A rounded count is an interval of 5 (or 1-4): in one
snapshot, sums and differences of rounded figures give intervals again, never a single value.

What rounding alone does not hide, and so what no query publishes: a row's total beside every
one of its parts. Someone who watches a site over many snapshots, knowing how its counts
changed (they made the changes), sees a large count cross from one multiple of 5 to the next
and so learns it exactly; once the total and all the parts but one are known that way, the
last part is their difference, however small. A share whose denominator is such a total is
worked out from the parts as published (`share` with a tuple of parts), so it says nothing
the parts do not; it is blank when any part is <5.

Nor does a part of a count under 5 say more than that count does: the meetings held on time
of a month whose meetings due show as <5 show as <5 as well, even when none was on time.
Otherwise someone who learns the due count exactly by watching it step (1 due, shown <5,
then 5 once they add 4) reads from "<5" against 0 whether that one meeting was on time. A
count is such a part when a share's numerator is it and its denominator another count (on
time of due): `published_sql` finds the pairs from the shares the query declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SMALL = "<5"
ROUND_TO = 5
# What every page says, word for word.
RULE = "Counts under 5 are shown as <5; all other counts are rounded to the nearest 5."
COUNT = "count"
# Kinds that are not counts: shown as they are.
LABEL, DATE, DAYS = "label", "date", "days"


def published_count(value: Any) -> Any:
    """A count as published: 0 stays 0, 1-4 is "<5", the rest the nearest multiple of 5."""
    if value is None:
        return None
    n = int(value)
    if n <= 0:
        return 0
    if n < ROUND_TO:
        return SMALL
    # Halves cannot occur with whole counts and 5; floor(n/5 + 1/2) is the nearest multiple.
    return ROUND_TO * ((2 * n + ROUND_TO) // (2 * ROUND_TO))


def published_part(value: Any, whole: Any) -> Any:
    """A count that is part of `whole` (held on time, of due), as published: <5 while the
    whole is under 5, whatever the part is, so that it says nothing the whole does not."""
    if published_count(whole) == SMALL:
        return SMALL
    return published_count(value)


def published_share(numerator: Any, denominator: Any) -> int | None:
    """A whole percentage of two published counts, or None if either is <5 or nothing is due:
    worked out from what is shown, it says nothing the two counts do not."""
    if not isinstance(numerator, int) or not isinstance(denominator, int) or denominator <= 0:
        return None
    return round(100 * numerator / denominator)


def published_order(value: Any) -> int:
    """A sort key that orders counts as published: every count of 1-4 sorts alike."""
    shown = published_count(value)
    return 1 if shown == SMALL else int(shown or 0)


def published_share_of_parts(numerator: Any, *parts: Any) -> int | None:
    """A share of the sum of published parts (the numerator among them): blank when any part
    is <5, so the sum is never a total the parts alone do not give."""
    if any(not isinstance(p, int) for p in parts):
        return None
    return published_share(numerator, sum(parts))


def register(conn: Any) -> None:
    """Make the publication functions available to the SQL on this connection."""
    conn.create_function("ahtui_count", 1, published_count, deterministic=True)
    conn.create_function("ahtui_order", 1, published_order, deterministic=True)
    conn.create_function("ahtui_part", 2, published_part, deterministic=True)
    conn.create_function(
        "ahtui_share",
        2,
        lambda num, den: published_share(published_count(num), published_count(den)),
        deterministic=True,
    )
    conn.create_function(
        "ahtui_share_of_parts",
        -1,
        lambda num, *parts: published_share_of_parts(
            published_count(num), *(published_count(p) for p in parts)
        ),
        deterministic=True,
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def published_sql(exact_sql: str, columns: Mapping[str, Any]) -> str:
    """The SQL a query publishes: `exact_sql` wrapped so that every declared column is shown by
    its kind (COUNT, a share as ("share", numerator, denominator) or ("share", numerator,
    (part, ...)), or another kind as is). A count that is a share's numerator over another
    count is published as a part of that count (`published_part`)."""
    whole_of = parts_of(columns)
    selected = []
    for name, kind in columns.items():
        col = _quoted(name)
        if kind == COUNT and name in whole_of:
            selected.append(f"ahtui_part({col}, {_quoted(whole_of[name])}) AS {col}")
        elif kind == COUNT:
            selected.append(f"ahtui_count({col}) AS {col}")
        elif isinstance(kind, tuple) and kind[0] == "share" and isinstance(kind[2], tuple):
            num, parts = _quoted(kind[1]), ", ".join(_quoted(c) for c in kind[2])
            selected.append(f"ahtui_share_of_parts({num}, {parts}) AS {col}")
        elif isinstance(kind, tuple) and kind[0] == "share":
            num, den = (_quoted(c) for c in kind[1:])
            selected.append(f"ahtui_share({num}, {den}) AS {col}")
        elif kind in (LABEL, DATE, DAYS):
            selected.append(col)
        else:
            raise ValueError(f"Column {name} has no known kind: {kind!r}")
    # SQLite keeps the subquery's ORDER BY for a plain outer SELECT over it.
    return "SELECT " + ", ".join(selected) + " FROM (\n" + exact_sql + "\n)"


def parts_of(columns: Mapping[str, Any]) -> dict[str, str]:
    """Each count that is a part of another (a share's numerator over a count): part -> whole."""
    return {
        kind[1]: kind[2]
        for kind in columns.values()
        if isinstance(kind, tuple)
        and kind[0] == "share"
        and isinstance(kind[2], str)
        and columns.get(kind[1]) == COUNT
        and columns.get(kind[2]) == COUNT
    }


def with_rule(description: str, columns: Mapping[str, Any]) -> str:
    """A query's description, ending with the rule when it publishes any count."""
    if COUNT not in columns.values() or RULE in description:
        return description
    return f"{description} {RULE}"


def share(numerator: str, denominator: str | tuple[str, ...]) -> tuple:
    """A share column: of a published denominator, or of the sum of published parts."""
    return ("share", numerator, denominator)
