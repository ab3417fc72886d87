"""The greedy event suppression (`anonymization.event_suppression`), which keeps its
supports up to date round after round, checked against the same greedy rules written
plainly: every support recounted from scratch before each round."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from anonymization.event_supports import EventArrays, label_holders, subset_counts
from anonymization.event_suppression import suppress_until_k


def release(seed: int) -> EventArrays:
    """Few classes, labels and names on purpose: repeated labels, and events alike in
    label but recorded apart (two names), are where bookkeeping goes wrong."""
    rng = random.Random(seed)
    patients = rng.randint(2, 40)
    classes = np.asarray([rng.randrange(3) for _ in range(patients)], dtype=np.int64)
    owner, name = [], []
    for patient in range(patients):
        for _ in range(rng.randint(0, 7)):
            owner.append(patient)
            name.append(rng.randrange(8))
    names = np.asarray(name, dtype=np.int64)
    # Names 2n and 2n + 1 are published alike: one label for two recorded events.
    return EventArrays.sorted(np.asarray(owner, dtype=np.int64), names // 2, names, classes)


def without_named(arrays: EventArrays, pairs: set[tuple[int, int]]) -> EventArrays:
    gone = [(int(p), int(n)) in pairs for p, n in zip(arrays.patient, arrays.name, strict=True)]
    return arrays.without(~np.asarray(gone, dtype=bool))


def holders_in_class(arrays: EventArrays, patient: int, label: int) -> int:
    """How many patients of the patient's class hold the label."""
    peers = arrays.classes[arrays.patient] == arrays.classes[patient]
    return len(set(arrays.patient[peers & (arrays.label == label)].tolist()))


def plain_suppression(
    arrays: EventArrays, known: int, k: int, budget: int
) -> tuple[set[tuple[int, int]], list[int] | None]:
    """The rules, recounting everything before each round."""
    total = len(arrays.patient)
    events = zip(arrays.patient.tolist(), arrays.label.tolist(), arrays.name.tolist(), strict=True)
    lone = [(p, n) for p, label, n in events if holders_in_class(arrays, p, label) < k]
    if len(lone) > budget:
        return set(), None
    removed = set(lone)
    arrays = without_named(arrays, removed)
    while True:
        counts = subset_counts(arrays, known)
        below = counts.smallest < k
        if total - len(arrays.patient) + int(below.sum()) > budget:
            return removed, None
        if not below.any():
            return removed, counts.smallest.tolist()
        holders = label_holders(arrays)
        chosen = set()
        for patient in np.flatnonzero(below).tolist():
            weak = np.flatnonzero((counts.patient == patient) & (counts.support < k))
            # A subset smaller than L counts its last label again (as the module does).
            times = Counter(
                int(arrays.label[position[row]]) for row in weak for position in counts.members
            )
            if not times:
                continue
            label = min(times, key=lambda lab: (-times[lab], holders[lab], lab))
            first = np.flatnonzero((arrays.patient == patient) & (arrays.label == label))[0]
            chosen.add((patient, int(arrays.name[first])))
        if not chosen:
            return removed, counts.smallest.tolist()
        removed |= chosen
        arrays = without_named(arrays, chosen)


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("known", [1, 2, 3])
def test_suppression_removes_what_a_full_recount_each_round_removes(seed: int, known: int) -> None:
    arrays = release(seed)
    k = 2 + seed // 3 % 3
    budget = [2, 10, 1000][seed % 3]
    left, removed, smallest = suppress_until_k(arrays, known, k, budget)
    plain_removed, plain_smallest = plain_suppression(arrays, known, k, budget)
    assert removed == plain_removed
    assert (None if smallest is None else smallest.tolist()) == plain_smallest
    if smallest is not None:
        kept = without_named(arrays, removed)
        assert left.patient.tolist() == kept.patient.tolist()
        assert left.name.tolist() == kept.name.tolist()
