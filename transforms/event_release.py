"""The event tables' side of the release gate (`anonymization.event_risk`), wired to the
source, the extract writer and the published parts.

- `assess`: before extraction, reads what the adversary may know of the included
  patients' events (the catalog's `adversary_knows`, as far as the request publishes it),
  searches the transformation, and returns the record and the events to suppress;
- `EventRelease`: what the writer applies to one table's batches (dates truncated or as
  the time since the patient's index date, a stay's end as a length-of-stay band,
  attributes generalised, suppressed events dropped).

`transforms.published_event_risk` recomputes the risk on what is published.

One module, long on purpose: the assessment and the writer's side must publish the known
columns, and the values derived from the dates, exactly as the search counted them.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from anonymization.event_dates import (
    END_AS_DATE,
    INDEX_COLUMN,
    LOS_BAND_PREFIX,
    SINCE_INDEX,
    SINCE_INDEX_LEVELS,
    StayBands,
)
from anonymization.event_levels import (
    EventLevels,
    KnownEvents,
    event_labels,
    published_values,
    truncate_dates,
    with_derived,
)
from anonymization.event_search import EventSearch, PersonOption, search_release
from anonymization.event_supports import dense_codes
from anonymization.hierarchies import GROUPED_LEVEL, SUPPRESSED_LEVEL, as_label, hierarchy_for
from anonymization.pseudonyms import PatientShifts, patient_shifts
from sovex.model.catalog import Role, SourceCatalog, TableSpec
from sovex.model.errors import GateFailed
from transforms.source_base import Source

# Joins a patient id and an event label in the suppression file.
_PAIR_SEPARATOR: Final = "\x1e"
ONE_CLASS: Final = ""  # the class of every patient when no quasi-identifier is published


def known_columns(table: TableSpec, requested: Sequence[str]) -> tuple[list[str], list[str]]:
    """The known columns the request publishes: (dates, attributes)."""
    known = [name for name in table.adversary_knows if name in requested]
    dates = [name for name in known if table.columns[name].role is Role.EVENT_DATE]
    return dates, [name for name in known if name not in dates]


def event_tables(catalog: SourceCatalog, tables: Mapping[str, Sequence[str]]) -> list[str]:
    """The requested tables the adversary may know rows of."""
    return [name for name in sorted(tables) if catalog.tables[name].adversary_knows]


def person_classes(view: pa.Table, person_id: str, columns: Sequence[str]) -> dict[Any, str]:
    """Each patient's class: their published quasi-identifier labels, joined."""
    ids = view.column(person_id).to_pylist()
    if not columns:
        return dict.fromkeys(ids, ONE_CLASS)
    labels = pc.binary_join_element_wise(
        *[pc.fill_null(pc.cast(view.column(c), pa.string()), "\x00") for c in columns], "\x1f"
    )
    return dict(zip(ids, labels.to_pylist(), strict=True))


def read_known_tables(
    source: Source,
    catalog: SourceCatalog,
    requested: Mapping[str, Sequence[str]],
    key: bytes,
    patients: pa.Array | pa.ChunkedArray,
    period: tuple[date, date],
) -> list[KnownEvents]:
    """What the adversary may know of `patients`' events in each table of `requested`
    (table -> requested columns; `read_known_events`), dates shifted as they will be
    published under the project `key`. The tables are read in a second thread while the
    patients' shifts are derived: one HMAC each holds the interpreter, reading the
    source mostly does not."""
    tables = list(requested)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sovex-known-events") as reader:
        reads = [
            reader.submit(_read_event_rows, source, catalog, name, requested[name], period)
            for name in tables
        ]
        keys = patient_shifts(key, patients)
        return [
            read_known_events(source, catalog, name, requested[name], keys, period, read.result())
            for name, read in zip(tables, reads, strict=True)
        ]


