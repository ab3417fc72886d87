"""The event gate wired to the writer and to the published files
(`transforms.event_release`)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymization.event_dates import StayBands
from anonymization.event_levels import EventLevels, KnownEvents
from sovex.model.catalog import ColumnSpec, Role, StaySpec, TableSpec
from sovex.model.errors import GateFailed
from transforms.event_release import EventRelease, assess_with_person_levels
from transforms.published_event_risk import (
    PublishedFiles,
    verify_published,
    verify_with_earlier,
)

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
        index_file=tmp_path / "index.parquet",
    )
    assert events["patients_below_k"] == 0
    # Years single people out: the person levels were coarsened with the events.
    assert record["generalisation"]["birth_date"] != "year"
    assert events["person_levels_coarsened"] is True

    release = EventRelease.from_record(
        events, STAYS, ["pid", "admitted", "unit"], suppressed_file, tmp_path / "index.parquet"
    )
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
    ids = published.column("pid").combine_chunks()
    columns = release.published(
        ids,
        {name: published.column(name).combine_chunks() for name in ("admitted", "unit")},
    )
    published = pa.table({"pid": ids, **columns})
    persons = pa.table(
        {
            "pid": view.column("pid"),
            "birth_date": pa.array([record["generalisation"]["birth_date"]] * 20),
        }
    )
    pq.write_table(published, tmp_path / "stays.parquet")
    pq.write_table(persons, tmp_path / "persons.parquet")
    files = PublishedFiles(
        person_parts=[tmp_path / "persons.parquet"],
        quasi_identifiers=["birth_date"],
        event_parts={"stays": [tmp_path / "stays.parquet"]},
        known={"stays": ["admitted", "unit"]},
    )
    measured = verify_published(files, "pid", events_known=2, k=5)
    assert measured["patients_below_k"] == 0
    assert measured["max_prosecutor_risk"] <= events["max_prosecutor_risk"]


def test_the_writer_publishes_units_in_the_groups_the_assessment_used(tmp_path: Path) -> None:
    record = {
        "date_granularity": "month",
        "attribute_levels": {"stays.unit": "steward_group"},
        "kept_categories": {},
        "steward_groups": {"stays.unit": {"medicine": ["cardio"], "cancer care": ["oncology"]}},
    }
    pq.write_table(pa.table({"pair": pa.array([], type=pa.string())}), tmp_path / "none.parquet")
    # The assessment's groups are applied, not the catalog's (which has none here).
    release = EventRelease.from_record(
        record,
        STAYS,
        ["pid", "admitted", "unit"],
        tmp_path / "none.parquet",
        tmp_path / "index.parquet",
    )
    units = release.published(
        pa.array(["p1", "p2", "p3", "p4"]),
        {
            "admitted": pa.array([date(2024, 1, 1)] * 4),
            "unit": pa.array(["oncology", "cardio", "dermato", None]),
        },
    )["unit"]
    assert units.to_pylist() == ["cancer care", "medicine", "other", None]


STAY_TABLE = TableSpec(
    "stays",
    {
        "pid": ColumnSpec("pid", Role.PERSON_ID),
        "admitted": ColumnSpec("admitted", Role.EVENT_DATE),
        "discharged": ColumnSpec("discharged", Role.EVENT_DATE),
        "unit": ColumnSpec("unit", Role.ATTRIBUTE),
    },
    adversary_knows=("admitted", "discharged", "unit"),
    date_families=("since_index",),
    stay=StaySpec("admitted", "discharged", ((1, 3, 7, 14, 30), (3, 14))),
)


def test_the_writer_publishes_the_time_since_the_index_and_bands_as_assessed(
    tmp_path: Path,
) -> None:
    """Twenty patients with two stays each in cardiology, at different calendar dates
    but the same intervals, and lengths of 2 and 3 days; the catalog offers only the
    since-index family. The assessment chooses a since-index level; the writer, given the
    record, the suppressed events and the index file, publishes offsets (whole numbers)
    and the stay's end as planned, and the risk measured on what it wrote is the plan's."""
    ids = [f"p{i:02d}" for i in range(20)]
    view = pa.table({"pid": ids, "birth_date": pa.array([date(1950, 1, 1)] * 20)})
    start = [date(2020, 1, 1) + timedelta(days=37 * i) for i in range(20)]
    rows = pa.table(
        {
            "pid": ids * 2,
            "admitted": start + [day + timedelta(days=20 + i % 2) for i, day in enumerate(start)],
            "discharged": [day + timedelta(days=2) for day in start]
            + [day + timedelta(days=23 + i % 3) for i, day in enumerate(start)],
            "unit": ["cardio"] * 40,
        }
    )
    stays = KnownEvents(
        "stays",
        rows,
        ("admitted", "discharged"),
        ("unit",),
        families=("since_index",),
        stay=StayBands("admitted", "discharged", ((1, 3, 7, 14, 30), (3, 14))),
    )
    suppressed_file = tmp_path / "suppressed.parquet"
    record = {"generalisation": {"birth_date": "year"}}
    events = assess_with_person_levels(
        [stays],
        view,
        "pid",
        {"birth_date": "birth_date"},
        {"birth_date": "year"},
        record,
        events_known=2,
        k=5,
        max_event_suppression=0.0,
        suppressed_file=suppressed_file,
        index_file=tmp_path / "index.parquet",
    )
    assert events["date_granularity"] in {"days_since_index", "weeks_since_index"}
    assert (tmp_path / "index.parquet").is_file()

    requested = ["pid", "admitted", "discharged", "unit"]
    release = EventRelease.from_record(
        events, STAY_TABLE, requested, suppressed_file, tmp_path / "index.parquet"
    )
    assert release.output_type("admitted") == pa.int32()
    ids_column = rows.column("pid").combine_chunks()
    columns = release.published(
        ids_column,
        {name: rows.column(name).combine_chunks() for name in requested[1:]},
    )
    published = pa.table({"pid": ids_column, **columns})
    # The first stay of everyone is at 0; their second 2 or 3 weeks or 20-21 days later.
    firsts = published.column("admitted").to_pylist()[:20]
    assert firsts == [0] * 20
    end = events["stay_levels"]["stays"]
    if end == "dates":
        assert pa.types.is_integer(published.schema.field("discharged").type)
    else:
        assert set(published.column("discharged").to_pylist()) <= {"1-2", "3-6", "0-2", "3-13"}
    pq.write_table(published, tmp_path / "stays.parquet")
    pq.write_table(
        pa.table({"pid": ids, "birth_date": ["1950"] * 20}), tmp_path / "persons.parquet"
    )
    files = PublishedFiles(
        person_parts=[tmp_path / "persons.parquet"],
        quasi_identifiers=["birth_date"],
        event_parts={"stays": [tmp_path / "stays.parquet"]},
        known={"stays": ["admitted", "discharged", "unit"]},
    )
    measured = verify_published(files, "pid", events_known=2, k=5)
    assert measured["patients_below_k"] == 0
    assert measured["max_prosecutor_risk"] == events["max_prosecutor_risk"]


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
            index_file=tmp_path / "index.parquet",
        )
    assert not (tmp_path / "suppressed.parquet").exists()


def test_earlier_extracts_of_the_project_are_assessed_with_this_one(tmp_path: Path) -> None:
    """Two extracts of one project share pseudonyms: each is safe alone, but stays in two
    periods together single people out."""
    ids = [f"p{i}" for i in range(10)]
    persons = pa.table({"pid": ids, "sex": ["F"] * 10})
    pq.write_table(persons, tmp_path / "persons.parquet")
    # Period 1: five in cardiology, five in neurology; period 2: the same split, shifted
    # by one patient, so each (period-1 unit, period-2 unit) pair is rare.
    first = pa.table({"pid": ids, "unit": ["cardio"] * 5 + ["neuro"] * 5})
    second = pa.table({"pid": ids, "unit": ["cardio"] * 4 + ["neuro"] * 5 + ["cardio"]})
    pq.write_table(first, tmp_path / "first.parquet")
    pq.write_table(second, tmp_path / "second.parquet")

    def files(stays: str, period: tuple[str, str]) -> PublishedFiles:
        return PublishedFiles(
            [tmp_path / "persons.parquet"],
            ["sex"],
            {"stays": [tmp_path / stays]},
            {"stays": ["unit"]},
            period,
        )

    second = files("second.parquet", ("2025-01-01", "2025-12-31"))
    first = files("first.parquet", ("2024-01-01", "2024-12-31"))
    assert verify_published(second, "pid", 2, 5)["patients_below_k"] == 0
    union = verify_with_earlier(second, [first], "pid", 2, 5)
    assert union["earlier_extracts"] == 1
    assert union["patients_below_k"] > 0
    alone = verify_with_earlier(second, [], "pid", 2, 5)
    assert alone["patients_below_k"] == 0


def test_a_rerun_of_the_same_period_adds_no_risk_and_the_departed_are_not_its_risk(
    tmp_path: Path,
) -> None:
    """The same stays published again (a rerun after one withdrawal and one newcomer)
    count once, not twice; the patient who left is in the earlier extract only and not
    this run's risk; at the same person levels the newcomer is not singled out by being
    absent from the earlier extract."""
    first_ids = [f"p{i}" for i in range(11)]
    second_ids = [*first_ids[:10], "p11"]
    # Five pairs of patients with the same stay; p10's stay is their own; p11 joins p0's.
    units = {f"p{i}": f"unit-{i // 2}" for i in range(10)} | {"p10": "alone", "p11": "unit-0"}
    for run, ids in ((1, first_ids), (2, second_ids)):
        persons = pa.table({"pid": ids, "sex": ["F"] * len(ids)})
        pq.write_table(persons, tmp_path / f"persons-{run}.parquet")
        stays = pa.table({"pid": ids, "unit": [units[i] for i in ids]})
        pq.write_table(stays, tmp_path / f"stays-{run}.parquet")

    def files(run: int, levels: dict[str, str]) -> PublishedFiles:
        return PublishedFiles(
            [tmp_path / f"persons-{run}.parquet"],
            ["sex"],
            {"stays": [tmp_path / f"stays-{run}.parquet"]},
            {"stays": ["unit"]},
            ("2024-01-01", "2024-12-31"),
            levels,
        )

    same = {"sex": "sex"}
    alone = verify_with_earlier(files(2, same), [], "pid", 1, 2)
    union = verify_with_earlier(files(2, same), [files(1, same)], "pid", 1, 2)
    assert union["patients"] == alone["patients"] == 11
    assert union["patients_below_k"] == alone["patients_below_k"] == 0
    assert union["max_prosecutor_risk"] == alone["max_prosecutor_risk"] == 0.5
    # Levels unknown: the classes are split by extract, and the newcomer stands alone.
    unknown = verify_with_earlier(files(2, {}), [files(1, {})], "pid", 1, 2)
    assert unknown["patients_singled_out"] == 1


def test_extracts_of_disjoint_periods_add_their_events_up(tmp_path: Path) -> None:
    """Six patients in cardiology in one year, one of them again the next: two stays in
    cardiology are that patient's alone, unless the two extracts cover the same time."""
    ids = [f"p{i}" for i in range(6)]
    pq.write_table(pa.table({"pid": ids, "sex": ["F"] * 6}), tmp_path / "persons.parquet")
    pq.write_table(pa.table({"pid": ids, "unit": ["cardio"] * 6}), tmp_path / "year-1.parquet")
    pq.write_table(pa.table({"pid": ["p0"], "unit": ["cardio"]}), tmp_path / "year-2.parquet")

    def files(name: str, period: tuple[str, str]) -> PublishedFiles:
        return PublishedFiles(
            [tmp_path / "persons.parquet"],
            ["sex"],
            {"stays": [tmp_path / name]},
            {"stays": ["unit"]},
            period,
        )

    year_1 = files("year-1.parquet", ("2024-01-01", "2024-12-31"))
    year_2 = files("year-2.parquet", ("2025-01-01", "2025-12-31"))
    assert verify_with_earlier(year_2, [year_1], "pid", 2, 2)["patients_singled_out"] == 1
    rerun = files("year-2.parquet", ("2024-06-01", "2025-05-31"))
    assert verify_with_earlier(rerun, [year_1], "pid", 2, 2)["patients_singled_out"] == 0


