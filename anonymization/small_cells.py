"""Small-cell suppression of aggregate tables (counts by group).

Primary suppression hides every count ``0 < count < threshold``. Secondary suppression
makes sure no hidden count can be recomputed by subtraction from a total: for each group
column, the cells sharing every other group value add up to a margin total (published in
the table by `with_total_row`, or elsewhere); whenever such a group has exactly one
hidden cell, its smallest visible cell (a non-zero one when there is one) is hidden too,
and this repeats over every margin until nothing changes.

The output says only *that* a cell is hidden, never why: telling primary from secondary
cells would bound the hidden values (a primary cell is below the threshold).

Pure and deterministic: ties between equal cells are broken by the group values, so the
same cells in any row order are hidden alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from anonymization.disclosure import class_key
from sovex.model.errors import InvalidInput

SMALL_CELL_THRESHOLD = 10
SUPPRESSED_FLAG_COLUMN = "suppressed"
TOTAL_LABEL = "Total"

_GROUP = "group"
_ROW = "row"


def _combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _check(counts: pa.Table, group_columns: Sequence[str], count_column: str) -> pa.Array:
    problems = [
        f"column {column!r} is not in the table"
        for column in [*group_columns, count_column]
        if column not in counts.column_names
    ]
    if count_column in group_columns:
        problems.append(f"count column {count_column!r} cannot also be a group column")
    if problems:
        raise InvalidInput(problems)
    values = _combined(counts[count_column])
    if not pa.types.is_integer(values.type):
        raise InvalidInput(f"count column {count_column!r} must hold whole numbers")
    if values.null_count:
        raise InvalidInput(f"count column {count_column!r} has {values.null_count} missing counts")
    negative = pc.sum(pc.less(values, 0).cast(pa.int64())).as_py() or 0
    if negative:
        raise InvalidInput(f"count column {count_column!r} has {negative} negative counts")
    return values


def _canonical_rank(counts: pa.Table, group_columns: Sequence[str]) -> pa.Array:
    """Each row's position when sorted by its group values: a row-order-free tie-break."""
    order = pc.sort_indices(counts, sort_keys=[(c, "ascending") for c in group_columns])
    return pc.sort_indices(order).cast(pa.int64())


def _complements(
    groups: pa.Array, values: pa.Array, hidden: pa.Array, rank: pa.Array
) -> pa.Array | None:
    """The cells to hide so that no group of ``groups`` has exactly one hidden cell, or
    None when nothing more can be done (no such group, or none with a visible cell)."""
    per_group = (
        pa.table({_GROUP: groups, "hidden": hidden.cast(pa.int64())})
        .group_by(_GROUP)
        .aggregate([("hidden", "sum")])
    )
    exposed = pc.filter(per_group[_GROUP], pc.equal(per_group["hidden_sum"], 1))
    if len(exposed) == 0:
        return None
    candidate = pc.and_(pc.is_in(groups, value_set=exposed), pc.invert(hidden))
    rows = pa.array(range(len(values)), type=pa.int64())
    candidates = pa.table(
        {
            _GROUP: groups,
            "zero": pc.equal(values, 0),
            "value": values,
            "rank": rank,
            _ROW: rows,
        }
    ).filter(candidate)
    if candidates.num_rows == 0:
        return None
    ordered = candidates.sort_by(
        [
            (_GROUP, "ascending"),
            ("zero", "ascending"),
            ("value", "ascending"),
            ("rank", "ascending"),
        ]
    )
    chosen = ordered.group_by(_GROUP, use_threads=False).aggregate([(_ROW, "first")])
    return pc.is_in(rows, value_set=chosen[f"{_ROW}_first"])


def suppress_small_cells(
    counts: pa.Table,
    group_columns: Sequence[str],
    count_column: str,
    threshold: int = SMALL_CELL_THRESHOLD,
    flag_column: str = SUPPRESSED_FLAG_COLUMN,
) -> pa.Table:
    """The table with small counts, and the counts that would reveal them, set to null.

    Rows keep their order; ``flag_column`` (bool) says which counts are hidden. Zero
    counts are not small cells; one is hidden only as a complement when a group has no
    non-zero visible cell left. A group whose only cell is hidden has no complement: its
    margin total must then not be published (add totals with `with_total_row` first and
    they are protected like any other cell).
    """
    values = _check(counts, group_columns, count_column)
    if flag_column in counts.column_names:
        raise InvalidInput(f"flag column {flag_column!r} is already in the table")
    hidden = pc.and_(pc.greater(values, 0), pc.less(values, threshold))
    margins = [
        class_key(counts, [c for c in group_columns if c != column]) for column in group_columns
    ]
    rank = _canonical_rank(counts, group_columns)
    changed = True
    while changed:
        changed = False
        for groups in margins:
            more = _complements(groups, values, hidden, rank)
            if more is not None:
                hidden = pc.or_(hidden, more)
                changed = True
    shown = pc.if_else(hidden, pa.scalar(None, values.type), values)
    position = counts.column_names.index(count_column)
    return counts.set_column(position, count_column, shown).append_column(flag_column, hidden)


def with_total_row(
    counts: pa.Table,
    group_columns: Sequence[str],
    count_column: str,
    over: str,
    label: str = TOTAL_LABEL,
) -> pa.Table:
    """The table plus one total row per combination of the other group columns, summing
    ``over`` (whose values become strings so they can hold ``label``).

    Add totals before suppressing, so they are computed from the true counts and protected
    with the cells they sum.
    """
    values = _check(counts, group_columns, count_column)
    if over not in group_columns:
        raise InvalidInput(f"total column {over!r} is not a group column")
    others = [c for c in group_columns if c != over]
    sums = counts.group_by(others, use_threads=False).aggregate([(count_column, "sum")])
    if others:
        sums = sums.sort_by([(c, "ascending") for c in others])
    body = counts.set_column(
        counts.column_names.index(over), over, _combined(counts[over]).cast(pa.string())
    )
    columns = {}
    for name in body.column_names:
        if name == over:
            columns[name] = pa.repeat(pa.scalar(label, pa.string()), sums.num_rows)
        elif name == count_column:
            columns[name] = sums[f"{count_column}_sum"].cast(values.type)
        elif name in others:
            columns[name] = sums[name]
        else:
            columns[name] = pa.nulls(sums.num_rows, body.schema.field(name).type)
    totals = pa.table(columns, schema=body.schema)
    return pa.concat_tables([body, totals])


def round_counts(counts: pa.Table, count_column: str, multiple: int) -> pa.Table:
    """Every shown count rounded to the nearest multiple of `multiple` (halves up), after
    suppression: rounding blurs what subtracting published counts could still tell."""
    if multiple < 2:
        raise InvalidInput(f"rounding multiple must be at least 2, got {multiple}")
    values = _check_rounded(counts, count_column)
    half = multiple // 2
    rounded = pc.multiply(pc.divide(pc.add(values, half), multiple), multiple)
    position = counts.column_names.index(count_column)
    return counts.set_column(position, count_column, rounded.cast(values.type))


def _check_rounded(counts: pa.Table, count_column: str) -> pa.Array:
    if count_column not in counts.column_names:
        raise InvalidInput(f"column {count_column!r} is not in the table")
    values = _combined(counts[count_column])
    if not pa.types.is_integer(values.type):
        raise InvalidInput(f"count column {count_column!r} must hold whole numbers")
    return values
