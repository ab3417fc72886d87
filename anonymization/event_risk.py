"""Re-identification risk of a longitudinal release: LKC-privacy over event tables.

The adversary is the one the steward declares in the catalog: they know the target is in
the extract, the target's person quasi-identifiers (birth year, sex, area) and up to L of
the target's events in the tables that declare `adversary_knows` (a stay: its unit and
dates). Those L events and the person class narrow the published patients down to those
whose published events contain the same ones: the "support" of that knowledge. A
patient's prosecutor risk is 1 / the smallest support over every set of up to L of their
events; the release holds when every published patient's smallest support is at least k.

The model is conservative about the date shift: it assumes the adversary can undo it, so
a known event is seen exactly as it is published (shifted, then truncated to the chosen
granularity). The real adversary, who knows the true dates but not the shift, narrows
things down less; the attack tests check the reported risk is never below what they get.

Transformations searched, least information lost first: event dates truncated (day, week,
month, quarter, year, or removed), each known attribute as recorded, with rare values
grouped, or removed; then, at each of those levels, the events that keep a patient below
k are suppressed (patient by patient, the event whose removal helps most), up to a cap.

Everything here works on ids and labels the run keeps to itself; the record it returns
holds counts, levels and shares only.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anonymization.event_supports import (
    EventArrays,
    SubsetCounts,
    subset_counts,
    suppression_round,
)
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
DEFAULT_MAX_EVENT_SUPPRESSION: Final = 0.1
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
        published[name] = truncate_dates(_column(events.rows, name), levels.date_level)
    for name in events.attribute_columns:
        key = f"{events.table}.{name}"
        published[name] = generalise_attribute(
            _column(events.rows, name),
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


@dataclass(frozen=True)
class Supports:
    """For each patient, the fewest published patients sharing what an adversary knowing
    up to L of their events (and their class) sees; and the totals the record reports."""

    smallest: dict[Any, int]
    full_knowledge_unique: int  # patients alone in their class with all their events


def patient_supports(
    classes: Mapping[Any, str], events: Mapping[Any, Sequence[str]], events_known: int
) -> Supports:
    """`classes`: each published patient's person class (their generalised quasi-
    identifiers); `events`: each patient's event labels (a label may repeat). A patient
    with no known event is protected by their class alone."""
    patients = list(classes)
    index = {patient: position for position, patient in enumerate(patients)}
    owner = [index[p] for p, labels in events.items() if p in index for _ in labels]
    labels = [label for p, labels in events.items() if p in index for label in labels]
    label_codes = _codes(labels)
    arrays = EventArrays.sorted(
        np.asarray(owner, dtype=np.int64),
        label_codes,
        label_codes,
        _codes([classes[p] for p in patients]),
    )
    counts = subset_counts(arrays, events_known)
    return _supports(patients, arrays, counts)


def _codes(values: Sequence[str] | pa.Array) -> np.ndarray:
    """Dense integer codes of string values."""
    array = values if isinstance(values, pa.Array) else pa.array(list(values), type=pa.string())
    if len(array) == 0:
        return np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(array)
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _supports(patients: Sequence[Any], arrays: EventArrays, counts: SubsetCounts) -> Supports:
    # Alone in their class with all their events: the multiset of labels, whole.
    whole: Counter[tuple[int, tuple[int, ...]]] = Counter()
    labels_of: dict[int, list[int]] = {}
    for owner, label in zip(arrays.patient.tolist(), arrays.label.tolist(), strict=True):
        labels_of.setdefault(owner, []).append(label)
    signature = [
        (int(arrays.classes[i]), tuple(labels_of.get(i, ()))) for i in range(len(patients))
    ]
    whole.update(signature)
    return Supports(
        smallest=dict(zip(patients, counts.smallest.tolist(), strict=True)),
        full_knowledge_unique=sum(whole[item] == 1 for item in signature),
    )


@dataclass
class _Candidate:
    levels: EventLevels
    # (patient, recorded label) of the events suppressed.
    suppressed: set[tuple[Any, str]]
    supports: Supports
    events_total: int
    events_suppressed: int


def finest_levels(tables: Sequence[KnownEvents]) -> EventLevels:
    """Dates to the day, attributes as recorded: how a suppressed event is named."""
    keys = [f"{events.table}.{name}" for events in tables for name in events.attribute_columns]
    return EventLevels("day", dict.fromkeys(keys, "value"))


def _event_arrays(
    tables: Sequence[KnownEvents],
    levels: EventLevels,
    person_id: str,
    patients: pa.Array,
    class_codes: np.ndarray,
) -> tuple[EventArrays, pa.Array]:
    """The events of the patients in `patients` as codes; and the recorded labels, which
    the `name` codes index."""
    owners, labels, names = [], [], []
    finest = finest_levels(tables)
    for events in tables:
        rows = events.rows.num_rows
        owner = pc.index_in(_column(events.rows, person_id).cast(pa.string()), value_set=patients)
        known = pc.is_valid(owner)
        owners.append(owner.filter(known))
        labels.append(
            event_labels(events.table, published_values(events, levels), rows).filter(known)
        )
        names.append(
            event_labels(events.table, published_values(events, finest), rows).filter(known)
        )
    name_array = pa.concat_arrays(names) if names else pa.array([], type=pa.string())
    encoded_names = pc.dictionary_encode(name_array)
    arrays = EventArrays.sorted(
        np.asarray(pa.concat_arrays(owners).to_numpy(zero_copy_only=False), dtype=np.int64)
        if owners
        else np.zeros(0, dtype=np.int64),
        _codes(pa.concat_arrays(labels) if labels else pa.array([], type=pa.string())),
        np.asarray(encoded_names.indices.to_numpy(zero_copy_only=False), dtype=np.int64),
        class_codes,
    )
    return arrays, encoded_names.dictionary


def _suppress_until_k(
    arrays: EventArrays, events_known: int, k: int, budget: int, counts: SubsetCounts
) -> tuple[EventArrays, set[tuple[int, int]], SubsetCounts]:
    """Greedy event suppression: while a patient is below k, remove from them one event
    whose label is found in most of their subsets below k (the label fewest patients
    hold on a tie), with every event of theirs recorded alike (the writer can tell them
    apart no better). Stops when every patient reaches k, when nothing can help, or when
    more than `budget` events would go. Returns what is left, the (patient, recorded
    label code) pairs removed, and the last counts (`counts`: those of `arrays`)."""
    removed: set[tuple[int, int]] = set()
    removed_events = 0
    while True:
        below = int((counts.smallest < k).sum())
        # Each patient below k loses one of their own events at least (removing events
        # never raises a support): when that alone overruns the budget, stop.
        if below == 0 or removed_events + below > budget:
            return arrays, removed, counts
        chosen_patient, chosen_event = suppression_round(arrays, counts, k)
        if len(chosen_patient) == 0:
            return arrays, removed, counts
        chosen_name = arrays.name[chosen_event]
        width = int(arrays.name.max(initial=0)) + 1
        drop = np.isin(arrays.patient * width + arrays.name, chosen_patient * width + chosen_name)
        removed_events += int(drop.sum())
        removed.update(zip(chosen_patient.tolist(), chosen_name.tolist(), strict=True))
        arrays = arrays.without(~drop)
        counts = subset_counts(arrays, events_known)


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


def _with_kept_categories(levels: EventLevels, tables: Sequence[KnownEvents]) -> EventLevels:
    kept: dict[str, list[str]] = {}
    for events in tables:
        for name in events.attribute_columns:
            key = f"{events.table}.{name}"
            if levels.attribute_levels[key] == GROUPED_LEVEL:
                values = frequent_values(_column(events.rows, name))
                kept[key] = sorted(str(value) for value in values.to_pylist())
    return EventLevels(levels.date_level, levels.attribute_levels, kept)


@dataclass(frozen=True)
class EventAssessment:
    levels: EventLevels
    # (patient id, recorded label) of the events to drop: ids stay in the run.
    suppressed: frozenset[tuple[Any, str]]
    record: dict[str, Any]


def assess_events(
    tables: Sequence[KnownEvents],
    classes: Mapping[Any, str],
    person_id: str,
    events_known: int,
    k: int,
    max_event_suppression: float = DEFAULT_MAX_EVENT_SUPPRESSION,
    loss_below: float = float("inf"),
) -> EventAssessment | None:
    """The least-loss transformation under which every published patient's smallest
    support is at least k, suppressing at most `max_event_suppression` of the events;
    None when no point of the lattice gets there with an information loss below
    `loss_below` (a caller's better solution elsewhere)."""
    patients = pa.array([str(p) for p in classes], type=pa.string())
    originals = list(classes)
    class_codes = _codes([classes[p] for p in originals])
    below_from_class = np.bincount(class_codes)[class_codes] < k if len(class_codes) else []
    if np.any(below_from_class):
        return None  # the person-level step must first put everyone among k
    tried = 0
    for node in lattice(tables):
        if node.information_loss() >= loss_below:
            break  # the lattice is sorted: nothing further can do better
        levels = _with_kept_categories(node, tables)
        arrays, names = _event_arrays(tables, levels, person_id, patients, class_codes)
        total = len(arrays.patient)
        budget = int(max_event_suppression * total)
        tried += 1
        first = subset_counts(arrays, events_known)
        if int((first.smallest < k).sum()) > budget:
            continue  # each patient below k would lose an event at least
        arrays, removed, counts = _suppress_until_k(arrays, events_known, k, budget, first)
        removed_events = total - len(arrays.patient)
        if removed_events > budget or int((counts.smallest < k).sum()):
            continue
        suppressed = {(originals[p], names[n].as_py()) for p, n in removed}
        candidate = _Candidate(
            levels, suppressed, _supports(originals, arrays, counts), total, removed_events
        )
        return EventAssessment(
            levels=levels,
            suppressed=frozenset(suppressed),
            record=_record(candidate, tables, events_known, k, tried),
        )
    return None


def risk_summary(supports: Supports, k: int) -> dict[str, Any]:
    """The risk figures of one support computation (counts and shares only)."""
    smallest = list(supports.smallest.values())
    patients = len(smallest)
    return {
        "patients": patients,
        "max_prosecutor_risk": 1 / min(smallest) if smallest else 0.0,
        "avg_prosecutor_risk": sum(1 / s for s in smallest) / patients if patients else 0.0,
        "patients_below_k": sum(s < k for s in smallest),
        "patients_singled_out": sum(s == 1 for s in smallest),
        "full_knowledge_unique_share": (
            supports.full_knowledge_unique / patients if patients else 0.0
        ),
    }


def _record(
    candidate: _Candidate, tables: Sequence[KnownEvents], events_known: int, k: int, tried: int
) -> dict[str, Any]:
    levels = candidate.levels
    kept_share = (
        1 - candidate.events_suppressed / candidate.events_total if candidate.events_total else 1.0
    )
    loss = levels.information_loss()
    return {
        "model": "LKC-privacy; the adversary is assumed to undo the date shift",
        "events_known": events_known,
        "k_threshold": k,
        "tables": {events.table: list(_known_columns(events)) for events in tables},
        "date_granularity": levels.date_level,
        "attribute_levels": dict(levels.attribute_levels),
        "kept_categories": {key: list(value) for key, value in levels.kept_categories.items()},
        "events": candidate.events_total,
        "suppressed_events": candidate.events_suppressed,
        "events_kept_share": kept_share,
        # Precision loss of the kept events, every suppressed event counting as lost.
        "information_loss": kept_share * loss + (1 - kept_share),
        "lattice_points_tried": tried,
        **risk_summary(candidate.supports, k),
    }


def _known_columns(events: KnownEvents) -> Iterable[str]:
    yield from events.date_columns
    yield from events.attribute_columns


def _column(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
