"""Dates as the time since the patient's index date and a stay's end as a length-of-stay
band (`anonymization.event_dates`), as levels of the event lattice (issue 16)."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
import pytest

from anonymization.event_dates import (
    SINCE_INDEX_LEVELS,
    StayBands,
    date_loss,
    index_dates,
    los_bands,
    since_index,
)
from anonymization.event_levels import (
    KnownEvents,
    date_levels,
    finest_levels,
    lattice,
    published_values,
    with_derived,
)
from anonymization.event_search import assess_events

STAY = StayBands("admitted", "discharged", ((1, 3, 7, 14, 30), (3, 14)))


def test_time_since_the_index_counts_whole_days_weeks_and_months() -> None:
    days = pa.array([0, 6, 7, 30, 31, 60, 61, None], type=pa.int32())
    assert since_index(days, "days_since_index").to_pylist() == [0, 6, 7, 30, 31, 60, 61, None]
    assert since_index(days, "weeks_since_index").to_pylist() == [0, 0, 1, 4, 4, 8, 8, None]
    # A month is 30.4375 days: day 30 is still month 0, day 61 month 2.
    assert since_index(days, "months_since_index").to_pylist() == [0, 0, 0, 0, 1, 1, 2, None]


def test_lengths_of_stay_fall_in_the_catalog_bands() -> None:
    days = pa.array([0, 1, 2, 3, 13, 14, 29, 30, 400, -1, None])
    assert los_bands(days, (1, 3, 7, 14, 30)).to_pylist() == [
        "0",
        "1-2",
        "1-2",
        "3-6",
        "7-13",
        "14-29",
        "14-29",
        "30+",
        "30+",
        "<0",
        None,
    ]
    assert los_bands(days, (3, 14)).to_pylist()[:6] == ["0-2", "0-2", "0-2", "3-13", "3-13", "14+"]


def stays(shift_days: int = 0) -> KnownEvents:
    """Three patients; p2's stays are p1's a year later. Every date moved by
    `shift_days` for p1 (as a per-patient shift does)."""
    shift = timedelta(days=shift_days)
    first = date(2024, 1, 10)
    rows = pa.table(
        {
            "pid": ["p1", "p1", "p2", "p2", "p3"],
            "admitted": [
                first + shift,
                first + timedelta(days=40) + shift,
                first + timedelta(days=366),
                first + timedelta(days=406),
                date(2024, 5, 5),
            ],
            "discharged": [
                first + timedelta(days=2) + shift,
                first + timedelta(days=49) + shift,
                first + timedelta(days=368),
                first + timedelta(days=415),
                None,
            ],
            "unit": ["cardio", "cardio", "cardio", "cardio", "onco"],
        }
    )
    return KnownEvents(
        "stays",
        rows,
        ("admitted", "discharged"),
        ("unit",),
        families=("calendar", "since_index"),
        stay=STAY,
    )


def published_at(events: KnownEvents, date_level: str, end_level: str) -> dict[str, list]:
    index = index_dates([(events.rows, events.date_columns)], "pid")
    derived = with_derived(events, "pid", index)
    levels = next(
        node
        for node in lattice([derived])
        if node.date_level == date_level
        and node.stay_levels["stays"] == end_level
        and node.attribute_levels["stays.unit"] == "value"
    )
    return {name: values.to_pylist() for name, values in published_values(derived, levels).items()}


def test_the_index_is_each_patients_first_event() -> None:
    events = stays()
    index = index_dates([(events.rows, events.date_columns)], "pid").to_pylist()
    assert sorted((row["pid"], row["index_date"]) for row in index) == [
        ("p1", date(2024, 1, 10)),
        ("p2", date(2025, 1, 10)),
        ("p3", date(2024, 5, 5)),
    ]


def test_time_since_the_index_hides_when_and_keeps_the_intervals() -> None:
    """p1 and p2 had the same stays a year apart: as days since the index they are
    published alike, whatever the shift."""
    published = published_at(stays(), "days_since_index", "dates")
    assert published["admitted"] == [0, 40, 0, 40, 0]
    assert published["discharged"] == [2, 49, 2, 49, None]
    assert published_at(stays(shift_days=-150), "days_since_index", "dates") == published
    assert published_at(stays(), "weeks_since_index", "dates")["discharged"] == [0, 7, 0, 7, None]


def test_a_stays_end_as_a_band_publishes_its_length_not_its_date() -> None:
    published = published_at(stays(), "month", "los_band_1")
    assert published["admitted"] == [
        date(2024, 1, 1),
        date(2024, 2, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2024, 5, 1),
    ]
    assert published["discharged"] == ["1-2", "7-13", "1-2", "7-13", None]
    assert published_at(stays(), "*", "los_band_2")["discharged"] == [
        "0-2",
        "3-13",
        "0-2",
        "3-13",
        None,
    ]


def test_the_lattice_offers_the_families_every_dated_table_declares() -> None:
    both = stays()
    calendar_only = KnownEvents(
        "codes", pa.table({"pid": ["p1"], "day": [date(2024, 1, 1)]}), ("day",), ()
    )
    assert set(SINCE_INDEX_LEVELS) <= set(date_levels([both]))
    assert not set(SINCE_INDEX_LEVELS) & set(date_levels([both, calendar_only]))
    since_only = KnownEvents(
        "codes",
        pa.table({"pid": ["p1"], "day": [date(2024, 1, 1)]}),
        ("day",),
        (),
        families=("since_index",),
    )
    assert date_levels([both, since_only]) == (*SINCE_INDEX_LEVELS, "*")
    # Dates alone lose more as time since the index than as calendar days, less than weeks.
    assert date_loss("day") < date_loss("days_since_index") < date_loss("week")
    nodes = lattice([both])
    assert {node.stay_levels["stays"] for node in nodes} == {"dates", "los_band_1", "los_band_2"}
    assert nodes[0] == finest_levels([both])
    # A band loses less than removing the end with the dates; more than the exact day.
    removed = [n for n in nodes if n.date_level == "*" and n.attribute_levels["stays.unit"] == "*"]
    by_end = {n.stay_levels["stays"]: n.information_loss() for n in removed}
    assert by_end["los_band_1"] < by_end["los_band_2"] < by_end["dates"] == 1.0


@pytest.mark.parametrize("families", [("since_index",), ("calendar",)])
def test_the_search_reaches_k_with_the_families_the_catalog_offers(
    families: tuple[str, ...],
) -> None:
    """Twenty patients, each with two stays 10 days apart in cardiology, in different
    months: as calendar dates each is alone in their month pair; since the index they are
    all alike (0 and 10). With the since-index family the search finds it at the day;
    with calendar dates only it has to remove the dates."""
    ids = [f"p{i:02d}" for i in range(20)]
    admitted = [date(2020, 1, 1) + timedelta(days=45 * i) for i in range(20)]
    rows = pa.table(
        {
            "pid": ids * 2,
            "admitted": admitted + [day + timedelta(days=10) for day in admitted],
            "discharged": [day + timedelta(days=2) for day in admitted]
            + [day + timedelta(days=13) for day in admitted],
            "unit": ["cardio"] * 40,
        }
    )
    events = KnownEvents(
        "stays", rows, ("admitted", "discharged"), ("unit",), families=families, stay=STAY
    )
    index = index_dates([(events.rows, events.date_columns)], "pid")
    derived = with_derived(events, "pid", index)
    found = assess_events([derived], dict.fromkeys(ids, "one class"), "pid", 2, 5, 0.0)
    assert found is not None
    if families == ("since_index",):
        assert found.record["date_granularity"] == "days_since_index"
        assert found.record["stay_levels"] == {"stays": "dates"}
    else:
        assert found.record["date_granularity"] == "*"
    assert found.record["patients_below_k"] == 0