def read_known_events(
    source: Source,
    catalog: SourceCatalog,
    table_name: str,
    requested: Sequence[str],
    keys: PatientShifts,
    period: tuple[date, date],
    rows_read: pa.Table | None = None,
) -> KnownEvents:
    """The included patients' rows of one event table within the period, their known
    columns with dates shifted as they will be published (`rows_read`: the table's rows
    within the period as `_read_event_rows` gives them, when already read)."""
    table = catalog.tables[table_name]
    dates, attributes = known_columns(table, requested)
    person_id = catalog.person_id_column
    if rows_read is None:
        rows_read = _read_event_rows(source, catalog, table_name, requested, period)
    columns: dict[str, list[pa.Array]] = {name: [] for name in [person_id, *dates, *attributes]}
    for batch in rows_read.to_batches():
        batch, positions = keys.select(batch, person_id)
        if batch.num_rows == 0:
            continue
        columns[person_id].append(batch.column(person_id).cast(pa.string()))
        for name in dates:
            columns[name].append(keys.shift(batch.column(name), positions))
        for name in attributes:
            columns[name].append(batch.column(name))
    schema_types = source.schema(table_name)
    rows = pa.table(
        {
            name: pa.concat_arrays(chunks)
            if chunks
            else pa.array([], type=_empty_type(name, person_id, dates, schema_types))
            for name, chunks in columns.items()
        }
    )
    groups: dict[str, Mapping[str, str]] = {}
    for name in attributes:
        column_groups = table.columns[name].groups
        if column_groups is not None:
            groups[name] = column_groups
    return KnownEvents(
        table_name,
        rows,
        tuple(dates),
        tuple(attributes),
        groups,
        tuple(table.date_families),
        stay_bands(table, dates),
    )


def _read_event_rows(
    source: Source,
    catalog: SourceCatalog,
    table_name: str,
    requested: Sequence[str],
    period: tuple[date, date],
) -> pa.Table:
    """Every patient's rows of one event table within the period: the person id and the
    known columns the request publishes, as one chunk (one id lookup per table, not per
    batch: each lookup hashes the included ids anew)."""
    table = catalog.tables[table_name]
    dates, attributes = known_columns(table, requested)
    read = list(dict.fromkeys([catalog.person_id_column, *dates, *attributes]))
    row_filter = None
    first_date = table.period_column()
    if first_date is not None:
        row_filter = (ds.field(first_date) >= period[0]) & (ds.field(first_date) <= period[1])
        read = list(dict.fromkeys([*read, first_date]))
    batches = list(source.batches(table_name, read, filter=row_filter))
    return pa.Table.from_batches(batches).combine_chunks() if batches else pa.table({})


def stay_bands(table: TableSpec, dates: Sequence[str]) -> StayBands | None:
    """The table's length-of-stay bands, when the request publishes both of the stay's
    dates and the adversary knows them (else the end is only ever a date)."""
    stay = table.stay
    if stay is None or stay.start not in dates or stay.end not in dates:
        return None
    return StayBands(stay.start, stay.end, stay.bands)


def _empty_type(name: str, person_id: str, dates: Sequence[str], schema: pa.Schema) -> pa.DataType:
    if name == person_id:
        return pa.string()
    if name in dates:
        return pa.date32()
    return schema.field(name).type


def assess_with_person_levels(
    tables: Sequence[KnownEvents],
    view: pa.Table,
    person_id: str,
    hierarchies: Mapping[str, str],
    max_levels: Mapping[str, str],
    person_record: dict[str, Any],
    events_known: int,
    k: int,
    max_event_suppression: float,
    suppressed_file: Path,
    index_file: Path,
) -> dict[str, Any]:
    """The event transformation searched with the person levels the person step chose and
    every coarser one the catalog allows (`view`: the kept patients' source quasi-
    identifiers). The least combined information loss wins; `person_record` gets the
    person levels and risk it implies. Writes the events to suppress (patient id and event
    label, kept with the run's other id files) and, when dates may be published as the
    time since the index date, each patient's index (`index_file`).
    GateFailed when nothing reaches k."""
    # The lengths of stay; the days since the index are the search's (`with_since_index`).
    renamed = [with_derived(_renamed(events, person_id), "patient", None) for events in tables]
    patients = view.column(person_id).combine_chunks().cast(pa.string())
    search = EventSearch(renamed, patients, "patient", events_known, k, max_event_suppression)
    choices = _coarser_person_levels(person_record["generalisation"], hierarchies, max_levels)
    classes = _PersonClasses(view, hierarchies)
    options = [
        PersonOption(
            loss=_person_loss(levels, hierarchies),
            position=_person_position(levels, hierarchies),
            class_codes=functools.partial(classes.codes, levels),
        )
        for levels in choices
    ]
    found = search_release(search, options)
    if found is None:
        raise GateFailed(
            [
                "event risk: no date granularity, attribute level, person generalisation "
                f"and suppression of at most {max_event_suppression:.0%} of the events of "
                + ", ".join(t.table for t in tables)
                + f" keeps every patient among {k} or more for an adversary knowing "
                f"{events_known} of their events and their quasi-identifiers"
            ]
        )
    chosen, assessment = found
    levels = choices[chosen]
    coarsened = levels != dict(person_record["generalisation"])
    if coarsened:
        codes = options[chosen].class_codes()
        per_patient = np.bincount(codes)[codes] if len(codes) else np.zeros(0, dtype=np.int64)
        person_record.update(
            generalisation=dict(levels),
            k_achieved=int(per_patient.min()) if len(per_patient) else 0,
            max_prosecutor_risk=1 / int(per_patient.min()) if len(per_patient) else 0.0,
            avg_prosecutor_risk=float((1 / per_patient).mean()) if len(per_patient) else 0.0,
        )
    pairs = sorted(f"{patient}{_PAIR_SEPARATOR}{label}" for patient, label in assessment.suppressed)
    suppressed_file.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"pair": pa.array(pairs, type=pa.string())}), suppressed_file)
    if assessment.levels.date_level in SINCE_INDEX_LEVELS:
        index = search.index_dates("patient")
        pq.write_table(index, index_file)
    return {**assessment.record, "person_levels_coarsened": coarsened}


