"""The PostgreSQL source against a real PostgreSQL on 127.0.0.1, loaded from the same
synthetic Parquet tables as the embedded source: both must give the same data."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml

import transforms.source_postgres as source_postgres
from sovex.model.errors import ConfigurationError
from sovex.model.settings import PROJECT_ROOT, Settings
from sovex.services.postgres_server import (
    PostgresServer,
    create_database,
    start_postgres,
    stop_postgres,
)
from sovex.synth.population import SOURCE_TABLES
from tests.helpers import approve_request
from transforms.source import ParquetSource
from transforms.source_base import Partition
from transforms.source_postgres import PostgresSource, connect, load_parquet_folder

pytestmark = pytest.mark.integration

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
# Two runs of the same request on the same day (same consent date, same pseudonyms):
# distinct times give distinct extract ids.
PARQUET_RUN = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
POSTGRES_RUN = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)
LISTEN_STATE = "0A"  # TCP_LISTEN in /proc/net/tcp
LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


@pytest.fixture(autouse=True)
def _password_file_in_environment(
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """libpq reads the password from PGPASSFILE, as a deployment's workers would."""
    monkeypatch.setenv("PGPASSFILE", str(postgres_server.passfile))


def password_of(server: PostgresServer) -> str:
    return server.passfile.read_text().strip().rsplit(":", 1)[1]


def sorted_table(table: pa.Table) -> pa.Table:
    return table.sort_by([(name, "ascending") for name in table.column_names])


def read_all(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_batches(list(batches), schema=schema)


# -- the server -----------------------------------------------------------------------


def test_the_server_listens_on_127_0_0_1_only(postgres_server: PostgresServer) -> None:
    port_hex = f"{postgres_server.port:04X}"
    listening = {
        name: [
            fields[1].split(":")[0]
            for fields in (
                line.split() for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]
            )
            if fields[1].endswith(f":{port_hex}") and fields[3] == LISTEN_STATE
        ]
        for name in ("tcp", "tcp6")
    }
    assert listening == {"tcp": [LOOPBACK_HEX], "tcp6": []}
    # Another loopback address of the same machine is refused.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.2", postgres_server.port), 2):
        pass


def test_the_password_lives_only_in_a_private_password_file(
    postgres_server: PostgresServer,
) -> None:
    password = password_of(postgres_server)
    assert len(password) >= 24
    assert stat.S_IMODE(postgres_server.passfile.stat().st_mode) == 0o600
    url = postgres_server.url("warehouse")
    assert url == f"postgresql://sovex@127.0.0.1:{postgres_server.port}/warehouse"
    assert password not in url
    assert password not in json.dumps(postgres_server.environ())
    assert password not in repr(postgres_server)
    log = (postgres_server.data_dir.parent / "postgres.log").read_text()
    assert password not in log


def test_only_password_authentication_is_accepted(
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    wrong = tmp_path / "pgpass"
    wrong.write_text("127.0.0.1:*:*:sovex:not-the-password\n")
    wrong.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(wrong))
    with pytest.raises(ConfigurationError, match="password authentication failed"):
        PostgresSource(postgres_server.url("postgres")).row_count("pg_class")


