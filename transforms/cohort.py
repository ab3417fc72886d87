"""Cohort selection from structured filters (never raw SQL from requesters)."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from sovex.model.request import CohortFilter, FilterOp
from transforms.source_base import Source


def filter_expression(cohort_filter: CohortFilter) -> ds.Expression:
    field = ds.field(cohort_filter.column)
    values = cohort_filter.values
    if cohort_filter.op is FilterOp.EQ:
        return field == values[0]
    if cohort_filter.op is FilterOp.IN:
        return field.isin(values)
    if cohort_filter.op is FilterOp.GTE:
        return field >= values[0]
    if cohort_filter.op is FilterOp.LTE:
        return field <= values[0]
    if cohort_filter.op is FilterOp.BETWEEN:
        return (field >= values[0]) & (field <= values[1])
    if cohort_filter.op is FilterOp.STARTS_WITH:
        matches = [pc.starts_with(field, str(prefix)) for prefix in values]
        expression = matches[0]
        for match in matches[1:]:
            expression = expression | match
        return expression
    raise ValueError(f"unsupported cohort filter op {cohort_filter.op!r}")


def distinct_ids(batches: Iterable[pa.RecordBatch], column: str) -> pa.Array:
    chunks = [pc.unique(batch.column(column)) for batch in batches if batch.num_rows]
    if not chunks:
        return pa.array([], type=pa.string())
    return pc.unique(pa.chunked_array(chunks).combine_chunks())


def select_cohort(
    source: Source, person_table: str, person_id_column: str, filters: list[CohortFilter]
) -> pa.Array:
    """Ids of the patients matching every filter (all patients when there is none)."""
    cohort = distinct_ids(source.batches(person_table, [person_id_column]), person_id_column)
    for cohort_filter in filters:
        matching = distinct_ids(
            source.batches(
                cohort_filter.table, [person_id_column], filter=filter_expression(cohort_filter)
            ),
            person_id_column,
        )
        cohort = cohort.filter(pc.is_in(cohort, value_set=matching))
    return cohort.take(pc.array_sort_indices(cohort))
