"""Running the `research_extract` DAG in-process with Airflow's own `dag.test()`.

Airflow reads its configuration from the environment when it is first imported, so the
entry point calls `configure_airflow_environ` before anything imports airflow.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sovex.accounts import FAB_AUTH_MANAGER
from sovex.model.errors import ConfigurationError, InvalidInput, SovexError, error_from_record
from sovex.model.request import SLUG_PATTERN, load_request
from sovex.model.run import RunFolder, make_extract_id
from sovex.model.settings import Settings
from sovex.roles import SYSTEM_ACTOR
from sovex.run_hygiene import (
    HOLDER_CLI,
    committed_run_date,
    make_state_private,
    recover_dead_runs,
    run_lease,
)
from sovex.run_progress import read_progress, run_note

LOG = logging.getLogger(__name__)

DAG_ID = "research_extract"
MIGRATED_MARKER = ".sovex-db-migrated"


def airflow_environ(settings: Settings) -> dict[str, str]:
    """The variables Airflow and Great Expectations read, all pointing into the state dir."""
    return {
        "AIRFLOW_HOME": str(settings.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{settings.airflow_home}/airflow.db",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.logs_dir / "airflow"),
        # Port 8080 is SeaweedFS's volume port on these machines.
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(PREFERRED_API_PORT),
        "GX_ANALYTICS_ENABLED": "false",
        # Real accounts (issue 20): users with hashed passwords in the metadata database,
        # synced from infra/roles.yaml by `sovex users sync`.
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
        "SOVEX_STATE_DIR": str(settings.state_dir),
    }


PREFERRED_API_PORT = 8081


def free_api_port(preferred: int = PREFERRED_API_PORT) -> int:
    """`preferred` if nothing listens there on 127.0.0.1, else any free port."""
    import socket

    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise ConfigurationError("no free TCP port on 127.0.0.1 for the Airflow API")


def configure_airflow_environ(settings: Settings, environ: MutableMapping[str, str]) -> None:
    for name, value in airflow_environ(settings).items():
        environ.setdefault(name, value)
    settings.airflow_home.mkdir(parents=True, exist_ok=True)


def migrate_metadata_db(settings: Settings) -> None:
    """`airflow db migrate` once per Airflow version (SQLite under the state dir)."""
    import airflow

    marker = settings.airflow_home / MIGRATED_MARKER
    # With the FAB auth manager's tables (issue 20): a database migrated before needs them.
    migrated = f"{airflow.__version__} fab"
    if marker.is_file() and marker.read_text().strip() == migrated:
        return
    airflow_cli = Path(sys.executable).parent / "airflow"
    completed = subprocess.run(
        [str(airflow_cli), "db", "migrate"], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        log = settings.logs_dir / "airflow-db-migrate.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(completed.stdout + completed.stderr)
        raise ConfigurationError(f"`airflow db migrate` failed: see {log}")
    marker.write_text(migrated)


@contextlib.contextmanager
def settings_exported(settings: Settings) -> Iterator[None]:
    """Tasks run in this process and read their settings from the environment: hand them
    exactly these settings for the run, then restore the environment."""
    exported = settings.as_environ()
    saved = {name: os.environ.get(name) for name in exported}
    os.environ.update(exported)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def output_to(log_file: Path) -> Iterator[TextIO]:
    """Send this process's stdout/stderr (Airflow's task logs) to a file for a while;
    yields the terminal's stderr, for the progress lines meant for the person."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("ab") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
        terminal = os.fdopen(os.dup(saved[1]), "w", buffering=1, encoding="utf-8")
        try:
            yield terminal
        finally:
            terminal.close()
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


_dag_cache: dict[tuple[Path, str], Any] = {}


def load_dag(settings: Settings, dag_id: str = DAG_ID) -> Any:
    """The DAG, parsed once per process (a scheduled request's DAG exists only once the
    request is approved: an unknown id re-reads the folder)."""
    key = (settings.dags_dir, dag_id)
    if key not in _dag_cache:
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(settings.dags_dir))
        if bag.import_errors:
            raise ConfigurationError(
                "DAG import errors: " + "; ".join(f"{k}: {v}" for k, v in bag.import_errors.items())
            )
        dag = bag.get_dag(dag_id)
        if dag is None:
            raise ConfigurationError(
                f"no DAG {dag_id!r} in {settings.dags_dir} (is the request approved and scheduled?)"
            )
        _dag_cache[key] = dag
    return _dag_cache[key]


@dataclass(frozen=True)
class RunResult:
    extract_id: str
    log_file: Path
    result: dict[str, Any]
    note: str = ""


def _raise_from_outcome(outcome: dict[str, Any], log_file: Path) -> None:
    """The failed step's own error, rebuilt from its record (`error_from_record`)."""
    error = error_from_record(outcome)
    if type(error) is SovexError:  # an internal error: its details are in the log
        raise SovexError(f"run failed in step {outcome.get('step')}: {error} (log: {log_file})")
    raise error


