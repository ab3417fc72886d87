"""The embedded source: one Parquet file per table, read as Arrow record batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from sovex.errors import ConfigurationError

# Rows per record batch: large enough to amortise per-batch overhead, small enough to
# keep memory bounded whatever the table size.
BATCH_ROWS = 128_000


class ParquetSource:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def table_path(self, table: str) -> Path:
        return self.directory / f"{table}.parquet"

    def _dataset(self, table: str) -> ds.Dataset:
        path = self.table_path(table)
        if not path.is_file():
            raise ConfigurationError(
                f"source table {table!r} not found at {path}: run `sovex synth` first"
            )
        return ds.dataset(path, format="parquet")

    def schema(self, table: str) -> pa.Schema:
        return self._dataset(table).schema

    def batches(
        self, table: str, columns: Sequence[str], filter: ds.Expression | None = None
    ) -> Iterator[pa.RecordBatch]:
        dataset = self._dataset(table)
        missing = [c for c in columns if c not in dataset.schema.names]
        if missing:
            raise ConfigurationError(
                f"source table {table!r} at {self.table_path(table)} lacks column(s) "
                + ", ".join(missing)
                + ": the catalog and the source disagree"
            )
        yield from dataset.to_batches(columns=list(columns), filter=filter, batch_size=BATCH_ROWS)
