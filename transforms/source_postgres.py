"""PostgreSQL as a source: tables streamed as Arrow record batches through ADBC.

The ADBC driver reads a query's result with libpq's binary COPY and hands it over batch
by batch, so memory stays bounded whatever the table size. Names are never interpolated
unchecked: a table must exist (on the search path, or `schema.table`) and columns must be
among its real ones; only then are they quoted as identifiers. Filters are pyarrow
expressions applied in Arrow to each streamed batch, so both sources accept the same
filters and return the same rows.

The URL carries no password: libpq reads it from the file PGPASSFILE names.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from adbc_driver_manager import dbapi

from sovex.model.errors import ConfigurationError, SourceTableMissing
from transforms.source_base import BATCH_ROWS, WHOLE_TABLE, Partition, check_columns

URL_SCHEMES = ("postgresql", "postgres")
DEFAULT_PORT = 5432
# libpq otherwise waits for the operating system's TCP timeout (minutes) on a dead host.
CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "sovex"
# Run on each reading session. No parallel workers and no synchronised scans: a plain
# sequential scan returns an unchanged table in the same order at every run, so a rerun
# writes the same parts. Read-only: a source is never written through this connection.
READ_SESSION = (
    "SET default_transaction_read_only = on",
    "SET max_parallel_workers_per_gather = 0",
    "SET synchronize_seqscans = off",
)
# Tables, views, materialised views, partitioned and foreign tables can all be read.
READABLE_KINDS = "('r', 'v', 'm', 'p', 'f')"
# `numeric` without a declared precision has no exact Arrow type: read as float64.
UNCONSTRAINED_NUMERIC = pa.float64()
MAX_DECIMAL128_PRECISION = 38
NUMERIC_TYPMOD_OFFSET = 4  # PostgreSQL stores ((precision << 16) | scale) + 4


class PostgresSource:
    """Tables of one PostgreSQL database, read as Arrow record batches.

    Types come back as the Parquet source gives them: text/varchar → string, date →
    date32, integers → int16/32/64, double precision → float64, numeric(p, s) → decimal,
    json/uuid → string; no PostgreSQL-specific field metadata.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = redacted_url(url)  # also refuses a URL that carries a password

    def schema(self, table: str) -> pa.Schema:
        with connect(self.url, read_only=True) as connection:
            return self._schema(connection, self._relation(connection, table), table)

    def row_count(self, table: str) -> int:
        with connect(self.url, read_only=True) as connection:
            relation = self._relation(connection, table)
            row = self._query_one(connection, table, f"SELECT count(*) FROM {relation}")
            return int(row[0])

    def batches(
        self,
        table: str,
        columns: Sequence[str],
        filter: ds.Expression | None = None,
        partition: Partition = WHOLE_TABLE,
    ) -> Iterator[pa.RecordBatch]:
        """Batches of at most BATCH_ROWS rows holding `columns`, in that order.

        A partition of `count` > 1 is the rows whose FIRST requested column hashes to
        `index` (PostgreSQL's `hashtext` of its text form): callers pass the person id
        first, so all rows of one person fall in the same partition. `filter` may refer
        to columns not requested; they are read for it and not returned.
        """
        with connect(self.url, read_only=True) as connection:
            relation = self._relation(connection, table)
            schema = self._schema(connection, relation, table)
            check_columns(table, self.where, schema, columns)
            if not columns:
                raise ConfigurationError(f"source table {table!r}: no column requested")
            wanted = list(dict.fromkeys(columns))
            extra = [] if filter is None else self._filter_columns(table, schema, wanted, filter)
            read_schema = pa.schema([schema.field(name) for name in [*wanted, *extra]])
            selected = ", ".join(quote_identifier(name) for name in read_schema.names)
            sql = f"SELECT {selected} FROM {relation}"
            if partition.count > 1:
                sql += f" WHERE {partition_condition(columns[0], partition)}"
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    reader = cursor.fetch_record_batch()
                    for raw in reader:
                        rows = pa.Table.from_batches([conform(raw, read_schema)])
                        if filter is not None:
                            rows = rows.filter(filter)
                        yield from rows.select(list(columns)).to_batches(BATCH_ROWS)
            except dbapi.Error as error:
                raise ConfigurationError(
                    f"reading source table {table!r} from {self.where} failed: {_reason(error)}"
                ) from error

    # -- helpers --------------------------------------------------------------------

    def _relation(self, connection: dbapi.Connection, table: str) -> str:
        """The quoted `schema.table` of an existing table or view named `table`."""
        schema_name, _, name = table.rpartition(".")
        parameters: tuple[str, ...] = (name, schema_name) if schema_name else (name,)
        condition = "n.nspname = $2" if schema_name else "n.nspname = ANY (current_schemas(false))"
        sql = (
            "SELECT n.nspname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relname = $1 AND c.relkind IN {READABLE_KINDS} AND {condition} "
            "ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1"
        )
        row = self._query_one(connection, table, sql, parameters)
        if row is None:
            where = f"schema {schema_name!r}" if schema_name else "the search path"
            raise SourceTableMissing(
                f"source table {table!r} not found in {self.where} ({where}): "
                "load it (e.g. `load_parquet_folder`) or fix the catalog's table name"
            )
        return f"{quote_identifier(row[0])}.{quote_identifier(name)}"

    def _schema(self, connection: dbapi.Connection, relation: str, table: str) -> pa.Schema:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {relation} LIMIT 0")
                raw = cursor.fetch_record_batch().schema
        except dbapi.Error as error:
            raise ConfigurationError(
                f"source table {table!r} at {self.where}: {_reason(error)}"
            ) from error
        return pa.schema([pa.field(f.name, arrow_type(f), f.nullable) for f in raw])

    def _query_one(
        self,
        connection: dbapi.Connection,
        table: str,
        sql: str,
        parameters: Sequence[Any] | None = None,
    ) -> Any:
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, parameters)
                return cursor.fetchone()
        except dbapi.Error as error:
            raise ConfigurationError(
                f"source table {table!r} at {self.where}: {_reason(error)}"
            ) from error

    def _filter_columns(
        self, table: str, schema: pa.Schema, wanted: list[str], expression: ds.Expression
    ) -> list[str]:
        extra = filter_columns(expression, schema, wanted)
        if extra is None:
            raise ConfigurationError(
                f"a filter on source table {table!r} at {self.where} refers to a column "
                "the table lacks or compares a column with a value of another type"
            )
        return extra


