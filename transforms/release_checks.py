"""The release gate over a whole extract's files, before anything is published.

- Every table part is validated from the scan made while it was written (only its schema
  is read here), every aggregate by Great Expectations whole (`release_gate`).
- Person-level checks are recomputed on the published files themselves, independent of
  how they were made: k on the person table, every person of every table in it, and the
  published persons equal to the consented cohort minus the suppressed records.
- Aggregates are patient counts by group, computed from the published (generalised,
  shifted) tables, with a total row and small cells hidden so none can be recovered.
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
from anonymization.small_cells import round_counts, suppress_small_cells, with_total_row
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
    """Distinct patients by group over the parts at `paths`, sorted, with a total row and
    small cells hidden (with the cells that would reveal them), then, if asked, every
    shown count rounded to a multiple of `rounding`."""
    labels = list(by)
    # Part by part, only the distinct (group, patient) pairs are kept: memory grows with
    # the number of pairs, not with the table's rows.
    pairs = pa.concat_tables(
        _distinct_rows(pq.read_table(path, columns=[*labels, person_id]), labels, person_id)
        for path in paths
    )
    counts = pairs.group_by(labels, use_threads=False).aggregate([(person_id, "count_distinct")])
    counts = counts.rename_columns([*labels, AGGREGATE_COUNT_COLUMN]).sort_by(
        [(c, "ascending") for c in labels]
    )
    counts = with_total_row(counts, labels, AGGREGATE_COUNT_COLUMN, over=labels[0])
    counts = suppress_small_cells(
        counts, labels, AGGREGATE_COUNT_COLUMN, threshold=small_cell_threshold
    )
    return round_counts(counts, AGGREGATE_COUNT_COLUMN, rounding) if rounding else counts


def _distinct_rows(rows: pa.Table, labels: list[str], person_id: str) -> pa.Table:
    """The distinct (labels as text, person) rows of a table."""
    labelled = pa.table(
        {**{c: pc.cast(rows.column(c), pa.string()) for c in labels}, person_id: rows[person_id]}
    )
    return labelled.group_by([*labels, person_id], use_threads=False).aggregate([])
