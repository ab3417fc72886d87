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

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anonymization.event_levels import (
    EventLevels,
    KnownEvents,
    column_array,
    event_labels,
    finest_levels,
    lattice,
    published_values,
    with_kept_categories,
)
from anonymization.event_supports import (
    EventArrays,
    SubsetCounts,
    dense_codes,
    subset_counts,
    suppression_round,
)

DEFAULT_MAX_EVENT_SUPPRESSION: Final = 0.1


@dataclass(frozen=True)
class Supports:
    """For each patient, the fewest published patients sharing what an adversary knowing
    up to L of their events (and their class) sees; and the totals the record reports."""

    smallest: dict[Any, int]
    alone_with_all_events: set[Any]  # alone in their class with all their events

    @property
    def full_knowledge_unique(self) -> int:
        return len(self.alone_with_all_events)

    def restricted_to(self, patients: Iterable[Any]) -> Supports:
        """The same figures for some of the patients (their supports still count every
        published patient)."""
        kept = set(patients)
        return Supports(
            {p: s for p, s in self.smallest.items() if p in kept},
            self.alone_with_all_events & kept,
        )


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
        alone_with_all_events={
            patient for patient, item in zip(patients, signature, strict=True) if whole[item] == 1
        },
    )


@dataclass
class _Candidate:
    levels: EventLevels
    # (patient, recorded label) of the events suppressed.
    suppressed: set[tuple[Any, str]]
    supports: Supports
    events_total: int
    events_suppressed: int


@dataclass(frozen=True)
class _Events:
    """What does not change from one lattice point to the next: which rows belong to a
    published patient, whose they are, and how each is recorded."""

    known: list[np.ndarray]  # per table: rows of a published patient
    owner: np.ndarray  # per kept row (tables concatenated): the patient's index
    name: np.ndarray  # per kept row: code of the recorded label
    names: pa.Array  # the recorded labels, by code


def _prepare(tables: Sequence[KnownEvents], person_id: str, patients: pa.Array) -> _Events:
    known, owners, names = [], [], []
    finest = finest_levels(tables)
    for events in tables:
        owner = pc.index_in(
            column_array(events.rows, person_id).cast(pa.string()), value_set=patients
        )
        mask = pc.is_valid(owner)
        known.append(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))
        owners.append(np.asarray(owner.filter(mask).to_numpy(zero_copy_only=False), np.int64))
        recorded = event_labels(events.table, published_values(events, finest), len(owner))
        names.append(recorded.filter(mask))
    encoded = pc.dictionary_encode(
        pa.concat_arrays(names) if names else pa.array([], type=pa.string())
    )
    return _Events(
        known=known,
        owner=np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64),
        name=np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64),
        names=encoded.dictionary,
    )


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


def _label_codes(
    tables: Sequence[KnownEvents], levels: EventLevels, prepared: _Events
) -> np.ndarray:
    """One code per kept row naming its event as published at `levels` (codes of
    different tables never meet)."""
    codes, offset = [], 0
    for events, mask in zip(tables, prepared.known, strict=True):
        published = published_values(events, levels)
        columns = [_value_codes(published[name])[mask] for name in sorted(published)]
        table_codes = (
            dense_codes(*columns) if columns else np.zeros(int(mask.sum()), dtype=np.int64)
        )
        codes.append(table_codes + offset)
        offset += int(table_codes.max(initial=-1)) + 1
    return np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)


def _drop_named(
    arrays: EventArrays, patients: np.ndarray, names: np.ndarray
) -> tuple[EventArrays, int]:
    """`arrays` without the events of each (patient, recorded label) pair given: every
    event of theirs recorded alike goes (the writer can tell them apart no better)."""
    width = int(arrays.name.max(initial=0)) + 1
    drop = np.isin(arrays.patient * width + arrays.name, patients * width + names)
    return arrays.without(~drop), int(drop.sum())


def _suppress_until_k(
    arrays: EventArrays, events_known: int, k: int, budget: int
) -> tuple[EventArrays, set[tuple[int, int]], SubsetCounts | None]:
    """Event suppression until every patient is among k. First every event that alone
    narrows its patient below k (it has to go whatever else does); then, greedily, while
    a patient is below k, one event of theirs whose label is found in most of their
    subsets below k (the label fewest patients hold on a tie). Stops when every patient
    reaches k, when nothing can help, or as soon as more than `budget` events would go
    (then the counts are None). Returns what is left, the (patient, recorded label code)
    pairs removed, and the last counts."""
    removed: set[tuple[int, int]] = set()
    singles = subset_counts(arrays, 1)
    lone = singles.support[: len(arrays.patient)] < k
    if int(lone.sum()) > budget:
        return arrays, removed, None
    removed_events = 0
    if lone.any():
        patients, names = arrays.patient[lone], arrays.name[lone]
        removed.update(zip(patients.tolist(), names.tolist(), strict=True))
        arrays, removed_events = _drop_named(arrays, patients, names)
    counts = subset_counts(arrays, events_known)
    while True:
        below = int((counts.smallest < k).sum())
        # Each patient below k loses one of their own events at least (removing events
        # never raises a support): when that alone overruns the budget, stop.
        if removed_events + below > budget:
            return arrays, removed, None
        if below == 0:
            return arrays, removed, counts
        chosen_patient, chosen_event = suppression_round(arrays, counts, k)
        if len(chosen_patient) == 0:
            return arrays, removed, counts
        chosen_name = arrays.name[chosen_event]
        removed.update(zip(chosen_patient.tolist(), chosen_name.tolist(), strict=True))
        arrays, dropped = _drop_named(arrays, chosen_patient, chosen_name)
        removed_events += dropped
        counts = subset_counts(arrays, events_known)


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
    prepared = _prepare(tables, person_id, patients)
    tried = 0
    for node in lattice(tables):
        if node.information_loss() >= loss_below:
            break  # the lattice is sorted: nothing further can do better
        levels = with_kept_categories(node, tables)
        arrays = EventArrays.sorted(
            prepared.owner, _label_codes(tables, levels, prepared), prepared.name, class_codes
        )
        names = prepared.names
        total = len(arrays.patient)
        budget = int(max_event_suppression * total)
        tried += 1
        arrays, removed, counts = _suppress_until_k(arrays, events_known, k, budget)
        removed_events = total - len(arrays.patient)
        if counts is None or removed_events > budget or int((counts.smallest < k).sum()):
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
