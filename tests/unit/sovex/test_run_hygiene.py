"""What a killed run leaves: a request stuck running and patient-level files on disk,
recovered by the next start unless a live run holds the lease."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sovex.audit import AuditLog, default_log_path
from sovex.governance.store import RequestStore
from sovex.governance.transitions import State
from sovex.model.request import load_request
from sovex.model.settings import Settings, settings_from_environ
from sovex.run_hygiene import (
    HOLDER_CLI,
    HOLDER_DAG,
    SCHEDULED_RUN_GRACE_SECONDS,
    make_state_private,
    recover_dead_runs,
    run_lease,
)
from tests.helpers import STEWARD, register_project

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "requests" / "diabetes-t2.yaml"
EXTRACT_ID = "diabetes-t2-2026-20261102T090000Z"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from_environ({"SOVEX_STATE_DIR": str(tmp_path / "state")})


@pytest.fixture
def restored_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


def running_request(settings: Settings) -> RequestStore:
    """The example request approved and its run started, with a run folder holding the
    patients' keys, as a run killed mid-extract leaves them."""
    store = RequestStore.for_settings(settings)
    request = load_request(EXAMPLE, settings.catalogs_dir, settings.targets_dir)
    register_project(settings, request.project, request.requester)
    store.submit(EXAMPLE, request.requester, datetime.now(UTC))
    store.approve(request.id, STEWARD, datetime.now(UTC))
    store.start_run(
        request.id,
        EXTRACT_ID,
        request_sha256=request.sha256(),
        actor=STEWARD,
        at=datetime.now(UTC),
    )
    parts = settings.runs_dir / EXTRACT_ID / "parts"
    parts.mkdir(parents=True)
    (parts / "_patient_keys.parquet").write_bytes(b"ids, pseudonyms and shifts")
    return store


def test_the_state_folder_and_what_sovex_creates_are_private(
    settings: Settings, restored_umask: None
) -> None:
    settings.state_dir.mkdir(mode=0o755)
    settings.state_dir.chmod(0o755)
    make_state_private(settings)
    assert stat.S_IMODE(settings.state_dir.stat().st_mode) == 0o700
    (settings.state_dir / "record.json").write_text("{}")
    (settings.state_dir / "folder").mkdir()
    assert stat.S_IMODE((settings.state_dir / "record.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((settings.state_dir / "folder").stat().st_mode) == 0o700


def test_a_killed_sovex_run_is_failed_and_its_key_table_removed(settings: Settings) -> None:
    store = running_request(settings)
    with run_lease(settings, EXTRACT_ID, HOLDER_CLI):
        pass  # the process held it, then died: the lease is free, marked as the CLI's

    recovery = recover_dead_runs(settings, "paul.bernard@chu-exemple.fr")

    assert recovery.failed == [EXTRACT_ID]
    assert recovery.cleaned == [EXTRACT_ID]
    status = store.get("diabetes-t2-2026")
    assert status.state is State.FAILED
    assert not (settings.runs_dir / EXTRACT_ID / "parts").exists()
    records = list(AuditLog(default_log_path(settings.state_dir)).records())
    recovered = [r for r in records if r["action"] == "run_recovered"]
    assert [r["subject"] for r in recovered] == [EXTRACT_ID]
    assert recovered[0]["detail"]["requested_by"] == "paul.bernard@chu-exemple.fr"
    # Once recovered, the request can run again.
    assert recover_dead_runs(settings, "sovex") == type(recovery)([], [])


def test_a_live_run_is_left_alone(settings: Settings) -> None:
    store = running_request(settings)
    with run_lease(settings, EXTRACT_ID, HOLDER_CLI):
        recovery = recover_dead_runs(settings, "sovex")
    assert recovery.failed == [] and recovery.cleaned == []
    assert store.get("diabetes-t2-2026").state is State.RUNNING
    assert (settings.runs_dir / EXTRACT_ID / "parts" / "_patient_keys.parquet").is_file()


def test_a_scheduled_run_between_steps_is_dead_only_after_the_grace_period(
    settings: Settings,
) -> None:
    store = running_request(settings)
    with run_lease(settings, EXTRACT_ID, HOLDER_DAG):
        pass  # a step ran and ended; the next one waits for a worker

    assert recover_dead_runs(settings, "sovex").failed == []
    assert store.get("diabetes-t2-2026").state is State.RUNNING

    later = time.time() + SCHEDULED_RUN_GRACE_SECONDS + 60
    assert recover_dead_runs(settings, "sovex", now=later).failed == [EXTRACT_ID]
    assert store.get("diabetes-t2-2026").state is State.FAILED
    assert not (settings.runs_dir / EXTRACT_ID / "parts").exists()


def test_parts_left_by_a_finished_run_are_removed(settings: Settings) -> None:
    parts = settings.runs_dir / "other-run" / "parts"
    parts.mkdir(parents=True)
    (parts / "_included.parquet").write_bytes(b"ids")
    assert recover_dead_runs(settings, "sovex").cleaned == ["other-run"]
    assert not parts.exists()
    assert (settings.runs_dir / "other-run").is_dir()  # the records (counts, hashes) stay
