"""The event gate wired to the writer and to the published files
(`transforms.event_release`)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymization.event_levels import KnownEvents
from sovex.model.catalog import ColumnSpec, Role, TableSpec
from sovex.model.errors import GateFailed
from transforms.event_release import EventRelease, assess_with_person_levels, verify_published

STAYS = TableSpec(
    "stays",
    {
        "pid": ColumnSpec("pid", Role.PERSON_ID),
        "admitted": ColumnSpec("admitted", Role.EVENT_DATE),
        "unit": ColumnSpec("unit", Role.ATTRIBUTE),
    },
    adversary_knows=("admitted", "unit"),
)


def population() -> tuple[pa.Table, KnownEvents]:
    """Twenty patients born in the 1950s: one stay each in cardiology on nearby days, and
    one patient with a second, unique stay in oncology."""
    ids = [f"p{i:02d}" for i in range(20)]
    view = pa.table(
        {
            "pid": ids,
            "birth_date": pa.array([date(1950 + i % 10, 1, 1) for i in range(20)]),
        }
    )
    rows = pa.table(
        {
            "pid": [*ids, "p00"],
            "admitted": pa.array(
                [date(2024, 3, 1) + timedelta(days=i % 3) for i in range(20)] + [date(2024, 6, 1)]
            ),
            "unit": ["cardio"] * 20 + ["oncology"],
        }
    )
    return view, KnownEvents("stays", rows, ("admitted",), ("unit",))


def test_the_writer_drops_exactly_the_events_the_assessment_suppressed(tmp_path: Path) -> None:
    view, stays = population()
    record = {"generalisation": {"birth_date": "year"}}
    suppressed_file = tmp_path / "suppressed.parquet"
    events = assess_with_person_levels(
        [stays],
        view,
        "pid",
        {"birth_date": "birth_date"},
        {"birth_date": "20y_band"},
        record,
        events_known=2,
        k=5,
        max_event_suppression=0.1,
        suppressed_file=suppressed_file,
    )
    assert events["patients_below_k"] == 0
    # Years single people out: the person levels were coarsened with the events.
    assert record["generalisation"]["birth_date"] != "year"
    assert events["person_levels_coarsened"] is True

    release = EventRelease.from_record(events, STAYS, ["pid", "admitted", "unit"], suppressed_file)
    levels = release.column_levels()
    kept = release.kept_rows(
        stays.rows.column("pid"),
        {"admitted": stays.rows.column("admitted"), "unit": stays.rows.column("unit")},
    )
    # The lone oncology stay goes; the rest keep their unit and their week.
    assert events["suppressed_events"] == 1
    assert kept.to_pylist().count(False) == 1
    assert stays.rows.filter(pa.array([not k for k in kept.to_pylist()]))["unit"].to_pylist() == [
        "oncology"
    ]
    published = stays.rows.filter(kept)
    published = pa.table(
        {
            "pid": published.column("pid"),
            "admitted": levels["admitted"](published.column("admitted").combine_chunks()),
            "unit": levels["unit"](published.column("unit").combine_chunks()),
        }
    )
    persons = pa.table(
        {
            "pid": view.column("pid"),
            "birth_date": pa.array([record["generalisation"]["birth_date"]] * 20),
        }
    )
    pq.write_table(published, tmp_path / "stays.parquet")
    pq.write_table(persons, tmp_path / "persons.parquet")
    measured = verify_published(
        [str(tmp_path / "persons.parquet")],
        ["birth_date"],
        {"stays": [str(tmp_path / "stays.parquet")]},
        {"stays": ["admitted", "unit"]},
        "pid",
        events_known=2,
        k=5,
    )
    assert measured["patients_below_k"] == 0
    assert measured["max_prosecutor_risk"] <= events["max_prosecutor_risk"]


def test_a_bound_nothing_can_meet_is_a_gate_failure(tmp_path: Path) -> None:
    view, stays = population()
    with pytest.raises(GateFailed, match="event risk"):
        assess_with_person_levels(
            [stays],
            view,
            "pid",
            {"birth_date": "birth_date"},
            {"birth_date": "year"},
            {"generalisation": {"birth_date": "year"}},
            events_known=2,
            k=25,
            max_event_suppression=0.0,
            suppressed_file=tmp_path / "suppressed.parquet",
        )
    assert not (tmp_path / "suppressed.parquet").exists()
