"""research_extract: one approved extract request → a published, pseudonymised extract.

This file only wires tasks; each task body is one call into `sovex.pipeline`. Nothing
heavy is imported at parse time and no connection is looked up here.

The trigger form offers the approved requests (read from the small snapshot file the
request life cycle writes after every transition: no database is opened at parse time).
Each approved request with a schedule also gets its own DAG, `research_extract__<id>`,
so its periodic runs appear per request. Whatever the form shows, the first task checks
the approval again against the state database before any data is read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import Param, dag, task

from sovex.model.run import PartRecord, RunContext
from sovex.model.settings import task_settings

if TYPE_CHECKING:
    from sovex.governance.snapshot import ApprovedRequest

DEFAULT_ARGS = {
    "owner": "data-steward",
    # A refused target or a failed gate is not transient: the steward fixes and reruns.
    "retries": 0,
    "execution_timeout": timedelta(hours=6),
}


def _partition_concurrency() -> int:
    return task_settings().partition_concurrency


def _approved_requests() -> list[ApprovedRequest]:
    from sovex.governance.snapshot import approved_snapshot_path, read_approved_snapshot

    return read_approved_snapshot(approved_snapshot_path(task_settings().state_dir))


def _request_param(choices: list[str]) -> Param:
    # `examples` gives the form a list to pick from; the approval itself is checked by
    # the first task, so a choice made on a stale form is still refused if not approved.
    schema: dict[str, Any] = {
        "type": "string",
        "minLength": 1,
        "title": "Approved request",
        "description": "The id of an approved extract request (`sovex request list`)",
    }
    if choices:
        schema["examples"] = choices
    return Param(choices[0] if len(choices) == 1 else None, **schema)


def _wire_tasks() -> None:
    """prepare → hosting decision → consent gate → disclosure → partitions of each table
    (mapped tasks) → aggregates → release gate → publish."""

    @task
    def prepare(**context: Any) -> dict[str, Any]:
        from sovex.pipeline import prepare_run

        logical_date = context.get("logical_date") or context["dag_run"].run_after
        run = prepare_run(task_settings(), context["params"]["request_id"], logical_date)
        return run.to_xcom()

    @task
    def decide_hosting(run: dict[str, Any]) -> dict[str, Any]:
        from sovex.pipeline import decide_hosting

        return decide_hosting(task_settings(), RunContext.from_xcom(run))

    @task
    def select_consented_cohort(run: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
        from sovex.pipeline import select_consented_cohort

        # `policy` is only a dependency: no source row is read before an allowed decision.
        return select_consented_cohort(task_settings(), RunContext.from_xcom(run))

    @task
    def assess_disclosure(run: dict[str, Any], consent: dict[str, Any]) -> dict[str, Any]:
        from sovex.pipeline import assess_disclosure

        # `consent` is only a dependency: k is assessed on the consented cohort.
        return assess_disclosure(task_settings(), RunContext.from_xcom(run))

    @task
    def plan_partitions(run: dict[str, Any], disclosure: dict[str, Any]) -> list[dict[str, Any]]:
        from sovex.pipeline import plan_partitions

        # `disclosure` is only a dependency: tables are sized after the gates ran.
        return plan_partitions(task_settings(), RunContext.from_xcom(run))

    # One mapped task per partition of each table; the cap keeps a run from taking every
    # worker slot (SOVEX_PARTITION_CONCURRENCY, read where the DAG is parsed).
    @task(max_active_tis_per_dag=_partition_concurrency())
    def extract_partition(run: dict[str, Any], partition: dict[str, Any]) -> list[PartRecord]:
        from sovex.pipeline import extract_table

        return extract_table(
            task_settings(),
            RunContext.from_xcom(run),
            partition["table"],
            partition["index"],
            partition["count"],
        )

    @task
    def build_aggregates(
        run: dict[str, Any], parts_per_table: list[list[PartRecord]]
    ) -> list[PartRecord]:
        from sovex.pipeline import build_aggregates

        parts = [p for parts in parts_per_table for p in parts]
        return build_aggregates(task_settings(), RunContext.from_xcom(run), parts)

    @task
    def check_release(
        run: dict[str, Any],
        parts_per_table: list[list[PartRecord]],
        aggregates: list[PartRecord],
    ) -> dict[str, Any]:
        from sovex.pipeline import check_release

        parts = [p for parts in parts_per_table for p in parts]
        return check_release(task_settings(), RunContext.from_xcom(run), [*parts, *aggregates])

    @task
    def publish(
        run: dict[str, Any],
        parts_per_table: list[list[PartRecord]],
        aggregates: list[PartRecord],
        policy: dict[str, Any],
        consent: dict[str, Any],
        gate: dict[str, Any],
    ) -> dict[str, Any]:
        from sovex.pipeline import publish

        parts = [p for parts in parts_per_table for p in parts]
        return publish(
            task_settings(), RunContext.from_xcom(run), [*parts, *aggregates], policy, consent, gate
        )

    run = prepare()
    policy = decide_hosting(run)
    consent = select_consented_cohort(run, policy)
    disclosure = assess_disclosure(run, consent)
    parts = extract_partition.partial(run=run).expand(partition=plan_partitions(run, disclosure))
    aggregates = build_aggregates(run, parts)
    gate = check_release(run, parts, aggregates)
    publish(run, parts, aggregates, policy, consent, gate)


_approved = _approved_requests()


@dag(
    dag_id="research_extract",
    description="Consent-gated, pseudonymised research extract published to EU storage",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=4,
    tags=["sovex", "extract"],
    default_args=DEFAULT_ARGS,
    params={"request_id": _request_param([r.request_id for r in _approved if r.runnable])},
)
def research_extract() -> None:
    _wire_tasks()


research_extract()

# One DAG per approved request with a schedule: its runs are that request's periods.
for _request in _approved:
    if _request.schedule is None:
        continue

    @dag(
        dag_id=f"research_extract__{_request.request_id}",
        description=f"Scheduled refresh of request {_request.request_id} ({_request.schedule})",
        schedule=_request.schedule,
        # catchup=False: the scheduler starts with the current period, not the past ones
        # (an earlier period can still be run by hand).
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        # One period at a time: a request runs once per period, never twice at once.
        max_active_runs=1,
        tags=["sovex", "extract", "scheduled"],
        default_args=DEFAULT_ARGS,
        params={"request_id": _request_param([_request.request_id])},
    )
    def scheduled_research_extract() -> None:
        _wire_tasks()

    scheduled_research_extract()
