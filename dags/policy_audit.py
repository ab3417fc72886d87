"""policy_audit: every day, re-evaluate every hosting target against the hosting policy,
then ask the bucket of every in-use target what it can do.

The first task fails loudly when a target marked `in_use: true` is refused, the second
when such a target's bucket lost a capability (object lock, versioning, SSE-S3), refuses
its credentials or does not answer, so the data steward and the compliance officer learn
it before the next extract run does. This file only wires the tasks; each body is one call
into `sovex.policy_audit`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

from sovex.model.settings import task_settings

DEFAULT_ARGS = {
    "owner": "compliance",
    # A refusal is not transient, but a failed read of the shared folder can be.
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=15),
}


@dag(
    dag_id="policy_audit",
    description=(
        "Daily re-evaluation of every hosting target and of in-use buckets; fails if an "
        "in-use one is refused or lost a capability"
    ),
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["sovex", "compliance", "policy"],
    default_args=DEFAULT_ARGS,
    params={
        "allow_eea_adequacy": Param(
            False, type="boolean", description="Accept EEA / adequacy storage countries"
        ),
        "require_hds": Param(
            False, type="boolean", description="Require an HDS certification (production)"
        ),
    },
)
def policy_audit() -> None:
    @task
    def audit_targets(**context: Any) -> dict[str, Any]:
        from sovex.policy_audit import audit_dir, audit_targets

        settings = task_settings()
        logical_date = (context.get("logical_date") or context["dag_run"].run_after).date()
        # The deployment's parameters apply; a manual run may set either one on top.
        params = {
            name: bool(value or context["params"][name])
            for name, value in settings.policy_params().items()
        }
        return audit_targets(
            settings,
            params,
            report_dir=audit_dir(settings, logical_date),
            logical_date=logical_date,
        )

    @task
    def audit_buckets(policy: dict[str, Any]) -> dict[str, Any]:
        from sovex.policy_audit import audit_buckets

        # `policy` is only a dependency: buckets are asked once the policy passed.
        return audit_buckets(task_settings())

    audit_buckets(audit_targets())


policy_audit()
