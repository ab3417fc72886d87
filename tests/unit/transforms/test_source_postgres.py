"""The PostgreSQL source's pure parts: names, URLs, types, partitions; and finding the
server binaries. The parts that talk to a server are in tests/integration."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

import sovex.services.postgres_server as postgres_server
from sovex.model.errors import ConfigurationError
from sovex.services.postgres_server import PostgresServer, find_postgres_bin
from transforms.source_base import Partition
from transforms.source_postgres import (
    PostgresSource,
    arrow_type,
    conform,
    filter_columns,
    partition_condition,
    quote_identifier,
    redacted_url,
    server_of,
)

SECRET = "s3cr3t-Pa55"


def adbc_field(name: str, kind: pa.DataType, **metadata: str) -> pa.Field:
    """A field as the ADBC driver describes it (PostgreSQL type names in metadata)."""
    return pa.field(name, kind, metadata={k.encode(): v.encode() for k, v in metadata.items()})


@pytest.mark.parametrize(
    ("name", "quoted"),
    [("patients", '"patients"'), ('we"ird', '"we""ird"'), ("a; DROP TABLE x", '"a; DROP TABLE x"')],
)
def test_identifiers_are_quoted_so_a_name_cannot_end_the_quote(name: str, quoted: str) -> None:
    assert quote_identifier(name) == quoted


def test_an_identifier_with_a_nul_character_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="NUL"):
        quote_identifier("pat\0ients")


def test_a_partition_hashes_the_first_column_and_places_nulls_too() -> None:
    condition = partition_condition('patient"id', Partition(2, 4))
    assert condition == ('mod(abs(hashtext(coalesce("patient""id"::text, \'\'))::bigint), 4) = 2')


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://sovex:{SECRET}@127.0.0.1:5432/warehouse",
        f"postgres://:{SECRET}@db.chu-exemple.fr/warehouse",
    ],
)
def test_a_url_carrying_a_password_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(ConfigurationError, match="PGPASSFILE") as raised:
        PostgresSource(url)
    assert SECRET not in str(raised.value)


def test_a_url_that_is_not_postgresql_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"postgresql://user@host:port/database"):
        PostgresSource("mysql://sovex@127.0.0.1/warehouse")


def test_messages_show_the_url_without_its_query() -> None:
    url = "postgresql://sovex@127.0.0.1:5433/warehouse?passfile=%2Fsecrets%2Fpgpass&sslmode=require"
    assert redacted_url(url) == "postgresql://sovex@127.0.0.1:5433/warehouse"


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("postgresql://sovex@127.0.0.1:5433/w", "127.0.0.1:5433"),
        ("postgresql://sovex@db.chu-exemple.fr/w", "db.chu-exemple.fr:5432"),
        ("postgresql://sovex@[::1]:5433/w", "[::1]:5433"),
        ("postgresql://sovex@a:5432,b:5433/w", "a:5432,b:5433"),
        ("postgresql:///w", "the local PostgreSQL socket"),
    ],
)
def test_errors_name_the_server_as_host_and_port(url: str, server: str) -> None:
    assert server_of(url) == server


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (adbc_field("a", pa.string(), **{"POSTGRESQL:type": "text"}), pa.string()),
        (adbc_field("a", pa.large_string(), **{"POSTGRESQL:type": "varchar"}), pa.string()),
        (adbc_field("d", pa.date32(), **{"POSTGRESQL:type": "date"}), pa.date32()),
        (adbc_field("v", pa.float64(), **{"POSTGRESQL:type": "float8"}), pa.float64()),
        (adbc_field("i", pa.int32(), **{"POSTGRESQL:type": "int4"}), pa.int32()),
        (
            adbc_field(
                "n",
                pa.opaque(pa.string(), "numeric", "PostgreSQL"),
                **{
                    "ADBC:postgresql:typname": "numeric",
                    "POSTGRESQL:typmod": str((10 << 16 | 2) + 4),
                },
            ),
            pa.decimal128(10, 2),
        ),
        (
            adbc_field(
                "n",
                pa.opaque(pa.string(), "numeric", "PostgreSQL"),
                **{"ADBC:postgresql:typname": "numeric", "POSTGRESQL:typmod": "-1"},
            ),
            pa.float64(),
        ),
        (adbc_field("u", pa.uuid(), **{"POSTGRESQL:type": "uuid"}), pa.string()),
        (adbc_field("j", pa.json_(), **{"POSTGRESQL:type": "json"}), pa.string()),
    ],
)
def test_postgresql_types_arrive_as_the_parquet_source_gives_them(
    field: pa.Field, expected: pa.DataType
) -> None:
    assert arrow_type(field) == expected


def test_a_conformed_batch_has_the_target_types_and_no_driver_metadata() -> None:
    raw = pa.RecordBatch.from_arrays(
        [
            pa.array(["P1", None], pa.large_string()),
            pa.array(["4.25", None]).cast(pa.opaque(pa.string(), "numeric", "PostgreSQL")),
        ],
        schema=pa.schema(
            [
                adbc_field("patient_id", pa.large_string(), **{"POSTGRESQL:type": "text"}),
                adbc_field(
                    "value",
                    pa.opaque(pa.string(), "numeric", "PostgreSQL"),
                    **{"ADBC:postgresql:typname": "numeric", "POSTGRESQL:typmod": "655366"},
                ),
            ]
        ),
    )
    target = pa.schema([("patient_id", pa.string()), ("value", pa.decimal128(10, 2))])
    batch = conform(raw, target)
    assert batch.schema.equals(target, check_metadata=True)
    assert batch.to_pylist()[0]["value"] == pa.scalar("4.25").cast(pa.decimal128(10, 2)).as_py()
    assert batch.to_pylist()[1] == {"patient_id": None, "value": None}


def test_the_server_url_carries_no_password_and_quotes_the_database(tmp_path: Path) -> None:
    server = PostgresServer(tmp_path / "data", "127.0.0.1", 54321, "sovex", tmp_path / "pgpass")
    assert server.url("entrepôt de données") == (
        "postgresql://sovex@127.0.0.1:54321/entrep%C3%B4t%20de%20donn%C3%A9es"
    )
    assert server.environ() == {"PGPASSFILE": str(tmp_path / "pgpass")}


def make_bin(root: Path, version: str) -> None:
    bin_dir = root / version / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("initdb", "pg_ctl", "postgres"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)


def test_the_newest_postgresql_is_chosen_by_version_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for version in ("9", "15", "16"):
        make_bin(tmp_path, version)
    (tmp_path / "17" / "bin").mkdir(parents=True)  # a client-only install: no server
    monkeypatch.setattr(postgres_server, "POSTGRES_ROOT", tmp_path)
    assert find_postgres_bin() == tmp_path / "16" / "bin"


def test_without_postgresql_the_error_says_to_run_make_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_server, "POSTGRES_ROOT", tmp_path)
    with pytest.raises(ConfigurationError, match="make services"):
        find_postgres_bin()


FOUR_COLUMNS = pa.schema(
    [("patient_id", pa.string()), ("code", pa.string()), ("on", pa.date32()), ("v", pa.float64())]
)


@pytest.mark.parametrize(
    ("wanted", "extra"),
    [
        (["patient_id"], ["code", "on"]),
        (["patient_id", "code"], ["on"]),
        (["on", "code"], []),
    ],
)
def test_a_filter_reads_exactly_the_columns_it_refers_to_beyond_those_requested(
    wanted: list[str], extra: list[str]
) -> None:
    expression = pc.starts_with(ds.field("code"), "E11") & (ds.field("on") >= date(2020, 1, 1))
    assert filter_columns(expression, FOUR_COLUMNS, wanted) == extra


def test_a_filter_on_a_column_the_table_lacks_is_recognised() -> None:
    assert filter_columns(ds.field("blood_group") == "O", FOUR_COLUMNS, ["patient_id"]) is None
