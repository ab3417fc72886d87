"""Helpers shared by test modules (import as `tests.helpers`; no side effects)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sovex.model.manifest import (
    ConsentRecord,
    FreeTextRecord,
    GateRecord,
    Manifest,
    ManifestFile,
    PolicyRecord,
    RetentionRecord,
)
from sovex.model.schedule import run_id_for
from sovex.model.settings import PROJECT_ROOT, Settings
from transforms.publish import LOCK_MODE, extract_prefix

EXAMPLE_REQUEST = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"


def write_one_off_variant(directory: Path, **changes: object) -> Path:
    """The example request with changes and without its schedule, as `<id>.yaml`."""
    import yaml

    raw = yaml.safe_load(EXAMPLE_REQUEST.read_text())
    raw.pop("schedule", None)
    raw.update(changes)
    path = directory / f"{raw['id']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


# Two people of infra/roles.yaml: the four-eyes rule needs a steward other than the author.
STEWARD = "paul.bernard@chu-exemple.fr"


def approve_request(settings: Settings, request_file: Path) -> None:
    """Submit a request as its own requester and approve it as a steward (unless the same
    content is already approved)."""
    from datetime import UTC, datetime

    from sovex.governance.store import RequestStore
    from sovex.model.request import load_request

    store = RequestStore.for_settings(settings)
    request = load_request(request_file, settings.catalogs_dir, settings.targets_dir)
    store.submit(request_file, request.requester, datetime.now(UTC))
    approval = store.get(request.id).approval
    if approval is None or approval.request_sha256 != request.sha256():
        store.approve(request.id, STEWARD, datetime.now(UTC))


def stand_in_manifest(
    *,
    project: str,
    extract_id: str,
    request_id: str,
    request_sha256: str,
    bucket: str,
    retention_until: date,
    locked_until: datetime,
    tables: dict[str, int],
    files: list[ManifestFile],
) -> Manifest:
    """A valid manifest for publishing test parts directly (no run behind it): only
    what the publish and retention code read is meaningful."""
    return Manifest(
        extract_id=extract_id,
        project=project,
        request_id=request_id,
        request_sha256=request_sha256,
        code_version="test",
        logical_date="2026-11-01T00:00:00+00:00",
        published_at="2026-11-01T00:00:00+00:00",
        bucket=bucket,
        prefix=extract_prefix(project, extract_id),
        key_fingerprint="0" * 16,
        policy=PolicyRecord(
            target="local-seaweedfs",
            provider="self-hosted",
            country="FR",
            allowed=True,
            reasons=[],
            policy_bundle_sha256="0" * 64,
            params={},
        ),
        free_text=FreeTextRecord(mode="tags", columns=[]),
        consent=ConsentRecord(
            regime="opt_in",
            purpose="p",
            as_of="2026-11-01",
            snapshot_sha256="0" * 64,
            cohort=1,
            included=1,
            excluded_denied=0,
            excluded_no_consent=0,
        ),
        release_gate=GateRecord(
            success=True,
            quasi_identifiers=[],
            generalisation={},
            k_threshold=5,
            k_achieved=5,
            suppressed_records=0,
            suppression_rate=0.0,
            max_prosecutor_risk=0.2,
            avg_prosecutor_risk=0.2,
            l_diversity={},
            expectations=[],
        ),
        retention=RetentionRecord(
            until=retention_until.isoformat(),
            locked_until=locked_until.isoformat(),
            mode=LOCK_MODE,
        ),
        tables=tables,
        files=files,
    )


# -- Airflow's REST API, for tests against a real API server (LocalExecutor or Celery) --

START_TIMEOUT_S = 180
RUN_TIMEOUT_S = 600


# SQLite metadata shared by the API server, scheduler and DAG processor is briefly locked
# now and then (HTTP 500 "Database error"): idempotent calls are simply tried again.
LOCKED_RETRIES = 10


def call(base: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{base}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    for attempt in range(LOCKED_RETRIES):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:2000]
            error.close()
            if error.code >= 500 and method in ("GET", "PATCH") and attempt < LOCKED_RETRIES - 1:
                time.sleep(1)
                continue
            raise AssertionError(f"{method} {path}: HTTP {error.code}: {detail}") from None
    raise AssertionError("unreachable")


def wait_for(what: str, timeout_s: float, probe: Any) -> Any:
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except (urllib.error.URLError, OSError, KeyError, AssertionError) as error:
            last = error
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what} (last: {last})")


def trigger_dag(base: str, token: str, dag_id: str, run_id: str, conf: dict[str, Any]) -> str:
    wait_for(
        f"the {dag_id} DAG",
        START_TIMEOUT_S,
        lambda: call(base, "GET", f"/api/v2/dags/{dag_id}", token)["dag_id"],
    )
    call(base, "PATCH", f"/api/v2/dags/{dag_id}", token, {"is_paused": False})
    body = {"dag_run_id": run_id, "logical_date": datetime.now(UTC).isoformat(), "conf": conf}

    def triggered() -> bool:
        # SQLite metadata shared by the API server, scheduler and DAG processor can be
        # briefly locked (HTTP 500): try again, unless the run was created meanwhile.
        try:
            call(base, "POST", f"/api/v2/dags/{dag_id}/dagRuns", token, body)
        except AssertionError:
            call(base, "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", token)
        return True

    wait_for(f"run {run_id} to be created", START_TIMEOUT_S, triggered)
    return run_id


def trigger(base: str, token: str, request_id: str, logical_date: datetime) -> str:
    run_id = run_id_for(request_id, logical_date)
    return trigger_dag(base, token, "research_extract", run_id, {"request_id": request_id})


def finished_state(base: str, token: str, run_id: str, dag_id: str = "research_extract") -> str:
    def probe() -> str | None:
        state = call(base, "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", token)["state"]
        return state if state in ("success", "failed") else None

    return str(wait_for(f"run {run_id}", RUN_TIMEOUT_S, probe))


def task_log(settings: Settings, run_id: str, task_id: str) -> str:
    """The task's log as the LocalExecutor wrote it (for a failure's message)."""
    logs = sorted((settings.logs_dir / "airflow").glob(f"**/run_id={run_id}/task_id={task_id}/*"))
    return logs[-1].read_text()[-3000:] if logs else "(no log)"


def task_states(base: str, token: str, run_id: str) -> dict[str, str]:
    listed = call(
        base, "GET", f"/api/v2/dags/research_extract/dagRuns/{run_id}/taskInstances", token
    )
    return {ti["task_id"]: ti["state"] for ti in listed["task_instances"]}


def settings_with_catalog(
    settings: Settings,
    folder: Path,
    change: Callable[[dict[str, Any]], None],
    source: str = "synthetic",
) -> Settings:
    """The same deployment with the catalog of `source` changed by `change` (a copy of the
    infra folder under `folder`)."""
    import shutil
    from dataclasses import replace

    import yaml

    infra = folder / "infra"
    shutil.copytree(settings.infra_dir, infra)
    catalog_file = infra / "catalogs" / f"{source}.yaml"
    catalog = yaml.safe_load(catalog_file.read_text())
    change(catalog)
    catalog_file.write_text(yaml.safe_dump(catalog, sort_keys=False))
    return replace(settings, infra_dir=infra)


def without_event_knowledge(catalog: dict[str, Any]) -> None:
    """A steward's declaration that no adversary knows any event row (tests of features
    other than the event gate, on the small test population)."""
    for table in catalog["tables"].values():
        table.pop("adversary_knows", None)


def internal_status(url: str, method: str = "GET") -> int:
    """The HTTP status a storage component's internal port answers a local process
    holding no secret (200 when it serves the request)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5):
            return 200
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