def test_a_stopped_server_restarts_with_its_data_and_stop_is_idempotent(
    session_settings: Settings,
) -> None:
    server = start_postgres(session_settings.state_dir, name="postgres-restart", durable=False)
    try:
        assert start_postgres(session_settings.state_dir, name="postgres-restart") == server
        create_database(server, "kept")
        create_database(server, "kept")  # idempotent
        stop_postgres(server)
        stop_postgres(server)
        with (
            pytest.raises(ConfigurationError, match=rf"127\.0\.0\.1:{server.port}"),
            connect(server.url("kept"), passfile=server.passfile),
        ):
            pass
        again = start_postgres(session_settings.state_dir, name="postgres-restart")
        with (
            connect(again.url("kept"), passfile=again.passfile) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone() == ("kept",)
    finally:
        stop_postgres(server)


# -- the source gives what the Parquet source gives ------------------------------------


def test_loading_a_parquet_folder_copies_every_table_and_a_reload_replaces_them(
    postgres_warehouse: tuple[PostgresServer, str],
    synthetic_source: Path,
) -> None:
    server, url = postgres_warehouse
    expected = {
        t: pq.ParquetFile(synthetic_source / f"{t}.parquet").metadata.num_rows
        for t in SOURCE_TABLES
    }
    again = load_parquet_folder(
        url, synthetic_source, list(SOURCE_TABLES), passfile=server.passfile
    )
    assert again == expected
    source = PostgresSource(url)
    assert {t: source.row_count(t) for t in SOURCE_TABLES} == expected


def test_a_table_in_another_schema_with_an_unusual_name_is_read_by_its_qualified_name(
    postgres_warehouse: tuple[PostgresServer, str],
    synthetic_source: Path,
    tmp_path: Path,
) -> None:
    server, url = postgres_warehouse
    with connect(url, passfile=server.passfile) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA IF NOT EXISTS dwh")
    name = 'dwh.Patients "2026"'
    (tmp_path / f"{name}.parquet").write_bytes((synthetic_source / "patients.parquet").read_bytes())
    rows = pq.ParquetFile(synthetic_source / "patients.parquet").metadata.num_rows
    assert load_parquet_folder(url, tmp_path, passfile=server.passfile) == {name: rows}
    source = PostgresSource(url)
    assert source.row_count(name) == rows
    assert source.schema(name).equals(ParquetSource(synthetic_source).schema("patients"))
    with pytest.raises(ConfigurationError, match="search path"):
        source.row_count('Patients "2026"')  # dwh is not on the search path


@pytest.mark.parametrize("table", SOURCE_TABLES)
def test_every_table_has_the_schema_and_rows_of_the_parquet_source(
    postgres_warehouse: tuple[PostgresServer, str],
    synthetic_source: Path,
    table: str,
) -> None:
    postgres, parquet = PostgresSource(postgres_warehouse[1]), ParquetSource(synthetic_source)
    schema = parquet.schema(table)
    assert postgres.schema(table).equals(schema, check_metadata=True)
    ours = read_all(postgres.batches(table, schema.names), schema)
    theirs = read_all(parquet.batches(table, schema.names), schema)
    assert ours.num_rows == theirs.num_rows > 0
    assert sorted_table(ours).equals(sorted_table(theirs))


def test_a_filter_on_ids_and_dates_selects_the_same_rows(
    postgres_warehouse: tuple[PostgresServer, str],
    synthetic_source: Path,
) -> None:
    postgres, parquet = PostgresSource(postgres_warehouse[1]), ParquetSource(synthetic_source)
    ids = pq.read_table(synthetic_source / "patients.parquet")["patient_id"][::3]
    expression = (
        ds.field("patient_id").isin(ids)
        & (ds.field("admission_date") >= date(2020, 1, 1))
        & (ds.field("admission_date") <= date(2024, 12, 31))
    )
    columns = ["patient_id", "encounter_id", "admission_date", "unit"]
    schema = parquet.schema("encounters")
    wanted = pa.schema([schema.field(c) for c in columns])
    ours = read_all(postgres.batches("encounters", columns, filter=expression), wanted)
    theirs = read_all(parquet.batches("encounters", columns, filter=expression), wanted)
    assert 0 < ours.num_rows < parquet.row_count("encounters")
    assert sorted_table(ours).equals(sorted_table(theirs))


def test_a_filter_on_a_column_not_requested_reads_it_without_returning_it(
    postgres_warehouse: tuple[PostgresServer, str],
    synthetic_source: Path,
) -> None:
    # As the cohort selection does: patients with an E11 diagnosis, only their ids back.
    expression = pc.starts_with(ds.field("icd10_code"), "E11")
    wanted = pa.schema([("patient_id", pa.string())])
    source = PostgresSource(postgres_warehouse[1])
    ours = read_all(source.batches("diagnoses", ["patient_id"], filter=expression), wanted)
    diagnoses = pq.read_table(synthetic_source / "diagnoses.parquet")
    expected = diagnoses.filter(expression)["patient_id"].to_pylist()
    assert ours.column_names == ["patient_id"]
    assert 0 < ours.num_rows < diagnoses.num_rows
    assert sorted(ours["patient_id"].to_pylist()) == sorted(expected)


@pytest.mark.parametrize("count", [1, 3, 4])
def test_partitions_are_disjoint_and_together_are_the_table(
    postgres_warehouse: tuple[PostgresServer, str],
    count: int,
) -> None:
    source = PostgresSource(postgres_warehouse[1])
    whole = sorted(
        row["diagnosis_id"]
        for batch in source.batches("diagnoses", ["patient_id", "diagnosis_id"])
        for row in batch.to_pylist()
    )
    pieces = [
        pa.Table.from_batches(
            list(
                source.batches(
                    "diagnoses", ["patient_id", "diagnosis_id"], partition=Partition(i, count)
                )
            ),
            schema=pa.schema([("patient_id", pa.string()), ("diagnosis_id", pa.string())]),
        )
        for i in range(count)
    ]
    ids = [set(piece["diagnosis_id"].to_pylist()) for piece in pieces]
    assert sum(len(piece_ids) for piece_ids in ids) == len(whole)
    assert sorted(set().union(*ids)) == whole
    if count > 1:
        assert all(piece.num_rows > 0 for piece in pieces)
        # Partitioned by the first column: one person's rows are never split.
        people = [set(piece["patient_id"].to_pylist()) for piece in pieces]
        assert sum(len(p) for p in people) == len(set().union(*people))


def test_batches_never_exceed_the_batch_size(
    postgres_warehouse: tuple[PostgresServer, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(source_postgres, "BATCH_ROWS", 500)
    source = PostgresSource(postgres_warehouse[1])
    sizes = [b.num_rows for b in source.batches("measurements", ["patient_id", "value"])]
    assert len(sizes) > 1
    assert max(sizes) == 500 and min(sizes) > 0
    assert sum(sizes) == source.row_count("measurements")


# Streams a ~140 MB table in a fresh process and reports how much its peak memory grew.
STREAMING_PROBE = """
import os, resource, sys
from transforms.source_postgres import PostgresSource, connect
url = sys.argv[1]
with connect(url) as connection, connection.cursor() as cursor:
    cursor.execute("DROP TABLE IF EXISTS wide")
    cursor.execute(
        "CREATE TABLE wide AS SELECT lpad(i::text, 9, '0') AS patient_id, "
        "repeat('x', 240) AS filler FROM generate_series(1, 600000) AS i"
    )
source = PostgresSource(url)
assert source.schema("wide").names == ["patient_id", "filler"]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rows = sum(batch.num_rows for batch in source.batches("wide", ["patient_id", "filler"]))
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
with connect(url) as connection, connection.cursor() as cursor:
    cursor.execute("DROP TABLE wide")
print(rows, grown // 1024)
"""
TABLE_MB = 600_000 * 250 // 2**20
MAX_GROWTH_MB = TABLE_MB // 3


def test_memory_stays_bounded_while_a_large_table_streams(
    postgres_warehouse: tuple[PostgresServer, str],
) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", STREAMING_PROBE, postgres_warehouse[1]],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGPASSFILE": str(postgres_warehouse[0].passfile)},
        cwd=PROJECT_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    rows, grown_mb = map(int, completed.stdout.split())
    assert rows == 600_000
    assert grown_mb < MAX_GROWTH_MB, f"peak memory grew {grown_mb} MB for a {TABLE_MB} MB table"


# -- clear errors, never the password ----------------------------------------------------


def test_an_unknown_table_names_the_table_and_the_database(
    postgres_warehouse: tuple[PostgresServer, str],
) -> None:
    server, url = postgres_warehouse
    with pytest.raises(ConfigurationError) as raised:
        PostgresSource(url).schema("prescriptions")
    message = str(raised.value)
    assert "'prescriptions'" in message and url in message
    assert password_of(server) not in message


def test_a_missing_column_names_the_table_and_the_column(
    postgres_warehouse: tuple[PostgresServer, str],
) -> None:
    server, url = postgres_warehouse
    with pytest.raises(ConfigurationError) as raised:
        list(PostgresSource(url).batches("patients", ["patient_id", "blood_group"]))
    message = str(raised.value)
    assert "'patients'" in message and "blood_group" in message
    assert password_of(server) not in message


def test_a_column_name_is_never_sql(
    postgres_warehouse: tuple[PostgresServer, str],
) -> None:
    url = postgres_warehouse[1]
    with pytest.raises(ConfigurationError, match="lacks column"):
        list(PostgresSource(url).batches("patients", ["patient_id", "1; DROP TABLE patients"]))
    with pytest.raises(ConfigurationError, match="not found"):
        PostgresSource(url).row_count('patients"; DROP TABLE patients; --')
    assert PostgresSource(url).row_count("patients") > 0


def test_an_unreachable_server_names_host_and_port(
    postgres_server: PostgresServer,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(ConfigurationError) as raised:
        PostgresSource(f"postgresql://sovex@127.0.0.1:{closed_port}/warehouse").row_count(
            "patients"
        )
    assert f"127.0.0.1:{closed_port}" in str(raised.value)
    assert password_of(postgres_server) not in str(raised.value)


def test_without_a_password_file_the_error_says_where_the_password_comes_from(
    postgres_warehouse: tuple[PostgresServer, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "absent"))
    with pytest.raises(ConfigurationError, match="PGPASSFILE"):
        PostgresSource(postgres_warehouse[1]).row_count("patients")


# -- the whole job, once per source -----------------------------------------------------


def downloaded_tables(settings: Settings, extract_id: str, into: Path) -> dict[str, pa.Table]:
    from sovex.storage_access import reading_client
    from transforms.download import download_extract

    s3, target = reading_client(settings, "local-seaweedfs")
    result = download_extract(s3, target.bucket, "parcours-diabete", extract_id, into)
    tables: dict[str, list[pa.Table]] = {}
    for part in sorted(result.directory.rglob("part-*.parquet")):
        tables.setdefault(str(part.parent.relative_to(result.directory)), []).append(
            pq.read_table(part)
        )
    return {name: pa.concat_tables(parts) for name, parts in tables.items()}


def sequential_scans(url: str, passfile: Path) -> dict[str, int]:
    with connect(url, passfile=passfile) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT relname, seq_scan FROM pg_stat_user_tables")
        return {name: int(scans) for name, scans in cursor.fetchall()}


def parity_request(directory: Path, settings: Settings) -> Path:
    """The example request, approved under its own id, without the notes table: free-text
    scrubbing adds nothing to a comparison of sources and is the slowest step."""
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["id"] = "diabetes-t2-postgres-parity"
    raw["tables"].pop("notes")
    path = directory / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    approve_request(settings, path)
    return path


def test_the_dag_publishes_the_same_extract_from_postgresql_as_from_parquet(
    pipeline_settings: Settings,
    postgres_warehouse: tuple[PostgresServer, str],
    tmp_path: Path,
) -> None:
    from sovex.airflow_runner import run_request

    server, url = postgres_warehouse
    request = parity_request(tmp_path, pipeline_settings)
    from_parquet = run_request(pipeline_settings, request, PARQUET_RUN)
    scans_before = sequential_scans(url, server.passfile)
    from_postgres = run_request(replace(pipeline_settings, source_url=url), request, POSTGRES_RUN)
    scans_after = sequential_scans(url, server.passfile)

    # The second run really read PostgreSQL: every requested table was scanned there.
    for table in ("patients", "encounters", "diagnoses", "measurements"):
        assert scans_after[table] > scans_before.get(table, 0), table
    assert from_postgres.extract_id != from_parquet.extract_id
    assert from_postgres.result["tables"] == from_parquet.result["tables"]

    # The same decisions; each run read the registry at its own moment (`known_by`).
    def decisions(result: dict) -> dict:
        return {k: v for k, v in result["consent"].items() if k != "known_by"}

    assert decisions(from_postgres.result) == decisions(from_parquet.result)
    ours = downloaded_tables(pipeline_settings, from_postgres.extract_id, tmp_path / "pg")
    theirs = downloaded_tables(pipeline_settings, from_parquet.extract_id, tmp_path / "pq")
    assert ours.keys() == theirs.keys() and "patients" in ours
    for name in ours:
        assert ours[name].num_rows > 0, name
        assert ours[name].schema.equals(theirs[name].schema), name
        assert sorted_table(ours[name]).equals(sorted_table(theirs[name])), name


def test_a_cohort_no_patient_matches_is_a_clear_refusal_on_postgresql_too(
    pipeline_settings: Settings,
    postgres_warehouse: tuple[PostgresServer, str],
    tmp_path: Path,
) -> None:
    from sovex.airflow_runner import run_request
    from sovex.model.errors import GateFailed, exit_code_for

    _, url = postgres_warehouse
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["id"] = "postgres-empty-cohort"
    raw["tables"].pop("notes")
    raw["cohort"] = [
        {"table": "diagnoses", "column": "icd10_code", "op": "starts_with", "values": ["Z99.9"]}
    ]
    path = tmp_path / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    approve_request(pipeline_settings, path)
    with pytest.raises(GateFailed) as raised:
        run_request(replace(pipeline_settings, source_url=url), path, POSTGRES_RUN)
    assert exit_code_for(raised.value) == 4
    assert "no patient of the source matches the cohort filters" in str(raised.value)


def test_cli_loads_the_parquet_source_into_postgresql_and_checks_it(
    session_settings: Settings,
    synthetic_source: Path,
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sovex.cli import main

    create_database(postgres_server, "cli_warehouse")
    url = postgres_server.url("cli_warehouse")
    monkeypatch.setenv("PGPASSFILE", str(postgres_server.passfile))
    environ = session_settings.as_environ()
    assert main(["source", "load-postgres", url], environ=environ) == 0
    loaded = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["tables"]
    assert loaded["patients"] == pq.read_metadata(synthetic_source / "patients.parquet").num_rows

    from_postgres = {**environ, "SOVEX_SOURCE_URL": url}
    assert main(["source", "check"], environ=from_postgres) == 0
    checked = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert checked["source"] == url
    assert checked["tables"] == {name: loaded[name] for name in checked["tables"]}

    # A catalogued table missing from the warehouse: exit 2, named, no traceback.
    with (
        connect(url, passfile=postgres_server.passfile) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("DROP TABLE measurements")
    assert main(["source", "check"], environ=from_postgres) == 2
    error = capsys.readouterr().err
    assert "measurements" in error and "Traceback" not in error
