"""The counting behind `anonymization.event_risk`, vectorised: for every patient, every
sub-multiset of up to L of their event labels, and how many patients of the same class
hold it (its support).

Events are integer-coded arrays sorted by (patient, label), so the sub-multisets of a
patient are the combinations of positions inside their run of rows: pairs are built by
repeating each row once per later row of the same patient, triples likewise from pairs.
A sub-multiset is keyed by (class, labels) as one integer; a patient's events that
repeat a label (two stays alike) give each sub-multiset once.

`anonymization.event_suppression` is the greedy event suppression built on these counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Subsets are counted up to this size (the catalog's largest bound).
MAX_SUBSET_SIZE = 3
# A tuple's count is taken directly (np.bincount over its mixed-radix number) when that
# number's range is at most this many times the rows (or DIRECT_COUNT_MIN_SPAN), hashed
# otherwise.
DIRECT_COUNT_SPAN = 2
DIRECT_COUNT_MIN_SPAN = 2**16


@dataclass(frozen=True)
class EventArrays:
    """Events as codes, sorted by (patient, label): `patient` indexes `classes`."""

    patient: np.ndarray  # int64, one per event
    label: np.ndarray  # int64 label code
    name: np.ndarray  # int64 code of the event as recorded (what suppression names)
    classes: np.ndarray  # int64 class code of each patient

    @classmethod
    def sorted(
        cls, patient: np.ndarray, label: np.ndarray, name: np.ndarray, classes: np.ndarray
    ) -> EventArrays:
        # Stable: events alike in both keep their order (the first is the one named).
        width = int(label.max(initial=0)) + 1
        if (int(patient.max(initial=0)) + 1) * width < 2**62:
            order = np.argsort(patient * width + label, kind="stable")
        else:
            order = np.lexsort((label, patient))
        return cls(patient[order], label[order], name[order], classes)

    def without(self, keep: np.ndarray) -> EventArrays:
        return EventArrays(self.patient[keep], self.label[keep], self.name[keep], self.classes)


@dataclass(frozen=True)
class SubsetCounts:
    """Every (patient, sub-multiset) row, with its members (event indices), its key (its
    class and labels) and how many patients hold each key."""

    patient: np.ndarray  # patient of each subset row
    members: list[np.ndarray]  # event index of each member, one array per position
    size: np.ndarray  # how many members each row has (a smaller subset repeats its last)
    key: np.ndarray  # per row: its (class, sub-multiset) as a non-negative integer
    held: np.ndarray  # per key: how many patients of the class hold the sub-multiset
    smallest: np.ndarray  # per patient: the smallest support (class size if no event)

    @property
    def support(self) -> np.ndarray:
        """Per row: the support of its sub-multiset within the patient's class."""
        return self.held[self.key]


def _later_rows(patient: np.ndarray) -> np.ndarray:
    """For each row of a sorted patient array, how many later rows share its patient."""
    count = len(patient)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    boundary = np.r_[True, patient[1:] != patient[:-1]]
    starts = np.flatnonzero(boundary)
    sizes = np.diff(np.r_[starts, count])
    group = np.cumsum(boundary) - 1
    position = np.arange(count) - starts[group]
    return sizes[group] - position - 1


