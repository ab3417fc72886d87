"""`sovex synth --model omop`: the OMOP tables the catalog classifies, seeded."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sovex.model.catalog import DERIVED_ROLES, load_catalog
from sovex.model.settings import PROJECT_ROOT
from sovex.synth.omop import OMOP_TABLES, generate_omop
from transforms.vocabulary import load_bundled

CATALOG = load_catalog(PROJECT_ROOT / "infra" / "catalogs" / "omop.yaml")


@pytest.fixture(scope="module")
def omop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("omop") / "source"
    generate_omop(directory, patients=400)
    return directory


def test_every_column_of_every_omop_table_has_a_role(omop: Path) -> None:
    assert sorted(CATALOG.tables) == sorted(OMOP_TABLES)
    for name in OMOP_TABLES:
        table = CATALOG.tables[name]
        stored = {c for c in table.columns if table.columns[c].role not in DERIVED_ROLES}
        assert set(pq.read_schema(omop / f"{name}.parquet").names) == stored, name


def test_the_same_seed_gives_identical_tables(omop: Path, tmp_path: Path) -> None:
    generate_omop(tmp_path / "again", patients=400)
    for name in OMOP_TABLES:
        assert pq.read_table(omop / f"{name}.parquet").equals(
            pq.read_table(tmp_path / "again" / f"{name}.parquet")
        ), name


def test_heart_failure_is_coded_with_its_descendants_too(omop: Path) -> None:
    vocabulary = load_bundled(CATALOG.vocabulary or Path())
    codes = set(
        pq.read_table(omop / "condition_occurrence.parquet")["condition_concept_id"].to_pylist()
    )
    heart_failure = vocabulary.expand([316139])
    assert 316139 in codes and (codes & heart_failure) - {316139}


def test_every_event_links_to_a_visit_of_its_own_patient(omop: Path) -> None:
    visits = pq.read_table(omop / "visit_occurrence.parquet")
    owner = dict(
        zip(visits["visit_occurrence_id"].to_pylist(), visits["person_id"].to_pylist(), strict=True)
    )
    conditions = pq.read_table(omop / "condition_occurrence.parquet")
    for visit, person in zip(
        conditions["visit_occurrence_id"].to_pylist(),
        conditions["person_id"].to_pylist(),
        strict=True,
    ):
        assert owner[visit] == person


def test_consents_name_the_omop_person_id(omop: Path) -> None:
    persons = {str(p) for p in pq.read_table(omop / "person.parquet")["person_id"].to_pylist()}
    lines = (omop / "fhir" / "consents.ndjson").read_text().splitlines()
    references = set()
    for line in lines:
        try:
            resource = json.loads(line)
            references.add(resource["patient"]["reference"].removeprefix("Patient/"))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # the file carries deliberately malformed lines
    assert references and references <= persons
    person = pq.read_table(omop / "person.parquet")
    assert pc.all(pc.starts_with(person["person_source_value"], "P")).as_py()


def test_the_release_gate_assesses_every_dated_omop_table_an_adversary_may_know() -> None:
    from transforms.event_release import event_tables

    dated = {
        name
        for name, table in CATALOG.tables.items()
        if table.has_person_id() and table.period_column()
    }
    requested = {name: list(CATALOG.tables[name].columns) for name in dated}
    assert set(event_tables(CATALOG, requested)) == dated
    # A derived column is never something the gate is told an adversary knows.
    for table in CATALOG.tables.values():
        assert not {c for c in table.adversary_knows if table.columns[c].role in DERIVED_ROLES}
