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
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from sovex.airflow_runner import run_request
from sovex.audit import AuditLog, default_log_path
from sovex.governance.store import RequestStore
from sovex.governance.transitions import State
from sovex.model.settings import Settings
from tests.helpers import approve_request, member_keys
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


def test_a_run_that_fails_after_its_manifest_is_finished_by_the_rerun_not_published_twice(
    pipeline_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest write is the commit point. A failure after it (here the project's
    access grant: storage going away at that moment cannot be timed in a test) leaves the
    request `failed` with its extract stored; the next `sovex run` finishes that extract
    (same id, state `published`) instead of publishing a second one."""
    import sovex.pipeline
    from sovex.model.errors import SovexError
    from sovex.storage_access import reading_client
    from transforms.download import list_extracts

    project = "projet-commit"
    request = request_variant(tmp_path, id="fails-after-commit", project=project)
    approve_request(pipeline_settings, request)

    def storage_gone(*_: object) -> None:
        raise ConnectionError("storage went away after the manifest write")

    with monkeypatch.context() as patched:
        patched.setattr(sovex.pipeline, "_grant_member_access", storage_gone)
        with pytest.raises(SovexError):
            run_request(pipeline_settings, request, RUN_TIME)
    store = RequestStore.for_settings(pipeline_settings)
    failed = store.get("fails-after-commit")
    assert failed.state is State.FAILED
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    assert [m.extract_id for m in list_extracts(s3, target.bucket, project)] == [
        failed.last_run.extract_id
    ]

    again = run_request(pipeline_settings, request, RUN_TIME.replace(hour=12))
    assert again.extract_id == failed.last_run.extract_id
    assert store.get("fails-after-commit").state is State.PUBLISHED
    assert [m.extract_id for m in list_extracts(s3, target.bucket, project)] == [again.extract_id]


def test_what_a_failed_publish_uploaded_without_its_manifest_is_swept(
    pipeline_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts uploaded by a publish that failed before its manifest are never listed nor
    locked, and the project, which reads its published extracts, cannot read them: the
    next start deletes them (audited), once."""
    import transforms.publish
    from sovex.model.errors import SovexError
    from sovex.run_hygiene import recover_dead_runs
    from sovex.storage_access import reading_client
    from transforms.publish import extract_prefix, object_versions

    project = "projet-sans-manifeste"
    # The project has an extract published already, so it holds read access.
    earlier = request_variant(tmp_path, id="published-before", project=project)
    approve_request(pipeline_settings, earlier)
    published = run_request(pipeline_settings, earlier, RUN_TIME - timedelta(days=1))
    request = request_variant(tmp_path, id="fails-before-commit", project=project)
    approve_request(pipeline_settings, request)

    def storage_gone(*_: object, **__: object) -> int:
        raise ConnectionError("storage went away between the parts and the manifest")

    with monkeypatch.context() as patched:
        patched.setattr(transforms.publish, "remove_other_versions", storage_gone)
        with pytest.raises(SovexError):
            run_request(pipeline_settings, request, RUN_TIME)
    failed = RequestStore.for_settings(pipeline_settings).get("fails-before-commit")
    assert failed.state is State.FAILED and failed.last_run is not None
    s3, target = reading_client(pipeline_settings, "local-seaweedfs")
    prefix = extract_prefix(project, failed.last_run.extract_id)
    orphans = object_versions(s3, target.bucket, prefix)
    assert orphans  # parts uploaded, no manifest
    credentials = member_keys(pipeline_settings, project)
    as_project, _ = reading_client(pipeline_settings, "local-seaweedfs", credentials)
    earlier_manifest = f"{extract_prefix(project, published.extract_id)}/_manifest.json"
    assert as_project.get_object(Bucket=target.bucket, Key=earlier_manifest)["Body"].read()
    for key, _ in orphans:
        with pytest.raises(ClientError) as refused:
            as_project.get_object(Bucket=target.bucket, Key=key)
        assert refused.value.response["Error"]["Code"] == "AccessDenied"

    recovery = recover_dead_runs(pipeline_settings, "paul.bernard@chu-exemple.fr")
    assert recovery.failed == []
    assert object_versions(s3, target.bucket, prefix) == []
    records = list(AuditLog(default_log_path(pipeline_settings.state_dir)).records())
    swept = [
        r
        for r in records
        if r["action"] == "run_recovered" and r["subject"] == failed.last_run.extract_id
    ]
    assert len(swept) == 1 and swept[0]["detail"]["unpublished_objects_removed"] > 0
    recover_dead_runs(pipeline_settings, "sovex")  # once: nothing more to record
    records = list(AuditLog(default_log_path(pipeline_settings.state_dir)).records())
    assert (
        sum(
            r["subject"] == failed.last_run.extract_id
            for r in records
            if r["action"] == "run_recovered"
        )
        == 1
    )
