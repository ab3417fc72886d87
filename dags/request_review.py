"""request_review: a steward approves or rejects a submitted request from the Airflow UI.

The decision is made as the user logged into the UI (the run's triggering user), under
the same rules as the CLI: the steward role is needed and nobody reviews a request they
submitted or are named requester of. This file only wires the task.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

DEFAULT_ARGS = {
    "owner": "data-steward",
    # A refused review is not transient: no retry.
    "retries": 0,
}


@dag(
    dag_id="request_review",
    description="Approve or reject a submitted extract request (as the logged-in steward)",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["sovex", "governance"],
    default_args=DEFAULT_ARGS,
    params={
        "request_id": Param(
            type="string", minLength=1, description="The submitted request (`sovex request list`)"
        ),
        "decision": Param("approve", type="string", enum=["approve", "reject"]),
        "reason": Param(
            "", type="string", description="Required to reject: what the researcher reads"
        ),
    },
)
def request_review() -> None:
    @task
    def review(**context: Any) -> str:
        import os
        from datetime import UTC, datetime

        from sovex.model.settings import settings_from_environ
        from sovex.request_review import review_request

        params = context["params"]
        return review_request(
            settings_from_environ(os.environ),
            params["request_id"],
            params["decision"],
            params["reason"] or None,
            context["dag_run"].triggering_user_name,
            datetime.now(UTC),
        )

    review()


request_review()
