"""OMOP requests: cohort criteria by concept, age at index and derived columns, checked
against the OMOP catalog."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sovex.model.errors import InvalidInput
from sovex.model.request import load_request
from sovex.model.settings import PROJECT_ROOT

CATALOGS = PROJECT_ROOT / "infra" / "catalogs"
EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "omop-heart-failure.yaml"


@pytest.fixture
def targets_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "targets"
    directory.mkdir()
    (directory / "local-seaweedfs.yaml").write_text("name: local-seaweedfs\n")
    return directory


def write_request(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text())
    for field, value in changes.items():
        if value is None:
            raw.pop(field, None)
        else:
            raw[field] = value
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def problems_of(path: Path, targets_dir: Path) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        load_request(path, CATALOGS, targets_dir)
    return raised.value.problems


def test_the_bundled_omop_example_is_valid(targets_dir: Path) -> None:
    request = load_request(EXAMPLE, CATALOGS, targets_dir)
    assert request.cohort_criteria is not None
    assert request.age_at_index is not None and request.age_at_index.min == 65
    assert request.criteria_window() == request.period


def test_a_group_lists_its_criteria_under_exactly_one_kind(
    tmp_path: Path, targets_dir: Path
) -> None:
    criterion = {"table": "condition_occurrence", "concept_ids": [316139]}
    path = write_request(tmp_path, cohort_criteria={"all_of": [criterion], "any_of": [criterion]})
    assert any("exactly one of all_of, any_of" in p for p in problems_of(path, targets_dir))


def test_a_criterion_on_a_table_without_concepts_is_refused(
    tmp_path: Path, targets_dir: Path
) -> None:
    path = write_request(
        tmp_path,
        cohort_criteria={"any_of": [{"table": "note", "concept_ids": [1]}]},
    )
    problems = problems_of(path, targets_dir)
    assert any(
        "cohort_criteria.any_of.0.table" in p and "condition_occurrence" in p for p in problems
    )


def test_age_at_index_needs_criteria(tmp_path: Path, targets_dir: Path) -> None:
    path = write_request(tmp_path, cohort_criteria=None)
    assert any("age_at_index needs cohort_criteria" in p for p in problems_of(path, targets_dir))


def test_age_at_an_event_needs_the_birth_among_the_requested_columns(
    tmp_path: Path, targets_dir: Path
) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text())
    tables = raw["tables"]
    tables["person"] = ["person_id", "gender_concept_id"]
    path = write_request(tmp_path, tables=tables)
    problems = problems_of(path, targets_dir)
    assert any(
        "tables.visit_occurrence.age_at_event" in p and "year_of_birth" in p for p in problems
    )


def test_reference_tables_and_identifying_columns_are_refused(
    tmp_path: Path, targets_dir: Path
) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text())
    tables = raw["tables"]
    tables["location"] = ["state"]
    tables["person"] = ["person_id", "year_of_birth", "month_of_birth", "person_source_value"]
    tables["visit_occurrence"] = ["person_id", "visit_source_value"]
    path = write_request(tmp_path, tables=tables)
    problems = problems_of(path, targets_dir)
    assert any("tables.location" in p and "reference table" in p for p in problems)
    for field in (
        "person.month_of_birth",
        "person.person_source_value",
        "visit_occurrence.visit_source_value",
    ):
        assert any(f"tables.{field}" in p and "never leaves" in p for p in problems), field


def test_the_cohort_hash_covers_the_criteria_window_and_age(
    tmp_path: Path, targets_dir: Path
) -> None:
    first = load_request(EXAMPLE, CATALOGS, targets_dir)
    second = load_request(write_request(tmp_path, age_at_index={"min": 70}), CATALOGS, targets_dir)
    assert first.cohort_sha256() != second.cohort_sha256()


def test_aggregates_cannot_count_by_a_link_pseudonym(tmp_path: Path, targets_dir: Path) -> None:
    path = write_request(
        tmp_path,
        aggregates=[
            {"name": "by-visit", "table": "condition_occurrence", "by": ["visit_occurrence_id"]}
        ],
    )
    problems = problems_of(path, targets_dir)
    assert any("aggregates.0.by" in p and "link_id" in p for p in problems)
