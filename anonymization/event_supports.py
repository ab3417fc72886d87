"""The counting behind `anonymization.event_risk`, vectorised: for every patient, every
sub-multiset of up to L of their event labels, and how many patients of the same class
hold it (its support).

Events are integer-coded arrays sorted by (patient, label), so the sub-multisets of a
patient are the combinations of positions inside their run of rows: pairs are built by
repeating each row once per later row of the same patient, triples likewise from pairs.
A sub-multiset is keyed by (class, labels) as one dense integer; duplicates inside a
patient (two stays alike give the pair twice) are counted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Subsets are counted up to this size (the catalog's largest bound).
MAX_SUBSET_SIZE = 3


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
        order = np.lexsort((label, patient))
        return cls(patient[order], label[order], name[order], classes)

    def without(self, keep: np.ndarray) -> EventArrays:
        return EventArrays(self.patient[keep], self.label[keep], self.name[keep], self.classes)


@dataclass(frozen=True)
class SubsetCounts:
    """Every (patient, sub-multiset) row, with its members (event indices) and support."""

    patient: np.ndarray  # patient of each subset row
    members: list[np.ndarray]  # event index of each member, one array per position
    support: np.ndarray  # support of each row's sub-multiset within the patient's class
    smallest: np.ndarray  # per patient: the smallest support (class size if no event)


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
    """One dense integer per distinct tuple of the columns' values (hash-based)."""
    if len(columns[0]) == 0:
        return np.zeros(0, dtype=np.int64)
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        width = int(column.max()) + 1
        key = pd.factorize(key * width + column)[0].astype(np.int64)
    return key


def _subset_key(classes: np.ndarray, labels: list[np.ndarray]) -> np.ndarray:
    """A dense key per (class, labels…) tuple: one hash pass when the tuple fits in 62
    bits as a mixed-radix number, one per column otherwise."""
    if len(classes) == 0:
        return np.zeros(0, dtype=np.int64)
    widths = [int(classes.max()) + 1, *[int(column.max()) + 1 for column in labels]]
    if np.prod([float(width) for width in widths]) >= 2.0**62:
        return dense_codes(classes, *labels)
    combined = classes.astype(np.int64)
    for column, width in zip(labels, widths[1:], strict=True):
        combined = combined * width + column
    return pd.factorize(combined)[0].astype(np.int64)


def subset_counts(events: EventArrays, events_known: int) -> SubsetCounts:
    """Supports of every sub-multiset of up to `events_known` labels of every patient."""
    if not 1 <= events_known <= MAX_SUBSET_SIZE:
        raise ValueError(f"events known must be from 1 to {MAX_SUBSET_SIZE}")
    class_sizes = np.bincount(events.classes, minlength=int(events.classes.max(initial=0)) + 1)
    smallest = class_sizes[events.classes].astype(np.int64)
    later = _later_rows(events.patient)
    rows = np.arange(len(events.patient))
    combinations = [[rows]]
    for _ in range(1, events_known):
        previous = combinations[-1]
        source, nxt = _extend(previous[-1], later)
        combinations.append([member[source] for member in previous] + [nxt])
    row_patient: list[np.ndarray] = []
    row_support: list[np.ndarray] = []
    row_members: list[list[np.ndarray]] = []
    for members in combinations:
        owner = events.patient[members[0]]
        key = _subset_key(events.classes[owner], [events.label[m] for m in members])
        # Counted once per patient, however many times their events repeat it.
        width = int(key.max(initial=0)) + 1
        distinct = pd.unique(owner * width + key)
        support = np.bincount(distinct % width, minlength=width)[key]
        np.minimum.at(smallest, owner, support)
        row_patient.append(owner)
        row_support.append(support)
        row_members.append(members)
    return SubsetCounts(
        patient=np.concatenate(row_patient),
        members=_padded_members(row_members),
        support=np.concatenate(row_support),
        smallest=smallest,
    )


def _padded_members(by_size: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Members per position across sizes; a smaller subset repeats its last member."""
    width = len(by_size)
    return [
        np.concatenate([members[min(position, len(members) - 1)] for members in by_size])
        for position in range(width)
    ]


def suppression_round(
    events: EventArrays, counts: SubsetCounts, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """One greedy round: for each patient below k who has events, the label found most
    often among their subsets below k (the label fewest patients hold on a tie), and the
    first of their events with it. Returns (patients, event index) chosen."""
    weak = counts.support < k
    below = counts.smallest < k
    weak &= below[counts.patient]
    if not weak.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # How often each (patient, label) is a member of the patient's weak subsets.
    member = np.concatenate([position[weak] for position in counts.members])
    patient = events.patient[member]
    label = events.label[member]
    pair = dense_codes(patient, label)
    times = np.bincount(pair)
    # Codes follow first appearance: the k-th first occurrence has code k.
    first_of_pair = pd.Series(pair).drop_duplicates().index.to_numpy()
    # How many patients hold each label (fewest first on a tie: the rarer label goes).
    width = int(events.label.max(initial=0)) + 1
    holders = np.bincount(pd.unique(events.patient * width + events.label) % width, minlength=width)
    candidate_patient = patient[first_of_pair]
    candidate_label = label[first_of_pair]
    order = np.lexsort((candidate_label, holders[candidate_label], -times, candidate_patient))
    chosen_patient = candidate_patient[order]
    first = np.r_[True, chosen_patient[1:] != chosen_patient[:-1]]
    chosen_patient = chosen_patient[first]
    chosen_label = candidate_label[order][first]
    # The first event of that patient with that label (events are sorted by both).
    keys = events.patient * width + events.label
    index = np.searchsorted(keys, chosen_patient * width + chosen_label)
    return chosen_patient, index
