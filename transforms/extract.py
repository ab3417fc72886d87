"""One table of an extract: cohort rows only, requested columns only, each column treated
according to its catalog role, written as Parquet parts.

Rows stream through as record batches; memory stays bounded by the batch size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from anonymization.pseudonyms import pseudonymise, shift_dates
from sovex.catalog import NEVER_EXTRACTABLE, NOT_YET_EXTRACTABLE, Role, TableSpec
from transforms.source import ParquetSource

# Rows per published Parquet file: bounded so a reader can fetch parts independently.
ROWS_PER_PART = 1_000_000
PARQUET_COMPRESSION = "zstd"


@dataclass(frozen=True)
class WrittenPart:
    table: str
    path: Path
    rows: int
    bytes: int
    sha256: str


TextScrubber = Callable[[list[str | None], str], list[str | None]]
# A quasi-identifier's chosen generalisation level (anonymization.hierarchies).
LevelFunction = Callable[[pa.Array], pa.Array]


def output_type(role: Role, source_type: pa.DataType) -> pa.DataType:
    if role in (Role.PERSON_ID, Role.FREE_TEXT, Role.QUASI_IDENTIFIER):
        return pa.string()
    if role is Role.EVENT_DATE:
        return pa.date32()
    return source_type


def _transform_column(
    role: Role,
    values: pa.Array,
    person_ids: pa.Array,
    project_key: bytes,
    language: str,
    scrub_text: TextScrubber | None,
    level: LevelFunction | None,
) -> pa.Array:
    if role in NEVER_EXTRACTABLE or role in NOT_YET_EXTRACTABLE:
        # The request validator refuses these; this is the last line of defence.
        raise ValueError(f"role {role.value} must never reach the writer")
    if role is Role.PERSON_ID:
        return pseudonymise(project_key, values)
    if role is Role.EVENT_DATE:
        return shift_dates(project_key, person_ids, values)
    if role is Role.FREE_TEXT:
        if scrub_text is None:
            raise ValueError("free text cannot be released without a scrubber")
        return pa.array(scrub_text(values.to_pylist(), language), type=pa.string())
    if role is Role.QUASI_IDENTIFIER:
        if level is None:
            raise ValueError("a quasi-identifier cannot be released without its chosen level")
        return level(values)
    return values


def first_event_date_column(table: TableSpec) -> str | None:
    """The column a request's period applies to (the table's first event date)."""
    for column in table.columns.values():
        if column.role is Role.EVENT_DATE:
            return column.name
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_table_file(table: pa.Table, name: str, out_dir: Path) -> WrittenPart:
    """A small derived table (e.g. an aggregate) as one Parquet part."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "part-00000.parquet"
    pq.write_table(table, path, compression=PARQUET_COMPRESSION)
    return WrittenPart(
        table=name,
        path=path,
        rows=table.num_rows,
        bytes=path.stat().st_size,
        sha256=sha256_of(path),
    )


def extract_table(
    source: ParquetSource,
    table: TableSpec,
    person_id_column: str,
    columns: list[str],
    included_ids: pa.Array,
    period: tuple[date, date],
    project_key: bytes,
    out_dir: Path,
    scrub_text: TextScrubber | None = None,
    quasi_identifier_levels: dict[str, LevelFunction] | None = None,
) -> list[WrittenPart]:
    """Write the extract's parts for one table into `out_dir` (replacing what was there)."""
    specs = [table.columns[name] for name in columns]
    source_schema = source.schema(table.name)
    out_schema = pa.schema(
        [pa.field(s.name, output_type(s.role, source_schema.field(s.name).type)) for s in specs]
    )
    read_columns = list(dict.fromkeys([person_id_column, *columns]))
    row_filter = ds.field(person_id_column).isin(included_ids)
    date_column = first_event_date_column(table)
    if date_column is not None:
        row_filter = (
            row_filter & (ds.field(date_column) >= period[0]) & (ds.field(date_column) <= period[1])
        )
        read_columns = list(dict.fromkeys([*read_columns, date_column]))

    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("part-*.parquet"):
        stale.unlink()
    parts: list[WrittenPart] = []
    writer: pq.ParquetWriter | None = None
    part_path: Path | None = None
    part_rows = 0

    def close_part() -> None:
        nonlocal writer, part_rows
        if writer is None or part_path is None:
            return
        writer.close()
        parts.append(
            WrittenPart(
                table=table.name,
                path=part_path,
                rows=part_rows,
                bytes=part_path.stat().st_size,
                sha256=sha256_of(part_path),
            )
        )
        writer, part_rows = None, 0

    for batch in source.batches(table.name, read_columns, filter=row_filter):
        if batch.num_rows == 0:
            continue
        person_ids = batch.column(person_id_column)
        arrays = [
            _transform_column(
                s.role,
                batch.column(s.name),
                person_ids,
                project_key,
                s.language,
                scrub_text,
                (quasi_identifier_levels or {}).get(s.name),
            )
            for s in specs
        ]
        out_batch = pa.RecordBatch.from_arrays(
            [a.cast(f.type) for a, f in zip(arrays, out_schema, strict=True)], schema=out_schema
        )
        if writer is None:
            part_path = out_dir / f"part-{len(parts):05d}.parquet"
            writer = pq.ParquetWriter(part_path, out_schema, compression=PARQUET_COMPRESSION)
        writer.write_batch(out_batch)
        part_rows += out_batch.num_rows
        if part_rows >= ROWS_PER_PART:
            close_part()
    close_part()
    if not parts:
        # An empty table is still published, with its schema, so readers see it exists.
        parts.append(write_table_file(out_schema.empty_table(), table.name, out_dir))
    return parts
