"""How an event's dates may be published (issue 16): calendar dates after the shift (day,
week, month, quarter, year), the time since the patient's index date (days, weeks,
months), or, for a stay's end, the length-of-stay band instead of the date.

The time since the index and the length of stay are differences of two dates of the same
patient, so the per-patient shift cancels out: they are the same whether computed on the
shifted or the source dates. The index date is the patient's first event in the tables
that offer the "since_index" family (`index_dates`); the gate computes it once and the
writer uses the same one.

The search codes these values column by column: `with_derived` adds to a table's rows,
for each date column, its days since the index and, for a stay table, the length of stay
in days; the levels then publish those value by value.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from anonymization.hierarchies import SUPPRESSED_LEVEL

CALENDAR: Final = "calendar"
SINCE_INDEX: Final = "since_index"
# Calendar granularities, finest first.
CALENDAR_LEVELS: Final = ("day", "week", "month", "quarter", "year")
# Time since the index date, finest first (a month is 30.4375 days: 487/16).
SINCE_INDEX_LEVELS: Final = ("days_since_index", "weeks_since_index", "months_since_index")
FAMILY_LEVELS: Final = {CALENDAR: CALENDAR_LEVELS, SINCE_INDEX: SINCE_INDEX_LEVELS}
# Every date level in the order ties are broken (finer first); "*" removes the date.
DATE_ORDER: Final = (
    "day",
    "days_since_index",
    "week",
    "weeks_since_index",
    "month",
    "months_since_index",
    "quarter",
    "year",
    SUPPRESSED_LEVEL,
)
# A stay's end published as a date (at the date level) or as a length-of-stay band.
END_AS_DATE: Final = "dates"
LOS_BAND_PREFIX: Final = "los_band_"
# Derived columns the levels read (never published under these names).
SINCE_SUFFIX: Final = "\x1fdays_since_index"
LOS_COLUMN: Final = "\x1flength_of_stay"
INDEX_COLUMN: Final = "index_date"


@dataclass(frozen=True)
class StayBands:
    """A stay table's start and end date columns and its length-of-stay band levels (cut
    points in days, finest level first, each coarser level's cuts among the finer's)."""

    start: str
    end: str
    bands: tuple[tuple[int, ...], ...]

    def levels(self) -> tuple[str, ...]:
        """The end column's levels: as a date, then each band level, finest first."""
        return (END_AS_DATE, *[f"{LOS_BAND_PREFIX}{i + 1}" for i in range(len(self.bands))])

    def cuts(self, level: str) -> tuple[int, ...]:
        return self.bands[int(level.removeprefix(LOS_BAND_PREFIX)) - 1]


def date_loss(level: str) -> float:
    """The date level's share of information lost: calendar level / top; the time since
    the index half a step coarser than the calendar unit it counts in (it keeps the
    intervals at that unit, not when they happened)."""
    top = len(CALENDAR_LEVELS)
    if level == SUPPRESSED_LEVEL:
        return 1.0
    if level in SINCE_INDEX_LEVELS:
        return (SINCE_INDEX_LEVELS.index(level) + 0.5) / top
    return CALENDAR_LEVELS.index(level) / top


def date_position(level: str) -> int:
    """The date level's rank for the search's pruning: one chain by information lost
    (`DATE_ORDER`). Calendar and since-index levels do not code one another (the time
    since the index depends on the patient), so a point can be skipped because a point
    of the other family at a higher rank failed: like a week skipped because its month
    failed, that can only make the release coarser than needed, never riskier, since
    what is accepted is counted. It keeps the search as fast as with one family."""
    return DATE_ORDER.index(level)


def end_position(stay: StayBands, level: str) -> int:
    """The end column's rank for the pruning: the bands, finest first, then the end as a
    date, ranked above them. A band is not a coarsening of a truncated end date, nor the
    reverse (at the day, the date gives the length, so it is finer); ranking the date
    above lets a point whose end as a date failed rule out the same point with a band,
    and so the search tries the bands where the calendar round left room. Like a week
    skipped because its month failed, it can only make the release coarser than needed,
    never riskier: what is accepted is counted."""
    if level == END_AS_DATE:
        return len(stay.bands) + 1
    return stay.levels().index(level)