def _extend(last: np.ndarray, later: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each combination (ending at row `last`) repeated once per later row of the same
    patient: (index into the combinations, the next row)."""
    counts = later[last]
    source = np.repeat(np.arange(len(last)), counts)
    first_offset = np.cumsum(counts) - counts
    offset = np.arange(int(counts.sum())) - np.repeat(first_offset, counts)
    return source, np.repeat(last, counts) + 1 + offset


def dense_codes(*columns: np.ndarray) -> np.ndarray:
    """One dense integer per distinct tuple of the columns' (non-negative) values, numbered
    by first appearance: one hash pass when the tuple fits in 62 bits as a mixed-radix
    number, one per column otherwise (the same codes either way)."""
    if len(columns[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    widths = [int(column.max()) + 1 for column in columns]
    if np.prod([float(width) for width in widths]) >= 2.0**62:
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for column, width in zip(columns, widths, strict=True):
            key = pd.factorize(key * width + column)[0].astype(np.int64)
        return key
    combined = columns[0].astype(np.int64)
    for column, width in zip(columns[1:], widths[1:], strict=True):
        combined = combined * width + column
    return pd.factorize(combined)[0].astype(np.int64)


def tuple_keys(*columns: np.ndarray, span_limit: float | None = None) -> np.ndarray:
    """One non-negative integer per distinct tuple of the columns' (non-negative) values:
    the mixed-radix number itself when its range is below `span_limit` (default: at most
    DIRECT_COUNT_SPAN times the rows, so that it can be counted directly), dense codes
    otherwise."""
    rows = len(columns[0])
    if rows == 0:
        return np.zeros(0, dtype=np.int64)
    if span_limit is None:
        span_limit = max(DIRECT_COUNT_SPAN * rows, DIRECT_COUNT_MIN_SPAN)
    widths = [int(column.max()) + 1 for column in columns]
    if np.prod([float(width) for width in widths]) > span_limit:
        return dense_codes(*columns)
    key = columns[0].astype(np.int64)
    for column, width in zip(columns[1:], widths[1:], strict=True):
        key = key * width + column
    return key


def tuple_counts(*columns: np.ndarray) -> np.ndarray:
    """Per row: how many rows have the same tuple of the columns' (non-negative) values."""
    key = tuple_keys(*columns)
    return np.bincount(key)[key] if len(key) else key


def sorted_values(values: np.ndarray) -> np.ndarray:
    """`values` (non-negative int64) sorted: as 32-bit integers when they fit, which
    numpy sorts about half again as fast."""
    if len(values) and int(values.max()) < 2**32:
        return np.sort(values.astype(np.uint32)).astype(np.int64)
    return np.sort(values)


def sorted_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, sorted, and how often each occurs: one sort, no hash table
    (the faster way when most values are distinct)."""
    ordered = sorted_values(values)
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]][: len(ordered)])
    return ordered[starts], np.diff(np.r_[starts, len(ordered)])


def weight_of_small_groups(groups: np.ndarray, weights: np.ndarray, k: int) -> int:
    """The sum of the (positive) weights of the rows whose (non-negative) group value
    fewer than k rows share. A small range is counted directly; otherwise each row's
    weight rides in the low bits of its group value through one sort."""
    if len(groups) == 0:
        return 0
    highest = int(groups.max())
    bits = int(weights.max()).bit_length()
    if highest < max(DIRECT_COUNT_SPAN * len(groups), DIRECT_COUNT_MIN_SPAN):
        return int(weights[np.bincount(groups)[groups] < k].sum())
    if highest.bit_length() + bits > 62:
        return int(weights[tuple_counts(dense_codes(groups)) < k].sum())
    packed = sorted_values((groups << bits) | weights)
    group = packed >> bits
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, len(packed)])
    sums = np.add.reduceat(packed & ((1 << bits) - 1), starts)
    return int(sums[sizes < k].sum())


def weight_of_small_class_groups(
    classes: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int
) -> int:
    """`weight_of_small_groups` with each row's group its (class, label), for rows sorted
    by label: a stable sort by class then groups them without sorting 64-bit keys (numpy
    sorts 16-bit integers by radix, in linear time), when the classes fit 16 bits and
    the pairs are too many to count directly."""
    if len(classes) == 0:
        return 0
    width = int(labels.max()) + 1
    highest = int(classes.max())
    direct = max(DIRECT_COUNT_SPAN * len(classes), DIRECT_COUNT_MIN_SPAN)
    if (highest + 1) * width < direct or highest >= 2**16:
        return weight_of_small_groups(classes * width + labels, weights, k)
    order = np.argsort(classes.astype(np.uint16), kind="stable")
    by_class, by_label = classes[order], labels[order]
    starts = np.flatnonzero(
        np.r_[True, (by_class[1:] != by_class[:-1]) | (by_label[1:] != by_label[:-1])]
    )
    sizes = np.diff(np.r_[starts, len(order)])
    sums = np.add.reduceat(weights[order], starts)
    return int(sums[sizes < k].sum())


def _label_ranks(events: EventArrays) -> np.ndarray:
    """Each event's rank among its patient's events with the same label (0 for the first)."""
    count = len(events.patient)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    new_run = np.r_[
        True, (events.patient[1:] != events.patient[:-1]) | (events.label[1:] != events.label[:-1])
    ]
    starts = np.flatnonzero(new_run)
    return np.arange(count) - starts[np.cumsum(new_run) - 1]


def single_supports(events: EventArrays) -> np.ndarray:
    """Per event: how many patients of its patient's class hold its label."""
    first = _label_ranks(events) == 0
    support = tuple_counts(events.classes[events.patient[first]], events.label[first])
    # Every event of a (patient, label) run shares the run's first event's support.
    return support[np.cumsum(first) - 1]


def subset_counts(events: EventArrays, events_known: int) -> SubsetCounts:
    """Supports of every sub-multiset of up to `events_known` labels of every patient.

    A patient's sub-multisets are enumerated once each, however often their events
    repeat a label: a label's j-th event (rank j - 1) only joins a combination right after
    its (j - 1)-th, and only the first L events of a label are ever needed."""
    if not 1 <= events_known <= MAX_SUBSET_SIZE:
        raise ValueError(f"events known must be from 1 to {MAX_SUBSET_SIZE}")
    class_sizes = np.bincount(events.classes, minlength=int(events.classes.max(initial=0)) + 1)
    smallest = class_sizes[events.classes].astype(np.int64)
    rank_of_event = _label_ranks(events)
    copies = np.flatnonzero(rank_of_event < events_known)  # event indices, still sorted
    rank = rank_of_event[copies]
    label = events.label[copies]
    later = _later_rows(events.patient[copies])
    first = np.flatnonzero(rank == 0)
    combinations = [[first]]
    for _ in range(1, events_known):
        previous = combinations[-1]
        source, nxt = _extend(previous[-1], later)
        # Canonical: a repeated label's copies are taken in rank order, without a gap.
        last = previous[-1][source]
        canonical = (rank[nxt] == 0) | ((label[nxt] == label[last]) & (rank[nxt] == rank[last] + 1))
        source, nxt = source[canonical], nxt[canonical]
        combinations.append([member[source] for member in previous] + [nxt])
    by_size = [[copies[position] for position in positions] for positions in combinations]
    patient = [events.patient[members[0]] for members in by_size]
    # Keys of each size apart (a smaller size would not fit the larger's radix), offset.
    keys, offset = [], 0
    for owner, members in zip(patient, by_size, strict=True):
        key = tuple_keys(events.classes[owner], *[events.label[m] for m in members])
        keys.append(key + offset)
        offset += int(key.max(initial=-1)) + 1
    key = np.concatenate(keys)
    held = np.bincount(key, minlength=offset)
    np.minimum.at(smallest, np.concatenate(patient), held[key])
    size = np.repeat(np.arange(1, events_known + 1), [len(owner) for owner in patient])
    return SubsetCounts(
        np.concatenate(patient), _padded_members(by_size), size.astype(np.int8), key, held, smallest
    )


def _padded_members(by_size: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Members per position across sizes; a smaller subset repeats its last member."""
    width = len(by_size)
    return [
        np.concatenate([members[min(position, len(members) - 1)] for members in by_size])
        for position in range(width)
    ]


def label_holders(events: EventArrays) -> np.ndarray:
    """How many patients hold each label code (the first event of each (patient, label)
    run counts)."""
    width = int(events.label.max(initial=0)) + 1
    return np.bincount(events.label[_label_ranks(events) == 0], minlength=width)
