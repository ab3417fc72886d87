"""retention_sweep: every day, delete the extracts whose retention date has passed, revoke
the download credentials that expired (or whose holder left the project), then anchor the
audit log's head (so the deletions and revocations just recorded are attested too).

This file only wires the tasks; their bodies are one call each into `sovex`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import Param, dag, task

from sovex.model.settings import task_settings

if TYPE_CHECKING:
    from datetime import datetime


DEFAULT_ARGS = {
    "owner": "data-steward",
    # A store briefly unreachable is transient; the sweep is idempotent, so retry.
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
}


def _sweep_time(context: dict[str, Any]) -> datetime:
    # The end of the run's interval: a daily run sweeps what expired by then, and a
    # rerun of an old run never deletes what expired later.
    return context.get("data_interval_end") or context["dag_run"].run_after


@dag(
    dag_id="retention_sweep",
    description="Daily deletion of expired extracts, each recorded; audit head anchored",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["sovex", "retention", "compliance"],
    default_args=DEFAULT_ARGS,
    params={
        "target": Param(
            "local-seaweedfs", type="string", minLength=1, description="Hosting target to sweep"
        ),
    },
)
def retention_sweep() -> None:
    @task
    def sweep_expired_extracts(**context: Any) -> dict[str, Any]:
        from sovex.model.errors import IntegrityError
        from sovex.retention_sweep import sweep_retention

        report = sweep_retention(task_settings(), context["params"]["target"], _sweep_time(context))
        if report.failures:
            raise IntegrityError(
                "retention sweep incomplete: "
                + "; ".join(f"{f.prefix}: {f.reason}" for f in report.failures)
            )
        return report.to_json()

    @task
    def sweep_download_credentials(**context: Any) -> list[dict[str, Any]]:
        from sovex.member_access import sweep_credentials
        from sovex.retention_sweep import SWEEP_ACTOR

        # The store's keys do not expire by themselves: expired ones are deleted here.
        revoked = sweep_credentials(task_settings(), _sweep_time(context), SWEEP_ACTOR)
        return [change.to_json() for change in revoked]

    @task
    def anchor_audit_log(**context: Any) -> str:
        from sovex.audit_anchoring import anchor_audit_log

        return anchor_audit_log(task_settings(), context["params"]["target"], _sweep_time(context))

    sweep_expired_extracts() >> sweep_download_credentials() >> anchor_audit_log()


retention_sweep()