def request_id_of(settings: Settings, request: Path | str) -> str:
    """A request id, or the id of a request file, which must be the file that was
    submitted (running another file under an approved id is refused)."""
    from sovex.governance.store import RequestStore

    text = str(request)
    path = Path(request)
    if re.fullmatch(SLUG_PATTERN, text) and path.suffix not in (".yaml", ".yml"):
        _require_runnable(settings, RequestStore.for_settings(settings), text)
        return text
    if path.suffix not in (".yaml", ".yml"):
        # An id names a log file and a run folder: never a path, and only one submitted.
        raise InvalidInput(
            f"request {text[:80]!r}: not a request id (lower-case letters, digits and "
            "hyphens, at most 63) nor a request file (.yaml)"
        )
    request_id = load_request(path, settings.catalogs_dir, settings.targets_dir).id
    store = RequestStore.for_settings(settings)
    submitted = store.get(request_id).submission.request_file
    if submitted.resolve() != path.resolve():
        raise InvalidInput(
            f"{path}: not the submitted file of request {request_id!r} ({submitted}); "
            "submit it with `sovex request submit` and have a steward approve it"
        )
    _require_runnable(settings, store, request_id)
    return request_id


def _require_runnable(settings: Settings, store: Any, request_id: str) -> None:
    """Refuse, before Airflow starts, what the DAG's first task would refuse: a request not
    approved (or running, or a one-off already published), an approved file gone or
    changed since its approval (the change is recorded: the request is back to submitted)."""
    from sovex.roles import SYSTEM_ACTOR

    request_file = store.get(request_id).submission.request_file
    if not request_file.is_file():
        raise InvalidInput(
            f"request {request_id!r}: its approved file {request_file} is gone; submit the "
            "request again from where it now is and have a steward approve it"
        )
    current = load_request(request_file, settings.catalogs_dir, settings.targets_dir)
    store.check_runnable(request_id, current.sha256(), SYSTEM_ACTOR, datetime.now(UTC))


def run_request(
    settings: Settings,
    request: Path | str,
    logical_date: datetime,
    dag_id: str = DAG_ID,
    show_progress: bool = False,
) -> RunResult:
    """Run the DAG for one approved request (its id or its file); raise the step's error
    if it failed. The approval is checked by the DAG's first task, before any read. The
    run's note in Airflow says how it ended (the failed step's report) and the rows
    written per table; with `show_progress` the terminal follows the steps as they go."""
    request_id = request_id_of(settings, request)
    make_state_private(settings)
    # What a killed run left (a request stuck running, patient keys on disk) goes first.
    recover_dead_runs(settings, SYSTEM_ACTOR)
    # A run that failed after its manifest was written is finished, not published again.
    logical_date = committed_run_date(settings, request_id) or logical_date
    extract_id = make_extract_id(request_id, logical_date)
    folder = RunFolder.under(settings.runs_dir, extract_id)
    log_file = settings.logs_dir / "runs" / f"{extract_id}.log"
    migrate_metadata_db(settings)
    with (
        run_lease(settings, extract_id, HOLDER_CLI),
        settings_exported(settings),
        output_to(log_file) as terminal,
    ):
        dag = load_dag(settings, dag_id)
        with progress_shown(folder, terminal if show_progress else None):
            dag_run = dag.test(run_conf={"request_id": request_id}, logical_date=logical_date)
    outcome = folder.read_record(folder.outcome_file) if folder.outcome_file.is_file() else None
    note = run_note(extract_id, read_progress(folder), outcome)
    record_run_note(dag_run.dag_id, dag_run.run_id, note)
    if outcome and not outcome.get("ok"):
        _raise_from_outcome(outcome, log_file)
    if dag_run.state != "success" or not folder.result_file.is_file():
        raise SovexError(
            f"run {extract_id} did not finish (state {dag_run.state}); log: {log_file}"
        )
    return RunResult(
        extract_id=extract_id,
        log_file=log_file,
        result=folder.read_record(folder.result_file),
        note=note,
    )


PROGRESS_POLL_SECONDS = 1.0


@contextlib.contextmanager
def progress_shown(folder: RunFolder, terminal: TextIO | None) -> Iterator[None]:
    """While the block runs, write the run's progress line to `terminal` each time it
    changes (a thread reading the progress file the steps append to)."""
    if terminal is None:
        yield
        return
    stop = threading.Event()

    def follow() -> None:
        shown = ""
        while True:
            line = read_progress(folder).summary()
            if line != shown:
                stamp = datetime.now(UTC).strftime("%H:%M:%S")
                terminal.write(f"  {stamp} {line}\n")
                shown = line
            if stop.wait(PROGRESS_POLL_SECONDS):
                return

    follower = threading.Thread(target=follow, name="sovex-progress", daemon=True)
    follower.start()
    try:
        yield
    finally:
        stop.set()
        follower.join(timeout=5)


def record_run_note(dag_id: str, run_id: str, note: str) -> None:
    """The run's note in Airflow's metadata (shown in the run list and the run's page).
    A note that cannot be written is a warning: the run's own result stands."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    try:
        with create_session() as session:
            dag_run = session.scalar(
                select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
            )
            if dag_run is not None:
                dag_run.note = note
    except Exception as error:  # the note is for people; the run's outcome is what counts
        LOG.warning("could not record the note of run %s (%s)", run_id, type(error).__name__)


def recorded_run_note(dag_id: str, logical_date: datetime) -> str | None:
    """The note of the DAG's run at this logical date (what the Airflow UI shows)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        dag_run = session.scalar(
            select(DagRun)
            .where(DagRun.dag_id == dag_id, DagRun.logical_date == logical_date)
            .order_by(DagRun.id.desc())
        )
        return None if dag_run is None else dag_run.note
