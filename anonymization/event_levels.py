"""Event tables as the release gate sees them: what an adversary may know of each row,
the levels each known column can be published at (dates truncated, attributes grouped or
removed), and one label per row naming the event as published.

The lattice of levels is searched by `anonymization.event_risk`; the writer applies the
chosen levels (`transforms.event_release`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from anonymization.hierarchies import (
    GROUPED_LEVEL,
    SUPPRESSED_LEVEL,
    as_label,
    frequent_values,
    group_rare,
    suppressed,
)

# Date granularities, finest first; "*" removes the date.
DATE_LEVELS: Final = ("day", "week", "month", "quarter", "year", SUPPRESSED_LEVEL)
# Known attributes: as recorded, rare values grouped, removed.
ATTRIBUTE_LEVELS: Final = ("value", GROUPED_LEVEL, SUPPRESSED_LEVEL)
# Separates the parts of an event's label (table, then each published known value).
_SEPARATOR: Final = "\x1f"
_MISSING: Final = "\x00"


@dataclass(frozen=True)
class KnownEvents:
    """One event table as the adversary may know it: each row's person id and the known
    columns the request publishes, with dates already shifted (values as in the source
    otherwise)."""

    table: str
    rows: pa.Table
    date_columns: tuple[str, ...]
    attribute_columns: tuple[str, ...]


@dataclass(frozen=True)
class EventLevels:
    """One point of the lattice: the date granularity and each attribute's level
    (keys "table.column"), with the categories kept where a level groups rare ones."""

    date_level: str
    attribute_levels: Mapping[str, str]
    kept_categories: Mapping[str, list[str]] = field(default_factory=dict)

    def information_loss(self) -> float:
        """Generalisation intensity (Sweeney's precision loss): the mean, over the known
        columns, of level / top level; 0 publishes as recorded, 1 removes everything."""
        shares = [DATE_LEVELS.index(self.date_level) / (len(DATE_LEVELS) - 1)]
        shares += [
            ATTRIBUTE_LEVELS.index(level) / (len(ATTRIBUTE_LEVELS) - 1)
            for level in self.attribute_levels.values()
        ]
        return sum(shares) / len(shares)


def truncate_dates(dates: pa.Array, level: str) -> pa.Array:
    """Dates at a granularity: the first day of their week (Monday), month, quarter or
    year; "*" leaves only nulls."""
    if level == "day":
        return dates
    if level == SUPPRESSED_LEVEL:
        return pa.nulls(len(dates), type=pa.date32())
    if level not in DATE_LEVELS:
        raise ValueError(f"unknown date level {level!r} (one of {', '.join(DATE_LEVELS)})")
    return pc.floor_temporal(dates, unit=level, week_starts_monday=True)


def generalise_attribute(values: pa.Array, level: str, kept: Sequence[str] = ()) -> pa.Array:
    """A known attribute at its level, as labels."""
    if level == "value":
        return as_label(values)
    if level == GROUPED_LEVEL:
        return group_rare(values, pa.array(list(kept), type=pa.string()))
    if level == SUPPRESSED_LEVEL:
        return suppressed(values)
    raise ValueError(f"unknown attribute level {level!r} (one of {', '.join(ATTRIBUTE_LEVELS)})")


def published_values(events: KnownEvents, levels: EventLevels) -> dict[str, pa.Array]:
    """The known columns of one table as they are published at `levels`."""
    published: dict[str, pa.Array] = {}
    for name in events.date_columns:
        published[name] = truncate_dates(column_array(events.rows, name), levels.date_level)
    for name in events.attribute_columns:
        key = f"{events.table}.{name}"
        published[name] = generalise_attribute(
            column_array(events.rows, name),
            levels.attribute_levels[key],
            levels.kept_categories.get(key, ()),
        )
    return published


def event_labels(table: str, published: Mapping[str, pa.Array], rows: int) -> pa.Array:
    """One label per row naming the event as published: the table, then each known value
    (a missing one has its own mark). Two rows with the same label look alike."""
    parts = [pa.array([table] * rows, type=pa.string())]
    for name in sorted(published):
        text = pc.cast(published[name], pa.string())
        parts.append(pc.fill_null(text, _MISSING))
    if rows == 0:
        return pa.array([], type=pa.string())
    return pc.binary_join_element_wise(*parts, _SEPARATOR)


def finest_levels(tables: Sequence[KnownEvents]) -> EventLevels:
    """Dates to the day, attributes as recorded: how a suppressed event is named."""
    keys = [f"{events.table}.{name}" for events in tables for name in events.attribute_columns]
    return EventLevels("day", dict.fromkeys(keys, "value"))


def lattice(tables: Sequence[KnownEvents]) -> list[EventLevels]:
    """Every combination of date and attribute levels, least information lost first
    (ties: finer dates first). Grouped levels get their kept categories later."""
    keys = [f"{events.table}.{name}" for events in tables for name in events.attribute_columns]
    nodes = [
        EventLevels(date_level, dict(zip(keys, combination, strict=True)))
        for date_level in DATE_LEVELS
        for combination in itertools.product(ATTRIBUTE_LEVELS, repeat=len(keys))
    ]
    return sorted(nodes, key=lambda n: (n.information_loss(), DATE_LEVELS.index(n.date_level)))


def with_kept_categories(levels: EventLevels, tables: Sequence[KnownEvents]) -> EventLevels:
    kept: dict[str, list[str]] = {}
    for events in tables:
        for name in events.attribute_columns:
            key = f"{events.table}.{name}"
            if levels.attribute_levels[key] == GROUPED_LEVEL:
                values = frequent_values(column_array(events.rows, name))
                kept[key] = sorted(str(value) for value in values.to_pylist())
    return EventLevels(levels.date_level, levels.attribute_levels, kept)


def column_array(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
