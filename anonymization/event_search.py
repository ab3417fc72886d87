"""The search for the event transformation the release gate publishes at (the model is
`anonymization.event_risk`'s).

Searched, least information lost first: event dates truncated (day, week, month, quarter,
year, or removed), each known attribute as recorded, with rare values grouped, or removed;
then, at each of those levels, the events that keep a patient below k are suppressed
(patient by patient, the event whose removal helps most), up to a cap. The person
generalisation is searched jointly (`search_release`): the caller offers person options
from the one the person step chose up to the catalog's caps.

Three things keep the search fast on large extracts without changing what it may accept:
- the lattice points' event labels are computed once and reused for every person option;
- a point is first checked cheaply: the events that alone narrow their patient below k
  must all go, so when they alone exceed the cap the point fails without counting pairs;
- a point finer than one that failed (every person and event level no coarser) is not
  tried: coarser levels only merge classes and labels, so supports only grow (ARX's
  predictive tagging). Weeks are not nested in months, so a week can be skipped when its
  month failed; that can only make the release coarser than needed, never riskier, since
  whatever is accepted was counted.

Everything here works on ids and labels the run keeps to itself; the record it returns
holds counts, levels and shares only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from anonymization.event_levels import (
    ATTRIBUTE_LEVELS,
    DATE_LEVELS,
    EventLevels,
    KnownEvents,
    column_array,
    event_labels,
    finest_levels,
    lattice,
    published_values,
    with_kept_categories,
)
from anonymization.event_risk import Supports, codes, risk_summary, supports_of
from anonymization.event_supports import (
    EventArrays,
    dense_codes,
    subset_key,
    suppress_until_k,
)

DEFAULT_MAX_EVENT_SUPPRESSION: Final = 0.1


@dataclass(frozen=True)
class EventAssessment:
    levels: EventLevels
    # (patient id, recorded label) of the events to drop: ids stay in the run.
    suppressed: frozenset[tuple[Any, str]]
    record: dict[str, Any]


@dataclass(frozen=True)
class PersonOption:
    """One person generalisation offered to the search: its information loss, its level
    index per quasi-identifier (to compare options), and a function giving each published
    patient's class code, in the search's patient order (called once, when needed)."""

    loss: float
    position: tuple[int, ...]
    class_codes: Callable[[], np.ndarray] = field(compare=False)


@dataclass
class _Candidate:
    levels: EventLevels
    # (patient, recorded label) of the events suppressed.
    suppressed: set[tuple[Any, str]]
    supports: Supports
    events_total: int
    events_suppressed: int


class EventSearch:
    """The event lattice over one set of published patients (`patients`, ids as text, in
    the order every class-code array follows), shared by every person option tried."""

    def __init__(
        self,
        tables: Sequence[KnownEvents],
        patients: pa.Array,
        person_id: str,
        events_known: int,
        k: int,
        max_event_suppression: float,
    ) -> None:
        self.tables = list(tables)
        self.events_known = events_known
        self.k = k
        self.patients = patients.to_pylist()
        self.prepared = _prepare(self.tables, person_id, patients)
        self.nodes = [with_kept_categories(node, self.tables) for node in lattice(self.tables)]
        self.budget = int(max_event_suppression * len(self.prepared.owner))
        self.tried = 0
        # Per lattice point: each distinct (patient, label) and how many events it has.
        self._distinct: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def position(self, node: int) -> tuple[int, ...]:
        """The point's level index per dimension: dates, then each attribute."""
        levels = self.nodes[node]
        return (
            DATE_LEVELS.index(levels.date_level),
            *[ATTRIBUTE_LEVELS.index(level) for level in levels.attribute_levels.values()],
        )

    def top(self) -> tuple[int, ...]:
        """The coarsest point (everything removed)."""
        attributes = self.nodes[0].attribute_levels
        return (len(DATE_LEVELS) - 1, *[len(ATTRIBUTE_LEVELS) - 1 for _ in attributes])

    def _labels(self, node: int) -> np.ndarray:
        return _label_codes(self.tables, self.nodes[node], self.prepared)

    def _distinct_events(self, node: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if node not in self._distinct:
            labels = self._labels(node)
            width = int(labels.max(initial=0)) + 1
            pair, distinct = pd.factorize(self.prepared.owner * width + labels)
            times = np.bincount(pair, minlength=len(distinct)).astype(np.int32)
            distinct = np.asarray(distinct, dtype=np.int64)
            self._distinct[node] = (
                (distinct // width).astype(np.int32),
                (distinct % width).astype(np.int32),
                times,
            )
        return self._distinct[node]

    def too_many_lone_events(self, node: int, class_codes: np.ndarray) -> bool:
        """Whether more events than the cap narrow their patient below k on their own at
        `node` (each of them has to go whatever else does). Labels fewer than k patients
        hold in the whole release are counted first, without looking at classes."""
        owner, label, times = self._distinct_events(node)
        if len(owner) == 0:
            return False
        holders = np.bincount(label)
        rare = holders[label] < self.k
        lone = int(times[rare].sum())
        if lone > self.budget:
            return True
        common = ~rare
        key = subset_key(class_codes[owner[common]], [label[common].astype(np.int64)])
        support = np.bincount(key)[key] if len(key) else key
        return lone + int(times[common][support < self.k].sum()) > self.budget

    def assess(self, node: int, class_codes: np.ndarray) -> EventAssessment | None:
        """The release at lattice point `node` with event suppression, or None when it
        cannot keep every patient among k within the cap."""
        self.tried += 1
        if self.too_many_lone_events(node, class_codes):
            return None
        levels = self.nodes[node]
        prepared = self.prepared
        arrays = EventArrays.sorted(prepared.owner, self._labels(node), prepared.name, class_codes)
        total = len(arrays.patient)
        arrays, removed, smallest = suppress_until_k(arrays, self.events_known, self.k, self.budget)
        removed_events = total - len(arrays.patient)
        if smallest is None or removed_events > self.budget or bool((smallest < self.k).any()):
            return None
        pairs = list(removed)
        names = prepared.names.take(pa.array([n for _, n in pairs], type=pa.int64())).to_pylist()
        suppressed = {(self.patients[p], name) for (p, _), name in zip(pairs, names, strict=True)}
        candidate = _Candidate(
            levels, suppressed, supports_of(self.patients, arrays, smallest), total, removed_events
        )
        return EventAssessment(
            levels=levels,
            suppressed=frozenset(suppressed),
            record=_record(candidate, self.tables, self.events_known, self.k),
        )


def _dominated(
    point: tuple[tuple[int, ...], tuple[int, ...]],
    failures: Sequence[tuple[tuple[int, ...], tuple[int, ...]]],
) -> bool:
    """Whether `point` is no coarser than a failed point in every dimension."""
    person, event = point
    return any(
        all(a <= b for a, b in zip(person, failed_person, strict=True))
        and all(a <= b for a, b in zip(event, failed_event, strict=True))
        for failed_person, failed_event in failures
    )


def _coarsest_option(options: Sequence[PersonOption]) -> int | None:
    """The option at least as coarse as every other in every quasi-identifier, if any."""
    if len(options) < 2:
        return None
    top = tuple(
        max(levels) for levels in zip(*(option.position for option in options), strict=True)
    )
    found = [index for index, option in enumerate(options) if option.position == top]
    return found[0] if found else None


def _classes_hold(class_codes: np.ndarray, k: int) -> bool:
    """Whether every class has k patients or more."""
    return not len(class_codes) or int(np.bincount(class_codes)[class_codes].min()) >= k


def search_release(
    search: EventSearch, options: Sequence[PersonOption]
) -> tuple[int, EventAssessment] | None:
    """The (person option, event release) of least combined information loss (the mean of
    the two) that keeps every published patient among k; None when none does. Points are
    tried by the loss their levels imply, which suppression can only raise: the search
    stops once that alone reaches the best found."""
    candidates = sorted(
        ((option.loss + node.information_loss()) / 2, option.loss, n, o)
        for o, option in enumerate(options)
        for n, node in enumerate(search.nodes)
    )
    failures: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
    classes: dict[int, np.ndarray] = {}

    def class_codes(index: int) -> np.ndarray:
        if index not in classes:
            classes[index] = options[index].class_codes()
        return classes[index]

    coarsest = _coarsest_option(options)
    probed: set[int] = set()
    best: tuple[float, int, EventAssessment] | None = None
    for bound, _, node, option_index in candidates:
        if best is not None and bound >= best[0]:
            break
        option = options[option_index]
        point = (option.position, search.position(node))
        if _dominated(point, failures):
            continue
        if coarsest is not None and node not in probed:
            # Too many lone events with the coarsest classes: too many with every option.
            probed.add(node)
            top = options[coarsest]
            if _classes_hold(class_codes(coarsest), search.k) and search.too_many_lone_events(
                node, class_codes(coarsest)
            ):
                failures.append((top.position, point[1]))
                continue
        codes_of_option = class_codes(option_index)
        if not _classes_hold(codes_of_option, search.k):
            # A class below k fails whatever the events: the person step must fix it.
            failures.append((option.position, search.top()))
            continue
        assessment = search.assess(node, codes_of_option)
        if assessment is None:
            failures.append(point)
            continue
        loss = (option.loss + assessment.record["information_loss"]) / 2
        if best is None or loss < best[0]:
            best = (loss, option_index, assessment)
    if best is None:
        return None
    _, option_index, assessment = best
    assessment.record["lattice_points_tried"] = search.tried
    return option_index, assessment


def assess_events(
    tables: Sequence[KnownEvents],
    classes: Mapping[Any, str],
    person_id: str,
    events_known: int,
    k: int,
    max_event_suppression: float = DEFAULT_MAX_EVENT_SUPPRESSION,
) -> EventAssessment | None:
    """The least-loss event release for fixed person classes (`classes`: each published
    patient's class), suppressing at most `max_event_suppression` of the events; None
    when no point of the lattice keeps every patient among k."""
    patients = pa.array([str(p) for p in classes], type=pa.string())
    search = EventSearch(tables, patients, person_id, events_known, k, max_event_suppression)
    class_codes = codes([classes[p] for p in classes])
    found = search_release(search, [PersonOption(0.0, (), lambda: class_codes)])
    return None if found is None else found[1]


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


def _record(
    candidate: _Candidate, tables: Sequence[KnownEvents], events_known: int, k: int
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
        **risk_summary(candidate.supports, k),
    }


def _known_columns(events: KnownEvents) -> Iterable[str]:
    yield from events.date_columns
    yield from events.attribute_columns
