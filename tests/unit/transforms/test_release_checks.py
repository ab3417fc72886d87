from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sovex.model.catalog import load_catalog
from sovex.model.manifest import row_counts
from sovex.model.settings import PROJECT_ROOT
from transforms.release_checks import (
    AGGREGATE_COUNT_COLUMN,
    EVERY_PERSON_EXPECTATION,
    is_aggregate,
    patient_counts,
    person_level_checks,
)

CATALOG = load_catalog(PROJECT_ROOT / "infra" / "catalogs" / "synthetic.yaml")


def write(path: Path, **columns: list[object]) -> str:
    pq.write_table(pa.table(columns), path)
    return str(path)


def test_patient_counts_count_each_patient_once_per_group_across_parts(tmp_path: Path) -> None:
    codes = ["E11"] * 12 + ["I10"] * 11
    first = write(tmp_path / "a.parquet", code=codes, pid=[f"p{i}" for i in range(23)])
    # The same twelve E11 patients again in another part: still twelve.
    second = write(tmp_path / "b.parquet", code=["E11"] * 12, pid=[f"p{i}" for i in range(12)])
    counts = patient_counts([first, second], ["code"], "pid", small_cell_threshold=10)
    rows = dict(
        zip(counts["code"].to_pylist(), counts[AGGREGATE_COUNT_COLUMN].to_pylist(), strict=True)
    )
    assert rows["E11"] == 12 and rows["I10"] == 11


def test_a_group_below_the_threshold_is_hidden(tmp_path: Path) -> None:
    codes = ["E11"] * 12 + ["I10"] * 11 + ["J45"]
    part = write(tmp_path / "a.parquet", code=codes, pid=[f"p{i}" for i in range(24)])
    counts = patient_counts([part], ["code"], "pid", small_cell_threshold=10)
    rows = dict(
        zip(counts["code"].to_pylist(), counts[AGGREGATE_COUNT_COLUMN].to_pylist(), strict=True)
    )
    assert rows["J45"] is None


def test_a_person_of_another_table_missing_from_the_person_table_is_counted(
    tmp_path: Path,
) -> None:
    catalog = CATALOG
    person_id = catalog.person_id_column
    persons = pa.table({person_id: ["a", "b"]})
    other = next(name for name in catalog.tables if name != catalog.person_table)
    part = {"table": other, "path": write(tmp_path / "o.parquet", **{person_id: ["a", "b", "z"]})}
    checks = person_level_checks(catalog, 5, [], persons, [part])
    assert checks == [(EVERY_PERSON_EXPECTATION, f"{other}.{person_id}", 1)]


def test_aggregates_are_told_apart_from_tables() -> None:
    assert is_aggregate("aggregates/by-diagnosis") and not is_aggregate("patients")


def test_row_counts_add_the_parts_of_each_published_table_only() -> None:
    counts = row_counts(
        ["patients", "stays"], [("patients", 3), ("patients", 2), ("_gate_docs", 0)]
    )
    assert counts == {"patients": 5, "stays": 0}
