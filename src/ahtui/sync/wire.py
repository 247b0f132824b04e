"""How a bundle's payload lays out rows: the named row layouts, and each table's block.

A table's rows travel by column (bundle format 2): one list per column, and one per part of
every row's version (person, creation clock and origin, latest clock and origin, version
vector, column versions). What nearly every row shares is left out: a column empty in every
row is sent as null, the latest version when it is the creation version of every row, a
version vector that says only "created by its origin", the person when it is the row's own
id or person_id column. Origins are numbers into the payload's list of site ids. Half the
bytes of a row-by-row block were these repeats, and reading a bundle is mostly parsing it.
Format 1 bundles carry each row whole, as a list in the order of `Row` (still read).
docs/bundle-format.md describes the whole file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from itertools import repeat
from typing import Any, NamedTuple

from ..store import hlc as clock


class Row(NamedTuple):
    """One row as a bundle carries it and the merge reads it."""

    person: str | None
    """Whose record it is (None: the team directory, or no one's)."""
    ins_hlc: int
    """The creation version: clock and origin site."""
    ins_origin: str
    hlc: int
    """The latest version: clock and origin site."""
    origin: str
    vv: str | None
    """The version vector (JSON), None when it says only "created by its origin"."""
    values: Sequence[Any]
    """The row's values, in the order of its block's columns."""
    colvers: dict[str, list[Any]] | None
    """Column -> [clock, origin, causal context] for the columns changed since creation."""


class ColVersion(NamedTuple):
    """The version of one column's value, and the causal context it was written in."""

    hlc: int
    origin: str
    ctx: str
    """The row's version vector (JSON) when the value was written."""


# A table's columns, its rows, and its columns empty in every row (None: not known).
Block = tuple[list[str], list[Row], set[str] | None]

# A Row from a tuple of its eight fields, made in C (tuple.__new__): a Python call per row,
# as Row(...) is, costs as much as parsing the block. Like tuple(), it checks no length.
as_row = partial(tuple.__new__, Row)


def hlc_iso(hlc: int) -> str:
    """A clock as the UTC timestamp bundles and conflicts carry (`2026-01-31T12:00:00.000Z`)."""
    ms = clock.physical_ms(hlc)
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def encode_block(cols: list[str], rows: Sequence[Row], sites: dict[str, int]) -> dict[str, Any]:
    """One table's rows, by column; `sites` numbers the origins (and grows)."""
    n = len(rows)
    pid, ins_hlc, ins_origin, hlc, origin, vv, values, colv = (
        list(c) for c in zip(*rows, strict=True)
    )
    by_col = [list(c) for c in zip(*values, strict=True)] if values and cols else [[] for _ in cols]
    block: dict[str, Any] = {
        "cols": cols,
        "n": n,
        "values": [None if c.count(None) == n else c for c in by_col],
        "ins_hlc": ins_hlc,
    }
    pid_col = next(
        (c for c in ("id", "person_id") if c in cols and by_col[cols.index(c)] == pid), None
    )
    if pid_col is not None:
        block["pid_col"] = pid_col
    else:
        block["pid"] = pid
    block["ins_origin"] = [sites.setdefault(o, len(sites)) for o in ins_origin]
    if hlc != ins_hlc:
        block["hlc"] = hlc
    if origin != ins_origin:
        block["origin"] = [sites.setdefault(o, len(sites)) for o in origin]
    own = [
        None if v == f'{{"{o}":{h}}}' else v
        for v, o, h in zip(vv, ins_origin, ins_hlc, strict=True)
    ]
    if own.count(None) != n:
        block["vv"] = own
    if colv.count(None) != n:
        block["colvers"] = colv
    return block


def _site_ids(numbers: list[int], sites: list[str]) -> list[str]:
    if min(numbers, default=0) < 0:
        raise ValueError("an origin is not a site of the bundle")
    return [sites[i] for i in numbers]


def decode_block(block: dict[str, Any], sites: list[str]) -> tuple[list[Row], set[str] | None]:
    """A block's rows, and the columns empty in every row (None if not known, as in format 1).
    Raises ValueError, KeyError, TypeError or IndexError for a block that does not add up."""
    cols = block["cols"]
    if "rows" in block:
        return [Row._make(r) for r in block["rows"]], None
    n = block["n"]
    given = block["values"]
    if not isinstance(n, int) or len(given) != len(cols):
        raise ValueError("a block does not match its columns")
    values = [[None] * n if c is None else c for c in given]
    empty = {c for c, v in zip(cols, given, strict=True) if v is None}
    ins_hlc = block["ins_hlc"]
    ins_origin = _site_ids(block["ins_origin"], sites)
    hlc = block.get("hlc", ins_hlc)
    origin = _site_ids(block["origin"], sites) if "origin" in block else ins_origin
    pid = block["pid"] if "pid_col" not in block else values[cols.index(block["pid_col"])]
    vv = block.get("vv") or [None] * n
    colv = block.get("colvers") or [None] * n
    parts = (pid, ins_hlc, ins_origin, hlc, origin, vv, colv, *values)
    if any(not isinstance(p, list) or len(p) != n for p in parts):
        raise ValueError("a block's columns differ in length")
    rows = list(
        map(
            as_row,
            zip(
                pid,
                ins_hlc,
                ins_origin,
                hlc,
                origin,
                vv,
                zip(*values, strict=True) if cols else repeat((), n),
                colv,
                strict=True,
            ),
        )
    )
    return rows, empty
