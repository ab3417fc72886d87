"""The greedy event suppression of the release gate (`anonymization.event_search`), on the
counts of `anonymization.event_supports`.

First every event that alone narrows its patient below k goes (it has to, whatever else
does); then, round after round, each patient still below k loses one event: the one
whose label is found in most of their subsets below k (the label fewest patients hold on
a tie). It stops when every patient reaches k, when nothing can help, or as soon as more
events than the cap would go.

Supports are counted within a person class, so removing a patient's events changes
nothing outside their class: the first count goes class group by class group (stopping
as soon as the groups counted show the cap cannot hold), and a class without a patient
below k is closed for good (its events and rows are dropped once the closed classes hold
half of them). The supports are then kept up to date rather than recounted: a patient
who loses events loses exactly the sub-multisets holding one of their labels more often
than they still have it, so a round subtracts those from their key's count and takes
the smallest supports of the open classes again from the rows left. The result is a
full recount's, round by round (tests/unit/anonymization/test_event_suppression.py
checks it against one).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from anonymization.event_supports import (
    EventArrays,
    dense_codes,
    label_holders,
    single_supports,
    subset_counts,
)

# The first count goes through the classes in this many groups (class code modulo this).
CLASS_GROUPS = 5


@dataclass(frozen=True)
class SubsetRows:
    """Every (patient, sub-multiset) row of the classes still open, by its labels (a
    smaller subset repeats its last label) rather than its events, so that a row outlives
    the events it was found from; `held` counts, per key, the patients holding it."""

    patient: np.ndarray
    labels: list[np.ndarray]  # one array per position
    size: np.ndarray
    key: np.ndarray
    held: np.ndarray  # updated in place as patients lose sub-multisets

    @property
    def support(self) -> np.ndarray:
        return self.held[self.key]

    def where(self, rows: np.ndarray) -> SubsetRows:
        """Some of the rows (a mask or indices); the counts are shared."""
        return SubsetRows(
            self.patient[rows],
            [labels[rows] for labels in self.labels],
            self.size[rows],
            self.key[rows],
            self.held,
        )


def counted_rows(
    arrays: EventArrays, events_known: int, k: int, allowance: int
) -> tuple[SubsetRows, np.ndarray] | None:
    """Every subset row of `arrays` and each patient's smallest support, counted one
    group of classes at a time (supports are counted within a class, so each group's are
    exact): None as soon as more than `allowance` patients are below k."""
    group_of_patient = arrays.classes % CLASS_GROUPS
    group_of_event = group_of_patient[arrays.patient]
    smallest = np.zeros(len(arrays.classes), dtype=np.int64)
    below, parts, offset = 0, [], 0
    for group in range(CLASS_GROUPS):
        events = arrays.without(group_of_event == group)
        counts = subset_counts(events, events_known)
        in_group = group_of_patient == group
        smallest[in_group] = counts.smallest[in_group]
        below += int((smallest[in_group] < k).sum())
        if below > allowance:
            return None
        labels = [events.label[members] for members in counts.members]
        parts.append(
            SubsetRows(counts.patient, labels, counts.size, counts.key + offset, counts.held)
        )
        offset += len(counts.held)
    rows = SubsetRows(
        patient=np.concatenate([part.patient for part in parts]),
        labels=[
            np.concatenate([part.labels[position] for part in parts])
            for position in range(events_known)
        ],
        size=np.concatenate([part.size for part in parts]),
        key=np.concatenate([part.key for part in parts]),
        held=np.concatenate([part.held for part in parts]),
    )
    return rows, smallest


def suppression_round(
    events: EventArrays, rows: SubsetRows, smallest: np.ndarray, k: int, holders: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One greedy round: for each patient below k who has events, the label found most
    often among their subsets below k (the label fewest patients hold on a tie: `holders`,
    counted over the whole release), and the first of their events with it. Returns
    (patients, event index) chosen."""
    weak = (rows.support < k) & (smallest[rows.patient] < k)
    if not weak.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # How often each (patient, label) is a member of the patient's weak subsets.
    patient = np.tile(rows.patient[weak], len(rows.labels))
    label = np.concatenate([labels[weak] for labels in rows.labels])
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
    return chosen_patient, _first_rows(events, chosen_patient, chosen_label)


