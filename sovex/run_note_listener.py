"""The note of every extract run, however it was started (`sovex run`, the scheduler, the
UI's trigger button): an Airflow listener, registered by sovex's plugin.

Airflow 3 gives a task no supported way to write its run's note (apache/airflow#64890),
but the process that decides a run's final state (the scheduler, or `dag.test()` for
`sovex run`) calls its listeners with the run's database row, inside its own session.
Setting the note there is committed with the run's state: no second connection, no lock
taken against the scheduler's own transaction on SQLite. `dag.test()` hands its listeners
a run detached from any session; `sovex run` writes that note itself after the run.

The run is found the way its first task found it: the request id from the run's conf or,
for a scheduled request's own DAG, from the DAG id; the logical date, or the time the run
was due. A run of any other DAG is left alone.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.listeners import hookimpl
from sqlalchemy.orm import object_session

from sovex.model.run import RunFolder, make_extract_id
from sovex.model.settings import task_settings
from sovex.run_progress import read_progress, run_note

EXTRACT_DAG_ID = "research_extract"
SCHEDULED_DAG_PREFIX = f"{EXTRACT_DAG_ID}__"

log = logging.getLogger(__name__)


def extract_run_identity(
    dag_id: str, conf: Any, logical_date: datetime | None, run_after: datetime | None
) -> tuple[str, datetime] | None:
    """The (request id, run time) an extract run's first task used, or None for a run
    that is not an extract or names no request."""
    if dag_id != EXTRACT_DAG_ID and not dag_id.startswith(SCHEDULED_DAG_PREFIX):
        return None
    request_id = conf.get("request_id") if isinstance(conf, dict) else None
    if not request_id and dag_id.startswith(SCHEDULED_DAG_PREFIX):
        request_id = dag_id[len(SCHEDULED_DAG_PREFIX) :]
    when = logical_date or run_after
    if not isinstance(request_id, str) or not request_id or when is None:
        return None
    return request_id, when


def note_for_run(dag_run: Any) -> str | None:
    """The note for this finished run, from its run folder (progress and outcome), or None
    when the run is not an extract run."""
    identity = extract_run_identity(
        dag_run.dag_id, dag_run.conf, dag_run.logical_date, dag_run.run_after
    )
    if identity is None:
        return None
    extract_id = make_extract_id(*identity)
    folder = RunFolder.under(task_settings().runs_dir, extract_id)
    outcome = folder.read_record(folder.outcome_file) if folder.outcome_file.is_file() else None
    return run_note(extract_id, read_progress(folder), outcome)


def _write_note(dag_run: Any) -> None:
    # `dag.test()` (`sovex run`) hands over a run detached from its session: `sovex run`
    # writes that note itself once the run is over (airflow_runner.record_run_note).
    if object_session(dag_run) is None:
        return
    # A note that cannot be written is a warning: the run's own result stands, and a
    # listener's error must never disturb the scheduler.
    try:
        note = note_for_run(dag_run)
        if note is not None:
            dag_run.note = note
    except Exception as error:
        log.warning(
            "sovex: could not write the note of run %s (%s)", dag_run.run_id, type(error).__name__
        )


@hookimpl
def on_dag_run_success(dag_run: Any, msg: str) -> None:
    _write_note(dag_run)


@hookimpl
def on_dag_run_failed(dag_run: Any, msg: str) -> None:
    _write_note(dag_run)
