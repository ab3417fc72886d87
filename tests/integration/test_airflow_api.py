"""Through the real Airflow API server (scheduler, DAG processor and LocalExecutor on
loopback, started by `sovex airflow-ui`): a triggered run of an approved request is
published; a run of a request that was never approved fails in its first task, before
any data is read."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sovex.governance.store import RequestStore
from sovex.model.settings import Settings
from sovex.services.airflow_ui import password_file
from tests.helpers import (
    START_TIMEOUT_S,
    approve_request,
    call,
    finished_state,
    task_log,
    task_states,
    trigger,
    trigger_dag,
    wait_for,
    write_one_off_variant,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def airflow_api(pipeline_settings: Settings) -> Iterator[tuple[str, str]]:
    from tests.integration.test_review_browser import start_ui, stop

    process, base = start_ui(pipeline_settings)
    try:
        # `sovex airflow-ui` synced the users of infra/roles.yaml; admin is a steward there.
        password = wait_for(
            "password file", START_TIMEOUT_S, lambda: _read(password_file(pipeline_settings))
        ).strip()
        token = wait_for(
            "a token",
            START_TIMEOUT_S,
            lambda: call(
                base, "POST", "/auth/token", None, {"username": "admin", "password": password}
            )["access_token"],
        )
        yield base, token
    finally:
        stop(process)


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() and path.stat().st_size else None


def test_a_triggered_run_of_an_approved_request_is_published(
    pipeline_settings: Settings, airflow_api: tuple[str, str], tmp_path: Path
) -> None:
    base, token = airflow_api
    approve_request(
        pipeline_settings, write_one_off_variant(tmp_path, id="api-approved", project="projet-api")
    )
    run_id = trigger(base, token, "api-approved", datetime(2026, 11, 3, 9, tzinfo=UTC))
    assert "api-approved" in run_id
    state = finished_state(base, token, run_id)
    states = task_states(base, token, run_id)
    failed = [task for task, task_state in states.items() if task_state == "failed"]
    assert state == "success", (states, [task_log(pipeline_settings, run_id, t) for t in failed])
    status = RequestStore.for_settings(pipeline_settings).get("api-approved")
    assert status.state.value == "published"
    assert status.published is not None and status.published.manifest


def test_a_triggered_run_of_an_unapproved_request_fails_before_reading_any_data(
    pipeline_settings: Settings, airflow_api: tuple[str, str], tmp_path: Path
) -> None:
    base, token = airflow_api
    request = write_one_off_variant(tmp_path, id="api-unapproved", project="projet-api-refuse")
    claire = replace(pipeline_settings, user="claire.moreau@chu-exemple.fr")
    RequestStore.for_settings(claire).submit(request, claire.user, datetime.now(UTC))
    run_id = trigger(base, token, "api-unapproved", datetime(2026, 11, 3, 10, tzinfo=UTC))
    assert finished_state(base, token, run_id) == "failed"
    states = task_states(base, token, run_id)
    assert states["prepare"] == "failed"
    # Nothing after the approval check ran: no policy decision, no consent read, no table.
    for task in ("decide_hosting", "select_consented_cohort", "assess_disclosure", "publish"):
        assert states[task] in ("upstream_failed", None), (task, states[task])
    assert (
        RequestStore.for_settings(pipeline_settings).get("api-unapproved").state.value
        == "submitted"
    )


def test_a_steward_logged_into_the_ui_reviews_requests_as_themselves(
    pipeline_settings: Settings, airflow_api: tuple[str, str], tmp_path: Path
) -> None:
    base, token = airflow_api  # logged in as `admin`, a steward in infra/roles.yaml
    claire = replace(pipeline_settings, user="claire.moreau@chu-exemple.fr")
    store = RequestStore.for_settings(claire)
    store.submit(
        write_one_off_variant(tmp_path, id="api-review", project="projet-revue"),
        claire.user,
        datetime.now(UTC),
    )
    run_id = trigger_dag(
        base,
        token,
        "request_review",
        "review-api-review",
        {"request_id": "api-review", "decision": "approve", "reason": ""},
    )
    assert finished_state(base, token, run_id, "request_review") == "success"
    approval = store.get("api-review").approval
    assert approval is not None and approval.approved_by == "admin"
    # A request naming the logged-in steward as its requester: four eyes, refused.
    own = write_one_off_variant(tmp_path, id="api-own", project="projet-revue", requester="admin")
    store.submit(own, claire.user, datetime.now(UTC))
    run_id = trigger_dag(
        base,
        token,
        "request_review",
        "review-api-own",
        {"request_id": "api-own", "decision": "approve", "reason": ""},
    )
    assert finished_state(base, token, run_id, "request_review") == "failed"
    assert store.get("api-own").state.value == "submitted"


def test_the_generated_password_file_is_readable_by_its_owner_only(
    pipeline_settings: Settings, airflow_api: tuple[str, str]
) -> None:
    """Any local user who read it could log in as the steward and approve requests."""
    mode = stat.S_IMODE(password_file(pipeline_settings).stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)
