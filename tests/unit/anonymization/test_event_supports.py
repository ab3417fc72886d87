"""The vectorised counting behind the event gate (`anonymization.event_supports`),
checked against a direct count over every sub-multiset on random releases."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import numpy as np
import pytest

from anonymization.event_supports import (
    EventArrays,
    single_supports,
    subset_counts,
    weight_of_small_class_groups,
)


def direct_smallest(classes: list[int], events: list[list[int]], known: int) -> list[int]:
    """For each patient, the fewest patients of their class holding a sub-multiset of up
    to `known` of their labels, counted the slow, obvious way."""
    held = [Counter(labels) for labels in events]
    smallest = []
    for patient, labels in enumerate(events):
        size = sum(1 for other in classes if other == classes[patient])
        best = size
        for count in range(1, known + 1):
            for subset in set(itertools.combinations(sorted(labels), count)):
                wanted = Counter(subset)
                support = sum(
                    1
                    for other, other_held in enumerate(held)
                    if classes[other] == classes[patient]
                    and all(other_held[label] >= times for label, times in wanted.items())
                )
                best = min(best, support)
        smallest.append(best)
    return smallest


def arrays(classes: list[int], events: list[list[int]]) -> EventArrays:
    owner = np.asarray([p for p, labels in enumerate(events) for _ in labels], dtype=np.int64)
    label = np.asarray([label for labels in events for label in labels], dtype=np.int64)
    return EventArrays.sorted(owner, label, label.copy(), np.asarray(classes, dtype=np.int64))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("known", [1, 2, 3])
def test_smallest_supports_match_a_direct_count(seed: int, known: int) -> None:
    rng = random.Random(seed)
    patients = rng.randint(1, 25)
    classes = [rng.randrange(3) for _ in range(patients)]
    # Few labels and repeats on purpose: repeated stays are where counting goes wrong.
    events = [[rng.randrange(4) for _ in range(rng.randint(0, 6))] for _ in range(patients)]
    counts = subset_counts(arrays(classes, events), known)
    assert counts.smallest.tolist() == direct_smallest(classes, events, known)


@pytest.mark.parametrize("seed", range(6))
def test_each_event_gets_the_support_of_its_label_alone(seed: int) -> None:
    rng = random.Random(seed)
    classes = [rng.randrange(2) for _ in range(15)]
    events = [[rng.randrange(5) for _ in range(rng.randint(0, 4))] for _ in range(15)]
    built = arrays(classes, events)
    expected = [
        sum(
            1
            for other, labels in enumerate(events)
            if classes[other] == classes[int(patient)] and int(label) in labels
        )
        for patient, label in zip(built.patient, built.label, strict=True)
    ]
    assert single_supports(built).tolist() == expected


def test_every_sub_multiset_row_is_listed_once_per_patient() -> None:
    # One patient with labels a, a, b: sub-multisets {a}, {b}, {a,a}, {a,b}, {a,a,b}.
    built = arrays([0], [[0, 0, 1]])
    counts = subset_counts(built, 3)
    members = {
        tuple(sorted({int(built.label[position[row]]) for position in counts.members}))
        for row in range(len(counts.patient))
    }
    assert len(counts.patient) == 5
    assert members == {(0,), (1,), (0, 1)}


@pytest.mark.parametrize(
    ("classes", "labels"),
    [
        (40, 60),  # few pairs: counted directly
        (2_000, 50_000),  # too many pairs to count directly: grouped by class through radix
        (70_000, 50_000),  # classes beyond 16 bits: through one sort of packed keys
    ],
)
def test_small_class_label_groups_weigh_what_a_direct_count_does(classes: int, labels: int) -> None:
    generator = np.random.default_rng(classes)
    # Half the rows in a few pairs held often, half spread thin (mostly alone), then
    # sorted by label as the search keeps them.
    common = generator.integers(0, [classes, labels], (min(classes * labels, 40), 2))
    pairs = np.concatenate(
        [
            common[generator.integers(0, len(common), 10_000)],
            generator.integers(0, [classes, labels], (10_000, 2)),
        ]
    )
    pairs = pairs[np.argsort(pairs[:, 1], kind="stable")]
    klass, label = pairs[:, 0].copy(), pairs[:, 1].copy()
    weight = generator.integers(1, 5, len(pairs))
    sizes = Counter(zip(klass.tolist(), label.tolist(), strict=True))
    expected = sum(
        int(w)
        for c, lab, w in zip(klass.tolist(), label.tolist(), weight.tolist(), strict=True)
        if sizes[(c, lab)] < 5
    )
    assert 0 < expected < int(weight.sum())
    assert weight_of_small_class_groups(klass, label, weight, 5) == expected