def end_loss(stay: StayBands, level: str, date_level: str) -> float:
    """The end column's share of information lost: as a date, the date level's; band j of
    n (1 the finest): j / (n + 1), below removing it (the length of stay stays, in bands;
    when the end happened goes)."""
    if level == END_AS_DATE:
        return date_loss(date_level)
    return stay.levels().index(level) / (len(stay.bands) + 1)


def since_index(days: pa.Array, level: str) -> pa.Array:
    """Days since the index at a level: days, whole weeks, or whole 30.4375-day months."""
    values = pc.cast(days, pa.int64())
    if level == "days_since_index":
        return pc.cast(values, pa.int32())
    if level == "weeks_since_index":
        return pc.cast(pc.floor(pc.divide(pc.cast(values, pa.float64()), 7.0)), pa.int32())
    if level == "months_since_index":
        months = pc.divide(pc.cast(pc.multiply(values, 16), pa.float64()), 487.0)
        return pc.cast(pc.floor(months), pa.int32())
    raise ValueError(
        f"unknown since-index level {level!r} (one of {', '.join(SINCE_INDEX_LEVELS)})"
    )


def los_bands(days: pa.Array, cuts: Sequence[int]) -> pa.Array:
    """Lengths of stay (days) as band labels: "0-2", "3-6", …, "30+" (a band of one day
    is that day); a negative length "<0"; null stays null."""
    edges = [0, *cuts]
    names = [
        f"{low}" if high - low == 1 else f"{low}-{high - 1}"
        for low, high in itertools.pairwise(edges)
    ]
    names.append(f"{edges[-1]}+")
    values = pc.cast(days, pa.int64())
    band = pa.array([0] * len(values), type=pa.int64())
    for cut in cuts:
        band = pc.add(band, pc.cast(pc.greater_equal(values, cut), pa.int64()))
    labels = pa.array(names, type=pa.string()).take(pc.fill_null(band, 0))
    labels = pc.if_else(pc.less(values, 0), "<0", labels)
    return pc.if_else(pc.is_null(values), pa.scalar(None, pa.string()), labels)


def days_between(later: pa.Array, earlier: pa.Array) -> pa.Array:
    """Whole days from `earlier` to `later` (null where either is)."""
    return pc.subtract(pc.cast(later, pa.int32()), pc.cast(earlier, pa.int32()))


def index_dates(rows: Sequence[tuple[pa.Table, Sequence[str]]], person_id: str) -> pa.Table:
    """Each patient's index date: the earliest of the given date columns of their rows
    (`rows`: per table offering the since-index family, its rows and date columns).
    Columns: `person_id` (text), `index_date`."""
    parts = []
    for table, dates in rows:
        ids = pc.cast(table.column(person_id), pa.string())
        for name in dates:
            parts.append(pa.table({person_id: ids, INDEX_COLUMN: table.column(name)}))
    if not parts:
        return pa.table(
            {
                person_id: pa.array([], type=pa.string()),
                INDEX_COLUMN: pa.array([], type=pa.date32()),
            }
        )
    whole = pa.concat_tables(parts)
    whole = whole.filter(pc.is_valid(whole.column(INDEX_COLUMN)))
    grouped = whole.group_by(person_id).aggregate([(INDEX_COLUMN, "min")])
    return pa.table(
        {
            person_id: grouped.column(person_id).combine_chunks(),
            INDEX_COLUMN: grouped.column(f"{INDEX_COLUMN}_min").combine_chunks(),
        }
    )


def derived_columns(
    rows: pa.Table,
    person_id: str,
    date_columns: Sequence[str],
    index: pa.Table | None,
    stay: StayBands | None,
) -> dict[str, pa.Array]:
    """The derived columns of one table's rows: each date column's days since the
    patient's index (when `index` is given) and the length of stay (when `stay` is)."""
    derived: dict[str, pa.Array] = {}
    if index is not None:
        ids = pc.cast(_array(rows.column(person_id)), pa.string())
        found = pc.index_in(ids, value_set=index.column(person_id).combine_chunks())
        first = index.column(INDEX_COLUMN).combine_chunks().take(found)
        for name in date_columns:
            derived[name + SINCE_SUFFIX] = days_between(_array(rows.column(name)), first)
    if stay is not None:
        derived[LOS_COLUMN] = days_between(
            _array(rows.column(stay.end)), _array(rows.column(stay.start))
        )
    return derived


def _array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