def _release(date_level: str, end_level: str) -> EventRelease:
    stay = StayBands("admitted", "discharged", ((1, 3, 7), (3,)))
    levels = EventLevels(date_level, {}, {}, frozenset(), {"stays": end_level}, {"stays": stay})
    return EventRelease(
        "stays", levels, ("admitted", "discharged"), (), pa.array([], pa.string()), stay=stay
    )


@pytest.mark.parametrize(
    ("date_level", "end_level", "of", "expected"),
    [
        ("month", "dates", "admitted", date(2024, 3, 1)),
        ("month", "dates", "discharged", date(2024, 3, 1)),
        ("month", "los_band_1", "admitted", date(2024, 3, 1)),
        # The end published as a band: no calendar date of it, so nothing derived from it.
        ("month", "los_band_1", "discharged", None),
        # The dates as the time since the release's own index: no calendar date at all.
        ("days_since_index", "dates", "admitted", None),
        ("weeks_since_index", "los_band_2", "admitted", None),
    ],
)
def test_values_derived_from_a_date_follow_its_published_level(
    date_level: str, end_level: str, of: str, expected: date | None
) -> None:
    """Age at an event and days since the cohort's index (issue 21) say no more than the
    published date they come from (issue 16's levels): truncated with a calendar level,
    empty where the date is published as the time since the index or as a band."""
    truncate = _release(date_level, end_level).date_truncation(of)
    assert truncate(pa.array([date(2024, 3, 17)])).to_pylist() == [expected]