def filter_columns(
    expression: ds.Expression, schema: pa.Schema, wanted: Sequence[str]
) -> list[str] | None:
    """The columns of `schema` beyond `wanted` that `expression` refers to (None if it
    does not apply to `schema` at all).

    pyarrow does not list an expression's fields; binding it to a schema fails when a
    field is missing, so the needed columns are those whose removal makes it fail.
    """
    wanted = list(wanted)
    if _binds(expression, schema, wanted):
        return []
    others = [name for name in schema.names if name not in wanted]
    if not _binds(expression, schema, [*wanted, *others]):
        return None
    needed = list(others)
    for name in others:
        fewer = [n for n in needed if n != name]
        if _binds(expression, schema, [*wanted, *fewer]):
            needed = fewer
    return needed


def partition_condition(column: str, partition: Partition) -> str:
    """SQL selecting partition `index` of `count` by a hash of `column`'s text form.

    NULL hashes as the empty string, so every row lands in exactly one partition.
    """
    hashed = f"hashtext(coalesce({quote_identifier(column)}::text, ''))::bigint"
    return f"mod(abs({hashed}), {int(partition.count)}) = {int(partition.index)}"


def arrow_type(field: pa.Field) -> pa.DataType:
    """The Arrow type the Parquet source would give for a column ADBC read."""
    kind = field.type
    if isinstance(kind, pa.BaseExtensionType):
        if (field.metadata or {}).get(b"ADBC:postgresql:typname") == b"numeric":
            return _numeric_type(field)
        kind = kind.storage_type
        if pa.types.is_fixed_size_binary(kind):  # uuid: its canonical text form
            return pa.string()
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_large_binary(kind) or pa.types.is_binary_view(kind):
        return pa.binary()
    return kind


def _numeric_type(field: pa.Field) -> pa.DataType:
    typmod = int((field.metadata or {}).get(b"POSTGRESQL:typmod", b"-1"))
    if typmod < NUMERIC_TYPMOD_OFFSET:
        return UNCONSTRAINED_NUMERIC
    precision = (typmod - NUMERIC_TYPMOD_OFFSET) >> 16
    scale = (typmod - NUMERIC_TYPMOD_OFFSET) & 0xFFFF
    if precision > MAX_DECIMAL128_PRECISION:
        return pa.decimal256(precision, scale)
    return pa.decimal128(precision, scale)


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """`batch` as `schema`: extension storage unwrapped, types cast, metadata dropped."""
    arrays = []
    for column, field in zip(batch.columns, schema, strict=True):
        array = column.storage if isinstance(column.type, pa.BaseExtensionType) else column
        if isinstance(column.type, pa.UuidType):  # Arrow has no uuid → string cast
            array = pa.array([None if v is None else str(v) for v in column.to_pylist()])
        if array.type != field.type:
            array = array.cast(field.type)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _binds(expression: ds.Expression, schema: pa.Schema, names: list[str]) -> bool:
    empty = pa.schema([schema.field(name) for name in names]).empty_table()
    try:
        empty.filter(expression)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return False
    return True


