"""Partitioned execution: the same request extracted in one piece per table and in many
pieces (Airflow mapped tasks) publishes the same rows, the same pseudonyms and the same
manifest counts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sovex.airflow_runner import run_request
from sovex.model.settings import Settings
from sovex.storage_access import reading_client
from tests.integration.test_research_extract import RUN_TIME, request_variant
from transforms.download import download_extract

pytestmark = pytest.mark.integration

PROJECT = "partitions"
# The synthetic tables have 2,048-row row groups (sovex.synth.population): 3,000-row partitions cut
# every table but the smallest into several pieces, some of them empty.
SMALL_PARTITION_ROWS = 3_000


def _download(
    settings: Settings, extract_id: str, into: Path
) -> tuple[dict[str, pa.Table], object]:
    s3, target = reading_client(settings, "local-seaweedfs")
    result = download_extract(s3, target.bucket, PROJECT, extract_id, into)
    tables: dict[str, list[pa.Table]] = {}
    files: dict[str, int] = {}
    for part in sorted(result.directory.rglob("part-*.parquet")):
        name = str(part.parent.relative_to(result.directory))
        tables.setdefault(name, []).append(pq.read_table(part))
        files[name] = files.get(name, 0) + 1
    merged = {name: pa.concat_tables(parts) for name, parts in tables.items()}
    return merged, (result.manifest, files)


def _sorted(table: pa.Table) -> list[dict]:
    return table.sort_by([(name, "ascending") for name in table.column_names]).to_pylist()


def test_partitioned_and_single_runs_publish_the_same_extract(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    # The example is scheduled (@quarterly), so it may run more than once.
    request = request_variant(
        tmp_path, pipeline_settings, id="diabetes-t2-partitions", project=PROJECT
    )
    single = run_request(pipeline_settings, request, RUN_TIME)
    # Same day (same consent as of), one hour later: another extract id.
    partitioned_settings = replace(pipeline_settings, partition_rows=SMALL_PARTITION_ROWS)
    partitioned = run_request(partitioned_settings, request, RUN_TIME + timedelta(hours=1))
    assert single.extract_id != partitioned.extract_id

    one, (one_manifest, one_files) = _download(
        pipeline_settings, single.extract_id, tmp_path / "single"
    )
    many, (many_manifest, many_files) = _download(
        pipeline_settings, partitioned.extract_id, tmp_path / "partitioned"
    )
    # The partitioned run really was cut up: several part files for the larger tables.
    assert all(count == 1 for count in one_files.values())
    assert many_files["measurements"] > 1 and many_files["diagnoses"] > 1
    assert set(one) == set(many)
    for name in one:
        assert _sorted(one[name]) == _sorted(many[name]), name  # same rows, same pseudonyms
    assert one_manifest.tables == many_manifest.tables
    # The same decisions; each run read the registry at its own moment (`known_by`).
    unread = {"known_by"}
    assert one_manifest.consent.model_dump(exclude=unread) == many_manifest.consent.model_dump(
        exclude=unread
    )
    for field in ("k_achieved", "suppressed_records", "generalisation", "l_diversity"):
        assert getattr(one_manifest.release_gate, field) == getattr(
            many_manifest.release_gate, field
        )
    # Both codebooks validate: the partitioned one lists every part of a table.
    from frictionless import validate

    for into, extract_id in (
        ("single", single.extract_id),
        ("partitioned", partitioned.extract_id),
    ):
        descriptor = tmp_path / into / extract_id / "datapackage.json"
        report = validate(descriptor)
        assert report.valid, report.flatten(["type", "note"])[:5]
    # Every part is a resource of its own (frictionless reads only the first file of a
    # multi-file Parquet resource), each saying its table and rows.
    package = json.loads(descriptor.read_text())
    rows: dict[str, int] = {}
    parts: dict[str, int] = {}
    for resource in package["resources"]:
        rows[resource["sovex:table"]] = (
            rows.get(resource["sovex:table"], 0) + resource["sovex:rows"]
        )
        parts[resource["sovex:table"]] = parts.get(resource["sovex:table"], 0) + 1
    assert rows == many_manifest.tables
    assert parts["measurements"] == many_files["measurements"] > 1