def test_the_writer_leaves_cohort_derived_columns_empty_with_dates_since_the_index(
    tmp_path: Path,
) -> None:
    """Both sides' index dates in one table: the stays' dates published as days since the
    release's index (each patient's first stay: issue 16) and a derived days-since-index
    column counting from the cohort's index (issue 21). The dates are offsets from the
    release's own index; the derived column, with no calendar date published, is empty."""
    from anonymization.pseudonyms import patient_keys
    from transforms.extract import DerivedInputs, extract_table
    from transforms.source import ParquetSource

    source_dir = tmp_path / "source"
    source_dir.mkdir()
    pq.write_table(
        pa.table(
            {
                "pid": ["a", "a", "b"],
                "admitted": [date(2024, 3, 1), date(2024, 3, 11), date(2024, 5, 2)],
            }
        ),
        source_dir / "stays.parquet",
    )
    spec = TableSpec(
        "stays",
        {
            "pid": ColumnSpec("pid", Role.PERSON_ID),
            "admitted": ColumnSpec("admitted", Role.EVENT_DATE),
            "since": ColumnSpec("since", Role.DAYS_SINCE_INDEX, of="admitted"),
        },
        adversary_knows=("admitted",),
        date_families=("since_index",),
    )
    key = b"k" * 32
    keys = patient_keys(key, pa.array(["a", "b"]))
    shifts = dict(zip(keys.ids.to_pylist(), keys.shifts.to_pylist(), strict=True))
    # The release's index: each patient's first stay, shifted (as the assessment writes it).
    index = pa.table(
        {
            "patient": ["a", "b"],
            "index_date": [
                date(2024, 3, 1) + timedelta(days=shifts["a"]),
                date(2024, 5, 2) + timedelta(days=shifts["b"]),
            ],
        }
    )
    release = EventRelease(
        "stays",
        EventLevels("days_since_index", {}),
        ("admitted",),
        (),
        pa.array([], pa.string()),
        index=index,
    )
    # The cohort's index: another day (source dates), 5 days before each first stay.
    cohort_index = pa.array(
        [date(2024, 2, 25) if i == "a" else date(2024, 4, 27) for i in keys.ids.to_pylist()]
    )

    def extracted(event_release: EventRelease, folder: str) -> pa.Table:
        [part] = extract_table(
            source=ParquetSource(source_dir),
            table=spec,
            person_id_column="pid",
            columns=["pid", "admitted", "since"],
            included_ids=pa.array(["a", "b"]),
            period=(date(2024, 1, 1), date(2024, 12, 31)),
            project_key=key,
            out_dir=tmp_path / folder,
            keys=keys,
            event_release=event_release,
            derived=DerivedInputs(index_dates=cohort_index),
        )
        return pq.read_table(part.path)

    written = extracted(release, "out")
    assert written.schema.field("admitted").type == pa.int32()
    assert sorted(written.column("admitted").to_pylist()) == [0, 0, 10]
    assert written.column("since").to_pylist() == [None, None, None]

    # With calendar dates (by month), the derived column counts from the cohort's index.
    calendar = dataclasses.replace(release, levels=EventLevels("month", {}), index=None)
    written = extracted(calendar, "calendar")
    assert written.schema.field("admitted").type == pa.date32()
    assert all(isinstance(days, int) for days in written.column("since").to_pylist())