# -- connections ----------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """`name` as a PostgreSQL quoted identifier (only ever for names already checked)."""
    if "\0" in name:
        raise ConfigurationError(f"identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def redacted_url(url: str) -> str:
    """`scheme://user@host:port/database` for messages; refuses a URL with a password."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in URL_SCHEMES:
        raise ConfigurationError(
            "SOVEX_SOURCE_URL must be a libpq URL: postgresql://user@host:port/database"
        )
    user, has_password, _ = parts.netloc.rpartition("@")[0].partition(":")
    if has_password:
        raise ConfigurationError(
            f"the PostgreSQL URL for {user or 'the user'}@{server_of(url)} carries a "
            "password: remove it and put it in a password file named by PGPASSFILE"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def server_of(url: str) -> str:
    """`host:port` of a libpq URL, for messages."""
    hosts = urllib.parse.urlsplit(url).netloc.rpartition("@")[2]
    if not hosts:
        return "the local PostgreSQL socket"
    if "," in hosts or hosts.endswith("]") or ":" in hosts.rsplit("]", 1)[-1]:
        return hosts
    return f"{hosts}:{DEFAULT_PORT}"


def connect(
    url: str,
    *,
    passfile: Path | None = None,
    autocommit: bool = True,
    read_only: bool = False,
) -> dbapi.Connection:
    """An ADBC connection; a refused or unanswered connection is a ConfigurationError
    naming host:port. `passfile` overrides PGPASSFILE (for a server started here)."""
    import adbc_driver_postgresql.dbapi

    where = redacted_url(url)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    query.setdefault("application_name", APPLICATION_NAME)
    if passfile is not None:
        query["passfile"] = str(passfile)
    uri = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    try:
        connection = adbc_driver_postgresql.dbapi.connect(uri, autocommit=autocommit)
    except dbapi.Error as error:
        reason = _reason(error)
        hint = (
            ": check the password file PGPASSFILE names (0600, a line for this host and user)"
            if "password" in reason or "authentication" in reason
            else ""
        )
        raise ConfigurationError(
            f"cannot connect to PostgreSQL at {server_of(url)} ({where}): {reason}{hint}"
        ) from error
    if read_only:
        with connection.cursor() as cursor:
            for statement in READ_SESSION:
                cursor.execute(statement)
    return connection


def _reason(error: dbapi.Error) -> str:
    """The driver's message on one line, without ADBC's status prefix."""
    message = " ".join(str(error).split())
    for prefix in ("IO: ", "INVALID_ARGUMENT: ", "NOT_FOUND: ", "UNKNOWN: "):
        message = message.removeprefix(prefix)
    return message.removeprefix("[libpq] ")


# -- loading --------------------------------------------------------------------------


def load_parquet_folder(
    url: str, folder: Path, tables: list[str] | None = None, *, passfile: Path | None = None
) -> dict[str, int]:
    """Copy each `<table>.parquet` of a Parquet source folder (all of them by default)
    into PostgreSQL, replacing tables of the same names; return the rows loaded per table.

    All tables are replaced in one transaction: a failure leaves the previous ones. Rows
    are streamed batch by batch (bounded memory) in file order. `passfile` overrides
    PGPASSFILE.
    """
    if tables is None:
        tables = sorted(path.stem for path in folder.glob("*.parquet"))
    missing = [t for t in tables if not (folder / f"{t}.parquet").is_file()]
    if missing:
        raise ConfigurationError(
            f"no {', '.join(f'{t}.parquet' for t in missing)} in {folder}: run `sovex synth` first"
        )
    if not tables:
        raise ConfigurationError(f"no <table>.parquet file in {folder}: run `sovex synth` first")
    loaded: dict[str, int] = {}
    with connect(url, passfile=passfile, autocommit=False) as connection:
        try:
            for table in tables:
                parquet = pq.ParquetFile(folder / f"{table}.parquet")
                reader = pa.RecordBatchReader.from_batches(
                    parquet.schema_arrow, parquet.iter_batches(batch_size=BATCH_ROWS)
                )
                schema_name, _, name = table.rpartition(".")
                with connection.cursor() as cursor:
                    cursor.adbc_ingest(
                        name, reader, mode="replace", db_schema_name=schema_name or None
                    )
                loaded[table] = parquet.metadata.num_rows
            connection.commit()
        except dbapi.Error as error:
            connection.rollback()
            raise ConfigurationError(
                f"loading {folder} into {redacted_url(url)} failed: {_reason(error)}"
            ) from error
    return loaded
