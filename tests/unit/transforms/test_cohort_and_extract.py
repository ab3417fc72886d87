from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from anonymization.hierarchies import hierarchy_for
from anonymization.keys import derive_project_key
from anonymization.pseudonyms import pseudonym
from sovex.model.catalog import load_catalog
from sovex.model.request import CohortFilter
from sovex.model.settings import PROJECT_ROOT
from sovex.synth.population import generate_population
from transforms.cohort import select_cohort
from transforms.consent_regimes import load_regimes, regimes_file
from transforms.consent_registry import apply_registry_consent, load_file
from transforms.extract import extract_table
from transforms.source import ParquetSource

CATALOG = load_catalog(PROJECT_ROOT / "infra" / "catalogs" / "synthetic.yaml")
KEY = derive_project_key(b"k" * 32, "unit-tests")
# The base level of each quasi-identifier's hierarchy (the disclosure step may go coarser).
BASE_LEVELS = {
    column: hierarchy_for(kind).levels[0].apply
    for column, kind in (("birth_date", "birth_date"), ("sex", "sex"), ("postcode", "postcode"))
}
PERIOD = (date(2000, 1, 1), date(2026, 11, 1))
RUN_DATE = date(2026, 11, 1)
PURPOSE = "chronic-disease-research"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> ParquetSource:
    directory = tmp_path_factory.mktemp("source")
    generate_population(directory, patients=400)
    return ParquetSource(directory)


@pytest.fixture(scope="module")
def registry(source: ParquetSource, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The population's FHIR consents loaded into a registry of their own."""
    directory = tmp_path_factory.mktemp("registry")
    database = directory / "sovex.db"
    load_file(
        database,
        source.table_path("consents").parent / "fhir" / "consents.ndjson",
        directory / "rejects.jsonl",
        ingested_at=datetime(2026, 11, 1, tzinfo=UTC),
        workers=1,
    )
    return database


def test_cohort_filter_keeps_only_patients_with_a_matching_row(source: ParquetSource) -> None:
    diabetes = CohortFilter(
        table="diagnoses", column="icd10_code", op="starts_with", values=["E11"]
    )
    cohort = select_cohort(source, "patients", "patient_id", [diabetes])
    diagnoses = pq.read_table(source.table_path("diagnoses"))
    expected = pc.unique(
        diagnoses.filter(pc.starts_with(diagnoses["icd10_code"], "E11"))["patient_id"]
    )
    assert 0 < len(cohort) < 400
    assert sorted(cohort.to_pylist()) == sorted(expected.to_pylist())


def test_no_filter_means_every_patient(source: ParquetSource) -> None:
    assert len(select_cohort(source, "patients", "patient_id", [])) == 400


def _included(source: ParquetSource, registry: Path) -> pa.Array:
    cohort = select_cohort(source, "patients", "patient_id", [])
    regimes = load_regimes(regimes_file(PROJECT_ROOT / "infra"))
    return apply_registry_consent(registry, regimes, cohort, PURPOSE, RUN_DATE).included


def test_withdrawn_patient_is_absent_from_every_extracted_table(
    source: ParquetSource, registry: Path, tmp_path: Path
) -> None:
    consents = pq.read_table(source.table_path("consents")).to_pylist()
    withdrawn = {
        row["patient_id"]
        for row in consents
        if row["purpose"] == PURPOSE and row["status"] == "withdrawn"
    }
    assert withdrawn, "the synthetic population must contain withdrawals"
    withdrawn_pseudonyms = {pseudonym(KEY, patient) for patient in withdrawn}
    included = _included(source, registry)
    for table_name in ("patients", "encounters", "diagnoses", "measurements"):
        table = CATALOG.tables[table_name]
        parts = extract_table(
            source,
            table,
            "patient_id",
            table.extractable_columns(),
            included,
            PERIOD,
            KEY,
            tmp_path / table_name,
            scrub_text=None,
            quasi_identifier_levels=BASE_LEVELS,
        )
        published = pa.concat_tables(pq.read_table(p.path) for p in parts)
        assert published.num_rows > 0
        assert not withdrawn_pseudonyms & set(published["patient_id"].to_pylist()), table_name


def test_extract_publishes_pseudonyms_and_generalised_values_only(
    source: ParquetSource, registry: Path, tmp_path: Path
) -> None:
    table = CATALOG.tables["patients"]
    columns = ["patient_id", "birth_date", "sex", "postcode"]
    [part] = extract_table(
        source,
        table,
        "patient_id",
        columns,
        _included(source, registry),
        PERIOD,
        KEY,
        tmp_path,
        quasi_identifier_levels=BASE_LEVELS,
    )
    published = pq.read_table(part.path)
    assert published.schema.names == columns
    # Birth dates leave as years at most: "1954", never a full date.
    assert all(len(year) == 4 for year in published["birth_date"].to_pylist())
    raw_ids = set(pq.read_table(source.table_path("patients"))["patient_id"].to_pylist())
    assert not raw_ids & set(published["patient_id"].to_pylist())
    assert all(len(code) in (2, 3) for code in published["postcode"].to_pylist())
    assert part.rows == published.num_rows


def test_period_keeps_only_events_inside_it(
    source: ParquetSource, registry: Path, tmp_path: Path
) -> None:
    table = CATALOG.tables["encounters"]
    period = (date(2024, 1, 1), date(2024, 12, 31))
    parts = extract_table(
        source,
        table,
        "patient_id",
        ["patient_id", "unit"],
        _included(source, registry),
        period,
        KEY,
        tmp_path,
    )
    encounters = pq.read_table(source.table_path("encounters"))
    in_period = encounters.filter(
        pc.and_(
            pc.greater_equal(encounters["admission_date"], pa.scalar(period[0])),
            pc.less_equal(encounters["admission_date"], pa.scalar(period[1])),
        )
    )
    included = set(_included(source, registry).to_pylist())
    expected = sum(1 for p in in_period["patient_id"].to_pylist() if p in included)
    assert sum(p.rows for p in parts) == expected


def test_a_quasi_identifier_without_a_chosen_level_is_never_written(
    source: ParquetSource, registry: Path, tmp_path: Path
) -> None:
    table = CATALOG.tables["patients"]
    with pytest.raises(ValueError, match="chosen level"):
        extract_table(
            source,
            table,
            "patient_id",
            ["patient_id", "birth_date"],
            _included(source, registry),
            PERIOD,
            KEY,
            tmp_path,
        )


def test_an_empty_result_is_still_a_readable_table_with_its_schema(
    source: ParquetSource, tmp_path: Path
) -> None:
    table = CATALOG.tables["diagnoses"]
    [part] = extract_table(
        source,
        table,
        "patient_id",
        ["patient_id", "icd10_code"],
        pa.array([], pa.string()),
        PERIOD,
        KEY,
        tmp_path,
    )
    assert part.rows == 0
    assert pq.read_table(part.path).schema.names == ["patient_id", "icd10_code"]