def test_the_known_events_of_several_tables_are_read_while_the_shifts_are_derived(
    tmp_path: Path,
) -> None:
    """`read_known_tables` (reading in a second thread) gives each table's known events
    as reading them one by one after the shifts does: only the patients given, within the
    period, dates shifted; a table with no row in the period is empty, not an error."""
    from anonymization.pseudonyms import patient_shifts
    from sovex.model.catalog import SourceCatalog
    from transforms.event_release import read_known_events, read_known_tables
    from transforms.source import ParquetSource

    source_dir = tmp_path / "source"
    source_dir.mkdir()
    pq.write_table(
        pa.table(
            {
                "pid": ["a", "b", "c", "a"],
                "admitted": [
                    date(2024, 3, 1),
                    date(2024, 3, 2),
                    date(2024, 3, 3),
                    date(2019, 1, 1),
                ],
                "unit": ["cardio", "ortho", "cardio", "neuro"],
            }
        ),
        source_dir / "stays.parquet",
    )
    pq.write_table(
        pa.table({"pid": ["a"], "noted": [date(2020, 6, 1)]}), source_dir / "notes.parquet"
    )
    pq.write_table(pa.table({"pid": ["a", "b", "c"]}), source_dir / "people.parquet")
    stays = TableSpec(
        "stays",
        {
            "pid": ColumnSpec("pid", Role.PERSON_ID),
            "admitted": ColumnSpec("admitted", Role.EVENT_DATE),
            "unit": ColumnSpec("unit", Role.ATTRIBUTE),
        },
        adversary_knows=("admitted", "unit"),
    )
    notes = TableSpec(
        "notes",
        {"pid": ColumnSpec("pid", Role.PERSON_ID), "noted": ColumnSpec("noted", Role.EVENT_DATE)},
        adversary_knows=("noted",),
    )
    people = TableSpec("people", {"pid": ColumnSpec("pid", Role.PERSON_ID)})
    catalog = SourceCatalog(
        source="test",
        path=source_dir,
        person_id_column="pid",
        person_table="people",
        consent_table="people",
        tables={"stays": stays, "notes": notes, "people": people},
    )
    source = ParquetSource(source_dir)
    requested = {"stays": ["pid", "admitted", "unit"], "notes": ["pid", "noted"]}
    period = (date(2024, 1, 1), date(2024, 12, 31))
    key = b"k" * 32
    patients = pa.array(["a", "b"])

    stays_known, notes_known = read_known_tables(source, catalog, requested, key, patients, period)

    keys = patient_shifts(key, patients)
    shift = dict(zip(keys.ids.to_pylist(), keys.shifts.to_pylist(), strict=True))
    assert stays_known.rows.to_pylist() == [
        {"pid": "a", "admitted": date(2024, 3, 1) + timedelta(days=shift["a"]), "unit": "cardio"},
        {"pid": "b", "admitted": date(2024, 3, 2) + timedelta(days=shift["b"]), "unit": "ortho"},
    ]
    assert notes_known.rows.num_rows == 0
    one_by_one = [
        read_known_events(source, catalog, t, requested[t], keys, period) for t in requested
    ]
    assert [k.rows for k in one_by_one] == [stays_known.rows, notes_known.rows]
