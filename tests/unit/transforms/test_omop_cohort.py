"""Cohorts by concept on a small OMOP source written here: descendants, all_of / any_of,
the window, the index date and age at index."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sovex.model.catalog import load_catalog
from sovex.model.criteria import AgeAtIndex, CriteriaGroup
from sovex.model.errors import ConfigurationError
from sovex.model.request import Period
from sovex.model.settings import PROJECT_ROOT
from transforms.concept_cohort import age_in_years, select_by_concepts
from transforms.source import ParquetSource
from transforms.vocabulary import load_bundled, vocabulary_for

CATALOG = load_catalog(PROJECT_ROOT / "infra" / "catalogs" / "omop.yaml")
BUNDLED = load_bundled(PROJECT_ROOT / "infra" / "catalogs" / "vocabulary" / "omop-demo.yaml")
HEART_FAILURE, SYSTOLIC_HEART_FAILURE, ASTHMA = 316139, 443580, 317009
FUROSEMIDE = 956874
PERIOD = Period(start=date(2020, 1, 1), end=date(2025, 12, 31))

# person_id → year of birth
BIRTHS = {1: 1950, 2: 1950, 3: 1960, 4: 1960, 5: 1990, 6: 1940}
# (person_id, concept, date)
CONDITIONS = [
    (1, HEART_FAILURE, date(2021, 3, 1)),
    (1, HEART_FAILURE, date(2022, 3, 1)),
    # Coded with a grandchild of heart failure only (systolic < congestive < heart failure).
    (2, SYSTOLIC_HEART_FAILURE, date(2021, 5, 1)),
    # 64 on 30 June 2025 (birth year 1960 taken as 1 July 1960), 65 the next day.
    (3, HEART_FAILURE, date(2025, 6, 30)),
    (4, HEART_FAILURE, date(2025, 7, 1)),
    (5, ASTHMA, date(2021, 1, 1)),
    # Outside the period.
    (6, HEART_FAILURE, date(2019, 12, 31)),
]
DRUGS = [(1, FUROSEMIDE, date(2023, 1, 1)), (5, FUROSEMIDE, date(2020, 6, 1))]


def _write(directory: Path, name: str, table: pa.Table) -> None:
    pq.write_table(table, directory / f"{name}.parquet")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> ParquetSource:
    directory = tmp_path_factory.mktemp("omop")
    _write(
        directory,
        "person",
        pa.table(
            {
                "person_id": pa.array(list(BIRTHS), pa.int64()),
                "year_of_birth": pa.array(list(BIRTHS.values()), pa.int32()),
            }
        ),
    )
    _write(
        directory,
        "condition_occurrence",
        pa.table(
            {
                "person_id": pa.array([r[0] for r in CONDITIONS], pa.int64()),
                "condition_concept_id": pa.array([r[1] for r in CONDITIONS], pa.int32()),
                "condition_start_date": pa.array([r[2] for r in CONDITIONS], pa.date32()),
            }
        ),
    )
    _write(
        directory,
        "drug_exposure",
        pa.table(
            {
                "person_id": pa.array([r[0] for r in DRUGS], pa.int64()),
                "drug_concept_id": pa.array([r[1] for r in DRUGS], pa.int32()),
                "drug_exposure_start_date": pa.array([r[2] for r in DRUGS], pa.date32()),
            }
        ),
    )
    return ParquetSource(directory)


def condition(*concepts: int, descendants: bool = True) -> dict[str, object]:
    return {
        "table": "condition_occurrence",
        "concept_ids": list(concepts),
        "descendants": descendants,
    }


def drug(*concepts: int) -> dict[str, object]:
    return {"table": "drug_exposure", "concept_ids": list(concepts)}


def members(
    source: ParquetSource,
    group: dict[str, object],
    window: Period = PERIOD,
    age: AgeAtIndex | None = None,
) -> dict[str, date]:
    selected = select_by_concepts(
        source, CATALOG, CriteriaGroup.model_validate(group), BUNDLED, window, age
    )
    return dict(
        zip(
            selected.column("person_id").to_pylist(),
            selected.column("index_date").to_pylist(),
            strict=True,
        )
    )


def test_when_descendants_are_asked_then_a_grandchild_concept_qualifies(
    source: ParquetSource,
) -> None:
    assert "2" in members(source, {"all_of": [condition(HEART_FAILURE)]})


def test_without_descendants_only_the_named_concept_qualifies(source: ParquetSource) -> None:
    found = members(source, {"all_of": [condition(HEART_FAILURE, descendants=False)]})
    assert "2" not in found
    assert "1" in found


def test_events_outside_the_window_do_not_qualify(source: ParquetSource) -> None:
    assert "6" not in members(source, {"all_of": [condition(HEART_FAILURE)]})


def test_a_cohort_window_replaces_the_period_for_the_criteria(source: ParquetSource) -> None:
    window = Period(start=date(2019, 1, 1), end=date(2020, 12, 31))
    assert set(members(source, {"all_of": [condition(HEART_FAILURE)]}, window)) == {"6"}


def test_the_index_date_is_the_first_qualifying_event_in_the_window(
    source: ParquetSource,
) -> None:
    assert members(source, {"all_of": [condition(HEART_FAILURE)]})["1"] == date(2021, 3, 1)


def test_all_of_needs_every_criterion_and_dates_from_the_latest_first_event(
    source: ParquetSource,
) -> None:
    found = members(source, {"all_of": [condition(HEART_FAILURE), drug(FUROSEMIDE)]})
    assert found == {"1": date(2023, 1, 1)}


def test_any_of_needs_one_criterion_and_dates_from_the_earliest(source: ParquetSource) -> None:
    found = members(source, {"any_of": [condition(ASTHMA), drug(FUROSEMIDE)]})
    assert found == {"1": date(2023, 1, 1), "5": date(2020, 6, 1)}


def test_groups_nest(source: ParquetSource) -> None:
    found = members(
        source,
        {"all_of": [drug(FUROSEMIDE), {"any_of": [condition(ASTHMA), condition(HEART_FAILURE)]}]},
    )
    assert set(found) == {"1", "5"}


@pytest.mark.parametrize(("minimum", "included"), [(64, {"3", "4"}), (65, {"4"}), (66, set())])
def test_age_at_index_is_in_whole_years_from_the_first_of_july_of_the_birth_year(
    source: ParquetSource, minimum: int, included: set[str]
) -> None:
    found = members(source, {"all_of": [condition(HEART_FAILURE)]}, age=AgeAtIndex(min=minimum))
    assert set(found) & {"3", "4"} == included


def test_age_in_years_counts_a_birthday_on_the_day() -> None:
    births = pa.array([date(1960, 3, 15), date(1960, 3, 15)], pa.date32())
    on = pa.array([date(2025, 3, 14), date(2025, 3, 15)], pa.date32())
    assert age_in_years(births, on).to_pylist() == [64, 65]


def test_the_sources_concept_ancestor_table_is_used_instead_of_the_bundled_subset(
    tmp_path: Path, source: ParquetSource
) -> None:
    for name in ("person", "condition_occurrence", "drug_exposure"):
        (tmp_path / f"{name}.parquet").write_bytes(source.table_path(name).read_bytes())
    # This warehouse says asthma descends from heart failure (a test vocabulary).
    _write(
        tmp_path,
        "concept_ancestor",
        pa.table(
            {
                "ancestor_concept_id": pa.array([HEART_FAILURE], pa.int32()),
                "descendant_concept_id": pa.array([ASTHMA], pa.int32()),
            }
        ),
    )
    own = ParquetSource(tmp_path)
    vocabulary = vocabulary_for(own, CATALOG.vocabulary, [HEART_FAILURE])
    assert vocabulary.origin == "source table concept_ancestor"
    assert vocabulary.expand([HEART_FAILURE]) == {HEART_FAILURE, ASTHMA}


def test_without_any_vocabulary_descendants_are_refused(source: ParquetSource) -> None:
    with pytest.raises(ConfigurationError, match="concept_ancestor"):
        vocabulary_for(source, None, [HEART_FAILURE])


def test_the_bundled_subset_expands_transitively() -> None:
    assert SYSTOLIC_HEART_FAILURE in BUNDLED.expand([HEART_FAILURE])
    assert BUNDLED.expand([ASTHMA]) >= {ASTHMA}
    assert HEART_FAILURE not in BUNDLED.expand([ASTHMA])