def _coarser_person_levels(
    chosen: Mapping[str, str], hierarchies: Mapping[str, str], max_levels: Mapping[str, str]
) -> list[dict[str, str]]:
    """Every combination of person levels from the chosen ones up to the catalog's caps,
    finest first. A level that groups rare categories is only kept where already chosen
    (its groups were decided on the whole view)."""
    options: list[list[str]] = []
    for name, kind in hierarchies.items():
        names = hierarchy_for(kind).level_names()
        low, high = names.index(chosen[name]), names.index(max_levels[name])
        options.append(
            [
                level
                for level in names[low : max(high, low) + 1]
                if level != GROUPED_LEVEL or level == chosen[name]
            ]
        )
    combos = [
        dict(zip(hierarchies, combination, strict=True))
        for combination in itertools.product(*options)
    ]
    return sorted(combos, key=lambda levels: _person_loss(levels, hierarchies))


def _person_position(levels: Mapping[str, str], hierarchies: Mapping[str, str]) -> tuple[int, ...]:
    return tuple(
        hierarchy_for(kind).level_names().index(levels[name]) for name, kind in hierarchies.items()
    )


class _PersonClasses:
    """Each patient's class as a code, in the view's order, at given person levels; each
    quasi-identifier is generalised once per level, whatever the options sharing it."""

    def __init__(self, view: pa.Table, hierarchies: Mapping[str, str]) -> None:
        self.view = view
        self.hierarchies = hierarchies
        self._columns: dict[tuple[str, str], np.ndarray] = {}

    def codes(self, levels: Mapping[str, str]) -> np.ndarray:
        if not self.hierarchies:
            return np.zeros(self.view.num_rows, dtype=np.int64)
        return dense_codes(*[self._column(name, levels[name]) for name in self.hierarchies])

    def _column(self, name: str, level_name: str) -> np.ndarray:
        """The column's generalised values as codes (null is 0)."""
        if (name, level_name) not in self._columns:
            hierarchy = hierarchy_for(self.hierarchies[name])
            level = hierarchy.levels[hierarchy.level_names().index(level_name)]
            values = level.apply(self.view.column(name).combine_chunks())
            indices = pc.fill_null(pc.dictionary_encode(values).indices, -1)
            codes = np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int64) + 1
            self._columns[(name, level_name)] = codes
        return self._columns[(name, level_name)]


def _person_loss(levels: Mapping[str, str], hierarchies: Mapping[str, str]) -> float:
    if not hierarchies:
        return 0.0
    shares = [
        hierarchy_for(kind).level_names().index(levels[name]) / hierarchy_for(kind).top
        for name, kind in hierarchies.items()
    ]
    return sum(shares) / len(shares)


def _renamed(events: KnownEvents, person_id: str) -> KnownEvents:
    rows = events.rows.rename_columns(
        ["patient" if name == person_id else name for name in events.rows.column_names]
    )
    return dataclasses.replace(events, rows=rows)


