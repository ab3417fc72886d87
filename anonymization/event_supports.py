"""The counting behind `anonymization.event_risk`, vectorised: for every patient, every
sub-multiset of up to L of their event labels, and how many patients of the same class
hold it (its support).

Events are integer-coded arrays sorted by (patient, label), so the sub-multisets of a
patient are the combinations of positions inside their run of rows: pairs are built by
repeating each row once per later row of the same patient, triples likewise from pairs.
A sub-multiset is keyed by (class, labels) as one dense integer; a patient's events that
repeat a label (two stays alike) give each sub-multiset once.

`suppress_until_k` is the greedy event suppression built on these counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Subsets are counted up to this size (the catalog's largest bound).
MAX_SUBSET_SIZE = 3
# Quick checks look first at the classes whose code is a multiple of this.
CLASS_SAMPLE_EVERY = 5


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

    def restricted(self, kept_events: np.ndarray) -> SubsetCounts:
        """The rows of the patients whose events are kept (`kept_events`: a mask over the
        events, keeping whole classes, so every row's support is unchanged), members
        renumbered as in `EventArrays.without(kept_events)`."""
        renumbered = np.cumsum(kept_events) - 1
        rows = kept_events[self.members[0]]
        return SubsetCounts(
            patient=self.patient[rows],
            members=[renumbered[position[rows]] for position in self.members],
            support=self.support[rows],
            smallest=self.smallest,
        )


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


def subset_key(classes: np.ndarray, labels: list[np.ndarray]) -> np.ndarray:
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
    key = subset_key(events.classes[events.patient[first]], [events.label[first]])
    support = np.bincount(key)[key] if len(key) else np.zeros(0, dtype=np.int64)
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
    row_patient: list[np.ndarray] = []
    row_support: list[np.ndarray] = []
    row_members: list[list[np.ndarray]] = []
    for positions in combinations:
        members = [copies[position] for position in positions]
        owner = events.patient[members[0]]
        key = subset_key(events.classes[owner], [events.label[m] for m in members])
        support = np.bincount(key)[key] if len(key) else np.zeros(0, dtype=np.int64)
        if len(owner):
            # Rows come grouped by patient: the smallest support of each group.
            starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
            group_smallest = np.minimum.reduceat(support, starts)
            np.minimum.at(smallest, owner[starts], group_smallest)
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


def label_holders(events: EventArrays) -> np.ndarray:
    """How many patients hold each label code."""
    width = int(events.label.max(initial=0)) + 1
    return np.bincount(pd.unique(events.patient * width + events.label) % width, minlength=width)


def suppression_round(
    events: EventArrays, counts: SubsetCounts, k: int, holders: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One greedy round: for each patient below k who has events, the label found most
    often among their subsets below k (the label fewest patients hold on a tie: `holders`,
    counted over the whole release), and the first of their events with it. Returns
    (patients, event index) chosen."""
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
    candidate_patient = patient[first_of_pair]
    candidate_label = label[first_of_pair]
    order = np.lexsort((candidate_label, holders[candidate_label], -times, candidate_patient))
    chosen_patient = candidate_patient[order]
    first = np.r_[True, chosen_patient[1:] != chosen_patient[:-1]]
    chosen_patient = chosen_patient[first]
    chosen_label = candidate_label[order][first]
    # The first event of that patient with that label (events are sorted by both).
    width = int(events.label.max(initial=0)) + 1
    keys = events.patient * width + events.label
    index = np.searchsorted(keys, chosen_patient * width + chosen_label)
    return chosen_patient, index


def drop_named(
    arrays: EventArrays, patients: np.ndarray, names: np.ndarray
) -> tuple[EventArrays, int]:
    """`arrays` without the events of each (patient, recorded label) pair given: every
    event of theirs recorded alike goes (the writer can tell them apart no better). Only
    the given patients' rows are looked at (events are sorted by patient)."""
    if len(patients) == 0:
        return arrays, 0
    starts = np.searchsorted(arrays.patient, patients, side="left")
    ends = np.searchsorted(arrays.patient, patients, side="right")
    lengths = ends - starts
    pair = np.repeat(np.arange(len(patients)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = np.repeat(starts, lengths) + offsets
    drop_rows = rows[arrays.name[rows] == names[pair]]
    keep = np.ones(len(arrays.patient), dtype=bool)
    keep[drop_rows] = False
    return arrays.without(keep), len(np.unique(drop_rows))


def suppress_until_k(
    arrays: EventArrays, events_known: int, k: int, budget: int
) -> tuple[EventArrays, set[tuple[int, int]], np.ndarray | None]:
    """Event suppression until every patient is among k. First every event that alone
    narrows its patient below k (it has to go whatever else does); then, greedily, while
    a patient is below k, one event of theirs whose label is found in most of their
    subsets below k (the label fewest patients hold on a tie). Stops when every patient
    reaches k, when nothing can help, or as soon as more than `budget` events would go
    (then the supports are None). Returns what is left, the (patient, recorded label code)
    pairs removed, and each patient's smallest support.

    Supports are counted within a person class, so removing a patient's events changes
    nothing outside their class: after the first count, each round recounts only the
    classes that still hold a patient below k."""
    removed: set[tuple[int, int]] = set()
    lone = single_supports(arrays) < k
    if int(lone.sum()) > budget:
        return arrays, removed, None
    removed_events = 0
    if lone.any():
        patients, names = arrays.patient[lone], arrays.name[lone]
        removed.update(zip(patients.tolist(), names.tolist(), strict=True))
        arrays, removed_events = drop_named(arrays, patients, names)
    # Each patient below k must still lose an event: counted first on one class in
    # CLASS_SAMPLE_EVERY (supports are counted within a class, so exactly), that alone
    # often shows the cap cannot hold, without counting every class.
    in_sample = arrays.classes % CLASS_SAMPLE_EVERY == 0
    if not in_sample.all():
        sample = subset_counts(arrays.without(in_sample[arrays.patient]), events_known)
        if removed_events + int((sample.smallest[in_sample] < k).sum()) > budget:
            return arrays, removed, None
    counts = subset_counts(arrays, events_known)
    smallest = counts.smallest.copy()
    working = arrays  # the events of the classes still holding a patient below k
    while True:
        below = smallest < k
        # Each patient below k loses one of their own events at least (removing events
        # never raises a support): when that alone overruns the budget, stop.
        if removed_events + int(below.sum()) > budget:
            return arrays, removed, None
        if not below.any():
            return arrays, removed, smallest
        open_class = np.zeros(int(arrays.classes.max()) + 1, dtype=bool)
        open_class[arrays.classes[below]] = True
        still_open = open_class[working.classes[working.patient]]
        if not still_open.all():
            working, counts = working.without(still_open), counts.restricted(still_open)
        chosen_patient, chosen_event = suppression_round(working, counts, k, label_holders(arrays))
        if len(chosen_patient) == 0:
            return arrays, removed, smallest
        chosen_name = working.name[chosen_event]
        removed.update(zip(chosen_patient.tolist(), chosen_name.tolist(), strict=True))
        arrays, dropped = drop_named(arrays, chosen_patient, chosen_name)
        working, _ = drop_named(working, chosen_patient, chosen_name)
        removed_events += dropped
        counts = subset_counts(working, events_known)
        in_open = open_class[arrays.classes]
        smallest[in_open] = counts.smallest[in_open]
