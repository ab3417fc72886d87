"""Event tables as the release gate sees them: what an adversary may know of each row,
the levels each known column can be published at (dates truncated or as the time since
the patient's index date, a stay's end as a length-of-stay band, attributes grouped or
removed: `anonymization.event_dates` has the date levels), and one label per row naming
the event as published. It is long on purpose: the levels, the lattice and the column codes the
search shares between its points belong together.

The lattice of levels is searched by `anonymization.event_search` (on the rows coded as
integers here: `prepare_events`, `ColumnCodes`, `table_label_codes`); the writer applies
the chosen levels (`transforms.event_release`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anonymization.event_dates import (
    CALENDAR,
    DATE_ORDER,
    END_AS_DATE,
    FAMILY_LEVELS,
    LOS_BAND_PREFIX,
    LOS_COLUMN,
    SINCE_INDEX,
    SINCE_INDEX_LEVELS,
    SINCE_SUFFIX,
    StayBands,
    date_loss,
    derived_columns,
    end_loss,
    los_bands,
    since_index,
)
from anonymization.event_supports import dense_codes
from anonymization.hierarchies import (
    GROUPED_LEVEL,
    RARE_CATEGORY_LABEL,
    SUPPRESSED_LEVEL,
    as_label,
    frequent_values,
    group_rare,
    suppressed,
)

# Calendar granularities, finest first; "*" removes the date (the since-index levels are
# `event_dates.SINCE_INDEX_LEVELS`).
DATE_LEVELS: Final = ("day", "week", "month", "quarter", "year", SUPPRESSED_LEVEL)
# Known attributes: as recorded, rare values grouped, in the steward's groups (where the
# catalog gives some: units into services), removed. One chain, finest first.
STEWARD_GROUP_LEVEL: Final = "steward_group"
ATTRIBUTE_LEVELS: Final = ("value", GROUPED_LEVEL, STEWARD_GROUP_LEVEL, SUPPRESSED_LEVEL)
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
    # Per attribute with a catalog grouping: value -> the steward's group.
    groups: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # How its dates may be published (`event_dates`: calendar, since_index).
    families: tuple[str, ...] = (CALENDAR,)
    # A stay table whose start and end are both known: its length-of-stay bands.
    stay: StayBands | None = None

    def levels_of(self, attribute: str) -> tuple[str, ...]:
        """The levels an attribute may be published at."""
        return attribute_levels(attribute in self.groups)


def attribute_levels(has_groups: bool) -> tuple[str, ...]:
    """The levels of a known attribute: the steward's groups only where the catalog has
    them."""
    if has_groups:
        return ATTRIBUTE_LEVELS
    return tuple(level for level in ATTRIBUTE_LEVELS if level != STEWARD_GROUP_LEVEL)


@dataclass(frozen=True)
class EventLevels:
    """One point of the lattice: the date granularity and each attribute's level
    (keys "table.column"), with the categories kept where a level groups rare ones."""

    date_level: str
    attribute_levels: Mapping[str, str]
    kept_categories: Mapping[str, list[str]] = field(default_factory=dict)
    # The attributes ("table.column") that have the steward's groups as a level.
    grouped_by_steward: frozenset[str] = frozenset()
    # Per stay table: its end published as a date ("dates") or a length-of-stay band
    # level ("los_band_1" the finest), and the tables' bands.
    stay_levels: Mapping[str, str] = field(default_factory=dict)
    stays: Mapping[str, StayBands] = field(default_factory=dict)

    def information_loss(self) -> float:
        """Generalisation intensity (Sweeney's precision loss): the mean, over the known
        columns, of level / top level among the levels that column has; 0 publishes as
        recorded, 1 removes everything. The dates count as one column: the date level's
        share (`event_dates.date_loss`), averaged with each stay's end's
        (`event_dates.end_loss`), which is the same unless the end is a band; so with
        every end as a date the loss is what it was before bands existed."""
        dates = [date_loss(self.date_level)]
        dates += [
            end_loss(self.stays[t], level, self.date_level) for t, level in self.stay_levels.items()
        ]
        shares = [sum(dates) / len(dates)]
        for key, level in self.attribute_levels.items():
            levels = attribute_levels(key in self.grouped_by_steward)
            shares.append(levels.index(level) / (len(levels) - 1))
        return sum(shares) / len(shares)

    def end_level(self, table: str) -> str:
        return self.stay_levels.get(table, END_AS_DATE)


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


def generalise_attribute(
    values: pa.Array,
    level: str,
    kept: Sequence[str] = (),
    groups: Mapping[str, str] | None = None,
) -> pa.Array:
    """A known attribute at its level, as labels. At the steward's groups, a value the
    groups do not list becomes "other" (never itself)."""
    if level == "value":
        return as_label(values)
    if level == STEWARD_GROUP_LEVEL:
        if groups is None:
            raise ValueError("the steward's groups level needs the catalog's groups")
        return steward_groups(values, groups)
    if level == GROUPED_LEVEL:
        return group_rare(values, pa.array(list(kept), type=pa.string()))
    if level == SUPPRESSED_LEVEL:
        return suppressed(values)
    raise ValueError(f"unknown attribute level {level!r} (one of {', '.join(ATTRIBUTE_LEVELS)})")


def steward_groups(values: pa.Array, groups: Mapping[str, str]) -> pa.Array:
    """Each value's group; unlisted values "other"; nulls stay null."""
    labels = as_label(values)
    listed = pa.array(list(groups), type=pa.string())
    names = pa.array(list(groups.values()), type=pa.string())
    found = names.take(pc.index_in(labels, value_set=listed))
    unlisted = pc.and_(pc.is_null(found), pc.is_valid(labels))
    return pc.if_else(unlisted, RARE_CATEGORY_LABEL, found)


def published_values(events: KnownEvents, levels: EventLevels) -> dict[str, pa.Array]:
    """The known columns of one table as they are published at `levels` (the rows carry
    the derived columns the level needs: `with_derived`)."""
    names = sorted([*events.date_columns, *events.attribute_columns])
    return {
        name: _published(
            events, name, column_array(events.rows, source_column(name, level)), level, levels
        )
        for name, level in zip(names, table_levels(events, levels), strict=True)
    }


def source_column(name: str, level: str) -> str:
    """The column a known column's level is computed from: itself, or the derived days
    since the index or length of stay (`event_dates.derived_columns`)."""
    if level in SINCE_INDEX_LEVELS:
        return name + SINCE_SUFFIX
    if level.startswith(LOS_BAND_PREFIX):
        return LOS_COLUMN
    return name


def _published(
    events: KnownEvents, name: str, values: pa.Array, level: str, levels: EventLevels
) -> pa.Array:
    """Values of one known column (or of the column its level reads) as published at
    `level` (value by value)."""
    if level in SINCE_INDEX_LEVELS:
        return since_index(values, level)
    if level.startswith(LOS_BAND_PREFIX):
        if events.stay is None:
            raise ValueError(f"{events.table}: a length-of-stay band needs the stay's dates")
        return los_bands(values, events.stay.cuts(level))
    if name in events.date_columns:
        return truncate_dates(values, level)
    key = f"{events.table}.{name}"
    return generalise_attribute(
        values, level, levels.kept_categories.get(key, ()), events.groups.get(name)
    )


def with_since_index(
    tables: Sequence[KnownEvents], known: Sequence[np.ndarray], owner: np.ndarray, patients: int
) -> tuple[list[KnownEvents], np.ndarray]:
    """The tables with each date's days since the patient's index date added (those that
    offer the family and lack it), and each patient's index as days since 1970 (-1: none).
    `known`, `owner`: as `PreparedEvents` has them (the kept rows, the patients' codes);
    the index is the first date of a patient's kept rows in the tables offering the family.
    Numbers only: no patient id is hashed again."""
    first = np.full(patients, np.iinfo(np.int64).max, dtype=np.int64)
    starts = np.cumsum([0, *[int(mask.sum()) for mask in known]])
    offering = [
        i
        for i, events in enumerate(tables)
        if SINCE_INDEX in events.families and events.date_columns
    ]
    days: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
    for i in offering:
        rows = tables[i].rows.filter(pa.array(known[i]))
        owners = owner[starts[i] : starts[i + 1]]
        for name in tables[i].date_columns:
            values = column_array(rows, name)
            valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
            numbers = pc.fill_null(pc.cast(values, pa.int32()), 0).to_numpy(zero_copy_only=False)
            numbers = np.asarray(numbers, dtype=np.int64)
            np.minimum.at(first, owners[valid], numbers[valid])
            days[(i, name)] = (numbers, valid)
    result = list(tables)
    for i in offering:
        rows = tables[i].rows
        owners = owner[starts[i] : starts[i + 1]]
        for name in tables[i].date_columns:
            if name + SINCE_SUFFIX in rows.column_names:
                continue
            numbers, valid = days[(i, name)]
            since = np.zeros(rows.num_rows, dtype=np.int32)
            present = np.zeros(rows.num_rows, dtype=bool)
            since[known[i]] = numbers - first[owners]
            present[known[i]] = valid
            rows = rows.append_column(name + SINCE_SUFFIX, pa.array(since, mask=~present))
        result[i] = replace(tables[i], rows=rows)
    return result, np.where(first == np.iinfo(np.int64).max, -1, first)


def with_derived(events: KnownEvents, person_id: str, index: pa.Table | None) -> KnownEvents:
    """The table with the derived columns its levels read: each date's days since the
    patient's index (where the table offers that family and `index` is given), the length
    of stay (a stay table)."""
    offers = SINCE_INDEX in events.families and index is not None
    derived = derived_columns(
        events.rows, person_id, events.date_columns, index if offers else None, events.stay
    )
    rows = events.rows
    for name, values in derived.items():
        if name not in rows.column_names:
            rows = rows.append_column(name, values)
    return replace(events, rows=rows)


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
    stays = _stays(tables)
    return EventLevels(
        "day",
        dict.fromkeys(keys, "value"),
        {},
        frozenset(),
        dict.fromkeys(stays, END_AS_DATE),
        stays,
    )


def _stays(tables: Sequence[KnownEvents]) -> dict[str, StayBands]:
    return {events.table: events.stay for events in tables if events.stay is not None}


def date_levels(tables: Sequence[KnownEvents]) -> tuple[str, ...]:
    """The date levels every dated table offers (its `families`), and "*"; finest first."""
    offered = {CALENDAR, SINCE_INDEX}
    for events in tables:
        if events.date_columns:
            offered &= set(events.families)
    return tuple(
        level
        for level in DATE_ORDER
        if level == SUPPRESSED_LEVEL or any(level in FAMILY_LEVELS[f] for f in offered)
    )


def lattice(tables: Sequence[KnownEvents]) -> list[EventLevels]:
    """Every combination of date and attribute levels, least information lost first
    (ties: finer dates first). Grouped levels get their kept categories later."""
    keys = [f"{events.table}.{name}" for events in tables for name in events.attribute_columns]
    options = [events.levels_of(name) for events in tables for name in events.attribute_columns]
    by_steward = frozenset(f"{events.table}.{name}" for events in tables for name in events.groups)
    stays = _stays(tables)
    ends = [stay.levels() for stay in stays.values()]
    nodes = [
        EventLevels(
            date_level,
            dict(zip(keys, combination, strict=True)),
            {},
            by_steward,
            dict(zip(stays, end_levels, strict=True)),
            stays,
        )
        for date_level in date_levels(tables)
        for combination in itertools.product(*options)
        for end_levels in itertools.product(*ends)
    ]
    return sorted(nodes, key=lambda n: (n.information_loss(), DATE_ORDER.index(n.date_level)))


def with_kept_categories(levels: EventLevels, tables: Sequence[KnownEvents]) -> EventLevels:
    kept: dict[str, list[str]] = {}
    for events in tables:
        for name in events.attribute_columns:
            key = f"{events.table}.{name}"
            if levels.attribute_levels[key] == GROUPED_LEVEL:
                values = frequent_values(column_array(events.rows, name))
                kept[key] = sorted(str(value) for value in values.to_pylist())
    return replace(levels, kept_categories=kept)


def column_array(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


@dataclass(frozen=True)
class PreparedEvents:
    """What does not change from one lattice point to the next: which rows belong to a
    published patient, whose they are, how each is recorded, and the known columns'
    codes."""

    known: list[np.ndarray]  # per table: rows of a published patient
    owner: np.ndarray  # per kept row (tables concatenated): the patient's index
    name: np.ndarray  # per kept row: code of the recorded label
    names: pa.Array  # the recorded labels, by code
    columns: ColumnCodes


def prepare_events(
    tables: Sequence[KnownEvents], person_id: str, patients: pa.Array
) -> PreparedEvents:
    """Which rows belong to a published patient, whose they are, how each is recorded."""
    known, owners = [], []
    for events in tables:
        owner = pc.index_in(
            column_array(events.rows, person_id).cast(pa.string()), value_set=patients
        )
        mask = pc.is_valid(owner)
        known.append(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))
        owners.append(np.asarray(owner.filter(mask).to_numpy(zero_copy_only=False), np.int64))
    columns = ColumnCodes({events.table: mask for events, mask in zip(tables, known, strict=True)})
    name, names = _recorded_names(tables, known, columns)
    return PreparedEvents(
        known=known,
        owner=np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64),
        name=name,
        names=names,
        columns=columns,
    )