def _first_rows(events: EventArrays, patients: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Where each (patient, label) starts among the events (sorted by both)."""
    width = int(events.label.max(initial=0)) + 1
    return np.searchsorted(events.patient * width + events.label, patients * width + labels)


def named_rows(arrays: EventArrays, patients: np.ndarray, names: np.ndarray) -> np.ndarray:
    """The events of each (patient, recorded label) pair given, in order: every event of
    theirs recorded alike (the writer can tell them apart no better). Only the given
    patients' rows are looked at (events are sorted by patient)."""
    starts = np.searchsorted(arrays.patient, patients, side="left")
    ends = np.searchsorted(arrays.patient, patients, side="right")
    lengths = ends - starts
    pair = np.repeat(np.arange(len(patients)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = np.repeat(starts, lengths) + offsets
    return np.unique(rows[arrays.name[rows] == names[pair]])


def drop_named(
    arrays: EventArrays, patients: np.ndarray, names: np.ndarray
) -> tuple[EventArrays, int]:
    """`arrays` without the events of each (patient, recorded label) pair given
    (`named_rows`), and how many went."""
    if len(patients) == 0:
        return arrays, 0
    rows = named_rows(arrays, patients, names)
    keep = np.ones(len(arrays.patient), dtype=bool)
    keep[rows] = False
    return arrays.without(keep), len(rows)


def _events_held(keys: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """How many events each (patient * width + label) pair has (`keys`: the events' own,
    sorted)."""
    return np.searchsorted(keys, pairs, side="right") - np.searchsorted(keys, pairs, side="left")


def after_losses(
    rows: SubsetRows, losers: np.ndarray, lost: np.ndarray, left: np.ndarray, width: int
) -> SubsetRows:
    """The rows once the patients flagged in `losers` have lost events: `lost` holds, in
    order, the (patient * width + label) pairs that lost some, `left` how many events each
    still has. A row goes when it holds one of those labels more often than its patient
    still has it, and its key's count drops by one."""
    candidates = np.flatnonzero(losers[rows.patient])
    owner, size = rows.patient[candidates], rows.size[candidates]
    labels = [position[candidates] for position in rows.labels]
    still_held = np.ones(len(candidates), dtype=bool)
    for position, label in enumerate(labels):
        pair = owner * width + label
        at = np.minimum(np.searchsorted(lost, pair), len(lost) - 1)
        hit = (lost[at] == pair) & (position < size)
        wanted = np.zeros(len(candidates), dtype=np.int64)
        for other, other_label in enumerate(labels):
            wanted += (other_label == label) & (other < size)
        still_held &= ~hit | (left[at] >= wanted)
    gone = candidates[~still_held]
    rows.held[:] -= np.bincount(rows.key[gone], minlength=len(rows.held))
    keep = np.ones(len(rows.patient), dtype=bool)
    keep[gone] = False
    return rows.where(keep)


def suppress_until_k(
    arrays: EventArrays, events_known: int, k: int, budget: int
) -> tuple[EventArrays, set[tuple[int, int]], np.ndarray | None]:
    """Event suppression until every patient is among k (the module's rules). Returns
    what is left, the (patient, recorded label code) pairs removed, and each patient's
    smallest support (None when more than `budget` events would go)."""
    removed: set[tuple[int, int]] = set()
    lone = single_supports(arrays) < k
    if int(lone.sum()) > budget:
        return arrays, removed, None
    removed_events = 0
    if lone.any():
        patients, names = arrays.patient[lone], arrays.name[lone]
        removed.update(zip(patients.tolist(), names.tolist(), strict=True))
        arrays, removed_events = drop_named(arrays, patients, names)
    # Each patient below k must still lose an event: counting class group by class group
    # often shows the cap cannot hold before every class is counted.
    counted = counted_rows(arrays, events_known, k, budget - removed_events)
    if counted is None:
        return arrays, removed, None
    rows, smallest = counted
    class_sizes = np.bincount(arrays.classes)[arrays.classes]
    holders = label_holders(arrays)
    width = len(holders)  # every label code is below it
    working = arrays  # the events of the classes still holding a patient below k
    chosen: list[tuple[np.ndarray, np.ndarray]] = []

    def left() -> EventArrays:
        """`arrays` without what the rounds removed."""
        if not chosen:
            return arrays
        patients, names = (np.concatenate(part) for part in zip(*chosen, strict=True))
        return drop_named(arrays, patients, names)[0]

    while True:
        below = smallest < k
        # Each patient below k loses one of their own events at least (removing events
        # never raises a support): when that alone overruns the budget, stop.
        if removed_events + int(below.sum()) > budget:
            return left(), removed, None
        if not below.any():
            return left(), removed, smallest
        open_class = np.zeros(int(arrays.classes.max()) + 1, dtype=bool)
        open_class[arrays.classes[below]] = True
        in_open = open_class[arrays.classes]
        open_events = in_open[working.patient]
        # The closed classes' events and rows are dropped once they are half of them (a
        # closed class never changes again: dropping it sooner only saves work).
        if 2 * int(open_events.sum()) <= len(open_events):
            working = working.without(open_events)
            rows = rows.where(in_open[rows.patient])
        chosen_patient, chosen_event = suppression_round(working, rows, smallest, k, holders)
        if len(chosen_patient) == 0:
            return left(), removed, smallest
        chosen_name = working.name[chosen_event]
        removed.update(zip(chosen_patient.tolist(), chosen_name.tolist(), strict=True))
        chosen.append((chosen_patient, chosen_name))
        gone = named_rows(working, chosen_patient, chosen_name)
        lost = np.unique(working.patient[gone] * width + working.label[gone])
        keep = np.ones(len(working.patient), dtype=bool)
        keep[gone] = False
        working = working.without(keep)
        removed_events += len(gone)
        remaining = _events_held(working.patient * width + working.label, lost)
        # A patient left without any event of a label no longer holds it.
        holders -= np.bincount(lost[remaining == 0] % width, minlength=width)
        losers = np.zeros(len(arrays.classes), dtype=bool)
        losers[lost // width] = True
        rows = after_losses(rows, losers, lost, remaining, width)
        fresh = class_sizes.copy()
        np.minimum.at(fresh, rows.patient, rows.support)
        smallest[in_open] = fresh[in_open]
