"""A scheduled request through its own DAG (`research_extract__<id>`): one published
extract per period, each with its own extract id; an edited request stops running until
it is approved again; `sovex request status` shows the whole history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from sovex.airflow_runner import run_request
from sovex.cli import main
from sovex.governance.store import RequestStore
from sovex.model.errors import UserError
from sovex.model.schedule import periods
from sovex.model.settings import Settings
from tests.helpers import STEWARD, approve_request, write_one_off_variant

pytestmark = pytest.mark.integration

REQUEST_ID = "trimestriel"


@pytest.fixture(scope="module")
def quarterly(pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_one_off_variant(
        tmp_path_factory.mktemp("requests"),
        id=REQUEST_ID,
        project="projet-trimestriel",
        schedule="@quarterly",
    )
    approve_request(pipeline_settings, path)
    return path


def test_a_scheduled_request_runs_once_per_period_with_distinct_extract_ids(
    pipeline_settings: Settings, quarterly: Path
) -> None:
    assert RequestStore.for_settings(pipeline_settings).get(REQUEST_ID).state.value == "scheduled"
    first, second = periods(
        "@quarterly", datetime(2026, 9, 15, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)
    )[:2]
    dag_id = f"research_extract__{REQUEST_ID}"
    runs = [
        run_request(pipeline_settings, REQUEST_ID, period, dag_id) for period in (first, second)
    ]
    assert runs[0].extract_id != runs[1].extract_id
    assert all(REQUEST_ID in run.extract_id for run in runs)
    status = RequestStore.for_settings(pipeline_settings).get(REQUEST_ID)
    assert status.state.value == "published"
    started = [t.detail["extract_id"] for t in status.history if t.operation.value == "start_run"]
    assert started == [run.extract_id for run in runs]


def test_an_edited_request_cannot_run_until_approved_again_and_status_shows_it_all(
    pipeline_settings: Settings, quarterly: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = yaml.safe_load(quarterly.read_text())
    quarterly.write_text(yaml.safe_dump({**raw, "k_threshold": 6}))
    with pytest.raises(UserError, match="changed after its approval") as refused:
        run_request(pipeline_settings, REQUEST_ID, datetime(2027, 7, 1, tzinfo=UTC))
    assert refused.value.exit_code == 2
    store = RequestStore.for_settings(pipeline_settings)
    assert store.get(REQUEST_ID).state.value == "submitted"
    approve_request(pipeline_settings, quarterly)
    assert store.get(REQUEST_ID).approval is not None

    environ = pipeline_settings.as_environ()
    assert main(["request", "status", REQUEST_ID, "--json"], environ=environ) == 0
    history = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["history"]
    moves = [(t["from_state"], t["to_state"], t["actor"]) for t in history]
    assert moves[0][1] == "submitted" and moves[0][2] == "claire.moreau@chu-exemple.fr"
    assert ("submitted", "approved", STEWARD) in moves
    assert any(to == "running" for _, to, _ in moves) and any(
        to == "published" for _, to, _ in moves
    )
    assert ("published", "submitted", "sovex") in moves  # the edit, caught at run time
    assert moves[-1][1] == "scheduled"
    assert main(["request", "list", "--json"], environ=environ) == 0
    listed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert REQUEST_ID in [entry["request_id"] for entry in listed]