def _recorded_names(
    tables: Sequence[KnownEvents], known: Sequence[np.ndarray], columns: ColumnCodes
) -> tuple[np.ndarray, pa.Array]:
    """Each kept row's recorded label (`event_labels` at the finest levels) as a code,
    numbered by first appearance (tables concatenated), and the labels by code. The text
    is built once per distinct combination of recorded values, not once per row; labels
    are then coded as text, so two combinations that read alike are one name."""
    finest = finest_levels(tables)
    combinations, texts, offset = [], [], 0
    for events, mask in zip(tables, known, strict=True):
        codes = dense_codes(*columns.table_columns(events, finest))
        count = int(codes.max(initial=-1)) + 1
        # The first kept row of each combination (written last to first: the first wins).
        first = np.zeros(count, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        rows = replace(events, rows=events.rows.take(np.flatnonzero(mask)[first]))
        texts.append(event_labels(events.table, published_values(rows, finest), count))
        combinations.append(codes + offset)
        offset += count
    encoded = pc.dictionary_encode(
        pa.concat_arrays(texts) if texts else pa.array([], type=pa.string())
    )
    by_combination = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    name = by_combination[np.concatenate(combinations)] if combinations else by_combination
    return name, encoded.dictionary


def _value_codes(values: pa.Array) -> np.ndarray:
    """Codes of a column's values (dates as days, labels by dictionary); null is 0."""
    if pa.types.is_date(values.type):
        present = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
        days = pc.fill_null(pc.cast(values, pa.int32()), 0).to_numpy(zero_copy_only=False)
        days = np.asarray(days, dtype=np.int64)
        lowest = int(days[present].min()) if present.any() else 0
        return np.where(present, days - lowest + 1, 0)
    indices = pc.fill_null(pc.dictionary_encode(values).indices, -1)
    return np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int64) + 1


