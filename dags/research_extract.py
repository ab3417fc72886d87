"""research_extract: one approved extract request → a published, pseudonymised extract.

This file only wires tasks; each task body is one call into `sovex.pipeline`. Nothing
heavy is imported at parse time and no connection is looked up here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import Param, dag, task

if TYPE_CHECKING:
    from sovex.settings import Settings

DEFAULT_ARGS = {
    "owner": "data-steward",
    # A refused target or a failed gate is not transient: the steward fixes and reruns.
    "retries": 0,
    "execution_timeout": timedelta(hours=6),
}


def _settings() -> Settings:
    import os

    from sovex.settings import settings_from_environ

    # A task is an entry point: the environment is read here, once, and passed down.
    return settings_from_environ(os.environ)


@dag(
    dag_id="research_extract",
    description="Consent-gated, pseudonymised research extract published to EU storage",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=4,
    tags=["sovex", "extract"],
    default_args=DEFAULT_ARGS,
    params={
        "request_file": Param(
            type="string",
            minLength=1,
            description="Path of the extract request YAML to run (validated before anything)",
        )
    },
)
def research_extract() -> None:
    @task
    def prepare(**context: Any) -> dict[str, Any]:
        from sovex.pipeline import prepare_run

        logical_date = context.get("logical_date") or context["dag_run"].run_after
        return prepare_run(_settings(), context["params"]["request_file"], logical_date)

    @task
    def decide_hosting(run: dict[str, Any]) -> dict[str, Any]:
        from sovex.pipeline import decide_hosting

        return decide_hosting(_settings(), run)

    @task
    def select_consented_cohort(run: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
        from sovex.pipeline import select_consented_cohort

        # `policy` is only a dependency: no source row is read before an allowed decision.
        return select_consented_cohort(_settings(), run)

    @task
    def assess_disclosure(run: dict[str, Any], consent: dict[str, Any]) -> dict[str, Any]:
        from sovex.pipeline import assess_disclosure

        # `consent` is only a dependency: k is assessed on the consented cohort.
        return assess_disclosure(_settings(), run)

    @task
    def requested_tables(run: dict[str, Any]) -> list[str]:
        return list(run["tables"])

    @task(max_active_tis_per_dag=2)
    def extract_table(run: dict[str, Any], disclosure: dict[str, Any], table: str) -> list[dict]:
        from sovex.pipeline import extract_table

        return extract_table(_settings(), run, table)

    @task
    def build_aggregates(run: dict[str, Any], parts_per_table: list[list[dict]]) -> list[dict]:
        from sovex.pipeline import build_aggregates

        return build_aggregates(_settings(), run, [p for parts in parts_per_table for p in parts])

    @task
    def check_release(
        run: dict[str, Any], parts_per_table: list[list[dict]], aggregates: list[dict]
    ) -> dict[str, Any]:
        from sovex.pipeline import check_release

        parts = [p for parts in parts_per_table for p in parts]
        return check_release(_settings(), run, [*parts, *aggregates])

    @task
    def publish(
        run: dict[str, Any],
        parts_per_table: list[list[dict]],
        aggregates: list[dict],
        policy: dict[str, Any],
        consent: dict[str, Any],
        gate: dict[str, Any],
    ) -> dict[str, Any]:
        from sovex.pipeline import publish

        parts = [p for parts in parts_per_table for p in parts]
        return publish(_settings(), run, [*parts, *aggregates], policy, consent, gate)

    run = prepare()
    policy = decide_hosting(run)
    consent = select_consented_cohort(run, policy)
    disclosure = assess_disclosure(run, consent)
    parts = extract_table.partial(run=run, disclosure=disclosure).expand(
        table=requested_tables(run)
    )
    aggregates = build_aggregates(run, parts)
    gate = check_release(run, parts, aggregates)
    publish(run, parts, aggregates, policy, consent, gate)


research_extract()
