"""The release gate over a whole extract's files, before anything is published.

- Every table part is validated from the scan made while it was written (only its schema
  is read here), every aggregate by Great Expectations whole (`release_gate`).
- Person-level checks are recomputed on the published files themselves, independent of
  how they were made: k on the person table, every person of every table in it, and the
  published persons equal to the consented cohort minus the suppressed records.
- Aggregates are patient counts by group, computed from the published (generalised,
  shifted) tables, with total rows of their own kind (`row_kind`: the distinct patients
  over all groups, not the sum of the cells) and small cells hidden so none can be
  recovered. `patients` is int64 in every aggregate: a hidden cell is a null with
  `suppressed` true, and the file's pandas metadata makes pandas read it as `Int64`.
- Distinct l-diversity of each published sensitive column is reported.

Parts are the run's part records (`PartRecord`): table, path, rows, bytes, sha256 and,
for table parts, the scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from anonymization.disclosure import l_diversity
from anonymization.small_cells import round_counts, suppress_small_cells
from sovex.model.catalog import Role, SourceCatalog
from sovex.model.errors import GateFailed
from sovex.model.request import ExtractRequest
from sovex.model.run import PartRecord
from transforms.release_gate import (
    TableGateResult,
    validate_k_anonymity,
    validate_scanned_part,
    validate_table,
)

AGGREGATES_PREFIX = "aggregates"
AGGREGATE_COUNT_COLUMN = "patients"
# Each aggregate row is a group's count or a total over the groups, said in a column of
# its own (never as a made-up code in a group column, which stays null on a total row).
ROW_KIND_COLUMN = "row_kind"
GROUP_ROW = "group"
TOTAL_ROW = "total"
# Aggregate counts as pandas reads them: a nullable integer, whether or not a cell is hidden.
PANDAS_COUNT_DTYPE = "Int64"
RECONCILIATION_EXPECTATION = "expect_published_persons_to_equal_cohort_minus_exclusions"
EVERY_PERSON_EXPECTATION = "expect_every_person_in_the_published_cohort"

Part = PartRecord


def is_aggregate(table: str) -> bool:
    return table.startswith(f"{AGGREGATES_PREFIX}/")


@dataclass(frozen=True)
class ReleaseCheck:
    """Every failure (empty when the extract may be published), every expectation's
    outcome, and the published person table (None when it is not requested)."""

    failures: list[str]
    expectations: list[dict[str, object]]
    persons: pa.Table | None


def check_parts(
    request: ExtractRequest,
    catalog: SourceCatalog,
    parts: Sequence[Part],
    quasi_identifiers: Sequence[str],
    cohort_size: int,
) -> ReleaseCheck:
    """The gate over every part and over the person-level view; `cohort_size` is the
    consented cohort less the suppressed records."""
    failures: list[str] = []
    expectations: list[dict[str, object]] = []
    for part in parts:
        result = _validate_part(request, catalog, part)
        failures += result.failures()
        expectations += [
            {
                "table": o.table,
                "file": Path(part["path"]).name,
                "expectation": o.expectation,
                "column": o.column,
                "success": o.success,
                "unexpected_count": o.unexpected_count,
            }
            for o in result.outcomes
        ]
    person_paths = [p["path"] for p in parts if p["table"] == catalog.person_table]
    persons = (
        pa.concat_tables(pq.read_table(path) for path in person_paths) if person_paths else None
    )
    checks = person_level_checks(catalog, request.k_threshold, quasi_identifiers, persons, parts)
    if person_paths:
        published = sum(p["rows"] for p in parts if p["table"] == catalog.person_table)
        checks.append(
            (RECONCILIATION_EXPECTATION, catalog.person_table, abs(published - cohort_size))
        )
    for name, column, unexpected in checks:
        expectations.append(
            {
                "table": catalog.person_table,
                "file": None,
                "expectation": name,
                "column": column,
                "success": unexpected == 0,
                "unexpected_count": unexpected,
            }
        )
        if unexpected:
            failures.append(f"{name} failed ({column}): {unexpected}")
    return ReleaseCheck(failures, expectations, persons)


def _validate_part(request: ExtractRequest, catalog: SourceCatalog, part: Part) -> TableGateResult:
    if is_aggregate(part["table"]):
        # An aggregate (small): its own columns, no pseudonyms, validated by GX whole.
        data = pq.read_table(part["path"])
        return validate_table(part["table"], data, data.column_names, [])
    table = catalog.tables[part["table"]]
    columns = request.tables[part["table"]]
    pseudonym_columns = [c for c in columns if table.columns[c].role is Role.PERSON_ID]
    scan = part.get("scan")
    if scan is None:
        raise GateFailed([f"table {part['table']}: a part was not scanned when written"])
    # Table parts were scanned row by row as they were written: only the schema is read
    # here, whatever the extract's size.
    return validate_scanned_part(
        part["table"],
        pq.read_schema(part["path"]),
        part["rows"],
        columns,
        pseudonym_columns,
        scan,
    )


def person_level_checks(
    catalog: SourceCatalog,
    k_threshold: int,
    quasi_identifiers: Sequence[str],
    persons: pa.Table | None,
    parts: Sequence[Part],
) -> list[tuple[str, str, int]]:
    """(expectation, column, unexpected count) of k recomputed on the person table and of
    every person of every other table being in it."""
    if persons is None:
        return []
    checks: list[tuple[str, str, int]] = []
    if quasi_identifiers:
        outcome = validate_k_anonymity(
            catalog.person_table, persons, list(quasi_identifiers), k_threshold
        )
        checks.append((outcome.expectation, str(outcome.column), outcome.unexpected_count))
    person_id = catalog.person_id_column
    if person_id not in persons.column_names:
        return checks
    cohort = pc.unique(persons.column(person_id).combine_chunks())
    for part in parts:
        if part["table"] == catalog.person_table or is_aggregate(part["table"]):
            continue
        if person_id not in pq.read_schema(part["path"]).names:
            continue
        ids = pq.read_table(part["path"], columns=[person_id]).column(person_id)
        outside = pc.sum(pc.invert(pc.is_in(ids, value_set=cohort)))
        checks.append(
            (
                EVERY_PERSON_EXPECTATION,
                f"{part['table']}.{person_id}",
                int(outside.as_py() or 0),
            )
        )
    return checks


def sensitive_l_diversity(
    catalog: SourceCatalog,
    quasi_identifiers: Sequence[str],
    persons: pa.Table | None,
    parts: Sequence[Part],
) -> dict[str, int]:
    """Distinct l-diversity of each published `sensitive` column over the person-level
    equivalence classes: the fewest distinct values any class of patients shares."""
    person_id = catalog.person_id_column
    if not quasi_identifiers or persons is None or person_id not in persons.column_names:
        return {}
    classes = persons.select([person_id, *quasi_identifiers])
    result: dict[str, int] = {}
    for table_name in sorted({p["table"] for p in parts} & set(catalog.tables)):
        spec = catalog.tables[table_name]
        paths = [p["path"] for p in parts if p["table"] == table_name]
        names = pq.read_schema(paths[0]).names
        sensitive = [
            c for c in names if c in spec.columns and spec.columns[c].role is Role.SENSITIVE
        ]
        if not sensitive or person_id not in names:
            continue
        for column in sensitive:
            # Distinct (patient, value) pairs part by part: distinct l-diversity only
            # counts distinct values per class, and memory stays bounded by the pairs.
            pairs = pa.concat_tables(
                pq.read_table(path, columns=[person_id, column])
                .group_by([person_id, column], use_threads=False)
                .aggregate([])
                for path in paths
            )
            joined = pairs.join(classes, person_id)
            result[f"{table_name}.{column}"] = l_diversity(joined, list(quasi_identifiers), column)
    return result


def patient_counts(
    paths: Sequence[str],
    by: Sequence[str],
    person_id: str,
    small_cell_threshold: int,
    rounding: int | None = None,
) -> pa.Table:
    """Distinct patients by group over the parts at `paths`, sorted, then one total row
    per combination of the other group columns (`row_kind` "total", the first group column
    null, the count of distinct patients over all its groups), small cells hidden (with the
    cells that would reveal them), then, if asked, every shown count rounded to a multiple
    of `rounding`. Columns: the group columns (as text), `row_kind`, `patients` (int64,
    null when hidden) and `suppressed`."""
    labels = list(by)
    # Part by part, only the distinct (group, patient) pairs are kept: memory grows with
    # the number of pairs, not with the table's rows.
    pairs = pa.concat_tables(
        _distinct_rows(pq.read_table(path, columns=[*labels, person_id]), labels, person_id)
        for path in paths
    )
    counts = _distinct_patients(pairs, labels, person_id).sort_by(
        [(c, "ascending") for c in labels]
    )
    others = labels[1:]
    totals = _distinct_patients(pairs, others, person_id)
    if others:
        totals = totals.sort_by([(c, "ascending") for c in others])
    # The total rows take a label no group has while cells are suppressed, so each total
    # is protected as the margin of the cells it covers; it becomes null afterwards.
    over = labels[0]
    present = set(pc.unique(counts[over]).to_pylist())
    marker = "Total"
    while marker in present:
        marker += "*"
    totals = totals.append_column(over, pa.repeat(pa.scalar(marker, pa.string()), totals.num_rows))
    table = pa.concat_tables([counts, totals.select(counts.column_names)])
    table = suppress_small_cells(
        table, labels, AGGREGATE_COUNT_COLUMN, threshold=small_cell_threshold
    )
    if rounding:
        table = round_counts(table, AGGREGATE_COUNT_COLUMN, rounding)
    is_total = pa.array([False] * counts.num_rows + [True] * totals.num_rows)
    table = table.set_column(
        table.column_names.index(over),
        over,
        pc.if_else(is_total, pa.scalar(None, pa.string()), table[over]),
    )
    kinds = pc.if_else(is_total, TOTAL_ROW, GROUP_ROW)
    table = table.add_column(len(labels), ROW_KIND_COLUMN, kinds)
    return with_pandas_counts(table, AGGREGATE_COUNT_COLUMN)


def _distinct_patients(pairs: pa.Table, keys: list[str], person_id: str) -> pa.Table:
    """(keys…, patients): distinct patients per combination of `keys` (one row if none)."""
    counted = pairs.group_by(keys, use_threads=False).aggregate([(person_id, "count_distinct")])
    counted = counted.rename_columns([*keys, AGGREGATE_COUNT_COLUMN])
    return counted.set_column(
        len(keys), AGGREGATE_COUNT_COLUMN, counted[AGGREGATE_COUNT_COLUMN].cast(pa.int64())
    )


def with_pandas_counts(table: pa.Table, count_column: str) -> pa.Table:
    """The table with pandas metadata saying `count_column` is a nullable `Int64`: pandas
    reads it as whole numbers with <NA> for hidden cells (never float with NaN), in every
    file alike. Arrow types are unchanged (int64); other readers ignore the metadata."""
    import pandas as pd

    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    described = pa.Table.from_pandas(frame, preserve_index=False)
    return table.replace_schema_metadata(described.schema.metadata)


def _distinct_rows(rows: pa.Table, labels: list[str], person_id: str) -> pa.Table:
    """The distinct (labels as text, person) rows of a table."""
    labelled = pa.table(
        {**{c: pc.cast(rows.column(c), pa.string()) for c in labels}, person_id: rows[person_id]}
    )
    return labelled.group_by([*labels, person_id], use_threads=False).aggregate([])
