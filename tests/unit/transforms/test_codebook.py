"""The extract's codebook: a Frictionless Data Package descriptor and a README."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anonymization.pseudonyms import DATE_SHIFT_WINDOW_DAYS
from sovex.model.catalog import load_catalog
from sovex.model.settings import PROJECT_ROOT
from transforms.codebook import (
    DATAPACKAGE_NAME,
    README_NAME,
    ExtractFacts,
    PublishedTable,
    datapackage,
    frictionless_type,
    readme,
    write_codebook,
)
from transforms.release_checks import (
    AGGREGATE_COUNT_COLUMN,
    ROW_KIND_COLUMN,
    TOTAL_ROW,
    patient_counts,
)

CATALOG = load_catalog(PROJECT_ROOT / "infra" / "catalogs" / "synthetic.yaml")
FACTS = ExtractFacts(
    extract_id="asthma-2026-20261102t090000z",
    project="asthme",
    request_id="asthma-2026",
    purpose="chronic-disease-research",
    legal_basis="MR-004",
    regime="opt-out",
    period=(date(2018, 1, 1), date(2026, 10, 31)),
    logical_date="2026-11-02T09:00:00+00:00",
    k_threshold=5,
    small_cell_threshold=10,
    small_cell_rounding=None,
    free_text_mode="tags",
    aggregates={"patients-by-diagnosis": ("diagnoses", ("icd10_code",))},
)
GATE: dict[str, Any] = {
    "quasi_identifiers": ["birth_date", "sex"],
    "generalisation": {"birth_date": "10y_band", "sex": "sex"},
    "events": {
        "tables": {"encounters": ["admission_date", "unit"]},
        "date_granularity": "month",
        "attribute_levels": {"encounters.unit": "steward_group"},
    },
}
PATIENTS = pa.schema(
    [("patient_id", pa.string()), ("birth_date", pa.string()), ("sex", pa.string())]
)
ENCOUNTERS = pa.schema(
    [
        ("patient_id", pa.string()),
        ("admission_date", pa.date32()),
        ("discharge_date", pa.date32()),
        ("unit", pa.string()),
    ]
)


def table(name: str, schema: pa.Schema, rows: int = 3) -> PublishedTable:
    return PublishedTable(name, ((f"{name}/part-00000.parquet", rows),), schema)


def fields_of(descriptor: dict[str, Any], resource: str) -> dict[str, dict[str, Any]]:
    found = next(r for r in descriptor["resources"] if r["name"] == resource)
    return {f["name"]: f for f in found["schema"]["fields"]}


@pytest.mark.parametrize(
    ("arrow_type", "expected"),
    [
        (pa.string(), "string"),
        (pa.large_string(), "string"),
        (pa.int64(), "integer"),
        (pa.float64(), "number"),
        (pa.bool_(), "boolean"),
        (pa.date32(), "date"),
        (pa.timestamp("us"), "datetime"),
        (pa.dictionary(pa.int32(), pa.string()), "string"),
        (pa.list_(pa.int8()), "any"),
    ],
)
def test_arrow_types_map_to_table_schema_types(arrow_type: pa.DataType, expected: str) -> None:
    assert frictionless_type(arrow_type) == expected


def test_every_published_column_is_a_field_with_its_catalog_description() -> None:
    descriptor = datapackage(FACTS, [table("patients", PATIENTS)], CATALOG, GATE)
    fields = fields_of(descriptor, "patients")
    assert list(fields) == ["patient_id", "birth_date", "sex"]
    spec = CATALOG.tables["patients"].columns["birth_date"]
    assert spec.description and fields["birth_date"]["description"] == spec.description
    assert fields["birth_date"]["type"] == "string"


def test_a_quasi_identifier_says_the_level_the_gate_chose() -> None:
    descriptor = datapackage(FACTS, [table("patients", PATIENTS)], CATALOG, GATE)
    birth = fields_of(descriptor, "patients")["birth_date"]["sovex:generalisation"]
    assert birth["level"] == "10y_band"
    assert "ten-year band" in birth["meaning"]
    assert birth["levels"][0] == "year"


def test_event_dates_say_the_shift_is_per_patient_and_bounded() -> None:
    descriptor = datapackage(FACTS, [table("encounters", ENCOUNTERS)], CATALOG, GATE)
    fields = fields_of(descriptor, "encounters")
    shift = fields["admission_date"]["sovex:dateShift"]
    assert shift["perPatient"] and shift["boundDays"] == DATE_SHIFT_WINDOW_DAYS
    # The event gate truncated the known date to months; the other date stays a day.
    assert shift["granularity"] == "month"
    assert fields["discharge_date"]["sovex:dateShift"]["granularity"] == "day"
    assert fields["unit"]["sovex:generalisation"]["level"] == "steward_group"


def test_a_catalog_unit_reaches_the_field(tmp_path: Path) -> None:
    catalog_file = tmp_path / "catalog.yaml"
    catalog_file.write_text(
        "source: x\nperson_id_column: id\nperson_table: t\nconsent_table: c\n"
        "tables:\n  t:\n    columns:\n      id: person_id\n"
        "      weight: {role: attribute, description: Body weight, unit: kg}\n"
    )
    catalog = load_catalog(catalog_file)
    schema = pa.schema([("id", pa.string()), ("weight", pa.float64())])
    descriptor = datapackage(FACTS, [table("t", schema)], catalog, {})
    weight = fields_of(descriptor, "t")["weight"]
    assert (weight["unit"], weight["description"], weight["type"]) == (
        "kg",
        "Body weight",
        "number",
    )


def test_an_aggregate_describes_its_row_kind_and_integer_counts(tmp_path: Path) -> None:
    part = tmp_path / "d.parquet"
    pq.write_table(
        pa.table({"icd10_code": ["E11"] * 12, "pid": [f"p{i}" for i in range(12)]}), part
    )
    counts = patient_counts([str(part)], ["icd10_code"], "pid", 10)
    aggregate = table("aggregates/patients-by-diagnosis", counts.schema)
    fields = fields_of(datapackage(FACTS, [aggregate], CATALOG, GATE), aggregate.name)
    assert fields[AGGREGATE_COUNT_COLUMN]["type"] == "integer"
    assert fields[ROW_KIND_COLUMN]["constraints"]["enum"] == ["group", TOTAL_ROW]
    assert "null on a total row" in fields["icd10_code"]["description"]
    assert fields["suppressed"]["type"] == "boolean"


def test_a_table_in_several_parts_has_a_resource_per_part() -> None:
    """A Data Package reader reads only the first file of a multi-file Parquet resource, so
    each part is a resource of its own, saying its table."""
    parts = PublishedTable(
        "patients",
        (("patients/part-0000-00000.parquet", 4), ("patients/part-0001-00000.parquet", 5)),
        PATIENTS,
    )
    descriptor = datapackage(FACTS, [parts], CATALOG, GATE)
    resources = descriptor["resources"]
    assert [r["name"] for r in resources] == [
        "patients/part-0000-00000",
        "patients/part-0001-00000",
    ]
    assert [r["path"] for r in resources] == [key for key, _ in parts.parts]
    assert {r["sovex:table"] for r in resources} == {"patients"}
    assert [r["sovex:rows"] for r in resources] == [4, 5]
    assert "| patients | 9 | 2 |" in readme(descriptor)


def test_the_readme_lists_tables_rows_shift_and_how_to_load() -> None:
    descriptor = datapackage(
        FACTS,
        [table("patients", PATIENTS, rows=42), table("encounters", ENCOUNTERS)],
        CATALOG,
        GATE,
    )
    text = readme(descriptor)
    assert "| patients | 42 | 1 |" in text
    assert f"{DATE_SHIFT_WINDOW_DAYS}" in text and "outside it" in text
    assert "read_parquet('patients/*.parquet')" in text
    assert "generalised: 10y_band" in text
    assert "opt-out" in text
    assert "published birth_date, sex with at least 4 others (k = 5)" in text
    # No aggregate requested: nothing said of aggregates.
    assert "row_kind" not in text


def _published(tmp_path: Path) -> tuple[Path, list[PublishedTable]]:
    """A small extract written as sovex lays it out: a person table and an aggregate."""
    root = tmp_path / "extract"
    (root / "patients").mkdir(parents=True)
    pids = [f"p{i:02d}" for i in range(24)]
    persons = pa.table(
        {
            "patient_id": pids,
            "birth_date": ["1950-1959"] * 12 + ["1960-1969"] * 12,
            "sex": ["F", "M"] * 12,
        },
        schema=PATIENTS,
    )
    person_path = root / "patients" / "part-00000.parquet"
    pq.write_table(persons, person_path)
    diagnoses = tmp_path / "diagnoses.parquet"
    pq.write_table(
        pa.table({"icd10_code": ["E11"] * 20 + ["J45"] * 4, "patient_id": pids}), diagnoses
    )
    counts = patient_counts([str(diagnoses)], ["icd10_code"], "patient_id", 10)
    aggregate_path = root / "aggregates" / "patients-by-diagnosis" / "part-00000.parquet"
    aggregate_path.parent.mkdir(parents=True)
    pq.write_table(counts, aggregate_path)
    tables = [
        PublishedTable(
            name=path.parent.relative_to(root).as_posix(),
            parts=((path.relative_to(root).as_posix(), pq.read_metadata(path).num_rows),),
            schema=pq.read_schema(path),
        )
        for path in (person_path, aggregate_path)
    ]
    return root, tables


def test_frictionless_validates_the_written_codebook(tmp_path: Path) -> None:
    from frictionless import validate

    root, tables = _published(tmp_path)
    written = write_codebook(root, FACTS, tables, CATALOG, GATE)
    assert [p.name for p in written] == [DATAPACKAGE_NAME, README_NAME]
    report = validate(root / DATAPACKAGE_NAME)
    assert report.valid, report.flatten(["type", "note"])
    assert json.loads((root / DATAPACKAGE_NAME).read_text())["resources"][1]["sovex:rows"] == 3
    text = (root / README_NAME).read_text()
    assert "| aggregates/patients-by-diagnosis | 3 | 1 |" in text
    assert "it is not the sum of the" in text


def test_frictionless_rejects_a_part_that_is_not_the_one_described(tmp_path: Path) -> None:
    """The check can fail: a part whose columns or types differ from the codebook's."""
    from frictionless import validate

    root, tables = _published(tmp_path)
    write_codebook(root, FACTS, tables, CATALOG, GATE)
    aggregate = root / "aggregates" / "patients-by-diagnosis" / "part-00000.parquet"
    counts = pq.read_table(aggregate)
    as_text = counts.set_column(
        counts.column_names.index(AGGREGATE_COUNT_COLUMN),
        AGGREGATE_COUNT_COLUMN,
        pa.array(["many"] * counts.num_rows),
    )
    pq.write_table(as_text.replace_schema_metadata(None), aggregate)
    report = validate(root / DATAPACKAGE_NAME)
    assert not report.valid
    assert {error[0] for error in report.flatten(["type"])} == {"type-error"}


