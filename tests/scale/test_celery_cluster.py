"""The same research_extract DAG on CeleryExecutor: Redis broker, PostgreSQL metadata, two
Celery workers, all on 127.0.0.1 (sovex.services.celery_cluster). A run of the approved example
request triggered through the REST API succeeds, its tasks are spread over both workers,
and the extract is published to the local SeaweedFS with every checksum verified."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest

from sovex.governance.store import RequestStore
from sovex.model.request import load_request
from sovex.model.settings import Settings
from sovex.services.celery_cluster import CeleryCluster, start_celery_cluster, stop_celery_cluster
from sovex.services.storage_server import NEVER_USE_PORTS
from sovex.storage_access import reading_client
from tests.helpers import (
    EXAMPLE_REQUEST,
    START_TIMEOUT_S,
    call,
    finished_state,
    task_log,
    trigger,
    wait_for,
)
from transforms.download import download_extract

pytestmark = [pytest.mark.integration, pytest.mark.scale]

WORKERS = 2
LOGICAL_DATE = datetime(2026, 11, 4, 9, tzinfo=UTC)  # one no other test uses


@pytest.fixture(scope="module")
def cluster(
    pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CeleryCluster]:
    # New DAGs start paused: only the DAG the test unpauses runs (not the retention sweep,
    # the consent sync or the example request's own quarterly DAG). As many partitions
    # at once as workers, each worker one task at a time: they run on both workers.
    started = start_celery_cluster(
        replace(pipeline_settings, partition_concurrency=WORKERS),
        tmp_path_factory.mktemp("celery-cluster"),
        os.environ,
        workers=WORKERS,
        concurrency=1,
        unpause_new_dags=False,
    )
    try:
        yield started
    finally:
        stop_celery_cluster(started)


@pytest.fixture(scope="module")
def token(cluster: CeleryCluster) -> str:
    password = wait_for("the admin password", START_TIMEOUT_S, cluster.admin_password)
    return str(
        call(
            cluster.api_url,
            "POST",
            "/auth/token",
            None,
            {"username": "admin", "password": password},
        )["access_token"]
    )


def listening_addresses(pids: list[int]) -> set[tuple[str, int]]:
    addresses = set()
    for pid in pids:
        try:
            connections = psutil.Process(pid).net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        addresses |= {
            (conn.laddr.ip, conn.laddr.port)
            for conn in connections
            if conn.status == psutil.CONN_LISTEN
        }
    return addresses


def test_both_workers_answer_and_every_component_listens_on_loopback_only(
    cluster: CeleryCluster,
) -> None:
    assert set(cluster.ping_workers()) == set(cluster.celery_hostnames())
    # Every process of every component's group (API server workers, Celery pool
    # processes...), Redis, and the PostgreSQL server (run as another OS user).
    pids = [
        process.pid
        for process in psutil.process_iter()
        if _group(process.pid) in {p.pid for p in cluster.processes.values()}
    ]
    pids.append(cluster.redis.process.pid)
    postmaster = (cluster.postgres.data_dir / "postmaster.pid").read_text().split()[0]
    pids.append(int(postmaster))
    addresses = listening_addresses(pids)
    assert {ip for ip, _ in addresses} == {"127.0.0.1"}, addresses
    assert not {port for _, port in addresses} & NEVER_USE_PORTS, addresses
    assert (
        ("127.0.0.1", int(cluster.api_url.rsplit(":", 1)[1])) in addresses
        and ("127.0.0.1", cluster.redis.port) in addresses
        and ("127.0.0.1", cluster.postgres.port) in addresses
    ), addresses


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_an_approved_request_runs_on_both_workers_and_is_published(
    pipeline_settings: Settings, cluster: CeleryCluster, token: str, tmp_path: Path
) -> None:
    request = load_request(
        EXAMPLE_REQUEST, pipeline_settings.catalogs_dir, pipeline_settings.targets_dir
    )  # approved by the pipeline_settings fixture
    run_id = trigger(cluster.api_url, token, request.id, LOGICAL_DATE)

    state = finished_state(cluster.api_url, token, run_id)
    instances = call(
        cluster.api_url,
        "GET",
        f"/api/v2/dags/research_extract/dagRuns/{run_id}/taskInstances",
        token,
    )["task_instances"]
    failed = [ti["task_id"] for ti in instances if ti["state"] == "failed"]
    assert state == "success", [task_log(pipeline_settings, run_id, task) for task in failed]

    # Every task ran on one of the two workers, and both took part.
    ran_on = Counter(ti["hostname"] for ti in instances)
    assert set(ran_on) == set(cluster.worker_names), ran_on
    executed = {
        name: stats.get("total", {}).get("execute_workload", 0)
        for name, stats in cluster.worker_stats().items()
    }
    assert set(executed) == set(cluster.celery_hostnames()) and all(executed.values()), executed

    status = RequestStore.for_settings(pipeline_settings).get(request.id)
    assert status.state.value == "published" and status.published is not None
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    extract = download_extract(
        s3, target.bucket, request.project, status.published.extract_id, tmp_path
    )  # verifies every file's size and sha256 against the manifest
    assert set(extract.manifest.tables) >= set(request.tables), extract.manifest.tables
    assert extract.files > 0
