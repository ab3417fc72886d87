"""What every source offers: three calls, read in partitions.

A partition is one of disjoint pieces of a table that separate tasks (Airflow mapped tasks,
on as many workers as there are) process independently and whose union is the table. The
implementations are `transforms.source` (Parquet, the embedded default) and
`transforms.source_postgres` (a hospital warehouse).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa
import pyarrow.dataset as ds

from sovex.model.errors import ConfigurationError

# Rows per record batch: large enough to amortise per-batch overhead, small enough to
# keep memory bounded whatever the table size (benchmarks/ measured the choice).
BATCH_ROWS = 128_000


@dataclass(frozen=True)
class Partition:
    """Piece `index` of `count` disjoint pieces of one table."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"partition {self.index} of {self.count} does not exist")


WHOLE_TABLE = Partition(0, 1)


class Source(Protocol):
    def schema(self, table: str) -> pa.Schema: ...

    def row_count(self, table: str) -> int: ...

    def batches(
        self,
        table: str,
        columns: Sequence[str],
        filter: ds.Expression | None = None,
        partition: Partition = WHOLE_TABLE,
    ) -> Iterator[pa.RecordBatch]: ...


def check_columns(table: str, where: str, schema: pa.Schema, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise ConfigurationError(
            f"source table {table!r} at {where} lacks column(s) "
            + ", ".join(missing)
            + ": the catalog and the source disagree"
        )
