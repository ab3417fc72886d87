"""A step's error reaches `sovex run` whole: the same class, message and exit code, through
Airflow's own `dag.test()`, whichever task raised it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from sovex.airflow_runner import run_request
from sovex.model.errors import (
    GateFailed,
    IntegrityError,
    InvalidInput,
    PolicyRefused,
    SovexError,
    exit_code_for,
)
from sovex.model.settings import PROJECT_ROOT, Settings
from tests.helpers import approve_request

pytestmark = pytest.mark.integration

EXAMPLE = PROJECT_ROOT / "examples" / "requests" / "diabetes-t2.yaml"
FIRST_RUN = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)

ERRORS = [
    PolicyRefused("local-seaweedfs", ["a reason the policy gave"]),
    GateFailed(["k-anonymity: 2 classes below k"]),
    InvalidInput(["request.yaml: field 'cohort[0].value': not a date"]),
    IntegrityError("request.yaml: the request changed during the run (hash differs)"),
]


def approved_copy(tmp_path: Path, settings: Settings, request_id: str) -> Path:
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["id"] = request_id
    path = tmp_path / f"{request_id}.yaml"
    path.write_text(yaml.safe_dump(raw))
    approve_request(settings, path)
    return path


@pytest.mark.parametrize(
    ("module", "function"),
    [
        ("sovex.storage_access", "decide_for_target"),  # in decide_hosting
        ("transforms.cohort", "select_cohort"),  # in select_consented_cohort
    ],
)
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_raised_inside_a_dag_task_reaches_sovex_run_with_its_exit_code_and_message(
    pipeline_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    function: str,
    error: SovexError,
) -> None:
    request_id = f"errors-{type(error).__name__.lower()}-{function.replace('_', '-')}"
    request = approved_copy(tmp_path, pipeline_settings, request_id)

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(f"{module}.{function}", fail)
    offset = ERRORS.index(error) * 2 + (function == "select_cohort")
    with pytest.raises(type(error)) as raised:
        run_request(pipeline_settings, request, FIRST_RUN + timedelta(hours=offset))
    assert str(raised.value) == str(error)
    assert exit_code_for(raised.value) == exit_code_for(error)


def test_a_full_disk_during_a_run_says_so_and_names_the_file(
    pipeline_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from sovex.model.errors import EnvironmentFailure

    request = approved_copy(tmp_path, pipeline_settings, "errors-disk-full")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/state/runs/x/part-0.parquet")

    monkeypatch.setattr("transforms.cohort.select_cohort", full)
    with pytest.raises(EnvironmentFailure) as raised:
        run_request(pipeline_settings, request, FIRST_RUN + timedelta(days=1))
    assert str(raised.value) == "no space left on device (writing /state/runs/x/part-0.parquet)"
    assert exit_code_for(raised.value) == 2


def test_a_cohort_no_patient_matches_is_a_clear_refusal_with_nothing_published(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["id"] = "errors-empty-cohort"
    raw["cohort"] = [
        {"table": "diagnoses", "column": "icd10_code", "op": "starts_with", "values": ["Z99.9"]}
    ]
    path = tmp_path / "errors-empty-cohort.yaml"
    path.write_text(yaml.safe_dump(raw))
    approve_request(pipeline_settings, path)
    with pytest.raises(GateFailed) as raised:
        run_request(pipeline_settings, path, FIRST_RUN + timedelta(days=2))
    assert exit_code_for(raised.value) == 4
    assert "no patient of the source matches the cohort filters" in str(raised.value)