@dataclass(frozen=True)
class EventRelease:
    """What the writer does to one event table's batches, as the assessment decided."""

    table: str
    levels: EventLevels
    date_columns: tuple[str, ...]
    attribute_columns: tuple[str, ...]
    suppressed_pairs: pa.Array  # "patient id␞label" of the events to drop
    # Per attribute ("table.column") at the steward's groups: value -> group, as assessed.
    steward_groups: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    # Each patient's index date (shifted), when dates are published as the time since it.
    index: pa.Table | None = None
    stay: StayBands | None = None

    @classmethod
    def from_record(
        cls,
        record: Mapping[str, Any],
        table: TableSpec,
        requested: Sequence[str],
        suppressed_file: Path,
        index_file: Path,
    ) -> EventRelease:
        """The files the assessment wrote: the suppressed events and, read only when
        dates are published as the time since it, each patient's index date."""
        dates, attributes = known_columns(table, requested)
        stay = stay_bands(table, dates)
        stays = {table.name: stay} if stay is not None else {}
        levels = EventLevels(
            record["date_granularity"],
            dict(record["attribute_levels"]),
            {key: list(value) for key, value in record["kept_categories"].items()},
            stay_levels={
                name: level
                for name, level in record.get("stay_levels", {}).items()
                if name == table.name and stay is not None
            },
            stays=stays,
        )
        if record.get("stay_levels", {}).get(table.name, "dates") != "dates" and stay is None:
            raise GateFailed([f"{table.name}: a length-of-stay band needs the stay's dates"])
        pairs = pq.read_table(suppressed_file).column("pair").combine_chunks()
        groups = {
            key: {value: group for group, values in by_group.items() for value in values}
            for key, by_group in record.get("steward_groups", {}).items()
        }
        index = None
        if levels.date_level in SINCE_INDEX_LEVELS:
            index = pq.read_table(index_file)
        return cls(table.name, levels, tuple(dates), tuple(attributes), pairs, groups, index, stay)

    def output_type(self, name: str) -> pa.DataType | None:
        """The published type of a known column whose level changes it: days, weeks or
        months since the index (int32), a length-of-stay band or a generalised attribute
        (text); None for the others."""
        if name in self.attribute_columns:
            return pa.string()
        if name not in self.date_columns:
            return None
        end = self.levels.end_level(self.table)
        if self.stay is not None and name == self.stay.end and end.startswith(LOS_BAND_PREFIX):
            return pa.string()
        if self.levels.date_level in SINCE_INDEX_LEVELS:
            return pa.int32()
        return None

    def published(
        self, patient_ids: pa.Array, recorded: Mapping[str, pa.Array]
    ) -> dict[str, pa.Array]:
        """The known columns at their chosen levels (`recorded`: dates shifted, values as
        in the source), computed as the assessment computed them."""
        rows = pa.table({"\x1fpatient": pc.cast(patient_ids, pa.string()), **recorded})
        events = KnownEvents(
            self.table,
            rows,
            self.date_columns,
            self.attribute_columns,
            {
                key.split(".", 1)[1]: groups
                for key, groups in self.steward_groups.items()
                if key.split(".", 1)[0] == self.table
            },
            (SINCE_INDEX,) if self.index is not None else (),
            self.stay,
        )
        if self.index is not None:
            index = self.index.rename_columns(["\x1fpatient", INDEX_COLUMN])
        else:
            index = None
        return published_values(with_derived(events, "\x1fpatient", index), self.levels)

    def date_truncation(self, of: str) -> Callable[[pa.Array], pa.Array]:
        """The published level of this table's date `of`, for the values derived from it
        (age at an event, days since the cohort's index date, issue 21): they must say no
        more than the published dates. Calendar levels truncate it; where no calendar date
        of it is published (the dates as the time since the release's own index date, or
        `of` the stay's end published as a length-of-stay band) the derived values are
        empty, as when the dates are removed."""
        end = self.levels.end_level(self.table)
        banded_end = self.stay is not None and of == self.stay.end and end != END_AS_DATE
        if self.levels.date_level in SINCE_INDEX_LEVELS or banded_end:
            return functools.partial(truncate_dates, level=SUPPRESSED_LEVEL)
        return functools.partial(truncate_dates, level=self.levels.date_level)

    def kept_rows(self, patient_ids: pa.Array, recorded: Mapping[str, pa.Array]) -> pa.Array:
        """A mask of the rows to publish: the suppressed events go (`recorded`: the known
        columns with dates shifted, values as in the source)."""
        if len(self.suppressed_pairs) == 0:
            return pa.array([True] * len(patient_ids))
        finest = {
            name: values if name in self.date_columns else as_label(values)
            for name, values in recorded.items()
        }
        labels = event_labels(self.table, finest, len(patient_ids))
        pairs = pc.binary_join_element_wise(
            pc.cast(patient_ids, pa.string()), labels, _PAIR_SEPARATOR
        )
        return pc.invert(pc.is_in(pairs, value_set=self.suppressed_pairs))
