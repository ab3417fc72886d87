from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sovex.model.catalog import load_catalog
from sovex.model.manifest import row_counts
from sovex.model.settings import PROJECT_ROOT
from transforms.release_checks import (
    AGGREGATE_COUNT_COLUMN,
    EVERY_PERSON_EXPECTATION,
    GROUP_ROW,
    PANDAS_COUNT_DTYPE,
    ROW_KIND_COLUMN,
    TOTAL_ROW,
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


def _rows(counts: pa.Table) -> list[dict[str, object]]:
    return counts.to_pylist()


def test_the_total_row_counts_distinct_patients_not_the_sum_of_the_groups(
    tmp_path: Path,
) -> None:
    # 30 patients, each with both codes: the groups add up to 60, the total is 30.
    pids = [f"p{i}" for i in range(30)]
    part = write(tmp_path / "a.parquet", code=["E11"] * 30 + ["I10"] * 30, pid=pids + pids)
    counts = patient_counts([part], ["code"], "pid", small_cell_threshold=10)
    total = [r for r in _rows(counts) if r[ROW_KIND_COLUMN] == TOTAL_ROW]
    groups = [r for r in _rows(counts) if r[ROW_KIND_COLUMN] == GROUP_ROW]
    assert [t[AGGREGATE_COUNT_COLUMN] for t in total] == [30]
    assert sum(int(str(g[AGGREGATE_COUNT_COLUMN])) for g in groups) == 60
    # The total is a kind of row, not a made-up code.
    assert total[0]["code"] is None
    assert {g["code"] for g in groups} == {"E11", "I10"}


def test_a_code_spelled_total_stays_a_group(tmp_path: Path) -> None:
    codes = ["Total"] * 12 + ["I10"] * 11
    part = write(tmp_path / "a.parquet", code=codes, pid=[f"p{i}" for i in range(23)])
    counts = patient_counts([part], ["code"], "pid", small_cell_threshold=10)
    kinds = {(r["code"], r[ROW_KIND_COLUMN]) for r in _rows(counts)}
    assert kinds == {("Total", GROUP_ROW), ("I10", GROUP_ROW), (None, TOTAL_ROW)}


def test_two_way_totals_are_distinct_patients_per_other_group(tmp_path: Path) -> None:
    pids = [f"p{i}" for i in range(20)]
    part = write(
        tmp_path / "a.parquet",
        code=["E11"] * 20 + ["I10"] * 20,
        sex=["F"] * 10 + ["M"] * 10 + ["F"] * 10 + ["M"] * 10,
        pid=pids + pids,
    )
    counts = patient_counts([part], ["code", "sex"], "pid", small_cell_threshold=5)
    totals = {r["sex"]: r[AGGREGATE_COUNT_COLUMN] for r in _rows(counts) if r["code"] is None}
    assert totals == {"F": 10, "M": 10}
    assert counts.column_names == [
        "code",
        "sex",
        ROW_KIND_COLUMN,
        AGGREGATE_COUNT_COLUMN,
        "suppressed",
    ]


@pytest.mark.parametrize("rounding", [None, 5])
def test_patients_has_the_same_integer_type_whether_or_not_a_cell_is_hidden(
    tmp_path: Path, rounding: int | None
) -> None:
    """What a researcher reads: int64 in Parquet and pandas' nullable Int64, in an
    aggregate with hidden cells and in one without."""
    import pandas as pd

    with_hidden = write(
        tmp_path / "a.parquet",
        code=["E11"] * 12 + ["I10"] * 11 + ["J45"] * 2 + ["K21"] * 3,
        pid=[f"p{i}" for i in range(28)],
    )
    without = write(
        tmp_path / "b.parquet", code=["E11"] * 12 + ["I10"] * 11, pid=[f"p{i}" for i in range(23)]
    )
    frames = []
    for number, path in enumerate([with_hidden, without]):
        counts = patient_counts([path], ["code"], "pid", 10, rounding)
        out = tmp_path / f"aggregate-{number}.parquet"
        pq.write_table(counts, out)
        assert pq.read_schema(out).field(AGGREGATE_COUNT_COLUMN).type == pa.int64()
        frames.append(pd.read_parquet(out))
    hidden, shown = frames
    assert hidden["suppressed"].any() and not shown["suppressed"].any()
    for frame in frames:
        assert str(frame[AGGREGATE_COUNT_COLUMN].dtype) == PANDAS_COUNT_DTYPE
    assert hidden.loc[hidden["suppressed"], AGGREGATE_COUNT_COLUMN].isna().all()
    assert hidden.loc[~hidden["suppressed"], AGGREGATE_COUNT_COLUMN].notna().all()
