"""consent_sync: load the consent portal's new FHIR Consent exports into the registry.

Idempotent: a file already loaded changes nothing, so the DAG runs hourly and every run
of `research_extract` sees choices at most an hour old. This file only wires the task;
its body is one call into `sovex.consent_sync`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import dag, task

DEFAULT_ARGS = {
    "owner": "data-steward",
    # A file still being written or a locked database is transient: retry.
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=2),
}


@dag(
    dag_id="consent_sync",
    description="Load new FHIR Consent exports (NDJSON / Bundle) into the consent registry",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["sovex", "consent"],
    default_args=DEFAULT_ARGS,
)
def consent_sync() -> None:
    @task
    def load_new_consent_files(**context: Any) -> list[dict[str, Any]]:
        import os

        from sovex.consent_sync import sync_consents, synced_json
        from sovex.model.settings import settings_from_environ

        # A task is an entry point: the environment is read here, once, and passed down.
        settings = settings_from_environ(os.environ)
        at = context.get("data_interval_end") or context["dag_run"].run_after
        return synced_json(sync_consents(settings, at))

    load_new_consent_files()


consent_sync()