def test_frictionless_validates_whole_numbers_with_nulls(tmp_path: Path) -> None:
    """A whole-number column of nulls (days since the index where the gate removed every
    date) validates: frictionless reads Parquet through pandas, where such a null is NaN."""
    from frictionless import validate

    schema = pa.schema(
        [
            ("patient_id", pa.string()),
            ("visit_concept_id", pa.int32()),
            ("visit_start_date", pa.date32()),
            ("days_since_index", pa.int32()),
        ]
    )
    part = tmp_path / "visits" / "part-00000.parquet"
    part.parent.mkdir(parents=True)
    rows = {
        "patient_id": ["a", "b", "c"],
        "visit_concept_id": [9201, 9203, 9201],
        "visit_start_date": [None, None, None],
        "days_since_index": [None, None, None],
    }
    pq.write_table(pa.table(rows, schema), part)
    descriptor = datapackage(FACTS, [table("visits", schema)], CATALOG, GATE)
    (tmp_path / DATAPACKAGE_NAME).write_text(json.dumps(descriptor))
    report = validate(tmp_path / DATAPACKAGE_NAME)
    assert report.valid, report.flatten(["type", "note"])


SINCE_INDEX_GATE: dict[str, Any] = {
    "quasi_identifiers": ["birth_date"],
    "generalisation": {"birth_date": "10y_band"},
    "events": {
        "tables": {"encounters": ["admission_date", "discharge_date", "unit"]},
        "date_granularity": "weeks_since_index",
        "stay_levels": {"encounters": "los_band_2"},
        "attribute_levels": {"encounters.unit": "value"},
    },
}