def table_levels(events: KnownEvents, levels: EventLevels) -> tuple[str, ...]:
    """The level of each of the table's known columns at `levels`, in label order."""
    return tuple(
        _column_level(events, name, levels)
        for name in sorted([*events.date_columns, *events.attribute_columns])
    )


def _column_level(events: KnownEvents, name: str, levels: EventLevels) -> str:
    if name not in events.date_columns:
        return levels.attribute_levels[f"{events.table}.{name}"]
    if events.stay is not None and name == events.stay.end:
        end = levels.end_level(events.table)
        if end != END_AS_DATE:
            return end
    return levels.date_level


class ColumnCodes:
    """Each known column's codes over the kept rows (`masks`: per table), at each level.
    A level publishes value by value, so it is applied to the column's distinct values
    only and the rows follow by index: the rows are read once per column, and a lattice
    shares each column's codes at each level between its points."""

    def __init__(self, masks: Mapping[str, np.ndarray]) -> None:
        self.masks = masks
        # (table, column): each kept row's index among the distinct values, and those.
        self._distinct: dict[tuple[str, str], tuple[np.ndarray, pa.Array]] = {}
        self._at_level: dict[tuple[str, str, str], np.ndarray] = {}
        # (table, column, level): the first level found to code the column alike.
        self._alike: dict[tuple[str, str, str], str] = {}

    def table_columns(self, events: KnownEvents, levels: EventLevels) -> list[np.ndarray]:
        """The codes of each of the table's known columns at `levels`, in label order (a
        table without any: one column of zeros)."""
        names = sorted([*events.date_columns, *events.attribute_columns])
        if not names:
            return [np.zeros(int(self.masks[events.table].sum()), dtype=np.int64)]
        return [
            self._codes(events, name, level, levels)
            for name, level in zip(names, table_levels(events, levels), strict=True)
        ]

    def alike_levels(self, events: KnownEvents, levels: EventLevels) -> tuple[str, ...]:
        """The table's column levels at `levels`, each named by the first level found to
        code the column alike (rare values grouped where none is rare code it as the
        values themselves): two points whose tables get the same names have the same
        labels there."""
        names = sorted([*events.date_columns, *events.attribute_columns])
        for name, level in zip(names, table_levels(events, levels), strict=True):
            self._codes(events, name, level, levels)
        return tuple(
            self._alike[(events.table, name, level)]
            for name, level in zip(names, table_levels(events, levels), strict=True)
        )

    def _codes(self, events: KnownEvents, name: str, level: str, levels: EventLevels) -> np.ndarray:
        key = (events.table, name, level)
        if key not in self._at_level:
            index, values = self._distinct_values(events, source_column(name, level))
            codes = _value_codes(_published(events, name, values, level, levels))[index]
            self._alike[key] = level
            for (table, column, other), known in self._at_level.items():
                if (table, column) == key[:2] and np.array_equal(known, codes):
                    codes, self._alike[key] = known, self._alike[(table, column, other)]
                    break
            self._at_level[key] = codes
        return self._at_level[key]

    def _distinct_values(self, events: KnownEvents, name: str) -> tuple[np.ndarray, pa.Array]:
        key = (events.table, name)
        if key not in self._distinct:
            values = column_array(events.rows, name)
            encoded = pc.dictionary_encode(values)
            index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
            # Null first (index 0), then the dictionary.
            distinct = pa.concat_arrays([pa.nulls(1, type=values.type), encoded.dictionary])
            index = np.asarray(index, dtype=np.int64) + 1
            self._distinct[key] = (index[self.masks[events.table]], distinct)
        return self._distinct[key]


def table_label_codes(events: KnownEvents, levels: EventLevels, columns: ColumnCodes) -> np.ndarray:
    """One code per kept row of one table naming its event as published at `levels`:
    dense, numbered by first appearance."""
    return dense_codes(*columns.table_columns(events, levels))
