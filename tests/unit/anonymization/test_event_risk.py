"""LKC-privacy over event tables (`anonymization.event_risk`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pytest

from anonymization.event_levels import (
    EventLevels,
    KnownEvents,
    lattice,
    steward_groups,
    truncate_dates,
)
from anonymization.event_risk import patient_supports
from anonymization.event_search import assess_events


def stays(rows: list[tuple[str, date, str]]) -> KnownEvents:
    return KnownEvents(
        "stays",
        pa.table(
            {
                "patient": [r[0] for r in rows],
                "admitted": pa.array([r[1] for r in rows], type=pa.date32()),
                "unit": [r[2] for r in rows],
            }
        ),
        ("admitted",),
        ("unit",),
    )


def test_truncated_dates_start_their_week_month_quarter_or_year() -> None:
    dates = pa.array([date(2024, 5, 15), None], type=pa.date32())
    assert truncate_dates(dates, "day") == dates
    assert truncate_dates(dates, "week").to_pylist() == [date(2024, 5, 13), None]
    assert truncate_dates(dates, "month").to_pylist() == [date(2024, 5, 1), None]
    assert truncate_dates(dates, "quarter").to_pylist() == [date(2024, 4, 1), None]
    assert truncate_dates(dates, "year").to_pylist() == [date(2024, 1, 1), None]
    assert truncate_dates(dates, "*").to_pylist() == [None, None]
    with pytest.raises(ValueError, match="unknown date level"):
        truncate_dates(dates, "decade")


def test_support_is_the_patients_of_the_class_holding_the_known_events() -> None:
    classes = {"p1": "F", "p2": "F", "p3": "F", "p4": "M"}
    events = {"p1": ["a", "b"], "p2": ["a", "b", "c"], "p3": ["a"], "p4": ["a", "b"]}
    supports = patient_supports(classes, events, events_known=2)
    # p1 and p2 share {a, b} in class F; p4 is alone in class M.
    assert supports.smallest == {"p1": 2, "p2": 1, "p3": 3, "p4": 1}
    # With one known event, c still singles p2 out, b narrows p1 down to two.
    assert patient_supports(classes, events, events_known=1).smallest["p1"] == 2


def test_a_repeated_event_is_known_as_many_times_as_it_happened() -> None:
    classes = dict.fromkeys(["p1", "p2", "p3"], "all")
    events = {"p1": ["a", "a"], "p2": ["a"], "p3": ["a"]}
    supports = patient_supports(classes, events, events_known=2)
    # Knowing two stays "a" singles p1 out; knowing one leaves three.
    assert supports.smallest == {"p1": 1, "p2": 3, "p3": 3}
    assert supports.full_knowledge_unique == 1


def test_a_patient_without_events_is_protected_by_their_class() -> None:
    supports = patient_supports({"p1": "x", "p2": "x"}, {}, events_known=2)
    assert supports.smallest == {"p1": 2, "p2": 2}


def test_the_lattice_starts_with_what_loses_least() -> None:
    nodes = lattice([stays([("p", date(2024, 1, 1), "u")])])
    assert (nodes[0].date_level, dict(nodes[0].attribute_levels)) == (
        "day",
        {"stays.unit": "value"},
    )
    assert (nodes[-1].date_level, dict(nodes[-1].attribute_levels)) == ("*", {"stays.unit": "*"})
    losses = [node.information_loss() for node in nodes]
    assert losses == sorted(losses)
    assert EventLevels("*", {"stays.unit": "*"}).information_loss() == 1.0


def test_dates_are_coarsened_until_every_patient_hides_among_k() -> None:
    # Ten patients, one stay each in the same unit, on ten different days of March.
    rows = [(f"p{i}", date(2024, 3, 1) + timedelta(days=2 * i), "cardio") for i in range(10)]
    classes = {f"p{i}": "all" for i in range(10)}
    assessment = assess_events([stays(rows)], classes, "patient", 1, 5, 0.0)
    assert assessment is not None
    # Day and week single people out; the month holds all ten.
    assert assessment.record["date_granularity"] == "month"
    assert assessment.record["attribute_levels"] == {"stays.unit": "value"}
    assert assessment.record["patients_below_k"] == 0
    assert assessment.record["max_prosecutor_risk"] == pytest.approx(1 / 10)
    assert assessment.suppressed == frozenset()


def test_a_rare_event_is_suppressed_rather_than_coarsening_everyone() -> None:
    rows = [(f"p{i}", date(2024, 3, 4), "cardio") for i in range(9)]
    rows.append(("p9", date(2024, 3, 4), "oncology"))  # the only oncology stay
    classes = {f"p{i}": "all" for i in range(10)}
    assessment = assess_events([stays(rows)], classes, "patient", 1, 5, 0.1)
    assert assessment is not None
    assert assessment.record["date_granularity"] == "day"
    assert assessment.record["suppressed_events"] == 1
    assert [patient for patient, _ in assessment.suppressed] == ["p9"]
    assert assessment.record["events_kept_share"] == pytest.approx(0.9)


def test_units_go_to_the_stewards_groups_before_being_removed() -> None:
    # Twelve patients, three per unit, four stays each on one day: no unit is rare (twelve
    # rows) yet three patients are fewer than k = 5. Two units per service make six.
    units = ["cardio", "pneumo", "ortho", "visceral"]
    rows = [(f"p{i}", date(2024, 3, 4), units[i % 4]) for i in range(12) for _ in range(4)]
    services = {"cardio": "medicine", "pneumo": "medicine", "ortho": "surgery"}
    services["visceral"] = "surgery"
    known = replace(stays(rows), groups={"unit": services})
    classes = {f"p{i}": "all" for i in range(12)}
    assessment = assess_events([known], classes, "patient", 1, 5, 0.0)
    assert assessment is not None
    assert assessment.record["date_granularity"] == "day"
    assert assessment.record["attribute_levels"] == {"stays.unit": "steward_group"}
    # The groups used are recorded with the extract.
    assert assessment.record["steward_groups"] == {
        "stays.unit": {"medicine": ["cardio", "pneumo"], "surgery": ["ortho", "visceral"]}
    }
    # Without the steward's groups, the unit has to go.
    plain = assess_events([stays(rows)], classes, "patient", 1, 5, 0.0)
    assert plain is not None
    assert plain.record["attribute_levels"] == {"stays.unit": "*"}


def test_a_value_the_groups_do_not_list_is_published_as_other() -> None:
    values = pa.array(["cardio", "new-unit", None, "ortho"])
    published = steward_groups(values, {"cardio": "medicine", "ortho": "surgery"})
    assert published.to_pylist() == ["medicine", "other", None, "surgery"]
    levels = EventLevels("*", {"s.unit": "steward_group"}, {}, frozenset({"s.unit"}))
    assert levels.information_loss() == pytest.approx((1 + 2 / 3) / 2)


def test_no_transformation_within_the_cap_is_a_refusal() -> None:
    rows = [(f"p{i}", date(2024, 3, 4), "cardio") for i in range(3)]
    # k larger than the class: nothing but the person step could help.
    assert assess_events([stays(rows)], {"p0": "a", "p1": "a", "p2": "a"}, "patient", 1, 5) is None


def brute_force_smallest(classes: dict, events: dict, events_known: int) -> dict:
    """The definition, written plainly: for each patient and each sub-multiset of up to
    L of their labels, the patients of their class holding it; the smallest."""
    from collections import Counter
    from itertools import combinations

    def holds(patient: str, subset: tuple[str, ...]) -> bool:
        have = Counter(events.get(patient, ()))
        return all(have[label] >= count for label, count in Counter(subset).items())

    smallest = {}
    for patient, person_class in classes.items():
        peers = [p for p, c in classes.items() if c == person_class]
        labels = sorted(events.get(patient, ()))
        sizes = [len(peers)]
        for size in range(1, min(events_known, len(labels)) + 1):
            for subset in set(combinations(labels, size)):
                sizes.append(sum(holds(p, subset) for p in peers))
        smallest[patient] = min(sizes)
    return smallest


@pytest.mark.parametrize("events_known", [1, 2, 3])
def test_the_vectorised_supports_match_the_definition(events_known: int) -> None:
    import numpy as np

    rng = np.random.default_rng(events_known)
    classes = {f"p{i}": f"c{rng.integers(3)}" for i in range(40)}
    events = {
        patient: [f"l{rng.integers(5)}" for _ in range(rng.integers(0, 6))] for patient in classes
    }
    supports = patient_supports(classes, events, events_known)
    assert supports.smallest == brute_force_smallest(classes, events, events_known)


def test_a_point_coding_every_table_as_a_refused_one_is_refused_without_a_second_suppression(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    from anonymization import event_search

    # 24 patients, each with two stays on one day in two of four units: every unit has
    # twelve stays (none is rare, so grouping rare units codes them as they are), but each
    # pair of units is held by four patients, below k = 5, and the cap forbids suppressing.
    units = ["cardio", "pneumo", "ortho", "visceral"]
    pairs = [(a, b) for a in range(4) for b in range(a + 1, 4)]
    rows = [(f"p{i}", date(2024, 3, 4), units[u]) for i in range(24) for u in pairs[i % 6]]
    patients = pa.array([f"p{i}" for i in range(24)])
    search = event_search.EventSearch([stays(rows)], patients, "patient", 2, 5, 0.05)
    node = {
        (search.nodes[n].date_level, search.nodes[n].attribute_levels["stays.unit"]): n
        for n in range(len(search.nodes))
    }
    suppressions: list[int] = []
    suppress = event_search.suppress_until_k

    def counted(*arguments: Any) -> Any:
        suppressions.append(1)
        return suppress(*arguments)

    monkeypatch.setattr(event_search, "suppress_until_k", counted)
    one_class = np.zeros(24, dtype=np.int64)
    assert search.assess(node[("day", "value")], one_class, option=0) is None
    assert len(suppressions) == 1
    # Grouping rare units groups nothing here: the same release, not suppressed again.
    assert search.assess(node[("day", "grouped")], one_class, option=0) is None
    assert len(suppressions) == 1
    # Other person classes (another option) are assessed anew.
    assert search.assess(node[("day", "grouped")], one_class, option=1) is None
    assert len(suppressions) == 2
    # A coarser coding is assessed: the unit removed leaves one label, held by everyone.
    assert search.assess(node[("day", "*")], one_class, option=0) is not None


def random_stays(seed: int) -> tuple[KnownEvents, dict[str, str]]:
    import random

    generator = random.Random(seed)
    units = ["cardio", "pneumo", "ortho", "visceral", "neuro"]
    rows = [
        (
            f"p{patient}",
            date(2024, 1, 1) + timedelta(days=generator.randrange(120)),
            generator.choice(units[: 2 + seed % 4]),
        )
        for patient in range(80)
        for _ in range(generator.randrange(1, 4))
    ]
    classes = {f"p{patient}": generator.choice("ab") for patient in range(80)}
    return stays(rows), classes


def test_a_found_release_tightens_the_budget_without_changing_the_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from anonymization import event_search

    budget_to_beat = event_search.EventSearch.budget_to_beat
    tightened_budgets: list[int] = []

    def watched(self: event_search.EventSearch, *arguments: Any) -> int:
        budget = budget_to_beat(self, *arguments)
        if budget < self.budget:
            tightened_budgets.append(budget)
        return budget

    def full_cap(self: event_search.EventSearch, *arguments: Any) -> int:
        return self.budget

    for seed in range(8):
        known, classes = random_stays(seed)
        monkeypatch.setattr(event_search.EventSearch, "budget_to_beat", watched)
        tightened = assess_events([known], classes, "patient", 2, 3, 0.2)
        monkeypatch.setattr(event_search.EventSearch, "budget_to_beat", full_cap)
        untightened = assess_events([known], classes, "patient", 2, 3, 0.2)
        assert (tightened is None) == (untightened is None)
        if tightened is not None and untightened is not None:
            assert tightened.record == {
                **untightened.record,
                "lattice_points_tried": tightened.record["lattice_points_tried"],
            }
            assert tightened.suppressed == untightened.suppressed
    # The releases do make the search tighten its budget (else this proves nothing).
    assert tightened_budgets


def test_the_budget_to_beat_is_the_most_suppression_that_still_loses_less() -> None:
    from anonymization import event_search

    known, _ = random_stays(3)
    patients = pa.array(sorted({str(p) for p in known.rows.column("patient").to_pylist()}))
    search = event_search.EventSearch([known], patients, "patient", 2, 3, 0.5)
    total = known.rows.num_rows
    node = next(n for n in range(len(search.nodes)) if 0 < search.nodes[n].information_loss() < 1)
    level_loss = search.nodes[node].information_loss()

    def combined(suppressed: int) -> float:
        return (0.2 + event_search._events_loss(level_loss, suppressed, total)) / 2

    best = combined(10) + 1e-9  # ten events lose a hair less than the best
    assert search.budget_to_beat(node, 0.2, best) == 10
    assert search.budget_to_beat(node, 0.2, combined(0)) == -1  # not even with none
    assert search.budget_to_beat(node, 0.2, 1.0) == search.budget  # the cap still holds
