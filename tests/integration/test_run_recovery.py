"""`sovex run` killed with SIGKILL mid-extract (issue 17): the patients' keys (source id,
pseudonym, date shift) are unreadable by other local users while they exist, nothing of
them is left after recovery, the request leaves `running`, and it runs again."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from sovex.airflow_runner import run_request
from sovex.audit import AuditLog, default_log_path
from sovex.governance.store import RequestStore
from sovex.governance.transitions import State
from sovex.model.settings import Settings
from tests.helpers import approve_request
from tests.integration.test_research_extract import RUN_TIME, request_variant

pytestmark = pytest.mark.integration

KEYS_APPEAR_TIMEOUT_S = 120


def test_a_run_killed_mid_extract_is_recovered_and_leaves_no_key_table(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    request = request_variant(tmp_path, id="killed-mid-extract", project="projet-interrompu")
    approve_request(pipeline_settings, request)
    environ = {**os.environ, **pipeline_settings.as_environ()}
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "sovex", "run", str(request)],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    runs = pipeline_settings.runs_dir
    try:
        deadline = time.monotonic() + KEYS_APPEAR_TIMEOUT_S
        keys: list[Path] = []
        while not keys and time.monotonic() < deadline and process.poll() is None:
            keys = list(runs.glob("killed-mid-extract-*/parts/_patient_keys.parquet"))
            time.sleep(0.05)
        assert keys, f"the run never wrote its patients' keys: {errors.read_text()}"
        # While they exist, only the run's own user can reach them.
        for folder in (pipeline_settings.state_dir, keys[0].parent.parent, keys[0].parent):
            assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, folder
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    run_folder = keys[0].parent.parent
    store = RequestStore.for_settings(pipeline_settings)
    assert store.get("killed-mid-extract").state is State.RUNNING  # stuck, as killed

    recovered = subprocess.run(
        [sys.executable, "-m", "sovex", "run", "--recover"],
        env={**environ, "SOVEX_USER": "paul.bernard@chu-exemple.fr"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert recovered.returncode == 0, recovered.stderr
    assert run_folder.name in recovered.stdout
    assert store.get("killed-mid-extract").state is State.FAILED
    assert not (run_folder / "parts").exists()
    assert not list(run_folder.rglob("*.parquet"))  # no key table, no included ids

    # The request runs again, and a finished run keeps no patient-level file either.
    done = run_request(pipeline_settings, request, RUN_TIME)
    assert store.get("killed-mid-extract").state is State.PUBLISHED
    assert not list((runs / done.extract_id).rglob("*.parquet"))

    # The runs' records carry the time they were written, so they are in order; the run's
    # logical date is a field of its own.
    records = list(AuditLog(default_log_path(pipeline_settings.state_dir)).records())
    times = [datetime.fromisoformat(r["at"]) for r in records if r["actor"] == "research_extract"]
    assert times == sorted(times)
    started = [
        r for r in records if r["action"] == "run_started" and r["subject"] == done.extract_id
    ]
    assert started[0]["detail"]["logical_date"] == RUN_TIME.isoformat()