def test_dates_as_the_time_since_the_index_and_a_banded_end_are_described(
    tmp_path: Path,
) -> None:
    """Issue 16's levels change a date column's type: the time since the patient's index
    date is an integer (in the level's unit), a stay's end as its length-of-stay band is
    text. The codebook says so, and frictionless validates the parts against it."""
    from frictionless import validate

    root = tmp_path / "extract"
    (root / "encounters").mkdir(parents=True)
    schema = pa.schema(
        [
            ("patient_id", pa.string()),
            ("admission_date", pa.int32()),
            ("discharge_date", pa.string()),
            ("unit", pa.string()),
        ]
    )
    path = root / "encounters" / "part-00000.parquet"
    rows = {
        "patient_id": ["p1", "p1", "p2"],
        "admission_date": [0, 3, 0],
        "discharge_date": ["0-2", "14+", "3-13"],
        "unit": ["cardio"] * 3,
    }
    pq.write_table(pa.table(rows, schema=schema), path)
    tables = [table("encounters", schema)]
    write_codebook(root, FACTS, tables, CATALOG, SINCE_INDEX_GATE)
    report = validate(root / DATAPACKAGE_NAME)
    assert report.valid, report.flatten(["type", "note"])

    fields = fields_of(json.loads((root / DATAPACKAGE_NAME).read_text()), "encounters")
    admission = fields["admission_date"]
    assert admission["type"] == "integer" and admission["unit"] == "weeks"
    assert admission["sovex:dateShift"]["granularity"] == "weeks_since_index"
    assert "since the patient's index date" in admission["description"]
    assert "not the cohort's index date" in admission["sovex:dateShift"]["semantics"].lower()
    discharge = fields["discharge_date"]
    assert discharge["type"] == "string" and discharge["unit"] == "days"
    assert "sovex:dateShift" not in discharge
    assert discharge["sovex:lengthOfStay"]["start"] == "admission_date"
    assert discharge["sovex:lengthOfStay"]["bands"] == ["0-2", "3-13", "14+"]
    text = (root / README_NAME).read_text()
    assert "weeks_since_index" in text and "length of stay from admission_date" in text


def test_derived_columns_say_they_are_empty_without_calendar_dates() -> None:
    """The OMOP catalog's age at the visit and days since the cohort's index (issue 21)
    are empty when the gate publishes the visit dates as the time since its own index."""
    omop = load_catalog(PROJECT_ROOT / "infra" / "catalogs" / "omop.yaml")
    schema = pa.schema(
        [
            ("visit_start_date", pa.int32()),
            ("age_at_event", pa.string()),
            ("days_since_index", pa.int32()),
        ]
    )
    gate = {
        "events": {
            "tables": {"visit_occurrence": ["visit_start_date"]},
            "date_granularity": "days_since_index",
        }
    }
    fields = fields_of(
        datapackage(FACTS, [table("visit_occurrence", schema)], omop, gate), "visit_occurrence"
    )
    assert "empty in this extract" in fields["age_at_event"]["description"]
    assert "empty in this extract" in fields["days_since_index"]["description"]
    calendar = {"events": {**gate["events"], "date_granularity": "month"}}
    fields = fields_of(
        datapackage(FACTS, [table("visit_occurrence", schema)], omop, calendar), "visit_occurrence"
    )
    assert "empty" not in fields["days_since_index"]["description"]
